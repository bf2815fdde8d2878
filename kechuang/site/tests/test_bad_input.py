"""Bad input: missing fields, huge values, hostile text — a clear Chinese message, nothing stored."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from kechuang.audit.models import ChangeEntry
from kechuang.org.models import Department, User

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_missing_fields_are_named(client_as):
    response = client_as("sysadmin").post("/org/users/new/", {"username": "", "display_name": ""})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("这个字段是必填项。") >= 4
    assert not User.objects.filter(username="").exists()


def test_ten_thousand_character_name_is_refused(client_as, dept):
    before = (Department.objects.count(), ChangeEntry.objects.count())
    response = client_as("sysadmin").post(
        "/org/departments/new/", {"parent": dept().pk, "name": "长" * 10_000, "kind": "unit"}
    )
    assert response.status_code == 200
    assert "确保该变量包含不超过 100 字符 (目前字符数 10000)。" in response.content.decode()
    assert (Department.objects.count(), ChangeEntry.objects.count()) == before


def test_duplicate_department_name_under_one_parent(client_as, dept):
    response = client_as("sysadmin").post(
        "/org/departments/new/", {"parent": dept().pk, "name": "区科技局", "kind": "department"}
    )
    assert "“开州区”下已有名为“区科技局”的单位。" in response.content.decode()


def test_html_in_text_fields_is_shown_escaped(client_as, dept, demo_password):
    client = client_as("sysadmin")
    response = client.post(
        "/org/users/new/",
        {
            "username": "xss_user",
            "display_name": XSS[:50],
            "phone": "<b>110</b>",
            "departments": [dept("区科技局").pk],
            "password1": "Strong#Pass2024",
            "password2": "Strong#Pass2024",
            "reason": XSS,
        },
    )
    assert response.status_code == 302
    created = User.objects.get(username="xss_user")
    auditor = client_as("shenji")
    for reader, url in (
        (client, f"/org/users/{created.pk}/"),
        (client, "/org/users/"),
        (auditor, "/audit/changes/"),
        (client, f"/org/departments/{dept('区科技局').pk}/"),
    ):
        response = reader.get(url)
        body = response.content.decode()
        assert response.status_code == 200, url
        assert "<script>alert" not in body and "<b>110</b>" not in body, url
    detail = client.get(f"/org/users/{created.pk}/").content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in detail


def test_hostile_search_text_is_escaped(client_as):
    body = client_as("sysadmin").get("/org/users/", {"q": XSS}).content.decode()
    assert "<script>alert" not in body and "&lt;script&gt;" in body


def test_unknown_choice_and_foreign_department_are_refused(client_as, dept):
    # the district's administrator posting a department outside their reach (the city) as a user's
    city = Department.objects.get(name="重庆市")
    response = client_as("sysadmin").post(
        "/org/users/new/",
        {
            "username": "outsider",
            "display_name": "越权",
            "departments": [city.pk],
            "password1": "Strong#Pass2024",
            "password2": "Strong#Pass2024",
        },
    )
    assert "选择一个有效的选项" in response.content.decode()
    assert not User.objects.filter(username="outsider").exists()


def test_no_external_assets_anywhere():
    """Government intranets have no internet: every script, stylesheet and font is served by the app."""
    root = Path(settings.BASE_DIR) / "kechuang"
    offenders = []
    for template in root.rglob("templates/**/*.html"):
        for url in re.findall(r'(?:src|href)="(https?:)?//[^"]*"', template.read_text(encoding="utf-8")):
            offenders.append(f"{template}: {url}")
    for css in root.rglob("static/**/*.css"):
        if re.search(r"url\((['\"]?)(https?:)?//", css.read_text(encoding="utf-8")):
            offenders.append(str(css))
    assert offenders == []


def test_static_assets_are_served_by_the_app(client_as):
    client = client_as("kjj")
    for path in ("/static/core/kechuang.css", "/static/core/vendor/htmx.min.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"".join(response.streaming_content if response.streaming else [response.content])
