"""落实情况: the records that carry out a plan's tasks — calls, projects, challenges — as the task's page and
the cockpit's task list show them.

The plans layer sits below the apps that keep those records. Each such app registers a provider here
(`register_work`, in its AppConfig.ready): a callable `(task_ids, user) → {task id: [WorkItem, …]}` that
answers for all the tasks at once in a fixed number of queries, and only with the records `user` may read.
The plan pages ask `work_for(tasks, user)`, which merges the providers' answers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kechuang.org.roles import Capability
from kechuang.org.scope import visible_to

from .models import Task

# a state's colour on the pages: the task statuses' badges
TONE_CLASSES = {
    "active": "status-in_progress",
    "done": "status-done",
    "late": "status-delayed",
    "stopped": "status-delayed",
    "waiting": "",
}
TONES = tuple(TONE_CLASSES)


@dataclass(frozen=True)
class WorkItem:
    kind: str  # what the record is: 申报指南, 科技项目 …
    title: str
    number: str
    state: str  # the record's state as its app names it: 在研, 结题 …
    url: str
    tone: str = "active"  # one of TONES
    short_kind: str = ""  # the kind where room is short (a task list): 指南, 项目

    @property
    def css(self) -> str:
        """The badge's class on the pages."""
        return TONE_CLASSES.get(self.tone, "")


Provider = Callable[[list[int], object], dict[int, list[WorkItem]]]
_providers: list[Provider] = []


def register_work(provider: Provider) -> Provider:
    """Register `provider` (usable as a decorator); registering the same one twice keeps one."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def _ids(tasks: Iterable) -> list[int]:
    return [getattr(task, "pk", task) for task in tasks]


def work_for(tasks: Iterable, user) -> dict[int, list[WorkItem]]:
    """The records carrying out each of `tasks` (Task objects or ids) that `user` may read, by task id —
    every provider's, in the order they registered; a task without any is missing from the answer."""
    ids = _ids(tasks)
    merged: dict[int, list[WorkItem]] = {}
    if not ids:
        return merged
    for provider in _providers:
        for task_id, items in provider(ids, user).items():
            merged.setdefault(task_id, []).extend(items)
    return merged


@dataclass(frozen=True)
class KindSummary:
    kind: str
    count: int
    states: list[tuple[str, int, str]]  # (state, count, tone), the most frequent first
    short_kind: str = ""

    def __str__(self) -> str:
        """“科技项目 12 项：在研 8、结题 3、终止 1”."""
        return f"{self.kind} {self.count} 项：" + "、".join(f"{state} {n}" for state, n, _ in self.states)

    @property
    def short(self) -> str:
        """“项目 12（在研 8·结题 3·终止 1）”, as a task list has room for."""
        return (
            f"{self.short_kind or self.kind} {self.count}（"
            + "·".join(f"{state} {n}" for state, n, _ in self.states)
            + "）"
        )


def summarize(items: Iterable[WorkItem]) -> list[KindSummary]:
    """The items counted by kind (in the order they first appear) and, within a kind, by state."""
    by_kind: dict[str, Counter] = {}
    tones: dict[tuple[str, str], str] = {}
    shorts: dict[str, str] = {}
    for item in items:
        by_kind.setdefault(item.kind, Counter())[item.state] += 1
        tones.setdefault((item.kind, item.state), item.tone)
        shorts.setdefault(item.kind, item.short_kind)
    return [
        KindSummary(
            kind,
            sum(counts.values()),
            [(state, n, tones[(kind, state)]) for state, n in counts.most_common()],
            shorts[kind],
        )
        for kind, counts in by_kind.items()
    ]


def plan_tasks(user, current=()):
    """The plan tasks a call or project can be linked to: those of the plans `user` sees, plus the ones it
    already has (ids; a current link outside the user's plans stays when the form is saved unchanged)."""
    visible = visible_to(user, Task.objects.all(), Capability.VIEW_PLAN)
    return (
        (visible | Task.objects.filter(pk__in=list(current)))
        .distinct()
        .order_by(
            "programme__plan__department__path", "-programme__plan__issued_on", "programme__number", "pk"
        )
    )


def task_codes(record) -> str:
    """The codes of the plan's tasks a call or project carries out: “3.2；3.4”."""
    return "；".join(task.code for task in sorted(record.tasks.all(), key=lambda t: (t.programme_id, t.pk)))
