from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kechuang.progress.tasks import send_reminders


class Command(BaseCommand):
    help = "督办提醒：逾期任务、逾期报告、滞后指标。每日由定时任务运行，交给任务队列执行。"

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="日期 YYYY-MM-DD（默认今天）")

    def handle(self, *args, **options):
        try:
            as_of = date.fromisoformat(options["as_of"]) if options.get("as_of") else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--as-of “{options['as_of']}”不是有效日期。") from exc
        result = send_reminders.enqueue(as_of.isoformat())
        self.stdout.write(f"已提交督办任务（{result.id}，{as_of:%Y-%m-%d}）。")
