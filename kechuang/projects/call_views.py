"""The call's page beyond the kit's facts — what it supports and asks for, its conditions in words, an
applicant's eligibility checklist and the 在线申报 form while it is open, the keeper's applications — and
the one action of that form (`apply`: a draft application through `applications.start`)."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kechuang.core.numbers import wan
from kechuang.org.roles import Capability
from kechuang.org.scope import has_capability, visible_to
from kechuang.web.access import require_capability
from kechuang.web.forms import run_action
from kechuang.web.registry import get_registry, page_again

from . import applications, approval, calls, selection
from .forms import ApplyForm, DraftBatchForm, SendToReviewForm, UnitApplyForm
from .models import ApprovalBatch, Call, Project, Status

# Where a new application opens: the applicant's application page once it exists ("projects:application"),
# until then the project's own page.
APPLICATION_PAGE = "projects:application"  # the applicant fills the application in next


def conditions_in_words(call: Call) -> list[str]:
    """Who may apply and on what terms, as the call's page says them."""
    said = []
    if call.enterprise_only:
        said.append(f"仅限{call.department.region().name}在册的登记企业申报。")
    else:
        said.append("登记企业可在线申报；医院、学校等非企业单位经科技局代为申报。")
    kinds = [kind.name for kind in call.qualifications.all()]
    if kinds:
        said.append(f"申报企业须在申报时持有以下资质之一：{'、'.join(kinds)}。")
    if call.one_per_applicant:
        said.append("同一单位限报一项。")
    if call.max_request:
        said.append(f"单项申请财政资助不超过 {wan(call.max_request)} 万元。")
    said.append(f"形式审查退回补正的，须在退回后 {call.correction_days} 天内重新提交。")
    return said


def _own_enterprises(user):
    return user.enterprises.select_related("town").order_by("name", "pk")


def _own_applications(user, call: Call, enterprises) -> list[Project]:
    return list(
        visible_to(
            user,
            Project.objects.filter(call=call, enterprise__in=enterprises).select_related("enterprise"),
            Capability.VIEW_PROJECTS,
        ).order_by("pk")
    )


def _drafts(applied: list[Project]) -> dict[int, Project]:
    """Enterprise id → its application still in the applicant's hands (草稿 or 退回)."""
    return {p.enterprise_id: p for p in applied if p.status in applications.EDITABLE}


def applicant_context(request, call: Call, form: ApplyForm | None = None) -> dict:
    """An applicant's part of the page: their applications to this call; while the call is open, each of
    their enterprises' conditions (✓/✗) and the form for those without an application in hand."""
    user = request.user
    if not has_capability(user, Capability.APPLY_PROJECTS):
        return {}
    enterprises = list(_own_enterprises(user))
    if not enterprises:
        return {}
    applied = _own_applications(user, call, enterprises)
    drafts = _drafts(applied)
    context = {
        "applicant": True,
        "my_applications": applied,
        "my_drafts": list(drafts.values()),
        "application_page": APPLICATION_PAGE,
    }
    if form is not None:  # a refused application: the form again with its reasons, open or not
        context["apply_form"] = form
    if not calls.is_open(call):
        return context
    checklists = []
    for enterprise in enterprises:
        if enterprise.pk in drafts:
            continue
        conditions = applications.eligibility(call, enterprise)
        checklists.append(
            {"enterprise": enterprise, "conditions": conditions, "met": all(c.met for c in conditions)}
        )
    context["checklists"] = checklists
    ready = [row["enterprise"] for row in checklists if row["met"]]
    if form is None and ready:
        form = ApplyForm(
            call=call,
            enterprises=_own_enterprises(user).filter(pk__in=[e.pk for e in ready]),
            drafts=drafts,
        )
    context["apply_form"] = form
    return context


def keeper_context(request, call: Call) -> dict:
    """The keeper's part: the applications to the call within their scope, with the count per status and
    their public money (requested, or granted once approved)."""
    rows = list(
        visible_to(
            request.user,
            Project.objects.filter(call=call).select_related("enterprise"),
            Capability.VIEW_PROJECTS,
        ).order_by("number", "pk")
    )
    counts = {}
    for project in rows:
        counts[project.status] = counts.get(project.status, 0) + 1
    return {
        "keeper": True,
        **selection_context(request, call),
        "applications": rows,
        "status_counts": [
            (status.label, counts[status.value]) for status in Status if status.value in counts
        ],
        "funding": sum((p.funding for p in rows), Decimal("0")),
    }


