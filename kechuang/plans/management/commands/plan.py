import json

from django.core.management.base import CommandError

from kechuang.core.commands import AuditedCommand
from kechuang.plans.choices import COMPARATOR_SYMBOL
from kechuang.plans.export import plan_queryset, plan_tree
from kechuang.plans.loading import load_plan
from kechuang.plans.models import format_number


class Command(AuditedCommand):
    help = "行动方案：export 导出方案树；load 从方案定义文件（JSON）载入或更新方案。"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="导出执行中的方案（工程、任务、指标、目标及原文位置）")
        export.add_argument("--json", action="store_true", help="输出 JSON")
        export.add_argument("--doc-number", help="按文号选择方案（默认：最近印发的执行中方案）")
        load = sub.add_parser("load", help="载入方案定义文件")
        load.add_argument("file")

    def handle(self, *args, **options):
        if options["action"] == "load":
            try:
                plan = load_plan(options["file"])
            except (OSError, ValueError, KeyError) as exc:
                raise CommandError(f"方案定义文件无法载入：{exc}") from exc
            self.stdout.write(self.style.SUCCESS(f"已载入：{plan}"))
            return
        plans = plan_queryset().filter(is_active=True)
        if options.get("doc_number"):
            plans = plans.filter(doc_number=options["doc_number"])
        plan = plans.order_by("-issued_on", "-pk").first()
        if plan is None:
            raise CommandError("没有找到执行中的方案。请先运行 kechuang setup。")
        tree = plan_tree(plan)
        if options["json"]:
            self.stdout.write(json.dumps(tree, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{tree['plan']['title']}（{tree['plan']['doc_number']}）")
        for programme in tree["programmes"]:
            self.stdout.write(f"\n{programme['number']}. {programme['title']}")
            for task in programme["tasks"]:
                self.stdout.write(f"   任务 {task['code']} {task['title']} —— 牵头：{task['lead']}")
            for indicator in programme["indicators"]:
                for target in indicator["targets"]:
                    symbol = COMPARATOR_SYMBOL[target["comparator"]]
                    value = format_number(target["value"])
                    self.stdout.write(
                        f"   目标 {target['year']} {indicator['name']} {symbol} {value}{target['unit']}"
                    )
