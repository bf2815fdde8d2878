"""A .xlsx is a zip: one that would inflate beyond reason is refused with the reason in Chinese — whether it
says so in its directory (a huge ratio) or lies there (small declared sizes, gigabytes really) — before
any reader opens it, and never as an internal error. Every archive here is built in the test."""

import io
import struct
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kechuang.core import archives
from kechuang.plans.models import PlanDraft
from kechuang.tabular.models import ImportJob
from kechuang.tabular.reader import FileRefused, open_workbook

MB = 1024 * 1024
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORKBOOK = (
    f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets><sheet name="数据" sheetId="1" r:id="rId1"/>'
    "</sheets></workbook>"
)
RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET = "xl/worksheets/sheet1.xml"


def workbook(sheet_xml: bytes, extra: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", RELS)
        archive.writestr(SHEET, sheet_xml)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def lie_about(data: bytes, member: str, file_size: int) -> bytes:
    """The archive with `member`'s uncompressed size rewritten to `file_size`, in its central directory
    and its local header (the CRC and the data left as they are)."""
    data = bytearray(data)
    name = member.encode()
    position = data.find(b"PK\x01\x02")
    while position != -1:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if bytes(data[position + 46 : position + 46 + name_length]) == name:
            struct.pack_into("<L", data, position + 24, file_size)
            local = struct.unpack_from("<L", data, position + 42)[0]
            struct.pack_into("<L", data, local + 22, file_size)
            return bytes(data)
        position = data.find(b"PK\x01\x02", position + 4)
    raise AssertionError(f"{member} not in the archive")


def bomb_sheet(size: int) -> bytes:
    """A worksheet of `size` bytes: a valid start, then the same bytes over and over."""
    head = f'<worksheet xmlns="{_MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'.encode()
    return head + b"A" * (size - len(head))


@pytest.fixture
def path(tmp_path):
    def write(data: bytes):
        target = tmp_path / "book.xlsx"
        target.write_bytes(data)
        return target

    return write


def test_an_honest_bomb_is_refused_by_its_declared_ratio(path):
    data = workbook(bomb_sheet(64 * MB))
    assert len(data) < MB  # 64 MB of worksheet in a few hundred KB
    with pytest.raises(FileRefused) as refused:
        open_workbook(path(data), "数据")
    assert "文件解压后达 64 MB，压缩比" in str(refused.value)
    assert "（压缩比异常），可能是恶意文件，已拒绝。" in str(refused.value)


def test_a_bomb_whose_directory_lies_is_caught_while_inflating(path):
    data = lie_about(workbook(bomb_sheet(200 * MB)), SHEET, 4096)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(SHEET)
    assert info.file_size == 4096  # the directory now says 4 KB: the declared checks all pass
    archives.check_declared(zipfile.ZipFile(io.BytesIO(data)), 600 * MB, 150)
    started = time.monotonic()
    with pytest.raises(FileRefused) as refused:
        open_workbook(path(data), "数据")
    assert time.monotonic() - started < 2  # stopped at once, not after inflating 200 MB
    assert str(refused.value) == (
        "文件中的“xl/worksheets/sheet1.xml”解压后超过其声明的大小（4096 字节）：压缩包的目录被篡改"
        "（压缩比异常），可能是恶意文件，已拒绝。"
    )


def test_inflating_stops_within_one_chunk_of_the_declared_size():
    data = lie_about(workbook(bomb_sheet(50 * MB)), SHEET, 3 * MB)
    archive = zipfile.ZipFile(io.BytesIO(data))
    produced = 0
    with pytest.raises(archives.ArchiveRefused, match="超过其声明的大小"):
        for chunk in archives.inflate(
            io.BytesIO(data), archive.getinfo(SHEET), archives.Budget(600 * MB), 1e9
        ):
            produced += len(chunk)
    assert produced <= 3 * MB


def test_the_real_total_and_ratio_are_counted_too():
    # each member honest and small, together past the budget: refused by what really comes out
    members = {f"xl/media/{n}.bin": b"B" * (2 * MB) for n in range(4)}
    data = workbook(b"<worksheet/>", members)
    archive = zipfile.ZipFile(io.BytesIO(data))
    with pytest.raises(archives.ArchiveRefused, match=r"文件解压后超过 5 MB（压缩比异常）"):
        archives.verify(io.BytesIO(data), archive.infolist(), archives.Budget(5 * MB), 150)
    # a member that lies by saying it is large but compresses at a ratio nobody's XML has
    data = workbook(bomb_sheet(30 * MB))
    archive = zipfile.ZipFile(io.BytesIO(data))
    with pytest.raises(archives.ArchiveRefused, match=r"文件解压后达 1\d MB，压缩比 \d+:1（压缩比异常）"):
        archives.verify(io.BytesIO(data), archive.infolist(), archives.Budget(600 * MB), 150)


def test_two_members_of_one_name_are_refused(path):
    # one reader would check the second while another reads the first
    buffer = io.BytesIO(workbook(b"<worksheet/>"))
    with pytest.warns(UserWarning), zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(SHEET, bomb_sheet(5 * MB))
    with pytest.raises(FileRefused, match="压缩包中有重名的文件"):
        open_workbook(path(buffer.getvalue()), "数据")


def test_a_member_shorter_than_declared_or_with_a_wrong_crc_is_damaged(path):
    real = b"<worksheet/>" * 100
    data = lie_about(workbook(real), SHEET, len(real) + 10)
    with pytest.raises(FileRefused, match="文件已损坏，无法读取"):
        open_workbook(path(data), "数据")


@pytest.mark.django_db
def test_bombs_uploaded_are_refused_jobs_not_internal_errors(client_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_as("kjj")
    for data, message in [
        (workbook(bomb_sheet(64 * MB)), "文件解压后达 64 MB"),
        (lie_about(workbook(bomb_sheet(200 * MB)), SHEET, 4096), "压缩包的目录被篡改"),
    ]:
        response = client.post(
            "/tables/enterprise-years/upload/", {"file": SimpleUploadedFile("x.xlsx", data)}
        )
        assert response.status_code == 302
        job = ImportJob.objects.latest("pk")
        assert job.status == "refused" and message in job.file_error, job.file_error
        assert "内部错误" not in job.file_error
        page = client.get(f"/tables/jobs/{job.pk}/").content.decode()
        assert "可能是恶意文件，已拒绝" in page


@pytest.mark.django_db
def test_a_docx_bomb_is_refused_before_python_docx_opens_it(client_as):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document>" + b"A" * (100 * MB))
    data = lie_about(buffer.getvalue(), "word/document.xml", 2048)
    body = (
        client_as("kjj")
        .post("/plans/drafts/new/", {"file": SimpleUploadedFile("方案.docx", data)})
        .content.decode()
    )
    assert "压缩包的目录被篡改" in body and "可能是恶意文件，已拒绝" in body
    assert not PlanDraft.objects.exists()
