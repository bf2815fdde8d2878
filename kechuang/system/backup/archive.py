"""The backup archive: one uncompressed tar file (POSIX pax format) holding

    db/<table>.jsonl.gz   each table's rows, one JSON array a line in primary-key order, gzip-compressed
    media/<path>          every file under MEDIA_ROOT, as it is
    manifest.json         what the archive holds: format version, time, database vendor, the migrations
                          applied per app, per table its columns, row count, next id, member and SHA-256,
                          per file its path, size and SHA-256
    SHA256SUMS            the SHA-256 of every member above, in `sha256sum` format (last)

The tar itself is not compressed so that every member can be checked on its own and a damaged byte is
traced to the member that holds it; the table members are compressed one by one. Written to
`<name>.partial` (mode 0600: it holds password hashes and personal data) and renamed when complete, so a
file of the final name is always a whole archive. Read twice on restore: once end to end to verify every
checksum before anything is touched, then member by member to load (checked again while read).
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import shutil
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BackupError

FORMAT = "kechuang-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
CHUNK = 1024 * 1024
MANIFEST_LIMIT = 256 * 1024 * 1024


class _HashingWriter:
    """A write-only file that hashes what passes through it and counts the bytes."""

    def __init__(self, raw):
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self.raw.write(data)


class HashingReader:
    """A read-only file that hashes what is read from it and counts the bytes."""

    def __init__(self, raw):
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data

    def drain(self) -> None:
        while self.read(CHUNK):
            pass

    def hexdigest(self) -> str:
        return self.sha256.hexdigest()


class Writer:
    """Writes an archive member by member; `finish` adds the manifest and the sums and renames."""

    def __init__(self, path: Path, *, mtime: float):
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        self.mtime = mtime
        self.sums: dict[str, str] = {}
        try:
            descriptor = os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as exc:
            raise BackupError(
                f"“{self.partial}”已存在：可能另一次备份正在进行，或上次备份中断。确认后删除它再试。"
            ) from exc
        except OSError as exc:
            raise BackupError(f"无法创建备份文件“{self.partial}”：{exc.strerror}") from exc
        self.file = os.fdopen(descriptor, "wb")
        self.out = _HashingWriter(self.file)
        self.tar = tarfile.open(fileobj=self.out, mode="w|", format=tarfile.PAX_FORMAT, encoding="utf-8")

    def add(self, name: str, source, size: int, mtime: float | None = None) -> str:
        """Add `size` bytes read from `source` as member `name`; returns their SHA-256."""
        info = tarfile.TarInfo(name)
        info.size = size
        info.mtime = self.mtime if mtime is None else mtime
        info.mode = 0o600
        reader = HashingReader(source)
        try:
            self.tar.addfile(info, reader)
        except OSError as exc:
            if str(exc) == "unexpected end of data":  # a file that shrank while it was read
                raise BackupError(f"“{name}”在备份时被改动（变短了），请重新备份。") from exc
            raise BackupError(f"写入备份文件“{self.partial}”失败：{exc}") from exc
        digest = reader.hexdigest()
        self.sums[name] = digest
        return digest

    def add_bytes(self, name: str, data: bytes) -> str:
        import io

        return self.add(name, io.BytesIO(data), len(data))

    def finish(self, manifest: dict) -> tuple[str, int]:
        """Write the manifest and the sums, close, flush to disk and give the archive its name.
        Returns the archive's SHA-256 and size."""
        self.add_bytes(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
        self.add_bytes(SUMS, "".join(f"{d}  {n}\n" for n, d in self.sums.items()).encode("utf-8"))
        self.tar.close()
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        os.replace(self.partial, self.path)
        return self.out.sha256.hexdigest(), self.out.size

    def abort(self) -> None:
        try:
            self.tar.close()
        except Exception:  # noqa: BLE001 — the archive is being thrown away
            pass
        self.file.close()
        self.partial.unlink(missing_ok=True)


def safe_member_path(name: str) -> bool:
    """A relative path without `..`, absolute parts or empty components."""
    if not name or name.startswith("/") or "\x00" in name:
        return False
    return posixpath.normpath(name) == name and not any(p in {"..", "."} for p in name.split("/"))


@dataclass
class Verified:
    path: Path
    manifest: dict
    members: dict[str, tuple[str, int]]  # name → (sha256, size)
    sha256: str
    size: int
    tables: dict[str, dict] = field(default_factory=dict)  # table name → its manifest entry


def verify(path: Path) -> Verified:
    """Read the whole archive and check it: every member's SHA-256 against SHA256SUMS, the manifest
    against them, nothing missing, nothing extra. Raises BackupError naming the file and the member."""
    shown = f"“{path}”"
    try:
        raw = open(path, "rb")  # noqa: SIM115 — closed below
    except FileNotFoundError as exc:
        raise BackupError(f"备份文件{shown}不存在。") from exc
    except IsADirectoryError as exc:
        raise BackupError(f"{shown}是目录，不是备份文件。") from exc
    except OSError as exc:
        raise BackupError(f"无法读取备份文件{shown}：{exc.strerror}") from exc
    members: dict[str, tuple[str, int]] = {}
    kept: dict[str, bytes] = {}
    with raw:
        whole = HashingReader(raw)
        try:
            tar = tarfile.open(fileobj=whole, mode="r|", encoding="utf-8")
        except tarfile.TarError as exc:
            raise BackupError(f"{shown}不是备份归档（无法按 tar 格式读取：{exc}）。") from exc
        current = None
        try:
            for member in tar:
                current = member.name
                if not member.isfile() or not safe_member_path(member.name):
                    raise BackupError(f"备份文件{shown}中有不应出现的成员“{member.name}”，拒绝恢复。")
                if member.name in members:
                    raise BackupError(f"备份文件{shown}中成员“{member.name}”出现了两次，拒绝恢复。")
                data = tar.extractfile(member)
                digest = hashlib.sha256()
                keep = member.name in {MANIFEST, SUMS}
                if keep and member.size > MANIFEST_LIMIT:
                    raise BackupError(f"备份文件{shown}的“{member.name}”大得不合理，拒绝恢复。")
                parts = []
                while chunk := data.read(CHUNK):
                    digest.update(chunk)
                    if keep:
                        parts.append(chunk)
                members[member.name] = (digest.hexdigest(), member.size)
                if keep:
                    kept[member.name] = b"".join(parts)
            current = None
            stopped = tar.offset
            whole.drain()
        except (tarfile.TarError, EOFError, OSError) as exc:
            where = f"在成员“{current}”处" if current else ""
            raise BackupError(f"备份文件{shown}不完整或已损坏（{where}读取失败：{exc}），拒绝恢复。") from exc

    if SUMS not in kept:
        if whole.size - stopped > tarfile.RECORDSIZE:  # more than the end-of-archive padding follows
            raise BackupError(
                f"备份文件{shown}已损坏：第 {stopped} 字节处的成员头无法识别，其后的成员（含校验清单 {SUMS}）"
                "无法读取，拒绝恢复。"
            )
        raise BackupError(f"备份文件{shown}不完整：缺少最后的校验清单 {SUMS}（文件可能被截断），拒绝恢复。")
    sums = _parse_sums(kept[SUMS], shown)
    for name, (digest, _) in members.items():
        if name == SUMS:
            continue
        if name not in sums:
            raise BackupError(f"备份文件{shown}中的成员“{name}”不在校验清单中，拒绝恢复。")
        if sums[name] != digest:
            raise BackupError(
                f"备份文件{shown}中的成员“{name}”SHA-256 校验和不符：归档已损坏或被改动，拒绝恢复。"
            )
    missing = [n for n in sums if n not in members]
    if missing:
        listed = "、".join(f"“{n}”" for n in missing[:5]) + ("等" if len(missing) > 5 else "")
        raise BackupError(f"备份文件{shown}不完整：缺少成员 {listed}（共 {len(missing)} 个），拒绝恢复。")
    if MANIFEST not in kept:
        raise BackupError(f"备份文件{shown}缺少清单 {MANIFEST}，拒绝恢复。")
    try:
        manifest = json.loads(kept[MANIFEST].decode("utf-8"))
        if manifest.get("format") != FORMAT:
            raise ValueError
    except (ValueError, AttributeError) as exc:
        raise BackupError(f"{shown}不是科创系统的备份归档（{MANIFEST} 无法识别），拒绝恢复。") from exc
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"备份文件{shown}的格式版本为 {manifest.get('format_version')}，"
            f"本系统只能恢复第 {FORMAT_VERSION} 版，拒绝恢复。"
        )
    verified = Verified(path, manifest, members, whole.hexdigest(), whole.size)
    _cross_check(verified, shown)
    return verified


