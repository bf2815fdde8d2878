"""What the district commits and pays under its policies: budgets and their adjustments, grants (兑现)
checked against the year's budget, the enterprise's confirmed account, and payments (拨付).

- A year's budget is its initial amount plus every recorded adjustment. Committing more than is left —
  confirming a 免申即享 list, deciding an application — is refused until the bureau records an
  adjustment (`adjust_budget`). The budget's row is locked while checked, so two clerks committing at
  once cannot both pass.
- A grant is paid only to the account its enterprise confirmed; an account changed afterwards by the
  bureau must be confirmed again by the enterprise before any payment.
- Payments never add up to more than the grant's amount (the grant's row locked while checked); a grant
  paid in full is 已拨付; voiding a payment reopens it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from kechuang.audit.recording import record_bulk
from kechuang.core.context import audit_context
from kechuang.org.actions import ActionRefused
from kechuang.org.roles import Capability
from kechuang.org.scope import has_capability, may_act_on, visible_to
from kechuang.workflow import engine as workflow

from .models import (
    Budget,
    BudgetAdjustment,
    Disbursement,
    DisbursementStatus,
    Grant,
    GrantStatus,
    Instrument,
    PolicyDocument,
)

COMMITTED = (GrantStatus.AWAITING_ACCOUNT, GrantStatus.PAYABLE, GrantStatus.PAID)


@dataclass(frozen=True)
class Execution:
    """An instrument's year: budget (initial + adjustments), committed (审定), paid."""

    instrument_id: int
    year: int
    initial: Decimal
    adjusted: Decimal
    committed: Decimal
    paid: Decimal

    @property
    def budget(self) -> Decimal:
        return self.initial + self.adjusted

    @property
    def left(self) -> Decimal:
        return self.budget - self.committed

    @property
    def paid_share(self) -> Decimal | None:
        return (self.paid / self.budget * 100).quantize(Decimal("0.1")) if self.budget else None

    @property
    def committed_share(self) -> Decimal | None:
        return (self.committed / self.budget * 100).quantize(Decimal("0.1")) if self.budget else None


# Other records spending an instrument's budget (科技创新券: redeemed vouchers commit it, settled ones are
# paid): each a function (instrument ids, years) → {(instrument id, year): (committed, paid)}, one query
# whatever the data size, registered by its app when it is ready (policies cannot import the apps above).
EXECUTION_SOURCES: list = []


def execution(instruments, year: int) -> list[Execution]:
    """Budget execution of each instrument in `year`, in a fixed number of queries (four)."""
    by_year = execution_years(instruments, [year])
    return [by_year[(i.pk, year)] for i in instruments]


def execution_years(instruments, years) -> dict[tuple[int, int], Execution]:
    """Budget execution of each instrument in each of `years`, keyed (instrument id, year): four queries
    (and one per registered source) whatever the number of instruments and years."""
    ids = [i.pk for i in instruments]
    years = list(years)
    initial = {
        (i, y): a
        for i, y, a in Budget.objects.filter(instrument_id__in=ids, year__in=years).values_list(
            "instrument_id", "year", "amount"
        )
    }
    adjusted = {
        (i, y): t
        for i, y, t in BudgetAdjustment.objects.filter(budget__instrument_id__in=ids, budget__year__in=years)
        .values("budget__instrument_id", "budget__year")
        .annotate(total=Sum("amount"))
        .values_list("budget__instrument_id", "budget__year", "total")
    }
    committed = {
        (i, y): t
        for i, y, t in Grant.objects.filter(
            instrument_id__in=ids, budget_year__in=years, status__in=COMMITTED
        )
        .values("instrument_id", "budget_year")
        .annotate(total=Sum("amount"))
        .values_list("instrument_id", "budget_year", "total")
    }
    paid = {
        (i, y): t
        for i, y, t in Disbursement.objects.filter(
            grant__instrument_id__in=ids, grant__budget_year__in=years, status=DisbursementStatus.PAID
        )
        .values("grant__instrument_id", "grant__budget_year")
        .annotate(total=Sum("amount"))
        .values_list("grant__instrument_id", "grant__budget_year", "total")
    }
    zero = Decimal(0)
    for source in EXECUTION_SOURCES:
        for key, (more_committed, more_paid) in source(ids, years).items():
            committed[key] = (committed.get(key) or zero) + (more_committed or zero)
            paid[key] = (paid.get(key) or zero) + (more_paid or zero)
    return {
        (i, y): Execution(
            i,
            y,
            initial.get((i, y), zero),
            adjusted.get((i, y), zero) or zero,
            committed.get((i, y), zero) or zero,
            paid.get((i, y), zero) or zero,
        )
        for i in ids
        for y in years
    }


