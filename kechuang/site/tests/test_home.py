"""Each role's home page: 我的待办 from the workflows, reminders, overdue tasks and red targets; the plan
in force is the cockpit's; a reporter sees its own unit's work, an enterprise what is its own."""

from datetime import date

import pytest
from django.utils import timezone

from kechuang.org.loading import find_department
from kechuang.plans.choices import TaskStatus
from kechuang.plans.models import Plan, Task
from kechuang.progress.cockpit import active_plan
from kechuang.projects.models import Category, Project, Status
from kechuang.tabular.models import ImportJob
from kechuang.workflow.models import Notification

pytestmark = pytest.mark.django_db


def todo_section(body: str) -> str:
    start = body.index('id="todo"')
    return body[start : body.index("</section>", start)]


def test_the_bureau_sees_what_waits_for_it(client_as, user, dept):
    Project.objects.create(
        year=2031,
        number="HOME-1",
        name="待受理的申报",
        category=Category.DISTRICT,
        department=dept("汉丰街道"),
        unit_name="开州区测试中心",
        status=Status.APPLIED,
        applied_on=date(2031, 1, 5),
    )
    ImportJob.objects.create(
        sheet="projects",
        user=user("kjj"),
        file="imports/x.xlsx",
        original_name="台账.xlsx",
        status="validated",
    )
    Notification.objects.create(
        user=user("kjj"), kind="report_late", key="home-test", title="区统计局报告逾期"
    )
    body = client_as("kjj").get("/").content.decode()
    todo = todo_section(body)
    waiting = Project.objects.filter(status=Status.APPLIED).count()
    assert f'待受理的项目申报</a> <span class="badge">{waiting}</span>' in todo
    assert "/projects/?status=申报" in todo
    assert "待确认导入的文件" in todo and "台账.xlsx" in todo
    assert "未读提醒" in todo and "区统计局报告逾期" in todo
    overdue = (
        Task.objects.filter(programme__plan=active_plan(user("kjj")), deadline__lt=timezone.localdate())
        .exclude(status=TaskStatus.DONE)
        .count()
    )
    if overdue:
        assert f'逾期未完成的任务</a> <span class="badge">{overdue}</span>' in todo
    assert "programme-card" in body  # the bureau oversees the whole plan
    # someone else's validated file is not the leader's to-do; the plan's overdue tasks are
    leader = todo_section(client_as("leader").get("/").content.decode())
    assert "待确认导入的文件" not in leader
    if overdue:
        assert f'逾期未完成的任务</a> <span class="badge">{overdue}</span>' in leader


def test_a_reporter_lands_on_its_own_units_work(client_as, user):
    body = client_as("jxw").get("/").content.decode()
    assert "programme-card" not in body
    assert "本单位承担的任务" in body
    jxw = find_department(["重庆市", "开州区", "区经济信息委"])
    own = Task.objects.filter(lead_department=jxw) | Task.objects.filter(co_departments=jxw)
    for task in own.distinct():
        assert task.title in body
    foreign = Task.objects.exclude(lead_department=jxw).exclude(co_departments=jxw).first()
    assert foreign.title not in body


def test_external_roles_see_their_own(client_as, user):
    body = client_as("qiye").get("/").content.decode()
    assert "programme-card" not in body and "本单位承担的任务" not in body
    enterprise = user("qiye").enterprises.get()
    assert "我的企业" in body and enterprise.name in body
    # its draft and its returned application wait in 我的待办, each opening on its application page
    from kechuang.projects.models import Project, Status

    for status, label in ((Status.DRAFT, "未提交的项目申报"), (Status.RETURNED, "退回补正的项目申报")):
        waiting = Project.objects.filter(enterprise=enterprise, status=status).first()
        assert label in body and f'href="/projects/{waiting.pk}/application/"' in body
    expert = client_as("expert").get("/").content.decode()
    # the demo expert has sheets to fill in this year's open round: they wait in 我的待办, nothing of the plan
    assert "待提交的评审" in expert and "/reviews/assignments/" in expert and "programme-card" not in expert
    fuwu = client_as("fuwu").get("/").content.decode()
    # the demo service institution has a published 揭榜挂帅 list open for its bid
    assert "可揭榜的榜单" in fuwu and "/challenges/" in fuwu and "programme-card" not in fuwu


def test_home_and_cockpit_show_the_same_plan_in_a_city_deployment(client_as, user, dept):
    """A later plan of the city is visible to a district leader; theirs is still the district's."""
    district_plan = active_plan(user("leader"))
    city = find_department(["重庆市"])
    Plan.objects.create(
        department=city,
        doc_number="渝府办发〔2026〕1号",
        title="重庆市科技创新行动方案",
        issuer="重庆市人民政府办公厅",
        issued_on=date(2026, 3, 1),
        period_start=2026,
        period_end=2030,
        source_text="……",
    )
    body = client_as("leader").get("/").content.decode()
    assert district_plan.title in body and "重庆市科技创新行动方案" not in body
    assert active_plan(user("leader")) == district_plan
    nav = client_as("leader").get("/").context["nav_plan"]
    assert nav == district_plan


def test_a_target_past_its_year_shows_its_result_and_a_cancelled_task_is_not_overdue(client_as, user):
    plan = active_plan(user("kjj"))
    today = timezone.localdate()
    late = Task.objects.filter(programme__plan=plan, deadline__lt=today).exclude(status=TaskStatus.DONE)
    before = late.count()
    cancelled = late.order_by("pk").first()
    Task.objects.filter(pk=cancelled.pk).update(status=TaskStatus.CANCELLED)
    todo = todo_section(client_as("kjj").get("/").content.decode())
    assert f'逾期未完成的任务</a> <span class="badge">{before - 1}</span>' in todo
    assert f"{cancelled.code} {cancelled.title}（" not in todo
    # the demo's 2025 target of 科技型企业数 (500家, 444 reached) is over: its result, not "滞后"
    assert "滞后或未达成的指标" in todo
    assert "科技型企业数 2025年：未达成（已到期）" in todo and "科技型企业数 2025年：滞后" not in todo
