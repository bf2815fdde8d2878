"""立项 by batch: the proposed list drawn from the review's ranking within the call's budget, edited by the
bureau, published as 公示 (working days), objections recorded and resolved, then decided — every
application of the list approved (立项, with the amount funded) or declined (不予立项, with the reason)
through its own workflow, all in one transaction."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kechuang.core.context import audit_context
from kechuang.core.workdays import add_workdays
from kechuang.org.actions import ActionRefused
from kechuang.org.roles import Capability
from kechuang.org.scope import may_act_on
from kechuang.workflow import engine as workflow

from . import calls, selection
from .models import (
    ApprovalBatch,
    BatchLine,
    BatchStatus,
    Call,
    Decision,
    Objection,
    ObjectionStatus,
    Project,
    Status,
)

OUT_OF_RANGE = "评审排名未进入本批资助范围"


def _keeping(acting_user, batch: ApprovalBatch) -> None:
    if not may_act_on(acting_user, batch, Capability.CHANGE_PROJECTS):
        raise ActionRefused("您没有办理该立项批次的权限。")


def _drafting(batch: ApprovalBatch) -> None:
    if batch.status != BatchStatus.DRAFT:
        raise ActionRefused(f"立项批次已{batch.status}，不能再修改名单（先撤回公示）。")


def draft(
    acting_user, call: Call, *, title: str = "", publicity_days: int = 5, contact: str = ""
) -> ApprovalBatch:
    """A proposed list over the call's accepted applications not in another batch: in the order of the
    latest review round's ranking (unranked last), funded as requested while the call's budget lasts."""
    if not calls.may_keep(acting_user, call):
        raise ActionRefused("您没有办理该申报指南的权限。")
    listed = BatchLine.objects.filter(batch__call=call).values("project_id")
    waiting = {
        p.pk: p
        for p in call.applications.filter(status=Status.ACCEPTED)
        .exclude(pk__in=listed)
        .select_related("enterprise")
    }
    if not waiting:
        raise ActionRefused("没有可列入立项名单的已受理申报。")
    ordered, figures = [], {}
    review_round = selection.rounds_of(call).first()
    if review_round is not None:
        for row in selection.ranking(review_round):
            if row.project.pk in waiting and row.figure.rank is not None:
                ordered.append(waiting.pop(row.project.pk))
                figures[row.project.pk] = row.figure
    ordered += sorted(waiting.values(), key=lambda p: p.number)
    left = call.budget
    with audit_context(actor=acting_user, reason="拟定立项名单"), transaction.atomic():
        batch = ApprovalBatch(
            call=call,
            title=title or f"{call.title}拟立项项目名单",
            publicity_days=publicity_days,
            contact=contact,
        )
        batch.full_clean()
        batch.save()
        for project in ordered:
            figure = figures.get(project.pk)
            fits = figure is not None and 0 < project.funding <= left
            if fits:
                left -= project.funding
            BatchLine.objects.create(
                batch=batch,
                project=project,
                rank=figure.rank if figure is not None else None,
                score=_score(figure, review_round),
                requested=project.funding,
                decision=Decision.FUND if fits else Decision.DECLINE,
                funded=project.funding if fits else Decimal("0"),
                reason=""
                if fits
                else "未申请财政资助"
                if not project.funding
                else OUT_OF_RANGE
                if figure is not None
                else "未经专家评审",
            )
    return batch


def _score(figure, review_round) -> str:
    """The figure the round ranks by, to two decimals ("" without one)."""
    value = getattr(figure, review_round.method, None) if figure is not None else None
    if value is None:
        return ""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return f"{value:.2f}"


def save_line(acting_user, line: BatchLine, *, decision: str, funded, reason: str = "") -> BatchLine:
    """The bureau's decision on one application of a list being drafted."""
    batch = line.batch
    _keeping(acting_user, batch)
    reason = (reason or "").strip()
    funded = Decimal(funded or 0)
    requested = line.requested
    if decision not in Decision.values:
        raise ValidationError({"decision": "请选择“立项”或“不予立项”。"})
    if funded < 0:
        raise ValidationError({"funded": "金额不能为负数。"})
    if decision == Decision.FUND:
        if funded <= 0:
            raise ValidationError({"funded": "立项项目须填写资助金额。"})
        if funded > requested:
            raise ValidationError(
                {"funded": f"资助金额 {funded:,.2f} 元超过申请的财政资助 {requested:,.2f} 元。"}
            )
        if funded != requested and not reason:
            raise ValidationError({"reason": "资助金额与申请金额不同，须说明原因。"})
    else:
        if funded:
            raise ValidationError({"funded": "不予立项的项目资助金额应为 0。"})
        if not reason:
            raise ValidationError({"reason": "不予立项须说明原因。"})
    with audit_context(actor=acting_user, reason="修改立项名单"), transaction.atomic():
        stored = ApprovalBatch.objects.select_for_update().get(pk=batch.pk)  # one writer of a list at a time
        _drafting(stored)
        line.decision, line.funded, line.reason = decision, funded, reason
        line.save()
    return line


def totals(batch: ApprovalBatch) -> dict:
    lines = list(batch.lines.all())
    funded = [line for line in lines if line.decision == Decision.FUND]
    return {
        "count": len(lines),
        "funded_count": len(funded),
        "funded": sum((line.funded for line in funded), Decimal("0")),
    }


def may_publish(batch: ApprovalBatch, user) -> str | None:
    figures = totals(batch)
    if not figures["count"]:
        return "名单中没有项目。"
    unfunded = [
        line.project.number
        for line in batch.lines.select_related("project")
        if line.decision == Decision.FUND and line.funded <= 0
    ]
    if unfunded:
        return f"立项项目须填写资助金额：{'、'.join(unfunded)}。"
    budget = batch.call.budget
    if budget and figures["funded"] > budget:
        return f"拟资助合计 {figures['funded']:,.2f} 元超过指南资金预算 {budget:,.2f} 元。"
    return None


