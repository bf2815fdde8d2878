"""The applicant's page of an online application (填写申报书) and the download of its attachments; and what
the project's own page shows of an application (`detail_context`).

The page takes one step per POST (`step`: basics, co_add, co_remove, budget, attach, detach, submit); each
is parsed by its form, done by `applications.*` through `run_action`, and answered with a redirect back
and a message (POST/redirect/GET) — or the page again with the step's errors and nothing stored."""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from kechuang.core.uploads import megabytes, refused, upload_limit
from kechuang.org.roles import Capability
from kechuang.org.scope import get_visible_or_404, has_capability, visible_to
from kechuang.web.access import download, require_capability
from kechuang.web.forms import run_action
from kechuang.web.personal import guard_form, record_form_view
from kechuang.workflow import engine as workflow

from . import applications
from .application_forms import AttachmentForm, BasicsForm, BudgetForm, CoApplicantForm, StepForm
from .models import Attachment, Project, Status

STEPS = ("basics", "co_add", "co_remove", "budget", "attach", "detach", "submit")
# where the page opens again after a step: the part just changed
ANCHORS = {
    "basics": "#basics",
    "co_add": "#co",
    "co_remove": "#co",
    "budget": "#budget",
    "attach": "#attachments",
    "detach": "#attachments",
}


def _application(request, pk) -> Project:
    """The application `request.user` files (APPLY_PROJECTS over it), as stored now; others 404."""
    return get_visible_or_404(
        request.user,
        Project.objects.filter(call__isnull=False).select_related(
            "call__department", "enterprise__town", "department", "discipline"
        ),
        Capability.APPLY_PROJECTS,
        pk=pk,
    )


def _totals(lines) -> dict:
    funding = sum((line.funding for line in lines), Decimal("0"))
    own = sum((line.self_funding for line in lines), Decimal("0"))
    return {"funding": funding, "self_funding": own, "total": funding + own}


def _budget_warnings(project, totals) -> list[str]:
    """A budget that does not add up to the amounts requested: shown while filling, refused on submission."""
    warnings = []
    if totals["funding"] != project.funding:
        warnings.append(
            f"预算明细的财政资助合计 {totals['funding']:,.2f} 元，与申请财政资助 {project.funding:,.2f} 元不一致。"
        )
    if totals["self_funding"] != project.self_funding:
        warnings.append(
            f"预算明细的自筹合计 {totals['self_funding']:,.2f} 元，与自筹金额 {project.self_funding:,.2f} 元不一致。"
        )
    return warnings


@upload_limit("ATTACHMENT_MAX_BYTES")
@require_capability(Capability.APPLY_PROJECTS)
def application(request, pk):
    project = _application(request, pk)
    editable = project.status in applications.EDITABLE
    forms = {}
    step = request.POST.get("step", "") if request.method == "POST" else ""
    if request.method == "POST":
        if step not in STEPS:
            messages.error(request, "无法识别的操作，请在页面上重新操作。")
            return redirect("projects:application", project.pk)
        done = _run_step(request, project, step, forms)
        if done is not None:
            messages.success(request, done)
            return redirect(reverse("projects:application", args=[project.pk]) + ANCHORS.get(step, ""))
    lines = list(project.budget_lines.all())
    basics = forms["basics"] if "basics" in forms else BasicsForm(instance=project, call=project.call)
    basics.personal_shown = guard_form(basics, request.user, project) if "basics" not in forms else []
    if request.method == "GET":
        record_form_view(request, basics, project)  # the contact's phone shown in full on the form
    totals = _totals(lines)
    attachments = list(project.attachments.filter(acceptance=None).select_related("uploaded_by"))
    present = {a.kind for a in attachments}
    returned = workflow.last_event(project, "return") if project.status == Status.RETURNED else None
    deadline = (
        applications.correction_deadline(project)
        if project.status == Status.RETURNED
        else project.call.closes_on
    )
    context = {
        "project": project,
        "call": project.call,
        "editable": editable,
        "step": step,
        "basics": basics,
        "co_form": forms["co_add"] if "co_add" in forms else CoApplicantForm(),
        "co_applicants": list(project.co_applicants.all()),
        "budget": forms["budget"] if "budget" in forms else BudgetForm(lines=lines),
        "lines": lines,
        "totals": totals,
        "budget_warnings": _budget_warnings(project, totals) if lines else [],
        "attach_form": forms["attach"] if "attach" in forms else AttachmentForm(call=project.call),
        "attachments": attachments,
        "required": [{"kind": k, "present": k in present} for k in project.call.attachment_list],
        "attachment_max_mb": megabytes(settings.ATTACHMENT_MAX_BYTES),
        "step_errors": {name: form for name, form in forms.items() if isinstance(form, StepForm)},
        "problems": applications.problems(project) if editable else [],
        "conditions": applications.eligibility(
            project.call, project.enterprise, exclude=project, unit_name=project.unit_name
        ),
        "deadline": deadline,
        "returned": returned,
    }
    return render(request, "projects/application.html", context, status=400 if forms else 200)


