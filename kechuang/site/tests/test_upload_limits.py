"""Uploads stop at their limit while they arrive: a file past it never reaches the disk, the page says
“文件超过 N MB，未上传” naming the limit, and the form's other fields still arrive. A pasted plan text has
one limit (PLAN_TEXT_MAX_CHARS), said by the page, its textarea and both refusals."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler

from kechuang.core.uploads import LimitedUploadHandler, megabytes
from kechuang.plans.models import Indicator, PlanDraft
from kechuang.progress.models import Report, ReportedValue, ReportingRound
from kechuang.tabular.models import ImportJob

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
RECEIVED: list[int] = []  # the bytes of each file that reached the temporary-file handler


class RecordingTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's own temporary-file handler, noting how much of each file it was given to write."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        RECEIVED.append(0)

    def receive_data_chunk(self, raw_data, start):
        RECEIVED[-1] += len(raw_data)
        return super().receive_data_chunk(raw_data, start)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "uploading"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    return settings.MEDIA_ROOT


def stored_files(root):
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_an_import_past_the_limit_is_cut_off_while_it_arrives(client_as, settings, media):
    settings.IMPORT_MAX_BYTES = 1 * MB
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every file goes through a temporary file on disk
    settings.FILE_UPLOAD_HANDLERS = [
        "kechuang.core.uploads.LimitedUploadHandler",
        f"{__name__}.RecordingTemporaryFileUploadHandler",
    ]
    RECEIVED.clear()
    client = client_as("kjj")
    big = SimpleUploadedFile("年报.xlsx", b"PK" + b"x" * (5 * MB))
    response = client.post("/tables/enterprise-years/upload/", {"file": big}, follow=True)
    body = response.content.decode()
    assert "文件“年报.xlsx”超过 1 MB，未上传。" in body
    assert response.redirect_chain[-1][0] == "/tables/enterprise-years/"
    assert not ImportJob.objects.exists() and stored_files(media) == []
    # at most the limit was written to the temporary file, and that file is gone
    assert RECEIVED and max(RECEIVED) <= 1 * MB
    assert list(settings.FILE_UPLOAD_TEMP_DIR.iterdir()) == []
    # the sheet page names the limit before anyone tries
    assert "不超过 1 MB" in client.get("/tables/enterprise-years/").content.decode()


def test_a_file_within_the_limit_arrives_whole(client_as, settings):
    settings.IMPORT_MAX_BYTES = 1 * MB
    client_as("kjj").post(
        "/tables/enterprise-years/upload/", {"file": SimpleUploadedFile("x.xlsx", b"PK" + b"x" * (MB - 2))}
    )
    job = ImportJob.objects.get()
    assert job.size == MB and job.status == "refused"  # not a workbook: refused by the reader instead


def test_each_view_has_its_own_limit(settings):
    from django.test import RequestFactory
    from django.urls import resolve

    settings.IMPORT_MAX_BYTES, settings.EVIDENCE_MAX_BYTES, settings.UPLOAD_MAX_BYTES = 3 * MB, 2 * MB, MB
    factory = RequestFactory()

    def limit(path):
        request = factory.post(path)
        request.resolver_match = resolve(path)
        handler = LimitedUploadHandler(request)
        handler.new_file("file", "a.bin", "application/octet-stream", None)
        return handler.limit

    assert limit("/tables/enterprises/upload/") == 3 * MB
    assert limit("/progress/reports/1/") == 2 * MB
    assert limit("/plans/drafts/new/") == settings.PLAN_FILE_MAX_BYTES
    assert limit("/org/users/new/") == MB  # a view that names none: UPLOAD_MAX_BYTES
    assert [megabytes(n) for n in (40 * MB, MB, MB // 2, 25 * MB // 10)] == ["40", "1", "0.5", "2.5"]


def test_evidence_past_its_limit_is_named_and_the_other_fields_still_count(client_as, settings, dept):
    settings.EVIDENCE_MAX_BYTES = 1 * MB
    ReportingRound.objects.filter(period="2021").delete()
    client_as("kjj").post(
        "/progress/rounds/", {"period": "2021", "frequency": "yearly", "due_on": "2022-01-31"}
    )
    report = Report.objects.get(round__period="2021", department=dept("区统计局"))
    indicator = Indicator.objects.get(code="8-1")
    client = client_as("tjj")
    assert "每个不超过 1 MB" in client.get(f"/progress/reports/{report.pk}/").content.decode()
    # the file comes first in the form: the figures after it must still arrive
    data = {
        f"evidence_{indicator.pk}": SimpleUploadedFile("年报.pdf", PDF + b"0" * (2 * MB)),
        f"numerator_{indicator.pk}": "91854",
        f"denominator_{indicator.pk}": "5670000",
    }
    body = client.post(f"/progress/reports/{report.pk}/", data).content.decode()
    assert "文件“年报.pdf”超过 1 MB，未上传。请重新选择文件。" in body
    value = ReportedValue.objects.get(report=report, indicator=indicator)
    assert value.numerator is not None and not value.evidence  # the figures kept, no file


def test_a_plan_file_past_its_limit_is_named(client_as, settings):
    settings.PLAN_FILE_MAX_BYTES = 1 * MB
    client = client_as("kjj")
    assert "不超过 1 MB" in client.get("/plans/drafts/new/").content.decode()
    body = client.post(
        "/plans/drafts/new/", {"file": SimpleUploadedFile("方案.txt", "到2025年".encode() * MB)}
    ).content.decode()
    assert "文件“方案.txt”超过 1 MB，未上传。" in body and not PlanDraft.objects.exists()


def test_the_plan_text_limit_is_stated_once_and_kept(client_as, settings):
    settings.PLAN_TEXT_MAX_CHARS = 20_000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 20_000 * 4 + 1024
    client = client_as("kjj")
    page = client.get("/plans/drafts/new/").content.decode()
    assert "不超过 2 万字" in page and 'maxlength="20000"' in page
    # within the limit counted as the browser counts (a line break is one character)
    text = "各单位要认真抓好落实。\r\n" * 1600
    assert len(text.replace("\r\n", "\n")) <= 20_000 < len(text)
    assert client.post("/plans/drafts/new/", {"text": text}).status_code == 302
    # past it, but within the request limit: the view refuses, naming the limit
    body = client.post("/plans/drafts/new/", {"text": "长" * 20_001}).content.decode()
    assert "超过 2 万字的上限，未处理" in body
    # past the request limit: a Chinese 400 naming both limits, nothing stored
    before = PlanDraft.objects.count()
    response = client.post("/plans/drafts/new/", {"text": "长" * 40_000})
    assert response.status_code == 400
    body = response.content.decode()
    assert "提交的内容超过 0.1 MB，未处理：粘贴的方案原文不能超过 2 万字" in body
    assert PlanDraft.objects.count() == before


def test_the_default_request_limit_takes_the_longest_plan_text(settings):
    # 200万字 of Chinese in UTF-8 (3 bytes a character) fits the form limit, with room for the rest
    assert settings.PLAN_TEXT_MAX_CHARS == 2_000_000
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE >= settings.PLAN_TEXT_MAX_CHARS * 4


def test_a_request_too_large_for_the_api_answers_in_its_schema(client_as, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = MB // 10
    response = client_as("kjj").post("/api/v1/projects", {"x": "长" * MB}, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "请求体超过 0.1 MB，未处理。"}
