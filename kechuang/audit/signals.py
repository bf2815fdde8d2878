"""Receivers that write the audit log for every model in KECHUANG_AUDITED_APPS.

Saves and deletes through the ORM are caught here whatever started them (web, API, CLI, import).
Bulk paths that bypass model signals (`bulk_create`, `QuerySet.update`) must call
`kechuang.audit.recording.record_change` themselves.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from .recording import record_change, record_login
from .snapshots import diff, scope_path_of, snapshot


def _audited(model) -> bool:
    return (
        model._meta.app_label in settings.KECHUANG_AUDITED_APPS
        and not model._meta.auto_created
        and not getattr(model, "derived_data", False)
    )


@receiver(pre_save, dispatch_uid="audit_pre_save")
def _capture_before(sender, instance, raw=False, **kwargs):
    if raw or not _audited(sender):
        return
    instance._audit_before = None
    if instance.pk is not None and not instance._state.adding:
        old = sender._base_manager.filter(pk=instance.pk).first()
        instance._audit_before = snapshot(old) if old is not None else None


@receiver(post_save, dispatch_uid="audit_post_save")
def _record_save(sender, instance, created, raw=False, **kwargs):
    if raw or not _audited(sender):
        return
    after = snapshot(instance)
    before = None if created else getattr(instance, "_audit_before", None)
    if created or before is None:
        record_change(instance, "create", None, after, diff({}, after))
        return
    changed = diff(before, after)
    if changed:
        record_change(instance, "update", before, after, changed)


@receiver(pre_delete, dispatch_uid="audit_pre_delete")
def _capture_deleted(sender, instance, **kwargs):
    if not _audited(sender):
        return
    instance._audit_before = snapshot(instance)
    instance._audit_scope_path = scope_path_of(instance)


@receiver(post_delete, dispatch_uid="audit_post_delete")
def _record_delete(sender, instance, **kwargs):
    if not _audited(sender):
        return
    before = getattr(instance, "_audit_before", None) or snapshot(instance)
    record_change(
        instance,
        "delete",
        before,
        None,
        sorted(before),
        scope_path=getattr(instance, "_audit_scope_path", None),
    )


def _m2m_field(instance, through) -> str | None:
    for field in instance._meta.many_to_many:
        if field.remote_field.through is through:
            return field.name
    return None


@receiver(m2m_changed, dispatch_uid="audit_m2m_changed")
def _record_m2m(sender, instance, action, reverse, **kwargs):
    if reverse or not _audited(type(instance)):
        return
    name = _m2m_field(instance, sender)
    if name is None:
        return
    current = sorted(getattr(instance, name).values_list("pk", flat=True))
    if action.startswith("pre_"):
        stash = getattr(instance, "_audit_m2m_before", {})
        stash[name] = current
        instance._audit_m2m_before = stash
        return
    before = getattr(instance, "_audit_m2m_before", {}).pop(name, None)
    if before is None or before == current:
        return
    record_change(instance, "update", {name: before}, {name: current}, [name])


@receiver(user_logged_in, dispatch_uid="audit_logged_in")
def _logged_in(sender, request, user, **kwargs):
    record_login(request, user.get_username(), user, "success")


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    outcome = "locked" if getattr(request, "axes_locked_out", False) else "failed"
    record_login(request, (credentials or {}).get("username", ""), None, outcome)


@receiver(user_logged_out, dispatch_uid="audit_logged_out")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record_login(request, user.get_username(), user, "logout")
