"""Trajectories and status (docs/PROGRESS.md), the cockpit page, API and command."""

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from kechuang.plans.models import Target
from kechuang.progress import status as rules
from kechuang.progress.status import progress_of

pytestmark = pytest.mark.django_db


def target(code, year, relative=False):
    return Target.objects.get(indicator__code=code, year=year, base_year__isnull=not relative)


def test_status_cut_offs():
    base, expected = Decimal(100), Decimal(200)
    assert (
        rules._status(
            Decimal(195), base, expected, Decimal(300), None, date(2023, 6, 30), date(2025, 12, 31)
        )[0]
        == "green"
    )
    assert (
        rules._status(
            Decimal(160), base, expected, Decimal(300), None, date(2023, 6, 30), date(2025, 12, 31)
        )[0]
        == "amber"
    )
    assert (
        rules._status(
            Decimal(159), base, expected, Decimal(300), None, date(2023, 6, 30), date(2025, 12, 31)
        )[0]
        == "red"
    )
    assert (
        rules._status(Decimal(99), base, expected, Decimal(300), None, date(2023, 6, 30), date(2025, 12, 31))[
            0
        ]
        == "deteriorating"
    )
    assert (
        rules._status(None, base, expected, Decimal(300), None, date(2023, 6, 30), date(2025, 12, 31))[0]
        == "no_data"
    )


def test_linear_path_for_a_stock_target():
    progress = progress_of(target("1-3", 2025), date(2023, 6, 30))
    assert (progress.base_year, progress.target_value) == (2020, Decimal(500))
    share = Decimal((date(2023, 6, 30) - date(2020, 12, 31)).days) / Decimal(
        (date(2025, 12, 31) - date(2020, 12, 31)).days
    )
    assert progress.expected == progress.base_value + (500 - progress.base_value) * share


def test_geometric_path_for_the_doubling_target():
    progress = progress_of(target("1-4", 2025, relative=True), date(2023, 6, 30))
    base = progress.base_value
    assert progress.target_value == base * 2
    halfway = progress_of(target("1-4", 2025, relative=True), date(2023, 7, 2))
    assert base < progress.expected < base * 2
    assert abs(halfway.expected - base * Decimal(2).sqrt()) < Decimal("0.6")  # halfway in time → ×√2


def test_increment_targets_expect_a_share_of_their_year():
    progress = progress_of(target("1-1", 2021), date(2021, 7, 2))
    assert progress.base_value == 0 and abs(progress.expected - Decimal(25)) < Decimal("0.2")
    after = progress_of(target("1-1", 2021), date(2022, 3, 1))
    assert (after.status, after.detail) == ("green", "目标年度已过，已达成")


def test_reported_indicators_wait_for_approved_reports():
    from kechuang.progress.models import ReportingRound

    approved = progress_of(target("8-1", 2021), date(2022, 3, 1))  # the demo's approved 2021 report
    assert (approved.current, approved.status) == (Decimal("1.58"), "green")
    ReportingRound.objects.all().delete()
    progress = progress_of(target("8-1", 2021), date(2022, 3, 1))
    assert progress.status == "no_data" and progress.actual is None


def test_cockpit_json_from_api_and_command(client_as):
    rows = client_as("leader").get("/api/v1/cockpit", {"as_of": "2023-06-30"}).json()
    assert len(rows) == 12
    keys = {
        "indicator",
        "year",
        "target",
        "comparator",
        "actual",
        "expected",
        "status",
        "forecast",
        "forecast_low",
        "forecast_high",
        "p_meet",
        "records_url",
    }
    assert all(keys <= set(r) for r in rows)
    first = next(r for r in rows if r["indicator"] == "新增科技型企业数")
    assert (first["target"], first["actual"], first["status"]) == (50, 54, "green")
    out = io.StringIO()
    call_command("cockpit", "--as-of", "2023-06-30", "--json", stdout=out)
    assert json.loads(out.getvalue()) == rows
    # the tasks: the same rows as the API's, and a line each with what is overdue
    tasks = client_as("leader").get("/api/v1/cockpit/tasks", {"as_of": "2023-06-30"}).json()
    out = io.StringIO()
    call_command("cockpit", "--as-of", "2023-06-30", "--tasks", "--json", stdout=out)
    assert json.loads(out.getvalue()) == tasks
    out = io.StringIO()
    call_command("cockpit", "--as-of", "2023-06-30", "--tasks", stdout=out)
    overdue = sum(1 for task in tasks if task["overdue"])
    assert f"共 {len(tasks)} 项任务，逾期 {overdue} 项" in out.getvalue()
    assert out.getvalue().count("·逾期]") == overdue and overdue > 0
    assert client_as("leader").get("/api/v1/cockpit", {"as_of": "2023-02-30"}).status_code == 422
    with pytest.raises(CommandError, match="不是有效日期"):
        call_command("cockpit", "--as-of", "2023-02-30")


