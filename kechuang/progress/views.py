from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from kechuang.core.uploads import megabytes, refused, upload_limit
from kechuang.org.roles import Capability
from kechuang.org.scope import get_visible_or_404, visible_to
from kechuang.plans.models import Target
from kechuang.plans.work import summarize, work_for
from kechuang.web.access import download, require_capability

from .actuals import actual_for


@require_capability(Capability.VIEW_PROGRESS)
def target_records(request, pk):
    """Drill-down: the records that make up a computed target's actual value."""
    target = get_visible_or_404(
        request.user, Target.objects.select_related("indicator__programme__plan"), pk=pk
    )
    actual = actual_for(target, timezone.localdate())
    if actual is None:
        raise Http404("该指标由责任单位填报，没有台账明细")
    from kechuang.metrics.registry import metrics

    from .models import Report

    indicator = target.indicator
    model = Report if actual.reported else metrics[indicator.metric_key].record_model()
    # the records are shown only as far as the viewer's own scope reaches
    records = visible_to(request.user, model.objects.filter(pk__in=actual.result.record_ids))
    return render(
        request,
        "progress/target_records.html",
        {
            "target": target,
            "actual": actual,
            "records": records.order_by("pk")[:2000],
            "hidden": actual.record_count - records.count(),
        },
    )


@require_capability(Capability.VIEW_PROGRESS)
def cockpit_page(request):
    """Leaders' cockpit: the plan in force at a glance, every target with actual, path and status."""
    from kechuang.core.filtering import parse_date

    from .cockpit import active_plan, cockpit

    as_of, error = timezone.localdate(), ""
    if request.GET.get("as_of", "").strip():
        try:
            as_of = parse_date(request.GET["as_of"].strip())
        except ValueError as exc:
            error = f"截至日期：{exc}，已按今天显示。"
    plan = active_plan(request.user, with_tree=False)
    if plan is None:
        raise Http404("没有可见的执行中方案")
    from .models import Report, ReportingRound

    # the latest round already running on the chosen date, and who was late with it then
    latest = (
        ReportingRound.objects.filter(plan=plan, period_start__lte=as_of)
        .order_by("-period_end", "-pk")
        .first()
    )
    late = []
    if latest is not None:
        waiting = Report.objects.filter(round=latest).exclude(submitted_at__date__lte=as_of)
        late = [
            (r, r.lateness(as_of)) for r in waiting.select_related("department", "round") if r.lateness(as_of)
        ]
    data = cockpit(plan, as_of)
    # the records carrying out each task, as far as this user may read them (not part of the cached data)
    work = work_for([t["id"] for t in data["tasks"]], request.user)
    tasks = [{**t, "work": summarize(work.get(t["id"], []))} for t in data["tasks"]]
    return render(
        request,
        "progress/cockpit.html",
        {
            "data": data,
            "tasks": tasks,
            "overdue_tasks": sum(1 for t in data["tasks"] if t["overdue"]),
            "as_of": as_of,
            "error": error,
            "plan": plan,
            "latest_round": latest,
            "late": late,
        },
    )


@require_capability(Capability.VIEW_PROGRESS)
def evidence(request, pk):
    """Download a report's evidence file — only within the viewer's scope."""
    from .models import ReportedValue

    return download(request, ReportedValue.objects.exclude(evidence=""), None, pk, file="evidence")


# --- reporting rounds -------------------------------------------------------------------------------


def _rounds_plan(request):
    from .cockpit import active_plan

    plan = active_plan(request.user)
    if plan is None:
        raise Http404("没有可见的执行中方案")
    return plan


@require_capability(Capability.VIEW_PROGRESS)
def round_list(request):
    from django.contrib import messages
    from django.shortcuts import redirect

    from kechuang.web.forms import run_action

    from . import actions
    from .forms import RoundForm
    from .models import ReportingRound

    plan = _rounds_plan(request)
    can_open = actions._may_review(request.user, plan)
    form = RoundForm(request.POST or None, plan=plan)
    if request.method == "POST":
        if not can_open:
            raise PermissionDenied("只有科技局管理员可以发起填报。")
        if form.is_valid():
            created = run_action(form, actions.open_round, request.user, plan, **form.cleaned_data)
            if created is not None:
                messages.success(request, f"已发起 {created} 填报，{created.reports.count()} 个责任单位。")
                return redirect("progress:round", created.pk)
    rounds = visible_to(request.user, ReportingRound.objects.filter(plan=plan)).prefetch_related("reports")
    return render(
        request,
        "progress/round_list.html",
        {"rounds": rounds, "form": form, "can_open": can_open, "plan": plan},
    )


