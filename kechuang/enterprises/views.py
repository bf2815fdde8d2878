from io import BytesIO
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import DecimalField
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from kechuang.core.filtering import InvalidQuery, paginate
from kechuang.core.personal import mask, personal_fields
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import get_visible_or_404, visible_to
from kechuang.tabular import writer
from kechuang.web import personal
from kechuang.web.access import require_capability
from kechuang.web.forms import run_action
from kechuang.workflow import engine

from . import actions, takeup
from .forms import EnterpriseForm, SubmitForm, YearForm
from .models import (
    Enterprise,
    EnterpriseYear,
    RuleSet,
    Submission,
)
from .registries import as_of_date, visible_submissions
from .reserve import CONDITION_LABELS, expiring_hte, reserve_pool
from .sheets import TakeupSheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _enterprise(request, pk, capability=None):
    return get_visible_or_404(request.user, Enterprise.objects.select_related("town"), capability, pk=pk)


@require_capability(Capability.VIEW_ENTERPRISES)
def year_history(request, pk, year):
    enterprise = _enterprise(request, pk)
    versions = enterprise.years.filter(year=year).select_related("recorded_by").order_by("-version")
    return render(
        request,
        "enterprises/year_history.html",
        {
            "enterprise": enterprise,
            "year": year,
            "versions": versions,
            "figures": EnterpriseYear.FIGURES,
            "labels": {f: EnterpriseYear._meta.get_field(f).verbose_name for f in EnterpriseYear.FIGURES},
        },
    )


@require_capability(Capability.VIEW_ENTERPRISES)
def reserve(request):
    today = timezone.localdate()
    as_of = as_of_date(request, today)
    enterprises = visible_to(request.user, Enterprise.objects.filter(is_active=True))
    try:
        pool = reserve_pool(enterprises, as_of)
    except RuleSet.DoesNotExist as exc:
        raise InvalidQuery(f"查询条件有误：评估日期：{exc}") from None
    page = paginate(request.GET, pool)
    return render(
        request,
        "enterprises/reserve.html",
        {
            "page": page,
            "as_of": as_of,
            "expiring": expiring_hte(enterprises, as_of, months=6),
            "condition_labels": CONDITION_LABELS,
            "total": len(pool),
        },
    )


# --- enterprises' own submissions ------------------------------------------------------------------------


def _under_review(request, submission):
    messages.info(request, f"“{submission.title}”已提交，正在审核；审核结束前不能修改。")
    return redirect(submission)


@require_capability(Capability.SUBMIT_ENTERPRISE_DATA)
def propose_profile(request, pk):
    enterprise = _enterprise(request, pk, Capability.SUBMIT_ENTERPRISE_DATA)
    pending = actions.open_submission(enterprise, Submission.Kind.PROFILE)
    if pending is not None and pending.status == Submission.Status.SUBMITTED:
        return _under_review(request, pending)
    form = EnterpriseForm(
        request.POST or None,
        instance=enterprise,
        initial=pending.proposed() if pending else None,
        towns=Department.objects.filter(pk=enterprise.town_id),
        editing=True,
        proposing=True,
    )
    form.personal_shown = personal.guard_form(form, request.user, enterprise)
    if request.method == "GET":
        personal.record_form_view(request, form, enterprise)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in Enterprise.SELF_SERVICE_FIELDS}
        saved = run_action(
            form,
            actions.save_proposal,
            request.user,
            Enterprise.objects.get(pk=pk),
            Submission.Kind.PROFILE,
            None,
            values,
        )
        if saved is not None:
            messages.success(request, "已保存为草稿，核对后请提交审核；审核通过前台账不变。")
            return redirect(saved)
    return render(
        request,
        "enterprises/form.html",
        {
            "form": form,
            "title": f"修改企业信息：{enterprise.name}",
            "enterprise": enterprise,
            "proposing": True,
        },
    )


@require_capability(Capability.SUBMIT_ENTERPRISE_DATA)
def propose_year(request, pk, year):
    enterprise = _enterprise(request, pk, Capability.SUBMIT_ENTERPRISE_DATA)
    if not 1990 <= year <= timezone.localdate().year:
        return render(
            request, "core/error.html", {"code": 404, "message": f"年度 {year} 不可填报。"}, status=404
        )
    pending = actions.open_submission(enterprise, Submission.Kind.YEAR, year)
    if pending is not None and pending.status == Submission.Status.SUBMITTED:
        return _under_review(request, pending)
    current = enterprise.years.filter(year=year, superseded_at__isnull=True).first()
    instance = EnterpriseYear(enterprise=enterprise, year=year, **(current.figures() if current else {}))
    for name, value in (pending.proposed() if pending else {}).items():
        setattr(instance, name, value)
    form = YearForm(request.POST or None, instance=instance, proposing=True)
    if request.method == "POST" and form.is_valid():
        values = {f: form.cleaned_data[f] for f in EnterpriseYear.FIGURES}
        saved = run_action(
            form, actions.save_proposal, request.user, enterprise, Submission.Kind.YEAR, year, values
        )
        if saved is not None:
            messages.success(request, "已保存为草稿，核对后请提交审核；审核通过前台账不变。")
            return redirect(saved)
    return render(
        request,
        "enterprises/form.html",
        {
            "form": form,
            "title": f"{enterprise.name} · 填报 {year} 年度数据",
            "enterprise": enterprise,
            "proposing": True,
        },
    )


