"""The list's page beyond the kit's: the whole chain — the need (its confidential part to its owner and the
bureau), the bids (to whoever may read them), the review round and its ranking, the winner and the 公示
with its objections, the project, its 任务书's milestones, the acceptance and the payments — and the forms
of whoever acts next. Each POST view parses its form, calls one action and sends the user back to the page
(a refusal as a message, or the page again with the form's errors, 400)."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kechuang.core.uploads import refused, upload_limit
from kechuang.org.actions import ActionRefused
from kechuang.org.roles import Capability
from kechuang.org.scope import get_visible_or_404, has_capability, may_act_on
from kechuang.projects import payments
from kechuang.projects.models import MilestoneStatus, ObjectionStatus, PaymentStatus
from kechuang.projects.models import Status as ProjectStatus
from kechuang.projects.registries import plan_tasks
from kechuang.web.access import require_capability
from kechuang.web.forms import run_action
from kechuang.web.registry import get_registry, page_again

from . import bidding, delivery, needs, selection
from .forms import (
    AcceptanceForm,
    ArrangeForm,
    MilestoneCheckForm,
    ObjectionForm,
    PayForm,
    RefineForm,
    ResolveForm,
    ReviewForm,
    SelectForm,
    SignForm,
)
from .models import BidStatus, Challenge, ChallengeObjection, Status


def may_keep(user, challenge: Challenge) -> bool:
    return has_capability(user, Capability.MANAGE_CHALLENGES) and may_act_on(
        user, challenge, Capability.MANAGE_CHALLENGES
    )


def may_see_confidential(user, challenge: Challenge) -> bool:
    """The need's confidential details and contacts: its enterprise's accounts and the bureau."""
    return may_keep(user, challenge) or challenge.enterprise.users.filter(pk=user.pk).exists()


def challenge_context(request, challenge: Challenge) -> dict:
    user = request.user
    keep = may_keep(user, challenge)
    forms = getattr(request, "refused_forms", {})
    today = timezone.localdate()
    bids = list(bidding.readable(user, challenge.bids.select_related("owner")).order_by("pk"))
    context = {
        "keep": keep,
        "confidential": may_see_confidential(user, challenge),
        "bids": bids,
        "own_bid": next((b for b in bids if b.owner_id == user.pk), None),
        "public_url": reverse("public-challenges:detail", args=[challenge.pk])
        if challenge.status in (Status.PUBLISHED, Status.REVIEW, Status.PUBLICITY, Status.SIGNED)
        else "",
        "objections": list(challenge.objections.select_related("resolved_by")) if keep else [],
    }
    if (
        challenge.status == Status.PUBLISHED
        and has_capability(user, Capability.BID_CHALLENGES)
        and not bidding.own_need(challenge, user)
    ):
        context["bid_refusal"] = bidding.open_refusal(challenge)
        context["may_bid"] = True
    if keep:
        if challenge.status == Status.SUBMITTED:
            context["refine_form"] = forms.get("refine") or RefineForm(
                initial={
                    "title": challenge.title,
                    "goal": challenge.goal,
                    "tasks": [t.pk for t in challenge.tasks.all()],
                },
                tasks=plan_tasks(user, [t.pk for t in challenge.tasks.all()]),
            )
        if challenge.status == Status.PUBLISHED:
            context["review_refusal"] = selection.may_review(challenge, user)
            context["review_form"] = forms.get("review") or ReviewForm(
                initial={"deadline": today + timedelta(days=14), "experts_per_item": 5}
            )
        if challenge.review_round_id:
            context["ranking"] = selection.ranking(challenge)
        if challenge.status == Status.REVIEW:
            context["select_refusal"] = selection.may_select(challenge, user)
            context["select_form"] = forms.get("select") or SelectForm(
                bids=selection.submitted_bids(challenge), initial={"seen": challenge.status}
            )
        if challenge.status == Status.PUBLICITY:
            context["objection_form"] = forms.get("objection") or ObjectionForm(
                initial={"received_on": today}
            )
            context["resolve_forms"] = {
                o.pk: ResolveForm(prefix=f"o{o.pk}")
                for o in context["objections"]
                if o.status == ObjectionStatus.OPEN
            }
            context["sign_refusal"] = selection.may_sign(challenge, user)
            context["sign_form"] = forms.get("sign") or SignForm(initial={"signed_on": today})
    project = challenge.project if challenge.project_id else None
    if project is not None and (keep or has_capability(user, Capability.VIEW_PROJECTS)):
        task_book = getattr(project, "task_book", None)
        milestones = list(task_book.milestones.order_by("sequence")) if task_book else []
        context.update(
            project=project,
            task_book=task_book,
            milestones=milestones,
            payments=list(project.payments.select_related("milestone").order_by("pk")),
            totals=payments.totals(project),
            acceptances=list(project.acceptances.order_by("pk")),
        )
        if keep:
            context["check_forms"] = {
                m.pk: MilestoneCheckForm(prefix=f"m{m.pk}")
                for m in milestones
                if m.status in (MilestoneStatus.PENDING, MilestoneStatus.ADJUST)
                and project.status == ProjectStatus.ONGOING
            }
            context["pay_forms"] = {
                p.pk: PayForm(prefix=f"p{p.pk}", initial={"paid_on": today})
                for p in context["payments"]
                if p.status == PaymentStatus.PLANNED
            }
            context["arrange_form"] = forms.get("arrange") or ArrangeForm()
            if project.status == ProjectStatus.ONGOING and all(
                m.status == MilestoneStatus.PASSED for m in milestones
            ):
                context["acceptance_form"] = forms.get("acceptance") or AcceptanceForm(
                    initial={"decided_on": today}
                )
    return context


def _challenge(request, pk, capability=Capability.MANAGE_CHALLENGES) -> Challenge:
    return get_visible_or_404(
        request.user, Challenge.objects.select_related("enterprise", "review_round"), capability, pk=pk
    )


@require_POST
@require_capability(Capability.BID_CHALLENGES)
def bid(request, pk):
    """我要揭榜: the acting account's draft bid on a published list (its edit page next)."""
    challenge = get_registry("challenges").get(request.user, pk)  # the published ones too
    try:
        found = bidding.start(request.user, challenge)
    except ActionRefused as exc:
        messages.error(request, str(exc))
        return redirect(challenge)
    return redirect(
        reverse("challenge-bids:edit", args=[found.pk])
        if found.status == BidStatus.DRAFT
        else found.get_absolute_url()
    )


