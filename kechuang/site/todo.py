"""我的待办: what this user must do now, gathered from every declared workflow's todos, the user's unread
reminders, the plan's overdue tasks in their charge and the targets gone red where they lead or oversee.
A new workflow appears here by declaring `todos` — nothing to add in this module."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.urls import reverse

from kechuang.org.roles import Capability
from kechuang.org.scope import has_capability
from kechuang.plans.choices import TaskStatus
from kechuang.plans.models import Task
from kechuang.workflow.engine import todos_for

RED = {"red", "deteriorating"}


@dataclass
class Entry:
    label: str
    count: int
    url: str | None = None
    items: list = field(default_factory=list)  # (text, url) pairs: the first few
    tone: str = ""  # "" / "warn" / "danger"


def _link(obj) -> str | None:
    getter = getattr(obj, "get_absolute_url", None)
    return getter() if callable(getter) else None


def my_todos(user, plan, today: date) -> list[Entry]:
    entries = [
        Entry(
            item.label,
            item.count,
            item.url,
            [(str(o), item.links[n] if item.links else _link(o)) for n, o in enumerate(item.objects)],
        )
        for item in todos_for(user)
    ]
    from kechuang.workflow.models import Notification

    unread = Notification.objects.filter(user=user, read_at__isnull=True).order_by("-created_at")
    count = unread.count()
    if count:
        entries.append(
            Entry(
                "未读提醒",
                count,
                reverse("progress:notifications"),
                [(n.title, n.url or None) for n in unread[:5]],
                "warn",
            )
        )
    if plan is not None:
        overdue = _overdue_tasks(user, plan, today)
        if overdue is not None:
            found = list(overdue[:5])
            total = overdue.count() if len(found) == 5 else len(found)
            if total:
                entries.append(
                    Entry(
                        "逾期未完成的任务",
                        total,
                        reverse("plans:detail", args=[plan.pk]),
                        [(f"{t.code} {t.title}（时限 {t.deadline:%Y-%m-%d}）", _link(t)) for t in found],
                        "danger",
                    )
                )
        red = _red_targets(user, plan, today)
        if red:
            entries.append(
                Entry(
                    "滞后或未达成的指标",
                    len(red),
                    reverse("progress:cockpit"),
                    [(_target_line(r), reverse("progress:cockpit")) for r in red[:5]],
                    "danger",
                )
            )
    return entries


def _target_line(row: dict) -> str:
    """A red target as the cockpit says it: its result once its year is over, its status before."""
    if row.get("final"):
        return f"{row['indicator']} {row['year']}年：{row.get('result_label') or '无数据'}（已到期）"
    return f"{row['indicator']} {row['year']}年：{row['status_label']}"


def _own_departments(user) -> list[int]:
    return list(user.memberships.values_list("department_id", flat=True))


def _overdue_tasks(user, plan, today: date):
    """A reporter's own unit's tasks (lead or co-responsible); the whole plan for those who review."""
    tasks = (
        Task.objects.filter(programme__plan=plan, deadline__lt=today)
        .exclude(status__in=[TaskStatus.DONE, TaskStatus.CANCELLED])
        .order_by("deadline", "code")
    )
    if _oversees(user):
        return tasks
    if has_capability(user, Capability.REPORT_PROGRESS):
        mine = _own_departments(user)
        from django.db.models import Q

        return tasks.filter(Q(lead_department__in=mine) | Q(co_departments__in=mine)).distinct()
    return None


def _red_targets(user, plan, today: date) -> list[dict]:
    """Targets gone red in the cockpit (read from its cache): all of them for leaders and the bureau,
    the unit's own for a reporter."""
    oversees = _oversees(user)
    reports = has_capability(user, Capability.REPORT_PROGRESS)
    if not (oversees or reports):
        return []
    from kechuang.progress.cockpit import cockpit_for

    data = cockpit_for(user, today)
    if not data:
        return []
    rows = [r for r in data["indicators"] if (r.get("status") or "") in RED]
    if oversees:
        return rows
    from kechuang.plans.models import Indicator

    led = set(
        Indicator.objects.filter(
            programme__plan=plan, lead_department__in=_own_departments(user)
        ).values_list("code", flat=True)
    )
    return [r for r in rows if r["indicator_code"] in led]


def _oversees(user) -> bool:
    """The bureau and the leaders follow the whole plan; a unit follows its own part."""
    return (
        has_capability(user, Capability.REVIEW_PROGRESS)
        or has_capability(user, Capability.CHANGE_PLAN)
        or _is_leader(user)
    )


def _is_leader(user) -> bool:
    from kechuang.org.roles import Role

    return user.grants.filter(role=Role.LEADER).exists()
