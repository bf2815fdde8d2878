"""The review pages beyond the kit's: the round's items, experts and figures (on the round's own page), the
bureau's two preparing steps (an item, the automatic assignment), and the expert's side — 我的评审 and the
score sheet of one assignment (the declaration first)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kechuang.org.roles import Capability
from kechuang.org.scope import get_visible_or_404, visible_to
from kechuang.web.access import require_capability
from kechuang.web.forms import run_action

from . import actions
from .forms import DeclarationForm, ReviewItemForm, ScoreSheetForm
from .models import Assignment, Declaration, ReviewRound, RoundStatus, ScoreSheet


def round_context(request, review_round, item_form=None) -> dict:
    """What the round's page shows beyond its facts: items with their experts and sheets, progress, and the
    figures once sheets are in."""
    items = list(
        review_round.items.select_related("discipline").prefetch_related(
            "assignments__expert", "assignments__sheet"
        )
    )
    rows = [a for item in items for a in item.assignments.all()]
    submitted = [a for a in rows if getattr(a, "sheet", None) is not None and a.sheet.submitted]
    figures, excluded = [], []
    if submitted:
        result = actions.results(review_round)
        titles = {item.pk: item for item in items}
        figures = [{"item": titles[r.id], "result": r} for r in result.items]
        names = {a.expert_id: a.expert.name for a in rows}
        excluded = [
            {"item": titles[e.item], "expert": names.get(e.expert, e.expert), "reason": e.reason}
            for e in result.excluded
        ]
    can_manage = actions.may_manage(request.user, review_round)
    preparing = review_round.status == RoundStatus.PREPARING
    return {
        "criteria": list(review_round.criteria.all()),
        "items": items,
        "assigned": len(rows),
        "submitted": len(submitted),
        "recused": sum(1 for a in rows if a.declaration == Declaration.RECUSED),
        "figures": figures,
        "excluded": excluded,
        "can_prepare": can_manage and preparing,
        "can_assign": can_manage and review_round.status in (RoundStatus.PREPARING, RoundStatus.OPEN),
        "item_form": item_form or (ReviewItemForm() if can_manage and preparing else None),
    }


def _round(request, pk):
    return get_visible_or_404(
        request.user, ReviewRound.objects.select_related("department"), Capability.MANAGE_REVIEWS, pk=pk
    )


@require_POST
@require_capability(Capability.MANAGE_REVIEWS)
def item_create(request, pk):
    review_round = _round(request, pk)
    form = ReviewItemForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        item = run_action(
            form,
            actions.add_item,
            request.user,
            review_round,
            title=d["title"],
            discipline=d["discipline"],
            organisations=d["organisations"],
        )
        if item is not None:
            messages.success(request, f"已加入评审项目：{item.title}")
            return redirect(review_round)
    from kechuang.web.registry import get_registry

    registry = get_registry("review-rounds")
    return render(
        request,
        registry.detail_template,
        {
            "obj": review_round,
            "registry": registry,
            "label": registry.verbose_name,
            **round_context(request, review_round, item_form=form),
        },
        status=400,
    )


@require_POST
@require_capability(Capability.MANAGE_REVIEWS)
def auto_assign(request, pk):
    review_round = _round(request, pk)
    try:
        result = actions.auto_assign(request.user, review_round)
    except actions.ActionRefused as exc:
        messages.error(request, str(exc))
        return redirect(review_round)
    messages.success(request, f"已自动分配 {len(result.added)} 人次。")
    titles = dict(review_round.items.values_list("pk", "title"))
    for item_id, why in result.short.items():
        messages.warning(request, f"“{titles.get(item_id, item_id)}”：{why}")
    if not result.balanced and result.unbalanced:
        messages.warning(
            request,
            f"受评审领域所限，{len(result.unbalanced)} 位专家的评审数量超出平均范围（{result.min_load}—{result.max_load} 项）。",
        )
    return redirect(review_round)


# --- the expert's side ----------------------------------------------------------------------------


STATE_LABELS = {
    "pending": "待声明",
    "recused": "已回避",
    "todo": "待评分",
    "draft": "已暂存",
    "submitted": "已提交",
}


def state_of(assignment) -> str:
    if assignment.declaration == Declaration.PENDING:
        return "pending"
    if assignment.declaration == Declaration.RECUSED:
        return "recused"
    sheet = getattr(assignment, "sheet", None)
    if sheet is None:
        return "todo"
    return "submitted" if sheet.submitted else "draft"


@require_capability(Capability.SCORE_REVIEWS)
def mine(request):
    rows = (
        visible_to(request.user, Assignment.objects.all(), Capability.SCORE_REVIEWS)
        .filter(item__round__status__in=[RoundStatus.OPEN, RoundStatus.CLOSED, RoundStatus.FINISHED])
        .select_related("item__round", "item__discipline", "sheet")
        .order_by("item__round__deadline", "item__pk")
    )
    assignments = [{"a": a, "state": state_of(a), "label": STATE_LABELS[state_of(a)]} for a in rows]
    done = {"submitted", "recused"}
    assignments.sort(key=lambda row: (row["state"] in done, row["a"].item.round.deadline))  # work to do first
    return render(request, "reviews/mine.html", {"assignments": assignments})


@require_capability(Capability.SCORE_REVIEWS)
def sheet(request, pk):
    assignment = get_visible_or_404(
        request.user,
        Assignment.objects.select_related("item__round", "item__discipline", "expert"),
        Capability.SCORE_REVIEWS,
        pk=pk,
    )
    review_round = assignment.item.round
    criteria = list(review_round.criteria.all())
    stored = ScoreSheet.objects.filter(assignment=assignment).first()
    declaration_form = DeclarationForm(request.POST if request.POST.get("step") == "declare" else None)
    sheet_form = ScoreSheetForm(
        request.POST if request.POST.get("step") == "score" else None, criteria=criteria, sheet=stored
    )
    if request.method == "POST" and request.POST.get("step") == "declare" and declaration_form.is_valid():
        d = declaration_form.cleaned_data
        if (
            run_action(
                declaration_form,
                actions.declare,
                request.user,
                assignment,
                conflict=d["conflict"],
                note=d["note"],
            )
            is None
            and not declaration_form.errors
        ):
            messages.success(request, "已声明回避。" if d["conflict"] else "已声明无利益冲突，请评分。")
            return redirect("reviews:sheet", assignment.pk)
    if request.method == "POST" and request.POST.get("step") == "score" and sheet_form.is_valid():
        d = sheet_form.cleaned_data
        submit = request.POST.get("submit") == "1"
        saved = run_action(
            sheet_form,
            actions.save_sheet,
            request.user,
            assignment,
            scores={c.key: d.get(c.key, "") for c in criteria},
            comment=d["comment"],
            recommendation=d["recommendation"],
            submit=submit,
        )
        if saved is not None:
            messages.success(request, "评分表已提交，不能再修改。" if submit else "评分已暂存，可继续修改。")
            return redirect("reviews:sheet", assignment.pk)
    stored = ScoreSheet.objects.filter(assignment=assignment).first()
    peers = []
    if stored is not None and stored.submitted and review_round.peers_visible:
        others = (
            ScoreSheet.objects.filter(assignment__item=assignment.item)
            .exclude(submitted_at=None)
            .exclude(pk=stored.pk)
        )
        peers = [s.scores for s in others.order_by("pk")]
    return render(
        request,
        "reviews/sheet.html",
        {
            "assignment": assignment,
            "round": review_round,
            "item": assignment.item,
            "criteria": criteria,
            "state": state_of(Assignment.objects.select_related("sheet").get(pk=assignment.pk)),
            "stored": stored,
            "declaration_form": declaration_form,
            "sheet_form": sheet_form,
            "peers": peers,
        },
        status=400 if request.method == "POST" else 200,
    )
