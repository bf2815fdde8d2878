"""Reporting rounds: open, fill in, submit, approve or return, close. Every step checks who may do it;
every change of a report's or a round's state happens here."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kechuang.core.context import audit_context
from kechuang.core.documents import check_document
from kechuang.metrics.periods import Period
from kechuang.org.actions import ActionRefused
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import visible_to
from kechuang.plans.choices import Measurement, TaskStatus
from kechuang.plans.models import Indicator, Plan, Target, Task
from kechuang.plans.units import is_money, to_yuan
from kechuang.workflow import engine as workflow

from .models import PERIOD_KIND, Judgement, Report, ReportedValue, ReportingRound, TaskUpdate

COUNT_UNITS = {"家", "个", "项", "人", "件", "次", "所", "座"}


def report_indicators(report: Report):
    return (
        Indicator.objects.filter(programme__plan=report.round.plan, lead_department=report.department)
        .filter(Q(measurement=Measurement.REPORTED) | Q(reported_fallback=True))
        .order_by("programme__number", "code")
    )


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
    """The tasks the unit answers for: those it leads and those it co-operates on (it reports its part);
    only the lead unit's account sets the task's status when the report is approved."""
    return (
        Task.objects.filter(programme__plan=report.round.plan)
        .filter(Q(lead_department=report.department) | Q(co_departments=report.department))
        .select_related("lead_department")
        .distinct()
        .order_by("programme__number", "pk")
    )


def _may_review(user, plan: Plan) -> bool:
    return visible_to(
        user, Department.objects.filter(pk=plan.department_id), Capability.REVIEW_PROGRESS
    ).exists()


def open_round(acting_user, plan: Plan, *, period: str, frequency: str, due_on: date) -> ReportingRound:
    """Open a round and give every responsible unit a draft: the lead and co-responsible units of every
    task (towns included) and the units leading a reported indicator."""
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
    if frequency not in PERIOD_KIND:
        raise ValidationError({"frequency": f"频次“{frequency}”无效：应为月报、季报或年报。"})
    if PERIOD_KIND[frequency] != parsed.kind:
        fitting = next(f for f, kind in PERIOD_KIND.items() if kind == parsed.kind)
        raise ValidationError(
            {
                "period": f"期间“{parsed.chinese}”与频次“{ReportingRound.Frequency(frequency).label}”不符："
                f"{parsed.chinese}应发起{fitting.label}。"
            }
        )
    units = Department.objects.filter(
        Q(led_tasks__programme__plan=plan)
        | Q(co_tasks__programme__plan=plan)
        | Q(indicators__programme__plan=plan, indicators__measurement=Measurement.REPORTED)
        | Q(indicators__programme__plan=plan, indicators__reported_fallback=True)
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
    id → {value (or numerator and denominator), note, evidence (or `evidence_refused`: why the file did
    not arrive), or `invalid`: why the caller could not read what was typed}, `task_updates` task id → (status, narrative), `judgements` target id → (status
    or "", reason). Submitting requires every figure and a judgement with its reason for every target.

    Every mistake is reported at once (a ValidationError naming each field); the parts without one are
    still kept in the draft — uploaded evidence included — so nothing typed is lost, and the report is
    submitted only when there is no mistake at all."""
    judgements = judgements or {}
    if not visible_to(acting_user, Report.objects.filter(pk=report.pk), Capability.REPORT_PROGRESS).exists():
        raise ActionRefused("您只能填报本单位的报告。")
    if not report.round.is_open:
        raise ActionRefused(f"{report.round} 轮次已关闭，不能再填报或提交。")
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
    errors: dict[str, list[str]] = {}

    def refuse(field: str, messages) -> None:
        errors.setdefault(field, []).extend([messages] if isinstance(messages, str) else messages)

    resolved, evidence = {}, {}
    stored = {v.indicator_id: v for v in report.values.all()}
    for pk, item in values.items():
        indicator = indicators[pk]
        if item.get("evidence_refused"):
            refuse(f"evidence_{pk}", f"{indicator.name}：{item['evidence_refused']}请重新选择文件。")
        elif item.get("evidence"):
            try:
                check_document(item["evidence"])
                evidence[pk] = item["evidence"]
            except ValidationError as exc:
                refuse(f"evidence_{pk}", [f"{indicator.name}：{m}请重新选择文件。" for m in exc.messages])
        if item.get("invalid"):
            refuse(f"value_{pk}", item["invalid"])
            continue
        try:
            figure = _resolve_value(indicator, item)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                refuse(field, messages)
            continue
        if (
            indicator.kind == "milestone"
            and figure["value"] == 1
            and pk not in evidence
            and not getattr(stored.get(pk), "evidence", None)
        ):
            refuse(f"evidence_{pk}", f"{indicator.name}：标记为“已完成”时须上传佐证材料。")
            continue
        resolved[pk] = figure
    updates = {}
    for pk, (status, text) in task_updates.items():
        if status not in TaskStatus.values:
            refuse(f"task_{pk}", f"{tasks[pk].code} {tasks[pk].title}：进展状态无效。")
        else:
            updates[pk] = (status, text)
    judged_now = {}
    for pk, (status, reason) in judgements.items():
        if status and status not in Judgement.Status.values:
            refuse(f"judgement_{pk}", f"{targets[pk]}：自评状态无效。")
        elif status and not reason.strip():
            refuse(
                f"judgement_{pk}", f"{targets[pk]}：请写明自评为“{Judgement.Status(status).label}”的理由。"
            )
        else:
            judged_now[pk] = (status, reason)
    if submit:
        missing = [
            i.name
            for pk, i in indicators.items()
            if f"value_{pk}" not in errors
            and (resolved.get(pk) or {}).get("value") is None
            and getattr(stored.get(pk), "value", None) is None
        ]
        judged = set(report.judgements.values_list("target_id", flat=True))
        missing += [
            f"{t}的自评"
            for pk, t in targets.items()
            if f"judgement_{pk}" not in errors
            and not (judgements.get(pk) or ("", ""))[0]
            and (pk not in judged or pk in judgements)
        ]
        if missing:
            refuse(NON_FIELD_ERRORS, f"提交前请填写：{'、'.join(missing)}。")
    with audit_context(actor=acting_user), transaction.atomic():
        for pk, item in values.items():
            if pk not in resolved and pk not in evidence:
                continue
            row = stored.get(pk) or ReportedValue(report=report, indicator_id=pk)
            if pk in resolved:
                row.value, row.numerator, row.denominator = (
                    resolved[pk]["value"],
                    resolved[pk]["numerator"],
                    resolved[pk]["denominator"],
                )
            row.note = item.get("note", "")[:500]
            if pk in evidence:
                row.evidence = evidence[pk]
            row.save()
        for pk, (status, reason) in judged_now.items():
            if status:
                Judgement.objects.update_or_create(
                    report=report, target_id=pk, defaults={"status": status, "reason": reason.strip()[:500]}
                )
            else:
                Judgement.objects.filter(report=report, target_id=pk).delete()
        for pk, (status, text) in updates.items():
            TaskUpdate.objects.update_or_create(
                report=report, task_id=pk, defaults={"status": status, "narrative": text[:1000]}
            )
        report.narrative = narrative[:5000]
        report.save()
        if submit and not errors:
            workflow.perform(
                report,
                "submit",
                acting_user,
                changes={"submitted_at": timezone.now(), "submitted_by": acting_user},
            )
    if errors:
        raise ValidationError(errors)
    return report


