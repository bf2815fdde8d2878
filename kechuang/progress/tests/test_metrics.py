"""The metrics registry: autodiscovery, evaluation by scope and period, fixed query counts, bindings."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kechuang.metrics.periods import Period
from kechuang.metrics.registry import UnknownMetric, metrics
from kechuang.plans.models import Indicator, Programme, Task

pytestmark = pytest.mark.django_db


def test_plans_metrics_are_autodiscovered():
    assert "plans.tasks_completed" in metrics and "plans.tasks_overdue" in metrics
    metric = metrics["plans.tasks_completed"]
    assert metric.record_model() is Task and metric.unit == "项"


@pytest.mark.parametrize(
    "text, start, end",
    [
        ("2021", date(2021, 1, 1), date(2021, 12, 31)),
        ("2021Q3", date(2021, 7, 1), date(2021, 9, 30)),
        ("2024Q1", date(2024, 1, 1), date(2024, 3, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2021-12", date(2021, 12, 1), date(2021, 12, 31)),
    ],
)
def test_period_parsing(text, start, end):
    period = Period.parse(text)
    assert (period.start, period.end, str(period)) == (start, end, text)


@pytest.mark.parametrize("text", ["", "21", "2021Q5", "2021-13", "二〇二一"])
def test_bad_periods_are_named_in_chinese(text):
    with pytest.raises(ValueError, match="无法识别的期间"):
        Period.parse(text)


def complete(code, on):
    Task.objects.filter(code=code).update(status="done", completed_on=on)


def test_tasks_completed_by_scope_and_period(dept):
    complete("2.1", date(2021, 12, 28))  # 开州工业园区管委会
    complete("6.1", date(2021, 10, 9))  # 区科技局
    complete("7.3", date(2022, 3, 1))  # 区科协
    district = dept()
    result = metrics.evaluate("plans.tasks_completed", district, "2021")
    assert result.value == 2
    assert set(result.record_ids) == set(
        Task.objects.filter(code__in=["2.1", "6.1"]).values_list("pk", flat=True)
    )
    assert metrics.evaluate("plans.tasks_completed", dept("区科技局"), "2021").value == 1
    assert metrics.evaluate("plans.tasks_completed", dept("区科协"), "2021").value == 0
    assert metrics.evaluate("plans.tasks_completed", dept("区科协"), "2022Q1").value == 1
    assert metrics.evaluate("plans.tasks_completed", None, Period.year(2022)).value == 1


def test_tasks_overdue_at_period_end(dept):
    complete("2.1", date(2022, 2, 1))  # deadline 2021-12-31, done late
    overdue_2021 = metrics.evaluate("plans.tasks_overdue", dept(), "2021")
    deadlines_2021 = Task.objects.filter(deadline__lt=date(2021, 12, 31)).count()
    assert deadlines_2021 == 0 and overdue_2021.value == 0
    overdue_2022 = metrics.evaluate("plans.tasks_overdue", dept(), "2022")
    late_codes = set(Task.objects.filter(pk__in=overdue_2022.record_ids).values_list("code", flat=True))
    assert "2.1" not in late_codes and {"2.2", "6.1", "6.2", "8.5"} <= late_codes


def test_query_count_does_not_grow_with_data(dept):
    district = dept()
    with CaptureQueriesContext(connection) as small:
        metrics.evaluate("plans.tasks_completed", district, "2021")
    programme = Programme.objects.get(number=1)
    Task.objects.bulk_create(
        Task(
            programme=programme,
            code=f"X{i}",
            title=f"批量任务{i}",
            lead_department=dept("区科技局"),
            status="done",
            completed_on=date(2021, 6, 1),
        )
        for i in range(300)
    )
    with CaptureQueriesContext(connection) as large:
        result = metrics.evaluate("plans.tasks_completed", district, "2021")
    assert result.value == 300
    assert len(large.captured_queries) == len(small.captured_queries) == 1


def test_metric_params_are_checked():
    with pytest.raises(TypeError, match="不接受参数"):
        metrics.evaluate("plans.tasks_completed", None, "2021", colour="red")
    with pytest.raises(UnknownMetric, match="不存在"):
        metrics.evaluate("nothing.here", None, "2021")


def test_plan_param_limits_to_one_plan(dept):
    complete("2.1", date(2021, 12, 28))
    plan_id = Task.objects.get(code="2.1").programme.plan_id
    assert metrics.evaluate("plans.tasks_completed", dept(), "2021", plan=plan_id).value == 1
    assert metrics.evaluate("plans.tasks_completed", dept(), "2021", plan=plan_id + 999).value == 0


def test_indicator_binding_is_validated():
    indicator = Indicator.objects.get(code="1-1")
    indicator.measurement = "computed"
    indicator.metric_key = "enterprises.does_not_exist"
    with pytest.raises(ValidationError, match="计算口径“enterprises.does_not_exist”不存在"):
        indicator.full_clean()
    indicator.metric_key = ""
    with pytest.raises(ValidationError, match="必须选择计算口径"):
        indicator.full_clean()
    indicator.metric_key = "plans.tasks_completed"
    indicator.full_clean()
    indicator.measurement = "reported"
    with pytest.raises(ValidationError, match="不能设置计算口径"):
        indicator.full_clean()
