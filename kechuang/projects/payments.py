"""拨付: a project's money paid in tranches — after 立项 (the 任务书 signed), on a milestone passed, after
验收 通过 — first arranged (待拨付), then recorded as paid with its date and voucher (已拨付), or voided.

The district's tranches arranged or paid never add up to more than the amount funded at 立项, and a
揭榜挂帅 need owner's never to more than its share in the 任务书: `arrange` locks the project's row, so two
clerks arranging at once cannot both pass the check. Paid totals per project, call and year are the
`projects.paid_in_period` metric."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from kechuang.core.context import audit_context
from kechuang.org.actions import ActionRefused
from kechuang.org.roles import Capability
from kechuang.org.scope import may_act_on
from kechuang.workflow import engine as workflow

from .models import (
    AcceptanceStatus,
    Milestone,
    MilestoneStatus,
    Payer,
    Payment,
    PaymentStatus,
    Project,
    Status,
    TaskBook,
    TaskBookStatus,
    Tranche,
)

COMMITTED = (PaymentStatus.PLANNED, PaymentStatus.PAID)


@dataclass(frozen=True)
class Totals:
    funded: Decimal  # the district's money granted at 立项
    arranged: Decimal  # of it, arranged or paid
    paid: Decimal
    owner_funding: Decimal  # a 揭榜挂帅 need owner's share in the 任务书
    owner_arranged: Decimal
    owner_paid: Decimal

    @property
    def left(self) -> Decimal:
        return self.funded - self.arranged


def _sums(project_id: int) -> dict:
    rows = (
        Payment.objects.filter(project_id=project_id, status__in=COMMITTED)
        .values_list("payer", "status")
        .annotate(total=Sum("amount"))
    )
    sums = {}
    for payer, status, total in rows:
        sums[(payer, status)] = total or Decimal("0")
    return sums


def totals(project: Project) -> Totals:
    sums = _sums(project.pk)
    owner_funding = TaskBook.objects.filter(project=project).values_list("owner_funding", flat=True).first()

    def of(payer, *statuses):
        return sum((sums.get((payer, s), Decimal("0")) for s in statuses), Decimal("0"))

    return Totals(
        funded=project.funding or Decimal("0"),
        arranged=of(Payer.DISTRICT, *COMMITTED),
        paid=of(Payer.DISTRICT, PaymentStatus.PAID),
        owner_funding=owner_funding or Decimal("0"),
        owner_arranged=of(Payer.OWNER, *COMMITTED),
        owner_paid=of(Payer.OWNER, PaymentStatus.PAID),
    )


def condition(project: Project, tranche: str, milestone: Milestone | None) -> str | None:
    if project.status not in (Status.APPROVED, Status.ONGOING, Status.COMPLETED):
        return f"项目当前状态为“{project.status}”，不能安排拨付。"
    if tranche == Tranche.APPROVAL:
        signed = TaskBook.objects.filter(project=project, status=TaskBookStatus.SIGNED).exists()
        return None if signed else "立项拨付须在任务书签订之后。"
    if tranche == Tranche.MILESTONE:
        if milestone is None or milestone.task_book.project_id != project.pk:
            return "请选择本项目任务书中的里程碑。"
        if milestone.status != MilestoneStatus.PASSED:
            return (
                f"里程碑{milestone.sequence}“{milestone.title}”尚未考核通过（{milestone.status}），不能兑现。"
            )
        return None
    if tranche == Tranche.ACCEPTANCE:
        passed = project.acceptances.filter(status=AcceptanceStatus.PASSED).exists()
        return None if passed else "验收拨付须在结题验收通过之后。"
    return f"未知的拨付节点“{tranche}”。"


def arrange(
    acting_user,
    project: Project,
    *,
    tranche: str,
    amount,
    payer: str = Payer.DISTRICT,
    milestone: Milestone | None = None,
    note: str = "",
) -> Payment:
    """A tranche to pay (待拨付), refused when its condition does not hold or it would take the project's
    payments beyond what was granted."""
    if not may_act_on(acting_user, project, Capability.CHANGE_PROJECTS):
        raise ActionRefused("您没有安排该项目拨付的权限。")
    if payer not in Payer.values:
        raise ValidationError({"payer": f"未知的出资方“{payer}”。"})
    if amount is None or amount <= 0:
        raise ValidationError({"amount": "拨付金额应大于 0。"})
    with audit_context(actor=acting_user, reason=note or f"安排{tranche}"), transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        refusal = condition(project, tranche, milestone if tranche == Tranche.MILESTONE else None)
        if refusal:
            raise ActionRefused(refusal)
        now = totals(project)
        if payer == Payer.DISTRICT:
            if now.arranged + amount > now.funded:
                raise ValidationError(
                    {
                        "amount": f"拨付金额超过立项资助金额：已安排 {now.arranged:,.2f} 元，本次 {amount:,.2f} 元，"
                        f"合计 {now.arranged + amount:,.2f} 元，资助金额 {now.funded:,.2f} 元"
                        f"（尚可安排 {now.left:,.2f} 元）。"
                    }
                )
        elif now.owner_arranged + amount > now.owner_funding:
            raise ValidationError(
                {
                    "amount": f"需求方支付超过任务书约定的出资：已安排 {now.owner_arranged:,.2f} 元，本次 {amount:,.2f} 元，"
                    f"约定出资 {now.owner_funding:,.2f} 元。"
                }
            )
        payment = Payment(
            project=project,
            tranche=tranche,
            milestone=milestone if tranche == Tranche.MILESTONE else None,
            payer=payer,
            amount=amount,
            note=(note or "").strip(),
        )
        payment.full_clean()
        payment.save()
    return payment


def pay(acting_user, payment: Payment, *, paid_on, voucher: str = "") -> Payment:
    """确认拨付: the tranche paid on `paid_on` (voucher number)."""
    if paid_on is None:
        raise ValidationError({"paid_on": "请填写拨付日期。"})
    return workflow.perform(
        payment, "pay", acting_user, changes={"paid_on": paid_on, "voucher": (voucher or "").strip()}
    )


def cancel(acting_user, payment: Payment, *, comment: str) -> Payment:
    return workflow.perform(payment, "cancel", acting_user, comment=comment)