def review_report(acting_user, report: Report, *, approve: bool, comment: str = "") -> Report:
    """Approve (the figures count and the period locks; the lead unit's task progress is applied) or
    return with a comment — a transition of the report's workflow, so the report's thread keeps every
    review and a returned report is announced to the unit's reporters."""
    if not _may_review(acting_user, report.round.plan):
        raise ActionRefused("只有科技局管理员可以审核报告。")
    if report.status != Report.Status.SUBMITTED:
        raise ActionRefused("只能审核已提交的报告。")
    if not approve and not comment.strip():
        raise ValidationError({"comment": "退回时请写明原因。"})
    changes = {
        "reviewed_at": timezone.now(),
        "reviewed_by": acting_user,
        "review_comment": comment.strip()[:500],
    }
    return workflow.perform(
        report, "approve" if approve else "return", acting_user, comment=comment, changes=changes
    )


def apply_task_updates(report: Report, event=None) -> None:
    """On approval: the lead unit's account of each of its tasks becomes the task's status."""
    for update in report.task_updates.select_related("task"):
        task = update.task
        if task.lead_department_id != report.department_id:
            continue  # a co-responsible unit's part: shown, but the lead unit sets the status
        task.status = update.status
        if update.status == TaskStatus.DONE and task.completed_on is None:
            task.completed_on = min(report.round.period_end, timezone.localdate())
        if update.status != TaskStatus.DONE:
            task.completed_on = None
        task.save()


def close_round(acting_user, reporting_round: ReportingRound, *, reason: str = "") -> ReportingRound:
    """Close a round: nothing more can be filled in or submitted; reports already submitted can still
    be reviewed."""
    if not _may_review(acting_user, reporting_round.plan):
        raise ActionRefused("只有科技局管理员可以关闭填报轮次。")
    if not reporting_round.is_open:
        raise ActionRefused(f"{reporting_round} 轮次已经关闭。")
    with audit_context(actor=acting_user, reason=reason or "关闭填报轮次"), transaction.atomic():
        reporting_round.is_open = False
        reporting_round.save(update_fields=["is_open"])
    return reporting_round
