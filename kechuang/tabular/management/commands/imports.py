from django.conf import settings
from django.core.management.base import CommandError

from kechuang.core.commands import AuditedCommand
from kechuang.core.context import audit_context
from kechuang.tabular.files import expired_imports, purge_imported


class Command(AuditedCommand):
    help = (
        "Excel 导入文件：purge 删除导入完成超过保留天数的原文件（默认 IMPORT_KEEP_DAYS 天），"
        "每删除一个文件记一条审计日志；被拒绝、导入失败或已放弃的文件在该步骤即已删除。"
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        purge = sub.add_parser("purge", help="删除导入完成超过保留天数的原文件")
        purge.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"保留天数（默认 {settings.IMPORT_KEEP_DAYS}，即 KECHUANG_IMPORT_KEEP_DAYS）",
        )
        purge.add_argument("--dry-run", action="store_true", help="只列出将删除的文件，不删除")

    def handle(self, *args, **options):
        days = options["days"] if options["days"] is not None else settings.IMPORT_KEEP_DAYS
        if days < 0:
            raise CommandError(f"--days：“{days}”不能为负数。")
        if options["dry_run"]:
            jobs = list(expired_imports(days))
            for job in jobs:
                self.stdout.write(f"将删除：导入任务 {job.pk}（{job.original_name}）{job.file.name}")
            self.stdout.write(f"导入完成超过 {days} 天的原文件共 {len(jobs)} 个（未删除）。")
            return
        reason = options.get("reason") or f"导入文件保留期满（{days} 天），删除原文件"
        with audit_context(reason=reason):
            removed = purge_imported(days)
        for pk, name in removed:
            self.stdout.write(f"已删除：导入任务 {pk} 的原文件 {name}")
        self.stdout.write(
            self.style.SUCCESS(f"已删除导入完成超过 {days} 天的原文件 {len(removed)} 个（已记入审计日志）。")
        )
