"""The tabular engine through HTTP: template, export, validation, error workbook, commit, round trip."""

import io
import zipfile

import openpyxl
import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from kechuang.audit.models import ChangeEntry
from kechuang.enterprises.models import Enterprise, EnterpriseYear
from kechuang.tabular.models import ImportJob

pytestmark = pytest.mark.django_db

YEAR_HEADERS = ["统一社会信用代码", "年度", "销售收入", "研发费用", "职工总数", "科技人员数"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def xlsx(rows, headers=YEAR_HEADERS, sheet="数据", merge=None, formula=None) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet(sheet)
    for c, h in enumerate(headers):
        ws.write(0, c, h)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    if merge:
        ws.merge_range(merge, headers[0])
    if formula:
        ws.write_formula(formula[0], formula[1], formula[2], None, 2)
    book.close()
    return buffer.getvalue()


def upload(client, data: bytes, sheet="enterprise-years", name="data.xlsx"):
    response = client.post(f"/tables/{sheet}/upload/", {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302, response.content[:500]
    return ImportJob.objects.latest("pk")


def commit(client, job, mode="all", reason="年报数据导入"):
    client.post(f"/tables/jobs/{job.pk}/commit/", {"mode": mode, "reason": reason})
    job.refresh_from_db()
    return job


def snapshot():
    """Registry rows and their audit entries (the import job's own steps are audited apart)."""
    entries = ChangeEntry.objects.exclude(content_type__model="importjob")
    return (Enterprise.objects.count(), EnterpriseYear.objects.count(), entries.count())


def own_enterprise(user):
    return user("qiye").enterprises.get()  # in 汉丰街道


@pytest.fixture
def clerk(dept):
    """A bureau clerk who keeps the ledger of 汉丰街道 only (enterprises themselves submit for review)."""
    return _account("hanfeng-clerk", "bureau_admin", "subtree", dept("汉丰街道"))


def test_template_has_headers_dropdowns_hidden_id_and_instructions(client_as):
    response = client_as("kjj").get("/tables/enterprises/template.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["数据", "填写说明", "字典"]
    data = book["数据"]
    headers = [c.value for c in data[1]]
    assert headers[:4] == ["_id", "统一社会信用代码", "企业名称", "所在镇乡街道"]
    assert data.column_dimensions["A"].hidden
    lists = [dv.formula1 for dv in data.data_validations.dataValidation]
    assert any("字典" in f for f in lists)
    assert book["字典"].sheet_state == "hidden"
    towns = [c.value for c in book["字典"]["A"]][1:]
    assert "汉丰街道" in towns and len(towns) == 40
    guide = "\n".join(str(c.value) for row in book["填写说明"].iter_rows() for c in row if c.value)
    assert "统一社会信用代码" in guide and "必填" in guide


def test_export_then_reimport_changes_nothing(client_as):
    client = client_as("kjj")
    exported = b"".join(client.get("/tables/enterprise-years/export.xlsx", {"town": ""}).streaming_content)
    rows = openpyxl.load_workbook(io.BytesIO(exported), read_only=True)["数据"].max_row - 1
    assert rows == EnterpriseYear.objects.filter(superseded_at__isnull=True).count()
    before = snapshot()
    job = upload(client, exported)
    assert job.status == "validated" and job.error_rows == 0 and job.total_rows == rows
    job = commit(client, job)
    assert job.status == "done", job.file_error
    assert job.result == {"created": 0, "updated": 0, "unchanged": rows, "skipped": 0}
    assert snapshot() == before


def test_edited_export_creates_a_new_version_with_the_reason(client_as, user, clerk):
    client = client_as(clerk)
    own = own_enterprise(user)
    exported = b"".join(client.get("/tables/enterprise-years/export.xlsx").streaming_content)
    book = openpyxl.load_workbook(io.BytesIO(exported))
    sheet = book["数据"]
    headers = [c.value for c in sheet[1]]
    year_col, rd_col = headers.index("年度") + 1, headers.index("研发费用") + 1
    code_col = headers.index("统一社会信用代码") + 1
    target = next(
        r
        for r in range(2, sheet.max_row + 1)
        if sheet.cell(r, year_col).value == 2024 and sheet.cell(r, code_col).value == own.credit_code
    )
    sheet.cell(target, rd_col).value = sheet.cell(target, rd_col).value + 12345
    buffer = io.BytesIO()
    book.save(buffer)
    job = commit(client, upload(client, buffer.getvalue()), reason="更正2024年研发费用")
    assert job.result["updated"] == 1 and job.result["unchanged"] == sheet.max_row - 2
    assert own.years.filter(year=2024).count() == 2
    newest = own.years.get(year=2024, superseded_at__isnull=True)
    entry = ChangeEntry.objects.filter(object_id=str(newest.pk), content_type__model="enterpriseyear").get()
    assert entry.source == "import" and entry.reason == "更正2024年研发费用" and entry.actor == clerk


def test_every_bad_cell_is_reported_and_nothing_is_stored(client_as, user, clerk):
    code = own_enterprise(user).credit_code
    rows = [
        [code[:-1] + ("0" if code[-1] != "0" else "1"), 2024, 100, 1, 10, 1],  # wrong check digit
        [code, 2023, "三千万", 1, 10, 1],  # text in a number column
        [code, 2022, 100, 1, 10, 20],  # more S&T staff than employees
        [code, 2021, 100, 1, 10, 1],
        [code, 2021, 200, 1, 10, 1],  # duplicate natural key
        [code, "2020年", 100, 1, 10, 1],
        [None, 2019, 100, 1, 10, 1],  # missing required cell
    ]
    before = snapshot()
    client = client_as(clerk)
    job = upload(client, xlsx(rows))
    assert job.status == "validated" and job.total_rows == 7 and job.error_rows == 6
    messages = {(e["row"], e["column"]): e["message"] for e in job.errors}
    assert "校验位错误" in messages[(2, "统一社会信用代码")]
    assert messages[(3, "销售收入")] == "“三千万”不是数字"
    assert messages[(4, "科技人员数")] == "科技人员数不能超过职工总数。"
    assert messages[(6, "统一社会信用代码")].startswith("与第 5 行重复")
    assert messages[(7, "年度")] == "“2020年”不是整数"
    assert messages[(8, "统一社会信用代码")] == "必填"
    assert snapshot()[:2] == before[:2] and snapshot()[2] == before[2]
    page = client.get(f"/tables/jobs/{job.pk}/").content.decode()
    assert "“三千万”不是数字" in page and "只导入正确的行" in page
    # all-or-nothing is refused outright; the valid row can be imported on its own
    refused = commit(client, job, mode="all")
    assert refused.status == "validated" and snapshot()[:2] == before[:2]
    done = commit(client, job, mode="valid_only")
    assert done.status == "done" and done.result["skipped"] == 6
    assert done.result["created"] + done.result["updated"] + done.result["unchanged"] == 1


def test_error_workbook_marks_cells_and_explains(client_as, user, clerk):
    code = own_enterprise(user).credit_code
    client = client_as(clerk)
    job = upload(client, xlsx([[code, 2023, "很多", 1, 10, 1], [code, 2022, 100, 1, 10, 1]]))
    response = client.get(f"/tables/jobs/{job.pk}/errors.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["数据"]
    header = [c.value for c in sheet[1]]
    assert header[-1] == "错误说明"
    assert sheet.cell(2, len(header)).value == "销售收入：“很多”不是数字"
    assert sheet.cell(2, 3).fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet.cell(3, len(header)).value is None


@pytest.mark.parametrize(
    "data_factory, message",
    [
        (lambda: xlsx([], headers=YEAR_HEADERS), "只有表头，没有数据行"),
        (lambda: xlsx([[1, 2]], headers=["统一社会信用代码", "销售收入"]), "缺少必填列：年度"),
        (lambda: xlsx([["x", 2024, 1]], headers=["统一社会信用代码", "年度", "利润"]), "无法识别的列：利润"),
        (lambda: b"credit_code,year\n123,2024\n", "不是 Excel 工作簿"),
        (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "旧版 Excel（.xls）"),
        (
            lambda: xlsx([["x", 2024]], headers=["统一社会信用代码", "年度", "", ""], merge="A1:C1"),
            "表头有合并单元格（A1:C1）",
        ),
        (
            lambda: xlsx([["x", 2024, 5]], headers=YEAR_HEADERS[:3], formula=(1, 2, "=1+1")),
            "单元格 C2 含公式",
        ),
        (lambda: b"", "文件是空的"),
    ],
)
def test_bad_files_are_refused_with_the_reason(client_as, data_factory, message):
    before = snapshot()
    job = upload(client_as("kjj"), data_factory())
    assert job.status == "refused" and message in job.file_error, job.file_error
    assert snapshot() == before


def test_zip_bomb_is_refused(client_as):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (64 * 1024 * 1024))  # ~1000:1
    job = upload(client_as("kjj"), buffer.getvalue())
    assert job.status == "refused" and "（压缩比异常），可能是恶意文件，已拒绝。" in job.file_error


def test_oversized_file_is_refused(client_as, settings, tmp_path):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    response = client_as("kjj").post(
        "/tables/enterprise-years/upload/",
        {"file": SimpleUploadedFile("data.xlsx", b"PK" + b"x" * (2 * 1024 * 1024))},
        follow=True,
    )
    assert "文件“data.xlsx”超过 1 MB，未上传。" in response.content.decode()
    assert not ImportJob.objects.exists()
    # a file that reached the reader some other way is measured there too
    from kechuang.tabular.reader import FileRefused, open_workbook

    big = tmp_path / "big.xlsx"
    big.write_bytes(b"PK" + b"x" * (2 * 1024 * 1024))
    with pytest.raises(FileRefused, match=r"文件过大（2.0 MB），上限 1 MB"):
        open_workbook(big, "数据")


def test_rows_outside_the_users_scope_are_refused(client_as, user, clerk):
    own = own_enterprise(user)
    other = Enterprise.objects.exclude(town=own.town).first()
    job = upload(
        client_as(clerk),
        xlsx([[other.credit_code, 2024, 1, 1, 10, 1], [own.credit_code, 2024, 1, 1, 10, 1]]),
    )
    assert [(e["row"], e["message"]) for e in job.errors] == [(2, "该企业不在您的数据范围内")]
    assert client_as("hanfeng").post("/tables/enterprise-years/upload/", {}).status_code == 403
    # an enterprise's own figures go through a reviewed submission, never straight in from a file
    assert client_as("qiye").post("/tables/enterprise-years/upload/", {}).status_code == 403
    assert client_as("jxw").get(f"/tables/jobs/{job.pk}/").status_code == 404  # someone else's job


def test_exports_neutralise_formula_like_text_and_round_trip(client_as, user):
    own = own_enterprise(user)
    own.name = '=HYPERLINK("http://evil","点我")'
    own.contact_phone = "+86 023-52200000"
    own.save()
    client = client_as("kjj")
    exported = b"".join(client.get("/tables/enterprises/export.xlsx", {"ids": str(own.pk)}).streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(exported))["数据"]
    headers = [c.value for c in sheet[1]]
    name = sheet.cell(2, headers.index("企业名称") + 1)
    assert name.data_type == "s" and name.value == own.name and name.quotePrefix
    before = snapshot()
    job = commit(client, upload(client, exported, sheet="enterprises"))
    assert job.result == {"created": 0, "updated": 0, "unchanged": 1, "skipped": 0}
    assert snapshot() == before


def test_bureau_registers_enterprises_from_a_file(client_as):
    from kechuang.enterprises import creditcode

    codes = [creditcode.build("500154", f"MA6X{i:04d}") for i in range(3)]
    headers = ["统一社会信用代码", "企业名称", "所在镇乡街道", "注册日期", "技术领域"]
    rows = [
        [codes[0], "重庆开州甲科技有限公司", "汉丰街道", "2020-01-02", "新材料"],
        [codes[1], "重庆开州乙科技有限公司", "文峰街道", "2021/13/40", "新材料"],
        [codes[2], "重庆开州丙科技有限公司", "火星镇", "2022-03-04", "量子计算"],
    ]
    client = client_as("kjj")
    job = upload(client, xlsx(rows, headers=headers), sheet="enterprises")
    messages = {(e["row"], e["column"]): e["message"] for e in job.errors}
    assert messages[(3, "注册日期")] == "“2021/13/40”不是有效日期，应写作 2021-08-23"
    assert messages[(4, "所在镇乡街道")].startswith("“火星镇”不是可选值")
    assert messages[(4, "技术领域")].startswith("“量子计算”不是可选值")
    job = commit(client, job, mode="valid_only", reason="新入库企业")
    assert job.result["created"] == 1
    created = Enterprise.objects.get(credit_code=codes[0])
    assert created.town.name == "汉丰街道" and created.registered_on.isoformat() == "2020-01-02"


def test_progress_is_polled_while_busy_and_the_page_reloads_when_done(client_as, user):
    client = client_as("kjj")
    job = ImportJob.objects.create(
        sheet="enterprise-years",
        user=user("kjj"),
        file="imports/x.xlsx",
        original_name="x.xlsx",
        status="validating",
        total_rows=2000,
        processed_rows=500,
    )
    busy = client.get(f"/tables/jobs/{job.pk}/status/")
    body = busy.content.decode()
    assert busy.status_code == 200 and 'value="25"' in body and 'hx-trigger="every 1s"' in body
    assert "可以离开本页" in body
    ImportJob.objects.filter(pk=job.pk).update(status="validated")
    done = client.get(f"/tables/jobs/{job.pk}/status/")
    assert done.status_code == 204 and done["HX-Refresh"] == "true"


def test_qualifications_round_trip_and_new_certificates(client_as):
    client = client_as("kjj")
    exported = b"".join(client.get("/tables/qualifications/export.xlsx", {"kind": "hte"}).streaming_content)
    from kechuang.enterprises.models import Qualification

    count = Qualification.objects.filter(kind__code="hte").count()
    job = commit(client, upload(client, exported, sheet="qualifications"))
    assert job.result == {"created": 0, "updated": 0, "unchanged": count, "skipped": 0}
    target = Enterprise.objects.filter(qualifications__isnull=True).first()
    headers = ["统一社会信用代码", "资质", "证书/入库编号", "认定日期", "有效期至", "状态", "撤销日期"]
    rows = [
        [target.credit_code, "高新技术企业", "GR202650000123", "2026-10-20", None, "有效", None],
        [target.credit_code, "高新技术企业", "GR202650000124", "2026-10-21", "2026-01-01", "有效", None],
        [target.credit_code, "高新技术企业", "X", "2026-10-22", None, "已撤销", None],
    ]
    job = upload(client, xlsx(rows, headers=headers), sheet="qualifications")
    messages = {(e["row"], e["column"]): e["message"] for e in job.errors}
    assert messages[(3, "有效期至")] == "有效期至不能早于认定日期。"
    assert messages[(4, "撤销日期")] == "已撤销的资质必须填写撤销日期。"
    commit(client, job, mode="valid_only", reason="2026年高企认定名单")
    created = Qualification.objects.get(enterprise=target)
    assert created.number == "GR202650000123" and created.expires_on.isoformat() == "2029-10-19"


# --- the preview's parsed cells reused by the commit ------------------------------------------------


def test_commit_reuses_the_preview_only_for_the_same_file(client_as, user, settings, clerk):
    from decimal import Decimal
    from pathlib import Path

    from kechuang.tabular import parsedcache
    from kechuang.tabular.registry import get_sheet

    client = client_as(clerk)
    code = own_enterprise(user).credit_code
    job = upload(client, xlsx([[code, 2019, 1000, 50, 10, 2]]))
    cache = Path(settings.MEDIA_ROOT) / "imports" / "parsed" / f"{job.pk}.jsonl"
    assert cache.exists()
    cached = list(parsedcache.read(job, get_sheet(job.sheet)))
    assert cached[0][1]["sales_revenue"] == Decimal("1000.00")
    # the file is replaced after the preview (same name on disk): its own cells are read, not the cache
    Path(job.file.path).write_bytes(xlsx([[code, 2019, 2000, 50, 10, 2]]))
    job = commit(client, job)
    assert job.status == "done"
    stored = own_enterprise(user).years.get(year=2019, superseded_at__isnull=True)
    assert stored.sales_revenue == 2000
    assert not cache.exists()  # removed once the import is done


def test_checks_against_current_data_still_run_at_commit(client_as, user, clerk):
    client = client_as(clerk)
    own = own_enterprise(user)
    job = upload(client, xlsx([[own.credit_code, 2019, 1000, 50, 10, 2]]))
    assert job.status == "validated" and job.error_rows == 0
    # between preview and commit the enterprise moves to a town outside the clerk's scope
    own.town = Enterprise.objects.exclude(town=own.town).first().town
    own.save()
    job = commit(client, job)
    assert job.status == "failed" and "不在您的数据范围内" in str(job.errors)
    assert own.years.filter(year=2019, sales_revenue=1000).count() == 0


# --- who may commit an import job ----------------------------------------------------------------------


def _account(username, role, scope, department):
    from kechuang.org.models import RoleGrant, User

    account = User.objects.create_user(username, password="x-Unused-Pass1")
    RoleGrant.objects.create(user=account, role=role, scope=scope, department=department)
    return account


def _validated_job(client_as, user):
    client = client_as("kjj")
    enterprise = Enterprise.objects.filter(town__name="汉丰街道").order_by("pk").first()
    job = upload(client, xlsx([[enterprise.credit_code, 2025, 1000000, 91000, 40, 6]]))
    assert job.status == "validated" and job.user == user("kjj")
    return job


def test_commit_and_discard_need_the_sheets_capability_and_the_owner(client_as, user, dept):
    job = _validated_job(client_as, user)
    # an all-scope system administrator does not see business files at all (三员分立)
    admin = _account("admin-all", "system_admin", "all", dept())
    assert client_as(admin).get(f"/tables/jobs/{job.pk}/").status_code == 404
    assert (
        client_as(admin).post(f"/tables/jobs/{job.pk}/commit/", {"mode": "all", "reason": "越权"}).status_code
        == 404
    )
    # an all-scope leader sees the job but holds no enterprises.change
    client = client_as(_account("leader-all", "leader", "all", dept()))
    assert client.get(f"/tables/jobs/{job.pk}/").status_code == 200
    response = client.post(f"/tables/jobs/{job.pk}/commit/", {"mode": "all", "reason": "越权"}, follow=True)
    assert "您没有导入该表格的权限。" in response.content.decode()
    client.post(f"/tables/jobs/{job.pk}/discard/")
    job.refresh_from_db()
    assert job.status == "validated"
    # a second bureau clerk may import this sheet, but not someone else's file without taking it over
    clerk = _account("kjj2", "bureau_admin", "all", dept())
    client = client_as(clerk)
    page = client.get(f"/tables/jobs/{job.pk}/").content.decode()
    assert "接手导入任务" in page and 'id="commit"' not in page
    response = client.post(
        f"/tables/jobs/{job.pk}/commit/", {"mode": "all", "reason": "代为导入"}, follow=True
    )
    assert "须先“接手”该导入任务" in response.content.decode()
    job.refresh_from_db()
    assert job.status == "validated"
    response = client.post(f"/tables/jobs/{job.pk}/take-over/", {"reason": ""}, follow=True)
    assert "接手导入任务须填写意见" in response.content.decode()
    client.post(f"/tables/jobs/{job.pk}/take-over/", {"reason": "原经办人休假"}, REMOTE_ADDR="10.20.30.40")
    job.refresh_from_db()
    assert job.user == clerk
    takeover = ChangeEntry.objects.filter(content_type__model="importjob", object_id=str(job.pk)).latest("pk")
    assert (
        takeover.actor == clerk
        and takeover.reason == "原经办人休假"
        and takeover.changed_fields == ["user_id"]
    )
    # now the clerk commits: the data's audit entries name the clerk, the commit's reason and address
    client.post(
        f"/tables/jobs/{job.pk}/commit/", {"mode": "all", "reason": "2025年报补录"}, REMOTE_ADDR="10.20.30.41"
    )
    job.refresh_from_db()
    assert job.status == "done", job.file_error
    entry = ChangeEntry.objects.filter(content_type__model="enterpriseyear").latest("pk")
    assert (entry.actor, entry.reason, entry.ip) == (clerk, "2025年报补录", "10.20.30.41")


def test_two_quick_commits_queue_one_run(client_as, user, settings):
    from django_tasks_db.models import DBTaskResult

    job = _validated_job(client_as, user)
    # the durable queue: each queued run is a row (nothing runs without a worker)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client = client_as("kjj")
    first = ImportJob.objects.get(pk=job.pk)
    client.post(f"/tables/jobs/{job.pk}/commit/", {"mode": "all", "reason": "第一次点击"})
    response = client.post(
        f"/tables/jobs/{job.pk}/commit/", {"mode": "all", "reason": "第二次点击"}, follow=True
    )
    assert "当前状态为“导入中”，不能确认导入。" in response.content.decode()
    # a click from a page loaded before the first one finds the state moved on
    from kechuang.org.actions import ActionRefused
    from kechuang.workflow import engine

    with pytest.raises(ActionRefused, match="已被他人处理"):
        engine.perform(first, "commit", user("kjj"), comment="第三次", changes={"mode": "all"})
    queued = DBTaskResult.objects.filter(task_path="kechuang.tabular.tasks.commit_import")
    assert [r.args_kwargs["args"] for r in queued] == [[job.pk]]
    job.refresh_from_db()
    assert job.status == "committing" and job.reason == "第一次点击"
