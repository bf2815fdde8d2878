"""The audit log: every create/update/delete (web, API, CLI) with actor, request id, before/after, reason."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kechuang.audit.labels import change_rows
from kechuang.audit.models import AppendOnlyError, ChangeEntry, LoginEvent
from kechuang.core.context import audit_context
from kechuang.org.models import Department
from kechuang.plans.models import Task

pytestmark = pytest.mark.django_db


def entries_for(instance):
    return ChangeEntry.objects.filter(
        object_id=str(instance.pk), content_type__model=type(instance)._meta.model_name
    )


def test_web_create_is_logged_with_actor_request_id_and_reason(client_as, user, dept):
    response = client_as("sysadmin").post(
        "/org/departments/new/",
        {"parent": dept().pk, "name": "开州区科技创新服务中心", "kind": "unit", "reason": "新设事业单位"},
    )
    assert response.status_code == 302
    node = Department.objects.get(name="开州区科技创新服务中心")
    entry = entries_for(node).get()
    assert entry.action == "create" and entry.source == "web"
    assert entry.actor == user("sysadmin") and entry.reason == "新设事业单位"
    assert entry.request_id and len(entry.request_id) == 32
    assert entry.after["name"] == "开州区科技创新服务中心" and entry.before is None
    assert entry.scope_path == node.path


def test_web_update_stores_before_and_after_of_changed_fields(client_as, dept):
    target = dept("区统计局")
    response = client_as("sysadmin").post(
        f"/org/departments/{target.pk}/edit/",
        {
            "name": "区统计局",
            "short_name": "统计",
            "kind": "department",
            "code": "",
            "is_active": "on",
            "reason": "统一简称",
        },
    )
    assert response.status_code == 302
    entry = entries_for(target).filter(action="update").latest("pk")
    assert entry.changed_fields == ["short_name"]
    assert entry.before["short_name"] == "统计局" and entry.after["short_name"] == "统计"
    assert response["X-Request-ID"] == entry.request_id


def test_saving_without_changes_writes_nothing(dept):
    target = dept("区统计局")
    before = ChangeEntry.objects.count()
    target.save()
    assert ChangeEntry.objects.count() == before


def test_task_edit_records_reason_and_many_to_many_change(client_as, dept, user):
    task = Task.objects.get(code="7.6")
    response = client_as("kjj").post(
        f"/plans/tasks/{task.pk}/edit/",
        {
            "status": "done",
            "completed_on": "2021-12-20",
            "deadline": "2025-12-31",
            "lead_department": dept("区科协").pk,
            "co_departments": [dept("区教委").pk],
            "reason": "2021年科普三进活动全部完成",
        },
    )
    assert response.status_code == 302
    changes = entries_for(task).filter(source="web").order_by("pk")
    fields = {f for e in changes for f in e.changed_fields}
    assert {"status", "completed_on", "co_departments"} <= fields
    assert {(e.reason, e.actor_id) for e in changes} == {("2021年科普三进活动全部完成", user("kjj").pk)}
    assert len({e.request_id for e in changes}) == 1
    m2m = changes.get(changed_fields=["co_departments"])
    assert m2m.after == {"co_departments": [dept("区教委").pk]}
    assert len(m2m.before["co_departments"]) == 3 + 40  # three departments and the 40 towns


def test_delete_is_logged_with_the_last_state(dept):
    node = Department.objects.add_child(dept(), instance=Department(name="临时单位", kind="unit"))
    pk = node.pk
    with audit_context(reason="录入错误"):
        node.delete()
    entry = ChangeEntry.objects.get(object_id=str(pk), content_type__model="department", action="delete")
    assert entry.before["name"] == "临时单位" and entry.after is None and entry.reason == "录入错误"


def test_cli_changes_are_logged_as_cli_with_the_named_actor(user):
    out = io.StringIO()
    call_command("demo", actor="sysadmin", reason="重置演示账号", stdout=out)
    qiye = user("qiye")
    qiye.set_password("Changed#Pass2024")
    qiye.save()
    call_command("demo", actor="sysadmin", reason="重置演示账号", stdout=out)
    entry = entries_for(qiye).filter(action="update").latest("pk")
    assert entry.source == "cli" and entry.actor == user("sysadmin") and entry.reason == "重置演示账号"
    assert entry.before["password"] == "******" and entry.after["password"] == "******"
    assert entry.changed_fields == ["password"]


def test_api_source_is_recorded(client_as):
    # the API is read-only so far; its requests still carry a request id and the api source
    response = client_as("kjj").get("/api/v1/plans")
    assert response.status_code == 200 and len(response["X-Request-ID"]) == 32


def test_entries_cannot_be_edited_or_deleted():
    entry = ChangeEntry.objects.first()
    entry.reason = "篡改"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        ChangeEntry.objects.filter(pk=entry.pk).update(reason="篡改")
    with pytest.raises(AppendOnlyError):
        ChangeEntry.objects.all().delete()
    login = LoginEvent.objects.create(username="x", outcome="failed")
    with pytest.raises(AppendOnlyError):
        login.delete()


def test_audit_pages_have_no_edit_or_delete_route(client_as, user):
    from kechuang.org.scope import visible_to

    entry = visible_to(user("shenji"), ChangeEntry.objects.all()).first()  # one the auditor may open
    client = client_as("shenji")
    assert client.post(f"/audit/changes/{entry.pk}/", {"reason": "x"}).status_code in (200, 405)
    assert ChangeEntry.objects.get(pk=entry.pk).reason == entry.reason
    assert client.get(f"/audit/changes/{entry.pk}/delete/").status_code == 404


def test_change_list_filters(client_as, dept):
    client = client_as("shenji")
    body = client.get("/audit/changes/", {"object": "区经济信息委", "action": "create"}).content.decode()
    assert "区经济信息委" in body and "新增" in body
    body = client.get("/audit/changes/", {"object": "区经济信息委", "action": "delete"}).content.decode()
    assert "没有符合条件的记录" in body


def test_change_list_reports_a_bad_date(client_as):
    response = client_as("shenji").get("/audit/changes/", {"from": "2021/13/40"})
    assert response.status_code == 400
    assert "起始日期：“2021/13/40”不是有效日期，应写作 2021-08-23" in response.content.decode()


def test_the_district_auditor_does_not_see_city_level_changes(client_as):
    from kechuang.org.models import RoleGrant, User

    city = Department.objects.get(name="重庆市")
    city_entry = ChangeEntry.objects.filter(object_id=str(city.pk), content_type__model="department").first()
    assert client_as("shenji").get(f"/audit/changes/{city_entry.pk}/").status_code == 404
    city_auditor = User.objects.create(username="city_audit", display_name="市审计管理员")
    RoleGrant.objects.create(user=city_auditor, role="audit_admin", scope="all")
    assert client_as(city_auditor).get(f"/audit/changes/{city_entry.pk}/").status_code == 200
    assert client_as("kjj").get(f"/audit/changes/{city_entry.pk}/").status_code == 403  # 三员分立


def test_change_detail_reads_like_a_sentence(client_as, dept):
    entry = ChangeEntry.objects.get(
        object_id=str(dept("区教委").pk), content_type__model="department", action="create"
    )
    body = client_as("shenji").get(f"/audit/changes/{entry.pk}/").content.decode()
    assert "<td>类型</td>" in body and "<td>部门</td>" in body and "<td>是</td>" in body
    assert "<td>kind</td>" not in body and "is_active" not in body


def _edit_task(client, task, lead, co, status="in_progress", reason="调整牵头单位"):
    response = client.post(
        f"/plans/tasks/{task.pk}/edit/",
        {
            "status": status,
            "completed_on": "2021-12-20" if status == "done" else "",
            "deadline": task.deadline.isoformat() if task.deadline else "",
            "lead_department": lead.pk,
            "co_departments": [d.pk for d in co],
            "reason": reason,
        },
    )
    assert response.status_code == 302, response.content.decode()


def _lead_change(task):
    updates = entries_for(task).filter(action="update").order_by("-pk")
    return next(e for e in updates if "lead_department_id" in e.changed_fields)


def _row(body: str, label: str) -> str:
    start = body.index(f"<td>{label}</td>")
    return body[start : body.index("</tr>", start)]


def test_change_pages_name_fields_referenced_records_and_choices(client_as, dept):
    task = Task.objects.get(code="7.6")
    old, old_status = task.lead_department, task.get_status_display()
    assert task.status != "done"
    new = dept("区统计局") if old != dept("区统计局") else dept("区科协")
    _edit_task(client_as("kjj"), task, new, [dept("区教委")], status="done")
    entry = _lead_change(task)
    client = client_as("shenji")

    body = client.get(f"/audit/changes/{entry.pk}/").content.decode()
    lead = _row(body, "牵头单位")
    assert f"<td>{old.name}</td><td>{new.name}</td>" in lead
    assert f"<td>{old_status}</td><td>已完成</td>" in _row(body, "状态")
    assert "<td>done</td>" not in body and "lead_department_id" not in body
    assert f"<td>{old.pk}</td>" not in body and f"<td>{new.pk}</td>" not in body
    programme = _row(body, "所属工程")
    assert task.programme.title in programme

    co = next(e for e in entries_for(task).filter(action="update") if e.changed_fields == ["co_departments"])
    assert "<td>区教委</td>" in _row(client.get(f"/audit/changes/{co.pk}/").content.decode(), "配合单位")

    listing = client.get("/audit/changes/", {"object": task.title[:10], "action": "update"}).content.decode()
    assert "牵头单位" in listing and "lead_department_id" not in listing


def test_a_deleted_referenced_record_shows_its_number(client_as, dept):
    task = Task.objects.get(code="7.6")
    old = task.lead_department
    temporary = Department.objects.add_child(dept(), instance=Department(name="临时牵头单位", kind="unit"))
    client = client_as("kjj")
    _edit_task(client, task, temporary, [])
    entry = _lead_change(task)
    _edit_task(client, task, old, [], reason="改回原牵头单位")
    client = client_as("shenji")
    pk = temporary.pk
    temporary.delete()

    lead = _row(client.get(f"/audit/changes/{entry.pk}/").content.decode(), "牵头单位")
    assert f"<td>{old.name}</td><td>#{pk}（已删除）</td>" in lead


def test_referenced_records_are_read_once_per_model(client_as, dept):
    task = Task.objects.get(code="7.6")
    old = task.lead_department
    _edit_task(client_as("kjj"), task, dept("区统计局") if old != dept("区统计局") else dept("区科协"), [])
    entry = ChangeEntry.objects.select_related("content_type").get(pk=_lead_change(task).pk)
    assert {"programme_id", "lead_department_id"} <= set(entry.before) & set(entry.after)
    with CaptureQueriesContext(connection) as queries:
        rows = change_rows(entry)
    # one for the programme, one for both departments (before and after)
    assert len(queries) == 2, [q["sql"] for q in queries]
    assert "牵头单位" in {r["label"] for r in rows if r["changed"]}