def execution_for(user, year: int) -> dict:
    """Budget execution of every instrument of the policies `user` sees in `year` (those with a budget,
    a commitment or a payment), with the totals — for the page and the API, in five queries."""
    instruments = list(
        Instrument.objects.filter(document__in=visible_to(user, PolicyDocument.objects.all()))
        .select_related("document")
        .order_by("document__effective_from", "sort_order", "pk")
    )
    by_id = {i.pk: i for i in instruments}
    listed = [
        (by_id[r.instrument_id], r) for r in execution(instruments, year) if r.budget or r.committed or r.paid
    ]
    zero = Decimal(0)
    return {
        "year": year,
        "rows": listed,
        "budget": sum((r.budget for _, r in listed), zero),
        "committed": sum((r.committed for _, r in listed), zero),
        "paid": sum((r.paid for _, r in listed), zero),
    }


def _locked_budget(instrument: Instrument, year: int) -> Budget:
    budget = Budget.objects.select_for_update().filter(instrument=instrument, year=year).first()
    if budget is None:
        raise ActionRefused(f"“{instrument.name}”没有 {year} 年度预算，请先登记预算。")
    return budget


def require_budget(instrument: Instrument, year: int, amount: Decimal, what: str) -> None:
    """Inside a transaction: refuse committing `amount` more than the year's budget leaves (the budget row
    stays locked until the transaction ends)."""
    _locked_budget(instrument, year)
    [row] = execution([instrument], year)
    if amount > row.left:
        raise ActionRefused(
            f"{what}合计 {amount:,.2f} 元，超出“{instrument.name}”{year} 年度预算余额 {row.left:,.2f} 元"
            f"（预算 {row.budget:,.2f} 元，已审定 {row.committed:,.2f} 元）；须先登记预算调整。"
        )


def save_budget(
    acting_user, instrument: Instrument, year: int, amount: Decimal, *, reason: str = ""
) -> Budget:
    """Set an instrument's initial budget for a year (later changes are adjustments)."""
    if not may_act_on(acting_user, instrument.document.department, Capability.MANAGE_POLICIES):
        raise ActionRefused("您没有登记该政策预算的权限。")
    if Budget.objects.filter(instrument=instrument, year=year).exists():
        raise ActionRefused(f"{year} 年度预算已登记；变更须登记预算调整。")
    budget = Budget(instrument=instrument, year=year, amount=amount)
    budget.full_clean()
    with audit_context(actor=acting_user, reason=reason or "登记年度预算"), transaction.atomic():
        budget.save()
    return budget


def adjust_budget(
    acting_user, budget: Budget, *, amount: Decimal, reason: str, adjusted_on: date, document_number: str = ""
) -> BudgetAdjustment:
    """Record a budget adjustment; a cut below what is committed is refused."""
    if not may_act_on(acting_user, budget, Capability.MANAGE_POLICIES):
        raise ActionRefused("您没有调整该预算的权限。")
    if not (reason or "").strip():
        raise ValidationError({"reason": "预算调整须填写理由。"})
    if amount == 0:
        raise ValidationError({"amount": "调整金额不能为 0。"})
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        budget = _locked_budget(budget.instrument, budget.year)
        [row] = execution([budget.instrument], budget.year)
        if row.budget + amount < row.committed:
            raise ValidationError(
                {"amount": f"调减后预算 {row.budget + amount:,.2f} 元低于已审定的 {row.committed:,.2f} 元。"}
            )
        if row.budget + amount < 0:
            raise ValidationError({"amount": "调整后预算不能为负。"})
        adjustment = BudgetAdjustment(
            budget=budget,
            amount=amount,
            reason=reason.strip(),
            document_number=document_number,
            adjusted_on=adjusted_on,
            created_by=acting_user,
        )
        adjustment.full_clean()
        adjustment.save()
    return adjustment


# --- the enterprise's account ---------------------------------------------------------------------------


