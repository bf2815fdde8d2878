"""Every change to the expert pool."""

from django.db import transaction

from kechuang.core.context import audit_context
from kechuang.org.actions import ActionRefused
from kechuang.org.roles import Capability
from kechuang.org.scope import may_act_on

from .models import DeclaredConflict, Expert


def _may_change(user, expert: Expert) -> bool:
    return may_act_on(user, expert, Capability.CHANGE_EXPERTS)


def save_expert(
    acting_user, expert: Expert | None, *, reason: str = "", disciplines=None, **fields
) -> Expert:
    """Add (expert None) or update an expert of the pool; the user needs `experts.change` over the
    managing unit — the one it has now and the one it is given. `disciplines`: the fields (Discipline
    rows), at least one."""
    if expert is None:
        expert = Expert(**fields)
    else:
        if not _may_change(acting_user, expert):
            raise ActionRefused("您没有修改该专家信息的权限。")
        for name, value in fields.items():
            setattr(expert, name, value)
    department = expert.department if expert.department_id else None
    if department is not None and not may_act_on(acting_user, department, Capability.CHANGE_EXPERTS):
        raise ActionRefused(f"您没有在“{department.name}”管理专家的权限。")
    chosen = list(disciplines) if disciplines is not None else None
    if chosen is not None and not chosen:
        from django.core.exceptions import ValidationError

        raise ValidationError({"disciplines": "至少选择一个评审领域。"})
    expert.full_clean()  # names a missing organisation, a paused expert without a reason, a wrong account
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        expert.save()
        if chosen is not None and set(expert.disciplines.all()) != set(chosen):
            expert.disciplines.set(chosen)
    return expert


def declare_conflict(acting_user, expert: Expert, *, organisation: str, reason: str) -> DeclaredConflict:
    """The expert (or the bureau for them) declares an organisation they must not review."""
    own = expert.user_id is not None and expert.user_id == acting_user.pk
    if not own and not _may_change(acting_user, expert):
        raise ActionRefused("您没有为该专家申报回避的权限。")
    conflict = DeclaredConflict(expert=expert, organisation=organisation.strip(), reason=reason.strip())
    conflict.full_clean()
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        conflict.save()
    return conflict


# --- review rounds --------------------------------------------------------------------------------


def may_manage(user, review_round) -> bool:

    return may_act_on(user, review_round, Capability.MANAGE_REVIEWS)


def _managing(user, review_round) -> None:
    if not may_manage(user, review_round):
        raise ActionRefused("您没有管理该评审轮次的权限。")


def _preparing(review_round, what: str) -> None:
    from .models import RoundStatus

    if review_round.status != RoundStatus.PREPARING:
        raise ActionRefused(f"评审轮次“{review_round}”已{review_round.status}，不能再{what}。")


def save_round(acting_user, review_round, *, reason: str = "", criteria=None, **fields):
    """Create (review_round None) or update a round; `criteria`: [(name, weight, max)] replacing the
    round's criteria — only while it is being prepared (sheets are scored against them)."""
    from decimal import Decimal

    from django.core.exceptions import ValidationError

    from .models import Criterion, ReviewRound

    if review_round is None:
        review_round = ReviewRound(**fields)
    else:
        _managing(acting_user, review_round)
        for name, value in fields.items():
            setattr(review_round, name, value)
    department = review_round.department if review_round.department_id else None
    if department is not None and not may_act_on(acting_user, department, Capability.MANAGE_REVIEWS):
        raise ActionRefused(f"您没有以“{department.name}”名义组织评审的权限。")
    review_round.full_clean()
    if criteria is not None:
        criteria = list(criteria)
        total = sum((Decimal(w) for _, w, _ in criteria), Decimal(0))
        if not criteria:
            raise ValidationError({"criteria": "至少一个评分项。"})
        if total != 1:
            raise ValidationError({"criteria": f"各评分项权重之和应为 1（现为 {total.normalize():f}）。"})
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        review_round.save()
        if criteria is not None:
            current = [(c.name, c.weight, c.max_score) for c in review_round.criteria.all()]
            wanted = [(n, Decimal(w), Decimal(m)) for n, w, m in criteria]
            if current != wanted:
                _preparing(review_round, "修改评分项")
                review_round.criteria.all().delete()
                for order, (name, weight, top) in enumerate(wanted, start=1):
                    Criterion.objects.create(
                        round=review_round,
                        key=f"c{order}",
                        name=name,
                        weight=weight,
                        max_score=top,
                        order=order,
                    )
    return review_round


def add_item(acting_user, review_round, *, title: str, discipline, organisations=(), target=None):
    """Put a record (an application, an acceptance …) or a plain title under review in the round."""
    from django.contrib.contenttypes.models import ContentType

    from .models import ReviewItem

    _managing(acting_user, review_round)
    _preparing(review_round, "增加评审项目")
    item = ReviewItem(
        round=review_round,
        title=title,
        discipline=discipline,
        organisations=[o.strip() for o in organisations if o and o.strip()],
        content_type=ContentType.objects.get_for_model(target) if target is not None else None,
        object_id=target.pk if target is not None else None,
    )
    item.full_clean()
    with audit_context(actor=acting_user), transaction.atomic():
        item.save()
    return item


