import json

from django.core.management.base import CommandError

from kechuang.core.commands import AuditedCommand
from kechuang.plans.choices import COMPARATOR_SYMBOL
from kechuang.plans.export import plan_queryset, plan_tree
from kechuang.plans.loading import load_plan
from kechuang.plans.models import format_number


class Command(AuditedCommand):
    help = "行动方案：export 导出方案树；load 从方案定义文件（JSON）载入或更新方案；parse 从方案原文（.txt/.docx）识别结构与量化目标。"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="导出执行中的方案（工程、任务、指标、目标及原文位置）")
        export.add_argument("--json", action="store_true", help="输出 JSON")
        export.add_argument("--doc-number", help="按文号选择方案（默认：最近印发的执行中方案）")
        load = sub.add_parser("load", help="载入方案定义文件")
        load.add_argument("file")
        parse = sub.add_parser("parse", help="识别方案原文（.txt 或 .docx）中的标题、章节和量化目标")
        parse.add_argument("file")
        parse.add_argument("--json", action="store_true", help="输出 JSON：title、sections、targets")
        evaluate = sub.add_parser("evaluate", help="在人工标注语料上计算目标识别的精确率、召回率和 F1")
        evaluate.add_argument("directory", nargs="?", help="语料目录（默认：内置语料）")
        evaluate.add_argument("--json", action="store_true", help="输出 JSON")
        corpus = sub.add_parser(
            "export-corpus", help="把已确认的识别稿导出为标注语料（原文 + 人工确认的目标）"
        )
        corpus.add_argument("directory")

    def handle(self, *args, **options):
        if options["action"] == "parse":
            return self._parse(options["file"], options["json"])
        if options["action"] == "evaluate":
            return self._evaluate(options.get("directory"), options["json"])
        if options["action"] == "export-corpus":
            return self._export_corpus(options["directory"])
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

    def _parse(self, path: str, as_json: bool) -> None:
        from kechuang.plans.parsing import ParseError, parse_document

        try:
            with open(path, "rb") as handle:
                data = handle.read(50 * 1024 * 1024 + 1)
        except OSError as exc:
            raise CommandError(f"无法打开文件 {path}：{exc.strerror or exc}") from exc
        try:
            result = parse_document(data, path)
        except ParseError as exc:
            raise CommandError(str(exc)) from exc
        found = result.as_dict()
        if as_json:
            self.stdout.write(json.dumps(found, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"标题：{found['title'] or '（未识别）'}")
        if found["doc_number"]:
            self.stdout.write(f"文号：{found['doc_number']}")
        self.stdout.write(
            f"章节：{_count_sections(found['sections'])} 个；量化目标：{len(found['targets'])} 个"
        )
        if not found["targets"]:
            self.stdout.write("未发现量化目标（带年份和数值的目标表述）。")
            return
        header = ["#", "年度", "指标", "比较", "目标值", "力争", "类型", "所在章节", "牵头单位"]
        self.stdout.write("  ".join(header))
        for number, target in enumerate(found["targets"], 1):
            value = f"{format_number(target['value'])}{target['unit']}"
            if target["base_year"]:
                value = f"{target['base_year']}年的{value}"
            row = [
                str(number),
                str(target["year"] or "—"),
                target["indicator"],
                COMPARATOR_SYMBOL[target["comparator"]],
                value,
                "是" if target["stretch"] else "",
                target["kind"],
                target["section"] or "—",
                target["responsible"] or "—",
            ]
            self.stdout.write("  ".join(row))
            self.stdout.write(f"     原文：{target['span']}")

    def _export_corpus(self, directory: str) -> None:
        from pathlib import Path

        from kechuang.plans.drafting import corpus_from_drafts
        from kechuang.plans.models import PlanDraft

        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        documents = corpus_from_drafts(PlanDraft.objects.all())
        for name, text, gold in documents:
            (target / f"{name}.txt").write_text(text, encoding="utf-8")
            (target / f"{name}.gold.json").write_text(
                json.dumps(gold, ensure_ascii=False, indent=1), encoding="utf-8"
            )
        self.stdout.write(f"已导出 {len(documents)} 份已确认的识别稿到 {target}。")

    def _evaluate(self, directory: str | None, as_json: bool) -> None:
        from pathlib import Path

        from kechuang.plans.parsing.scoring import CORPUS, evaluate

        figures = evaluate(Path(directory) if directory else CORPUS)
        documents = figures.pop("per_document")
        if as_json:
            figures["per_document"] = [
                {"name": d.name, "gold": d.gold, "predicted": d.predicted, "matched": d.matched}
                for d in documents
            ]
            self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=2))
            return
        for d in documents:
            self.stdout.write(f"{d.name}: 标注 {d.gold}，识别 {d.predicted}，匹配 {d.matched}")
        self.stdout.write(
            f"合计 {figures['documents']} 篇：标注 {figures['gold']}，识别 {figures['predicted']}，匹配 {figures['matched']}；"
            f"precision={figures['precision']} recall={figures['recall']} f1={figures['f1']}"
        )
        attributes = "，".join(f"{k} {v}" for k, v in figures["attributes"].items())
        self.stdout.write(f"匹配目标的属性准确率：{attributes}")


def _count_sections(sections) -> int:
    return sum(1 + _count_sections(s["children"]) for s in sections)