def test_cockpit_page(client_as):
    body = client_as("leader").get("/progress/cockpit/", {"as_of": "2023-06-30"}).content.decode()
    assert "领导驾驶舱" in body and "实际增长为计划增长的" in body and "badge-amber" in body
    bad = client_as("leader").get("/progress/cockpit/", {"as_of": "昨天"}).content.decode()
    assert "截至日期：“昨天”不是有效日期" in bad


def test_forecasts_are_intervals_with_probabilities():
    from kechuang.progress.forecast import forecast

    for code, year, relative in [("1-3", 2025, False), ("1-1", 2021, False), ("2-4", 2025, False)]:
        t = target(code, year, relative)
        outlook = forecast(
            t,
            t.value,
            date(2021, 9, 30) if year == 2021 else date(2023, 6, 30),
            t.indicator.programme.plan.department,
        )
        assert outlook is not None
        assert outlook.low <= outlook.value <= outlook.high and 0 <= outlook.p_meet <= 1


def test_a_target_past_its_deadline_has_a_result_not_a_forecast(client_as):
    progress = progress_of(target("1-1", 2021), date(2022, 1, 15))
    assert progress.final and progress.result == "met" and progress.forecast is None
    still_running = progress_of(target("1-1", 2021), date(2021, 9, 30))
    assert not still_running.final and still_running.result is None and still_running.forecast is not None
    rows = client_as("leader").get("/api/v1/cockpit", {"as_of": "2022-01-15"}).json()
    new_tech = next(r for r in rows if r["indicator"] == "新增科技型企业数" and r["year"] == 2021)
    assert (new_tech["final"], new_tech["result"], new_tech["result_label"]) == (True, "met", "达成")
    assert (new_tech["forecast"], new_tech["p_meet"]) == (None, None)
    missed = next(r for r in rows if r["indicator"] == "新增高新技术企业数" and r["year"] == 2021)
    assert missed["final"] and missed["result"] in ("met", "not_met") and missed["p_meet"] is None
    running = next(r for r in rows if r["indicator"] == "科技型企业数" and r["year"] == 2025)
    assert (running["final"], running["result"]) == (False, None) and running["p_meet"] is not None
    out = io.StringIO()
    call_command("cockpit", "--as-of", "2022-01-15", "--json", stdout=out)
    assert json.loads(out.getvalue()) == rows
    body = client_as("leader").get("/progress/cockpit/", {"as_of": "2022-01-15"}).content.decode()
    table = body[body.index('<table class="grid cockpit-table">') :]
    assert "最终结果：" in table and ">达成</span>" in table
    row = table[table.index("<td>新增科技型企业数</td>") :]
    row = row[: row.index("</tr>")]
    assert "最终结果：" in row and "100%" not in row


def test_backtest_reports_its_figures():
    out = io.StringIO()
    call_command("forecast_backtest", stdout=out)
    figures = json.loads(out.getvalue())
    assert figures["forecasts"] > 0 and 0 <= figures["coverage80"] <= 1 and figures["mape"] >= 0


def test_trajectory_of_a_stock_target():
    from kechuang.progress.status import plan_progress

    as_of = date(2023, 6, 30)
    t = target("1-3", 2025)
    plan = t.indicator.programme.plan
    row = next(r for r in plan_progress(plan, as_of, with_trajectory=True) if r.target == t)
    points = row.trajectory
    assert [p["label"] for p in points] == [
        "2020年末",
        "2021年末",
        "2022年末",
        "6月末",
        "2023年末",
        "2024年末",
        "2025年末",
    ]
    assert points[0]["actual"] == points[0]["expected"] == rules._num(row.base_value)
    assert points[2]["actual"] == progress_of(t, date(2022, 12, 31)).current  # the stock at 2022's end
    assert points[3]["actual"] == rules._num(row.current) and points[3]["expected"] == rules._num(
        row.expected
    )
    assert [p["actual"] for p in points[4:]] == [None, None, None]
    assert points[-1]["expected"] == 500
    assert (points[-1]["forecast"], points[-1]["forecast_low"], points[-1]["forecast_high"]) == (
        row.forecast.value,
        row.forecast.low,
        row.forecast.high,
    )


def test_trajectory_of_an_increment_target_runs_through_its_year():
    from kechuang.enterprises.metrics import first_qualified
    from kechuang.metrics.periods import Period
    from kechuang.progress.status import plan_progress

    t = target("1-1", 2021)
    row = next(
        r
        for r in plan_progress(t.indicator.programme.plan, date(2021, 7, 15), with_trajectory=True)
        if r.target == t
    )
    labels = [p["label"] for p in row.trajectory]
    assert labels == ["2021年初", "3月末", "6月末", "7月15日", "9月末", "2021年末"]
    june = row.trajectory[2]
    district = t.indicator.programme.plan.department
    assert (
        june["actual"] == first_qualified(district, Period(date(2021, 1, 1), date(2021, 6, 30), "H1")).value
    )
    assert abs(june["expected"] - 50 * 180 / 364) < 0.01