@require_POST
@require_capability(Capability.MANAGE_CHALLENGES)
def accept(request, pk):
    challenge = _challenge(request, pk)
    form = RefineForm(request.POST, tasks=plan_tasks(request.user, [t.pk for t in challenge.tasks.all()]))
    if form.is_valid():
        done = run_action(
            form,
            needs.accept,
            request.user,
            challenge,
            title=form.cleaned_data["title"],
            goal=form.cleaned_data["goal"],
            comment=form.cleaned_data["comment"],
            tasks=list(form.cleaned_data["tasks"]),
        )
        if done is not None:
            messages.success(request, "需求已审核通过，可以发榜。")
            return redirect(challenge)
    return page_again(request, "challenges", challenge, {"refine": form})


@require_POST
@require_capability(Capability.MANAGE_CHALLENGES)
def review(request, pk):
    challenge = _challenge(request, pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        done = run_action(
            form,
            selection.send_to_review,
            request.user,
            challenge,
            deadline=form.cleaned_data["deadline"],
            experts_per_item=form.cleaned_data["experts_per_item"],
        )
        if done is not None:
            messages.success(request, "已组织揭榜评审：请在评审轮次页面分配专家并开始评审。")
            return redirect(done.review_round)
    return page_again(request, "challenges", challenge, {"review": form})


@require_POST
@require_capability(Capability.MANAGE_CHALLENGES)
def select(request, pk):
    challenge = _challenge(request, pk)
    form = SelectForm(request.POST, bids=selection.submitted_bids(challenge))
    if form.is_valid():
        seen = form.cleaned_data.get("seen")
        if seen and seen != challenge.status:  # the page was read before someone else moved the list on
            form.add_error(None, f"该榜单已被他人处理（当前状态：{challenge.status}），请刷新页面后再操作。")
        else:
            if seen:
                challenge.status = seen  # the compare-and-set runs against the state the user saw
            done = run_action(
                form,
                selection.select,
                request.user,
                challenge,
                bid=form.cleaned_data["bid"],
                reason=form.cleaned_data["reason"],
                publicity_days=form.cleaned_data["publicity_days"],
            )
            if done is not None:
                messages.success(request, f"已确定揭榜方，公示至 {done.publicity_until:%Y-%m-%d}。")
                return redirect(challenge)
    if Challenge.objects.filter(pk=challenge.pk).exclude(status=Status.REVIEW).exists():
        return _messages(request, challenge, form)  # moved on: the page no longer has the form
    return page_again(request, "challenges", challenge, {"select": form})


@require_POST
@require_capability(Capability.MANAGE_CHALLENGES)
def objection(request, pk):
    challenge = _challenge(request, pk)
    form = ObjectionForm(request.POST)
    if form.is_valid():
        done = run_action(form, selection.record_objection, request.user, challenge, **form.cleaned_data)
        if done is not None:
            messages.success(request, "异议已登记。")
            return redirect(challenge)
    return page_again(request, "challenges", challenge, {"objection": form})


@require_POST
@require_capability(Capability.MANAGE_CHALLENGES)
def resolve(request, pk, objection_pk):
    challenge = _challenge(request, pk)
    found = get_visible_or_404(
        request.user,
        ChallengeObjection.objects.filter(challenge=challenge),
        Capability.MANAGE_CHALLENGES,
        pk=objection_pk,
    )
    form = ResolveForm(request.POST, prefix=f"o{found.pk}")
    if form.is_valid():
        done = run_action(form, selection.resolve_objection, request.user, found, **form.cleaned_data)
        if done is not None:
            messages.success(
                request, "异议已处理。" + ("异议成立：请撤回公示、重新遴选。" if done.upheld else "")
            )
            return redirect(challenge)
    return _messages(request, challenge, form)


@require_POST
@require_capability(Capability.MANAGE_CHALLENGES)
def sign(request, pk):
    challenge = _challenge(request, pk)
    form = SignForm(request.POST)
    if form.is_valid():
        done = run_action(
            form, selection.sign, request.user, challenge, signed_on=form.cleaned_data["signed_on"]
        )
        if done is not None:
            messages.success(request, f"已签约：揭榜项目 {done.project.number}，任务书已签订。")
            return redirect(challenge)
    return page_again(request, "challenges", challenge, {"sign": form})


def _messages(request, challenge, form):
    """A refused row form (a milestone, a payment, an objection): its reasons as messages, back to the page."""
    for error in form.non_field_errors():
        messages.error(request, error)
    for name, errors in form.errors.items():
        if name == "__all__":
            continue
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)
    return redirect(challenge)


