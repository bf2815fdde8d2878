"""The pages after 立项, beyond the kit's: the 任务书 (its fields, milestones, budget and indicators while
it is drafted; 提交, 签订 and the milestone checks), the acceptance (the unit's application with its evidence,
组织验收评审, the verdict) and a payment arranged from the project's page; and what the project's own page
shows of all of it (`project_context`, with the whole project's timeline).

Each POST view parses its form, calls the one action and sends the user back to the page — or shows the
page again with the refused form (400), nothing stored."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from kechuang.core.uploads import megabytes, refused, upload_limit
from kechuang.org.actions import ActionRefused
from kechuang.org.roles import Capability
from kechuang.org.scope import get_visible_or_404, has_capability, may_act_on
from kechuang.web.access import require_capability
from kechuang.web.forms import run_action
from kechuang.web.registry import page_again
from kechuang.workflow import engine as workflow

from . import acceptance as acceptances
from . import contracts, payments
from .application_forms import BudgetForm, StepForm
from .contract_forms import (
    AcceptanceForm,
    AcceptanceReviewForm,
    ArrangeForm,
    EvidenceForm,
    IndicatorsForm,
    MilestoneCheckForm,
    MilestonesForm,
    SignForm,
    TaskBookForm,
    VerdictForm,
)
from .models import (
    Acceptance,
    AcceptanceStatus,
    Milestone,
    MilestoneStatus,
    Payment,
    Project,
    Status,
    TaskBook,
    TaskBookStatus,
)


def _say(request, exc) -> None:
    for text in getattr(exc, "messages", None) or [str(exc)]:
        messages.error(request, text)


def _files_for(user, project: Project) -> bool:
    """Does `user` file for this project's unit (its enterprise's account)?"""
    return has_capability(user, Capability.APPLY_PROJECTS) and may_act_on(
        user, project, Capability.APPLY_PROJECTS
    )


def _keeps(user, project: Project) -> bool:
    """Does `user` keep this project for the bureau?"""
    return has_capability(user, Capability.CHANGE_PROJECTS) and may_act_on(
        user, project, Capability.CHANGE_PROJECTS
    )


# --- 任务书 ------------------------------------------------------------------------------------------------


def _budget_totals(lines) -> dict:
    funding = sum((line.funding for line in lines), Decimal("0"))
    own = sum((line.self_funding for line in lines), Decimal("0"))
    return {"funding": funding, "self_funding": own, "total": funding + own}


def task_book_context(request, book: TaskBook) -> dict:
    project = Project.objects.select_related("enterprise", "department").get(pk=book.project_id)
    book.project = project
    milestones = list(book.milestones.all())
    lines = list(book.budget_lines.all())
    indicators = list(book.indicators.all())
    refused_forms = getattr(request, "refused_forms", {})
    user = request.user
    editable = book.status == TaskBookStatus.DRAFT and (_files_for(user, project) or _keeps(user, project))
    keeps = _keeps(user, project)
    context = {
        "project": project,
        "milestones": milestones,
        "lines": lines,
        "totals": _budget_totals(lines),
        "indicators": indicators,
        "editable": editable,
        "keeps": keeps,
        "problems": contracts.problems(book) if book.status != TaskBookStatus.SIGNED else [],
        "reports": list(project.interim_reports.all()) if book.status == TaskBookStatus.SIGNED else [],
        "refused_forms": refused_forms,
    }
    if editable:
        context["book_form"] = refused_forms.get("basics") or TaskBookForm(instance=book)
        context["milestones_form"] = refused_forms.get("milestones") or MilestonesForm(rows=milestones)
        context["budget_form"] = refused_forms.get("budget") or BudgetForm(lines=lines)
        context["indicators_form"] = refused_forms.get("indicators") or IndicatorsForm(rows=indicators)
        context["may_submit"] = _files_for(user, project)
    if keeps and book.status == TaskBookStatus.SUBMITTED:
        context["sign_form"] = refused_forms.get("sign") or SignForm(
            initial={"signed_on": timezone.localdate()}
        )
        context["sign_refusal"] = contracts.may_sign(book, user)
    checkable = keeps and book.status == TaskBookStatus.SIGNED and project.status == Status.ONGOING
    context["milestone_rows"] = [
        {
            "milestone": m,
            "form": (
                refused_forms.get(("check", m.pk))
                or MilestoneCheckForm(milestone=m, initial={"checked_on": timezone.localdate()})
            )
            if checkable and m.status in (MilestoneStatus.PENDING, MilestoneStatus.ADJUST)
            else None,
            "event": None,
        }
        for m in milestones
    ]
    return context


def _book(request, pk) -> TaskBook:
    """A 任务书 the user sees and may work on (the unit's or the bureau's); who only reads it: 403."""
    book = get_visible_or_404(request.user, TaskBook.objects.select_related("project"), pk=pk)
    if not (_files_for(request.user, book.project) or _keeps(request.user, book.project)):
        raise PermissionDenied("您只能查看该任务书。")
    return book


@require_POST
@require_capability(Capability.VIEW_PROJECTS)
def task_book_step(request, pk, step):
    book = _book(request, pk)
    user = request.user
    if step == "basics":
        form = TaskBookForm(request.POST, instance=TaskBook.objects.get(pk=book.pk))
        if form.is_valid():
            if run_action(form, contracts.save_task_book, user, book, **form.fields_for_action()) is not None:
                messages.success(request, "任务书基本信息已保存。")
                return redirect(book)
    elif step == "milestones":
        form = MilestonesForm(request.POST, rows=list(book.milestones.all()))
        if form.is_valid():
            kept = run_action(form, contracts.save_milestones, user, book, form.values())
            if kept is not None:
                messages.success(request, f"里程碑已保存（{len(kept)} 个）。")
                return redirect(book.get_absolute_url() + "#milestones")
    elif step == "budget":
        form = BudgetForm(request.POST, lines=list(book.budget_lines.all()))
        if form.is_valid():
            kept = run_action(form, contracts.save_contract_budget, user, book, form.lines())
            if kept is not None:
                messages.success(request, f"任务书预算已保存（{len(kept)} 个科目）。")
                return redirect(book.get_absolute_url() + "#budget")
    elif step == "indicators":
        form = IndicatorsForm(request.POST, rows=list(book.indicators.all()))
        if form.is_valid():
            kept = run_action(form, contracts.save_indicators, user, book, form.values())
            if kept is not None:
                messages.success(request, f"考核指标已保存（{len(kept)} 项）。")
                return redirect(book.get_absolute_url() + "#indicators")
    elif step == "submit":
        form = StepForm({})
        if run_action(form, contracts.submit, user, book) is not None:
            messages.success(request, "任务书已提交，等待科技局签订。")
            return redirect(book)
        _say(request, ValidationError(form.non_field_errors()))
        return redirect(book)
    elif step == "sign":
        form = SignForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            if (
                run_action(form, contracts.sign, user, book, signed_on=d["signed_on"], comment=d["comment"])
                is not None
            ):
                messages.success(request, "任务书已签订，项目进入实施（在研），中期报告已按任务书排期。")
                return redirect(book)
    else:
        raise Http404("没有这个操作。")
    if TaskBook.objects.filter(pk=book.pk).values_list("status", flat=True).first() != book.status:
        _say(request, ValidationError(form.non_field_errors() or ["任务书的状态已变化，请刷新页面。"]))
        return redirect(book)
    return page_again(request, "task-books", book, {step: form})


@require_POST
@require_capability(Capability.CHANGE_PROJECTS)
def milestone_check(request, pk, milestone_pk):
    book = _book(request, pk)
    milestone = get_visible_or_404(
        request.user,
        Milestone.objects.filter(task_book=book).select_related("task_book__project"),
        pk=milestone_pk,
    )
    form = MilestoneCheckForm(request.POST, milestone=milestone)
    if form.is_valid():
        d = form.cleaned_data
        done = run_action(
            form,
            contracts.check_milestone,
            request.user,
            milestone,
            d["verdict"],
            comment=d["comment"],
            checked_on=d["checked_on"],
            new_due_on=d["new_due_on"],
        )
        if done is not None:
            messages.success(request, f"里程碑{milestone.sequence}考核结果：{done.status}。")
            return redirect(book.get_absolute_url() + "#milestones")
    return page_again(request, "task-books", book, {("check", milestone.pk): form})


# --- 结题验收 ----------------------------------------------------------------------------------------------


def acceptance_context(request, acc: Acceptance) -> dict:
    project = Project.objects.select_related("enterprise", "department", "discipline").get(pk=acc.project_id)
    acc.project = project
    book = getattr(project, "task_book", None)
    indicators = list(book.indicators.all()) if book else []
    refused_forms = getattr(request, "refused_forms", {})
    user = request.user
    editable = acc.status == AcceptanceStatus.DRAFT and _files_for(user, project)
    keeps = _keeps(user, project)
    context = {
        "project": project,
        "book": book,
        "indicators": indicators,
        "evidence": list(acc.evidence.select_related("uploaded_by")),
        "editable": editable,
        "keeps": keeps,
        "review": acceptances.review_of(acc),
        "attachment_max_mb": megabytes(settings.ATTACHMENT_MAX_BYTES),
        "payments": payments.totals(project),
    }
    if editable:
        context["form"] = refused_forms.get("save") or AcceptanceForm(
            initial={"summary": acc.summary, "spent": acc.spent}, indicators=indicators
        )
        context["evidence_form"] = refused_forms.get("attach") or EvidenceForm()
        context["problems"] = acceptances.problems(acc)
    if keeps and acc.status == AcceptanceStatus.APPLIED:
        context["review_form"] = refused_forms.get("review") or AcceptanceReviewForm(
            initial={"deadline": timezone.localdate() + timedelta(days=14), "experts_per_item": 3}
        )
    if keeps and acc.status in (AcceptanceStatus.APPLIED, AcceptanceStatus.REVIEW):
        context["verdict_form"] = refused_forms.get("decide") or VerdictForm(
            initial={"decided_on": timezone.localdate()}
        )
    return context


def _acceptance(request, pk) -> Acceptance:
    """An acceptance the user sees and may work on (the unit's or the bureau's); who only reads it: 403."""
    acc = get_visible_or_404(request.user, Acceptance.objects.select_related("project"), pk=pk)
    if not (_files_for(request.user, acc.project) or _keeps(request.user, acc.project)):
        raise PermissionDenied("您只能查看该验收申请。")
    return acc


@require_POST
@require_capability(Capability.APPLY_PROJECTS)
def acceptance_start(request, pk):
    project = get_visible_or_404(request.user, Project.objects.all(), Capability.APPLY_PROJECTS, pk=pk)
    try:
        acc = acceptances.start(request.user, project)
    except (ActionRefused, ValidationError) as exc:
        _say(request, exc)
        return redirect(project)
    messages.success(request, "已创建结题验收申请，请填写完成情况、考核指标完成值并上传验收材料。")
    return redirect(acc)


@upload_limit("ATTACHMENT_MAX_BYTES")
@require_POST
@require_capability(Capability.VIEW_PROJECTS)
def acceptance_step(request, pk, step):
    acc = _acceptance(request, pk)
    user = request.user
    indicators = list(acc.project.task_book.indicators.all()) if hasattr(acc.project, "task_book") else []
    if step == "save":
        form = AcceptanceForm(request.POST, indicators=indicators)
        if form.is_valid():
            d = form.cleaned_data
            saved = run_action(
                form,
                acceptances.save,
                user,
                acc,
                summary=d["summary"],
                spent=d["spent"],
                achieved=form.achieved(),
            )
            if saved is not None:
                messages.success(request, "验收申请已保存。")
                return redirect(acc)
    elif step == "attach":
        form = EvidenceForm(request.POST, request.FILES)
        why = refused(request).get("file")
        if why:
            form.add_error(
                "file", f"{why}请重新选择文件（每个不超过 {megabytes(settings.ATTACHMENT_MAX_BYTES)} MB）。"
            )
        elif form.is_valid():
            added = run_action(form, acceptances.add_evidence, user, acc, upload=form.cleaned_data["file"])
            if added is not None:
                messages.success(request, f"已上传验收材料：{added.name}。")
                return redirect(acc.get_absolute_url() + "#evidence")
    elif step == "detach":
        form = StepForm({})
        pk_text = str(request.POST.get("attachment") or "")
        found = (
            acc.evidence.filter(pk=int(pk_text)).first() if pk_text.isdigit() and len(pk_text) < 18 else None
        )
        if found is None:
            raise Http404("没有这份验收材料。")
        if run_action(form, acceptances.remove_evidence, user, found) is None and form.errors:
            _say(request, ValidationError(form.non_field_errors()))
        else:
            messages.success(request, f"已删除验收材料：{found.name}。")
        return redirect(acc.get_absolute_url() + "#evidence")
    elif step == "apply":
        form = StepForm({})
        if run_action(form, acceptances.apply, user, acc) is not None:
            messages.success(request, "结题验收申请已提交，等待科技局组织验收。")
        else:
            _say(request, ValidationError(form.non_field_errors()))
        return redirect(acc)
    elif step == "review":
        form = AcceptanceReviewForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            made = run_action(
                form,
                acceptances.send_to_review,
                user,
                [acc],
                deadline=d["deadline"],
                experts_per_item=d["experts_per_item"],
            )
            if made is not None:
                messages.success(request, f"已组织验收评审“{made.title}”：请在评审轮次页分配专家并开始评审。")
                return redirect(made)
    elif step == "decide":
        form = VerdictForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            done = run_action(
                form,
                acceptances.decide,
                user,
                acc,
                d["verdict"],
                comment=d["comment"],
                decided_on=d["decided_on"],
                extended_to=d["extended_to"],
            )
            if done is not None:
                messages.success(request, f"验收结论：{done.status}。")
                return redirect(acc)
    else:
        raise Http404("没有这个操作。")
    if Acceptance.objects.filter(pk=acc.pk).values_list("status", flat=True).first() != acc.status:
        _say(request, ValidationError(form.non_field_errors() or ["验收申请的状态已变化，请刷新页面。"]))
        return redirect(acc)
    return page_again(request, "acceptances", acc, {step: form})


# --- 拨付 -------------------------------------------------------------------------------------------------


def _milestones_of(project):
    return Milestone.objects.filter(task_book__project=project).order_by("sequence")


@require_POST
@require_capability(Capability.CHANGE_PROJECTS)
def payment_arrange(request, pk):
    project = get_visible_or_404(request.user, Project.objects.all(), Capability.CHANGE_PROJECTS, pk=pk)
    form = ArrangeForm(request.POST, milestones=_milestones_of(project))
    if form.is_valid():
        d = form.cleaned_data
        made = run_action(
            form,
            payments.arrange,
            request.user,
            project,
            tranche=d["tranche"],
            amount=d["amount"],
            payer=d["payer"],
            milestone=d["milestone"],
            note=d["note"],
        )
        if made is not None:
            messages.success(request, f"已安排{made.tranche} {made.amount:,.2f} 元，待确认拨付。")
            return redirect(project.get_absolute_url() + "#payments")
    return page_again(request, "projects", project, {"arrange": form})


# --- the project's page -------------------------------------------------------------------------------------


def project_context(request, project: Project) -> dict:
    """The 任务书, 中期检查, acceptances and payments of a project, and its whole timeline. A fixed number of
    queries whatever the rows."""
    book = TaskBook.objects.filter(project=project).first()
    if book is None and project.status not in (
        Status.APPROVED,
        Status.ONGOING,
        Status.COMPLETED,
        Status.TERMINATED,
    ):
        return {}
    user = request.user
    reports = list(project.interim_reports.all())
    accepted = list(project.acceptances.all())
    paid = list(project.payments.select_related("milestone"))
    milestones = list(book.milestones.all()) if book else []
    refused_forms = getattr(request, "refused_forms", {})
    labelled = [(project, "项目")]
    if book:
        labelled.append((book, "任务书"))
        labelled.extend((m, f"里程碑{m.sequence}") for m in milestones)
    labelled.extend((r, r.title) for r in reports)
    labelled.extend((a, "结题验收") for a in accepted)
    labelled.extend((p, f"拨付·{p.tranche}") for p in paid)
    keeps = _keeps(user, project)
    context = {
        "lifecycle": {
            "book": book,
            "milestones": milestones,
            "reports": reports,
            "acceptances": accepted,
            "payments": paid,
            "totals": payments.totals(project),
            "timeline": workflow.history_of_many(labelled),
            "may_start_acceptance": _files_for(user, project) and acceptances.may_start(project) is None,
            "keeps": keeps,
        }
    }
    if keeps and project.status in (Status.APPROVED, Status.ONGOING, Status.COMPLETED):
        context["lifecycle"]["arrange_form"] = refused_forms.get("arrange") or ArrangeForm(
            milestones=_milestones_of(project)
        )
    return context


def payment_context(request, payment: Payment) -> dict:
    return {"totals": payments.totals(payment.project)}
