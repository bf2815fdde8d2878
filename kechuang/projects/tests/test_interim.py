"""中期检查 as the unit and the bureau use it: the schedule laid out from the 任务书 (and again after a 变更),
how late a report is, the unit's save and submission and their refusals, the bureau's verdicts (整改 with
its follow-up report, 终止 stopping the project in the same transaction), the daily reminders (each once),
the registry's lateness filter, the registry page and the report's page through the client."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kechuang.audit.models import ChangeEntry
from kechuang.enterprises.models import Enterprise
from kechuang.org.actions import ActionRefused
from kechuang.org.models import User
from kechuang.projects import contracts, interim
from kechuang.projects.models import (
    Category,
    InterimReport,
    Project,
    ReportStatus,
    Status,
    TaskBook,
    TaskBookStatus,
)
from kechuang.projects.registries import InterimReportRegistry
from kechuang.testing import samples
from kechuang.workflow import engine as workflow
from kechuang.workflow.models import Notification

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def running_project(
    *, approved_on: date, ends_on: date, every: int = 6, funding=Decimal("300000"), enterprise=None
) -> Project:
    """A project of the demo enterprise (or `enterprise`), approved on `approved_on`, its 任务书 filled in
    by the unit and signed by the bureau today: 在研, its reports laid out."""
    enterprise = enterprise or samples.qiye_enterprise()
    unit_user = enterprise.users.first()
    n = Project.objects.filter(number__startswith="TEST-ZQ").count() + 1
    project = Project(
        year=approved_on.year,
        number=f"TEST-ZQ-{n:03d}",
        name=f"中期检查测试项目{n}",
        category=Category.DISTRICT,
        department=enterprise.town,
        enterprise=enterprise,
        status=Status.APPROVED,
        applied_on=approved_on - timedelta(days=60),
        approved_on=approved_on,
        planned_end_on=ends_on,
        funding=funding,
        self_funding=Decimal("100000"),
    )
    project.full_clean()
    project.save()
    task_book = contracts.open_task_book(project)
    contracts.save_task_book(unit_user, task_book, report_every_months=every)
    contracts.save_milestones(
        unit_user,
        task_book,
        [
            {
                "title": "样机研制",
                "due_on": task_book.starts_on + timedelta(days=100),
                "deliverable": "样机 1 台",
            }
        ],
    )
    contracts.save_indicators(
        unit_user, task_book, [{"name": "申请发明专利", "unit": "件", "promised": Decimal("2")}]
    )
    contracts.submit(unit_user, task_book)
    contracts.sign(User.objects.get(username="kjj"), TaskBook.objects.get(pk=task_book.pk))
    return Project.objects.get(pk=project.pk)


def reports(project) -> list[InterimReport]:
    return list(InterimReport.objects.filter(project=project).order_by("sequence"))


def current_report(project) -> InterimReport:
    """The project's report whose period has begun and that is still 待报送 (the earliest)."""
    return (
        InterimReport.objects.filter(project=project, status=ReportStatus.DUE, period_from__lte=TODAY())
        .order_by("sequence")
        .first()
    )


@pytest.fixture
def project():
    today = TODAY()
    return running_project(approved_on=today - timedelta(days=200), ends_on=today + timedelta(days=700))


# --- the schedule -------------------------------------------------------------------------------------------


def test_a_year_reported_every_six_months_has_one_report_the_last_period_goes_to_the_acceptance():
    found = interim.periods(date(2025, 1, 1), date(2025, 12, 31), 6)
    assert [(p.sequence, p.period_from, p.period_to, p.due_on) for p in found] == [
        (1, date(2025, 1, 1), date(2025, 6, 30), date(2025, 7, 15)),
    ]
    two_years = interim.periods(date(2025, 1, 1), date(2026, 12, 31), 6)
    assert [p.period_to for p in two_years] == [date(2025, 6, 30), date(2025, 12, 31), date(2026, 6, 30)]
    assert [p.period_from for p in two_years][1:] == [date(2025, 7, 1), date(2026, 1, 1)]


