"""Import jobs: one uploaded file's way through validation to commit, with progress and errors."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kechuang.org.scope import ScopeRule

MAX_STORED_ERRORS = 2000


class ImportJob(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("已上传")
        VALIDATING = "validating", _("校验中")
        VALIDATED = "validated", _("已校验")
        REFUSED = "refused", _("文件被拒绝")
        COMMITTING = "committing", _("导入中")
        DONE = "done", _("已导入")
        FAILED = "failed", _("导入失败")
        DISCARDED = "discarded", _("已放弃")

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all", _("全部正确才导入")
        VALID_ONLY = "valid_only", _("只导入正确的行")

    sheet = models.CharField(_("表格"), max_length=50)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("导入人")
    )
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=255)
    size = models.PositiveBigIntegerField(_("大小"), default=0)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.UPLOADED)
    mode = models.CharField(_("导入方式"), max_length=20, choices=Mode.choices, blank=True)
    reason = models.CharField(_("变更原因"), max_length=500, blank=True)
    total_rows = models.PositiveIntegerField(_("数据行"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行"), default=0)
    error_rows = models.PositiveIntegerField(_("有错误的行"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    file_error = models.TextField(_("文件错误"), blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    scope_rule = ScopeRule(owner="user")

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.original_name}（{self.get_status_display()}）"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status in (self.Status.VALIDATED, self.Status.DONE) else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def busy(self) -> bool:
        return self.status in (self.Status.UPLOADED, self.Status.VALIDATING, self.Status.COMMITTING)

    @property
    def valid_rows(self) -> int:
        return max(0, self.total_rows - self.error_rows)
