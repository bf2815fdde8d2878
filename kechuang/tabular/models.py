"""Import jobs: one uploaded file's way through validation to commit, with progress and errors."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kechuang.org.scope import has_capability
from kechuang.org.scoperule import ScopeRule
from kechuang.workflow.engine import Todo, Transition, Workflow, last_event

MAX_STORED_ERRORS = 2000
# a file that ends refused, failed or discarded is deleted with that step (files.py: how long files stay)
REMOVE_FILE = ["kechuang.tabular.files.remove_stored_file"]


def _of_sheet(job, capability: str) -> str:
    """The capability its sheet names (`import_capability`, `view_capability`); "" for a sheet gone."""
    from .registry import get_sheet

    try:
        return getattr(get_sheet(job.sheet), capability)
    except KeyError:
        return ""


def _sheet_capability(job, user) -> str:
    return _of_sheet(job, "import_capability")


def _view_capability(job):
    """Who may see a job at all: who may see its sheet."""
    return _of_sheet(job, "view_capability")


def _owner_with_capability(job, user):
    """Committing or discarding a file is its uploader's, and needs the sheet's import capability."""
    if user is None:
        return None
    capability = _sheet_capability(job, user)
    if not capability or not has_capability(user, capability):
        return "您没有导入该表格的权限。"
    if job.user_id != user.pk:
        return "该文件由他人上传：须先“接手”该导入任务（记入审计日志）才能导入或放弃。"
    return None


def _retryable(job, user):
    """A commit that failed (its process died, or the data had changed) may be run again from 已校验."""
    refusal = _owner_with_capability(job, user)
    if refusal:
        return refusal
    failed = last_event(job, "fail")
    if failed is None or failed.from_state != ImportJob.Status.COMMITTING:
        return "只有确认导入后失败的文件可以重新导入；校验未完成的文件请重新上传。"
    if not job.file or not job.file.storage.exists(job.file.name):
        return "文件已不存在，请重新上传。"
    return None


def _may_take_over(job, user):
    if user is None:
        return None
    capability = _sheet_capability(job, user)
    if not capability or not has_capability(user, capability):
        return "您没有导入该表格的权限。"
    if job.user_id == user.pk:
        return "这是您自己上传的文件。"
    return None


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

    workflow = Workflow(
        states=Status,
        view_capability=_view_capability,  # a job is seen by who may see its sheet
        validate=False,
        transitions=[
            Transition("validate", "开始校验", [Status.UPLOADED], Status.VALIDATING, by="system"),
            Transition("validated", "校验完成", [Status.VALIDATING], Status.VALIDATED, by="system"),
            Transition(
                "refuse", "拒绝文件", [Status.VALIDATING], Status.REFUSED, then=REMOVE_FILE, by="system"
            ),
            # the one way into a commit run: of two quick clicks only one moves the state and queues it
            Transition(
                "commit",
                "确认导入",
                [Status.VALIDATED],
                Status.COMMITTING,
                comment_required=True,
                allowed=_owner_with_capability,
                sets={"processed_rows": 0},  # the commit's progress is counted afresh
                then=["kechuang.tabular.tasks.enqueue_commit"],
                by="page",
            ),
            Transition("done", "导入完成", [Status.COMMITTING], Status.DONE, by="system"),
            Transition(
                "fail",
                "导入失败",
                [Status.UPLOADED, Status.VALIDATING, Status.COMMITTING],
                Status.FAILED,
                then=REMOVE_FILE,
                by="system",
            ),
            # a failed commit back to 已校验: confirmed again (mode, reason) and run by a new worker
            Transition(
                "retry",
                "重新导入",
                [Status.FAILED],
                Status.VALIDATED,
                allowed=_retryable,
                sets={"file_error": "", "finished_at": None},
                by="page",
            ),
            Transition(
                "discard",
                "放弃此文件",
                [Status.VALIDATED, Status.REFUSED, Status.FAILED],
                Status.DISCARDED,
                allowed=_owner_with_capability,
                then=REMOVE_FILE,
            ),
            # an explicit, audited takeover of someone else's validated file (the uploader has left, …)
            Transition(
                "take_over",
                "接手导入任务",
                [Status.VALIDATED],
                Status.VALIDATED,
                comment_required=True,
                allowed=_may_take_over,
                sets_actor="user",
            ),
        ],
        todos=[Todo(Status.VALIDATED, "待确认导入的文件", narrow=lambda user, qs: qs.filter(user=user))],
    )

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
