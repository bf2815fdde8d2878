import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.core.management.base import CommandError

from kechuang.core.commands import AuditedCommand
from kechuang.core.numbers import yuan
from kechuang.enterprises import summaries, superdeduction
from kechuang.enterprises.eligibility import AssessInputError, assess
from kechuang.enterprises.models import RuleSet
from kechuang.enterprises.rules import params_for


class Command(AuditedCommand):
    help = (
        "科技企业：assess 按科技型中小企业（kxqy）或高新技术企业（gqrd）规则批量自评；"
        "superdeduction 计算研发费用加计扣除额与减免税额。"
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        assess_parser = sub.add_parser("assess", help="自评一家（JSON 对象）或多家（JSON 数组）企业")
        assess_parser.add_argument("--rules", choices=["kxqy", "gqrd"], required=True)
        assess_parser.add_argument("file", help="输入 JSON 文件（金额单位：元），- 表示标准输入")
        assess_parser.add_argument("--json", action="store_true", help="输出 JSON")
        deduction_parser = sub.add_parser(
            "superdeduction",
            help="研发费用加计扣除：一项（JSON 对象）或多项（JSON 数组）的适用比例、加计扣除额、减免税额",
        )
        deduction_parser.add_argument("file", help="输入 JSON 文件（金额单位：元），- 表示标准输入")
        deduction_parser.add_argument("--json", action="store_true", help="输出 JSON")
        summaries_parser = sub.add_parser(
            "summaries", help="资质汇总表：rebuild 从明细重算；verify 与明细逐年核对（不一致时返回非零）"
        )
        summaries_parser.add_argument("what", choices=["rebuild", "verify"])

    def handle(self, *args, **options):
        if options["action"] == "summaries":
            return self._summaries(options["what"])
        if options["action"] == "superdeduction":
            return self._superdeduction(self._read(options["file"], parse_float=Decimal), options["json"])
        data = self._read(options["file"])
        batch = isinstance(data, list)
        results, errors = [], []
        for index, item in enumerate(data if batch else [data]):
            try:
                as_of = date.fromisoformat(str(item.get("as_of"))) if isinstance(item, dict) else None
                params = params_for(options["rules"], as_of or date.today())
                results.append(assess(options["rules"], item, params))
            except AssessInputError as exc:
                prefix = f"第 {index + 1} 家企业：" if batch else ""
                errors.extend(prefix + e for e in exc.errors)
            except ValueError:
                errors.append((f"第 {index + 1} 家企业：" if batch else "") + "as_of: 必填，格式 YYYY-MM-DD")
            except RuleSet.DoesNotExist as exc:
                errors.append(str(exc))
        if errors:
            raise CommandError("输入有误：\n" + "\n".join(errors))
        if options["json"]:
            self.stdout.write(json.dumps(results if batch else results[0], ensure_ascii=False, indent=2))
            return
        for result in results:
            self.stdout.write(_readable(options["rules"], result))

    def _read(self, source: str, **loads):
        try:
            text = (
                getattr(self, "stdin", sys.stdin).read()
                if source == "-"
                else Path(source).read_text(encoding="utf-8")
            )
            return json.loads(text, **loads)
        except OSError as exc:
            raise CommandError(f"无法读取输入文件：{exc}") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CommandError(f"输入不是有效的 JSON：{exc}") from exc

    def _superdeduction(self, data, as_json: bool) -> None:
        """Money read as Decimal (a float literal stays exact); every input error listed, nothing on
        stdout; notes (a missing October–December split, an ignored q4_expensed_rd) on stderr."""
        try:
            outcomes, notes = superdeduction.calculate(data)
        except superdeduction.SuperdeductionInputError as exc:
            raise CommandError("输入有误：\n" + "\n".join(exc.errors)) from exc
        for note in notes:
            self.stderr.write(f"注意：{note}")
        results = [o.result for o in outcomes]
        if as_json:
            self.stdout.write(superdeduction.to_json(results if isinstance(data, list) else results[0]))
            return
        items = data if isinstance(data, list) else [data]
        self.stdout.write(_deduction_table(items, outcomes))

    def _summaries(self, what: str) -> None:
        if what == "rebuild":
            summaries.rebuild()
            self.stdout.write("资质汇总表已按明细重算。")
            return
        problems = summaries.verify()
        if problems:
            raise CommandError("资质汇总表与明细不一致：\n" + "\n".join(problems))
        self.stdout.write("资质汇总表与明细一致。")


def _readable(rules: str, result: dict) -> str:
    if rules == "kxqy":
        head = "符合" if result["eligible"] else "不符合"
        lines = [
            f"科技型中小企业评价：{head}；得分 {result['score']}（科技人员 {result['items']['st_staff']}，"
            f"研发投入 {result['items']['rd']}，科技成果 {result['items']['ip']}）"
        ]
    else:
        head = "满足" if result["eligible_hard"] else "不满足"
        lo, hi = result["score_total_range"]
        lines = [f"高新技术企业认定条件：{head}；创新能力评价可能得分 {lo}–{hi} 分"]
    lines += [f"  · {h}" for h in result["hints"]]
    return "\n".join(lines)


def _deduction_table(items: list[dict], outcomes) -> str:
    """The readable answer: one line per item, then its notes."""
    lines = ["序号  年度  企业类型            费用化比例  资本化摊销比例  加计扣除额（元）  减免税额（元）"]
    for index, (item, outcome) in enumerate(zip(items, outcomes, strict=True), start=1):
        kinds = [
            label
            for key, label in (("manufacturing", "制造业"), ("kxqy", "科小"), ("hte", "高企"))
            if item.get(key) is True
        ]
        r = outcome.result
        name = f"  {item['name']}" if item.get("name") else ""
        lines.append(
            f"{index:>4}  {item['year']}  {'、'.join(kinds) or '一般企业':<16}  "
            f"{r['rate_expensed'] * 100:>9.2f}%  {r['rate_capitalised'] * 100:>13.2f}%  "
            f"{yuan(r['extra_deduction']):>16}  {yuan(r['tax_saving']):>14}{name}"
        )
        lines += [f"      注意：{note}" for note in outcome.notes]
    lines.append("加计扣除额 = 费用化研发费用 × 费用化比例 + 无形资产摊销额 × (资本化摊销比例 − 1)；")
    lines.append("减免税额 = 加计扣除额（已四舍五入到分）× 25%（高新技术企业 15%），四舍五入到分。")
    return "\n".join(lines)
