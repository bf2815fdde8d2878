"""The 立项批次 page beyond the kit's: the list with its totals, and — for who keeps the batch — a form per
line while it is drafted, 发布公示, the objections recorded and resolved during the 公示, and 下达立项. Each
POST view parses its form, calls the one action of `approval.py` and sends the user back to the page (or
shows it again with the refusal, 400)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kechuang.core import workdays
from kechuang.org.actions import ActionRefused
from kechuang.org.roles import Capability
from kechuang.org.scope import get_visible_or_404, has_capability, may_act_on
from kechuang.web.access import require_capability
from kechuang.web.forms import run_action
from kechuang.web.registry import page_again

from . import approval
from .forms import DecideForm, LineForm, ObjectionForm, ResolveForm
from .models import ApprovalBatch, BatchLine, BatchStatus, Objection, ObjectionStatus

WORKDAYS_UNKNOWN = "该年度法定节假日安排尚未发布，按周一至周五计算工作日。"


def may_keep(user, batch: ApprovalBatch) -> bool:
    return has_capability(user, Capability.CHANGE_PROJECTS) and (
        may_act_on(user, batch, Capability.CHANGE_PROJECTS)
    )


def _years_unknown(batch: ApprovalBatch) -> bool:
    """Is any year the 公示 touches (or would touch, from today) without the official holidays?"""
    start = batch.publicity_from or timezone.localdate()
    end = batch.publicity_until or start
    return any(not workdays.known(year) for year in range(start.year, end.year + 1))


def batch_context(request, batch: ApprovalBatch) -> dict:
    """Everything the batch's page shows beyond the kit (ApprovalBatchRegistry.detail_context); the forms
    a refused POST left on the request come back with their errors."""
    lines = list(batch.lines.select_related("project__enterprise").order_by("rank", "pk"))
    objections = list(
        batch.objections.select_related("line__project", "resolved_by").order_by("received_on", "pk")
    )
    keep = may_keep(request.user, batch)
    drafting = batch.status == BatchStatus.DRAFT
    publicity = batch.status == BatchStatus.PUBLICITY
    refused = getattr(request, "refused_forms", {})
    rows = []
    for line in lines:
        form = None
        if keep and drafting:
            form = refused.get(("line", line.pk)) or LineForm(line=line)
        rows.append({"line": line, "form": form})
    objection_rows = []
    for objection in objections:
        form = None
        if keep and objection.status == ObjectionStatus.OPEN:
            form = refused.get(("resolve", objection.pk)) or ResolveForm(objection=objection)
        objection_rows.append({"objection": objection, "form": form})
    context = {
        "totals": approval.totals(batch),
        "rows": rows,
        "objection_rows": objection_rows,
        "keep": keep,
        "drafting": drafting,
        "publicity": publicity,
        "public_url": reverse("publicity:detail", args=[batch.pk]) if not drafting else "",
        "workdays_note": WORKDAYS_UNKNOWN if _years_unknown(batch) else "",
    }
    if keep and drafting:
        context["publish_refusal"] = approval.may_publish(batch, request.user)
    if keep and publicity:
        context["objection_form"] = refused.get("objection") or ObjectionForm(
            batch=batch, initial={"received_on": timezone.localdate()}
        )
        context["decide_form"] = refused.get("decide") or DecideForm(
            initial={"decided_on": timezone.localdate()}
        )
        context["decide_refusal"] = approval.may_decide(batch, request.user)
    return context


def _batch(request, pk) -> ApprovalBatch:
    return get_visible_or_404(
        request.user, ApprovalBatch.objects.select_related("call"), Capability.CHANGE_PROJECTS, pk=pk
    )


def _refused(request, batch, form):
    """A refusal that has no form of its own on the page (a 拟定 batch has no objection form): a message."""
    for error in form.non_field_errors() or [e for errs in form.errors.values() for e in errs]:
        messages.error(request, error)
    return redirect(batch)


@require_POST
@require_capability(Capability.CHANGE_PROJECTS)
def line(request, pk, line_pk):
    batch = _batch(request, pk)
    row = get_visible_or_404(
        request.user,
        BatchLine.objects.filter(batch=batch).select_related("project", "batch"),
        Capability.CHANGE_PROJECTS,
        pk=line_pk,
    )
    form = LineForm(request.POST, line=row)
    if form.is_valid():
        d = form.cleaned_data
        saved = run_action(
            form,
            approval.save_line,
            request.user,
            row,
            decision=d["decision"],
            funded=d["funded"],
            reason=d["reason"],
        )
        if saved is not None:
            messages.success(request, f"已保存“{row.project.name}”：{saved.decision}。")
            return redirect(batch)
    if batch.status != BatchStatus.DRAFT:
        return _refused(request, batch, form)
    form.add_error(None, f"“{row.project.name}”未保存。")
    return page_again(request, "approval-batches", batch, {("line", row.pk): form})


@require_POST
@require_capability(Capability.CHANGE_PROJECTS)
def publish(request, pk):
    batch = _batch(request, pk)
    try:
        batch = approval.publish(request.user, batch)
    except (ActionRefused, ValidationError) as exc:  # a refused transition says why
        for text in getattr(exc, "messages", None) or [str(exc)]:
            messages.error(request, text)
        return redirect(batch)
    messages.success(
        request,
        f"已发布公示：{batch.publicity_from:%Y-%m-%d} 至 {batch.publicity_until:%Y-%m-%d}"
        f"（{batch.publicity_days} 个工作日）。",
    )
    return redirect(batch)


@require_POST
@require_capability(Capability.CHANGE_PROJECTS)
def objection_create(request, pk):
    batch = _batch(request, pk)
    form = ObjectionForm(request.POST, batch=batch)
    if form.is_valid():
        d = form.cleaned_data
        saved = run_action(
            form,
            approval.record_objection,
            request.user,
            batch,
            name=d["name"],
            content=d["content"],
            received_on=d["received_on"],
            contact=d["contact"],
            line=d["line"],
        )
        if saved is not None:
            messages.success(request, f"已登记异议：{saved}。")
            return redirect(batch)
    if batch.status != BatchStatus.PUBLICITY:
        return _refused(request, batch, form)
    return page_again(request, "approval-batches", batch, {"objection": form})


@require_POST
@require_capability(Capability.CHANGE_PROJECTS)
def objection_resolve(request, pk, objection_pk):
    batch = _batch(request, pk)
    objection = get_visible_or_404(
        request.user,
        Objection.objects.filter(batch=batch).select_related("batch"),
        Capability.CHANGE_PROJECTS,
        pk=objection_pk,
    )
    form = ResolveForm(request.POST, objection=objection)
    if form.is_valid():
        d = form.cleaned_data
        saved = run_action(
            form,
            approval.resolve_objection,
            request.user,
            objection,
            upheld=d["upheld"],
            resolution=d["resolution"],
        )
        if saved is not None:
            messages.success(request, f"已处理异议：{saved}（{'成立' if saved.upheld else '不成立'}）。")
            return redirect(batch)
    if objection.status != ObjectionStatus.OPEN:
        return _refused(request, batch, form)
    return page_again(request, "approval-batches", batch, {("resolve", objection.pk): form})


@require_POST
@require_capability(Capability.CHANGE_PROJECTS)
def decide(request, pk):
    batch = _batch(request, pk)
    form = DecideForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        saved = run_action(
            form,
            approval.decide,
            request.user,
            batch,
            document_number=d["document_number"],
            decided_on=d["decided_on"],
            planned_end_on=d["planned_end_on"],
        )
        if saved is not None:
            totals = approval.totals(saved)
            messages.success(
                request,
                f"已下达立项（{saved.document_number}）：立项 {totals['funded_count']} 项，"
                f"不予立项 {totals['count'] - totals['funded_count']} 项。",
            )
            return redirect(saved)
    if batch.status != BatchStatus.PUBLICITY:
        return _refused(request, batch, form)
    return page_again(request, "approval-batches", batch, {"decide": form})
