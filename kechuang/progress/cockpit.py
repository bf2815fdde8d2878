"""The leaders' cockpit data: every target of the plan in force with actual, expected and status —
one source for the page, `GET /api/v1/cockpit` and `kechuang cockpit`."""

from collections import Counter
from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.core.cache import cache

from kechuang.audit.version import current as data_version
from kechuang.org.scope import home_paths, visible_to
from kechuang.plans.choices import TaskStatus
from kechuang.plans.export import plan_queryset
from kechuang.plans.models import Plan, Task

from .status import LABELS, plan_progress


def active_plan(user=None, with_tree: bool = True):
    """The plan in force: of those the user may see, the one of the department nearest to where they work
    (a district leader's district plan, not the province's they may also read; the province's for a
    province leader), else the latest issued. `with_tree=False` skips loading its programmes, indicators and
    targets — a cached cockpit does not need them."""
    plans = Plan.objects.filter(is_active=True)
    if user is not None:
        plans = visible_to(user, plans)
    candidates = list(plans.order_by("-issued_on", "-pk").values_list("pk", "department__path"))
    if not candidates:
        return None
    chosen = candidates[0][0]
    if user is not None:
        homes = home_paths(user)
        near = [(len(path), pk) for pk, path in candidates if path in homes]
        if near:
            chosen = max(near, key=lambda item: item[0])[1]  # the first of the deepest: the latest issued
    loaded = plan_queryset() if with_tree else Plan.objects.select_related("department").defer("source_text")
    return loaded.get(pk=chosen)


CACHE_SECONDS = 15 * 60  # a safety net only: a committed change retires the entry at once


def cockpit(plan, as_of: date, version: int | None = None) -> dict:
    """The cockpit of `plan` (or its id) on `as_of`, computed once per data version (audit/version.py) in
    each app process: leaders open it far more often than the registries change."""
    plan_id = getattr(plan, "pk", plan)
    version = data_version() if version is None else version
    key = f"cockpit:{plan_id}:{as_of.isoformat()}:{version}"
    return _cached(key, lambda: _cockpit(plan_queryset().get(pk=plan_id), as_of))


def _cached(key: str, compute: Callable):
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, CACHE_SECONDS)
    return found


def cockpit_for(user, as_of: date, rendered: tuple[str, Callable] | None = None):
    """The cockpit of the plan in force for `user` (None if there is none). Which plan that is depends on
    the user's grants and memberships, which are audited like everything else: it is cached under the
    same data version, so a signed-in leader's repeated view costs one query. With `rendered` = (name,
    render), the rendering of the cockpit (e.g. the API's JSON bytes) is what is cached and returned."""
    version = data_version()

    def plan_in_force():
        plan = active_plan(user, with_tree=False)
        return plan.pk if plan is not None else 0

    # with a read replica the version may lag the primary, where grants are read: a revoked grant must
    # take effect at once, so the plan is chosen afresh
    if "replica" in settings.DATABASES:
        plan_id = plan_in_force()
    else:
        plan_id = _cached(f"cockpit-plan:{user.pk}:{version}", plan_in_force)
    if not plan_id:
        return None
    if rendered is None:
        return cockpit(plan_id, as_of, version)
    name, render = rendered
    key = f"cockpit-{name}:{plan_id}:{as_of.isoformat()}:{version}"
    return _cached(key, lambda: render(cockpit(plan_id, as_of, version)))


def _cockpit(plan, as_of: date) -> dict:
    rows = plan_progress(plan, as_of, with_trajectory=True)
    by_programme = {}
    for programme in plan.programmes.all():
        by_programme[programme.number] = {
            "number": programme.number,
            "title": programme.title,
            "kind": programme.kind,
            "status_counts": Counter(),
            "targets": [],
        }
    for row in rows:
        item = row.as_dict()
        group = by_programme[item["programme"]]
        group["targets"].append(item)
        group["status_counts"][row.status] += 1
    programmes = []
    for group in by_programme.values():
        group["status_counts"] = {key: group["status_counts"].get(key, 0) for key in LABELS}
        programmes.append(group)
    return {
        "plan": {"id": plan.pk, "title": plan.title, "doc_number": plan.doc_number},
        "as_of": as_of.isoformat(),
        "status_labels": LABELS,
        "programmes": programmes,
        "indicators": [row.as_dict() for row in rows],
        "disagreements": sum(1 for row in rows if row.disagrees),
        "tasks": plan_tasks(plan, as_of),
    }


def plan_tasks(plan, as_of: date) -> list[dict]:
    """Every task of the plan with its status, deadline, lead and co-responsible units and whether it was
    overdue on `as_of` (past its deadline and not done by then) — three queries whatever the plan's size."""
    from django.urls import reverse

    tasks = (
        Task.objects.filter(programme__plan=plan)
        .select_related("programme", "lead_department")
        .prefetch_related("co_departments")
        .order_by("programme__number", "pk")
    )
    rows = []
    for task in tasks:
        done_by_then = task.status == TaskStatus.DONE and (
            task.completed_on is None or task.completed_on <= as_of
        )
        rows.append(
            {
                "id": task.pk,
                "code": task.code,
                "title": task.title,
                "programme": task.programme.number,
                "status": task.status,
                "status_label": task.get_status_display(),
                "deadline": task.deadline.isoformat() if task.deadline else None,
                "overdue": bool(
                    task.deadline
                    and task.deadline < as_of
                    and not done_by_then
                    and task.status != TaskStatus.CANCELLED
                ),
                "completed_on": task.completed_on.isoformat() if task.completed_on else None,
                "lead": task.lead_department.name,
                "co": [d.name for d in task.co_departments.all()],
                "url": reverse("plans:task", args=[task.pk]),
            }
        )
    return rows