def test_month_ends_stay_month_ends():
    assert interim.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert interim.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert interim.add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    found = interim.periods(date(2025, 8, 31), date(2027, 8, 30), 6)
    # each period ends the day before the start date's day 6, 12, 18 months later (2-28 → 2-27)
    assert [p.period_to for p in found] == [date(2026, 2, 27), date(2026, 8, 30), date(2027, 2, 27)]
    assert [p.period_from for p in found] == [date(2025, 8, 31), date(2026, 2, 28), date(2026, 8, 31)]


def test_signing_lays_out_the_reports(project):
    task_book = project.task_book
    laid = reports(project)
    expected = interim.periods(task_book.starts_on, task_book.ends_on, 6)
    assert [(r.sequence, r.period_from, r.period_to, r.due_on) for r in laid] == [
        (p.sequence, p.period_from, p.period_to, p.due_on) for p in expected
    ]
    assert [r.title for r in laid][:2] == ["第1期进展报告", "第2期进展报告"]
    assert project.status == Status.ONGOING


def test_a_change_with_new_dates_keeps_submitted_reports_and_replaces_untouched_ones(project, user):
    first = current_report(project)
    interim.save_report(user("qiye"), first, progress="完成样机设计", problems="", spent=Decimal("1000"))
    interim.submit(user("qiye"), InterimReport.objects.get(pk=first.pk))
    untouched_before = [r.pk for r in reports(project) if r.status == ReportStatus.DUE]
    assert untouched_before
    kjj = user("kjj")
    task_book = TaskBook.objects.get(project=project)
    workflow.perform(task_book, "amend", kjj, comment="延长实施期，改为每 3 个月报告")
    task_book = TaskBook.objects.get(pk=task_book.pk)
    new_end = task_book.ends_on + timedelta(days=180)
    contracts.save_task_book(user("qiye"), task_book, ends_on=new_end, report_every_months=3)
    contracts.submit(user("qiye"), task_book)
    contracts.sign(kjj, TaskBook.objects.get(pk=task_book.pk))
    after = reports(project)
    kept = InterimReport.objects.get(pk=first.pk)
    assert kept.status == ReportStatus.SUBMITTED and kept.progress == "完成样机设计"
    assert not InterimReport.objects.filter(pk__in=untouched_before).exists()
    later = [r for r in after if r.pk != first.pk]
    assert later and all(r.period_to > kept.period_to for r in later)
    expected = [
        p.period_to for p in interim.periods(task_book.starts_on, new_end, 3) if p.period_to > kept.period_to
    ]
    assert [r.period_to for r in later] == expected
    assert len({r.sequence for r in after}) == len(after)


# --- lateness -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_after_due", "expected"),
    [(-15, ""), (-14, "即将到期"), (0, "即将到期"), (1, "逾期"), (30, "逾期"), (31, "严重逾期")],
)
def test_lateness_boundaries(days_after_due, expected):
    due = date(2026, 7, 15)
    report = InterimReport(due_on=due, status=ReportStatus.DUE)
    assert interim.lateness(report, due + timedelta(days=days_after_due)) == expected
    report.status = ReportStatus.SUBMITTED
    assert interim.lateness(report, due + timedelta(days=days_after_due)) == ""


@pytest.mark.parametrize("days_after_due", [-15, -14, 0, 1, 30, 31])
def test_the_lateness_filter_agrees_with_the_lateness_in_the_database(project, days_after_due):
    today = TODAY()
    report = reports(project)[0]
    InterimReport.objects.filter(pk=report.pk).update(due_on=today - timedelta(days=days_after_due))
    report.refresh_from_db()
    computed = interim.lateness(report, today)
    for name, _ in interim.LATENESS:
        found = InterimReport.objects.filter(interim.lateness_condition(name, today), pk=report.pk).exists()
        assert found == (name == computed), (name, computed)