@require_capability(Capability.VIEW_PROGRESS)
def round_detail(request, pk):
    from django.contrib import messages
    from django.shortcuts import redirect

    from kechuang.org.actions import ActionRefused

    from . import actions
    from .models import Report, ReportingRound

    reporting_round = get_visible_or_404(request.user, ReportingRound.objects.select_related("plan"), pk=pk)
    can_close = reporting_round.is_open and actions._may_review(request.user, reporting_round.plan)
    if request.method == "POST":
        if not actions._may_review(request.user, reporting_round.plan):
            raise PermissionDenied("只有科技局管理员可以关闭填报轮次。")
        try:
            actions.close_round(request.user, reporting_round, reason=request.POST.get("reason", ""))
            messages.success(request, f"{reporting_round} 已关闭，不再接受填报和提交。")
        except ActionRefused as exc:
            messages.error(request, str(exc))
        return redirect("progress:round", pk)
    reports = visible_to(request.user, Report.objects.filter(round=reporting_round)).select_related(
        "department"
    )
    today = timezone.localdate()
    rows = [{"report": r, "lateness": r.lateness(today)} for r in reports]
    waiting = [row for row in rows if row["report"].status in (Report.Status.DRAFT, Report.Status.RETURNED)]
    return render(
        request,
        "progress/round_detail.html",
        {
            "round": reporting_round,
            "rows": rows,
            "waiting": waiting,
            "today": today,
            "can_close": can_close,
        },
    )


def _decimal(text: str, label: str):
    from decimal import Decimal, InvalidOperation

    text = (text or "").strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{label}：“{text}”不是数字。") from None
    if not value.is_finite() or abs(value) >= Decimal(10) ** 15:
        raise ValueError(f"{label}：“{text}”不是有效数字。")
    return value


@upload_limit("EVIDENCE_MAX_BYTES")
@require_capability(Capability.VIEW_PROGRESS)
def report_detail(request, pk):
    from django.contrib import messages
    from django.core.exceptions import ValidationError
    from django.shortcuts import redirect

    from kechuang.org.actions import ActionRefused
    from kechuang.plans.choices import TaskStatus

    from . import actions
    from .models import Judgement, Report
    from .status import progress_of

    report = get_visible_or_404(
        request.user, Report.objects.select_related("round__plan", "department"), pk=pk
    )
    indicators = list(actions.report_indicators(report))
    tasks = list(actions.report_tasks(report))
    targets = list(actions.report_targets(report))
    may_report = visible_to(request.user, Report.objects.filter(pk=pk), Capability.REPORT_PROGRESS).exists()
    can_fill = report.editable and may_report
    can_review = report.status == Report.Status.SUBMITTED and actions._may_review(
        request.user, report.round.plan
    )
    errors: list[str] = []
    saved = False
    if request.method == "POST":
        try:
            if request.POST.get("review") in ("approve", "return"):
                actions.review_report(
                    request.user,
                    report,
                    approve=request.POST["review"] == "approve",
                    comment=request.POST.get("comment", ""),
                )
                messages.success(
                    request, "已审核通过。" if report.status == Report.Status.APPROVED else "已退回。"
                )
                return redirect("progress:report", pk)
            values = {}
            for indicator in indicators:
                item = values[indicator.pk] = {
                    "note": request.POST.get(f"note_{indicator.pk}", ""),
                    "evidence": request.FILES.get(f"evidence_{indicator.pk}"),
                    "evidence_refused": refused(request).get(f"evidence_{indicator.pk}", ""),
                }
                fields = (
                    [
                        ("numerator", f"{indicator.name}的{indicator.numerator_name}"),
                        ("denominator", f"{indicator.name}的{indicator.denominator_name}"),
                    ]
                    if indicator.has_components
                    else [("value", indicator.name)]
                )
                for name, label in fields:
                    try:
                        item[name] = _decimal(request.POST.get(f"{name}_{indicator.pk}"), label)
                    except ValueError as exc:
                        item["invalid"] = [*item.get("invalid", []), str(exc)]
            judgements = {
                t.pk: (request.POST.get(f"judgement_{t.pk}", ""), request.POST.get(f"reason_{t.pk}", ""))
                for t in targets
            }
            updates = {
                t.pk: (request.POST.get(f"task_{t.pk}", t.status), request.POST.get(f"tasknote_{t.pk}", ""))
                for t in tasks
            }
            actions.save_report(
                request.user,
                report,
                narrative=request.POST.get("narrative", ""),
                values=values,
                task_updates=updates,
                judgements=judgements,
                submit="submit" in request.POST,
            )
            messages.success(
                request, "报告已提交，等待审核。" if "submit" in request.POST else "草稿已保存。"
            )
            return redirect("progress:report", pk)
        except ActionRefused as exc:
            if not may_report and not can_review:
                raise PermissionDenied(str(exc)) from exc
            errors.append(str(exc))
        except ValidationError as exc:
            errors.extend(exc.messages)
            saved = request.POST.get("review") not in ("approve", "return")
    # after a mistake the form shows what was typed, not what is stored (the valid parts are stored too)
    typed = request.POST if errors and saved else None
    existing = {v.indicator_id: v for v in report.values.all()}
    updates = {u.task_id: u for u in report.task_updates.all()}
    judged = {j.target_id: j for j in report.judgements.all()}
    as_of = min(report.round.period_end, timezone.localdate())
    return render(
        request,
        "progress/report.html",
        {
            "report": report,
            "evidence_max_mb": megabytes(settings.EVIDENCE_MAX_BYTES),
            "errors": errors,
            "kept": typed is not None,
            "can_fill": can_fill,
            "can_review": can_review,
            "narrative": typed.get("narrative", "") if typed else report.narrative,
            "indicator_rows": [_value_row(i, existing.get(i.pk), typed) for i in indicators],
            "task_rows": [_task_row(t, report, updates.get(t.pk), typed) for t in tasks],
            "target_rows": [
                _judgement_row(t, judged.get(t.pk), progress_of(t, as_of, with_forecast=False), typed)
                for t in targets
            ],
            "judgement_statuses": Judgement.Status.choices,
            "statuses": TaskStatus.choices,
            "lateness": report.lateness(),
        },
    )