@require_POST
@require_capability(Capability.MANAGE_CHALLENGES)
def milestone(request, pk, milestone_pk):
    challenge = _challenge(request, pk)
    form = MilestoneCheckForm(request.POST, prefix=f"m{milestone_pk}")
    if form.is_valid():
        try:
            found = delivery.milestone_of(challenge, milestone_pk)
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        else:
            from kechuang.projects import contracts

            data = form.cleaned_data
            done = run_action(
                form,
                contracts.check_milestone,
                request.user,
                found,
                data["verdict"],
                comment=data["comment"],
                new_due_on=data["new_due_on"],
            )
            if done is not None:
                messages.success(request, f"里程碑{done.sequence}考核：{done.status}。")
                return redirect(challenge)
    return _messages(request, challenge, form)


@require_POST
@upload_limit("ATTACHMENT_MAX_BYTES")
@require_capability(Capability.MANAGE_CHALLENGES)
def acceptance(request, pk):
    challenge = _challenge(request, pk)
    form = AcceptanceForm(request.POST, request.FILES)
    why = refused(request).get("file")
    if why:
        form.add_error(None, why)
    elif form.is_valid():
        data = form.cleaned_data
        done = run_action(
            form,
            delivery.record_acceptance,
            request.user,
            challenge,
            summary=data["summary"],
            spent=data["spent"],
            upload=data["file"],
            decided_on=data["decided_on"],
        )
        if done is not None:
            messages.success(request, "结题验收已通过，项目结题。")
            return redirect(challenge)
    return page_again(request, "challenges", challenge, {"acceptance": form})


@require_POST
@require_capability(Capability.MANAGE_CHALLENGES)
def arrange(request, pk):
    challenge = _challenge(request, pk)
    form = ArrangeForm(request.POST)
    if form.is_valid():
        done = run_action(form, delivery.arrange, request.user, challenge, **form.cleaned_data)
        if done is not None:
            messages.success(request, f"已安排拨付 {done.amount:,.2f} 元（{done.payer}）。")
            return redirect(challenge)
    return page_again(request, "challenges", challenge, {"arrange": form})


@require_POST
@require_capability(Capability.MANAGE_CHALLENGES)
def pay(request, pk, payment_pk):
    challenge = _challenge(request, pk)
    form = PayForm(request.POST, prefix=f"p{payment_pk}")
    if form.is_valid():
        try:
            found = delivery.payment_of(challenge, payment_pk)
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        else:
            done = run_action(
                form,
                payments.pay,
                request.user,
                found,
                paid_on=form.cleaned_data["paid_on"],
                voucher=form.cleaned_data["voucher"],
            )
            if done is not None:
                messages.success(request, f"已确认拨付 {done.amount:,.2f} 元。")
                return redirect(challenge)
    return _messages(request, challenge, form)
