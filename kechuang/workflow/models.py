"""The thread of every object that moves through states: one event per transition and per comment."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    """A transition (from → to, by whom, with what comment) or a plain comment on an object's thread.

    Append-only like the audit log; the audit entry of the same change holds the field-level diff."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=40)
    transition = models.CharField(_("操作"), max_length=40, blank=True)  # "" for a plain comment
    label = models.CharField(_("操作名称"), max_length=60)
    from_state = models.CharField(_("原状态"), max_length=30, blank=True)
    to_state = models.CharField(_("新状态"), max_length=30, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(_("操作人"), max_length=150)
    comment = models.TextField(_("意见"), blank=True, max_length=2000)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("流程记录")
        verbose_name_plural = _("流程记录")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"], name="workflow_event_object")]

    def __str__(self) -> str:
        return f"{self.label}（{self.actor_label}）"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("流程记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("流程记录只能追加，不能删除。")
