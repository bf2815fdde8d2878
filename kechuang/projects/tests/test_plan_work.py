"""落实情况: calls and projects linked to the plan's tasks — the demo's links, an application inheriting its
call's tasks, the forms keeping the links, what the task's page and the cockpit show to whom, and a
bounded number of queries whatever the number of tasks and records."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kechuang.org.models import Department
from kechuang.plans.models import Plan, Task
from kechuang.plans.work import summarize, work_for
from kechuang.projects import applications, calls
from kechuang.projects.models import Call, CallStatus, Category, Project, Status
from kechuang.projects.sheets import task_codes
from kechuang.tabular.registry import get_sheet
from kechuang.testing.registry import form_data_of

pytestmark = pytest.mark.django_db


def kaizhou_task(code: str) -> Task:
    plan = Plan.objects.get(department__name="开州区", is_active=True)
    return Task.objects.get(programme__plan=plan, code=code)


def make_project(
    number: str, department: Department, *, status=Status.ONGOING, tasks=(), **fields
) -> Project:
    values = {
        "year": 2024,
        "number": number,
        "name": f"落实情况测试项目 {number}",
        "category": Category.DISTRICT,
        "department": department,
        "unit_name": "测试单位",
        "status": status,
        "applied_on": date(2024, 3, 1),
        "funding": Decimal("100000"),
        "self_funding": Decimal("0"),
    }
    if status in (Status.APPROVED, Status.ONGOING, Status.COMPLETED, Status.TERMINATED):
        values["approved_on"] = date(2024, 6, 1)
    if status == Status.COMPLETED:
        values["completed_on"] = date(2025, 6, 1)
    values.update(fields)
    project = Project(**values)
    project.full_clean()
    project.save()
    project.tasks.set(tasks)
    return project


# --- the demo -------------------------------------------------------------------------------------------


def test_the_demo_links_calls_and_projects_to_programme_3():
    assert set(Call.objects.get(number="KZZN2021-GG").tasks.values_list("code", flat=True)) == {"3.2", "3.3"}
    assert set(Call.objects.get(number="KZZN2021-QJ").tasks.values_list("code", flat=True)) == {"3.1", "3.4"}
    chaige = kaizhou_task("3.2").projects.values_list("name", flat=True)
    assert chaige and all("柴葛" in name for name in chaige)
    challenges = Project.objects.filter(category=Category.CHALLENGE)
    assert challenges and all(p.tasks.filter(code="3.6").exists() for p in challenges)
    # every online application carries its call's tasks
    for project in Project.objects.exclude(call=None).filter(call__status=CallStatus.OPEN):
        assert set(project.tasks.all()) == set(project.call.tasks.all())


def test_an_application_inherits_its_calls_tasks(user):
    call = Call.objects.get(status=CallStatus.OPEN, category=Category.DISTRICT)
    assert call.tasks.exists()
    enterprise = user("qiye").enterprises.get()
    Project.objects.filter(call=call, enterprise=enterprise).delete()
    project = applications.start(
        user("qiye"), call, enterprise=enterprise, name="继承任务的申报", topic=call.topic_list[0]
    )
    assert set(project.tasks.all()) == set(call.tasks.all())


# --- forms ----------------------------------------------------------------------------------------------


def test_the_project_form_links_tasks_and_an_untouched_save_keeps_them(client_as, dept):
    project = make_project("PW-FORM-1", dept("汉丰街道"), tasks=[kaizhou_task("3.1")])
    client = client_as("kjj")
    edit = reverse("projects:edit", args=[project.pk])
    form = client.get(edit).context["form"]
    offered = set(form.fields["tasks"].queryset.values_list("code", flat=True))
    assert {"3.1", "3.2", "3.6"} <= offered
    data = form_data_of(form)
    assert data["tasks"] == [str(kaizhou_task("3.1").pk)]
    assert client.post(edit, data).status_code == 302
    assert list(project.tasks.values_list("code", flat=True)) == ["3.1"]
    data["tasks"] = [str(kaizhou_task("3.1").pk), str(kaizhou_task("3.4").pk)]
    assert client.post(edit, data).status_code == 302
    assert set(project.tasks.values_list("code", flat=True)) == {"3.1", "3.4"}
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "落实的计划任务" in page and "3.4 现代农业科技创新和科技成果应用示范" in page


def test_the_call_form_links_tasks_and_an_untouched_save_keeps_them(client_as):
    call = Call.objects.get(number="KZZN2021-GG")
    before = set(call.tasks.all())
    client = client_as("kjj")
    edit = reverse("calls:edit", args=[call.pk])
    form = client.get(edit).context["form"]
    data = form_data_of(form)
    assert client.post(edit, data).status_code == 302
    assert set(call.tasks.all()) == before
    data["tasks"] = [str(kaizhou_task("3.2").pk)]
    assert client.post(edit, data).status_code == 302
    assert list(call.tasks.values_list("code", flat=True)) == ["3.2"]


def test_save_call_without_tasks_leaves_them(user):
    call = Call.objects.get(number="KZZN2021-QJ")
    before = set(call.tasks.all())
    calls.save_call(user("kjj"), call, note="只改备注")
    assert set(call.tasks.all()) == before


# --- what the pages show, to whom ------------------------------------------------------------------------


def test_the_task_page_lists_the_records_with_their_states(client_as, dept):
    task = kaizhou_task("3.5")
    town, other = dept("汉丰街道"), dept("白鹤街道")
    make_project("PW-PAGE-1", town, tasks=[task])
    make_project("PW-PAGE-2", town, status=Status.COMPLETED, tasks=[task])
    make_project("PW-PAGE-3", other, tasks=[task], name="别的街道的项目")
    make_project("PW-PAGE-4", town, status=Status.DRAFT, tasks=[task], name="尚未提交的申报")
    url = reverse("plans:task", args=[task.pk])

    page = client_as("kjj").get(url).content.decode()
    assert "落实情况" in page
    assert "PW-PAGE-1" in page and "PW-PAGE-3" in page and "别的街道的项目" in page
    assert "尚未提交的申报" not in page  # a draft application carries out nothing yet
    counted = summarize(work_for([task], _user("kjj"))[task.pk])
    projects = next(k for k in counted if k.kind == "科技项目")
    assert f"科技项目 {projects.count} 项" in page
    assert "在研" in str(projects) and "结题" in str(projects)

    # a town's reporter sees the plan's task, but only the projects of the town
    town_page = client_as("hanfeng").get(url).content.decode()
    assert "PW-PAGE-1" in town_page and "PW-PAGE-2" in town_page
    assert "PW-PAGE-3" not in town_page and "别的街道的项目" not in town_page

    # an expert reads the plan but no projects
    expert_page = client_as("expert").get(url).content.decode()
    assert "落实情况" in expert_page and "PW-PAGE-1" not in expert_page


def _user(username):
    from kechuang.org.models import User

    return User.objects.get(username=username)


def test_a_draft_call_is_shown_only_to_who_keeps_calls():
    draft = Call.objects.get(status=CallStatus.DRAFT, category=Category.TRANSFER)
    task = kaizhou_task("3.5")
    assert draft.tasks.filter(pk=task.pk).exists()
    numbers = lambda who: {w.number for w in work_for([task], _user(who)).get(task.pk, [])}  # noqa: E731
    assert draft.number in numbers("kjj")
    assert draft.number not in numbers("leader")
    assert draft.number not in numbers("qiye")


def test_a_late_project_is_marked_late(dept):
    task = kaizhou_task("3.5")
    make_project(
        "PW-LATE-1", dept("汉丰街道"), tasks=[task], planned_end_on=timezone.localdate() - timedelta(days=1)
    )
    item = next(w for w in work_for([task], _user("kjj"))[task.pk] if w.number == "PW-LATE-1")
    assert item.tone == "late" and item.css == "status-delayed"


def test_the_cockpit_shows_a_summary_per_task(client_as, dept):
    task = kaizhou_task("3.5")
    make_project("PW-COCKPIT-1", dept("汉丰街道"), tasks=[task])
    make_project("PW-COCKPIT-2", dept("白鹤街道"), tasks=[task])
    expected = {
        who: next(k for k in summarize(work_for([task], _user(who))[task.pk]) if k.kind == "科技项目")
        for who in ("leader", "hanfeng")
    }
    assert expected["leader"].count > expected["hanfeng"].count
    for who, summary in expected.items():
        response = client_as(who).get(reverse("progress:cockpit"))
        assert response.status_code == 200
        row = next(t for t in response.context["tasks"] if t["id"] == task.pk)
        assert summary.short in [k.short for k in row["work"]]
        assert summary.short in response.content.decode()
    assert expected["leader"].short.startswith("项目 ")


# --- bounded queries --------------------------------------------------------------------------------------


def _queries_for(tasks, username) -> int:
    account = _user(username)
    with CaptureQueriesContext(connection) as captured:
        work_for(tasks, account)
    return len(captured)


def test_the_queries_do_not_grow_with_the_tasks_and_records(dept):
    plan = Plan.objects.get(department__name="开州区", is_active=True)
    tasks = list(Task.objects.filter(programme__plan=plan))
    few = _queries_for(tasks[:2], "leader"), _queries_for(tasks[:2], "hanfeng")
    for n in range(30):
        make_project(f"PW-Q-{n:03d}", dept("汉丰街道"), tasks=tasks[n % len(tasks) :][:3])
    many = _queries_for(tasks, "leader"), _queries_for(tasks, "hanfeng")
    assert many == few
    assert max(many) <= 6


def test_the_task_page_and_cockpit_queries_do_not_grow(client_as, dept):
    task = kaizhou_task("3.1")
    client = client_as("leader")
    url = reverse("plans:task", args=[task.pk])
    client.get(url)
    client.get(reverse("progress:cockpit"))
    with CaptureQueriesContext(connection) as before_page:
        client.get(url)
    with CaptureQueriesContext(connection) as before_cockpit:
        client.get(reverse("progress:cockpit"))
    plan_tasks = list(Task.objects.filter(programme__plan=task.programme.plan))
    for n in range(20):
        make_project(f"PW-PQ-{n:03d}", dept("汉丰街道"), tasks=[task, plan_tasks[n % len(plan_tasks)]])
    with CaptureQueriesContext(connection) as after_page:
        client.get(url)
    with CaptureQueriesContext(connection) as after_cockpit:
        client.get(reverse("progress:cockpit"))
    assert len(after_page) == len(before_page)
    assert len(after_cockpit) == len(before_cockpit)


# --- the sheets and the API ---------------------------------------------------------------------------------


def test_the_sheets_and_the_api_carry_the_tasks(client_as, dept):
    project = make_project("PW-SHEET-1", dept("汉丰街道"), tasks=[kaizhou_task("3.4"), kaizhou_task("3.1")])
    assert task_codes(project) == "3.1；3.4"
    sheet = get_sheet("projects")
    assert sheet.column("tasks").readonly
    row = sheet.export_row(sheet.queryset(_user("kjj")).get(pk=project.pk))
    assert row["tasks"] == "3.1；3.4"
    call = Call.objects.get(number="KZZN2021-GG")
    assert get_sheet("calls").export_row(call)["tasks"] == "3.2；3.3"
    answer = client_as("kjj").get(f"/api/v1/projects/{project.pk}").json()
    assert sorted(answer["tasks"]) == sorted([kaizhou_task("3.1").pk, kaizhou_task("3.4").pk])
