import re

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from kechuang.core.uploads import megabytes, refused, upload_limit
from kechuang.metrics.registry import actuals_by_target, metrics
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import get_visible_or_404, visible_to
from kechuang.web.access import require_capability
from kechuang.web.forms import keeping, run_action

from . import actions
from .export import plan_queryset, plan_tree
from .forms import TaskForm
from .models import Plan, Task
from .sourcetext import marked_segments
from .work import summarize, work_for


@require_capability(Capability.VIEW_PLAN)
def plan_list(request):
    plans = visible_to(request.user, Plan.objects.select_related("department")).order_by("-issued_on", "pk")
    return render(request, "plans/plan_list.html", {"plans": plans})


@require_capability(Capability.VIEW_PLAN)
def plan_detail(request, pk):
    plan = get_visible_or_404(request.user, plan_queryset(), pk=pk)
    programmes = plan.programmes.all()
    return render(
        request,
        "plans/plan_detail.html",
        {
            "plan": plan,
            "programmes": programmes,
            "metrics": {m.key: m for m in metrics},
            "actuals": actuals_by_target(programmes, timezone.localdate()),
        },
    )


@require_capability(Capability.VIEW_PLAN)
def programme_detail(request, pk, number):
    plan = get_visible_or_404(request.user, plan_queryset(), pk=pk)
    programme = next((p for p in plan.programmes.all() if p.number == number), None)
    if programme is None:
        return render(
            request, "core/error.html", {"code": 404, "message": "该方案没有这一工程。"}, status=404
        )
    return render(
        request,
        "plans/programme_detail.html",
        {
            "plan": plan,
            "programme": programme,
            "metrics": {m.key: m for m in metrics},
            "actuals": actuals_by_target([programme], timezone.localdate()),
        },
    )


@require_capability(Capability.VIEW_PLAN)
def plan_source(request, pk):
    plan = get_visible_or_404(request.user, plan_queryset(), pk=pk)
    return render(request, "plans/plan_source.html", {"plan": plan, "segments": marked_segments(plan)})