# --- the unit's report ----------------------------------------------------------------------------------------


def test_submission_is_refused_without_progress_and_before_the_period_starts(project, user):
    qiye = user("qiye")
    report = current_report(project)
    with pytest.raises(ActionRefused, match="请填写进展情况"):
        interim.submit(qiye, report)
    future = (
        InterimReport.objects.filter(project=project, period_from__gt=TODAY()).order_by("sequence").first()
    )
    interim.save_report(qiye, future, progress="提前填写", problems="", spent=0)
    with pytest.raises(ActionRefused, match="尚不能报送"):
        interim.submit(qiye, InterimReport.objects.get(pk=future.pk))
    assert InterimReport.objects.get(pk=future.pk).status == ReportStatus.DUE


def test_the_unit_saves_and_submits_dated_today(project, user):
    qiye = user("qiye")
    report = current_report(project)
    interim.save_report(
        qiye, report, progress="完成样机设计\r\n开始试制", problems="原料涨价", spent="120000"
    )
    stored = InterimReport.objects.get(pk=report.pk)
    assert (stored.progress, stored.problems, stored.spent) == (
        "完成样机设计\n开始试制",
        "原料涨价",
        Decimal("120000"),
    )
    interim.submit(qiye, stored)
    stored = InterimReport.objects.get(pk=report.pk)
    assert stored.status == ReportStatus.SUBMITTED and stored.submitted_on == TODAY()
    with pytest.raises(ActionRefused, match="不能修改"):
        interim.save_report(qiye, stored, progress="改", problems="", spent=0)


def test_spending_beyond_the_funding_is_refused(project, user):
    report = current_report(project)
    with pytest.raises(ValidationError) as caught:
        interim.save_report(user("qiye"), report, progress="x", problems="", spent=Decimal("300000.01"))
    assert "超过立项资助金额 300,000.00 元" in str(caught.value.message_dict["spent"])
    assert InterimReport.objects.get(pk=report.pk).progress == ""


def test_a_save_after_the_report_moved_on_is_refused(project, user):
    report = current_report(project)
    seen = InterimReport.objects.get(pk=report.pk)
    interim.save_report(user("qiye"), report, progress="进展", problems="", spent=0)
    interim.submit(user("qiye"), InterimReport.objects.get(pk=report.pk))
    with pytest.raises(ActionRefused, match="已变为“已报送”"):
        interim.save_report(user("qiye"), seen, progress="迟到的修改", problems="", spent=0)
    assert InterimReport.objects.get(pk=report.pk).progress == "进展"


def test_another_enterprises_user_can_neither_save_nor_submit(project, user):
    report = current_report(project)
    interim.save_report(user("qiye"), report, progress="进展", problems="", spent=0)
    other = Enterprise.objects.exclude(pk=project.enterprise_id).order_by("pk").first()
    stranger = User.objects.create_user(username="qiye-other", password="x-Long-Passw0rd")
    from kechuang.org.models import RoleGrant

    grant = RoleGrant.objects.filter(user=user("qiye")).first()
    RoleGrant.objects.create(user=stranger, role=grant.role, department=grant.department)
    other.users.add(stranger)
    stored = InterimReport.objects.get(pk=report.pk)
    with pytest.raises(ActionRefused):
        interim.save_report(stranger, stored, progress="篡改", problems="", spent=0)
    with pytest.raises(ActionRefused):
        interim.submit(stranger, stored)
    assert InterimReport.objects.get(pk=report.pk).status == ReportStatus.DUE


# --- the bureau's verdict --------------------------------------------------------------------------------------


def submitted(project, user) -> InterimReport:
    report = current_report(project)
    interim.save_report(user("qiye"), report, progress="进展", problems="问题", spent=Decimal("5000"))
    return interim.submit(user("qiye"), InterimReport.objects.get(pk=report.pk))


