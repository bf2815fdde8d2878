"""The platform registry: calibration, metrics bound to the plan, scope, the sheet's round trip."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kechuang.metrics.registry import metrics
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