def selection_context(request, call: Call) -> dict:
    """The keeper's way from applications to 立项: the review rounds of the call (the latest one's ranking
    once sheets are in), the forms that send the accepted applications to review and draft the list, and
    the call's batches — a fixed number of queries whatever the number of applications."""
    from kechuang.reviews.models import ScoreSheet

    rounds = list(selection.rounds_of(call))
    scored = (
        set(
            ScoreSheet.objects.filter(assignment__item__round__in=[r.pk for r in rounds])
            .exclude(submitted_at=None)
            .values_list("assignment__item__round", flat=True)
            .distinct()
        )
        if rounds
        else set()
    )
    ranked_round = next((r for r in rounds if r.pk in scored), None)
    forms = getattr(request, "refused_forms", {})
    return {
        "review_rounds": rounds,
        "ranked_round": ranked_round,
        "ranking": [  # a round may hold other applications too: this call's only
            row for row in selection.ranking(ranked_round) if row.project.call_id == call.pk
        ]
        if ranked_round is not None
        else [],
        "review_form": forms.get("review") or SendToReviewForm(),
        "unit_form": (
            forms.get("unit") or UnitApplyForm(call=call, departments=_unit_departments(request.user))
        )
        if calls.is_open(call) and not call.enterprise_only
        else None,
        "draft_form": forms.get("draft") or DraftBatchForm(),
        "batches": list(ApprovalBatch.objects.filter(call=call).order_by("-pk")),
    }


def call_context(request, call: Call) -> dict:
    """Everything the call's page shows beyond the kit's facts (CallRegistry.detail_context)."""
    context = {
        "topics": call.topic_list,
        "required_attachments": call.attachment_list,
        "conditions": conditions_in_words(call),
        "is_open": calls.is_open(call),
        "today": timezone.localdate(),
    }
    context.update(applicant_context(request, call, getattr(request, "refused_forms", {}).get("apply")))
    if has_capability(request.user, Capability.CHANGE_PROJECTS) and calls.may_keep(request.user, call):
        context.update(keeper_context(request, call))
    return context


@require_POST
@require_capability(Capability.APPLY_PROJECTS)
def apply(request, pk):
    """在线申报: a draft application of one of the user's enterprises to an open call."""
    call = get_registry("calls").get(request.user, pk)  # a draft call answers as missing
    enterprises = _own_enterprises(request.user)
    if not enterprises.exists():
        raise PermissionDenied("您的账号未关联企业，不能在线申报；请联系科技局关联企业账号。")
    drafts = _drafts(_own_applications(request.user, call, enterprises))
    form = ApplyForm(request.POST, call=call, enterprises=enterprises, drafts=drafts)
    if form.is_valid():
        project = run_action(
            form,
            applications.start,
            request.user,
            call,
            enterprise=form.applicant,
            name=form.cleaned_data["name"],
            topic=form.cleaned_data["topic"],
        )
        if project is not None:
            messages.success(request, f"已创建申报“{project.name}”（草稿），请继续填写申报书并提交。")
            return redirect(reverse(APPLICATION_PAGE, args=[project.pk]))
    return page_again(request, "calls", call, {"apply": form})


def _unit_departments(user):
    return calls.units(user, Capability.CHANGE_PROJECTS)


@require_POST
@require_capability(Capability.CHANGE_PROJECTS)
def apply_for_unit(request, pk):
    """代为申报: the call's keeper starts a draft for a unit outside the enterprise registry."""
    call = _kept_call(request, pk)
    form = UnitApplyForm(request.POST, call=call, departments=_unit_departments(request.user))
    if form.is_valid():
        d = form.cleaned_data
        project = run_action(
            form,
            applications.start,
            request.user,
            call,
            unit_name=d["unit_name"],
            department=d["department"],
            name=d["name"],
            topic=d["topic"],
        )
        if project is not None:
            messages.success(
                request, f"已为“{project.unit_name}”创建申报“{project.name}”（草稿），请继续填写申报书。"
            )
            return redirect(reverse(APPLICATION_PAGE, args=[project.pk]))
    return page_again(request, "calls", call, {"unit": form})


def _kept_call(request, pk) -> Call:
    call = get_registry("calls").get(request.user, pk)  # a draft answers as missing to who may not keep it
    if not calls.may_keep(request.user, call):
        raise PermissionDenied("您没有办理该申报指南的权限。")
    return call


@require_POST
@require_capability(Capability.CHANGE_PROJECTS)
def send_to_review(request, pk):
    """组织专家评审: the call's accepted applications to a new 立项评审 round (then prepared on its page)."""
    call = _kept_call(request, pk)
    form = SendToReviewForm(request.POST)
    if form.is_valid():
        review_round = run_action(
            form,
            selection.send_to_review,
            request.user,
            call,
            deadline=form.cleaned_data["deadline"],
            experts_per_item=form.cleaned_data["experts_per_item"],
        )
        if review_round is not None:
            messages.success(
                request,
                f"已组织评审“{review_round.title}”（{review_round.items.count()} 项），请分配专家后开始评审。",
            )
            return redirect(review_round.get_absolute_url())
    return page_again(request, "calls", call, {"review": form})


@require_POST
@require_capability(Capability.CHANGE_PROJECTS)
def draft_batch(request, pk):
    """拟定立项名单: the accepted applications in the order of the latest review, within the budget."""
    call = _kept_call(request, pk)
    form = DraftBatchForm(request.POST)
    if form.is_valid():
        batch = run_action(
            form,
            approval.draft,
            request.user,
            call,
            publicity_days=form.cleaned_data["publicity_days"],
            contact=form.cleaned_data["contact"],
        )
        if batch is not None:
            messages.success(
                request, f"已拟定“{batch.title}”（{batch.lines.count()} 项），请核对后发布公示。"
            )
            return redirect(batch)
    return page_again(request, "calls", call, {"draft": form})
