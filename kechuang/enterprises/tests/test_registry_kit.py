"""The enterprise registries through the kit's generic tests, and what is their own: the enterprise's
users read their record but write the ledger neither on the pages nor through the API."""

import pytest

from kechuang.audit.models import ChangeEntry
from kechuang.enterprises.models import Enterprise, EnterpriseYear, Qualification, QualificationKind
from kechuang.testing.registry import RegistryTests


class TestEnterpriseRegistry(RegistryTests):
    registry_key = "enterprises"
    editor = "kjj"
    viewer_without_change = "leader"
    outsider = "expert"
    scoped = "hanfeng"
    filter_params = [
        {},
        {"field": "电子信息"},
        {"qualification": "hte"},
        {"field": "先进制造与自动化", "stage": "成长期"},
        {"q": "科技"},
    ]

    def create_data(self, dept):
        return {
            "credit_code": "91500154MA5U4C8F9P",
            "name": "重庆开州登记簿测试有限公司",
            "town": dept("文峰街道").pk,
            "registered_on": "2020-05-06",
            "hightech_field": "新材料",
            "industry_code": "C3985",
            "reason": "新登记",
        }

    def edit_changes(self):
        return {"contact_name": "李四", "reason": "更正联系人"}


class TestEnterpriseYearRegistry(RegistryTests):
    registry_key = "enterprise-years"
    editor = "kjj"
    viewer_without_change = "leader"
    outsider = "expert"
    scoped = "hanfeng"
    filter_params = [{}, {"year": 2021}, {"qualification": "hte", "year": 2022}, {"q": "科技"}]

    def create_data(self, dept):
        # a year the enterprise has no figures for yet, named by its credit code
        enterprise = Enterprise.objects.filter(town=dept("汉丰街道")).order_by("pk").first()
        year = next(y for y in range(2025, 1990, -1) if not enterprise.years.filter(year=y).exists())
        return {"enterprise": enterprise.credit_code, "year": year, "employees": 80, "st_staff": 9}

    def edit_changes(self):
        return {"employees": 123, "reason": "更正职工总数"}


class TestQualificationRegistry(RegistryTests):
    registry_key = "qualifications"
    editor = "kjj"
    viewer_without_change = "leader"
    outsider = "expert"
    scoped = "hanfeng"
    filter_params = [{}, {"kind": "hte"}, {"field": "电子信息"}, {"kind": "hte", "stage": "成长期"}]

    def create_data(self, dept):
        enterprise = Enterprise.objects.filter(town=dept("文峰街道")).order_by("pk").first()
        kind = QualificationKind.objects.get(code="kxqy")
        return {
            "enterprise": enterprise.credit_code,
            "kind": kind.pk,
            "issued_on": "2026-03-01",
            "reason": "入库",
        }

    def edit_changes(self):
        return {"number": "GR202650000999", "reason": "补录证书编号"}


pytestmark = pytest.mark.django_db


def own_enterprise(user):
    return user("qiye").enterprises.get()


def test_an_enterprise_reads_its_own_record_on_the_api_and_nothing_else(client_as, user):
    client = client_as("qiye")
    own = own_enterprise(user)
    listed = client.get("/api/v1/enterprises").json()
    assert [row["id"] for row in listed["results"]] == [own.pk]
    assert client.get(f"/api/v1/enterprises/{own.pk}").json()["credit_code"] == own.credit_code
    other = Enterprise.objects.exclude(pk=own.pk).first()
    assert client.get(f"/api/v1/enterprises/{other.pk}").status_code == 404
    years = client.get("/api/v1/enterprise-years").json()
    assert years["count"] == EnterpriseYear.objects.filter(enterprise=own, superseded_at__isnull=True).count()
    qualifications = client.get("/api/v1/qualifications").json()
    assert qualifications["count"] == Qualification.objects.filter(enterprise=own).count()