@require_capability(Capability.VIEW_PLAN)
def plan_export(request, pk):
    plan = get_visible_or_404(request.user, plan_queryset(), pk=pk)
    response = JsonResponse(plan_tree(plan), json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="plan-{plan.pk}.json"'
    return response


def _task_queryset():
    return Task.objects.select_related("programme__plan", "lead_department").prefetch_related(
        "co_departments", "indicators__targets"
    )


@require_capability(Capability.VIEW_PLAN)
def task_detail(request, pk):
    task = get_visible_or_404(request.user, _task_queryset(), pk=pk)
    can_change = visible_to(request.user, Task.objects.filter(pk=pk), Capability.CHANGE_PLAN).exists()
    work = work_for([task], request.user).get(task.pk, [])
    return render(
        request,
        "plans/task_detail.html",
        {"task": task, "can_change": can_change, "work": work, "work_summary": summarize(work)},
    )


@require_capability(Capability.CHANGE_PLAN)
def task_edit(request, pk):
    task = get_visible_or_404(request.user, _task_queryset(), Capability.CHANGE_PLAN, pk=pk)
    region = task.programme.plan.department
    initial = {
        "status": task.status,
        "completed_on": task.completed_on,
        "deadline": task.deadline,
        "lead_department": task.lead_department_id,
        "co_departments": [d.pk for d in task.co_departments.all()],
    }
    departments = keeping(
        Department.objects.filter(path__startswith=region.path),
        [initial["lead_department"], *initial["co_departments"]],
    )
    form = TaskForm(request.POST or None, initial=initial, departments=departments)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        updated = run_action(
            form,
            actions.update_task,
            request.user,
            task,
            status=d["status"],
            completed_on=d["completed_on"],
            deadline=d["deadline"],
            lead_department=d["lead_department"],
            co_departments=d["co_departments"],
            reason=d["reason"],
        )
        if updated is not None:
            messages.success(request, "任务已更新。")
            return redirect("plans:task", task.pk)
    return render(request, "plans/task_form.html", {"form": form, "task": task})


# --- plan from text -----------------------------------------------------------------------------------


@require_capability(Capability.CHANGE_PLAN)
def draft_list(request):
    from .models import PlanDraft

    drafts = visible_to(request.user, PlanDraft.objects.select_related("department", "plan", "created_by"))
    return render(request, "plans/draft_list.html", {"drafts": drafts[:200]})


@upload_limit("PLAN_FILE_MAX_BYTES")
@require_capability(Capability.CHANGE_PLAN)
def draft_new(request):
    """Upload a .docx/.txt or paste the text (at most PLAN_TEXT_MAX_CHARS characters, as the page and its
    textarea say); the parser proposes the plan."""
    from . import drafting
    from .parsing import ParseError, parse, parse_document

    regions = list(drafting.drafting_regions(request.user).order_by("depth", "path"))
    errors = []
    # the browser sends a textarea's line breaks as CRLF but counts them as one character
    pasted = request.POST.get("text", "").replace("\r\n", "\n")
    limit = settings.PLAN_TEXT_MAX_CHARS
    if request.method == "POST":
        region = next(
            (r for r in regions if str(r.pk) == request.POST.get("region")), regions[-1] if regions else None
        )
        upload = request.FILES.get("file")
        try:
            if refused(request).get("file"):
                raise ParseError(refused(request)["file"])
            if upload is not None:
                parsed, filename = parse_document(upload.read(), upload.name), upload.name
            elif pasted.strip():
                if len(pasted) > limit:
                    raise ParseError(
                        f"粘贴的方案原文共 {len(pasted):,} 字，超过 {text_limit_label()}的上限，未处理；请检查内容。"
                    )
                parsed, filename = parse(pasted), ""
            else:
                raise ParseError("请上传方案文件或粘贴方案原文。")
            if region is None:
                raise ParseError("您没有可起草方案的区域。")
            draft = drafting.create_draft(request.user, region, parsed, filename)
            return redirect("plans:draft", draft.pk)
        except ParseError as exc:
            errors.append(str(exc))
    return render(
        request,
        "plans/draft_new.html",
        {
            "regions": regions,
            "errors": errors,
            "pasted": pasted,
            "text_limit": limit,
            "text_limit_label": text_limit_label(),
            "file_limit_mb": megabytes(settings.PLAN_FILE_MAX_BYTES),
        },
    )


def text_limit_label() -> str:
    """The pasted plan's limit as the pages say it: “200 万字”."""
    limit = settings.PLAN_TEXT_MAX_CHARS
    return f"{limit // 10_000} 万字" if limit % 10_000 == 0 else f"{limit} 字"


ROW_FIELDS = (
    "indicator",
    "year",
    "value",
    "unit",
    "comparator",
    "kind",
    "base_year",
    "responsible",
    "span",
    "programme",
)


def _posted_rows(post, prefix: str) -> dict:
    rows = {}
    for key in post:
        match = re.fullmatch(rf"{prefix}-(\d+)-(\w+)", key)
        if match:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = post.get(key)
    for row in rows.values():
        row["include"] = row.get("include") == "on"
        row["stretch"] = row.get("stretch") == "on"
    return rows


@require_capability(Capability.CHANGE_PLAN)
def draft_detail(request, pk):
    """The parser's proposal: the text with every target highlighted, and the table to correct."""
    from django.core.exceptions import ValidationError

    from kechuang.org.actions import ActionRefused

    from . import drafting
    from .choices import Comparator, IndicatorKind
    from .models import PlanDraft
    from .sourcetext import segments_for

    draft = get_visible_or_404(request.user, PlanDraft.objects.select_related("department", "plan"), pk=pk)
    errors = []
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "discard":
                drafting.discard(request.user, draft)
                messages.success(request, "已放弃该识别稿。")
                return redirect("plans:drafts")
            meta = {
                k: request.POST.get(k, "")
                for k in ("title", "doc_number", "issued_on", "period_start", "period_end")
            }
            rows = _posted_rows(request.POST, "row")
            added = [row for _, row in sorted(_posted_rows(request.POST, "new").items())]
            errors = drafting.save_decisions(request.user, draft, meta=meta, rows=rows, added=added)
            if not errors and action == "confirm":
                plan = drafting.confirm(
                    request.user,
                    draft,
                    issuer=request.POST.get("issuer", ""),
                    activate=request.POST.get("activate") == "on",
                )
                messages.success(request, f"已生成方案“{plan.title}”。")
                return redirect("plans:detail", plan.pk)
            if not errors:
                messages.success(request, "修改已保存。")
                return redirect("plans:draft", pk)
        except ActionRefused as exc:
            errors.append(str(exc))
        except ValidationError as exc:
            errors.extend(exc.messages)
    suggestions = list(draft.suggestions.all())
    spans = []
    for s in suggestions:
        start, end = s.suggested.get("start"), s.suggested.get("end")
        if start is not None and s.decision != s.Decision.REJECTED:
            spans.append((start, end, f"suggestion-{s.position}", "target", f"目标 {s.position}：{s}"))
    return render(
        request,
        "plans/draft_detail.html",
        {
            "draft": draft,
            "errors": errors,
            "suggestions": suggestions,
            "segments": segments_for(draft.source_text, spans),
            "comparators": Comparator.choices,
            "kinds": IndicatorKind.choices,
            "new_rows": range(3),
            "editable": draft.status == PlanDraft.Status.DRAFT,
            "issuer": request.POST.get("issuer") or f"{draft.department.name}人民政府办公室",
            "sections": draft.parsed.get("sections", []),
        },
    )
