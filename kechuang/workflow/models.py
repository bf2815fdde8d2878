"""The thread of every object that moves through states: one event per transition and per comment."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from kechuang.org.scoperule import ScopeRule


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


class Notification(models.Model):
    """An in-app reminder (督办) or notice for one user; `key` keeps the same one from being raised twice."""

    class Kind(models.TextChoices):
        TASK_OVERDUE = "task_overdue", _("任务逾期")
        REPORT_LATE = "report_late", _("报告逾期")
        TARGET_RED = "target_red", _("指标滞后")
        REPORT_RETURNED = "report_returned", _("报告退回")
        SUBMISSION = "submission", _("企业填报")
        AUDIT_CHAIN = "audit_chain", _("审计日志校验未通过")
        PASSWORD_SPRAY = "password_spray", _("疑似密码喷洒")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    key = models.CharField(_("去重键"), max_length=100)
    title = models.CharField(_("标题"), max_length=200)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    scope_rule = ScopeRule(owner="user")

    class Meta:
        db_table = "progress_notification"  # kept where the reminders first lived
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once")]

    def __str__(self) -> str:
        return self.title
