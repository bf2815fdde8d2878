"""The audit logs' keyed hash chains: every way of writing an entry chains it; changing, deleting,
inserting or cutting entries by raw SQL is found and named by `kechuang audit verify`; pruning past the
retention period keeps the chains verifiable."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from kechuang.audit import chain
from kechuang.audit.models import Anchor, ChangeEntry, LoginEvent
from kechuang.core.context import audit_context
from kechuang.org.models import Department

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def checkpoints(settings, tmp_path):
    settings.AUDIT_CHECKPOINTS = tmp_path / "checkpoints.log"
    return settings.AUDIT_CHECKPOINTS


def verify_output() -> str:
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def refusal() -> str:
    with pytest.raises(CommandError) as raised:
        call_command("audit", "verify", stdout=io.StringIO())
    return str(raised.value)


def sql(statement: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def some_changes(dept, n=3):
    with audit_context(reason="链测试"):
        for i in range(n):
            department = dept("区统计局")
            department.short_name = f"统计{i}"
            department.save()


def test_entries_written_every_way_make_one_chain_that_verifies(client_as, dept):
    some_changes(dept)  # signals
    client_as("kjj").post("/progress/rounds/", {"period": "2031", "due_on": "2032-01-31"})  # a workflow
    Client().post("/accounts/login/", {"username": "kjj", "password": "错误的密码"})  # a failed login
    assert (
        ChangeEntry.objects.filter(hash="").count() == 0 and LoginEvent.objects.filter(hash="").count() == 0
    )
    first, second = ChangeEntry.objects.order_by("pk")[:2]
    assert second.prev_hash == first.hash and len(first.hash) == 64
    out = verify_output()
    assert f"变更记录：校验 {ChangeEntry.objects.count()} 条，完整" in out
    assert f"登录日志：校验 {LoginEvent.objects.count()} 条，完整" in out


def test_a_changed_entry_is_named(dept):
    some_changes(dept)
    target = ChangeEntry.objects.order_by("-pk")[1]
    sql("UPDATE audit_changeentry SET reason = %s WHERE id = %s", ["无人知晓", target.pk])
    message = refusal()
    assert f"变更记录第 {target.pk} 号记录" in message and "内容与校验值不符：记录被改动" in message


def test_a_changed_entry_with_a_recomputed_plain_hash_is_still_found(dept):
    """Without the key a forger cannot make the chain hold (a plain SHA-256 over the same text fails)."""
    import hashlib

    some_changes(dept)
    target = ChangeEntry.objects.order_by("-pk")[1]
    sql("UPDATE audit_changeentry SET reason = %s WHERE id = %s", ["伪造", target.pk])
    values = dict(ChangeEntry.objects.filter(pk=target.pk).values(*chain.chained_fields(ChangeEntry))[0])
    forged = hashlib.sha256(target.prev_hash.encode() + b"\n" + chain.encoder(ChangeEntry).text(values))
    sql("UPDATE audit_changeentry SET hash = %s WHERE id = %s", [forged.hexdigest(), target.pk])
    assert f"第 {target.pk} 号记录" in refusal()


def test_a_deleted_entry_is_named_by_the_one_after_it(dept):
    some_changes(dept, 4)
    ids = list(ChangeEntry.objects.order_by("-pk").values_list("pk", flat=True)[:3])
    sql("DELETE FROM audit_changeentry WHERE id = %s", [ids[1]])
    message = refusal()
    assert f"第 {ids[0]} 号记录" in message and "其前有记录被删除、插入或改动" in message


def test_an_inserted_entry_is_named(dept):
    some_changes(dept)
    last = ChangeEntry.objects.order_by("-pk").first()
    sql(
        "INSERT INTO audit_changeentry (time, actor_label, source, request_id, action, content_type_id,"
        " object_id, object_repr, changed_fields, reason, scope_path, prev_hash, hash)"
        " VALUES (%s, '系统', 'system', '', 'update', %s, '1', '伪造', '[]', '', '', %s, %s)",
        [timezone.now(), last.content_type_id, last.hash, "0" * 64],
    )
    forged = ChangeEntry.objects.order_by("-pk").first()
    assert f"第 {forged.pk} 号记录" in refusal()


def test_entries_cut_off_the_end_are_found_by_the_checkpoint(dept, checkpoints):
    some_changes(dept)
    call_command("audit", "verify", "--checkpoint", stdout=io.StringIO())
    assert checkpoints.read_text().count("audit_changeentry") == 1
    last = ChangeEntry.objects.order_by("-pk").first()
    sql("DELETE FROM audit_changeentry WHERE id = %s", [last.pk])
    message = refusal()
    assert f"第 {last.pk} 号记录已不存在" in message and "日志末尾的记录被删除" in message


def test_a_changed_login_event_is_named():
    Client().post("/accounts/login/", {"username": "kjj", "password": "错误的密码"})
    Client().post("/accounts/login/", {"username": "leader", "password": "错误的密码"})
    first = LoginEvent.objects.order_by("pk").first()
    sql("UPDATE audit_loginevent SET ip = %s WHERE id = %s", ["10.0.0.9", first.pk])
    assert f"登录日志第 {first.pk} 号记录" in refusal()


def test_a_rolled_back_savepoint_leaves_no_hole(dept):
    some_changes(dept, 1)
    try:
        with transaction.atomic():
            some_changes(dept, 2)
            raise RuntimeError("回滚")
    except RuntimeError:
        pass
    some_changes(dept, 1)
    assert "完整" in verify_output()


def test_pruning_keeps_the_chain_verifiable_and_the_retention(dept):
    old = timezone.now() - timedelta(days=400)
    rows = [
        {"action": "update", "content_type_id": 1, "object_id": str(i), "object_repr": "旧记录", "time": old}
        for i in range(5)
    ]
    Anchor.objects.all()  # none yet
    chain.append(ChangeEntry, rows)  # the district's entries of a year ago
    some_changes(dept)
    before = ChangeEntry.objects.count()
    too_soon = (timezone.localdate() - timedelta(days=30)).isoformat()
    with pytest.raises(CommandError, match="审计记录至少保留 180 天"):
        call_command("audit", "prune", "--before", too_soon, "--reason", "清理", stdout=io.StringIO())
    cutoff = (timezone.localdate() - timedelta(days=200)).isoformat()
    with pytest.raises(CommandError, match="请说明清理原因"):
        call_command("audit", "prune", "--before", cutoff, "--log", "changes", stdout=io.StringIO())
    out = io.StringIO()
    call_command(
        "audit", "prune", "--before", cutoff, "--log", "changes", "--reason", "超过保存期", stdout=out
    )
    old_ids = ChangeEntry.objects.filter(time__lt=old + timedelta(days=1))
    assert not old_ids.exists()
    anchor = Anchor.objects.get(log="audit_changeentry")
    # what was there before the old entries was removed with them: everything up to the last old one
    assert anchor.removed >= 5 and anchor.reason == "超过保存期"
    assert ChangeEntry.objects.count() == before - anchor.removed + 1  # + the prune's own entry
    assert "完整" in verify_output()
    # the first remaining entry is chained to the anchor
    assert ChangeEntry.objects.order_by("pk").first().prev_hash == anchor.last_hash


def test_a_break_raises_a_reminder_to_the_security_officers(dept, user):
    from kechuang.org.models import RoleGrant
    from kechuang.org.roles import Capability, Role
    from kechuang.org.scope import holders
    from kechuang.workflow.models import Notification

    officers = list(holders(Capability.MANAGE_SECURITY))
    if not officers:  # a district without a security officer yet: give one the role
        RoleGrant.objects.create(user=user("sysadmin"), role=Role.SECURITY_ADMIN, scope="all")
        officers = list(holders(Capability.MANAGE_SECURITY))
    some_changes(dept)
    target = ChangeEntry.objects.order_by("-pk").first()
    sql("UPDATE audit_changeentry SET object_repr = %s WHERE id = %s", ["篡改", target.pk])
    with pytest.raises(CommandError):
        call_command("audit", "verify", "--notify", stdout=io.StringIO())
    notices = Notification.objects.filter(kind="audit_chain")
    assert {n.user_id for n in notices} == {u.pk for u in officers}
    assert f"第 {target.pk} 号记录" in notices.first().title
    assert Department.objects.exists()
