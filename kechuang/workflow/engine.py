"""One mechanism for every object that moves through states.

A model declares its workflow as data beside its fields:

    workflow = Workflow(
        states=Status,
        transitions=[
            Transition("approve", "立项", source=[Status.ACCEPTED], target=Status.APPROVED,
                       capability=Capability.CHANGE_PROJECTS),
            ...
        ],
        todos=[Todo(Status.SUBMITTED, "待审核的报告", capability=Capability.REVIEW_PROGRESS)],
    )

`perform(obj, name, acting_user, comment=…, changes=…)` runs a transition: it checks the state, the
capability over this very object (scope included) and the transition's own condition, then in one
transaction writes the new state as a compare-and-set (`UPDATE … WHERE state = <the state the user
saw>`), so of two concurrent clicks one wins and the other is told the record has moved on; it writes
the audit entry (before/after), appends an `Event` to the object's thread and schedules the
transition's after-commit hooks (notifications). Nothing else writes a workflow's state field.

`todos_for(user)` lists, over every declared workflow, the objects waiting for this user — the home
page's 我的待办 is built from it, so a new workflow appears there without code of its own.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction

from kechuang.audit.recording import record_change
from kechuang.audit.snapshots import diff, snapshot
from kechuang.core.context import audit_context, current
from kechuang.org.actions import ActionRefused
from kechuang.org.scope import has_capability, visible_to

from .models import Event

ANY = "*"


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    source: Sequence[str]  # the states it may start from (ANY: every state but the target)
    target: str
    capability: str | None = None  # needed over the object itself (scope included); None: anyone who sees it
    comment_required: bool = False
    # Extra condition: (obj, user) → a Chinese refusal, or None when allowed (owner checks, deadlines);
    # a callable or its dotted path.
    allowed: Callable | str | None = None
    # (obj, event) → None, each run after the transaction commits (notifications, e-mail). Hooks are
    # callables or their dotted paths: a model declares what runs without importing the actions that
    # import it.
    after_commit: Sequence[Callable | str] = ()
    # (obj, event) → None, run inside the transaction once the state is written (writing to a ledger,
    # queueing a task: the task backends themselves start work only once the transaction commits).
    then: Sequence[Callable | str] = ()
    # Who runs it: "user" (a button of the object's 办理 panel, through the one transition view),
    # "page" (a user's, but from the object's own page, which asks for more than a form — an import's
    # mode) or "system" (a background task). Only "user" transitions are offered as panel buttons.
    by: str = "user"
    # Shown in red and asks for confirmation: a transition back out of a final state.
    reopen: bool = False
    # A form class (or its dotted path) whose cleaned fields become changes written with the state
    # (e.g. 立项日期 and 资助金额).
    form: type | str | None = None
    # Fixed changes written with the state (e.g. a reopened project loses its 结题日期).
    sets: dict | None = None
    # A field set to the acting user (e.g. the new owner of an import job taken over).
    sets_actor: str | None = None

    def form_class(self):
        if isinstance(self.form, str):
            from django.utils.module_loading import import_string

            return import_string(self.form)
        return self.form

    def starts_from(self, state: str) -> bool:
        if ANY in self.source:
            return state != self.target
        return state in self.source


@dataclass(frozen=True)
class Todo:
    """Objects in `state` wait for users holding `capability` over them (narrowed by `narrow(user, qs)`)."""

    state: str
    label: str
    capability: str | None = None
    narrow: Callable | str | None = None  # or its dotted path
    url: Callable | None = None  # (user) → the list page to open; default: the single object's page
    link: Callable | str | None = None  # (obj) → where to act on one object; default: its own page


@dataclass
class Workflow:
    states: type[models.TextChoices]
    transitions: Sequence[Transition]
    field: str = "status"
    todos: Sequence[Todo] = ()
    # Run the model's full_clean() on the object as it would be after the transition.
    validate: bool = True
    # who may see an object's thread and act on it at all (besides its scope): a capability, or a
    # function of the object naming one (an import job: its sheet's); None: the scope alone
    view_capability: str | Callable | None = None
    model: type[models.Model] | None = dataclass_field(default=None, init=False)

    def __post_init__(self):
        names = [t.name for t in self.transitions]
        if len(names) != len(set(names)):
            raise ValueError(f"重复的流程操作：{names}")
        values = set(self.states.values)
        for t in self.transitions:
            bad = [s for s in (*t.source, t.target) if s != ANY and s not in values]
            if bad:
                raise ValueError(f"流程操作“{t.name}”使用了未定义的状态：{bad}")

    def contribute_to_class(self, cls, name):
        self.model = cls
        setattr(cls, name, self)
        _WORKFLOWS.append(self)

    def transition(self, name: str) -> Transition:
        for t in self.transitions:
            if t.name == name:
                return t
        raise ActionRefused(f"未知的操作“{name}”。")

    def label(self, state: str) -> str:
        try:
            return str(self.states(state).label)
        except ValueError:
            return state

    def state_of(self, obj) -> str:
        return getattr(obj, self.field)

    def hidden_from(self, obj, user) -> bool:
        """Whether `user` lacks the capability to see `obj` (it then answers as missing)."""
        capability = self.capability_for(obj)
        return bool(capability) and not has_capability(user, capability)

    def capability_for(self, obj) -> str | None:
        capability = self.view_capability
        if callable(capability):
            return capability(obj)
        if isinstance(capability, str) and capability.count(".") > 1:  # a dotted path to a function
            from django.utils.module_loading import import_string

            return import_string(capability)(obj)
        return capability


_WORKFLOWS: list[Workflow] = []


def workflows() -> list[Workflow]:
    return list(_WORKFLOWS)


def workflow_of(obj_or_model) -> Workflow:
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    for wf in _WORKFLOWS:
        if wf.model is model or (wf.model is not None and issubclass(model, wf.model)):
            return wf
    raise LookupError(f"{model.__name__} 没有声明流程。")


def _object_qs(obj):
    return type(obj)._default_manager.filter(pk=obj.pk)


def refusal(obj, t: Transition, user) -> str | None:
    """Why `user` may not run `t` on `obj` now (a Chinese sentence), or None."""
    wf = workflow_of(obj)
    state = wf.state_of(obj)
    if not t.starts_from(state):
        return f"当前状态为“{wf.label(state)}”，不能{t.label}。"
    if user is not None and t.capability is not None:
        if (
            not has_capability(user, t.capability)
            or not visible_to(user, _object_qs(obj), t.capability).exists()
        ):
            return f"您没有{t.label}该记录的权限。"
    if t.allowed is not None:
        message = _hook(t.allowed)(obj, user)
        if message:
            return message
    return None


def available(obj, user) -> list[Transition]:
    """The user-run transitions `user` may take on `obj` now — the buttons of its page."""
    wf = workflow_of(obj)
    return [t for t in wf.transitions if t.by == "user" and refusal(obj, t, user) is None]


def perform(obj, name: str, acting_user, *, comment: str = "", changes: dict | None = None):
    """Run transition `name` on `obj` as `acting_user` (None: the system). Returns the object as stored
    afterwards. Raises ActionRefused (not allowed / moved on meanwhile) or ValidationError (the comment
    is required, or the object would be invalid in its new state)."""
    wf = workflow_of(obj)
    t = wf.transition(name)
    message = refusal(obj, t, acting_user)
    if message:
        raise ActionRefused(message)
    comment = (comment or "").strip()
    if t.comment_required and not comment:
        raise ValidationError({"comment": f"{t.label}须填写意见。"})
    seen = wf.state_of(obj)
    values = {wf.field: t.target, **(t.sets or {}), **(changes or {})}
    if t.sets_actor and acting_user is not None:
        values[t.sets_actor] = acting_user
    model = type(obj)
    if wf.validate:
        candidate = copy.copy(obj)
        for key, value in values.items():
            setattr(candidate, key, value)
        candidate.full_clean(validate_unique=False, validate_constraints=False)
    context = {"reason": comment or t.label}
    if acting_user is not None:
        context["actor"] = acting_user
    with audit_context(**context), transaction.atomic():
        stored = model._base_manager.filter(pk=obj.pk).first()
        if stored is None:
            raise ActionRefused("该记录已不存在。")
        before = snapshot(stored)
        moved = model._base_manager.filter(pk=obj.pk, **{wf.field: seen}).update(**values)
        if moved != 1:
            now = wf.label(wf.state_of(stored))
            raise ActionRefused(f"该记录已被他人处理（当前状态：{now}），请刷新页面后再操作。")
        for key, value in values.items():
            setattr(obj, key, value)
        after = snapshot(model._base_manager.get(pk=obj.pk))
        changed = diff(before, after)
        if model._meta.app_label in _audited_apps():
            record_change(obj, "update", before, after, changed)
        elif t.by != "system":
            # a user's step on a record the signals do not audit (an import job): the entry holds just
            # what the transition set; the job's own background steps are on its thread only
            record_change(
                obj,
                "update",
                {k: v for k, v in before.items() if k in changed},
                {k: v for k, v in after.items() if k in changed},
                changed,
            )
        event = _append(obj, t.name, t.label, seen, t.target, acting_user, comment)
        for hook in t.then:
            _hook(hook)(obj, event)
        for hook in t.after_commit:
            transaction.on_commit(lambda hook=hook: _hook(hook)(obj, event))
    return obj


def perform_many(objs, name: str, acting_user, *, comment: str = "", changes: dict | None = None) -> list:
    """Run transition `name` on many objects of one model at once — a batch the user confirmed as one
    (a treasury payment batch, a list decided together): the same checks as `perform` for every object,
    then in one transaction one compare-and-set UPDATE per starting state, the audit entries and the
    thread events written in bulk. Any object refused refuses the whole batch, naming it."""
    objs = list(objs)
    if not objs:
        return []
    wf = workflow_of(objs[0])
    t = wf.transition(name)
    model = type(objs[0])
    for obj in objs:
        state = wf.state_of(obj)
        if not t.starts_from(state):
            raise ActionRefused(f"“{obj}”当前状态为“{wf.label(state)}”，不能{t.label}。")
    if acting_user is not None and t.capability is not None:
        pks = [obj.pk for obj in objs]
        allowed = set(
            visible_to(acting_user, model._base_manager.filter(pk__in=pks), t.capability).values_list(
                "pk", flat=True
            )
        )
        if not has_capability(acting_user, t.capability) or len(allowed) != len(set(pks)):
            first = next((obj for obj in objs if obj.pk not in allowed), objs[0])
            raise ActionRefused(f"您没有{t.label}“{first}”的权限。")
    if t.allowed is not None:
        for obj in objs:
            message = _hook(t.allowed)(obj, acting_user)
            if message:
                raise ActionRefused(f"“{obj}”：{message}")
    comment = (comment or "").strip()
    if t.comment_required and not comment:
        raise ValidationError({"comment": f"{t.label}须填写意见。"})
    values = {wf.field: t.target, **(t.sets or {}), **(changes or {})}
    if t.sets_actor and acting_user is not None:
        values[t.sets_actor] = acting_user
    if wf.validate:
        for obj in objs:
            candidate = copy.copy(obj)
            for key, value in values.items():
                setattr(candidate, key, value)
            candidate.full_clean(validate_unique=False, validate_constraints=False)
    context = {"reason": comment or t.label}
    if acting_user is not None:
        context["actor"] = acting_user
    by_pk = {obj.pk: obj for obj in objs}
    with audit_context(**context), transaction.atomic():
        stored = {row.pk: row for row in model._base_manager.filter(pk__in=list(by_pk))}
        if len(stored) != len(by_pk):
            raise ActionRefused("部分记录已不存在，请刷新页面后再操作。")
        befores = {pk: snapshot(row) for pk, row in stored.items()}
        seen_states = {}
        for obj in objs:
            seen_states.setdefault(wf.state_of(obj), []).append(obj.pk)
        for seen, pks in seen_states.items():
            moved = model._base_manager.filter(pk__in=pks, **{wf.field: seen}).update(**values)
            if moved != len(pks):
                raise ActionRefused("部分记录已被他人处理，请刷新页面后再操作。")
        for obj in objs:
            for key, value in values.items():
                setattr(obj, key, value)
        afters = {row.pk: snapshot(row) for row in model._base_manager.filter(pk__in=list(by_pk))}
        if model._meta.app_label in _audited_apps():
            from kechuang.audit.recording import record_bulk

            record_bulk(objs, "update", [befores[o.pk] for o in objs], [afters[o.pk] for o in objs])
        ctx = current()
        actor = acting_user if acting_user is not None else ctx.resolved_actor()
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        events = Event.objects.bulk_create(
            [
                Event(
                    content_type=content_type,
                    object_id=str(obj.pk),
                    transition=t.name,
                    label=t.label,
                    from_state=wf.state_of(stored[obj.pk]),
                    to_state=t.target,
                    actor=actor,
                    actor_label=str(actor) if actor is not None else (ctx.actor_label or "系统"),
                    comment=comment[:2000],
                    ip=ctx.ip,
                )
                for obj in objs
            ]
        )
        for obj, event in zip(objs, events, strict=True):
            for hook in t.then:
                _hook(hook)(obj, event)
            for hook in t.after_commit:
                transaction.on_commit(lambda hook=hook, obj=obj, event=event: _hook(hook)(obj, event))
    return objs


def _hook(hook):
    if isinstance(hook, str):
        from django.utils.module_loading import import_string

        return import_string(hook)
    return hook


def comment(obj, acting_user, text: str) -> Event:
    """A plain comment on the object's thread (no state change)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"comment": "请填写内容。"})
    with audit_context(actor=acting_user):
        return _append(obj, "", "留言", "", "", acting_user, text)