def _value_row(indicator, stored, typed=None) -> dict:
    """A reported figure as the reporter sees it: amounts and ratio parts in the units they are written,
    or exactly as typed when the form comes back with a mistake."""
    from kechuang.plans.models import format_number
    from kechuang.plans.units import from_yuan

    row = {"indicator": indicator, "stored": stored, "value": "", "numerator": "", "denominator": ""}
    row["note"] = stored.note if stored is not None else ""
    if stored is not None:
        row["value"] = format_number(
            from_yuan(stored.value, indicator.unit) if indicator.kind == "amount" else stored.value
        )
        row["numerator"] = format_number(from_yuan(stored.numerator, indicator.component_unit))
        row["denominator"] = format_number(from_yuan(stored.denominator, indicator.component_unit))
    row["shown_value"] = row["value"]  # the computed ratio or the stored figure, for reading
    if typed is not None:
        for name in ("value", "numerator", "denominator", "note"):
            row[name] = typed.get(f"{name}_{indicator.pk}", row[name])
    return row


def _task_row(task, report, update, typed=None) -> dict:
    status = update.status if update else task.status
    narrative = update.narrative if update else ""
    if typed is not None:
        status = typed.get(f"task_{task.pk}", status)
        narrative = typed.get(f"tasknote_{task.pk}", narrative)
    return {
        "task": task,
        "update": update,
        "leads": task.lead_department_id == report.department_id,
        "status": status,
        "narrative": narrative,
    }


def _judgement_row(target, judgement, progress, typed=None) -> dict:
    status = judgement.status if judgement else ""
    reason = judgement.reason if judgement else ""
    if typed is not None:
        status = typed.get(f"judgement_{target.pk}", status)
        reason = typed.get(f"reason_{target.pk}", reason)
    return {
        "target": target,
        "judgement": judgement,
        "progress": progress,
        "status": status,
        "reason": reason,
    }


def notifications(request):
    """The signed-in user's reminders; POST marks them all read."""
    from django.shortcuts import redirect

    from kechuang.workflow.models import Notification

    mine = Notification.objects.filter(user=request.user)
    if request.method == "POST":
        mine.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("progress:notifications")
    return render(request, "progress/notifications.html", {"items": mine[:200]})
