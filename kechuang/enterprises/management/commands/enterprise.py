import json
from datetime import date
from pathlib import Path

from django.core.management.base import CommandError

from kechuang.core.commands import AuditedCommand
from kechuang.enterprises import summaries
from kechuang.enterprises.eligibility import AssessInputError, assess
from kechuang.enterprises.models import RuleSet
from kechuang.enterprises.rules import params_for


class Command(AuditedCommand):
    help = "科技企业：assess 按科技型中小企业（kxqy）或高新技术企业（gqrd）规则批量自评。"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        assess_parser = sub.add_parser("assess", help="自评一家（JSON 对象）或多家（JSON 数组）企业")
        assess_parser.add_argument("--rules", choices=["kxqy", "gqrd"], required=True)
        assess_parser.add_argument("file", help="输入 JSON 文件（金额单位：元），- 表示标准输入")
        assess_parser.add_argument("--json", action="store_true", help="输出 JSON")
        summaries_parser = sub.add_parser(
            "summaries", help="资质汇总表：rebuild 从明细重算；verify 与明细逐年核对（不一致时返回非零）"
        )
        summaries_parser.add_argument("what", choices=["rebuild", "verify"])

    def handle(self, *args, **options):
        if options["action"] == "summaries":
            return self._summaries(options["what"])
        source = options["file"]
        try:
            text = self.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
            data = json.loads(text)
        except OSError as exc:
            raise CommandError(f"无法读取输入文件：{exc}") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CommandError(f"输入不是有效的 JSON：{exc}") from exc
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