def publish(acting_user, batch: ApprovalBatch, *, start=None) -> ApprovalBatch:
    """发布公示: the period begins today (or `start`) and lasts the batch's working days."""
    start = start or timezone.localdate()
    until = add_workdays(start, batch.publicity_days)
    return workflow.perform(
        batch, "publish", acting_user, changes={"publicity_from": start, "publicity_until": until}
    )


def record_objection(
    acting_user,
    batch: ApprovalBatch,
    *,
    name: str,
    content: str,
    received_on=None,
    contact: str = "",
    line=None,
) -> Objection:
    """An objection received (by letter, telephone or at the counter) during the 公示."""
    _keeping(acting_user, batch)
    if batch.status != BatchStatus.PUBLICITY:
        raise ActionRefused("只有公示中的名单可以登记异议。")
    if line is not None and line.batch_id != batch.pk:
        raise ValidationError({"line": "所涉项目不在本批名单中。"})
    return store_objection(
        acting_user,
        Objection(batch=batch, line=line),
        (batch.publicity_from, batch.publicity_until),
        name=name,
        content=content,
        received_on=received_on,
        contact=contact,
        reason="登记公示异议",
    )


def store_objection(
    acting_user, objection, period, *, name: str, content: str, received_on, contact: str, reason: str
):
    """`objection` (of a batch, a 揭榜 list, a policy window: its 公示 set by the caller) received on
    `received_on` (today) within the 公示's `period` (first, last day), checked and saved."""
    first, last = period
    received_on = received_on or timezone.localdate()
    if received_on < first or received_on > last:
        raise ValidationError(
            {
                "received_on": f"公示期为 {first:%Y-%m-%d} 至 {last:%Y-%m-%d}，"
                f"{received_on:%Y-%m-%d} 收到的异议不在公示期内。"
            }
        )
    objection.name = (name or "").strip()
    objection.content = (content or "").strip()
    objection.received_on = received_on
    objection.contact = contact
    objection.full_clean()
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        objection.save()
    return objection


def resolve_objection(acting_user, objection: Objection, *, upheld: bool, resolution: str) -> Objection:
    _keeping(acting_user, objection.batch)
    return settle_objection(
        acting_user, objection, upheld=upheld, resolution=resolution, reason="处理公示异议"
    )


def settle_objection(acting_user, objection, *, upheld: bool, resolution: str, reason: str):
    """An open objection of a 公示 (a batch's here, a 揭榜 list's) resolved once — by whoever comes first
    (compare-and-set) —, with its resolution and whether it was upheld. The caller checks who may."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": "请填写处理结果。"})
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        moved = (
            type(objection)
            .objects.filter(pk=objection.pk, status=ObjectionStatus.OPEN)
            .update(
                status=ObjectionStatus.RESOLVED,
                upheld=upheld,
                resolution=resolution,
                resolved_by=acting_user,
                resolved_at=timezone.now(),
            )
        )
        if moved != 1:
            raise ActionRefused("该异议已被他人处理，请刷新页面。")
        objection.refresh_from_db()
        from kechuang.audit.recording import record_change

        record_change(
            objection,
            "update",
            {"status": ObjectionStatus.OPEN},
            {"status": objection.status, "upheld": upheld, "resolution": resolution},
            ["status", "upheld", "resolution"],
        )
    return objection


def may_decide(batch: ApprovalBatch, user) -> str | None:
    today = timezone.localdate()
    if batch.publicity_until is None or today <= batch.publicity_until:
        until = f"{batch.publicity_until:%Y-%m-%d}" if batch.publicity_until else "—"
        return f"公示期至 {until}，期满后方可下达立项。"
    open_count = batch.objections.filter(status=ObjectionStatus.OPEN).count()
    if open_count:
        return f"尚有 {open_count} 件异议未处理。"
    return None


def decide(
    acting_user, batch: ApprovalBatch, *, document_number: str, decided_on=None, planned_end_on=None
) -> ApprovalBatch:
    """下达立项 (文号): the batch and every application on it move in one transaction — or none do (an
    application that moved meanwhile is named)."""
    document_number = (document_number or "").strip()
    if not document_number:
        raise ValidationError({"document_number": "请填写立项文号。"})
    waiting = may_decide(batch, acting_user)
    if waiting:
        raise ActionRefused(waiting)
    decided_on = decided_on or timezone.localdate()
    if batch.publicity_until and decided_on <= batch.publicity_until:
        raise ValidationError(
            {"decided_on": f"下达日期应在公示截止日期（{batch.publicity_until:%Y-%m-%d}）之后。"}
        )
    with transaction.atomic():
        batch = workflow.perform(
            batch,
            "decide",
            acting_user,
            changes={"document_number": document_number, "decided_on": decided_on},
        )
        for line in batch.lines.select_related("project"):
            project = Project.objects.get(pk=line.project_id)
            if project.status != Status.ACCEPTED:
                raise ActionRefused(f"“{project}”当前状态为“{project.status}”，不能按本批次下达。")
            if line.decision == Decision.FUND:
                workflow.perform(
                    project,
                    "approve",
                    acting_user,
                    comment=f"{document_number} 立项",
                    changes={
                        "approved_on": decided_on,
                        "funding": line.funded,
                        "planned_end_on": planned_end_on,
                    },
                )
            else:
                workflow.perform(project, "reject", acting_user, comment=f"{document_number}：{line.reason}")
    return batch