def _parse_sums(data: bytes, shown: str) -> dict[str, str]:
    sums = {}
    try:
        for line in data.decode("utf-8").splitlines():
            digest, name = line.split("  ", 1)
            if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
                raise ValueError
            sums[name] = digest
    except ValueError as exc:
        raise BackupError(f"备份文件{shown}的校验清单 {SUMS} 已损坏，拒绝恢复。") from exc
    return sums


def _cross_check(verified: Verified, shown: str) -> None:
    """The manifest names exactly the members there are, with the same digests."""
    manifest, members = verified.manifest, verified.members
    try:
        entries = [(t["member"], t["sha256"], t) for t in manifest["tables"]] + [
            (f["member"], f["sha256"], None) for f in manifest["media"]
        ]
    except (KeyError, TypeError) as exc:
        raise BackupError(f"备份文件{shown}的清单 {MANIFEST} 不完整，拒绝恢复。") from exc
    named = {MANIFEST, SUMS}
    for member, digest, table in entries:
        if member not in members or members[member][0] != digest:
            raise BackupError(f"备份文件{shown}的清单与成员“{member}”不符，拒绝恢复。")
        named.add(member)
        if table is not None:
            verified.tables[table["table"]] = table
    for entry in manifest["media"]:
        if not entry["member"].startswith("media/") or entry["member"] != "media/" + entry["path"]:
            raise BackupError(f"备份文件{shown}中的文件路径“{entry['member']}”不合规，拒绝恢复。")
    extra = [n for n in members if n not in named]
    if extra:
        raise BackupError(f"备份文件{shown}中的成员“{extra[0]}”不在清单中，拒绝恢复。")


class Reader:
    """Random access to the members of a verified archive; each read is checked again against the
    digest found by `verify` (the file must not change between the two reads)."""

    def __init__(self, verified: Verified):
        self.verified = verified
        self.shown = f"“{verified.path}”"
        try:
            self.tar = tarfile.open(verified.path, mode="r:", encoding="utf-8")
            self.index = {m.name: m for m in self.tar.getmembers()}
        except (tarfile.TarError, OSError) as exc:
            raise BackupError(f"备份文件{self.shown}在校验之后无法再读取：{exc}") from exc

    def open(self, name: str) -> HashingReader:
        return HashingReader(self.tar.extractfile(self.index[name]))

    def check(self, name: str, reader: HashingReader) -> None:
        reader.drain()
        if reader.hexdigest() != self.verified.members[name][0]:
            raise BackupError(f"备份文件{self.shown}中的成员“{name}”在校验之后被改动，已撤销恢复。")

    def copy_to(self, name: str, target: Path) -> None:
        reader = self.open(name)
        with open(target, "xb") as out:
            shutil.copyfileobj(reader, out, CHUNK)
        self.check(name, reader)

    def close(self) -> None:
        self.tar.close()