def _append(obj, name, label, from_state, to_state, actor, text) -> Event:
    ctx = current()
    resolved = actor if actor is not None else ctx.resolved_actor()
    return Event.objects.create(
        content_type=ContentType.objects.get_for_model(type(obj), for_concrete_model=False),
        object_id=str(obj.pk),
        transition=name,
        label=label,
        from_state=from_state,
        to_state=to_state,
        actor=resolved,
        actor_label=str(resolved) if resolved is not None else (ctx.actor_label or "系统"),
        comment=text[:2000],
        ip=ctx.ip,
    )


def _audited_apps() -> set[str]:
    from django.conf import settings

    return set(settings.KECHUANG_AUDITED_APPS)


def history(obj) -> list[Event]:
    """The object's thread, oldest first, with state labels filled in."""
    wf = workflow_of(obj)
    events = list(
        Event.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj), for_concrete_model=False),
            object_id=str(obj.pk),
        )
    )
    for event in events:
        event.from_label = wf.label(event.from_state) if event.from_state else ""
        event.to_label = wf.label(event.to_state) if event.to_state else ""
    return events


def history_of_many(labelled) -> list[Event]:
    """One thread over several objects — `labelled`: (object, what it is to the reader, e.g. "任务书") —
    oldest first, each event's `subject` naming its object; one query whatever the number of objects."""
    from django.db.models import Q

    by_key, condition = {}, Q(pk__in=[])
    for obj, subject in labelled:
        content_type = ContentType.objects.get_for_model(type(obj), for_concrete_model=False)
        by_key[(content_type.pk, str(obj.pk))] = (workflow_of(obj), subject)
        condition |= Q(content_type=content_type, object_id=str(obj.pk))
    events = list(Event.objects.filter(condition).order_by("at", "pk")) if by_key else []
    for event in events:
        wf, event.subject = by_key[(event.content_type_id, event.object_id)]
        event.from_label = wf.label(event.from_state) if event.from_state else ""
        event.to_label = wf.label(event.to_state) if event.to_state else ""
    return events


