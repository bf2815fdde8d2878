"""The one workflow mechanism, exercised on the project lifecycle: allowed paths, refusals, the
compare-and-set against a stale page, the audit entry and the thread, and the page's panel."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kechuang.audit.models import ChangeEntry
from kechuang.org.actions import ActionRefused
from kechuang.projects import actions
from kechuang.projects.models import Category, Project, Status
from kechuang.workflow import engine
from kechuang.workflow.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(dept, user):
    return actions.save_project(
        user("kjj"),
        None,
        reason="受理窗口登记",
        year=2031,
        number="WF-1",
        name="流程测试项目",
        category=Category.DISTRICT,
        department=dept("汉丰街道"),
        unit_name="开州区测试中心",
        applied_on=date(2031, 3, 1),
    )


def test_a_project_runs_its_whole_lifecycle_with_audit_and_thread(application, user):
    kjj = user("kjj")
    assert application.status == Status.APPLIED
    engine.perform(application, "accept", kjj, comment="材料齐全")
    engine.perform(
        application,
        "approve",
        kjj,
        changes={"approved_on": date(2031, 6, 1), "funding": Decimal("200000"), "planned_end_on": None},
    )
    engine.perform(application, "start", kjj)
    engine.perform(
        application, "complete", kjj, changes={"completed_on": date(2032, 6, 1)}, comment="验收通过"
    )
    stored = Project.objects.get(pk=application.pk)
    assert (stored.status, stored.completed_on, stored.funding) == (
        Status.COMPLETED,
        date(2032, 6, 1),
        Decimal("200000"),
    )
    updates = ChangeEntry.objects.filter(
        content_type__model="project", object_id=str(stored.pk), action="update"
    ).order_by("pk")
    assert [(u.before["status"], u.after["status"]) for u in updates] == [
        ("申报", "受理"),
        ("受理", "立项"),
        ("立项", "在研"),
        ("在研", "结题"),
    ]
    assert updates[0].reason == "材料齐全" and updates[2].reason == "开始实施"
    assert all(u.actor == kjj for u in updates)
    thread = engine.history(stored)
    assert [(e.label, e.from_label, e.to_label) for e in thread] == [
        ("受理", "申报", "受理"),
        ("立项", "受理", "立项"),
        ("开始实施", "立项", "在研"),
        ("结题", "在研", "结题"),
    ]
    assert thread[-1].comment == "验收通过" and thread[-1].actor == kjj


def test_no_way_back_without_an_explicit_reopen(application, user):
    kjj = user("kjj")
    for name, changes in (
        ("accept", None),
        ("approve", {"approved_on": date(2031, 6, 1), "funding": Decimal("180000")}),
        ("start", None),
        ("complete", {"completed_on": date(2032, 6, 1)}),
    ):
        engine.perform(application, name, kjj, changes=changes)
    # neither the edit action nor another transition can send a 结题 project back to 申报
    with pytest.raises(ActionRefused, match="项目状态只能通过办理操作"):
        actions.save_project(kjj, Project.objects.get(pk=application.pk), status=Status.APPLIED)
    for name in ("accept", "approve", "start", "resubmit", "terminate"):
        with pytest.raises(ActionRefused, match="当前状态为“结题”"):
            engine.perform(application, name, kjj)
    with pytest.raises(ValidationError, match="须填写意见"):
        engine.perform(application, "reopen", kjj)
    engine.perform(application, "reopen", kjj, comment="验收材料造假，撤销结题")
    stored = Project.objects.get(pk=application.pk)
    assert stored.status == Status.ONGOING and stored.completed_on is None
    last = ChangeEntry.objects.filter(content_type__model="project", object_id=str(stored.pk)).latest("pk")
    assert last.reason == "验收材料造假，撤销结题" and set(last.changed_fields) == {"status", "completed_on"}


def test_the_new_state_must_be_valid(application, user):
    kjj = user("kjj")
    engine.perform(application, "accept", kjj)
    with pytest.raises(ValidationError) as caught:
        engine.perform(application, "approve", kjj, changes={"approved_on": date(2031, 1, 1)})
    assert "立项日期不能早于申报日期。" in caught.value.messages
    assert Project.objects.get(pk=application.pk).status == Status.ACCEPTED


def test_two_clicks_on_one_page_one_wins(application, user):
    """Both users opened the page while it was 申报; the second click finds the state moved on."""
    kjj = user("kjj")
    first, second = Project.objects.get(pk=application.pk), Project.objects.get(pk=application.pk)
    engine.perform(first, "accept", kjj)
    with pytest.raises(ActionRefused, match="已被他人处理（当前状态：受理）"):
        engine.perform(second, "return", kjj, comment="材料不全")
    assert Project.objects.get(pk=application.pk).status == Status.ACCEPTED
    assert Event.objects.filter(object_id=str(application.pk), transition="return").count() == 0


def test_capability_and_scope_are_checked_on_the_object(application, user):
    for username in ("leader", "hanfeng", "qiye", "expert"):
        with pytest.raises(ActionRefused, match="没有受理该记录的权限"):
            engine.perform(application, "accept", user(username))
        assert engine.available(application, user(username)) == []
    assert [t.name for t in engine.available(application, user("kjj"))] == ["accept", "return"]


def test_the_page_offers_the_transitions_and_runs_them(application, client_as):
    client = client_as("kjj")
    page = client.get(f"/projects/{application.pk}/").content.decode()
    assert "项目办理" in page and "确认受理" in page and "确认退回" in page and "确认立项" not in page
    url = f"/workflow/projects.project/{application.pk}"
    response = client.post(f"{url}/return/", {"comment": ""}, follow=True)
    assert "意见（必填）：这个字段是必填项。" in response.content.decode()
    assert Project.objects.get(pk=application.pk).status == Status.APPLIED
    response = client.post(f"{url}/return/", {"comment": "缺少财务报表"}, follow=True)
    body = response.content.decode()
    assert "已退回：现为“退回”。" in body and "缺少财务报表" in body
    # a leader sees the thread but no buttons; a user out of scope gets 404 for page and action alike
    assert "确认重新申报" not in client_as("leader").get(f"/projects/{application.pk}/").content.decode()
    assert client_as("jxw").post(f"{url}/resubmit/", {}).status_code == 404
    assert client.post(f"{url}/nonsense/", {}).status_code == 404
    assert client.post("/workflow/projects.project/abc/accept/", {}).status_code == 404
    assert client.post("/workflow/org.user/1/accept/", {}).status_code == 404
    assert client.get(f"{url}/accept/").status_code == 405


def test_every_declared_workflow_is_consistent():
    for wf in engine.workflows():
        assert wf.model is not None
        states = set(wf.states.values)
        reachable = {t.target for t in wf.transitions} | {s for t in wf.transitions for s in t.source}
        assert reachable <= states | {engine.ANY}, wf.model
        for t in wf.transitions:
            if t.form is not None:
                assert t.form_class() is not None
