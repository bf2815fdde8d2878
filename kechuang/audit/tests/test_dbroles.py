"""On PostgreSQL the application runs as a role that cannot change or remove audit entries, and the
deployment check says so when it can."""

import io

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from kechuang.audit.checks import audit_protected
from kechuang.audit.models import ChangeEntry

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="数据库账号只在 PostgreSQL 上"),
]

ROLE = "kechuang_test_app"


def app_connection():
    params = connection.get_connection_params()
    params = {k: v for k, v in params.items() if k in ("host", "port", "dbname")}
    return psycopg.connect(**params, user=ROLE, autocommit=True)


def test_the_application_role_reads_and_appends_but_cannot_change_the_audit(settings, dept):
    settings.AUDIT_KEY_FROM_ENVIRONMENT = True
    department = dept("区统计局")
    department.short_name = "统计"
    department.save()  # an audit entry to try to change
    assert [e.id for e in audit_protected()] == ["kechuang.E102"]  # the suite's superuser may
    out = io.StringIO()
    call_command("dbroles", "--app", ROLE, stdout=out)
    assert "只能读取和追加" in out.getvalue()
    entry = ChangeEntry.objects.order_by("-pk").first()
    with app_connection() as conn:
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM audit_changeentry")
            assert cursor.fetchone()[0] >= 1
            cursor.execute("UPDATE org_department SET short_name = 'x' WHERE id = %s", [department.pk])
            for statement in (
                "UPDATE audit_changeentry SET reason = 'x' WHERE id = %s",
                "DELETE FROM audit_changeentry WHERE id = %s",
                "DELETE FROM audit_loginevent WHERE id = %s",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    cursor.execute(statement, [entry.pk])
            cursor.execute("SELECT has_table_privilege(current_user, 'audit_changeentry', 'INSERT')")
            assert cursor.fetchone()[0] is True
    call_command("dbroles", "--app", ROLE, stdout=io.StringIO())  # again: nothing to create, same rights
    with connection.cursor() as cursor:
        cursor.execute(f"REASSIGN OWNED BY {ROLE} TO current_user; DROP OWNED BY {ROLE}; DROP ROLE {ROLE}")
