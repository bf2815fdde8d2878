"""Every change to banks, loans and seed investments (a loan's state moves through its workflow; a
risk-compensation claim's in `claims.py`)."""

from __future__ import annotations

from django.db import transaction

from kechuang.core.context import audit_context
from kechuang.org.actions import ActionRefused
from kechuang.org.roles import Capability
from kechuang.org.scope import has_capability, may_act_on

from .models import Bank, Loan, LoanStatus, SeedInvestment

# a loan registered afresh may be recorded in these states (a 已代偿 one only through its claim)
REGISTRABLE = (LoanStatus.ACTIVE, LoanStatus.SETTLED, LoanStatus.OVERDUE)


def save_bank(acting_user, bank: Bank | None, *, reason: str = "", **fields) -> Bank:
    """Add a lending bank (bank None) or correct its name or note: `finance.change`."""
    if not has_capability(acting_user, Capability.CHANGE_FINANCE):
        raise ActionRefused("您没有维护合作银行的权限。")
    bank = bank or Bank()
    for name, value in fields.items():
        setattr(bank, name, value)
    bank.full_clean()
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        bank.save()
    return bank


def _set_tasks(record, tasks) -> None:
    if tasks is not None:
        record.tasks.set(tasks)


def save_loan(acting_user, loan: Loan | None, *, reason: str = "", tasks=None, **fields) -> Loan:
    """Register (loan None) or correct a loan; `finance.change` over the enterprise's town — the one it is
    in now and, for a loan moved to another enterprise, that one's. The state is given only on
    registration (在贷, 已结清 or 逾期 with its date); later it moves through 结清, 登记逾期 and 恢复正常."""
    if loan is None:
        status = fields.pop("status", None) or LoanStatus.ACTIVE
        if status not in REGISTRABLE:
            raise ActionRefused(f"登记贷款时状态只能是{'、'.join(REGISTRABLE)}。")
        loan = Loan(**fields, status=status)
    else:
        if not may_act_on(acting_user, loan, Capability.CHANGE_FINANCE):
            raise ActionRefused("您没有修改该贷款的权限。")
        fields.pop("status", None)
        for name, value in fields.items():
            setattr(loan, name, value)
    enterprise = loan.enterprise if loan.enterprise_id else None
    if enterprise is not None and not may_act_on(acting_user, enterprise, Capability.CHANGE_FINANCE):
        raise ActionRefused(f"您没有为“{enterprise.name}”登记贷款的权限。")
    if enterprise is None and not has_capability(acting_user, Capability.CHANGE_FINANCE):
        raise ActionRefused("您没有登记贷款的权限。")
    loan.full_clean()
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        loan.save()
        _set_tasks(loan, tasks)
    return loan


def delete_loan(acting_user, loan: Loan, *, reason: str = "") -> None:
    """Remove a loan registered by mistake (one with a risk-compensation claim keeps its record)."""
    if not may_act_on(acting_user, loan, Capability.CHANGE_FINANCE):
        raise ActionRefused("您没有删除该贷款的权限。")
    if loan.claims.exists():
        raise ActionRefused("该贷款已有风险补偿申请，不能删除。")
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        loan.delete()


def save_seed_investment(
    acting_user, investment: SeedInvestment | None, *, reason: str = "", tasks=None, **fields
) -> SeedInvestment:
    """Register (None) or correct a seed investment, its exit included; `finance.change` over its town (an
    enterprise's is the enterprise's town)."""
    if investment is None:
        investment = SeedInvestment(**fields)
    else:
        if not may_act_on(acting_user, investment, Capability.CHANGE_FINANCE):
            raise ActionRefused("您没有修改该投资记录的权限。")
        for name, value in fields.items():
            setattr(investment, name, value)
    if investment.enterprise_id:
        investment.town = investment.enterprise.town
    town = investment.town if investment.town_id else None
    if town is not None and not may_act_on(acting_user, town, Capability.CHANGE_FINANCE):
        raise ActionRefused(f"您没有在“{town.name}”登记种子基金投资的权限。")
    if town is None and not has_capability(acting_user, Capability.CHANGE_FINANCE):
        raise ActionRefused("您没有登记种子基金投资的权限。")
    investment.full_clean()
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        investment.save()
        _set_tasks(investment, tasks)
    return investment


def delete_seed_investment(acting_user, investment: SeedInvestment, *, reason: str = "") -> None:
    if not may_act_on(acting_user, investment, Capability.CHANGE_FINANCE):
        raise ActionRefused("您没有删除该投资记录的权限。")
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        investment.delete()
