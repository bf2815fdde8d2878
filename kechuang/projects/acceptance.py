"""结题验收: the project's unit applies — what it did, the money it spent, each promised indicator's
achieved value, its evidence files —; the bureau returns it for more, or has experts review it (a 验收评审
round of the review app, the applicant's organisations standing aside as at 立项) and decides:
通过 (the project is 结题, and the acceptance tranche may be paid), 不通过 (the project is 终止) or 延期 (a
new planned end; the unit applies again by then)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kechuang.core.context import audit_context
from kechuang.org.actions import ActionRefused
from kechuang.org.roles import Capability
from kechuang.org.scope import may_act_on
from kechuang.reviews import actions as reviews
from kechuang.reviews.aggregate import ItemResult
from kechuang.reviews.models import ReviewItem, ReviewRound, RoundKind
from kechuang.workflow import engine as workflow

from .applications import discard_attachment, store_attachment
from .models import (
    Acceptance,
    AcceptanceStatus,
    Attachment,
    Project,
    Status,
    TaskBookStatus,
)

OPEN = (AcceptanceStatus.DRAFT, AcceptanceStatus.APPLIED, AcceptanceStatus.REVIEW)
EVIDENCE = "验收材料"

# an acceptance review's criteria (weights sum to 1, each scored 0–100)
ACCEPTANCE_CRITERIA = [
    ("任务目标与考核指标完成情况", "0.40", "100"),
    ("成果水平与应用效益", "0.30", "100"),
    ("经费使用规范性", "0.20", "100"),
    ("资料完整性", "0.10", "100"),
]


def may_start(project: Project) -> str | None:
    if project.status != Status.ONGOING:
        return f"项目当前状态为“{project.status}”，不能申请结题验收（在研项目才能申请）。"
    book = getattr(project, "task_book", None)
    if book is None or book.status != TaskBookStatus.SIGNED:
        return "任务书尚未签订，不能申请结题验收。"
    if project.acceptances.filter(status__in=OPEN).exists():
        return "该项目已有未完成的结题验收申请。"
    return None


def start(acting_user, project: Project) -> Acceptance:
    """A draft acceptance application of an ongoing project (one open at a time)."""
    if not may_act_on(acting_user, project, Capability.APPLY_PROJECTS):
        raise ActionRefused("您没有为该项目申请结题验收的权限。")
    with audit_context(actor=acting_user, reason="申请结题验收"), transaction.atomic():
        Project.objects.select_for_update().filter(pk=project.pk).first()
        refusal = may_start(project)
        if refusal:
            raise ActionRefused(refusal)
        return Acceptance.objects.create(project=project)


def _filing(acting_user, acceptance: Acceptance) -> None:
    if not may_act_on(acting_user, acceptance.project, Capability.APPLY_PROJECTS):
        raise ActionRefused("您没有修改该验收申请的权限。")
    if acceptance.status != AcceptanceStatus.DRAFT:
        raise ActionRefused(f"验收申请的状态为“{acceptance.status}”，不能修改（草稿才能修改）。")


def _still_draft(acceptance: Acceptance) -> None:
    status = (
        Acceptance.objects.select_for_update()
        .filter(pk=acceptance.pk)
        .values_list("status", flat=True)
        .first()
    )
    if status != AcceptanceStatus.DRAFT:
        raise ActionRefused(f"验收申请的状态已变为“{status or '已删除'}”，不能再修改，请刷新页面。")


def save(acting_user, acceptance: Acceptance, *, summary: str, spent, achieved: dict) -> Acceptance:
    """The application's text, the money spent and `achieved`: promised indicator id → value (None: not
    stated yet). All or nothing."""
    _filing(acting_user, acceptance)
    book = acceptance.project.task_book
    indicators = {i.pk: i for i in book.indicators.all()}
    unknown = set(achieved) - set(indicators)
    if unknown:
        raise ValidationError({"achieved": "考核指标不属于本项目的任务书。"})
    errors = []
    for pk, value in achieved.items():
        if value is not None and value < 0:
            errors.append(f"“{indicators[pk].name}”的完成值不能为负数。")
    spent = spent if spent is not None else Decimal("0")
    if spent < 0:
        errors.append("财政资金实际使用金额不能为负数。")
    elif spent > (acceptance.project.funding or 0):
        errors.append(
            f"财政资金实际使用 {spent:,.2f} 元超过立项资助金额 {acceptance.project.funding:,.2f} 元。"
        )
    if errors:
        raise ValidationError(errors)
    with audit_context(actor=acting_user, reason="修改验收申请"), transaction.atomic():
        _still_draft(acceptance)
        acceptance.summary = (summary or "").replace("\r\n", "\n").replace("\r", "\n")
        acceptance.spent = spent
        acceptance.save()
        for pk, value in achieved.items():
            indicator = indicators[pk]
            if indicator.achieved != value:
                indicator.achieved = value
                indicator.save(update_fields=["achieved"])
    return acceptance


def add_evidence(acting_user, acceptance: Acceptance, *, upload) -> Attachment:
    _filing(acting_user, acceptance)
    return store_attachment(
        acting_user,
        Attachment(project=acceptance.project, acceptance=acceptance, kind=EVIDENCE),
        upload,
        what="验收材料",
        reason="上传验收材料",
        inside=lambda: _still_draft(acceptance),
    )


def remove_evidence(acting_user, attachment: Attachment) -> None:
    _filing(acting_user, attachment.acceptance)
    with audit_context(actor=acting_user, reason="删除验收材料"), transaction.atomic():
        _still_draft(attachment.acceptance)
        discard_attachment(attachment)


def problems(acceptance: Acceptance) -> list[str]:
    found = []
    if not acceptance.summary.strip():
        found.append("请填写完成情况总结。")
    missing = [i.name for i in acceptance.project.task_book.indicators.all() if i.achieved is None]
    if missing:
        found.append(f"请填写考核指标的完成值：{'、'.join(missing)}。")
    if not acceptance.evidence.exists():
        found.append("请上传验收材料（成果证明、财务决算等）。")
    return found


def may_apply(acceptance: Acceptance, user) -> str | None:
    found = problems(acceptance)
    return " ".join(found) if found else None


def apply(acting_user, acceptance: Acceptance) -> Acceptance:
    return workflow.perform(acceptance, "apply", acting_user, changes={"applied_on": timezone.localdate()})


def send_to_review(acting_user, acceptances: list[Acceptance], *, deadline: date, experts_per_item: int = 3):
    """A 验收评审 round over applied acceptances (each moves to 评审中); the bureau assigns experts and opens
    it on the round's page."""
    from .selection import organisations_of

    if not acceptances:
        raise ActionRefused("请选择要评审的结题验收申请。")
    waiting = [a for a in acceptances if a.status == AcceptanceStatus.APPLIED]
    if len(waiting) != len(acceptances):
        names = "、".join(a.project.number for a in acceptances if a not in waiting)
        raise ActionRefused(f"以下验收申请不在“已申请”状态：{names}。")
    unfielded = [a.project.number for a in waiting if a.project.discipline_id is None]
    if unfielded:
        raise ActionRefused(f"以下项目未填写评审领域，无法匹配专家：{'、'.join(unfielded)}。")
    first = waiting[0].project
    with transaction.atomic():
        review_round = reviews.save_round(
            acting_user,
            None,
            criteria=ACCEPTANCE_CRITERIA,
            reason="组织结题验收评审",
            title=f"{first.year}年度结题验收评审（{first.number} 等 {len(waiting)} 项）"[:200],
            kind=RoundKind.ACCEPTANCE,
            department=first.call.department if first.call_id else first.department,
            deadline=deadline,
            experts_per_item=experts_per_item,
        )
        for acceptance in waiting:
            project = acceptance.project
            reviews.add_item(
                acting_user,
                review_round,
                title=f"{project.number} {project.name}（结题验收）"[:200],
                discipline=project.discipline,
                organisations=organisations_of(project),
                target=acceptance,
            )
            workflow.perform(acceptance, "review", acting_user, comment=f"提交“{review_round.title}”")
    return review_round


