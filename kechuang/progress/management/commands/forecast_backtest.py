import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kechuang.progress.cockpit import active_plan
from kechuang.progress.forecast import backtest


class Command(BaseCommand):
    help = "预测回测：在每个已到期计算类目标之前的各季度末做预测，与实际结果比较（80% 区间覆盖率、MAPE、Brier）。"

    def handle(self, *args, **options):
        plan = active_plan()
        if plan is None:
            raise CommandError("没有执行中的方案。")
        self.stdout.write(json.dumps(backtest(plan, timezone.localdate()), ensure_ascii=False))
