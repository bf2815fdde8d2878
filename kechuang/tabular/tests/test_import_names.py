"""A row names its enterprise by credit code and name: a name that is not the one registered under the
code is refused (row, column, both names), except in 企业信息变更, the bureau's sheet for profile updates."""

import io

import openpyxl
import pytest

from kechuang.audit.models import ChangeEntry
from kechuang.enterprises.models import Enterprise, EnterpriseYear, Qualification
from kechuang.tabular.tests.test_import import commit, upload, xlsx

pytestmark = pytest.mark.django_db

YEAR_HEADERS = ["统一社会信用代码", "企业名称", "年度", "销售收入", "研发费用"]
PROFILE_HEADERS = ["统一社会信用代码", "企业名称", "所在镇乡街道", "注册日期"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def two_enterprises():
    first, second = Enterprise.objects.select_related("town").order_by("pk")[:2]
    return first, second


def errors_of(job) -> dict:
    return {(e["row"], e["column"]): e for e in job.errors}


def test_yearly_row_with_another_enterprises_name_is_refused(client_as):
    first, second = two_enterprises()
    client = client_as("kjj")
    rows = [
        [first.credit_code, second.name, 2023, 1_000_000, 50_000],  # code of one, name of the other
        [second.credit_code, second.name, 2023, 2_000_000, 80_000],
    ]
    job = upload(client, xlsx(rows, headers=YEAR_HEADERS))
    assert job.error_rows == 1
    error = errors_of(job)[(2, "企业名称")]
    assert error["value"] == second.name
    assert error["message"] == (
        f"企业名称“{second.name}”与统一社会信用代码 {first.credit_code} 登记的企业名称“{first.name}”"
        "不一致：请核对信用代码是否填错"
    )
    before = EnterpriseYear.objects.filter(enterprise=first, year=2023, superseded_at__isnull=True).first()
    job = commit(client, job, mode="valid_only", reason="年报")
    assert job.result["skipped"] == 1
    after = EnterpriseYear.objects.filter(enterprise=first, year=2023, superseded_at__isnull=True).first()
    assert after == before and (after is None or after.version == before.version)
    assert EnterpriseYear.objects.filter(
        enterprise=second, year=2023, superseded_at__isnull=True, sales_revenue=2_000_000
    ).exists()


def test_the_registered_name_written_with_other_spaces_or_brackets_or_left_blank_is_accepted(client_as):
    first, second = two_enterprises()
    Enterprise.objects.filter(pk=first.pk).update(name="重庆开州（某某）科技有限公司")
    client = client_as("kjj")
    rows = [
        [first.credit_code, " 重庆开州(某某)科技 有限公司", 2022, 1_000_000, 50_000],
        [second.credit_code, None, 2022, 2_000_000, 80_000],
    ]
    job = upload(client, xlsx(rows, headers=YEAR_HEADERS))
    assert job.errors == []


def test_qualification_row_with_another_enterprises_name_is_refused(client_as):
    first, second = two_enterprises()
    headers = ["统一社会信用代码", "企业名称", "资质", "认定日期"]
    client = client_as("kjj")
    before = Qualification.objects.count()
    job = upload(
        client,
        xlsx([[second.credit_code, first.name, "高新技术企业", "2024-11-20"]], headers=headers),
        sheet="qualifications",
    )
    error = errors_of(job)[(2, "企业名称")]
    assert f"登记的企业名称“{second.name}”" in error["message"] and f"“{first.name}”" in error["message"]
    commit(client, job, mode="valid_only", reason="认定")
    assert Qualification.objects.count() == before


def profile_row(enterprise, name):
    return [enterprise.credit_code, name, enterprise.town.name, enterprise.registered_on.isoformat()]


def test_enterprise_list_sheet_does_not_rename_an_enterprise(client_as):
    first, _ = two_enterprises()
    client = client_as("kjj")
    job = upload(
        client, xlsx([profile_row(first, "重庆开州换名科技有限公司")], headers=PROFILE_HEADERS), "enterprises"
    )
    error = errors_of(job)[(2, "企业名称")]
    assert error["value"] == "重庆开州换名科技有限公司"
    assert f"登记的企业名称“{first.name}”不一致" in error["message"]
    commit(client, job, mode="valid_only", reason="名录")
    assert Enterprise.objects.get(pk=first.pk).name == first.name


def test_enterprise_list_sheet_keeps_the_registered_spelling(client_as):
    first, _ = two_enterprises()
    Enterprise.objects.filter(pk=first.pk).update(name="重庆开州（某某）科技有限公司")
    client = client_as("kjj")
    row = profile_row(Enterprise.objects.get(pk=first.pk), "重庆开州(某某)科技有限公司")
    job = commit(client, upload(client, xlsx([row], headers=PROFILE_HEADERS), "enterprises"))
    assert job.errors == [] and job.result["skipped"] == 0
    assert Enterprise.objects.get(pk=first.pk).name == "重庆开州（某某）科技有限公司"


def test_the_bureau_renames_an_enterprise_through_the_profile_sheet(client_as):
    first, _ = two_enterprises()
    client = client_as("kjj")
    new_name = "重庆开州换名科技有限公司"
    job = upload(client, xlsx([profile_row(first, new_name)], headers=PROFILE_HEADERS), "enterprise-profiles")
    assert job.errors == []
    job = commit(client, job, reason="营业执照变更（2024-05-06）")
    assert job.result["updated"] == 1
    assert Enterprise.objects.get(pk=first.pk).name == new_name
    entry = ChangeEntry.objects.filter(object_id=str(first.pk), content_type__model="enterprise").latest("pk")
    assert entry.before["name"] == first.name and entry.after["name"] == new_name
    assert entry.reason == "营业执照变更（2024-05-06）"


def test_the_profile_sheet_registers_no_new_enterprise(client_as):
    from kechuang.enterprises import creditcode

    first, _ = two_enterprises()
    code = creditcode.build("500154", "MA6Y0001")
    row = [code, "重庆开州新科技有限公司", first.town.name, "2023-01-01"]
    client = client_as("kjj")
    job = upload(client, xlsx([row], headers=PROFILE_HEADERS), "enterprise-profiles")
    assert errors_of(job)[(2, "统一社会信用代码")]["message"].startswith("该企业尚未登记")
    commit(client, job, mode="valid_only", reason="变更")
    assert not Enterprise.objects.filter(credit_code=code).exists()


def test_only_the_bureau_imports_profile_updates(client_as):
    assert client_as("qiye").get("/tables/enterprise-profiles/template.xlsx").status_code == 403
    assert client_as("kjj").get("/tables/enterprise-profiles/template.xlsx").status_code == 200


def guide(client, sheet) -> str:
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/tables/{sheet}/template.xlsx").content))
    return "\n".join(str(c.value) for row in book["填写说明"].iter_rows() for c in row if c.value)


def test_the_instructions_say_how_names_are_checked(client_as):
    client = client_as("kjj")
    assert "企业更名由科技局使用“企业信息变更”表导入" in guide(client, "enterprises")
    assert "即为企业更名" in guide(client, "enterprise-profiles")
    for sheet in ("enterprise-years", "qualifications"):
        assert "须与该信用代码登记的企业名称一致，不一致的行不予导入" in guide(client, sheet)


def test_an_unchanged_export_still_imports_without_errors(client_as):
    client = client_as("kjj")
    first, _ = two_enterprises()
    for sheet in ("enterprises", "enterprise-years", "qualifications", "enterprise-profiles"):
        exported = b"".join(client.get(f"/tables/{sheet}/export.xlsx", {"ids": first.pk}).streaming_content)
        job = upload(client, exported, sheet=sheet)
        assert job.errors == [], sheet
        assert job.total_rows >= 1, sheet
