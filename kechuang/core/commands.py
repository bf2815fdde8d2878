"""Base for management commands that change data: every change is audited as coming from the CLI."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from kechuang.core.context import Source, audit_context


class AuditedCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--actor", help="以该用户名的身份记录审计日志（默认：系统）")
        parser.add_argument("--reason", default="", help="写入审计日志的变更原因")

    def execute(self, *args, **options):
        actor = None
        if options.get("actor"):
            actor = get_user_model()._default_manager.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(f"用户“{options['actor']}”不存在。")
        with audit_context(source=Source.CLI, actor=actor, reason=options.get("reason") or ""):
            return super().execute(*args, **options)
