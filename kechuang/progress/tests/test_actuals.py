"""Computed actuals on the plan page and their drill-down to the records."""

import re
from datetime import date
from decimal import Decimal

import pytest

from kechuang.plans.models import Target
from kechuang.progress.actuals import actual_for, period_for
from kechuang.progress.models import ReportingRound

pytestmark = pytest.mark.django_db
RECORD_LINK = re.compile(r'href="/enterprises/\d+/"')


def target(code, year, relative=False):
    return Target.objects.get(indicator__code=code, year=year, base_year__isnull=not relative)


def test_seed_enterprise_targets_are_computed():
    today = date(2026, 11, 28)
    new_tech = actual_for(target("1-1", 2021), today)
    assert (new_tech.value, new_tech.met, str(new_tech.period)) == (54, True, "2021")
    new_hte = actual_for(target("1-2", 2021), today)
    assert (new_hte.value, new_hte.met) == (20, True)
    stock = actual_for(target("1-3", 2025), today)
    assert stock.met is (stock.value >= 500)
    doubling = actual_for(target("1-4", 2025, relative=True), today)
    assert doubling.base_value and doubling.value == round(stock_value("1-4", 2025) / doubling.base_value, 2)
    reported = actual_for(target("8-1", 2021), today)  # from the demo's approved 2021 report
    assert reported.value == Decimal("1.58") and reported.met


def stock_value(code, year):
    from decimal import Decimal

    return Decimal(actual_for(target(code, year), date(2026, 11, 28)).value)


def test_period_for_a_running_year_is_year_to_date():
    assert str(period_for(2021, date(2026, 1, 5))) == "2021"
    running = period_for(2026, date(2026, 11, 28))
    assert (running.start, running.end) == (date(2026, 1, 1), date(2026, 11, 28))


def test_plan_page_shows_actuals_with_drill_down(client_as):
    t = target("1-1", 2021)
    body = client_as("leader").get(f"/plans/{t.indicator.programme.plan_id}/programmes/1/").content.decode()
    assert f"/progress/targets/{t.pk}/records/" in body and "54家" in body and "已达成" in body


def test_drill_down_lists_the_records_within_the_viewers_scope(client_as):
    t = target("1-1", 2021)
    body = client_as("kjj").get(f"/progress/targets/{t.pk}/records/").content.decode()
    assert "共 54 条记录" in body and len(RECORD_LINK.findall(body)) == 54
    town_view = client_as("hanfeng").get(f"/progress/targets/{t.pk}/records/").content.decode()
    shown = len(RECORD_LINK.findall(town_view))
    assert shown < 54 and f"其中 {54 - shown} 条不在您的数据范围内" in town_view
    reported = target("8-1", 2021)  # a reported figure drills down to the approved report
    body = client_as("kjj").get(f"/progress/targets/{reported.pk}/records/").content.decode()
    assert "区统计局" in body and "/progress/reports/" in body
    ReportingRound.objects.all().delete()
    assert client_as("kjj").get(f"/progress/targets/{reported.pk}/records/").status_code == 404


def test_home_page_shows_the_computed_enterprise_targets(client_as):
    body = client_as("leader").get("/").content.decode()
    assert "2021年 新增科技型企业数 <strong>50家</strong> · 实际 54家" in body
    assert "2021年 新增高新技术企业数 <strong>15家</strong> · 实际 20家" in body


def test_editing_a_past_period_moves_annual_and_cumulative_figures_correctly():
    """Annual (increment) targets count first recognitions within their year; cumulative (stock)
    targets count what is valid at the year end — editing an earlier record moves each correctly."""
    from django.db.models import Count

    from kechuang.enterprises.models import Qualification
    from kechuang.metrics.registry import metrics

    today = date(2026, 11, 28)
    new_2021, stock_2025 = target("1-1", 2021), target("1-3", 2025)
    district = new_2021.indicator.programme.plan.department

    def new_in(year):
        return metrics.evaluate("enterprises.first_qualified", district, str(year), kind="cq_tech").value

    before = {2021: new_in(2021), 2022: new_in(2022), "stock": actual_for(stock_2025, today).value}
    single = (
        Qualification.objects.filter(kind__code="cq_tech")
        .values("enterprise_id")
        .annotate(n=Count("pk"))
        .filter(n=1)
        .values("enterprise_id")
    )
    moved = Qualification.objects.filter(
        kind__code="cq_tech", issued_on__year=2021, enterprise_id__in=single
    ).first()
    # a correction: the enterprise's (only) recognition was in January 2022, not in 2021
    moved.issued_on = date(2022, 1, 10)
    moved.save()
    assert (new_in(2021), new_in(2022)) == (before[2021] - 1, before[2022] + 1)
    assert actual_for(new_2021, today).value == before[2021] - 1
    # revoking, in December 2025, what made an enterprise count at the end of 2025 takes it out of the
    # stock only: its first recognition stays where it was
    late = set(
        Qualification.objects.filter(kind__code="cq_tech", issued_on__gte=date(2025, 12, 1)).values_list(
            "enterprise_id", flat=True
        )
    )
    in_stock = next(e for e in actual_for(stock_2025, today).result.record_ids if e not in late)
    revoked = list(Qualification.objects.filter(enterprise_id=in_stock, kind__code="cq_tech"))
    assert revoked
    for recognition in revoked:  # as the registry's revoke action saves them
        recognition.status, recognition.revoked_on = "revoked", date(2025, 12, 1)
        recognition.save()
    assert actual_for(stock_2025, today).value == before["stock"] - 1
    assert (new_in(2021), new_in(2022)) == (before[2021] - 1, before[2022] + 1)