def _pool_experts(review_round):
    """The round's candidates: every expert of the pool within the organising unit's reach."""
    return Expert.objects.filter(
        department__path__startswith=review_round.department.path[:8]
    ).prefetch_related("disciplines", "conflicts")


def eligibility_inputs(review_round):
    """The round as the assignment sees it: (items, experts, existing pairs) — declared conflicts of an
    expert with any organisation of an item and recusals made count as conflicts."""
    from . import assign as assignment
    from .aggregate import normalise_organisation
    from .models import Assignment, Declaration

    experts = list(_pool_experts(review_round))
    declared = {e.pk: {normalise_organisation(c.organisation) for c in e.conflicts.all()} for e in experts}
    rows = Assignment.objects.filter(item__round=review_round).values_list(
        "item_id", "expert_id", "declaration"
    )
    recused = {(i, e) for i, e, d in rows if d == Declaration.RECUSED}
    existing = [(i, e) for i, e, d in rows if d != Declaration.RECUSED]
    items = []
    for item in review_round.items.select_related("discipline"):
        organisations = {normalise_organisation(o) for o in item.organisations}
        conflicts = {e.pk for e in experts if declared[e.pk] & organisations}
        conflicts |= {e for i, e in recused if i == item.pk}
        items.append(
            assignment.Item(item.pk, item.discipline.name, tuple(item.organisations), frozenset(conflicts))
        )
    pool = [
        assignment.Expert(e.pk, tuple(d.name for d in e.disciplines.all()), e.organisation, e.available)
        for e in experts
    ]
    return items, pool, existing


def auto_assign(acting_user, review_round, *, seed: int = 0):
    """Assign experts to every open place of the round (matched on field, balanced, conflicts excluded —
    kechuang/reviews/assign.py); manual assignments stay. While the round is open it refills the places
    of experts who recused. Returns the assignment's result (short items
    and any imbalance, to show)."""
    from . import assign as assignment
    from .models import Assignment, RoundStatus

    _managing(acting_user, review_round)
    if review_round.status not in (RoundStatus.PREPARING, RoundStatus.OPEN):  # open: refills recused places
        raise ActionRefused(f"评审轮次“{review_round}”已{review_round.status}，不能再分配专家。")
    items, pool, existing = eligibility_inputs(review_round)
    result = assignment.assign(items, pool, review_round.experts_per_item, existing=existing, seed=seed)
    from kechuang.audit.recording import record_bulk

    with audit_context(actor=acting_user, reason="自动分配评审专家"), transaction.atomic():
        created = Assignment.objects.bulk_create(
            [Assignment(item_id=i, expert_id=e, source=Assignment.Source.AUTO) for i, e in result.added]
        )
        record_bulk(
            Assignment.objects.filter(pk__in=[a.pk for a in created]).select_related(
                "item__round__department", "expert"
            ),
            "create",
        )
    return result


def assign_manually(acting_user, item, expert: Expert, *, reason: str):
    """The bureau puts an expert on an item by hand (a reason is required); conflicts are still refused."""
    from . import assign as assignment
    from .models import Assignment

    _managing(acting_user, item.round)
    if not reason.strip():
        raise ActionRefused("人工指定专家须填写原因。")
    items, pool, _ = eligibility_inputs(item.round)
    candidate = next((x for x in pool if x.id == expert.pk), None)
    target = next(x for x in items if x.id == item.pk)
    refusal = (
        "该专家不在本轮可选专家范围内" if candidate is None else assignment.ineligibility(target, candidate)
    )
    if refusal:
        raise ActionRefused(f"不能指定 {expert.name}：{refusal}。")
    if Assignment.objects.filter(item=item, expert=expert).exists():
        raise ActionRefused(f"{expert.name} 已分配到“{item.title}”。")
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        return Assignment.objects.create(
            item=item, expert=expert, source=Assignment.Source.MANUAL, reason=reason
        )


def remove_assignment(acting_user, assignment_row, *, reason: str) -> None:
    """Take an expert off an item before the round opens (a reason is required)."""
    _managing(acting_user, assignment_row.item.round)
    _preparing(assignment_row.item.round, "调整专家")
    if not reason.strip():
        raise ActionRefused("调整专家须填写原因。")
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        assignment_row.delete()


# --- the expert's side ----------------------------------------------------------------------------


def _own(acting_user, assignment_row) -> None:
    if not Expert.objects.filter(pk=assignment_row.expert_id, user_id=acting_user.pk).exists():
        raise ActionRefused("只有被分配的专家本人才能声明或评分。")


def _scoring_open(assignment_row) -> None:
    from django.utils import timezone

    from .models import RoundStatus

    review_round = assignment_row.item.round
    if review_round.status != RoundStatus.OPEN:
        raise ActionRefused(f"评审轮次“{review_round}”{review_round.status}，不能评分。")
    if timezone.localdate() > review_round.deadline:
        raise ActionRefused(f"评审已于 {review_round.deadline:%Y年%m月%d日} 截止，不能再提交评分表。")


