"""The voucher pages: a type's part on the kit's detail page (its vouchers by state, an enterprise's 申领,
the bureau's 批量发放), an institution's (its redemptions, the batch settlement), the 兑付 page of a service
institution's account, and the attachments' download. Views parse, check and call `actions`."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from kechuang.org.roles import Capability
from kechuang.org.scope import get_visible_or_404, has_capability, may_act_on
from kechuang.web.access import download, require_capability
from kechuang.web.forms import run_action
from kechuang.web.registry import page_again, refused_form

from . import actions
from .forms import ClaimForm, FindForm, RedeemForm, SettleManyForm
from .models import ServiceProvider, Voucher, VoucherAttachment, VoucherStatus, VoucherType

# --- 我的政策 ----------------------------------------------------------------------------------------


def mine_section(request, enterprises) -> dict | None:
    """The enterprise's vouchers with their state, and the open types it may still claim (its part of
    我的政策)."""
    if not enterprises or not has_capability(request.user, Capability.VIEW_VOUCHERS):
        return None
    today = timezone.localdate()
    vouchers = list(
        Voucher.objects.filter(enterprise__in=enterprises)
        .select_related("type", "enterprise", "provider")
        .order_by("-issued_on", "-pk")[:100]
    )
    claimable = []
    if has_capability(request.user, Capability.CLAIM_VOUCHERS):
        open_types = VoucherType.objects.filter(
            is_open=True, valid_from__lte=today, valid_to__gte=today
        ).select_related("department")
        towns = [e.town.path for e in enterprises]
        for vtype in open_types:
            if not any(path.startswith(vtype.department.path) for path in towns):
                continue  # another district's: none of these enterprises may claim it
            refused = actions.refusals(vtype, enterprises, today)
            if any(e.pk not in refused for e in enterprises):
                claimable.append(vtype)
    return {"template": "vouchers/_mine.html", "vouchers": vouchers, "claimable": claimable}


# --- a type -----------------------------------------------------------------------------------------


def type_context(request, obj: VoucherType) -> dict:
    user = request.user
    today = timezone.localdate()
    manages = actions.manages(user, obj)
    own = []
    if has_capability(user, Capability.CLAIM_VOUCHERS):
        for enterprise in user.enterprises.order_by("name"):
            held = obj.vouchers.filter(enterprise=enterprise).exclude(status=VoucherStatus.VOIDED).first()
            own.append(
                (enterprise, held, None if held else actions.eligibility_refusal(obj, enterprise, today))
            )
    claimable = [e for e, held, refusal in own if held is None and refusal is None]
    return {
        "totals": actions.totals(obj.vouchers.all()) if manages else None,
        "own": own,
        "claim_form": refused_form(request, "claim", ClaimForm(types=VoucherType.objects.filter(pk=obj.pk)))
        if claimable
        else None,
        "eligible_count": len(actions.eligible_enterprises(user, obj, today))
        if manages and obj.is_open and obj.valid_from <= today <= obj.valid_to
        else None,
        "issue_error": getattr(request, "refused_forms", {}).get("issue"),
    }


@require_POST
@require_capability(Capability.VIEW_VOUCHERS)
def type_step(request, pk, step):
    user = request.user
    vtype = get_visible_or_404(user, VoucherType.objects.all(), Capability.VIEW_VOUCHERS, pk=pk)
    if step == "claim":
        if not has_capability(user, Capability.CLAIM_VOUCHERS):
            raise Http404("没有这个操作。")
        form = ClaimForm(request.POST, types=VoucherType.objects.filter(pk=vtype.pk))
        enterprise = user.enterprises.filter(pk=request.POST.get("enterprise") or 0).first() or (
            user.enterprises.order_by("name").first()
        )
        if form.is_valid():
            if enterprise is None:
                form.add_error(None, "您的账号尚未关联企业，请联系科技局。")
            else:
                voucher = run_action(form, actions.claim, user, vtype, enterprise)
                if voucher is not None:
                    messages.success(
                        request, f"已领取创新券 {voucher.number}：请在有效期内交给服务机构兑付。"
                    )
                    return redirect(voucher)
    elif step == "issue":
        if not actions.manages(user, vtype):
            raise Http404("没有这个操作。")
        form = ClaimForm({"type": vtype.pk}, types=VoucherType.objects.filter(pk=vtype.pk))
        form.is_valid()
        issued = run_action(form, actions.issue, user, vtype, actions.eligible_enterprises(user, vtype))
        if issued is not None:
            messages.success(request, f"已向 {len(issued)} 家符合条件的企业发放“{vtype}”。")
            return redirect(vtype)
    else:
        raise Http404("没有这个操作。")
    return page_again(request, "voucher-types", vtype, {step: form})


# --- an institution -------------------------------------------------------------------------------


def provider_context(request, obj: ServiceProvider) -> dict:
    user = request.user
    manages = may_act_on(user, obj, Capability.MANAGE_VOUCHERS)
    redeemed = obj.vouchers.select_related("enterprise", "type").order_by("-redeemed_on", "number")
    verified = [v for v in redeemed if v.status == VoucherStatus.VERIFIED]
    return {
        "redeemed": redeemed[:200],
        "totals": actions.totals(obj.vouchers.all()),
        "verified": verified,
        "settle_form": refused_form(
            request, "settle", SettleManyForm(initial={"settled_on": timezone.localdate()})
        )
        if manages and verified
        else None,
    }


@require_POST
@require_capability(Capability.MANAGE_VOUCHERS)
def provider_step(request, pk, step):
    user = request.user
    provider = get_visible_or_404(user, ServiceProvider.objects.all(), Capability.MANAGE_VOUCHERS, pk=pk)
    if step != "settle":
        raise Http404("没有这个操作。")
    form = SettleManyForm(request.POST)
    if form.is_valid():
        chosen = [int(n) for n in request.POST.getlist("voucher") if n.isdigit()]
        vouchers = list(provider.vouchers.filter(pk__in=chosen, status=VoucherStatus.VERIFIED))
        if len(vouchers) != len(set(chosen)):
            form.add_error(None, "所选创新券中有的已不是“已核验待结算”，请刷新页面后再选。")
        else:
            done = run_action(form, actions.settle_many, user, vouchers, **form.cleaned_data)
            if done is not None:
                total = sum(v.redeemed_amount for v in vouchers)
                messages.success(request, f"已结算 {len(done)} 张创新券，合计 {total:,.2f} 元。")
                return redirect(provider)
    return page_again(request, "voucher-providers", provider, {"settle": form})


# --- redeeming ------------------------------------------------------------------------------------


@require_capability(Capability.REDEEM_VOUCHERS)
def redeem(request):
    """兑付: the institution names the voucher (number and the holder's credit code), sees it, enters the
    contract and invoice with their scans and redeems."""
    user = request.user
    providers = actions.providers_of(user)
    refusal = actions.redeem_refusal(None, user)
    find = FindForm(request.POST) if request.method == "POST" else FindForm(request.GET or None)
    voucher = form = None
    status = 200
    if find.is_bound and find.is_valid() and refusal is None:
        d = find.cleaned_data
        voucher = run_action(find, actions.find_for_redemption, user, d["number"], d["credit_code"])
    if voucher is not None:
        if voucher.status != VoucherStatus.ISSUED:
            find.add_error(
                None, f"创新券 {voucher.number} 当前状态为“{voucher.get_status_display()}”，不能兑付。"
            )
            voucher = None
        elif request.method == "POST" and request.POST.get("step") == "redeem":
            form = RedeemForm(request.POST, request.FILES, providers=providers)
            if form.is_valid():
                d = dict(form.cleaned_data)
                done = run_action(
                    form,
                    actions.redeem,
                    user,
                    voucher,
                    provider=d.pop("provider"),
                    contract_file=d.pop("contract_file"),
                    invoice_file=d.pop("invoice_file"),
                    **d,
                )
                if done is not None:
                    messages.success(request, f"创新券 {done.number} 已兑付，等待科技局核验。")
                    return redirect(done)
            status = 400
        else:
            form = RedeemForm(providers=providers)
    elif find.is_bound and find.errors:
        status = 400
    recent = (
        Voucher.objects.filter(provider__in=providers)
        .select_related("enterprise", "type")
        .order_by("-redeemed_on", "-pk")[:20]
    )
    return render(
        request,
        "vouchers/redeem.html",
        {"find": find, "voucher": voucher, "form": form, "refusal": refusal, "recent": recent},
        status=status,
    )


@require_GET
@require_capability(Capability.VIEW_VOUCHERS)
def attachment(request, pk):
    return download(request, VoucherAttachment.objects.all(), Capability.VIEW_VOUCHERS, pk)
