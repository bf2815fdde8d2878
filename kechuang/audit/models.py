"""Append-only logs: every change to a domain record, and every sign-in attempt."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from kechuang.core.context import Source
from kechuang.org.scoperule import ScopeRule

from .labels import field_label


class AppendOnlyError(Exception):
    """Raised when code tries to edit or delete a log entry."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("审计日志只能追加，不能修改。")

    def delete(self):
        raise AppendOnlyError("审计日志只能追加，不能删除。")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("审计日志只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("审计日志只能追加，不能删除。")


class ChainedLog(AppendOnlyModel):
    """An append-only log whose entries form a keyed hash chain (audit/chain.py): each keeps the hash it
    was chained to and its own."""

    prev_hash = models.CharField(_("前一条校验值"), max_length=64, blank=True, editable=False)
    hash = models.CharField(_("校验值"), max_length=64, blank=True, editable=False)

    class Meta:
        abstract = True


class ChangeEntry(ChainedLog):
    """One create/update/delete of a domain record, with before/after snapshots."""

    class Action(models.TextChoices):
        CREATE = "create", _("新增")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")

    time = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_label = models.CharField(_("操作人"), max_length=200, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.CHOICES, default=Source.SYSTEM)
    request_id = models.CharField(_("请求号"), max_length=64, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("对象类型"))
    object_id = models.CharField(_("对象编号"), max_length=64)  # searched with content_type: audit_object_idx
    object_repr = models.CharField(_("对象"), max_length=300)
    before = models.JSONField(_("修改前"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("修改后"), null=True, blank=True, encoder=DjangoJSONEncoder)
    changed_fields = models.JSONField(_("变更字段"), default=list, blank=True)
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    # Copy of the owning department's tree path at the time of the change, so the log can be scoped
    # without joining records that may since have been deleted.
    scope_path = models.CharField(_("范围路径"), max_length=255, blank=True, db_index=True)

    scope_rule = ScopeRule(path="scope_path", owner="actor")

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        ordering = ["-time", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "-time"], name="audit_object_idx")]

    def __str__(self) -> str:
        return (
            f"{self.time:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.get_action_display()} {self.object_repr}"
        )

    def changed_labels(self) -> list[str]:
        if self.action == self.Action.CREATE:
            return []
        model = self.content_type.model_class()
        return [field_label(model, name) for name in self.changed_fields]


class PersonalDataView(ChainedLog):
    """One page (or export, or API answer) that showed personal data in full: who saw whose which fields,
    when, from where — one row per view, however many values it showed."""

    time = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("查看人"),
    )
    actor_label = models.CharField(_("查看人"), max_length=200, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.CHOICES, default=Source.SYSTEM)
    request_id = models.CharField(_("请求号"), max_length=64, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("对象类型"))
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)  # blank: an export of many
    object_repr = models.CharField(_("对象"), max_length=300)
    fields = models.JSONField(_("字段"), default=list, blank=True)  # the fields' names
    count = models.PositiveIntegerField(_("记录数"), default=1)
    where = models.CharField(_("查看位置"), max_length=500, blank=True)  # the page or export, with its query
    scope_path = models.CharField(_("范围路径"), max_length=255, blank=True, db_index=True)

    scope_rule = ScopeRule(path="scope_path", owner="actor")

    class Meta:
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")
        ordering = ["-time", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "-time"], name="audit_personal_object")]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.actor_label} 查看 {self.object_repr}"

    def field_labels(self) -> list[str]:
        model = self.content_type.model_class()
        return [field_label(model, name) for name in self.fields]


class LoginEvent(ChainedLog):
    """One sign-in attempt (or sign-out): who, when, from where, and whether it succeeded."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("登录成功")
        FAILED = "failed", _("密码错误或账号不存在")
        LOCKED = "locked", _("账号已锁定")
        LOGOUT = "logout", _("退出登录")
        OTP_PASSED = "otp_passed", _("动态口令验证通过")
        OTP_FAILED = "otp_failed", _("动态口令错误")

    time = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    username = models.CharField(_("用户名"), max_length=150, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("用户"),
    )
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=300, blank=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices)

    # Login records are security data: only all-scope auditors or the user themself.
    scope_rule = ScopeRule(path="scope_path", owner="user")
    scope_path = models.CharField(_("范围路径"), max_length=255, blank=True, db_index=True)

    class Meta:
        verbose_name = _("登录日志")
        verbose_name_plural = _("登录日志")
        ordering = ["-time", "-pk"]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.username} {self.get_outcome_display()}"

    @property
    def succeeded(self) -> bool:
        return self.outcome in (self.Outcome.SUCCESS, self.Outcome.OTP_PASSED)


class Anchor(AppendOnlyModel):
    """Where a pruned log now begins: the last entry removed (its id and hash — the first remaining entry
    is chained to it), how many were removed, up to which day, by whom and why."""

    log = models.CharField(_("日志"), max_length=40)  # the log's table
    last_id = models.BigIntegerField(_("最后删除的记录号"))
    last_hash = models.CharField(_("其校验值"), max_length=64)
    removed = models.BigIntegerField(_("删除条数"))
    before = models.DateField(_("删除此日期之前的记录"))
    time = models.DateTimeField(_("时间"), auto_now_add=True)
    actor_label = models.CharField(_("操作人"), max_length=200, blank=True)
    reason = models.CharField(_("原因"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("审计日志清理锚点")
        verbose_name_plural = _("审计日志清理锚点")
        ordering = ["log", "pk"]

    def __str__(self) -> str:
        return f"{self.log} ≤ {self.last_id}（{self.before:%Y-%m-%d} 前 {self.removed} 条）"


class DataVersion(models.Model):
    """One row counting committed changes: every audited change bumps it after its transaction commits.
    Caches of computed pages (the cockpit) are keyed by it, so a change is never served stale."""

    number = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.number)
