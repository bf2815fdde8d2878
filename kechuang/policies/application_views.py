"""The pages of 申请兑现: a window's part on the kit's detail page (its applications, expert review, 公示,
objections, decision) and an application's (the applicant's form and attachments, the checks' steps),
the steps posted from them and the attachments' download. Views parse, check and call `applications`."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from kechuang.org.roles import Capability
from kechuang.org.scope import get_visible_or_404, has_capability, may_act_on
from kechuang.projects.forms import ResolveForm
from kechuang.web.access import download, require_capability
from kechuang.web.forms import run_action
from kechuang.web.registry import page_again, refused_form

from . import applications
from .forms import (
    ApplicationForm,
    DecideWindowForm,
    PolicyObjectionForm,
    ProposeForm,
    PublishForm,
    ReviewRoundForm,
    StartForm,
    UploadForm,
)
from .models import (
    ApplicationAttachment,
    ApplicationStatus,
    ApplicationWindow,
    PolicyApplication,
    PolicyObjection,
    WindowStatus,
)


def _manages(user, window: ApplicationWindow) -> bool:
    return has_capability(user, Capability.MANAGE_POLICIES) and may_act_on(
        user, window.instrument.document.department, Capability.MANAGE_POLICIES
    )


def _windows(user):
    return ApplicationWindow.objects.select_related("instrument__document__department")


# --- a window ---------------------------------------------------------------------------------------------


def window_context(request, obj: ApplicationWindow) -> dict:
    user = request.user
    manages = _manages(user, obj)
    today = timezone.localdate()
    rows = (
        list(
            obj.applications.select_related("enterprise", "enterprise__town", "checker").order_by(
                "status", "number"
            )
        )
        if manages
        else []
    )
    objections = list(obj.objections.select_related("application__enterprise")) if manages else []
    mine = (
        list(obj.applications.filter(enterprise__users=user).select_related("enterprise"))
        if has_capability(user, Capability.CLAIM_POLICIES)
        else []
    )
    applying = has_capability(user, Capability.CLAIM_POLICIES) and obj.is_open_on(today)
    return {
        "manages": manages,
        "rows": rows,
        "totals": applications.totals(obj),
        "objections": objections,
        "mine": mine,
        "start_form": refused_form(request, "start", StartForm(user=user)) if applying else None,
        "review_form": refused_form(
            request, "review", ReviewRoundForm(initial={"deadline": today + timedelta(days=14)})
        )
        if manages and obj.status == WindowStatus.CLOSED and obj.instrument.expert_review
        else None,
        "publish_form": refused_form(
            request, "publish", PublishForm(initial={"start": today, "days": obj.publicity_days})
        )
        if manages and obj.status == WindowStatus.CLOSED
        else None,
        "publish_refusal": applications.publish_refusal(obj) if obj.status == WindowStatus.CLOSED else None,
        "objection_form": refused_form(
            request, "objection", PolicyObjectionForm(window=obj, initial={"received_on": today})
        )
        if manages and obj.status == WindowStatus.PUBLICITY
        else None,
        "resolve_forms": {
            o.pk: refused_form(request, ("resolve", o.pk), ResolveForm(objection=o))
            for o in objections
            if o.status == "待处理"
        },
        "decide_form": refused_form(request, "decide", DecideWindowForm(initial={"decided_on": today}))
        if manages and obj.status == WindowStatus.PUBLICITY
        else None,
        "decide_refusal": applications.decide_refusal(obj) if obj.status == WindowStatus.PUBLICITY else None,
    }


@require_POST
@require_capability(Capability.CLAIM_POLICIES)
def start(request, pk):
    window = get_visible_or_404(request.user, _windows(request.user), Capability.VIEW_POLICIES, pk=pk)
    form = StartForm(request.POST, user=request.user)
    if form.is_valid():
        application = run_action(
            form, applications.start, request.user, window, form.cleaned_data["enterprise"]
        )
        if application is not None:
            messages.success(request, f"已开始填报申请 {application.number}：请填写并上传附件后提交。")
            return redirect(application)
    return page_again(request, "application-windows", window, {"start": form})


@require_POST
@require_capability(Capability.MANAGE_POLICIES)
def window_step(request, pk, step):
    user = request.user
    window = get_visible_or_404(user, _windows(user), Capability.MANAGE_POLICIES, pk=pk)
    if step == "review":
        form = ReviewRoundForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            review_round = run_action(
                form,
                applications.send_to_review,
                user,
                window,
                deadline=d["deadline"],
                experts_per_item=d["experts_per_item"],
            )
            if review_round is not None:
                messages.success(request, "已建立专家评审轮次：请在评审页分配专家并开始评审。")
                return redirect(review_round)
    elif step == "scores":
        form = ReviewRoundForm({"deadline": timezone.localdate(), "experts_per_item": 3})
        form.is_valid()
        count = run_action(form, applications.take_scores, user, window)
        if count is not None:
            messages.success(request, f"已取回 {count} 份申请的专家评审得分。")
            return redirect(window.get_absolute_url() + "#applications")
        step = "review"
    elif step == "publish":
        form = PublishForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            if (
                run_action(form, applications.publish, user, window, start=d["start"], days=d["days"])
                is not None
            ):
                messages.success(request, "名单已公示：公众可在政策公示页查看。")
                return redirect(window)
    elif step == "objection":
        form = PolicyObjectionForm(request.POST, window=window)
        if form.is_valid():
            d = form.cleaned_data
            if run_action(form, applications.record_objection, user, window, **d) is not None:
                messages.success(request, "异议已登记。")
                return redirect(window.get_absolute_url() + "#objections")
    elif step == "decide":
        form = DecideWindowForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            if run_action(form, applications.decide, user, window, **d) is not None:
                messages.success(request, "名单已审定：各项奖补进入拨付。")
                return redirect(window)
    else:
        raise Http404("没有这个操作。")
    return page_again(request, "application-windows", window, {step: form})


@require_POST
@require_capability(Capability.MANAGE_POLICIES)
def resolve(request, pk, objection_pk):
    user = request.user
    window = get_visible_or_404(user, _windows(user), Capability.MANAGE_POLICIES, pk=pk)
    objection = get_visible_or_404(user, PolicyObjection.objects.filter(window=window), pk=objection_pk)
    form = ResolveForm(request.POST, objection=objection)
    if form.is_valid():
        d = form.cleaned_data
        done = run_action(
            form,
            applications.resolve_objection,
            user,
            objection,
            upheld=d["upheld"],
            resolution=d["resolution"],
        )
        if done is not None:
            messages.success(request, "异议已处理。")
            return redirect(window.get_absolute_url() + "#objections")
    return page_again(request, "application-windows", window, {("resolve", objection.pk): form})


# --- an application ---------------------------------------------------------------------------------------


def _owns(user, application: PolicyApplication) -> bool:
    return (
        has_capability(user, Capability.CLAIM_POLICIES)
        and application.enterprise.users.filter(pk=user.pk).exists()
    )


def application_context(request, obj: PolicyApplication) -> dict:
    user = request.user
    owner = _owns(user, obj)
    editable = owner and obj.status in applications.EDITABLE
    manages = _manages(user, obj.window)
    initial = {name: getattr(obj, name) for name in applications.FIELDS}
    return {
        "owner": owner,
        "editable": editable,
        "manages": manages,
        "attachment_rows": list(obj.attachments.all()),
        "required": obj.window.attachment_list,
        "missing": applications.missing_for_submission(obj) if editable else [],
        "apply_form": refused_form(request, "save", ApplicationForm(initial=initial)) if editable else None,
        "upload_form": refused_form(request, "upload", UploadForm(kinds=obj.window.attachment_list))
        if editable
        else None,
        "submit_error": getattr(request, "refused_forms", {}).get("submit"),
        "propose_form": refused_form(request, "propose", ProposeForm(initial={"amount": obj.requested}))
        if manages and obj.status == ApplicationStatus.CHECKED
        else None,
        "propose_refusal": applications.propose_refusal(obj)
        if obj.status == ApplicationStatus.CHECKED
        else None,
    }


@require_POST
@require_capability(Capability.VIEW_POLICIES)
def application_step(request, pk, step):
    user = request.user
    application = get_visible_or_404(
        user,
        PolicyApplication.objects.select_related("window__instrument__document", "enterprise"),
        Capability.VIEW_POLICIES,
        pk=pk,
    )
    if step in ("save", "upload", "remove", "submit"):
        if not _owns(user, application):
            raise Http404("记录不存在或不在您的数据范围内")
        if step == "save":
            form = ApplicationForm(request.POST)
            if form.is_valid() and run_action(
                form, applications.save, user, application, **form.cleaned_data
            ):
                messages.success(request, "申请已保存。")
                return redirect(application)
        elif step == "upload":
            form = UploadForm(request.POST, request.FILES, kinds=application.window.attachment_list)
            if form.is_valid():
                d = form.cleaned_data
                if run_action(
                    form, applications.add_attachment, user, application, kind=d["kind"], upload=d["file"]
                ):
                    messages.success(request, f"附件“{d['file'].name}”已上传。")
                    return redirect(application.get_absolute_url() + "#attachments")
        elif step == "remove":
            found = application.attachments.filter(pk=request.POST.get("attachment", "0") or 0).first()
            if found is None:
                raise Http404("附件不存在。")
            form = UploadForm(kinds=application.window.attachment_list)
            form.is_valid()
            if run_action(form, applications.remove_attachment, user, found):
                messages.success(request, f"附件“{found.name}”已删除。")
                return redirect(application.get_absolute_url() + "#attachments")
            step = "upload"
        else:
            form = ApplicationForm(initial={})
            form.is_valid()
            if run_action(form, applications.submit, user, application) is not None:
                messages.success(request, "申请已提交，等待科技局受理。")
                return redirect(application)
    elif step == "propose":
        if not _manages(user, application.window):
            raise Http404("记录不存在或不在您的数据范围内")
        form = ProposeForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            done = run_action(
                form, applications.propose, user, application, amount=d["amount"], opinion=d["opinion"]
            )
            if done is not None:
                messages.success(request, "联审意见已登记，申请列入拟兑现名单。")
                return redirect(application)
    else:
        raise Http404("没有这个操作。")
    return page_again(request, "policy-applications", application, {step: form})


@require_GET
@require_capability(Capability.VIEW_POLICIES)
def attachment(request, pk):
    return download(request, ApplicationAttachment.objects.all(), Capability.VIEW_POLICIES, pk)
