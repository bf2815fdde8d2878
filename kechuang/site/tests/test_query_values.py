"""Every list, export and API list parses its query string through one validated path: a bad value
answers with a Chinese message or a 4xx — never a server error, and never a silently widened result."""

import pytest
from django.test import Client

from kechuang.core.filtering import parse_date, parse_int
from kechuang.enterprises.selfcheck import EXPERT_ITEMS
from kechuang.org.models import Department, User
from kechuang.web.filters import IdsFilter

pytestmark = pytest.mark.django_db

BAD = [
    "²",
    "2^70",
    str(2**70),
    "9" * 40,
    "0001-01-01",
    "9999-12-31",
    "1900-01-01",
    "2100-12-31",
    "2021-02-30",
    "abc",
    "-1",
    "0",
    "1.5",
    "1,²,3",
    ",,,",
    "<script>alert(1)</script>",
    "长" * 3000,
    "a\x00b",
    "１２",  # full-width digits
]

SHEET_PARAMS = {
    "enterprises": ["q", "town", "field", "channel", "stage", "qualification", "ids"],
    "enterprise-profiles": ["town", "qualification", "ids"],
    "enterprise-years": ["q", "town", "field", "qualification", "ids", "year"],
    "qualifications": ["town", "stage", "ids", "kind"],
    "platforms": ["category", "type", "level", "active", "ids"],
}


def targets():
    own = User.objects.get(username="qiye").enterprises.get()
    pages = [
        ("/enterprises/", ["q", "town", "field", "channel", "stage", "qualification", "ids", "page"]),
        ("/enterprises/reserve/", ["as_of", "page"]),
        (f"/enterprises/{own.pk}/", ["as_of", *(key for key, _, _ in EXPERT_ITEMS)]),
        ("/platforms/", ["category", "type", "level", "active", "ids", "page"]),
        ("/projects/", ["year", "category", "status", "department", "q", "page"]),
        (
            "/audit/changes/",
            ["actor", "action", "source", "type", "object", "request_id", "from", "to", "page"],
        ),
        ("/audit/logins/", ["username", "outcome", "ip", "from", "to", "page"]),
        ("/org/users/", ["q", "department", "page"]),
        ("/org/departments/new/", ["parent"]),
        ("/plans/", ["page"]),
        ("/progress/cockpit/", ["as_of"]),
        ("/progress/rounds/", ["page"]),
        ("/api/v1/cockpit", ["as_of"]),
        ("/api/v1/plans", ["page"]),
        ("/api/v1/departments", ["page"]),
        ("/api/v1/metrics/plans.tasks_completed", ["period", "scope"]),
    ]
    for sheet, params in SHEET_PARAMS.items():
        pages.append((f"/tables/{sheet}/", [*params, "page"]))
        pages.append((f"/tables/{sheet}/export.xlsx", params))
    return pages


