"""The platform registry: calibration, metrics bound to the plan, scope, the sheet's round trip."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from kechuang.metrics.registry import metrics
from kechuang.org.models import Department
from kechuang.org.scope import visible_to
from kechuang.plans.models import Indicator, Target
from kechuang.platforms.models import Institution
from kechuang.progress.actuals import actual_for
from kechuang.tabular.models import ImportJob

pytestmark = pytest.mark.django_db


def value(period, **params):
    return metrics.evaluate("platforms.active_at_end", None, period, **params).value


def test_demo_calibration():
    assert metrics.evaluate("platforms.recognized_in_period", None, "2021", level="municipal_up").value == 40
    assert (
        value("2022", institution_type="新型研发机构") == 0
        and value("2023", institution_type="新型研发机构") == 1
    )
    assert value("2021", category="rd") + value("2021", category="service") == value("2021", category="all")


def test_revoked_platforms_leave_the_stock():
    institution = Institution.objects.filter(revoked_on__isnull=False).first()
    day = institution.revoked_on
    before = metrics.evaluate("platforms.active_at_end", None, f"{day.year - 1}").record_ids
    after = metrics.evaluate("platforms.active_at_end", None, f"{day.year}").record_ids
    assert institution.pk in before and institution.pk not in after


def test_seed_platform_targets_are_computed():
    bound = dict(
        Indicator.objects.filter(code__in=["2-1", "2-2", "2-3", "2-4"]).values_list("code", "metric_key")
    )
    assert set(bound.values()) == {"platforms.active_at_end"}
    rd_2021 = actual_for(Target.objects.get(indicator__code="2-2", year=2021), date(2026, 11, 28))
    assert rd_2021.value == value("2021", category="rd") and rd_2021.met is (rd_2021.value >= 40)
    breakthrough = actual_for(Target.objects.get(indicator__code="2-1", year=2025), date(2026, 11, 28))
    assert breakthrough.value >= 1 and breakthrough.met


def test_scope_and_pages(client_as, user):
    seen = visible_to(user("hanfeng"), Institution.objects.all())
    assert set(seen.values_list("town__name", flat=True)) <= {"汉丰街道"}
    assert client_as("hanfeng").get("/platforms/").status_code == 200
    assert client_as("expert").get("/platforms/").status_code == 403
    body = client_as("kjj").get("/platforms/", {"category": "service", "active": "1"}).content.decode()
    assert "检验检测" in body or "技术转移" in body


def test_sheet_round_trip_changes_nothing(client_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_as("kjj")
    exported = b"".join(client.get("/tables/platforms/export.xlsx").streaming_content)
    client.post("/tables/platforms/upload/", {"file": SimpleUploadedFile("p.xlsx", exported)})
    job = ImportJob.objects.latest("pk")
    assert job.status == "validated" and job.error_rows == 0, job.errors[:3]
    client.post(f"/tables/jobs/{job.pk}/commit/", {"mode": "all", "reason": "核对平台名录"})
    job.refresh_from_db()
    assert job.result == {"created": 0, "updated": 0, "unchanged": Institution.objects.count(), "skipped": 0}


# --- the pages, the actions and the API (the kit's generic tests are in test_registry_kit.py) ---------


def recognition(dept, **fields) -> dict:
    values = {
        "name": "开州区测试技术转移中心",
        "institution_type": "技术转移机构",
        "level": "区级",
        "town": dept("汉丰街道"),
        "independent": True,
        "recognized_on": date(2025, 3, 1),
    }
    values.update(fields)
    return values


def test_the_list_shows_host_and_status_and_links_the_detail(client_as):
    revoked = Institution.objects.filter(revoked_on__lte=date.today()).select_related("host").first()
    hosted = Institution.objects.filter(host__isnull=False, revoked_on__isnull=True).first()
    client = client_as("kjj")
    body = client.get("/platforms/", {"ids": f"{revoked.pk},{hosted.pk}"}).content.decode()
    assert f"已摘牌（{revoked.revoked_on:%Y-%m-%d}）" in body and "有效" in body
    assert f'href="/enterprises/{hosted.host_id}/"' in body and f'href="/platforms/{hosted.pk}/"' in body
    detail = client.get(f"/platforms/{hosted.pk}/").content.decode()
    assert hosted.host.credit_code in detail and "研发机构" in detail and "变更记录" in detail


def test_town_and_text_filters(client_as, dept):
    client = client_as("kjj")
    town = dept("汉丰街道")
    listed = client.get("/platforms/", {"town": town.pk}).context["page"].paginator.object_list
    assert set(listed.values_list("town", flat=True)) == {town.pk}
    other = Department.objects.filter(kind=Department.Kind.TOWN).exclude(pk=town.pk).first()
    hidden = client_as("hanfeng").get("/platforms/", {"town": other.pk})
    assert hidden.status_code == 400 and "镇乡街道：" in hidden.content.decode()
    assert client.get("/platforms/", {"category": "x"}).status_code == 400


def test_save_is_the_bureau_s_and_audited(user, dept):
    from kechuang.org.actions import ActionRefused
    from kechuang.platforms.actions import delete_institution, save_institution
    from kechuang.testing.registry import entries_of

    with pytest.raises(ActionRefused, match="汉丰街道"):
        save_institution(user("hanfeng"), None, **recognition(dept))
    created = save_institution(user("kjj"), None, reason="区级认定", **recognition(dept))
    entry = entries_of(created).get(action="create")
    assert entry.reason == "区级认定" and entry.actor.username == "kjj"
    with pytest.raises(ActionRefused, match="没有修改该平台的权限"):
        save_institution(user("leader"), created, note="x")
    with pytest.raises(ValidationError) as refused:  # the same recognition twice
        save_institution(user("kjj"), None, **recognition(dept))
    assert "科技创新平台 已经存在" in refused.value.messages[0]
    with pytest.raises(ValidationError, match="撤销日期必须晚于认定日期"):
        save_institution(user("kjj"), created, revoked_on=date(2024, 1, 1))
    with pytest.raises(ActionRefused):
        delete_institution(user("hanfeng"), created)
    pk = created.pk
    delete_institution(user("kjj"), created, reason="误登记")
    assert not Institution.objects.filter(pk=pk).exists()
    created.pk = pk
    assert entries_of(created).get(action="delete").reason == "误登记"


def test_edit_form_names_the_host_by_credit_code(client_as):
    hosted = Institution.objects.filter(host__isnull=False).select_related("host").first()
    client = client_as("kjj")
    form = client.get(f"/platforms/{hosted.pk}/edit/").context["form"]
    assert form["host"].value() == hosted.host.credit_code
    response = client.post(
        f"/platforms/{hosted.pk}/edit/",
        {**{k: form[k].value() or "" for k in form.fields}, "host": "91500000NOSUCHCODE"},
    )
    assert response.status_code == 200
    assert "未找到该统一社会信用代码的企业" in response.content.decode()
    assert client_as("hanfeng").get(f"/platforms/{hosted.pk}/edit/").status_code == 403


def test_api_lists_and_writes_through_the_page_s_form(client_as, dept):
    import json

    client = client_as("kjj")
    service = client.get("/api/v1/platforms", {"category": "service", "active": "1"}).json()
    assert (
        service["count"]
        == client.get("/platforms/", {"category": "service", "active": "1"}).context["page"].paginator.count
    )
    body = {**recognition(dept), "town": dept("汉丰街道").pk, "recognized_on": "2025-03-01", "reason": "认定"}
    created = client.post("/api/v1/platforms", json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    again = client.post("/api/v1/platforms", json.dumps(body), content_type="application/json")
    assert again.status_code == 422
    url = f"/api/v1/platforms/{pk}"
    changed = client.patch(url, json.dumps({"note": "复核"}), content_type="application/json")
    assert changed.status_code == 200 and changed.json()["note"] == "复核"
    wrong = client.patch(url, json.dumps({"revoked_on": "2001-01-01"}), content_type="application/json")
    assert wrong.status_code == 422 and "撤销日期必须晚于认定日期" in wrong.json()["detail"]
    refused = client_as("leader").patch(url, json.dumps({"note": "x"}), content_type="application/json")
    assert refused.status_code == 403
    assert client_as("hanfeng").get(url).status_code == 200
    assert client_as("jxw").get(url).status_code == 404
