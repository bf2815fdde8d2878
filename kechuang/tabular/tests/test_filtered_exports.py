"""A list page and the Excel export behind its link hold the same rows: one filter definition per
registry, the same query string, followed link by link as a user would."""

import io
import re
from html import unescape

import openpyxl
import pytest

from kechuang.enterprises.models import Enterprise, EnterpriseYear, Qualification, QualificationKind
from kechuang.org.models import Department

pytestmark = pytest.mark.django_db


def export_rows(response) -> list[dict]:
    assert response.status_code == 200, response.content[:300]
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True)["数据"]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=False)) for row in rows[1:]]


def link(body: str, pattern: str) -> str:
    found = re.search(rf'href="({pattern}[^"]*)"', body)
    assert found, pattern
    return unescape(found.group(1))


def follow_export(client, list_body: str, sheet: str):
    """The list page's Excel link → the sheet page → its export link → the workbook's rows."""
    sheet_page = client.get(link(list_body, f"/tables/{sheet}/"))
    assert sheet_page.status_code == 200
    return export_rows(client.get(link(sheet_page.content.decode(), f"/tables/{sheet}/export.xlsx")))


def hte():
    return QualificationKind.objects.get(name="高新技术企业").code


def enterprise_filters():
    hanfeng = Department.objects.get(name="汉丰街道").pk
    return [
        {"town": hanfeng, "qualification": hte()},
        {"town": hanfeng},
        {"qualification": hte()},
        {"field": "电子信息"},
        {"field": "先进制造与自动化", "stage": "成长期"},
        {"channel": "孵化培育", "town": hanfeng},
        {"q": "科技"},
        {},
    ]


@pytest.mark.parametrize("index", range(8))
def test_enterprise_exports_hold_the_listed_enterprises(index, client_as):
    params = enterprise_filters()[index]
    client = client_as("kjj")
    listing = client.get("/enterprises/", params)
    assert listing.status_code == 200
    listed = listing.context["page"].paginator.object_list
    listed_ids = set(listed.values_list("pk", flat=True))
    body = listing.content.decode()

    rows = follow_export(client, body, "enterprises")
    assert len(rows) == listing.context["page"].paginator.count
    assert {r["_id"] for r in rows} == listed_ids

    years = follow_export(client, body, "enterprise-years")
    expected_years = EnterpriseYear.objects.filter(enterprise__in=listed_ids, superseded_at__isnull=True)
    assert len(years) == expected_years.count()
    assert {r["统一社会信用代码"] for r in years} <= set(listed.values_list("credit_code", flat=True))

    qualifications = follow_export(client, body, "qualifications")
    assert len(qualifications) == Qualification.objects.filter(enterprise__in=listed_ids).count()


def test_hanfeng_high_tech_enterprises_export_is_the_ten_listed(client_as):
    client = client_as("kjj")
    params = {"town": Department.objects.get(name="汉丰街道").pk, "qualification": hte()}
    listing = client.get("/enterprises/", params)
    count = listing.context["page"].paginator.count
    assert count == 10 < Enterprise.objects.count()
    assert len(follow_export(client, listing.content.decode(), "enterprises")) == count


def test_export_of_yearly_data_by_year_and_qualifications_by_kind(client_as):
    client = client_as("kjj")
    town = Department.objects.get(name="汉丰街道").pk
    years = export_rows(client.get("/tables/enterprise-years/export.xlsx", {"town": town, "year": 2021}))
    assert (
        len(years)
        == EnterpriseYear.objects.filter(
            enterprise__town_id=town, year=2021, superseded_at__isnull=True
        ).count()
    )
    assert {r["年度"] for r in years} == {2021}
    kinds = export_rows(client.get("/tables/qualifications/export.xlsx", {"kind": hte()}))
    assert len(kinds) == Qualification.objects.filter(kind__code=hte()).count()


@pytest.mark.parametrize(
    "params",
    [
        {"category": "rd"},
        {"category": "service"},
        {"active": "1"},
        {"active": "1", "category": "service"},
        {"level": "市级", "active": "1"},
        {"type": "企业技术中心", "category": "rd"},
        {"type": "企业技术中心", "category": "service"},
        {},
    ],
)
def test_platform_export_holds_the_listed_platforms(params, client_as):
    client = client_as("kjj")
    listing = client.get("/platforms/", params)
    assert listing.status_code == 200
    listed = set(listing.context["page"].paginator.object_list.values_list("pk", flat=True))
    rows = follow_export(client, listing.content.decode(), "platforms")
    assert {r["_id"] for r in rows} == listed
    assert len(rows) == len(listed)


def test_platform_filters_narrow_the_export(client_as):
    client = client_as("kjj")
    everything = export_rows(client.get("/tables/platforms/export.xlsx"))
    active = export_rows(client.get("/tables/platforms/export.xlsx", {"active": "1", "category": "service"}))
    assert 0 < len(active) < len(everything)


def test_the_export_link_leaves_out_the_page_number(client_as):
    body = client_as("kjj").get("/enterprises/", {"field": "电子信息", "page": "2"}).content.decode()
    assert (
        link(body, "/tables/enterprises/")
        == "/tables/enterprises/?field=%E7%94%B5%E5%AD%90%E4%BF%A1%E6%81%AF"
    )
