"""What 系统管理 keeps of its own: one row per backup taken and per restore done (`kechuang backup`,
`kechuang restore`), each also written to the audit log when it is made."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class BackupRecord(models.Model):
    """One backup archive written, or one archive restored: which file (path, size, SHA-256), what it
    held, and for a restore what it replaced. Who did it, when and why is in its audit entry."""

    class Kind(models.TextChoices):
        BACKUP = "backup", _("备份")
        RESTORE = "restore", _("恢复")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    time = models.DateTimeField(_("时间"), auto_now_add=True)
    archive = models.CharField(_("归档文件"), max_length=1000)
    archive_bytes = models.PositiveBigIntegerField(_("归档大小（字节）"))
    archive_sha256 = models.CharField(_("归档 SHA-256"), max_length=64)
    taken_at = models.DateTimeField(_("备份时间"))
    database = models.CharField(_("备份时的数据库"), max_length=20)
    tables = models.PositiveIntegerField(_("表数"))
    rows = models.PositiveBigIntegerField(_("行数"))
    files = models.PositiveIntegerField(_("文件数"))
    file_bytes = models.PositiveBigIntegerField(_("文件总大小（字节）"))
    operator = models.CharField(_("操作系统用户与主机"), max_length=200, blank=True)
    replaced = models.JSONField(_("被替换的数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("备份与恢复记录")
        verbose_name_plural = _("备份与恢复记录")
        ordering = ["-time", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.archive}"
