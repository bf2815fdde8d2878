from datetime import datetime

from django.core.management.base import CommandError
from django.utils import timezone

from kechuang.core.commands import AuditedCommand
from kechuang.system.backup import BackupError, check, restore


class Command(AuditedCommand):
    help = (
        "从 kechuang backup 的归档恢复数据库和上传文件。先校验全部 SHA-256；拒绝损坏或不完整的归档、"
        "结构版本（迁移）不同的备份，以及非空的目标（除非给出 --force）。空数据库先自动 migrate；"
        "全部数据在一个事务中载入，核对行数和文件校验和，并写入审计日志。"
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("path", help="kechuang backup 生成的归档文件")
        parser.add_argument(
            "--force", action="store_true", help="目标数据库或文件目录不是空的时，替换其中的全部内容"
        )
        parser.add_argument("--check", action="store_true", help="只校验归档及能否恢复到本系统，不做任何改动")
        parser.add_argument("--sha256", default="", help="归档文件应有的 SHA-256（备份时输出），不符则拒绝")

    def execute(self, *args, **options):
        # The account named by --actor is looked up in the restored data, after the load: an empty
        # database has no accounts, and after a restore its id may be another one.
        options["restored_actor"] = options.pop("actor", None) or ""
        return super().execute(*args, **options)

    def handle(self, *args, **options):
        try:
            if options["check"]:
                verified = check(options["path"], expect_sha256=options["sha256"])
                manifest = verified.manifest
                totals = manifest["totals"]
                self.stdout.write(
                    self.style.SUCCESS(f"归档 {verified.path} 完整，可恢复到本系统。")
                    + f"\n  备份时间 {_local(datetime.fromisoformat(manifest['created_at']))}，"
                    + f"数据库 {manifest['database']['vendor']}"
                    + f"\n  {totals['tables']} 张表 {totals['rows']:,} 行，{totals['files']} 个文件"
                    + f"\n  SHA-256 {verified.sha256}"
                )
                return

            def say(level):
                return self.stdout.write if options["verbosity"] >= level else (lambda _: None)

            outcome = restore(
                options["path"],
                force=options["force"],
                actor=options["restored_actor"],
                expect_sha256=options["sha256"],
                log=say(1),
                detail=say(2),
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"已从 {outcome.path} 恢复（备份时间 {_local(outcome.taken_at)}）")
            + f"\n  {outcome.tables} 张表 {outcome.rows:,} 行，{outcome.files} 个文件，行数与校验和均已核对"
            + (
                f"\n  替换了原有的 {outcome.replaced.get('rows', 0):,} 行数据"
                if outcome.replaced.get("rows")
                else ""
            )
            + "\n  请重启 Web 与后台任务进程。"
        )


def _local(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S}"