@require_capability(Capability.VIEW_ENTERPRISES)
def submission_list(request):
    submissions = visible_submissions(request.user, Submission.objects.all())
    status = request.GET.get("status", "")
    if status in Submission.Status.values:
        submissions = submissions.filter(status=status)
    page = Paginator(submissions, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "enterprises/submission_list.html",
        {"page": page, "status": status, "statuses": Submission.Status.choices},
    )


def _comparison(submission: Submission, shown_in_full: bool = False) -> list[dict]:
    """One row per proposed value: the ledger's value now, the proposal, its flag and explanation; personal
    values masked unless `shown_in_full`."""
    enterprise = submission.enterprise
    flags = {f["field"]: f for f in submission.flags}
    if submission.kind == Submission.Kind.YEAR:
        model = EnterpriseYear
        ledger = enterprise.years.filter(year=submission.year, superseded_at__isnull=True).first()
    else:
        model, ledger = Enterprise, enterprise
    personal_kinds = {name: f.kind for name, f in personal_fields(model).items()}
    rows = []
    for name, value in submission.proposed().items():
        field = model._meta.get_field(name)
        now = getattr(ledger, name) if ledger is not None else None
        changed = now != value and not (now in (None, "") and value in (None, ""))
        if name in personal_kinds and not shown_in_full:
            now, value = mask(personal_kinds[name], now), mask(personal_kinds[name], value)
        rows.append(
            {
                "label": field.verbose_name,
                "money": isinstance(field, DecimalField),
                "ledger": now,
                "proposed": value,
                "changed": changed,
                "flag": flags.get(name),
                "explanation": submission.explanations.get(name, ""),
            }
        )
    return rows


def _personal_in(submission: Submission) -> list[str]:
    """The personal fields a profile submission proposes or whose ledger value it shows (non-empty)."""
    if submission.kind != Submission.Kind.PROFILE:
        return []
    proposed = submission.proposed()
    enterprise = submission.enterprise
    return [
        name
        for name in personal_fields(Enterprise)
        if name in proposed and (proposed[name] or getattr(enterprise, name))
    ]


def _submission_page(request, submission, form=None):
    may_submit = engine.refusal(submission, Submission.workflow.transition("submit"), request.user) is None
    if may_submit and form is None:
        form = SubmitForm(flags=submission.flags, explanations=submission.explanations)
    names = _personal_in(submission)
    shown = personal.disclose(request, submission.enterprise, names=names) if names else {"names": []}
    return render(
        request,
        "enterprises/submission_detail.html",
        {
            "submission": submission,
            "enterprise": submission.enterprise,
            "personal": shown,
            "rows": _comparison(submission, shown_in_full=bool(shown.get("shown"))),
            "submit_form": form if may_submit else None,
            "may_edit": may_submit,
        },
    )


@require_capability(Capability.VIEW_ENTERPRISES)
def submission_detail(request, pk):
    submission = get_visible_or_404(
        request.user, Submission.objects.select_related("enterprise__town"), pk=pk
    )
    return _submission_page(request, submission)


@require_POST
@require_capability(Capability.SUBMIT_ENTERPRISE_DATA)
def submission_submit(request, pk):
    submission = get_visible_or_404(
        request.user,
        Submission.objects.select_related("enterprise__town"),
        Capability.SUBMIT_ENTERPRISE_DATA,
        pk=pk,
    )
    flags = actions.current_flags(submission)
    form = SubmitForm(request.POST, flags=flags)
    if form.is_valid():
        sent = run_action(
            form,
            actions.submit_proposal,
            request.user,
            submission,
            form.explanations(),
            comment=form.cleaned_data["comment"],
        )
        if sent is not None:
            messages.success(request, f"已提交审核：“{sent.title}”现为“已提交”，审核通过后记入台账。")
            return redirect(sent)
    submission.flags = flags
    return _submission_page(request, submission, form)


# --- 研发费用加计扣除 take-up ----------------------------------------------------------------------------


@require_capability(Capability.VIEW_ENTERPRISES)
def superdeduction(request):
    context = takeup.selection(request.user, request.GET)
    context["page"] = paginate(request.GET, context["rows"])
    context["query"] = urlencode(
        {
            k: v
            for k, v in (
                ("year", context["year"]),
                ("town", context["town"] or ""),
                ("rate", context["rate"]),
            )
            if v
        }
    )
    return render(request, "enterprises/superdeduction.html", context)


@require_capability(Capability.VIEW_ENTERPRISES)
def superdeduction_export(request):
    context = takeup.selection(request.user, request.GET)
    stream = BytesIO()
    writer.export(TakeupSheet(), context["rows"], stream)
    response = HttpResponse(stream.getvalue(), content_type=XLSX)
    name = f"研发费用加计扣除-{context['year']}年.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
