"""Every change to voucher types, service institutions and vouchers. A voucher's state moves only through
its workflow (`workflow.engine.perform`, a compare-and-set on the state): claimed or issued here, redeemed
here by a registered institution's account, verified, sent back, settled or voided from its page."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from kechuang.audit.recording import record_bulk
from kechuang.core.context import audit_context
from kechuang.core.documents import check_document
from kechuang.enterprises.models import Enterprise, Qualification, valid_on_q
from kechuang.org.actions import ActionRefused
from kechuang.org.roles import Capability
from kechuang.org.scope import has_capability, may_act_on, visible_to
from kechuang.policies import grants
from kechuang.projects.applications import store_attachment
from kechuang.workflow import engine as workflow

from .models import ServiceProvider, Voucher, VoucherAttachment, VoucherStatus, VoucherType

SPENT = (VoucherStatus.ISSUED, VoucherStatus.REDEEMED, VoucherStatus.VERIFIED, VoucherStatus.SETTLED)
USED = (VoucherStatus.REDEEMED, VoucherStatus.VERIFIED, VoucherStatus.SETTLED)


def _yuan(value) -> str:
    return f"{value:,.2f} 元"


# --- types and institutions ------------------------------------------------------------------------


def manages(user, vtype: VoucherType) -> bool:
    """Whether `user` keeps the vouchers of `vtype`'s issuing district (changes the type, issues it)."""
    return has_capability(user, Capability.MANAGE_VOUCHERS) and may_act_on(
        user, vtype.department, Capability.MANAGE_VOUCHERS
    )


def save_type(acting_user, vtype: VoucherType | None, *, reason: str = "", eligible_kinds=None, **fields):
    """Create (None) or change a voucher type: `vouchers.manage`. The face value and validity of a type
    already issued stay as they were (the vouchers carry them)."""
    if not has_capability(acting_user, Capability.MANAGE_VOUCHERS):
        raise ActionRefused("您没有维护创新券类型的权限。")
    if vtype is not None and vtype.pk and not manages(acting_user, vtype):
        raise ActionRefused(f"该创新券类型由“{vtype.department.name}”发放，您没有修改的权限。")
    if vtype is not None and vtype.pk and vtype.vouchers.exists():
        fixed = [n for n in ("face_value", "year") if n in fields and fields[n] != getattr(vtype, n)]
        if fixed:
            raise ActionRefused("该类型已发放创新券，不能再修改面值和年度。")
    vtype = vtype or VoucherType()
    for name, value in fields.items():
        setattr(vtype, name, value)
    if vtype.department_id and not manages(acting_user, vtype):
        raise ActionRefused(f"您没有以“{vtype.department.name}”名义发放创新券的权限。")
    vtype.full_clean()
    with audit_context(actor=acting_user, reason=reason or "保存创新券类型"), transaction.atomic():
        vtype.save()
        if eligible_kinds is not None:
            vtype.eligible_kinds.set(eligible_kinds)
    return vtype


def save_provider(acting_user, provider: ServiceProvider | None, *, reason: str = "", users=None, **fields):
    """Register (None) or change a service institution, its accounts included: `vouchers.manage` over
    its town."""
    provider = provider or ServiceProvider()
    for name, value in fields.items():
        setattr(provider, name, value)
    town = provider.town if provider.town_id else None
    if town is None or not may_act_on(acting_user, town, Capability.MANAGE_VOUCHERS):
        raise ActionRefused("您没有登记该服务机构的权限。")
    provider.full_clean()
    with audit_context(actor=acting_user, reason=reason or "保存服务机构"), transaction.atomic():
        provider.save()
        if users is not None:
            provider.users.set(users)
    return provider


# --- issuing ---------------------------------------------------------------------------------------


CHUNK = 5000  # enterprises a query asks about at once (well inside SQLite's bound parameters)


def _type_refusal(vtype: VoucherType, day: date) -> str | None:
    """Why no one may receive a voucher of `vtype` on `day`, or None."""
    if not vtype.is_open:
        return f"“{vtype}”未开放申领。"
    if not vtype.valid_from <= day <= vtype.valid_to:
        return f"“{vtype}”的申领期为 {vtype.valid_from:%Y-%m-%d} 至 {vtype.valid_to:%Y-%m-%d}。"
    if vtype.total_count is not None:
        issued = Voucher.objects.filter(type=vtype, status__in=SPENT).count()
        if issued >= vtype.total_count:
            return f"“{vtype}”已发放 {issued} 张，达到发放总量。"
    return None


