"""Reporting rounds: open, fill in, submit, approve or return. Every step checks who may do it."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kechuang.audit.context import audit_context
from kechuang.org.actions import ActionRefused
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import visible_to
from kechuang.plans.choices import Measurement, TaskStatus
from kechuang.plans.models import Indicator, Plan, Target, Task
from kechuang.plans.units import is_money, to_yuan

from .evidence import check_evidence
from .models import Judgement, Report, ReportedValue, ReportingRound, TaskUpdate
from .periods import Period

COUNT_UNITS = {"家", "个", "项", "人", "件", "次", "所", "座"}


def report_indicators(report: Report):
    return Indicator.objects.filter(
        programme__plan=report.round.plan, lead_department=report.department, measurement=Measurement.REPORTED
    ).order_by("programme__number", "code")


def report_targets(report: Report):
    """Targets the unit answers for (it leads the indicator) that are still due at the round's period:
    the unit states its own judgement of each."""
    return (
        Target.objects.filter(
            indicator__programme__plan=report.round.plan,
            indicator__lead_department=report.department,
            year__gte=report.round.period_end.year,
        )
        .select_related("indicator")
        .order_by("indicator__programme__number", "indicator__code", "year", "stretch")
    )


def report_tasks(report: Report):
    return Task.objects.filter(programme__plan=report.round.plan, lead_department=report.department).order_by(
        "programme__number", "pk"
    )


def _may_review(user, plan: Plan) -> bool:
    return visible_to(
        user, Department.objects.filter(pk=plan.department_id), Capability.REVIEW_PROGRESS
    ).exists()


def open_round(acting_user, plan: Plan, *, period: str, frequency: str, due_on: date) -> ReportingRound:
    """Open a round and give every responsible unit (leading a task or a reported indicator) a draft."""
    if not _may_review(acting_user, plan):
        raise ActionRefused("只有科技局管理员可以发起填报。")
    try:
        parsed = Period.parse(period)
    except ValueError as exc:
        raise ValidationError({"period": str(exc)}) from exc
    if ReportingRound.objects.filter(plan=plan, period=parsed.label).exists():
        raise ValidationError({"period": f"{parsed.label} 的填报轮次已经存在。"})
    if due_on < parsed.start:
        raise ValidationError({"due_on": "截止日期不能早于期间开始。"})
    units = Department.objects.filter(
        Q(led_tasks__programme__plan=plan)
        | Q(indicators__programme__plan=plan, indicators__measurement=Measurement.REPORTED)
    ).distinct()
    with audit_context(actor=acting_user), transaction.atomic():
        reporting_round = ReportingRound.objects.create(
            plan=plan,
            frequency=frequency,
            period=parsed.label,
            period_start=parsed.start,
            period_end=parsed.end,
            due_on=due_on,
        )
        for unit in units:
            Report.objects.create(round=reporting_round, department=unit)
    return reporting_round


def _check_value(indicator: Indicator, value: Decimal | None) -> None:
    if value is None:
        return
    label = indicator.name
    if value < 0:
        raise ValidationError({f"value_{indicator.pk}": f"{label}：数值不能为负数。"})
    if indicator.kind == "ratio" and indicator.unit == "%" and value > 100:
        raise ValidationError({f"value_{indicator.pk}": f"{label}：比率不能超过 100%。"})
    if indicator.kind == "milestone" and value not in (0, 1):
        raise ValidationError({f"value_{indicator.pk}": f"{label}：里程碑只能填“已完成”或“未完成”。"})
    if indicator.unit in COUNT_UNITS and value != value.to_integral_value():
        raise ValidationError({f"value_{indicator.pk}": f"{label}：{indicator.unit}数应为整数。"})


def _resolve_value(indicator: Indicator, item: dict) -> dict:
    """The figure to store: a ratio entered as numerator and denominator is computed from them; amounts
    of money are kept in 元. Checks happen on the figure as the reporter wrote it."""
    key = f"value_{indicator.pk}"
    if indicator.has_components:
        numerator, denominator = item.get("numerator"), item.get("denominator")
        if numerator is None and denominator is None:
            return {"value": None, "numerator": None, "denominator": None}
        if numerator is None or denominator is None:
            raise ValidationError(
                {
                    key: f"{indicator.name}：请同时填写{indicator.numerator_name}和{indicator.denominator_name}。"
                }
            )
        if numerator < 0 or denominator < 0:
            raise ValidationError(
                {
                    key: f"{indicator.name}：{indicator.numerator_name}和{indicator.denominator_name}不能为负数。"
                }
            )
        if denominator == 0:
            raise ValidationError({key: f"{indicator.name}：{indicator.denominator_name}不能为 0。"})
        scale = Decimal(100) if indicator.unit == "%" else Decimal(1)
        value = (numerator / denominator * scale).quantize(Decimal("0.0001"))
        _check_value(indicator, value)
        unit = indicator.component_unit
        return {
            "value": value,
            "numerator": to_yuan(numerator, unit),
            "denominator": to_yuan(denominator, unit),
        }
    value = item.get("value")
    _check_value(indicator, value)
    if indicator.kind == "amount" and is_money(indicator.unit):
        value = to_yuan(value, indicator.unit)
    return {"value": value, "numerator": None, "denominator": None}


def save_report(
    acting_user,
    report: Report,
    *,
    narrative: str,
    values: dict,
    task_updates: dict,
    judgements: dict | None = None,
    submit: bool = False,
) -> Report:
    """Store a unit's figures, task progress and own judgement of its targets; `values` maps indicator
    id → {value (or numerator and denominator), note, evidence}, `task_updates` task id → (status,
    narrative), `judgements` target id → (status or "", reason). Submitting requires every figure and a
    judgement with its reason for every target."""
    judgements = judgements or {}
    if not visible_to(acting_user, Report.objects.filter(pk=report.pk), Capability.REPORT_PROGRESS).exists():
        raise ActionRefused("您只能填报本单位的报告。")
    if not report.round.is_open:
        raise ActionRefused("该轮次已关闭，不能再填报。")
    if not report.editable:
        raise ActionRefused(f"报告已{report.get_status_display()}，期间数据已锁定，不能修改。")
    indicators = {i.pk: i for i in report_indicators(report)}
    tasks = {t.pk: t for t in report_tasks(report)}
    if set(values) - set(indicators):
        raise ActionRefused("不能填报不属于本单位的指标。")
    if set(task_updates) - set(tasks):
        raise ActionRefused("不能填报不属于本单位的任务。")
    targets = {t.pk: t for t in report_targets(report)}
    if set(judgements) - set(targets):
        raise ActionRefused("不能评价不属于本单位的目标。")
    resolved = {}
    stored = {v.indicator_id: v for v in report.values.all()}
    for pk, item in values.items():
        resolved[pk] = _resolve_value(indicators[pk], item)
        if (
            indicators[pk].kind == "milestone"
            and resolved[pk]["value"] == 1
            and not item.get("evidence")
            and not getattr(stored.get(pk), "evidence", None)
        ):
            raise ValidationError(
                {f"evidence_{pk}": f"{indicators[pk].name}：标记为“已完成”时须上传佐证材料。"}
            )
        if item.get("evidence"):
            try:
                check_evidence(item["evidence"])
            except ValidationError as exc:
                raise ValidationError({f"evidence_{pk}": exc.messages}) from exc
    for pk, (status, _) in task_updates.items():
        if status not in TaskStatus.values:
            raise ValidationError({f"task_{pk}": "进展状态无效。"})
    for pk, (status, reason) in judgements.items():
        if status and status not in Judgement.Status.values:
            raise ValidationError({f"judgement_{pk}": "自评状态无效。"})
        if status and not reason.strip():
            raise ValidationError(
                {f"judgement_{pk}": f"{targets[pk]}：请写明自评为“{Judgement.Status(status).label}”的理由。"}
            )
    if submit:
        existing = stored
        missing = [
            i.name
            for pk, i in indicators.items()
            if (resolved.get(pk) or {}).get("value") is None
            and getattr(existing.get(pk), "value", None) is None
        ]
        judged = set(report.judgements.values_list("target_id", flat=True))
        missing += [
            f"{t}的自评"
            for pk, t in targets.items()
            if not (judgements.get(pk) or ("", ""))[0] and (pk not in judged or pk in judgements)
        ]
        if missing:
            raise ValidationError(f"提交前请填写：{'、'.join(missing)}。")
    with audit_context(actor=acting_user), transaction.atomic():
        for pk, item in values.items():
            row, _ = ReportedValue.objects.get_or_create(report=report, indicator_id=pk)
            row.value, row.numerator, row.denominator = (
                resolved[pk]["value"],
                resolved[pk]["numerator"],
                resolved[pk]["denominator"],
            )
            row.note = item.get("note", "")[:500]
            if item.get("evidence"):
                row.evidence = item["evidence"]
            row.save()
        for pk, (status, reason) in judgements.items():
            if status:
                Judgement.objects.update_or_create(
                    report=report, target_id=pk, defaults={"status": status, "reason": reason.strip()[:500]}
                )
            else:
                Judgement.objects.filter(report=report, target_id=pk).delete()
        for pk, (status, text) in task_updates.items():
            TaskUpdate.objects.update_or_create(
                report=report, task_id=pk, defaults={"status": status, "narrative": text[:1000]}
            )
        report.narrative = narrative[:5000]
        if submit:
            report.status, report.submitted_at, report.submitted_by = (
                Report.Status.SUBMITTED,
                timezone.now(),
                acting_user,
            )
        report.save()
    return report


def review_report(acting_user, report: Report, *, approve: bool, comment: str = "") -> Report:
    """Approve (the figures count and the period locks; task progress is applied) or return with a comment."""
    if not _may_review(acting_user, report.round.plan):
        raise ActionRefused("只有科技局管理员可以审核报告。")
    if report.status != Report.Status.SUBMITTED:
        raise ActionRefused("只能审核已提交的报告。")
    if not approve and not comment.strip():
        raise ValidationError({"comment": "退回时请写明原因。"})
    with audit_context(actor=acting_user, reason=comment), transaction.atomic():
        report.status = Report.Status.APPROVED if approve else Report.Status.RETURNED
        report.reviewed_at, report.reviewed_by, report.review_comment = (
            timezone.now(),
            acting_user,
            comment[:500],
        )
        report.save()
        if approve:
            for update in report.task_updates.select_related("task"):
                task = update.task
                task.status = update.status
                if update.status == TaskStatus.DONE and task.completed_on is None:
                    task.completed_on = min(report.round.period_end, timezone.localdate())
                if update.status != TaskStatus.DONE:
                    task.completed_on = None
                task.save()
    return report
