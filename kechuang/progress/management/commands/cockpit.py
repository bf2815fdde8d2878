import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kechuang.progress.cockpit import active_plan, cockpit


class Command(BaseCommand):
    help = "驾驶舱：执行中方案每个目标的实际值、计划路径值与状态；--tasks 列出每项任务的状态与时限。"

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="评价日期 YYYY-MM-DD（默认今天）")
        parser.add_argument(
            "--json", action="store_true", help="输出 JSON（指标列表；与 --tasks 同用为任务列表）"
        )
        parser.add_argument(
            "--tasks", action="store_true", help="列出方案的每项任务：状态、完成时限、是否逾期、牵头单位"
        )

    def handle(self, *args, **options):
        try:
            as_of = date.fromisoformat(options["as_of"]) if options.get("as_of") else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--as-of “{options['as_of']}”不是有效日期，应为 YYYY-MM-DD。") from exc
        plan = active_plan()
        if plan is None:
            raise CommandError("没有执行中的方案。请先运行 kechuang setup。")
        data = cockpit(plan, as_of)
        key = "tasks" if options["tasks"] else "indicators"
        if options["json"]:
            self.stdout.write(json.dumps(data[key], ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{data['plan']['title']}（截至 {as_of:%Y-%m-%d}）")
        if options["tasks"]:
            overdue = sum(1 for task in data["tasks"] if task["overdue"])
            self.stdout.write(f"  共 {len(data['tasks'])} 项任务，逾期 {overdue} 项")
            for task in data["tasks"]:
                deadline = task["deadline"] or "未定时限"
                co = f"；配合：{'、'.join(task['co'])}" if task["co"] else ""
                self.stdout.write(
                    f"  [{task['status_label']}{'·逾期' if task['overdue'] else ''}] {task['code']} {task['title']}"
                    f"（时限 {deadline}；牵头：{task['lead']}{co}）"
                )
            return
        for row in data["indicators"]:
            actual = "—" if row["actual"] is None else row["actual"]
            self.stdout.write(
                f"  [{row['status_label']}] {row['year']} {row['indicator']}：目标 {row['target']}"
                f"{row['unit']}，实际 {actual}，计划路径 {row['expected']}（{row['detail']}）"
                + (f"，已到期：{row['result_label'] or '无数据'}" if row["final"] else "")
            )
