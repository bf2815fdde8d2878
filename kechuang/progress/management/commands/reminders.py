from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kechuang.core.tasks import run_or_queue
from kechuang.progress.tasks import send_reminders


class Command(BaseCommand):
    help = (
        "督办提醒：逾期任务、逾期报告、滞后指标、专家评审的评分表。每日由定时任务运行；任务队列为数据库时交给队列"
        "（由 kechuang db_worker 执行），否则在本命令内执行完毕。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="日期 YYYY-MM-DD（默认今天）")

    def handle(self, *args, **options):
        try:
            as_of = date.fromisoformat(options["as_of"]) if options.get("as_of") else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--as-of “{options['as_of']}”不是有效日期。") from exc
        queued, outcome = run_or_queue(send_reminders, as_of.isoformat())
        if queued:
            self.stdout.write(
                f"已交给任务队列（任务 {outcome.id}，{as_of:%Y-%m-%d}），由 kechuang db_worker 执行。"
            )
            return
        if not outcome:
            self.stdout.write(f"督办提醒未执行（{as_of:%Y-%m-%d}）：没有执行中的方案。")
            return
        self.stdout.write(
            f"督办提醒已执行完毕（{as_of:%Y-%m-%d}）：新提醒 逾期任务 {outcome['task_overdue']} 条、"
            f"逾期报告 {outcome['report_late']} 条、滞后指标 {outcome['target_red']} 条、"
            f"评审将截止 {outcome.get('review_due', 0)} 条、评审逾期 {outcome.get('review_late', 0)} 条、"
            f"中期报告将截止 {outcome.get('interim_due', 0)} 条、逾期 {outcome.get('interim_late', 0)} 条、"
            f"严重逾期 {outcome.get('interim_very_late', 0)} 条。"
        )
