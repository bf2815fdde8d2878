import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kechuang.progress.cockpit import active_plan, cockpit


class Command(BaseCommand):
    help = "驾驶舱：执行中方案每个目标的实际值、计划路径值与状态。"

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="评价日期 YYYY-MM-DD（默认今天）")
        parser.add_argument("--json", action="store_true", help="输出 JSON（指标列表）")

    def handle(self, *args, **options):
        try:
            as_of = date.fromisoformat(options["as_of"]) if options.get("as_of") else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--as-of “{options['as_of']}”不是有效日期，应为 YYYY-MM-DD。") from exc
        plan = active_plan()
        if plan is None:
            raise CommandError("没有执行中的方案。请先运行 kechuang setup。")
        data = cockpit(plan, as_of)
        if options["json"]:
            self.stdout.write(json.dumps(data["indicators"], ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{data['plan']['title']}（截至 {as_of:%Y-%m-%d}）")
        for row in data["indicators"]:
            actual = "—" if row["actual"] is None else row["actual"]
            self.stdout.write(
                f"  [{row['status_label']}] {row['year']} {row['indicator']}：目标 {row['target']}"
                f"{row['unit']}，实际 {actual}，计划路径 {row['expected']}（{row['detail']}）"
                + (f"，已到期：{row['result_label'] or '无数据'}" if row["final"] else "")
            )
