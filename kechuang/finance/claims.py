"""风险补偿: a claim on the risk-compensation fund for an overdue 知识价值信用贷款 — filed for the bank by the
bureau (申请), decided (审核通过 / 不予补偿), paid with its date and voucher (已代偿, which marks the loan
已代偿 in the same transaction), then recoveries recorded (登记追回) reducing the fund's net loss. The
states move only through the claim's workflow (`workflow.engine.perform`); this module holds its hooks and
the filing of a claim."""

from __future__ import annotations

from django.db import transaction

from kechuang.core.context import audit_context
from kechuang.org.actions import ActionRefused
from kechuang.org.roles import Capability
from kechuang.org.scope import may_act_on
from kechuang.workflow import engine as workflow

from .models import OPEN_CLAIMS, ClaimStatus, Loan, RiskClaim

# what an edit may change once a claim is decided (the rest is the claim's own record)
ALWAYS_EDITABLE = {"note"}


def no_open_claim(loan: Loan, user) -> str | None:
    """A loan with a claim in progress stays overdue until the claim is decided."""
    if RiskClaim.objects.filter(loan=loan, status__in=OPEN_CLAIMS).exists():
        return "该贷款有办理中的风险补偿申请，不能恢复正常。"
    return None


def mark_loan_compensated(claim: RiskClaim, event) -> None:
    """The claim paid: its loan becomes 已代偿 (inside the claim's transaction)."""
    loan = Loan.objects.get(pk=claim.loan_id)
    workflow.perform(loan, "compensate", None, comment=f"风险补偿已代偿（凭证号 {claim.voucher or '—'}）")


def save_claim(acting_user, claim: RiskClaim | None, *, reason: str = "", **fields) -> RiskClaim:
    """File a claim (claim None) on an overdue loan, or correct one: the principal and date only while
    申请, the note always. The loan's row is locked while checked, so two clerks cannot file two claims."""
    loan = fields.get("loan") or (claim.loan if claim is not None else None)
    if loan is None:
        raise ActionRefused("请选择贷款。")
    if not may_act_on(acting_user, loan, Capability.CHANGE_FINANCE):
        raise ActionRefused("您没有办理该贷款风险补偿的权限。")
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        Loan.objects.select_for_update().filter(pk=loan.pk).first()
        if claim is None:
            fields.pop("status", None)
            claim = RiskClaim(**fields, status=ClaimStatus.APPLIED)
        else:
            fields.pop("status", None)
            if fields.get("loan") is not None and fields["loan"].pk != claim.loan_id:
                raise ActionRefused("风险补偿申请的贷款不能更改。")
            fields.pop("loan", None)
            changed = {k for k, v in fields.items() if getattr(claim, k) != v}
            if claim.status != ClaimStatus.APPLIED and changed - ALWAYS_EDITABLE:
                raise ActionRefused(f"申请已{claim.status}，只能修改备注。")
            for name, value in fields.items():
                setattr(claim, name, value)
        claim.loan = Loan.objects.get(pk=loan.pk)
        claim.full_clean()
        claim.save()
    return claim


def delete_claim(acting_user, claim: RiskClaim, *, reason: str = "") -> None:
    """Remove a claim filed by mistake, only while 申请 (a decided claim keeps its record)."""
    if not may_act_on(acting_user, claim, Capability.CHANGE_FINANCE):
        raise ActionRefused("您没有删除该申请的权限。")
    if claim.status != ClaimStatus.APPLIED:
        raise ActionRefused(f"申请已{claim.status}，不能删除。")
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        claim.delete()