def test_normal(project, user):
    report = interim.judge(user("kjj"), submitted(project, user), ReportStatus.NORMAL)
    assert InterimReport.objects.get(pk=report.pk).status == ReportStatus.NORMAL


def test_rectify_creates_the_follow_up_report(project, user):
    report = submitted(project, user)
    count = InterimReport.objects.filter(project=project).count()
    with pytest.raises(ValidationError, match="整改期限"):
        interim.judge(user("kjj"), report, ReportStatus.RECTIFY, comment="补充试验数据")
    with pytest.raises(ValidationError, match="晚于今天"):
        interim.judge(user("kjj"), report, ReportStatus.RECTIFY, comment="补充", rectify_by=TODAY())
    by = TODAY() + timedelta(days=30)
    interim.judge(user("kjj"), report, ReportStatus.RECTIFY, comment="补充试验数据", rectify_by=by)
    stored = InterimReport.objects.get(pk=report.pk)
    assert stored.status == ReportStatus.RECTIFY and stored.rectify_by == by
    follow_up = InterimReport.objects.filter(project=project).order_by("-sequence").first()
    assert InterimReport.objects.filter(project=project).count() == count + 1
    assert (
        follow_up.title,
        follow_up.period_from,
        follow_up.period_to,
        follow_up.due_on,
        follow_up.status,
    ) == (
        "整改报告",
        stored.period_to + timedelta(days=1),
        by,
        by,
        ReportStatus.DUE,
    )
    assert follow_up.sequence == max(r.sequence for r in reports(project))


def test_terminate_stops_the_project_in_the_same_transaction(project, user):
    report = submitted(project, user)
    with pytest.raises(ValidationError):
        interim.judge(user("kjj"), report, ReportStatus.TERMINATE)
    interim.judge(user("kjj"), report, ReportStatus.TERMINATE, comment="进展严重滞后")
    assert InterimReport.objects.get(pk=report.pk).status == ReportStatus.TERMINATE
    stopped = Project.objects.get(pk=project.pk)
    assert stopped.status == Status.TERMINATED
    assert "进展严重滞后" in workflow.last_event(stopped, "terminate").comment
    # a stopped project owes no more reports: those not begun are gone, and nothing is reminded
    assert not InterimReport.objects.filter(project=project, status=ReportStatus.DUE).exists()
    interim.remind(report.due_on + timedelta(days=400))
    for left in InterimReport.objects.filter(project=project):
        assert not Notification.objects.filter(key__startswith=f"interim:{left.pk}:").exists()


def test_terminate_undone_when_the_project_cannot_stop(project, user):
    report = submitted(project, user)
    # the project finished meanwhile: its 终止 is refused, and the report's verdict with it
    Project.objects.filter(pk=project.pk).update(status=Status.COMPLETED, completed_on=TODAY())
    with pytest.raises(ActionRefused):
        interim.judge(
            user("kjj"), InterimReport.objects.get(pk=report.pk), ReportStatus.TERMINATE, comment="滞后"
        )
    assert InterimReport.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED


def test_the_unit_cannot_judge(project, user):
    with pytest.raises(ActionRefused):
        interim.judge(user("qiye"), submitted(project, user), ReportStatus.NORMAL)


# --- reminders --------------------------------------------------------------------------------------------------


