"""`kechuang dbroles --app kechuang_app`: the PostgreSQL role the application runs as — every right it
needs on the tables, and none to change or remove audit entries. Run as the database's owner (who runs
the migrations), after each release that adds tables."""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from kechuang.audit.checks import APPEND_ONLY_TABLES


class Command(BaseCommand):
    help = "（PostgreSQL）创建或更新应用运行所用的数据库账号：可读写业务表，对审计表只能读取和追加。"

    def add_arguments(self, parser):
        parser.add_argument("--app", required=True, help="应用账号名，如 kechuang_app")
        parser.add_argument(
            "--password-env",
            default="",
            help="从该环境变量读取应用账号的密码（不给则不设置密码，例如本机 peer/trust 认证）",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("dbroles 只用于 PostgreSQL：SQLite 没有数据库账号，审计表由代码拒绝修改。")
        from psycopg import sql

        role = options["app"]
        password = os.environ.get(options["password_env"], "") if options["password_env"] else ""
        if options["password_env"] and not password:
            raise CommandError(f"环境变量 {options['password_env']} 未设置或为空。")
        name = sql.Identifier(role)
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database()")
            owner, database = cursor.fetchone()
            if role == owner:
                raise CommandError("应用账号不能是数据库属主本身：属主可以修改审计表。")
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE ROLE {} LOGIN").format(name))
                self.stdout.write(f"已创建数据库账号 {role}")
            cursor.execute(sql.SQL("ALTER ROLE {} NOSUPERUSER NOCREATEDB NOCREATEROLE").format(name))
            if password:
                cursor.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(name, sql.Literal(password)))
            statements = [
                sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), name),
                sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(name),
                sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(
                    name
                ),
                sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(name),
                sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(
                    sql.SQL(", ").join(sql.Identifier(t) for t in APPEND_ONLY_TABLES), name
                ),
            ]
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(
            f"数据库账号 {role}：可读写 {database} 的业务表；审计表 {'、'.join(APPEND_ONLY_TABLES)} 只能读取和追加。"
            "迁移请以属主账号运行，新版本增加数据表后再运行本命令。"
        )
