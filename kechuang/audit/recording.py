"""Writing log entries. The only code that creates ChangeEntry, LoginEvent and PersonalDataView rows."""

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType

from kechuang.core.context import current

from . import chain, version
from .models import ChangeEntry, LoginEvent, PersonalDataView
from .snapshots import redact, scope_path_of


def record_change(instance, action: str, before, after, changed, *, scope_path: str | None = None) -> int:
    """Append one change entry for `instance` under the current audit context; returns its id."""
    ctx = current()
    actor = ctx.resolved_actor()
    version.changed()
    row = {
        "actor_id": actor.pk if actor is not None else None,
        "actor_label": ctx.actor_label or (str(actor) if actor is not None else "系统"),
        "source": ctx.source,
        "request_id": ctx.request_id or "",
        "ip": ctx.ip,
        "action": action,
        "content_type_id": ContentType.objects.get_for_model(type(instance), for_concrete_model=False).pk,
        "object_id": str(instance.pk),
        "object_repr": str(instance)[:300],
        "before": redact(before, type(instance)),
        "after": redact(after, type(instance)),
        "changed_fields": list(changed),
        "reason": ctx.reason[:500],
        "scope_path": (scope_path if scope_path is not None else scope_path_of(instance))
        or _where_the_actor_works(actor),
    }
    (pk,) = chain.append(ChangeEntry, [row])
    return pk


def _where_the_actor_works(actor) -> str:
    """The scope of a change to a record of no department (the holiday calendar, a qualification kind):
    where its author works, so the auditors of that unit see what its administrators changed."""
    return scope_path_of(actor) if actor is not None else ""


def record_personal_view(
    instance_or_model, fields, *, where: str = "", count: int = 1, label: str = ""
) -> int:
    """Append the record of a view that showed personal data in full under the current audit context:
    one record (an instance) or `count` records of a model (an export, `label` naming it); `fields`
    are the names of the personal fields shown. Returns its id."""
    ctx = current()
    actor = ctx.resolved_actor()
    one = not isinstance(instance_or_model, type)
    model = type(instance_or_model) if one else instance_or_model
    if one:
        scope_path = scope_path_of(instance_or_model)
    else:  # an export: where the exporting person works
        scope_path = _where_the_actor_works(actor)
    row = {
        "actor_id": actor.pk if actor is not None else None,
        "actor_label": ctx.actor_label or (str(actor) if actor is not None else "系统"),
        "source": ctx.source,
        "request_id": ctx.request_id or "",
        "ip": ctx.ip,
        "content_type_id": ContentType.objects.get_for_model(model, for_concrete_model=False).pk,
        "object_id": str(instance_or_model.pk) if one else "",
        "object_repr": (str(instance_or_model) if one else label)[:300],
        "fields": list(fields),
        "count": 1 if one else count,
        "where": where[:500],
        "scope_path": scope_path,
    }
    (pk,) = chain.append(PersonalDataView, [row])
    return pk


def record_login(request, username: str, user, outcome: str) -> int:
    if user is None and username:
        user = get_user_model()._default_manager.filter(username=username).first()
    meta = getattr(request, "META", {}) if request is not None else {}
    row = {
        "username": (username or "")[:150],
        "user_id": user.pk if user is not None else None,
        "ip": meta.get("REMOTE_ADDR") or None,
        "user_agent": (meta.get("HTTP_USER_AGENT") or "")[:300],
        "outcome": outcome,
        "scope_path": scope_path_of(user) if user is not None else "",
    }
    (pk,) = chain.append(LoginEvent, [row])
    return pk


def record_bulk(instances, action: str, befores=None, afters=None) -> int:
    """Append one entry per instance in a single INSERT — for bulk paths that bypass model signals.

    `befores`/`afters` are snapshot dicts aligned with `instances` (None for create/delete sides).
    Related objects used by `scope_department()` should already be loaded (select_related)."""

    instances = list(instances)
    if not instances:
        return 0
    items = [(obj.pk, str(obj), scope_path_of(obj)) for obj in instances]
    return record_bulk_rows(type(instances[0]), items, action, befores, afters)


def record_bulk_rows(model, items, action: str, befores=None, afters=None) -> int:
    """The same for rows written without model instances: `items` are (pk, repr, scope path) of `model`
    rows; entries go through the bulk writer (executemany / COPY)."""
    from .snapshots import diff

    items = list(items)
    if not items:
        return 0
    ctx = current()
    actor = ctx.resolved_actor()
    label = ctx.actor_label or (str(actor) if actor is not None else "系统")
    author_path = _where_the_actor_works(actor) if any(not path for _, _, path in items) else ""
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    befores = befores or [None] * len(items)
    afters = afters or [None] * len(items)
    common = {
        "actor_id": actor.pk if actor is not None else None,
        "actor_label": label,
        "source": ctx.source,
        "request_id": ctx.request_id or "",
        "ip": ctx.ip,
        "action": action,
        "content_type_id": content_type.pk,
        "reason": ctx.reason[:500],
    }
    rows = [
        {
            **common,
            "object_id": str(pk),
            "object_repr": text[:300],
            "before": redact(before, model),
            "after": redact(after, model),
            "changed_fields": diff(before or {}, after or {}),
            "scope_path": path or author_path,
        }
        for (pk, text, path), before, after in zip(items, befores, afters, strict=True)
    ]
    chain.append(ChangeEntry, rows)
    version.changed()
    return len(rows)
