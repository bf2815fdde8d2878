"""The foundation's one table: leases of running background tasks (`leases.py`; PostgreSQL only — on
SQLite they are files)."""

from django.db import models


class TaskLease(models.Model):
    """A running task and its heartbeat: written by the worker that runs it, outside the task's own
    transaction; removed when the task ends, or by a sweep once the heartbeat is older than the lease."""

    # not audited (core is not among KECHUANG_AUDITED_APPS): bookkeeping of running processes, no data
    derived_data = True

    task_id = models.CharField("任务", max_length=64, primary_key=True)
    task_path = models.CharField("任务函数", max_length=255)
    args = models.JSONField("参数", default=list)
    kwargs = models.JSONField("命名参数", default=dict)
    subject = models.CharField("处理对象", max_length=200, blank=True, db_index=True)
    worker = models.CharField("工作进程", max_length=64, blank=True)
    host = models.CharField("主机", max_length=255, blank=True)
    pid = models.PositiveIntegerField("进程号", default=0)
    durable = models.BooleanField("任务队列中的任务", default=False)
    started_at = models.DateTimeField("开始时间")
    heartbeat_at = models.DateTimeField("最后心跳", db_index=True)
    processed = models.PositiveIntegerField("已处理", default=0)

    class Meta:
        verbose_name = "后台任务租约"
        verbose_name_plural = "后台任务租约"

    def __str__(self) -> str:
        return f"{self.task_path}（{self.subject or self.task_id}）"
