"""The enterprise registries through the kit's generic tests, and what is their own: the enterprise's
users read their record but write the ledger neither on the pages nor through the API."""

import pytest

from kechuang.enterprises.models import Enterprise, EnterpriseYear, Qualification
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


class TestQualificationRegistry(RegistryTests):
    registry_key = "qualifications"
    editor = "kjj"
    viewer_without_change = "leader"
    outsider = "expert"
    scoped = "hanfeng"
    filter_params = [{}, {"kind": "hte"}, {"field": "电子信息"}, {"kind": "hte", "stage": "成长期"}]


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
    # yearly data and qualifications are read-only on the API: their pages write them per enterprise
    assert client.post("/api/v1/enterprise-years", {}, content_type="application/json").status_code == 405


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