def test_an_enterprise_cannot_write_the_ledger_through_the_api(client_as, user):
    client = client_as("qiye")
    own = own_enterprise(user)
    name = own.name
    response = client.patch(
        f"/api/v1/enterprises/{own.pk}", {"contact_name": "冒名"}, content_type="application/json"
    )
    assert response.status_code == 403 and "权限" in response.json()["detail"]
    response = client.post(
        "/api/v1/enterprises",
        {"credit_code": "91500154MA5U4C8F9P", "name": "冒登企业"},
        content_type="application/json",
    )
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.name == name and own.contact_name != "冒名"
    assert not Enterprise.objects.filter(credit_code="91500154MA5U4C8F9P").exists()
    # nor its yearly figures or qualifications: they are proposed through a submission
    current = own.years.filter(superseded_at__isnull=True).order_by("-year").first()
    response = client.patch(
        f"/api/v1/enterprise-years/{current.pk}", {"employees": 1}, content_type="application/json"
    )
    assert response.status_code == 403
    response = client.post(
        "/api/v1/qualifications",
        {
            "enterprise": own.credit_code,
            "kind": QualificationKind.objects.get(code="hte").pk,
            "issued_on": "2026-01-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 403 and not own.qualifications.filter(issued_on="2026-01-01").exists()
    assert own.years.get(pk=current.pk).superseded_at is None


def test_the_bureau_updates_a_profile_through_the_api_with_the_pages_rules(client_as, user):
    client = client_as("kjj")
    own = own_enterprise(user)
    response = client.patch(
        f"/api/v1/enterprises/{own.pk}",
        {"contact_name": "李四", "reason": "更正联系人"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["contact_name"] == "李四"
    response = client.patch(
        f"/api/v1/enterprises/{own.pk}", {"industry_code": "X1"}, content_type="application/json"
    )
    assert response.status_code == 422 and "行业代码" in response.json()["detail"]


def test_a_town_sees_its_enterprises_but_does_not_change_the_ledger(client_as, user, dept):
    client = client_as("hanfeng")
    listed = client.get("/enterprises/").context["page"].paginator.object_list
    assert {e.town_id for e in listed} == {dept("汉丰街道").pk}
    own = own_enterprise(user)
    assert client.get(f"/enterprises/{own.pk}/edit/").status_code == 403
    response = client.patch(
        f"/api/v1/enterprises/{own.pk}", {"contact_name": "李四"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_the_list_shows_valid_qualifications_and_the_sheets_of_its_filters(client_as):
    response = client_as("kjj").get("/enterprises/", {"qualification": "hte"})
    body = response.content.decode()
    assert response.status_code == 200
    assert all(any(q.kind.code == "hte" for q in e.valid_qualifications) for e in response.context["page"])
    assert '<span class="tag">高新技术企业</span>' in body
    assert "/tables/enterprise-years/?qualification=hte" in body
    assert 'aria-label="镇乡街道"' in body and "登记企业" in body


def test_yearly_data_filter_by_the_enterprise_parameters(client_as, dept):
    town = dept("汉丰街道")
    response = client_as("kjj").get("/enterprises/years/", {"town": town.pk, "year": 2021})
    listed = response.context["page"].paginator.object_list
    assert (
        listed.count()
        == EnterpriseYear.objects.filter(enterprise__town=town, year=2021, superseded_at__isnull=True).count()
    )
    assert {(y.enterprise.town_id, y.year, y.superseded_at) for y in listed} == {(town.pk, 2021, None)}
    refused = client_as("kjj").get("/enterprises/qualifications/", {"kind": "x"})
    assert refused.status_code == 400 and "资质：“x”不是可选值" in refused.content.decode()


# --- the yearly figures and qualifications on the kit's forms and API ----------------------------------


def test_the_enterprise_page_leads_to_the_years_form_prefilled(client_as, user):
    own = own_enterprise(user)
    client = client_as("kjj")
    body = client.get(f"/enterprises/{own.pk}/").content.decode()
    current = own.years.filter(superseded_at__isnull=True).order_by("-year").first()
    assert f"/enterprises/years/{current.pk}/edit/" in body
    missing = next(y for y in range(2025, 1990, -1) if not own.years.filter(year=y).exists())
    form = client.get("/enterprises/years/new/", {"enterprise": own.credit_code, "year": missing}).context[
        "form"
    ]
    assert form["enterprise"].value() == own.credit_code and form["year"].value() == missing


def test_a_new_year_is_refused_for_a_year_already_filed_or_out_of_range(client_as, user):
    own = own_enterprise(user)
    client = client_as("kjj")
    filed = own.years.filter(superseded_at__isnull=True).order_by("-year").first().year
    before = EnterpriseYear.objects.count()
    body = client.post(
        "/enterprises/years/new/", {"enterprise": own.credit_code, "year": filed}
    ).content.decode()
    assert f"该企业 {filed} 年已有数据" in body
    body = client.post(
        "/enterprises/years/new/", {"enterprise": own.credit_code, "year": 1989}
    ).content.decode()
    assert "年度须在 1990—" in body
    body = client.post("/enterprises/years/new/", {"enterprise": "91500154MA5U4C8F9P", "year": 2020}).content
    assert "未找到该统一社会信用代码的企业" in body.decode()
    missing = next(y for y in range(2025, 1990, -1) if not own.years.filter(year=y).exists())
    body = client.post("/enterprises/years/new/", {"enterprise": own.credit_code, "year": missing}).content
    assert "请至少填写一项年度数据" in body.decode()
    assert EnterpriseYear.objects.count() == before


def test_an_unchanged_correction_says_so_and_a_change_names_the_version(client_as, user):
    from kechuang.testing.registry import form_data_of

    own = own_enterprise(user)
    client = client_as("kjj")
    current = own.years.filter(superseded_at__isnull=True).order_by("-year").first()
    data = form_data_of(client.get(f"/enterprises/years/{current.pk}/edit/").context["form"])
    response = client.post(f"/enterprises/years/{current.pk}/edit/", data, follow=True)
    assert "数据没有变化，未生成新版本。" in response.content.decode()
    response = client.post(f"/enterprises/years/{current.pk}/edit/", {**data, "employees": 999}, follow=True)
    new = own.years.get(year=current.year, superseded_at__isnull=True)
    assert new.version == current.version + 1 and new.employees == 999
    assert f"已保存为第 {new.version} 版" in response.content.decode()
    # the superseded version is no longer the one to correct
    assert client.get(f"/enterprises/years/{current.pk}/edit/").status_code == 404


def test_revoking_a_qualification_needs_a_reason_and_its_kind_stays(client_as, user):
    from kechuang.testing.registry import form_data_of

    own = own_enterprise(user)
    qualification = own.qualifications.filter(status="valid").order_by("pk").first()
    client = client_as("kjj")
    url = f"/enterprises/qualifications/{qualification.pk}/edit/"
    data = form_data_of(client.get(url).context["form"])
    other_kind = QualificationKind.objects.exclude(pk=qualification.kind_id).first()
    revoke = {**data, "status": "revoked", "revoked_on": "2026-06-30", "kind": other_kind.pk}
    assert "撤销资质须填写原因。" in client.post(url, revoke).content.decode()
    qualification.refresh_from_db()
    assert qualification.status == "valid"
    assert client.post(url, {**revoke, "reason": "弄虚作假被取消资格"}).status_code == 302
    qualification.refresh_from_db()
    assert qualification.status == "revoked" and qualification.kind_id != other_kind.pk
    entry = ChangeEntry.objects.filter(object_id=str(qualification.pk)).latest("pk")
    assert entry.reason == "弄虚作假被取消资格"


def test_the_bureau_files_and_corrects_a_year_through_the_api(client_as, user):
    own = own_enterprise(user)
    client = client_as("kjj")
    missing = next(y for y in range(2025, 1990, -1) if not own.years.filter(year=y).exists())
    response = client.post(
        "/api/v1/enterprise-years",
        {"enterprise": own.credit_code, "year": missing, "employees": 50, "st_staff": 6, "reason": "补录"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    first = response.json()
    assert first["version"] == 1 and first["employees"] == 50 and first["enterprise"] == own.pk
    response = client.patch(
        f"/api/v1/enterprise-years/{first['id']}", {"st_staff": 7}, content_type="application/json"
    )
    assert response.status_code == 200
    second = response.json()
    assert second["version"] == 2 and second["st_staff"] == 7 and second["employees"] == 50
    assert second["id"] != first["id"]
    response = client.patch(
        f"/api/v1/enterprise-years/{second['id']}", {"st_staff": 70}, content_type="application/json"
    )
    assert response.status_code == 422 and "科技人员数不能超过职工总数" in response.json()["detail"]
    response = client.post(
        "/api/v1/qualifications",
        {
            "enterprise": "91500154MA5U4C8F9P",
            "kind": QualificationKind.objects.first().pk,
            "issued_on": "2026-01-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 422 and "企业统一社会信用代码：未找到" in response.json()["detail"]