def own_grants(user, queryset):
    """Todo narrowing: an enterprise's users see the grants of their own enterprises."""
    return queryset.filter(enterprise__users=user)


def _account_fields(account_name: str, bank_name: str, account_number: str) -> dict:
    errors = {}
    account_name, bank_name = (account_name or "").strip(), (bank_name or "").strip()
    number = "".join((account_number or "").split())
    if not account_name:
        errors["account_name"] = "请填写户名（应与企业名称一致）。"
    if not bank_name:
        errors["bank_name"] = "请填写开户行。"
    if not number.isdigit() or not 8 <= len(number) <= 32:
        errors["account_number"] = "银行账号应为 8—32 位数字。"
    if errors:
        raise ValidationError(errors)
    return {"account_name": account_name, "bank_name": bank_name, "account_number": number}


def confirm_account(
    acting_user, grant: Grant, *, account_name: str, bank_name: str, account_number: str
) -> Grant:
    """The enterprise confirms (or confirms again) the account its grant is paid to."""
    fields = _account_fields(account_name, bank_name, account_number)
    if not grant.enterprise.users.filter(pk=acting_user.pk).exists():
        raise ActionRefused("只有该企业的账号可以确认收款账户。")
    if fields["account_name"] != grant.enterprise.name:
        raise ValidationError({"account_name": f"户名应为企业名称“{grant.enterprise.name}”。"})
    with audit_context(actor=acting_user, reason="确认收款账户"), transaction.atomic():
        locked = Grant.objects.select_for_update().get(pk=grant.pk)
        for key, value in fields.items():
            setattr(locked, key, value)
        locked.account_confirmed_at = timezone.now()
        locked.account_confirmed_by = acting_user
        locked.save(update_fields=[*fields, "account_confirmed_at", "account_confirmed_by"])
        workflow.perform(locked, "confirm_account", acting_user)
        if locked.benefit_line_id:
            from .models import LineStatus

            type(locked.benefit_line).objects.filter(pk=locked.benefit_line_id).update(
                status=LineStatus.ACCEPTED
            )
    return locked


def change_account(
    acting_user, grant: Grant, *, account_name: str, bank_name: str, account_number: str, reason: str
):
    """The bureau records an account the enterprise gave otherwise (a letter, a call): the grant waits
    for the enterprise to confirm it online before any payment."""
    if not may_act_on(acting_user, grant, Capability.MANAGE_POLICIES):
        raise ActionRefused("您没有变更该奖补收款账户的权限。")
    if grant.status not in (GrantStatus.AWAITING_ACCOUNT, GrantStatus.PAYABLE):
        raise ActionRefused(f"“{grant.get_status_display()}”的奖补不能变更收款账户。")
    if not (reason or "").strip():
        raise ValidationError({"reason": "变更收款账户须填写理由。"})
    fields = _account_fields(account_name, bank_name, account_number)
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        locked = Grant.objects.select_for_update().get(pk=grant.pk)
        for key, value in fields.items():
            setattr(locked, key, value)
        locked.account_confirmed_at = None
        locked.account_confirmed_by = None
        locked.status = GrantStatus.AWAITING_ACCOUNT  # the enterprise confirms again
        locked.save(update_fields=[*fields, "account_confirmed_at", "account_confirmed_by", "status"])
    return locked


# --- payments --------------------------------------------------------------------------------------------


def paid_total(grant: Grant) -> Decimal:
    return grant.disbursements.filter(status=DisbursementStatus.PAID).aggregate(t=Sum("amount"))[
        "t"
    ] or Decimal(0)


def revocable(grant: Grant, user) -> str | None:
    if grant.disbursements.filter(status=DisbursementStatus.PAID).exists():
        return "已有拨付记录的奖补不能撤销；请先作废拨付。"
    return None


def pay(acting_user, grant: Grant, *, amount: Decimal, paid_on: date, voucher: str) -> Disbursement:
    """Record a payment of `grant` to its confirmed account."""
    return pay_batch(acting_user, [(grant, amount, voucher)], paid_on=paid_on)[0]


