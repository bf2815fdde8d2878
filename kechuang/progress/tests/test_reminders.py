"""Reminders (督办): raised once for the responsible people, in the app and by e-mail."""

import io
from datetime import date

import pytest
from django.core import mail
from django.core.management import call_command

from kechuang.plans.models import Plan
from kechuang.progress.models import Notification
from kechuang.progress.reminders import run_reminders

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


def test_reminders_command_runs_through_the_task_queue(user):
    out = io.StringIO()
    call_command("reminders", "--as-of", "2026-11-28", stdout=out)
    assert "已提交督办任务" in out.getvalue()
    assert Notification.objects.filter(user=user("tjj")).exists()


def test_reminder_list_and_unread_count(client_as, user):
    run_reminders(Plan.objects.get(), date(2026, 11, 28))
    client = client_as("tjj")
    home = client.get("/").content.decode()
    assert 'id="reminders"' in home and 'class="count">1<' in home
    page = client.get("/progress/notifications/").content.decode()
    assert "报告严重逾期未报送" in page
    client.post("/progress/notifications/")
    assert not Notification.objects.filter(user=user("tjj"), read_at__isnull=True).exists()
    assert "jxw" not in [n.user.username for n in Notification.objects.filter(kind="report_late")]