def last_event(obj, transition: str) -> Event | None:
    """The latest time `transition` was run on `obj` (who, from which address, with what comment)."""
    return (
        Event.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj), for_concrete_model=False),
            object_id=str(obj.pk),
            transition=transition,
        )
        .order_by("-at", "-pk")
        .first()
    )


@dataclass
class TodoItem:
    label: str
    count: int
    objects: list
    url: str | None = None
    links: list | None = None  # where to act on each object (None: its own page)


# What waits for a user beyond the workflows' states (an expert's score sheets): functions (user, limit) →
# [TodoItem], registered by the apps that own them (`todo_source`).
_TODO_SOURCES: list[Callable] = []


def todo_source(func: Callable) -> Callable:
    _TODO_SOURCES.append(func)
    return func


def todos_for(user, *, limit: int = 5) -> list[TodoItem]:
    """What waits for `user` in every declared workflow — one entry per (workflow, todo) with objects — and
    in the registered todo sources."""
    items = []
    for source in _TODO_SOURCES:
        items.extend(source(user, limit))
    for wf in workflows():
        for todo in wf.todos:
            if todo.capability is not None and not has_capability(user, todo.capability):
                continue
            qs = visible_to(user, wf.model._default_manager.filter(**{wf.field: todo.state}), todo.capability)
            if todo.narrow is not None:
                qs = _hook(todo.narrow)(user, qs)
            count = qs.count()
            if count:
                objects = list(qs[:limit])
                items.append(
                    TodoItem(
                        todo.label,
                        count,
                        objects,
                        todo.url(user) if todo.url is not None else None,
                        [_hook(todo.link)(o) for o in objects] if todo.link is not None else None,
                    )
                )
    return items


def declared_states(models_: Iterable[type[models.Model]] | None = None) -> dict[str, list[str]]:
    """model label → its transitions' names (documentation and tests)."""
    return {wf.model._meta.label: [t.name for t in wf.transitions] for wf in workflows()}
