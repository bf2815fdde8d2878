"""The foundation's tables: leases of running background tasks (`leases.py`; PostgreSQL only — on
SQLite they are files) and the holiday calendar the administrator keeps (`workdays.py`)."""

from django.db import models
from django.urls import reverse


class TaskLease(models.Model):
    """A running task and its heartbeat: written by the worker that runs it, outside the task's own
    transaction; removed when the task ends, or by a sweep once the heartbeat is older than the lease."""

    # not audited: bookkeeping of running processes, no data
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


class CalendarDay(models.Model):
    """A day the administrator has entered in the holiday calendar: a holiday (not a working day) or an
    adjusted working Saturday or Sunday (调休上班). It overrides the official arrangement the
    `chinesecalendar` library knows, and gives a year the library does not know yet (`workdays.py`)."""

    date = models.DateField("日期", unique=True, error_messages={"unique": "该日期已有记录。"})
    is_workday = models.BooleanField(
        "是否工作日", default=False, help_text="不勾选：放假（节假日）；勾选：调休上班。"
    )
    name = models.CharField("名称", max_length=50, help_text="如 春节、国庆节、调休上班。")
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "节假日安排"
        verbose_name_plural = "节假日安排"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}（{'上班' if self.is_workday else '放假'}）"

    def get_absolute_url(self) -> str:
        return reverse("calendar-days:detail", args=[self.pk])

    @property
    def weekday(self) -> str:
        return "星期" + "一二三四五六日"[self.date.weekday()]