def test_units_judgement_beside_the_computed_status(client_as):
    rows = client_as("leader").get("/api/v1/cockpit", {"as_of": "2026-11-28"}).json()
    stock = next(r for r in rows if r["indicator"] == "科技型企业数" and not r["relative"])
    # the demo's 区科技局 judged the 500-enterprise target 预警 in its approved 2025 report; it was missed
    assert (stock["status"], stock["judgement"], stock["disagrees"]) == ("red", "amber", True)
    assert stock["judgement_period"] == "2025" and "四季度" in stock["judgement_reason"]
    agreeing = next(r for r in rows if r["indicator"] == "新增科技型企业数")
    assert (agreeing["judgement"], agreeing["disagrees"]) == ("green", False)
    body = client_as("leader").get("/progress/cockpit/").content.decode()
    assert "个目标的责任单位自评与系统计算状态不一致" in body and "不一致</span>" in body


def test_only_approved_judgements_are_shown():
    from kechuang.progress.models import Report
    from kechuang.progress.status import judgement_lookup

    t = target("1-3", 2025)
    programmes = [t.indicator.programme]
    assert judgement_lookup(programmes, date(2026, 11, 28))[t.pk].report.round.period == "2025"
    Report.objects.filter(round__period="2025").update(status=Report.Status.SUBMITTED)
    earlier = judgement_lookup(programmes, date(2026, 11, 28))[t.pk]
    assert earlier.report.round.period == "2021"  # the 2025 one is not approved any more
    assert t.pk not in judgement_lookup(programmes, date(2020, 6, 30))  # nothing approved by then


def test_every_seed_target_has_actual_expected_status_and_result(client_as):
    rows = client_as("leader").get("/api/v1/cockpit", {"as_of": "2026-11-28"}).json()
    assert len(rows) == 12
    for row in rows:  # every target year is over by then: results, not forecasts
        assert None not in (row["actual"], row["expected"], row["result"]), row["indicator"]
        assert row["final"] and row["forecast"] is None and row["p_meet"] is None
        assert row["status"] in ("green", "amber", "red", "deteriorating")
        assert row["records_url"]
    funds = next(r for r in rows if r["indicator"] == "区级财政科技奖补资金兑现额")
    # computed from the policies' payments of 2021 (in 元), shown in the target's 万元
    from django.db.models import Sum

    from kechuang.policies.models import Disbursement

    paid = Disbursement.objects.filter(paid_on__year=2021, status="paid").aggregate(t=Sum("amount"))["t"]
    assert (funds["expected"], funds["unit"]) == (2000, "万元")
    assert funds["actual"] == float(paid / 10000) and 1900 <= funds["actual"] <= 2300
    rd = next(r for r in rows if r["indicator"] == "全社会研发经费投入占GDP比重")
    assert (rd["base_year"], rd["base_value"]) == (2020, 1.42)  # from the approved 2020 report


def test_cockpit_lists_the_plans_tasks(client_as):
    from kechuang.plans.models import Task

    Task.objects.filter(code="6.1").update(status="done", completed_on=date(2021, 11, 30))
    tasks = client_as("leader").get("/api/v1/cockpit/tasks", {"as_of": "2022-03-01"}).json()
    assert len(tasks) == 39
    by_code = {t["code"]: t for t in tasks}
    policy = by_code["6.1"]  # due 2021-12-31, done in November
    assert (policy["status_label"], policy["deadline"], policy["overdue"]) == ("已完成", "2021-12-31", False)
    assert policy["lead"] == "区科技局" and policy["co"] == ["区财政局"]
    park = by_code["2.1"]  # due 2021-12-31, not done
    assert park["overdue"] and park["lead"] == "开州工业园区管委会" and park["status_label"] == "未启动"
    assert not by_code["1.1"]["overdue"]  # due 2025-12-31
    before_deadline = client_as("leader").get("/api/v1/cockpit/tasks", {"as_of": "2021-06-30"}).json()
    assert not any(t["overdue"] for t in before_deadline)
    body = client_as("leader").get("/progress/cockpit/", {"as_of": "2022-03-01"}).content.decode()
    section = body[body.index('id="tasks"') :]
    assert "任务进展（39 项" in section and "逾期 " in section
    row = section[section.index("创建市级高新区") :]
    row = row[: row.index("</tr>")]
    assert "开州工业园区管委会" in row and "2021-12-31" in row and "逾期</span>" in row
    assert 'data-label="牵头单位"' in section  # cards on a phone (kechuang.css: table.grid.stack)