def test_reminders_go_once_to_the_unit_and_the_bureau_when_very_late(project, user):
    report = current_report(project)
    due = report.due_on
    qiye, kjj = user("qiye"), user("kjj")

    def mine(u):
        return list(
            Notification.objects.filter(user=u, key__startswith=f"interim:{report.pk}:").values_list(
                "key", flat=True
            )
        )

    interim.remind(due - timedelta(days=20))
    assert mine(qiye) == []
    assert interim.remind(due - timedelta(days=14))["interim_due"] >= 1
    interim.remind(due - timedelta(days=13))  # the same reminder: once
    assert mine(qiye) == [f"interim:{report.pk}:due:14"]
    interim.remind(due - timedelta(days=3))
    interim.remind(due)
    interim.remind(due)
    assert sorted(mine(qiye)) == sorted(f"interim:{report.pk}:due:{d}" for d in (14, 3, 0))
    interim.remind(due + timedelta(days=1))
    interim.remind(due + timedelta(days=2))
    assert mine(qiye).count(f"interim:{report.pk}:late") == 1
    assert mine(kjj) == []
    interim.remind(due + timedelta(days=30))
    assert mine(kjj) == []
    interim.remind(due + timedelta(days=31))
    interim.remind(due + timedelta(days=32))
    assert mine(kjj) == [f"interim:{report.pk}:very-late"]
    assert f"interim:{report.pk}:very-late" not in mine(qiye)
    notice = Notification.objects.get(user=kjj, key=f"interim:{report.pk}:very-late")
    assert "严重逾期" in notice.title and notice.url == report.get_absolute_url()


def test_a_submitted_report_is_not_reminded(project, user):
    report = submitted(project, user)
    interim.remind(report.due_on)
    assert not Notification.objects.filter(key__startswith=f"interim:{report.pk}:").exists()


def test_the_daily_reminders_include_the_interim_reports(project, user):
    from kechuang.progress.tasks import send_reminders

    report = current_report(project)
    counts = send_reminders.call(report.due_on.isoformat())
    assert counts["interim_due"] >= 1
    assert Notification.objects.filter(user=user("qiye"), key=f"interim:{report.pk}:due:0").exists()


# --- the registry and the pages -------------------------------------------------------------------------------


def test_the_registry_lists_with_the_lateness_filter(project, client_as, user):
    today = TODAY()
    laid = reports(project)
    InterimReport.objects.filter(pk=laid[0].pk).update(due_on=today - timedelta(days=10))
    InterimReport.objects.filter(pk=laid[1].pk).update(due_on=today - timedelta(days=40))
    client = client_as("kjj")
    page = client.get("/projects/interim-reports/?lateness=逾期&q=" + project.number)
    assert page.status_code == 200
    text = page.content.decode()
    assert laid[0].get_absolute_url() in text and laid[1].get_absolute_url() not in text
    assert "逾期" in text
    very = client.get("/projects/interim-reports/?lateness=严重逾期&q=" + project.number).content.decode()
    assert laid[1].get_absolute_url() in very and laid[0].get_absolute_url() not in very
    assert client.get("/projects/interim-reports/?lateness=很晚").status_code == 400
    api = client.get("/api/v1/interim-reports?lateness=逾期&q=" + project.number)
    assert api.status_code == 200
    assert [row["id"] for row in api.json()["results"]] == [laid[0].pk]
    assert client.get(f"/projects/interim-reports/{laid[0].pk}/").url == laid[0].get_absolute_url()


def test_the_export_holds_the_lists_rows(project, client_as):
    import io

    import openpyxl

    today = TODAY()
    laid = reports(project)
    InterimReport.objects.filter(pk=laid[0].pk).update(due_on=today - timedelta(days=10))
    client = client_as("kjj")
    params = {"lateness": "逾期", "q": project.number}
    response = client.get("/tables/interim-reports/export.xlsx", params)
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(
        openpyxl.load_workbook(io.BytesIO(content), read_only=True)["数据"].iter_rows(values_only=True)
    )
    found = [dict(zip(rows[0], row, strict=False)) for row in rows[1:]]
    assert [(r["项目编号"], r["名称"], r["逾期情况"]) for r in found] == [
        (project.number, laid[0].title, "逾期")
    ]
    assert client.get("/tables/interim-reports/export.xlsx", {"lateness": "很晚"}).status_code == 400
    # no import: nobody holds the sheet's import capability
    assert client.post("/tables/interim-reports/upload/").status_code == 403