def refusals(vtype: VoucherType, enterprises, day: date) -> dict[int, str]:
    """Why each of `enterprises` may not receive a voucher of `vtype` on `day` (a Chinese sentence by
    enterprise id; the eligible are absent) — in the same few queries for one enterprise or thousands."""
    enterprises = list(enterprises)
    general = _type_refusal(vtype, day)
    if general:
        return {e.pk: general for e in enterprises}
    kinds = list(vtype.eligible_kinds.all())
    district = vtype.department
    holders, had, used, inside = set(), set(), {}, set()
    for start in range(0, len(enterprises), CHUNK):
        ids = [e.pk for e in enterprises[start : start + CHUNK]]
        within = Enterprise.objects.filter(pk__in=ids, town__path__startswith=district.path)
        inside.update(within.values_list("pk", flat=True))
        if kinds:
            held = Qualification.objects.filter(valid_on_q(day), enterprise_id__in=ids, kind__in=kinds)
            holders.update(held.values_list("enterprise_id", flat=True))
        spent = Voucher.objects.filter(enterprise_id__in=ids, status__in=SPENT)
        had.update(spent.filter(type=vtype).values_list("enterprise_id", flat=True))
        used.update(
            spent.filter(type__year=vtype.year)
            .values("enterprise_id")
            .annotate(total=Sum("face_value"))
            .values_list("enterprise_id", "total")
        )
    names = "、".join(k.name for k in kinds)
    found = {}
    for enterprise in enterprises:
        taken = used.get(enterprise.pk, Decimal(0))
        if not enterprise.is_active:
            found[enterprise.pk] = f"“{enterprise.name}”已不在册。"
        elif enterprise.pk not in inside:
            found[enterprise.pk] = f"“{enterprise.name}”不在“{district.name}”辖区内，不能领取“{vtype}”。"
        elif kinds and enterprise.pk not in holders:
            found[enterprise.pk] = f"“{enterprise.name}”未持有有效的{names}资质，不能申领。"
        elif enterprise.pk in had:
            found[enterprise.pk] = f"“{enterprise.name}”已领取过“{vtype}”。"
        elif taken + vtype.face_value > vtype.annual_cap:
            found[enterprise.pk] = (
                f"“{enterprise.name}”{vtype.year} 年已领取创新券 {_yuan(taken)}，再领 {_yuan(vtype.face_value)} "
                f"将超过每家企业年度上限 {_yuan(vtype.annual_cap)}。"
            )
    return found


def eligibility_refusal(vtype: VoucherType, enterprise: Enterprise, day: date) -> str | None:
    """Why `enterprise` may not receive a voucher of `vtype` on `day` (a Chinese sentence), or None."""
    return refusals(vtype, [enterprise], day).get(enterprise.pk)


