"""Reminders (督办): raised once for the responsible people, in the app and by e-mail."""

import io
from datetime import date

import pytest
from django.core import mail
from django.core.management import call_command

from kechuang.plans.models import Plan
from kechuang.progress.models import Report
from kechuang.progress.reminders import run_reminders
from kechuang.workflow.models import Notification

pytestmark = pytest.mark.django_db


def test_overdue_tasks_late_reports_and_red_targets_are_reminded_once(user):
    tjj = user("tjj")
    tjj.email = "tjj@kaizhou.gov.cn"
    tjj.save()
    plan = Plan.objects.get()
    first = run_reminders(plan, date(2026, 11, 28))
    assert first["task_overdue"] > 0 and first["report_late"] >= 1 and first["target_red"] >= 1
    late = Notification.objects.get(user=tjj, kind="report_late")
    assert "2026Q3" in late.title and "严重逾期" in late.title and late.url.startswith("/progress/reports/")
    assert any("tjj@kaizhou.gov.cn" in m.to for m in mail.outbox)
    assert Notification.objects.filter(user=user("kjj"), kind="task_overdue").exists()
    assert run_reminders(plan, date(2026, 11, 29)) == {"task_overdue": 0, "report_late": 0, "target_red": 0}


def test_reminders_command_finishes_its_work_under_the_in_process_backend(settings, user):
    """The default thread backend would run the work on a thread that dies with the command: the
    command runs it itself and says so."""
    settings.TASKS = {"default": {"BACKEND": "kechuang.core.tasks.ThreadBackend"}}
    out = io.StringIO()
    call_command("reminders", "--as-of", "2026-11-28", stdout=out)
    assert Notification.objects.filter(user=user("tjj"), kind="report_late").exists()
    assert Notification.objects.filter(user=user("kjj"), kind="task_overdue").exists()
    assert "督办提醒已执行完毕" in out.getvalue() and "逾期报告" in out.getvalue()


def test_reminders_command_hands_its_work_to_the_database_queue(settings, user):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    out = io.StringIO()
    call_command("reminders", "--as-of", "2026-11-28", stdout=out)
    assert "已交给任务队列" in out.getvalue() and "db_worker" in out.getvalue()
    queued = DBTaskResult.objects.get(task_path="kechuang.progress.tasks.send_reminders")
    assert queued.args_kwargs["args"] == ["2026-11-28"]
    assert not Notification.objects.filter(user=user("tjj")).exists()  # the worker sends them


def test_reminder_list_and_unread_count(client_as, user):
    run_reminders(Plan.objects.get(), date(2026, 11, 28))
    client = client_as("tjj")
    home = client.get("/").content.decode()
    assert 'id="reminders"' in home and 'class="count">1<' in home
    page = client.get("/progress/notifications/").content.decode()
    assert "报告严重逾期未报送" in page
    client.post("/progress/notifications/")
    assert not Notification.objects.filter(user=user("tjj"), read_at__isnull=True).exists()
    # a reporter hears only about the own unit's report (区经济信息委 co-operates on tasks: it reports too)
    for note in Notification.objects.filter(kind="report_late", user__username="jxw"):
        assert Report.objects.get(pk=note.url.split("/")[3]).department.name == "区经济信息委"