@dataclass(frozen=True)
class Figures:
    review_round: ReviewRound
    figure: ItemResult | None


def review_of(acceptance: Acceptance) -> Figures | None:
    """The latest review of this acceptance and its figures (n, mean, trimmed …)."""
    item = (
        ReviewItem.objects.filter(
            content_type=ContentType.objects.get_for_model(Acceptance), object_id=acceptance.pk
        )
        .select_related("round")
        .order_by("-pk")
        .first()
    )
    if item is None:
        return None
    result = reviews.results(item.round)
    figure = next((f for f in result.items if f.id == item.pk), None)
    return Figures(item.round, figure)


def decide(
    acting_user,
    acceptance: Acceptance,
    verdict: str,
    *,
    comment: str = "",
    decided_on: date | None = None,
    extended_to: date | None = None,
) -> Acceptance:
    """The verdict — the acceptance and the project move together, or neither does."""
    names = {
        AcceptanceStatus.PASSED: "pass",
        AcceptanceStatus.FAILED: "fail",
        AcceptanceStatus.EXTENDED: "extend",
    }
    if verdict not in names:
        raise ValidationError({"verdict": "请选择验收结论：通过、不通过或延期。"})
    decided_on = decided_on or timezone.localdate()
    project = acceptance.project
    if project.approved_on and decided_on < project.approved_on:
        raise ValidationError({"decided_on": "验收日期不能早于立项日期。"})
    changes = {"decided_on": decided_on}
    if verdict == AcceptanceStatus.EXTENDED:
        if extended_to is None or extended_to <= decided_on:
            raise ValidationError({"extended_to": "延期验收须填写晚于验收日期的延期截止日期。"})
        changes["extended_to"] = extended_to
    with transaction.atomic():
        acceptance = workflow.perform(
            acceptance, names[verdict], acting_user, comment=comment, changes=changes
        )
        project = Project.objects.get(pk=project.pk)
        if verdict == AcceptanceStatus.PASSED:
            workflow.perform(
                project,
                "complete",
                acting_user,
                comment=comment or "结题验收通过",
                changes={"completed_on": decided_on},
            )
        elif verdict == AcceptanceStatus.FAILED:
            workflow.perform(project, "terminate", acting_user, comment=f"结题验收不通过：{comment}")
        else:
            with audit_context(actor=acting_user, reason=f"延期验收：{comment}"):
                project.planned_end_on = extended_to
                project.full_clean()
                project.save(update_fields=["planned_end_on"])
    return acceptance