def declare(acting_user, assignment_row, *, conflict: bool, note: str = "") -> None:
    """The expert declares, before seeing the item, that they have no conflict — or recuse with a reason
    (the bureau then assigns someone else)."""
    from django.utils import timezone

    from .models import Declaration

    _own(acting_user, assignment_row)
    _scoring_open(assignment_row)
    if assignment_row.declaration != Declaration.PENDING:
        raise ActionRefused(f"您已声明“{assignment_row.declaration}”。")
    if conflict and not note.strip():
        raise ActionRefused("回避须说明原因（如：与申报单位有合作关系）。")
    assignment_row.declaration = Declaration.RECUSED if conflict else Declaration.NONE
    assignment_row.declaration_note = note.strip() if conflict else ""
    assignment_row.declared_at = timezone.now()
    with audit_context(actor=acting_user, reason=note), transaction.atomic():
        assignment_row.save(update_fields=["declaration", "declaration_note", "declared_at"])


def save_sheet(
    acting_user, assignment_row, *, scores: dict, comment: str = "", recommendation: str = "", submit=False
):
    """Save (or submit: then locked) the expert's score sheet. Every criterion between 0 and its maximum;
    a submitted sheet needs every score and a recommendation."""
    from decimal import Decimal, InvalidOperation

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from .models import Declaration, ScoreSheet

    _own(acting_user, assignment_row)
    _scoring_open(assignment_row)
    if assignment_row.declaration != Declaration.NONE:
        raise ActionRefused("请先声明与该项目无利益冲突，再评分。")
    sheet = ScoreSheet.objects.filter(assignment=assignment_row).first() or ScoreSheet(
        assignment=assignment_row
    )
    if sheet.submitted:
        raise ActionRefused("评分表已提交，不能修改。")
    errors, clean = {}, {}
    for criterion in assignment_row.item.round.criteria.all():
        raw = scores.get(criterion.key)
        if raw in (None, ""):
            if submit:
                errors[criterion.key] = f"“{criterion.name}”未评分。"
            continue
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            errors[criterion.key] = f"“{criterion.name}”的得分“{raw}”不是数字。"
            continue
        if not value.is_finite() or not 0 <= value <= criterion.max_score:
            errors[criterion.key] = (
                f"“{criterion.name}”的得分 {raw} 超出 0—{criterion.max_score.normalize():f} 的范围。"
            )
            continue
        clean[criterion.key] = format(value.normalize(), "f")  # exact, as typed: "80", "7.5"
    if submit and not recommendation:
        errors["recommendation"] = "提交前请选择评审结论。"
    if errors:
        raise ValidationError(errors)
    sheet.scores, sheet.comment, sheet.recommendation = clean, comment.strip(), recommendation
    if submit:
        sheet.submitted_at = timezone.now()
    sheet.full_clean(exclude=["assignment"])
    with audit_context(actor=acting_user), transaction.atomic():
        sheet.save()
    return sheet


# --- results ---------------------------------------------------------------------------------------


def results(review_round):
    """The round's figures from its submitted sheets (kechuang/reviews/aggregate.py, docs/REVIEW.md): the
    conflicts are those of the experts assigned (declared ones, and recusals), not of the whole pool."""
    from decimal import Decimal

    from . import aggregate
    from .aggregate import normalise_organisation
    from .models import Assignment, Declaration, DeclaredConflict, ScoreSheet

    rows = list(Assignment.objects.filter(item__round=review_round).select_related("expert"))
    experts = {a.expert_id: aggregate.Expert(a.expert_id, a.expert.organisation) for a in rows}
    declared: dict[int, set[str]] = {pk: set() for pk in experts}
    for expert_id, organisation in DeclaredConflict.objects.filter(expert_id__in=experts).values_list(
        "expert_id", "organisation"
    ):
        declared[expert_id].add(normalise_organisation(organisation))
    recused = {(a.item_id, a.expert_id) for a in rows if a.declaration == Declaration.RECUSED}
    review_items = []
    for item in review_round.items.all():
        organisations = {normalise_organisation(o) for o in item.organisations}
        conflicts = {e for e in experts if declared[e] & organisations}
        conflicts |= {e for i, e in recused if i == item.pk}
        review_items.append(aggregate.Item(item.pk, tuple(item.organisations), tuple(sorted(conflicts))))
    sheets = [
        aggregate.Sheet(
            s.assignment.expert_id, s.assignment.item_id, {k: Decimal(v) for k, v in s.scores.items()}
        )
        for s in ScoreSheet.objects.filter(assignment__item__round=review_round)
        .exclude(submitted_at=None)
        .select_related("assignment")
        if (s.assignment.item_id, s.assignment.expert_id) not in recused
    ]
    criteria = [aggregate.Criterion(c.key, c.weight, c.max_score) for c in review_round.criteria.all()]
    return aggregate.aggregate(
        criteria,
        list(experts.values()),
        review_items,
        sheets,
        method=review_round.method,
        threshold=review_round.disagreement_threshold,
    )
