"""Writing log entries. The only code that creates ChangeEntry and LoginEvent rows."""

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType

from .context import current
from .models import ChangeEntry, LoginEvent
from .snapshots import redact, scope_path_of


def record_change(
    instance, action: str, before, after, changed, *, scope_path: str | None = None
) -> ChangeEntry:
    """Append one change entry for `instance` under the current audit context."""
    ctx = current()
    actor = ctx.resolved_actor()
    return ChangeEntry.objects.create(
        actor=actor,
        actor_label=ctx.actor_label or (str(actor) if actor is not None else "系统"),
        source=ctx.source,
        request_id=ctx.request_id,
        ip=ctx.ip,
        action=action,
        content_type=ContentType.objects.get_for_model(type(instance), for_concrete_model=False),
        object_id=str(instance.pk),
        object_repr=str(instance)[:300],
        before=redact(before),
        after=redact(after),
        changed_fields=list(changed),
        reason=ctx.reason[:500],
        scope_path=scope_path if scope_path is not None else scope_path_of(instance),
    )


def record_login(request, username: str, user, outcome: str) -> LoginEvent:
    if user is None and username:
        user = get_user_model()._default_manager.filter(username=username).first()
    meta = getattr(request, "META", {}) if request is not None else {}
    return LoginEvent.objects.create(
        username=(username or "")[:150],
        user=user,
        ip=meta.get("REMOTE_ADDR") or None,
        user_agent=(meta.get("HTTP_USER_AGENT") or "")[:300],
        outcome=outcome,
        scope_path=scope_path_of(user) if user is not None else "",
    )