def _numbers(vtype: VoucherType, count: int) -> list[str]:
    """The next `count` voucher numbers of the type's year (CX2026-000001 …); the type's row is locked."""
    prefix = f"CX{vtype.year}-"
    last = (
        Voucher.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    start = int(last[len(prefix) :]) + 1 if last and re.fullmatch(r"\d+", last[len(prefix) :]) else 1
    return [f"{prefix}{n:06d}" for n in range(start, start + count)]


def claim(acting_user, vtype: VoucherType, enterprise: Enterprise) -> Voucher:
    """An enterprise's account claims a voucher of `vtype` (申领): `vouchers.claim` over the enterprise;
    the type's row locked while the caps are checked, so two claims cannot pass one cap together."""
    if not may_act_on(acting_user, enterprise, Capability.CLAIM_VOUCHERS):
        raise ActionRefused(f"您没有为“{enterprise.name}”申领创新券的权限。")
    return _issue(acting_user, vtype, [enterprise], reason="申领创新券")[0]


def issue(acting_user, vtype: VoucherType, enterprises) -> list[Voucher]:
    """The bureau issues vouchers of `vtype` to `enterprises` (发放): every one checked, any refused
    refuses the whole batch, naming it."""
    if not manages(acting_user, vtype):
        raise ActionRefused("您没有发放创新券的权限。")
    enterprises = list(enterprises)
    allowed = set(
        visible_to(
            acting_user,
            Enterprise.objects.filter(pk__in=[e.pk for e in enterprises]),
            Capability.MANAGE_VOUCHERS,
        ).values_list("pk", flat=True)
    )
    outside = [e for e in enterprises if e.pk not in allowed]
    if outside:
        raise ActionRefused(f"您没有向“{outside[0].name}”发放创新券的权限。")
    return _issue(acting_user, vtype, enterprises, reason="发放创新券")


def eligible_enterprises(acting_user, vtype: VoucherType, day: date | None = None) -> list[Enterprise]:
    """The enterprises in the user's scope that may receive a voucher of `vtype` now (for 批量发放): the
    registered ones holding a qualification it asks for, less those `refusals` refuses."""
    day = day or timezone.localdate()
    found = visible_to(
        acting_user,
        Enterprise.objects.filter(is_active=True, town__path__startswith=vtype.department.path),
        Capability.MANAGE_VOUCHERS,
    )
    kinds = list(vtype.eligible_kinds.all())
    if kinds:
        found = found.filter(
            pk__in=Qualification.objects.filter(valid_on_q(day), kind__in=kinds).values("enterprise_id")
        )
    found = list(found.select_related("town").order_by("town__path", "name"))
    refused = refusals(vtype, found, day)
    return [e for e in found if e.pk not in refused]


def _issue(acting_user, vtype: VoucherType, enterprises: list[Enterprise], *, reason: str) -> list[Voucher]:
    if not enterprises:
        raise ActionRefused("没有可发放创新券的企业。")
    today = timezone.localdate()
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        vtype = VoucherType.objects.select_for_update().get(pk=vtype.pk)
        refused = refusals(vtype, enterprises, today)
        first = next((e for e in enterprises if e.pk in refused), None)
        if first is not None:
            more = f"（另有 {len(refused) - 1} 家企业不符合条件）" if len(refused) > 1 else ""
            raise ActionRefused(refused[first.pk] + more)
        if vtype.total_count is not None:
            issued = Voucher.objects.filter(type=vtype, status__in=SPENT).count()
            if issued + len(enterprises) > vtype.total_count:
                raise ActionRefused(
                    f"“{vtype}”发放总量 {vtype.total_count} 张，已发 {issued} 张，不能再发 {len(enterprises)} 张。"
                )
        if len({e.pk for e in enterprises}) != len(enterprises):
            raise ActionRefused("同一企业不能重复发放。")
        vouchers = [
            Voucher(
                type=vtype,
                enterprise=enterprise,
                number=number,
                face_value=vtype.face_value,
                issued_on=today,
                expires_on=vtype.valid_to,
            )
            for enterprise, number in zip(enterprises, _numbers(vtype, len(enterprises)), strict=True)
        ]
        if len(vouchers) == 1:
            vouchers[0].full_clean()
            vouchers[0].save()
        else:
            vouchers = Voucher.objects.bulk_create(vouchers)  # each keeps its enterprise (the audit's scope)
            record_bulk(vouchers, "create")
    return vouchers


# --- redeeming -------------------------------------------------------------------------------------


def providers_of(user):
    """The registered (在册) institutions `user` acts for."""
    if user is None or not user.is_authenticated:
        return ServiceProvider.objects.none()
    return ServiceProvider.objects.filter(users=user, is_active=True).order_by("name")


def redeem_refusal(voucher: Voucher, user) -> str | None:
    """Only an account of a registered (在册) service institution redeems, with `vouchers.redeem`."""
    if user is None:
        return "创新券只能由服务机构兑付。"
    if not has_capability(user, Capability.REDEEM_VOUCHERS):
        return "您没有兑付创新券的权限。"
    if not providers_of(user).exists():
        return "您的账号不属于在册的创新券服务机构，不能兑付。"
    return None


def find_for_redemption(user, number: str, credit_code: str) -> Voucher:
    """The voucher an institution is about to redeem: its number and the holder's credit code must match
    (a number alone is not enough to reach another enterprise's voucher)."""
    message = redeem_refusal(None, user)
    if message:
        raise ActionRefused(message)
    number, credit_code = (number or "").strip().upper(), (credit_code or "").strip().upper()
    voucher = (
        Voucher.objects.select_related("type", "enterprise", "type__redeem_requires")
        .filter(number=number, enterprise__credit_code=credit_code)
        .first()
    )
    if voucher is None:
        raise ValidationError({"number": "券号与持券企业的统一社会信用代码不符，或券号不存在。"})
    return voucher


def flags_for(voucher: Voucher, provider: ServiceProvider, day: date, amount: Decimal) -> list[str]:
    """What the bureau should look at before verifying: the institution and the enterprise sharing a
    person or a phone, and many redemptions of the full face value by one institution on one day."""
    found = []
    enterprise = voucher.enterprise
    people = {p for p in (provider.legal_representative, provider.contact_name) if p}
    if enterprise.contact_name and enterprise.contact_name in people:
        found.append(f"服务机构的法定代表人或联系人与企业联系人同为“{enterprise.contact_name}”。")
    if provider.contact_phone and str(provider.contact_phone) == str(enterprise.contact_phone or ""):
        found.append("服务机构与企业的联系电话相同。")
    if amount == voucher.face_value:
        same_day = (
            Voucher.objects.filter(provider=provider, redeemed_on=day, status__in=USED)
            .filter(redeemed_amount=F("face_value"))
            .count()
            + 1
        )
        if same_day >= voucher.type.same_day_flag:
            found.append(f"该机构 {day:%Y-%m-%d} 当天第 {same_day} 笔足额兑付。")
    return found


def redeem(
    acting_user,
    voucher: Voucher,
    *,
    provider: ServiceProvider,
    service_content: str,
    contract_number: str,
    contract_amount: Decimal,
    invoice_number: str,
    invoice_amount: Decimal,
    redeemed_amount: Decimal,
    contract_file=None,
    invoice_file=None,
) -> Voucher:
    """Redeem `voucher` for `provider` (兑付): the institution registered and the account its own, the
    voucher not expired and — a conditional one — its enterprise holding the qualification now, the amount
    within the face value and the type's share of the invoice; the contract and the invoice attached. The
    state moves by compare-and-set: a voucher redeemed or voided meanwhile is refused, nothing stored."""
    today = timezone.localdate()
    if provider is None or not provider.is_active or not provider.users.filter(pk=acting_user.pk).exists():
        raise ActionRefused("请选择您所在的在册服务机构。")
    vtype = voucher.type
    if voucher.status != VoucherStatus.ISSUED:
        raise ActionRefused(f"创新券 {voucher.number} 当前状态为“{voucher.get_status_display()}”，不能兑付。")
    if voucher.expires_on < today:
        raise ActionRefused(f"创新券 {voucher.number} 已于 {voucher.expires_on:%Y-%m-%d} 过期，不能兑付。")
    if vtype.redeem_requires_id:
        held = Qualification.objects.filter(
            valid_on_q(today), enterprise=voucher.enterprise, kind=vtype.redeem_requires
        ).exists()
        if not held:
            raise ActionRefused(
                f"“{vtype}”为条件券：“{voucher.enterprise.name}”取得{vtype.redeem_requires.name}资质后方可兑付。"
            )
    errors = {}
    for name, upload in (("contract_file", contract_file), ("invoice_file", invoice_file)):
        label = "服务合同" if name == "contract_file" else "发票"
        if upload is None:
            errors[name] = f"请上传{label}。"
            continue
        try:
            check_document(upload, what=label, limit_setting="ATTACHMENT_MAX_BYTES")
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    flags = flags_for(voucher, provider, today, redeemed_amount)
    changes = {
        "provider": provider,
        "redeemed_on": today,
        "redeemed_by": acting_user,
        "service_content": service_content,
        "contract_number": contract_number,
        "contract_amount": contract_amount,
        "invoice_number": invoice_number,
        "invoice_amount": invoice_amount,
        "redeemed_amount": redeemed_amount,
        "flags": flags,
    }
    with transaction.atomic():
        if vtype.instrument_id:  # the article's budget of the type's year, locked while checked
            grants.require_budget(vtype.instrument, vtype.year, redeemed_amount, "创新券兑付")
        workflow.perform(voucher, "redeem", acting_user, comment=f"{provider.name}兑付", changes=changes)
        for kind, upload in (
            (VoucherAttachment.Kind.CONTRACT, contract_file),
            (VoucherAttachment.Kind.INVOICE, invoice_file),
        ):
            store_attachment(
                acting_user,
                VoucherAttachment(voucher=voucher, kind=kind),
                upload,
                what=kind.label,
                reason="上传兑付附件",
                inside=lambda: None,
            )
    return voucher


def settle_many(acting_user, vouchers, *, settled_on: date, settlement_number: str) -> list[Voucher]:
    """Settle an institution's verified vouchers together (one payment, one voucher number)."""
    vouchers = list(vouchers)
    if not vouchers:
        raise ActionRefused("请选择要结算的创新券。")
    if len({v.provider_id for v in vouchers}) != 1:
        raise ActionRefused("一次结算只能包含同一服务机构的创新券。")
    return workflow.perform_many(
        vouchers,
        "settle",
        acting_user,
        comment=f"结算凭证号 {settlement_number}",
        changes={"settled_on": settled_on, "settlement_number": settlement_number},
    )


def totals(queryset) -> dict:
    """Counts and money of a set of vouchers by state (for the type and institution pages)."""
    rows = queryset.values("status").annotate(
        n=Count("pk"), face=Sum("face_value"), used=Sum("redeemed_amount")
    )
    by_state = {row["status"]: row for row in rows}
    return {
        "by_state": [
            (label, by_state.get(value, {}).get("n", 0), by_state.get(value, {}).get("face") or Decimal(0))
            for value, label in VoucherStatus.choices
        ],
        "issued": sum(row["n"] for row in rows if row["status"] != VoucherStatus.VOIDED),
        "redeemed": sum((row["used"] or Decimal(0)) for row in rows if row["status"] in USED),
        "settled": by_state.get(VoucherStatus.SETTLED, {}).get("used") or Decimal(0),
    }
