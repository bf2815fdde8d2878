"""After 签约, on the list's page: the 任务书's milestones checked (通过 / 调整 / 终止 — `contracts.check_milestone`,
which arranges each passed milestone's payments, split between the need's owner and the district), the
acceptance recorded (`acceptance.py`: the application, its evidence, the verdict) and the payments arranged
and paid (`payments.py`, which refuses any payment beyond the agreed split)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from kechuang.org.actions import ActionRefused
from kechuang.projects import acceptance, payments
from kechuang.projects.models import AcceptanceStatus, Milestone, Payment

from .models import Challenge


def project_of(challenge: Challenge):
    if challenge.project_id is None:
        raise ActionRefused("榜单尚未签约。")
    return challenge.project


def milestone_of(challenge: Challenge, pk) -> Milestone:
    project = project_of(challenge)
    found = (
        Milestone.objects.filter(task_book__project=project, pk=pk)
        .select_related("task_book__project")
        .first()
    )
    if found is None:
        raise ActionRefused("该里程碑不属于本榜单的任务书。")
    return found


def payment_of(challenge: Challenge, pk) -> Payment:
    found = Payment.objects.filter(project=project_of(challenge), pk=pk).first()
    if found is None:
        raise ActionRefused("该拨付不属于本榜单的项目。")
    return found


def record_acceptance(
    acting_user, challenge: Challenge, *, summary: str, spent, upload, decided_on=None, comment=""
):
    """结题验收 as the bureau records it: the application (each indicator reached), its evidence, and 通过
    — the project 结题 — in one transaction."""
    project = project_of(challenge)
    with transaction.atomic():
        found = acceptance.start(acting_user, project)
        indicators = {i.pk: Decimal("1") for i in project.task_book.indicators.all()}
        acceptance.save(acting_user, found, summary=summary, spent=spent, achieved=indicators)
        acceptance.add_evidence(acting_user, found, upload=upload)
        found = acceptance.apply(acting_user, found)
        return acceptance.decide(
            acting_user,
            found,
            AcceptanceStatus.PASSED,
            comment=comment or "揭榜挂帅项目验收通过",
            decided_on=decided_on,
        )


def arrange(acting_user, challenge: Challenge, **fields) -> Payment:
    return payments.arrange(acting_user, project_of(challenge), **fields)
