"""Keep the qualification summaries in step with recognitions and with where enterprises are."""

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from . import summaries
from .models import Enterprise, Qualification


def _town_of(enterprise_id):
    return Enterprise.objects.filter(pk=enterprise_id).values_list("town_id", flat=True).first()


@receiver(pre_save, sender=Qualification, dispatch_uid="summaries_qualification_before")
def _qualification_before(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None or instance._state.adding:
        instance._summary_towns = set()
        return
    old = Qualification.objects.filter(pk=instance.pk).values_list("enterprise__town_id", flat=True)
    instance._summary_towns = set(old)  # a recognition moved to another enterprise leaves its old town


@receiver(post_save, sender=Qualification, dispatch_uid="summaries_qualification_saved")
def _qualification_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    loaded = instance._state.fields_cache.get("enterprise")  # imports and forms have it at hand
    town = loaded.town_id if loaded is not None else _town_of(instance.enterprise_id)
    summaries.mark_towns(getattr(instance, "_summary_towns", set()) | {town})


@receiver(pre_delete, sender=Qualification, dispatch_uid="summaries_qualification_deleted")
def _qualification_deleted(sender, instance, **kwargs):
    # read before the delete: when an enterprise's deletion cascades here, it is gone afterwards
    instance._summary_towns = {_town_of(instance.enterprise_id)}


@receiver(post_delete, sender=Qualification, dispatch_uid="summaries_qualification_gone")
def _qualification_gone(sender, instance, **kwargs):
    summaries.mark_towns(getattr(instance, "_summary_towns", set()))


@receiver(pre_save, sender=Enterprise, dispatch_uid="summaries_enterprise_before")
def _enterprise_before(sender, instance, raw=False, **kwargs):
    instance._summary_old_town = None
    if not raw and instance.pk is not None and not instance._state.adding:
        old = _town_of(instance.pk)
        if old != instance.town_id:
            instance._summary_old_town = (old,)


@receiver(post_save, sender=Enterprise, dispatch_uid="summaries_enterprise_saved")
def _enterprise_saved(sender, instance, raw=False, **kwargs):
    moved = getattr(instance, "_summary_old_town", None)
    if not raw and moved is not None:  # its recognitions now count in the new town
        summaries.mark_towns({*moved, instance.town_id})
