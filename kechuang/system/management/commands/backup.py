from django.core.management.base import CommandError

from kechuang.core.commands import AuditedCommand
from kechuang.system.backup import BackupError, backup


class Command(AuditedCommand):
    help = (
        "备份数据库和上传文件（MEDIA_ROOT）到一个归档文件：每张表的全部行、每个文件、清单（迁移版本、"
        "行数、SHA-256）。给出目录时在其中生成 kechuang-<时间>.tar。"
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("path", help="归档文件名（不覆盖已有文件），或存放它的目录")

    def handle(self, *args, **options):
        def say(level):
            return self.stdout.write if options["verbosity"] >= level else (lambda _: None)

        try:
            outcome = backup(options["path"], log=say(2), detail=say(3))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"已备份到 {outcome.path}")
            + f"\n  {outcome.tables} 张表 {outcome.rows:,} 行，{outcome.files} 个文件（{outcome.file_bytes:,} 字节）"
            + f"\n  归档 {outcome.size:,} 字节，SHA-256 {outcome.sha256}"
            + "\n  请把归档复制到本机以外保存，并记下其 SHA-256（恢复时可用 --sha256 核对）。"
        )
