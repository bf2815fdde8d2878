"""The policy pages: each record's part on the kit's detail page (a document's instruments; an
instrument's rule versions, budgets and 免申即享 lists; a list's lines with their reasons; a grant's
account and payments), the steps posted from them, the budget execution page and an enterprise's
own page. Views parse, check and call the actions; refusals come back on the page with their reasons."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from kechuang.core.filtering import parse_int
from kechuang.org.roles import Capability
from kechuang.org.scope import get_visible_or_404, has_capability, may_act_on
from kechuang.web.access import require_capability
from kechuang.web.forms import run_action
from kechuang.web.registry import page_again, refused_form

from . import actions, exempt, grants, rules
from .forms import (
    AccountForm,
    AdjustmentForm,
    BudgetForm,
    ChangeAccountForm,
    ComputeForm,
    ConfirmRoundForm,
    ExcludeForm,
    PayForm,
    RuleForm,
)
from .models import (
    BenefitLine,
    BenefitRound,
    Budget,
    DisbursementStatus,
    Grant,
    GrantStatus,
    Instrument,
    LineStatus,
    Mode,
    PolicyApplication,
    PolicyDocument,
    RoundStatus,
)


def _manages(user, instrument: Instrument) -> bool:
    return has_capability(user, Capability.MANAGE_POLICIES) and may_act_on(
        user, instrument.document.department, Capability.MANAGE_POLICIES
    )


def rule_words(rule) -> dict:
    """A rule version in words: its conditions one by one, and its amount."""
    return {
        "rule": rule,
        "conditions": [rules.describe_condition(c) for c in rule.conditions],
        "amount": rules.describe_amount(rule.amount),
    }


# --- a document and an instrument ----------------------------------------------------------------------


def document_context(request, obj: PolicyDocument) -> dict:
    instruments = list(obj.instruments.select_related("lead_department").prefetch_related("rules"))
    today = timezone.localdate()
    rows = []
    for instrument in instruments:
        current = next(
            (
                r
                for r in instrument.rules.all()
                if r.valid_from <= today and (r.valid_to is None or today <= r.valid_to)
            ),
            None,
        )
        rows.append({"instrument": instrument, "current": rule_words(current) if current else None})
    return {"instrument_rows": rows}


def instrument_context(request, obj: Instrument) -> dict:
    user = request.user
    manages = _manages(user, obj)
    budgets = list(obj.budgets.order_by("-year").prefetch_related("adjustments"))
    executions = {y: row for (_, y), row in grants.execution_years([obj], [b.year for b in budgets]).items()}
    today = timezone.localdate()
    year = today.year
    return {
        "manages": manages,
        "rule_versions": [rule_words(r) for r in obj.rules.order_by("-valid_from", "-version")],
        "budget_rows": [{"budget": b, "execution": executions[b.year]} for b in budgets],
        "rounds": list(obj.rounds.order_by("-data_year"))
        if has_capability(user, Capability.MANAGE_POLICIES)
        else [],
        "rule_form": refused_form(request, "rule", RuleForm(initial=_next_version(obj, year))),
        "trial": getattr(request, "rule_trial", None),
        "budget_form": refused_form(
            request, "budget", BudgetForm(initial={"year": max([b.year + 1 for b in budgets], default=year)})
        ),
        "adjust_form": refused_form(request, "adjust", AdjustmentForm(initial={"adjusted_on": today})),
        "compute_form": refused_form(
            request, "compute", ComputeForm(initial={"data_year": year - 1, "budget_year": year})
        ),
        "exempt": obj.mode == Mode.EXEMPT,
        "facts_help": [
            (f.key, f.label, f.unit or "是/否", [p.name for p in f.params]) for f in rules.FACTS.values()
        ],
    }


def _next_version(instrument: Instrument, year: int) -> dict:
    """A new version starts from the latest one: its conditions, amount and basis to change, from 1 January."""
    latest = instrument.rules.order_by("-valid_from", "-version").first()
    initial = {"valid_from": date(year, 1, 1), "trial_year": year - 1}
    if latest is not None:
        initial.update(conditions=latest.conditions, amount=latest.amount, basis=latest.basis)
    return initial


TRIAL_SHOWN = 10  # lines of a trial shown, the largest amounts first


def _trial(instrument: Instrument, conditions, amount, year: int) -> dict:
    """The rule as entered over the enterprises the article reaches (those its 免申即享 list is computed
    over), on `year`'s data — how many qualify, the total and the largest lines with their reasons, the
    near misses — not saved (the bureau checks a rule before it becomes a version)."""
    from kechuang.enterprises.models import Enterprise

    reached = exempt.population(instrument)
    ids = list(reached.values_list("pk", flat=True))
    outcomes = rules.evaluate(conditions, amount, year, ids, among=reached)
    eligible = sorted((o for o in outcomes if o.eligible), key=lambda o: (-o.amount, o.enterprise_id))
    shown = eligible[:TRIAL_SHOWN]
    names = dict(Enterprise.objects.filter(pk__in=[o.enterprise_id for o in shown]).values_list("pk", "name"))
    return {
        "year": year,
        "count": len(eligible),
        "among": len(ids),
        "total": sum((o.amount for o in eligible), Decimal(0)),
        "near": sum(1 for o in outcomes if o.near),
        "lines": [(names[o.enterprise_id], o) for o in shown],
        "conditions": [rules.describe_condition(c) for c in conditions],
        "amount": rules.describe_amount(amount),
    }


@require_POST
@require_capability(Capability.MANAGE_POLICIES)
def instrument_step(request, pk, step):
    instrument = get_visible_or_404(
        request.user, Instrument.objects.select_related("document__department"), pk=pk
    )
    user = request.user
    if step == "rule" and "trial" in request.POST:
        form = RuleForm(request.POST)
        if not _manages(user, instrument):
            form.add_error(None, "您没有修改该政策兑现规则的权限。")
        elif form.is_valid():
            d = form.cleaned_data
            try:
                rules.check(d["conditions"], d["amount"])
            except rules.RuleError as exc:
                for problem in exc.messages:
                    form.add_error(exc.field, problem)
            else:
                if d["trial_year"] is None:
                    form.add_error("trial_year", "试算须填写数据年度。")
                else:
                    request.rule_trial = _trial(instrument, d["conditions"], d["amount"], d["trial_year"])
                    response = page_again(request, "policy-instruments", instrument, {"rule": form})
                    response.status_code = 200  # nothing was refused: the rule as entered, tried
                    return response
    elif step == "rule":
        form = RuleForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            rule = run_action(
                form,
                actions.save_rule,
                user,
                instrument,
                valid_from=d["valid_from"],
                valid_to=d["valid_to"],
                conditions=d["conditions"],
                amount=d["amount"],
                basis=d["basis"],
                reason=d["reason"],
            )
            if rule is not None:
                messages.success(request, f"兑现规则第 {rule.version} 版已保存。")
                return redirect(instrument.get_absolute_url() + "#rules")
    elif step == "budget":
        form = BudgetForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            if run_action(form, grants.save_budget, user, instrument, d["year"], d["amount"]) is not None:
                messages.success(request, f"{d['year']} 年度预算已登记。")
                return redirect(instrument.get_absolute_url() + "#budgets")
    elif step == "adjust":
        form = AdjustmentForm(request.POST)
        try:
            year = parse_int(request.POST.get("year", "").strip(), min_value=2000, max_value=2100)
        except ValueError:
            year = None
        budget = Budget.objects.filter(instrument=instrument, year=year).first() if year else None
        if budget is None:
            form.is_valid()
            form.add_error(None, "请选择要调整的预算年度。")
        elif form.is_valid():
            d = form.cleaned_data
            done = run_action(
                form,
                grants.adjust_budget,
                user,
                budget,
                amount=d["amount"],
                reason=d["reason"],
                adjusted_on=d["adjusted_on"],
                document_number=d["document_number"],
            )
            if done is not None:
                messages.success(request, f"{year} 年度预算已调整 {d['amount']:,.2f} 元。")
                return redirect(instrument.get_absolute_url() + "#budgets")
    elif step == "compute":
        form = ComputeForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            round_ = run_action(
                form, exempt.compute, user, instrument, data_year=d["data_year"], budget_year=d["budget_year"]
            )
            if round_ is not None:
                messages.success(request, f"{d['data_year']} 年度免申即享名单已测算。")
                return redirect(round_)
    else:
        raise Http404("没有这个操作。")
    return page_again(request, "policy-instruments", instrument, {step: form})


# --- a 免申即享 list -------------------------------------------------------------------------------------


ROUND_PAGE = 50  # lines a page of a 免申即享 list (a district's list may hold thousands)


def round_context(request, obj: BenefitRound) -> dict:
    lines = obj.lines.select_related("enterprise", "enterprise__town").order_by(
        "-amount", "enterprise__name", "pk"
    )
    on_list = Q(eligible=True) & ~Q(status=LineStatus.EXCLUDED)
    figures = obj.lines.aggregate(
        total=Sum("amount", filter=on_list, default=Decimal(0)),
        listed=Count("pk", filter=on_list),
        near=Count("pk", filter=Q(eligible=False)),
    )
    listed = Paginator(lines.filter(on_list), ROUND_PAGE, allow_empty_first_page=True)
    near = Paginator(lines.filter(eligible=False), ROUND_PAGE)
    excluded = list(lines.filter(status=LineStatus.EXCLUDED))  # set aside by hand, one by one: few
    total = figures["total"]
    [execution] = grants.execution([obj.instrument], obj.budget_year)
    draft = obj.status == RoundStatus.DRAFT
    manages = _manages(request.user, obj.instrument)
    return {
        "rule_words": rule_words(obj.rule),
        "listed": _page(listed, request.GET.get("page"), figures["listed"]),
        "listed_count": figures["listed"],
        "excluded": excluded,
        "near": _page(near, request.GET.get("near_page"), figures["near"]),
        "near_count": figures["near"],
        "total": total,
        "execution": execution,
        "over_budget": draft and total > execution.left,
        "draft": draft,
        "manages": manages,
        "confirm_form": refused_form(
            request, "confirm", ConfirmRoundForm(initial={"confirmed_on": timezone.localdate()})
        ),
        "exclude_forms": getattr(request, "refused_forms", {}),
    }


def _page(paginator: Paginator, number, count: int):
    """A page of the list (the first for a missing or bad number, the last past the end), its count
    already known from the aggregate (no second COUNT)."""
    paginator.count = count  # a cached_property: set, it is not queried again
    return paginator.get_page(number)


@require_POST
@require_capability(Capability.MANAGE_POLICIES)
def round_step(request, pk, step):
    round_ = get_visible_or_404(
        request.user, BenefitRound.objects.select_related("instrument__document"), pk=pk
    )
    user = request.user
    if step == "confirm":
        form = ConfirmRoundForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            done = run_action(
                form,
                exempt.confirm,
                user,
                round_,
                decision_number=d["decision_number"],
                confirmed_on=d["confirmed_on"],
                comment=d["comment"],
            )
            if done is not None:
                messages.success(request, "名单已确认：各企业将在“我的待办”中确认收款账户。")
                return redirect(round_)
    elif step == "recompute":
        form = ComputeForm({"data_year": round_.data_year, "budget_year": round_.budget_year})
        form.is_valid()
        done = run_action(
            form,
            exempt.compute,
            user,
            round_.instrument,
            data_year=round_.data_year,
            budget_year=round_.budget_year,
        )
        if done is not None:
            messages.success(request, "名单已按最新台账数据重新测算。")
            return redirect(round_)
        step = "confirm"
        form = _with_errors(ConfirmRoundForm(initial={"confirmed_on": timezone.localdate()}), form)
    else:
        raise Http404("没有这个操作。")
    return page_again(request, "benefit-rounds", round_, {step: form})


def _with_errors(target, source):
    for error in source.non_field_errors():
        target.add_error(None, error)
    return target


@require_POST
@require_capability(Capability.MANAGE_POLICIES)
def line_step(request, pk, line_pk, step):
    round_ = get_visible_or_404(
        request.user, BenefitRound.objects.select_related("instrument__document"), pk=pk
    )
    line = get_visible_or_404(
        request.user, BenefitLine.objects.filter(round=round_).select_related("round"), pk=line_pk
    )
    if step == "exclude":
        form = ExcludeForm(request.POST)
        if form.is_valid() and run_action(
            form, exempt.exclude, request.user, line, reason=form.cleaned_data["reason"]
        ):
            messages.success(request, f"已将“{line.enterprise.name}”剔除出名单。")
            return redirect(round_.get_absolute_url() + "#listed")
    elif step == "restore":
        form = ExcludeForm({"reason": "恢复至名单"})
        form.is_valid()
        if run_action(form, exempt.restore, request.user, line):
            messages.success(request, f"已将“{line.enterprise.name}”恢复至名单。")
            return redirect(round_.get_absolute_url() + "#listed")
    else:
        raise Http404("没有这个操作。")
    return page_again(request, "benefit-rounds", round_, {("line", line.pk): form})


# --- a grant ----------------------------------------------------------------------------------------------


def _owns(user, grant: Grant) -> bool:
    return (
        has_capability(user, Capability.CLAIM_POLICIES) and grant.enterprise.users.filter(pk=user.pk).exists()
    )


def grant_context(request, obj: Grant) -> dict:
    user = request.user
    owner = _owns(user, obj)
    manages = has_capability(user, Capability.MANAGE_POLICIES) and may_act_on(
        user, obj, Capability.MANAGE_POLICIES
    )
    payments = list(obj.disbursements.order_by("paid_on", "pk"))
    paid = sum((p.amount for p in payments if p.status == DisbursementStatus.PAID), Decimal(0))
    open_ = obj.status in (GrantStatus.AWAITING_ACCOUNT, GrantStatus.PAYABLE)
    account_initial = {"account_name": obj.enterprise.name}
    if owner and obj.account_number:
        account_initial.update(account_name=obj.account_name, bank_name=obj.bank_name)
    return {
        "owner": owner,
        "manages": manages,
        "payments": payments,
        "paid": paid,
        "left": obj.amount - paid,
        "open": open_,
        "reason_lines": obj.reasons,
        "account_form": refused_form(request, "account", AccountForm(initial=account_initial))
        if owner and open_
        else None,
        "change_form": refused_form(request, "change-account", ChangeAccountForm())
        if manages and open_
        else None,
        "pay_form": refused_form(
            request,
            "pay",
            PayForm(initial={"amount": obj.amount - paid, "paid_on": timezone.localdate()}),
        )
        if manages and obj.status == GrantStatus.PAYABLE
        else None,
    }


@require_POST
def grant_step(request, pk, step):
    user = request.user
    grant = get_visible_or_404(
        user, Grant.objects.select_related("enterprise", "instrument"), Capability.VIEW_POLICIES, pk=pk
    )
    if step == "account":
        if not _owns(user, grant):
            raise Http404("记录不存在或不在您的数据范围内")
        form = AccountForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            if run_action(form, grants.confirm_account, user, grant, **d) is not None:
                messages.success(request, "收款账户已确认，等待区财政拨付。")
                return redirect(grant)
    elif step in ("change-account", "pay"):
        if not has_capability(user, Capability.MANAGE_POLICIES):
            raise Http404("记录不存在或不在您的数据范围内")
        if step == "change-account":
            form = ChangeAccountForm(request.POST)
            if form.is_valid():
                d = form.cleaned_data
                if run_action(form, grants.change_account, user, grant, **d) is not None:
                    messages.success(request, "收款账户已变更，须由企业在线重新确认后才能拨付。")
                    return redirect(grant)
        else:
            form = PayForm(request.POST)
            if form.is_valid():
                d = form.cleaned_data
                payment = run_action(form, grants.pay, user, grant, **d)
                if payment is not None:
                    messages.success(
                        request, f"已登记拨付 {payment.amount:,.2f} 元（凭证号 {payment.voucher}）。"
                    )
                    return redirect(grant)
    else:
        raise Http404("没有这个操作。")
    return page_again(request, "grants", grant, {step: form})


# --- budget execution -------------------------------------------------------------------------------------


def _wan(amount: Decimal) -> float:
    return float((amount / 10000).quantize(Decimal("0.01")))


def _year(request) -> tuple[int, str]:
    text = request.GET.get("year", "").strip()
    if not text:
        return timezone.localdate().year, ""
    try:
        year = parse_int(text, min_value=2000, max_value=2100)
    except ValueError as exc:
        return timezone.localdate().year, f"年度：{exc}，已按今年显示。"
    return year, ""


@require_GET
@require_capability(Capability.VIEW_POLICIES)
def budget_page(request):
    year, error = _year(request)
    data = grants.execution_for(request.user, year)
    chart = {
        "names": [i.name for i, _ in data["rows"]],
        **{key: [_wan(getattr(r, key)) for _, r in data["rows"]] for key in ("budget", "committed", "paid")},
    }
    years = list(range(timezone.localdate().year + 1, 2019, -1))
    return render(request, "policies/budget.html", {**data, "error": error, "chart": chart, "years": years})


# --- an enterprise's own page ---------------------------------------------------------------------------


# Parts of 我的政策 that apps above this one add (科技创新券): each a callable (request, enterprises) → a
# dict with the part's "template" and its context, or None when it has nothing to show.
MINE_SECTIONS: list = []


@require_GET
@require_capability(Capability.CLAIM_POLICIES)
def mine(request):
    """An enterprise's policies: each article in force checked against its own registry data of last
    year (met, or what is missing), and what it was granted with the state of each."""
    today = timezone.localdate()
    enterprises = list(request.user.enterprises.select_related("town").order_by("name"))
    documents = PolicyDocument.objects.in_force(today)
    instruments = list(
        Instrument.objects.filter(document__in=documents)
        .select_related("document")
        .order_by("document", "sort_order")
    )
    data_year = today.year - 1
    checks = []
    for instrument in instruments:
        rule = instrument.rule_on(date(data_year, 12, 31))
        outcomes = (
            rules.evaluate(rule.conditions, rule.amount, data_year, [e.pk for e in enterprises])
            if rule
            else []
        )
        checks.append(
            {
                "instrument": instrument,
                "words": rule_words(rule) if rule else None,
                "outcomes": [(e, o) for e, o in zip(enterprises, outcomes, strict=False)],
            }
        )
    own = (
        Grant.objects.filter(enterprise__in=enterprises)
        .select_related("enterprise", "instrument")
        .order_by("-budget_year", "instrument__sort_order")
    )
    applied = (
        PolicyApplication.objects.filter(enterprise__in=enterprises)
        .select_related("enterprise", "window")
        .order_by("-window__budget_year", "-pk")
    )
    return render(
        request,
        "policies/mine.html",
        {
            "enterprises": enterprises,
            "checks": checks,
            "grants": own,
            "applications": applied,
            "data_year": data_year,
            "sections": [
                part for part in (section(request, enterprises) for section in MINE_SECTIONS) if part
            ],
        },
    )