def test_the_registry_shows_the_unit_its_own_reports_only(project, client_as, user):
    registry = InterimReportRegistry()
    mine = registry.queryset(user("qiye"))
    assert set(mine.values_list("project__enterprise", flat=True)) <= {project.enterprise_id}
    assert mine.filter(project=project).exists()
    assert client_as("qiye").get("/projects/interim-reports/").status_code == 200
    assert client_as("expert").get("/projects/interim-reports/").status_code == 403


def test_the_unit_fills_and_submits_through_the_page_and_the_bureau_rectifies(project, client_as, user):
    report = current_report(project)
    url = report.get_absolute_url()
    unit = client_as("qiye")
    page = unit.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="progress"' in text and "请填写进展情况" in text
    refused = unit.post(url, {"step": "submit"})
    assert refused.status_code == 400 and "请填写进展情况" in refused.content.decode()
    too_much = unit.post(url, {"step": "save", "progress": "x", "problems": "", "spent": "999999999"})
    assert too_much.status_code == 400 and "超过立项资助金额" in too_much.content.decode()
    saved = unit.post(url, {"step": "save", "progress": "样机完成", "problems": "无", "spent": "1000.50"})
    assert saved.status_code == 302
    assert unit.post(url, {"step": "submit"}).status_code == 302
    assert InterimReport.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED
    # the unit may no longer change it; the bureau may not fill it
    assert unit.post(url, {"step": "save", "progress": "改"}).status_code == 302
    assert InterimReport.objects.get(pk=report.pk).progress == "样机完成"
    bureau = client_as("kjj")
    page = bureau.get(url).content.decode()
    assert 'name="verdict"' in page and "样机完成" in page
    missing = bureau.post(url, {"step": "judge", "verdict": "整改", "comment": ""})
    assert missing.status_code == 400
    body = missing.content.decode()
    assert "须填写检查意见" in body and "须填写整改期限" in body
    by = TODAY() + timedelta(days=20)
    done = bureau.post(
        url, {"step": "judge", "verdict": "整改", "comment": "补充数据", "rectify_by": by.isoformat()}
    )
    assert done.status_code == 302
    follow_up = InterimReport.objects.filter(project=project, title="整改报告").get()
    assert follow_up.due_on == by
    again = bureau.get(follow_up.get_absolute_url()).content.decode()
    assert report.title in again  # the earlier reports of the project
    detail = bureau.get(f"/projects/{project.pk}/").content.decode()
    assert 'id="interim"' in detail and follow_up.get_absolute_url() in detail


def test_nobody_else_reaches_the_report(project, client_as):
    url = reports(project)[0].get_absolute_url()
    assert client_as("expert").get(url).status_code == 403
    assert client_as("jxw").get(url).status_code == 404


def test_saving_the_form_untouched_changes_nothing(project, client_as, user):
    report = current_report(project)
    interim.save_report(
        user("qiye"), report, progress="第一段\n第二段", problems="无", spent=Decimal("1234.56")
    )
    before = ChangeEntry.objects.count()
    response = client_as("qiye").post(
        report.get_absolute_url(),
        {"step": "save", "progress": "第一段\r\n第二段", "problems": "无", "spent": "1234.56"},
    )
    assert response.status_code == 302
    assert ChangeEntry.objects.count() == before


def test_the_demo_has_late_very_late_and_rectified_reports():
    today = TODAY()
    due = InterimReport.objects.filter(project__number__startswith="KZKJ")
    assert due.filter(interim.lateness_condition("逾期", today)).exists()
    assert due.filter(interim.lateness_condition("严重逾期", today)).exists()
    assert due.filter(status=ReportStatus.RECTIFY).exists()
    assert due.filter(status=ReportStatus.SUBMITTED).exists()
    assert TaskBook.objects.filter(
        status=TaskBookStatus.SIGNED, project__interim_reports__isnull=False
    ).exists()
