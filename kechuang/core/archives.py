"""Zip archives from outside (.xlsx, .docx) checked before anything reads them: no zip bomb gets through.

A zip says in its directory how large each member becomes; a bomb either says so honestly (hundreds of MB,
a compression ratio in the thousands) or lies (a few KB declared, gigabytes really). Two checks:

- `check_declared` — before reading: the number of members, the declared total and every large member's
  declared ratio;
- `inflate` — while reading: each member is inflated from its raw bytes by zlib here, counting what really
  comes out, and stopped at the first chunk past its declared size, past the archive's total or past the
  ratio; at the end its size and CRC must be the declared ones. So a lie in the headers is caught before
  more than one chunk (1 MB) beyond the declared size is ever produced, whatever the readers after it do.

`verify(handle, archive, …)` runs `inflate` over every member: once it has passed, the directory is known
to tell the truth, and the declared checks hold for any reader (python-calamine, zipfile, python-docx).
Every refusal is an `ArchiveRefused` with a Chinese sentence for the uploader.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator

MAX_MEMBERS = 10_000
RATIO_FLOOR = 10 * 1024 * 1024  # below this a member may compress as well as it likes
CHUNK = 1 << 20  # the most zlib is asked for at a time
_READ = 1 << 16
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")


class ArchiveRefused(ValueError):
    """The archive is not read: it is damaged, or its contents would inflate beyond reason."""


def _mb(size: float) -> str:
    return f"{round(size / 1024 / 1024, 1):g}"


def _too_large(limit: int) -> ArchiveRefused:
    return ArchiveRefused(f"文件解压后超过 {_mb(limit)} MB（压缩比异常），可能是恶意文件，已拒绝。")


def _ratio_too_high(size: int, ratio: float) -> ArchiveRefused:
    return ArchiveRefused(
        f"文件解压后达 {_mb(size)} MB，压缩比 {ratio:.0f}:1（压缩比异常），可能是恶意文件，已拒绝。"
    )


def _lying(info: zipfile.ZipInfo) -> ArchiveRefused:
    return ArchiveRefused(
        f"文件中的“{info.filename}”解压后超过其声明的大小（{info.file_size} 字节）：压缩包的目录被篡改"
        "（压缩比异常），可能是恶意文件，已拒绝。"
    )


DAMAGED = "文件已损坏，无法读取。"


class Budget:
    """What the members of one archive may inflate to together."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self, size: int) -> None:
        self.used += size
        if self.used > self.limit:
            raise _too_large(self.limit)


def check_declared(archive: zipfile.ZipFile, max_total: int, max_ratio: float) -> list[zipfile.ZipInfo]:
    """The archive's members, once their declared sizes are within reason (raises ArchiveRefused)."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise ArchiveRefused(
            f"压缩包中有 {len(members)} 个文件，超过 {MAX_MEMBERS} 个，不是正常的文档，已拒绝。"
        )
    if len({m.filename for m in members}) != len(members):
        # readers disagree on which of two same-named members they take: the one checked might not be read
        raise ArchiveRefused("文件已损坏：压缩包中有重名的文件，不是正常的文档，已拒绝。")
    if sum(m.file_size for m in members) > max_total:
        raise _too_large(max_total)
    for m in members:
        if m.file_size > RATIO_FLOOR and m.file_size > max_ratio * max(m.compress_size, 1):
            raise _ratio_too_high(m.file_size, m.file_size / max(m.compress_size, 1))
    return members


def inflate(handle, info: zipfile.ZipInfo, budget: Budget, max_ratio: float) -> Iterator[bytes]:
    """The bytes of member `info` as they really inflate, read from the archive's file `handle`; raises
    ArchiveRefused at the first chunk past the declared size, the budget or the ratio, and at the end
    unless size and CRC are the declared ones."""
    if info.flag_bits & 0x1:
        raise ArchiveRefused("文件已加密，无法读取：请取消密码保护后再上传。")
    handle.seek(info.header_offset)
    header = handle.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise ArchiveRefused(DAMAGED)
    fields = _LOCAL_HEADER.unpack(header)
    handle.seek(info.header_offset + _LOCAL_HEADER.size + fields[-2] + fields[-1])
    produced = consumed = 0
    crc = 0
    if info.compress_type == zipfile.ZIP_STORED:
        remaining = info.compress_size
        while remaining:
            data = handle.read(min(remaining, CHUNK))
            if not data:
                raise ArchiveRefused(DAMAGED)
            remaining -= len(data)
            produced += len(data)
            budget.take(len(data))
            crc = zlib.crc32(data, crc)
            yield data
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        pending = b""
        while not inflater.eof:
            if not pending:
                pending = handle.read(_READ)
                if not pending:
                    raise ArchiveRefused(DAMAGED)
                consumed += len(pending)
            try:
                data = inflater.decompress(pending, CHUNK)
            except zlib.error:
                raise ArchiveRefused(DAMAGED) from None
            pending = inflater.unconsumed_tail
            if not data:
                continue
            produced += len(data)
            if produced > info.file_size:
                raise _lying(info)
            budget.take(len(data))
            read = consumed - len(pending)
            if produced > RATIO_FLOOR and produced > max_ratio * read:
                raise _ratio_too_high(produced, produced / max(read, 1))
            crc = zlib.crc32(data, crc)
            yield data
        if consumed - len(inflater.unused_data) != info.compress_size:
            raise ArchiveRefused(DAMAGED)
    else:
        raise ArchiveRefused("文件使用了不支持的压缩方式，不是正常的 Office 文档。")
    if produced != info.file_size or crc != info.CRC:
        raise ArchiveRefused(DAMAGED)


def verify(
    handle, members: Iterable[zipfile.ZipInfo], budget: Budget, max_ratio: float, skip: Iterable[str] = ()
) -> None:
    """Inflate every member (but those named in `skip`, which the caller reads with `inflate` itself)."""
    skipped = set(skip)
    for info in members:
        if info.filename in skipped:
            continue
        for _ in inflate(handle, info, budget, max_ratio):
            pass


def check(handle, max_total: int, max_ratio: float) -> None:
    """Everything at once, for a reader that loads the whole archive itself (a .docx)."""
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ArchiveRefused(DAMAGED) from None
    with archive:
        members = check_declared(archive, max_total, max_ratio)
        verify(handle, members, Budget(max_total), max_ratio)