def _run_step(request, project, step, forms) -> str | None:
    """Do one step; the success message, or None with the step's form (and its errors) in `forms`."""
    user = request.user
    if step == "basics":
        form = forms["basics"] = BasicsForm(request.POST, instance=project, call=project.call)
        guard_form(form, user, project)
        if form.is_valid():
            stored = Project.objects.select_related("call").get(pk=project.pk)  # not the form's instance
            if run_action(form, applications.save_application, user, stored, **form.fields_for_action()):
                return "基本信息已保存。"
        return None
    if step == "co_add":
        form = forms["co_add"] = CoApplicantForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            co = run_action(
                form, applications.add_co_applicant, user, project, name=d["name"], share=d["share"]
            )
            if co is not None:
                return f"已添加合作单位：{co.name}。"
        return None
    if step == "co_remove":
        co = _row(project.co_applicants.all(), request.POST.get("co_applicant"))
        form = forms["co_remove"] = StepForm({})
        run_action(form, applications.remove_co_applicant, user, co)
        return None if form.errors else f"已删除合作单位：{co.name}。"
    if step == "budget":
        form = forms["budget"] = BudgetForm(request.POST, lines=list(project.budget_lines.all()))
        if form.is_valid():
            kept = run_action(form, applications.save_budget, user, project, form.lines())
            if kept is not None:
                return f"预算明细已保存（{len(kept)} 个科目）。"
        return None
    if step == "attach":
        form = forms["attach"] = AttachmentForm(request.POST, request.FILES, call=project.call)
        why = refused(request).get("file")
        if why:
            form.add_error(
                "file",
                f"{why}请重新选择文件（每个附件不超过 {megabytes(settings.ATTACHMENT_MAX_BYTES)} MB）。",
            )
            return None
        if form.is_valid():
            d = form.cleaned_data
            attachment = run_action(
                form, applications.add_attachment, user, project, kind=d["kind"], upload=d["file"]
            )
            if attachment is not None:
                return f"已上传附件：{attachment.kind}（{attachment.name}）。"
        return None
    if step == "detach":
        attachment = _row(project.attachments.filter(acceptance=None), request.POST.get("attachment"))
        form = forms["detach"] = StepForm({})
        run_action(form, applications.remove_attachment, user, attachment)
        return None if form.errors else f"已删除附件：{attachment.kind}（{attachment.name}）。"
    # submit
    form = forms["submit"] = StepForm({})
    resubmit = project.status == Status.RETURNED
    stored = Project.objects.select_related("call", "enterprise").get(pk=project.pk)
    if run_action(form, applications.submit, user, stored) is not None:
        return "申报已重新提交，等待形式审查。" if resubmit else "申报已提交，等待形式审查。"
    return None


def _row(queryset, pk):
    """A co-applicant or attachment of this application by its id (another application's: 404)."""
    if not str(pk or "").isdigit() or len(str(pk)) > 18:
        raise Http404("没有这条记录。")
    found = queryset.filter(pk=int(pk)).first()
    if found is None:
        raise Http404("没有这条记录。")
    return found


@require_GET
@require_capability(Capability.VIEW_PROJECTS)
def attachment(request, pk):
    """Download an application's attachment — for whoever may see its project, under its stored name."""
    return download(request, Attachment.objects.all(), None, pk)


# --- the project's own page ------------------------------------------------------------------------


def detail_context(request, obj) -> dict:
    """What the project's page shows of an online application: the call, co-applicants, budget lines with
    totals, attachments, and the applicant's way back to the application while it is editable. A fixed
    number of queries whatever the rows."""
    if obj.call_id is None:
        return {}
    project = Project.objects.select_related("call", "discipline").get(pk=obj.pk)
    lines = list(obj.budget_lines.all())
    may_apply = (
        obj.status in applications.EDITABLE
        and has_capability(request.user, Capability.APPLY_PROJECTS)
        and visible_to(request.user, Project.objects.filter(pk=obj.pk), Capability.APPLY_PROJECTS).exists()
    )
    return {
        "application": {
            "call": project.call,
            "discipline": project.discipline,
            "co_applicants": list(obj.co_applicants.all()),
            "lines": lines,
            "totals": _totals(lines),
            "attachments": list(obj.attachments.filter(acceptance=None)),
            "may_apply": may_apply,
        }
    }
