"""Deployment checks (`kechuang check --deploy`) of the audit logs' protection."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import connection

APPEND_ONLY_TABLES = ["audit_changeentry", "audit_loginevent", "audit_personaldataview", "audit_anchor"]


def writable_audit_tables() -> list[str]:
    """The audit tables the application's own database role may UPDATE or DELETE (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return []
    found = []
    with connection.cursor() as cursor:
        for table in APPEND_ONLY_TABLES:
            cursor.execute("SELECT to_regclass(%s)", [table])
            if cursor.fetchone()[0] is None:  # not migrated yet: nothing to protect
                continue
            cursor.execute(
                "SELECT has_table_privilege(current_user, %s, 'UPDATE')"
                " OR has_table_privilege(current_user, %s, 'DELETE')"
                " OR has_table_privilege(current_user, %s, 'TRUNCATE')",
                [table, table, table],
            )
            if cursor.fetchone()[0]:
                found.append(table)
    return found


@register(Tags.security, Tags.database, deploy=True)
def audit_protected(app_configs=None, **kwargs):
    errors = []
    if not settings.AUDIT_KEY_FROM_ENVIRONMENT:
        errors.append(
            Error(
                "审计日志哈希链的密钥未设置：请在环境中设置 KECHUANG_AUDIT_KEY（不要放进数据库）。",
                id="kechuang.E101",
            )
        )
    try:
        writable = writable_audit_tables()
    except Exception as exc:  # no database to ask: said, not hidden
        return [*errors, Error(f"无法检查审计表的数据库权限：{exc}", id="kechuang.E103")]
    if writable:
        errors.append(
            Error(
                f"应用的数据库账号可以修改或删除审计表：{'、'.join(writable)}。",
                hint="以数据库属主运行 `kechuang dbroles --app <应用账号>`，服务使用该应用账号连接（见 docs/DEPLOY.md）。",
                id="kechuang.E102",
            )
        )
    return errors
