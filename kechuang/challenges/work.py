"""The lists carrying out a plan's tasks, for the plan's pages (`plans.work`): what the user may read of
them (`registries.readable_challenges`), one query for all the tasks at once."""

from __future__ import annotations

from kechuang.plans.work import WorkItem, register_work

from .models import Challenge, Status

TONES = {
    Status.DRAFT: "waiting",
    Status.SUBMITTED: "waiting",
    Status.RETURNED: "waiting",
    Status.ACCEPTED: "waiting",
    Status.REJECTED: "stopped",
    Status.PUBLISHED: "active",
    Status.REVIEW: "active",
    Status.PUBLICITY: "active",
    Status.SIGNED: "done",
}


def challenge_work(task_ids: list[int], user) -> dict[int, list[WorkItem]]:
    from .registries import readable_challenges

    found: dict[int, list[WorkItem]] = {}
    readable = readable_challenges(user, Challenge.objects.all()).values("pk")
    links = (
        Challenge.tasks.through.objects.filter(task_id__in=task_ids, challenge__in=readable)
        .select_related("challenge")
        .order_by("-challenge__year", "challenge__pk")
    )
    for link in links:
        challenge = link.challenge
        found.setdefault(link.task_id, []).append(
            WorkItem(
                kind="揭榜挂帅榜单",
                short_kind="榜单",
                title=f"{challenge.year}年 {challenge.title}",
                number=f"JB-{challenge.year}-{challenge.pk:03d}",
                state=challenge.get_status_display(),
                url=challenge.get_absolute_url(),
                tone=TONES.get(challenge.status, "waiting"),
            )
        )
    return found


def register() -> None:
    register_work(challenge_work)