def _refusal(grant: Grant, amount, already: Decimal):
    """Why `amount` cannot be paid on `grant` now: (field or None, message), or None."""
    if grant.status == GrantStatus.AWAITING_ACCOUNT:
        if grant.account_number and not grant.account_confirmed_at:
            return None, "收款账户变更后尚未经企业重新确认，不能拨付。"
        return None, "企业尚未确认收款账户，不能拨付。"
    if grant.status != GrantStatus.PAYABLE:
        return None, f"“{grant.get_status_display()}”的奖补不能再拨付。"
    if amount > grant.amount - already:
        return "amount", (
            f"拨付金额 {amount:,.2f} 元超过审定金额余额 {grant.amount - already:,.2f} 元"
            f"（审定 {grant.amount:,.2f} 元，已拨付 {already:,.2f} 元）。"
        )
    return None


def pay_batch(acting_user, rows, *, paid_on: date) -> list[Disbursement]:
    """Record a treasury batch: (grant, amount, 凭证号) each paid on `paid_on` to its grant's confirmed
    account — all or nothing, every refusal naming its enterprise. Grants paid in full become 已拨付."""
    rows = list(rows)
    single = len(rows) == 1
    errors: dict[str, list[str]] = {}

    def refuse(field, text, grant=None):
        prefix = "" if single or grant is None else f"{grant.enterprise.name}："
        errors.setdefault(field or "__all__", []).append(prefix + text)

    vouchers = [(voucher or "").strip() for _, _, voucher in rows]
    taken = set(Disbursement.objects.filter(voucher__in=vouchers).values_list("voucher", flat=True))
    seen = set()
    for (grant, amount, _), voucher in zip(rows, vouchers, strict=True):
        if amount is None or amount <= 0:
            refuse("amount", "拨付金额应大于 0。", grant)
        if not voucher:
            refuse("voucher", "请填写凭证号。", grant)
        elif voucher in taken or voucher in seen:
            refuse("voucher", f"凭证号“{voucher}”已登记过。", grant)
        seen.add(voucher)
    if paid_on is None:
        refuse("paid_on", "请填写拨付日期。")
    elif paid_on > timezone.localdate():
        refuse("paid_on", "拨付日期不能晚于今天。")
    if errors:
        raise ValidationError(errors)
    ids = [grant.pk for grant, _, _ in rows]
    allowed = set(
        visible_to(acting_user, Grant.objects.filter(pk__in=ids), Capability.MANAGE_POLICIES).values_list(
            "pk", flat=True
        )
    )
    if not has_capability(acting_user, Capability.MANAGE_POLICIES) or len(allowed) != len(set(ids)):
        raise ActionRefused("您没有登记该奖补拨付的权限。")
    reason = f"拨付 {vouchers[0]}" if single else f"批量拨付 {len(rows)} 笔（{paid_on:%Y-%m-%d}）"
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        locked = {
            g.pk: g
            for g in Grant.objects.select_for_update()
            .filter(pk__in=ids)
            .select_related("enterprise__town", "instrument")
        }
        already = dict(
            Disbursement.objects.filter(grant_id__in=ids, status=DisbursementStatus.PAID)
            .values("grant_id")
            .annotate(total=Sum("amount"))
            .values_list("grant_id", "total")
        )
        payments, settled = [], []
        for (grant, amount, _), voucher in zip(rows, vouchers, strict=True):
            current = locked[grant.pk]
            before = already.get(current.pk) or Decimal(0)
            refused = _refusal(current, amount, before)
            if refused is not None:
                if single and refused[0] is None:
                    raise ActionRefused(refused[1])
                refuse(*refused, current)
                continue
            already[current.pk] = before + amount
            payments.append(
                Disbursement(
                    grant=current,
                    amount=amount,
                    paid_on=paid_on,
                    voucher=voucher,
                    account_name=current.account_name,
                    bank_name=current.bank_name,
                    account_number=current.account_number,
                    recorded_by=acting_user,
                )
            )
            if already[current.pk] == current.amount:
                settled.append(current)
        if errors:
            raise ValidationError(errors)
        for payment in payments:
            payment.full_clean(validate_unique=False)
        created = Disbursement.objects.bulk_create(payments)
        record_bulk(created, "create")
        workflow.perform_many(settled, "settle", None, comment="拨付完毕")
    return created


def after_void(payment: Disbursement, event) -> None:
    """A voided payment of a grant paid in full reopens it for payment."""
    grant = Grant.objects.get(pk=payment.grant_id)
    if grant.status == GrantStatus.PAID:
        workflow.perform(grant, "reopen_payment", None, comment=f"拨付 {payment.voucher} 作废")
