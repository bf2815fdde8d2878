"""From accepted applications to a ranking: a call's applications go to expert review (the review app,
`kechuang/reviews`), and the call's page reads the round's figures back.

Experts stand aside (aggregate: `same_organisation`) for every organisation of the application — the
applicant, its co-applicants — and for the applicant's past partners in the registry: the organisations
that applied together with it (either way round) in earlier projects.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q

from kechuang.org.actions import ActionRefused
from kechuang.reviews import actions as reviews
from kechuang.reviews.aggregate import ItemResult
from kechuang.reviews.models import ReviewItem, ReviewRound, RoundKind

from .models import Call, CallStatus, CoApplicant, Project, Status

# The usual criteria of a district's project review (weights sum to 1, each scored 0–100); the bureau
# changes them on the round's page while it is being prepared.
DEFAULT_CRITERIA = [
    ("技术先进性与创新性", "0.30", "100"),
    ("实施方案可行性", "0.25", "100"),
    ("经济社会效益", "0.20", "100"),
    ("承担单位基础与团队", "0.15", "100"),
    ("预算合理性", "0.10", "100"),
]


def organisations_of(project: Project) -> list[str]:
    """The applicant, the co-applicants, and the organisations that applied with the applicant before."""
    own = [project.applicant, *(c.name for c in project.co_applicants.all())]
    earlier = Project.objects.exclude(pk=project.pk)
    if project.enterprise_id:
        mine = earlier.filter(enterprise_id=project.enterprise_id)
        beside = Q(co_applicants__enterprise_id=project.enterprise_id)
    else:
        mine = earlier.filter(enterprise=None, unit_name=project.unit_name)
        beside = Q(co_applicants__name=project.unit_name)
    partners = set(CoApplicant.objects.filter(project__in=mine).values_list("name", flat=True))
    for name, unit in earlier.filter(beside).values_list("enterprise__name", "unit_name").distinct():
        partners.add(name or unit)
    seen, result = set(), []
    for name in [*own, *sorted(partners)]:
        if name and name not in seen:
            seen.add(name)
            result.append(name)
    return result


def rounds_of(call: Call):
    """The review rounds holding this call's applications, newest first."""
    project_type = ContentType.objects.get_for_model(Project)
    return (
        ReviewRound.objects.filter(
            items__content_type=project_type, items__object_id__in=call.applications.values("pk")
        )
        .distinct()
        .order_by("-pk")
    )


def send_to_review(
    acting_user, call: Call, *, deadline, experts_per_item: int = 5, criteria=None, blind: bool = False
) -> ReviewRound:
    """A 立项评审 round over the call's accepted applications not under review yet (the bureau then assigns
    experts and opens it on the round's page)."""
    if call.status == CallStatus.DRAFT:
        raise ActionRefused("申报指南尚未发布。")
    project_type = ContentType.objects.get_for_model(Project)
    reviewed = ReviewItem.objects.filter(content_type=project_type).values("object_id")
    waiting = list(
        call.applications.filter(status=Status.ACCEPTED)
        .exclude(pk__in=reviewed)
        .select_related("enterprise", "discipline")
        .prefetch_related("co_applicants")
        .order_by("number")
    )
    if not waiting:
        raise ActionRefused("没有待评审的已受理申报：先完成形式审查（受理）。")
    unfielded = [p.number for p in waiting if p.discipline_id is None]
    if unfielded:
        raise ActionRefused(f"以下申报未填写评审领域，无法匹配专家：{'、'.join(unfielded)}。")
    with transaction.atomic():
        review_round = reviews.save_round(
            acting_user,
            None,
            criteria=criteria or DEFAULT_CRITERIA,
            reason=f"组织“{call.title}”立项评审",
            title=f"{call.title}立项评审",
            kind=RoundKind.APPLICATION,
            department=call.department,
            deadline=deadline,
            experts_per_item=experts_per_item,
            blind=blind,
        )
        for project in waiting:
            reviews.add_item(
                acting_user,
                review_round,
                title=f"{project.number} {project.name}"[:200],
                discipline=project.discipline,
                organisations=organisations_of(project),
                target=project,
            )
    return review_round


@dataclass(frozen=True)
class Ranked:
    project: Project
    figure: ItemResult  # n, mean, trimmed, zscore, spread, disagreement, rank (docs/REVIEW.md)


def ranking(review_round: ReviewRound) -> list[Ranked]:
    """The round's applications in rank order with their figures (unranked ones last)."""
    result = reviews.results(review_round)
    targets = dict(review_round.items.values_list("pk", "object_id"))  # item → project id
    projects = Project.objects.select_related("enterprise").in_bulk(targets.values())
    return [
        Ranked(projects[targets[figure.id]], figure)
        for figure in result.items
        if targets.get(figure.id) in projects
    ]