def test_no_value_of_any_parameter_is_a_server_error(user):
    clients = {}
    for username in ("kjj", "sysadmin", "shenji"):  # 三员分立: the bureau, accounts, the audit
        clients[username] = Client(raise_request_exception=False)  # every failure listed, not only the first
        clients[username].force_login(user(username))
    failures = []
    for url, params in targets():
        reader = "shenji" if url.startswith("/audit/") else "sysadmin" if url.startswith("/org/") else "kjj"
        client = clients[reader]
        district = Department.objects.get_parent(user("kjj").primary_department()).pk
        base = {"period": "2021", "scope": district} if "metrics/" in url else {}
        assert client.get(url, base).status_code != 403, url  # every page open: no 403 hides a failure
        for name in params:
            for value in BAD:
                response = client.get(url, {**base, name: value})
                if response.status_code >= 500:
                    failures.append(f"{url}?{name}={value[:20]!r}: {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "url, params, message",
    [
        ("/enterprises/", {"town": "²"}, "镇乡街道：“²”不是整数"),
        ("/enterprises/", {"town": str(2**70)}, "镇乡街道：“1180591620717411303424”超出范围"),
        ("/enterprises/", {"field": "量子"}, "技术领域：“量子”不是可选值"),
        ("/enterprises/", {"ids": "1,x"}, "企业编号：“x”不是整数"),
        ("/enterprises/", {"page": "2^70"}, "页码：“2^70”不是整数"),
        ("/enterprises/reserve/", {"as_of": "0001-01-01"}, "评估日期：“0001-01-01”超出范围"),
        ("/platforms/", {"active": "maybe"}, "仅现有效：“maybe”应为 1（是）或 0（否）"),
        ("/projects/", {"year": "二〇二一"}, "申报年度：“二〇二一”不是整数"),
        ("/org/users/", {"department": "abc"}, "所属单位：“abc”不是整数"),
        ("/enterprises/", {"q": "a\x00b"}, "企业名称或信用代码：含有控制字符"),
        ("/tables/enterprises/export.xlsx", {"town": "²"}, "镇乡街道：“²”不是整数"),
        ("/tables/enterprise-years/export.xlsx", {"year": "1800"}, "年度：“1800”超出范围（1990～2100）"),
        ("/tables/platforms/export.xlsx", {"category": "x"}, "类别：“x”不是可选值"),
        ("/tables/qualifications/", {"kind": "x"}, "资质：“x”不是可选值"),
    ],
)
def test_a_bad_value_is_refused_with_its_name_and_reason(client_as, url, params, message):
    response = client_as("sysadmin" if url.startswith("/org/") else "kjj").get(url, params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_bad_export_filter_exports_nothing_rather_than_everything(client_as):
    response = client_as("kjj").get("/tables/enterprises/export.xlsx", {"town": "²", "field": "电子信息"})
    assert response.status_code == 400 and "Content-Disposition" not in response


def test_audit_lists_name_a_bad_value_above_an_empty_list(client_as):
    response = client_as("shenji").get("/audit/logins/", {"ip": "999.1.1.1"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "IP 地址：“999.1.1.1”不是有效的 IP 地址" in body and "<form" in body


def test_cockpit_names_a_bad_date_and_shows_today(client_as):
    response = client_as("leader").get("/progress/cockpit/", {"as_of": "0001-01-01"})
    assert response.status_code == 200
    assert "截至日期：“0001-01-01”超出范围（1900～2100 年），已按今天显示。" in response.content.decode()


def test_api_answers_bad_values_with_a_4xx_and_a_chinese_detail(client_as, dept):
    client = client_as("kjj")
    response = client.get("/api/v1/cockpit", {"as_of": "0001-01-01"})
    assert response.status_code == 422 and "超出范围" in response.json()["detail"]
    response = client.get("/api/v1/metrics/plans.tasks_completed", {"period": "2021", "scope": str(2**70)})
    assert 400 <= response.status_code < 500


def test_a_page_past_the_end_shows_the_last_page(client_as):
    response = client_as("kjj").get("/enterprises/", {"page": "999999"})
    assert response.status_code == 200
    page = response.context["page"]
    assert page.number == page.paginator.num_pages


def test_valid_values_still_filter(client_as):
    client = client_as("kjj")
    town = Department.objects.get(name="汉丰街道")
    listed = client.get("/enterprises/", {"town": f" {town.pk} "}).context["page"]
    assert {e.town_id for e in listed} == {town.pk}


def test_parsers():
    assert parse_int("2021", 1990, 2100) == 2021
    assert IdsFilter().field.clean("3, 17,42,") == [3, 17, 42]
    assert str(parse_date("2021-08-23")) == "2021-08-23"
    for text in ("²", "١٢", "１２", "+5", "2^70", str(2**64)):
        with pytest.raises(ValueError):
            parse_int(text)
    for text in ("0001-01-01", "2021-8-23", "20210823", "2021-02-30"):
        with pytest.raises(ValueError):
            parse_date(text)
