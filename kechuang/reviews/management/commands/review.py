"""`kechuang review rank FILE.json` computes a review round's figures and ranking from a file (the format:
docs/REVIEW.md) — the same computation as the review rounds themselves (`kechuang/reviews/aggregate.py`).
It reads a file and changes nothing. Wrong input: the problems on stderr, exit status 2."""

import argparse
import json
import unicodedata
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kechuang.reviews import aggregate

HEADERS = ["排名", "评审项目", "有效评分表", "平均分", "截尾平均分", "标准分", "极差", "分歧"]


def _threshold(text: str) -> Fraction:
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"“{text}”不是数字") from None
    if value < 0:
        raise argparse.ArgumentTypeError("分歧阈值不能为负数")
    return value


class Command(BaseCommand):
    help = "专家评审：rank 按评分表计算一轮评审的总分、回避、平均分、截尾平均分、标准分与排名。"
    requires_system_checks = []  # reads a file, touches no table

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rank = sub.add_parser("rank", help="计算评审结果与排名（输入格式见 docs/REVIEW.md）")
        rank.add_argument("file", help="输入 JSON 文件：criteria、experts、items、scores；- 表示标准输入")
        rank.add_argument(
            "--method",
            choices=aggregate.METHODS,
            default=aggregate.DEFAULT_METHOD,
            help="排名依据：trimmed 截尾平均分（默认）、zscore 标准分、mean 平均分",
        )
        rank.add_argument(
            "--threshold",
            type=_threshold,
            default=Fraction(aggregate.DEFAULT_THRESHOLD),
            help=f"极差超过此分数即为分歧（默认 {aggregate.DEFAULT_THRESHOLD}）",
        )
        rank.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args, **options):
        source = options["file"]
        try:
            text = self.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取输入文件 {source}：{exc}", returncode=2) from None
        try:
            data = json.loads(text, parse_float=Decimal)  # decimals exactly as written
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"输入文件 {source} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}",
                returncode=2,
            ) from None
        try:
            parts = aggregate.round_from_data(data)
        except aggregate.ReviewInputError as exc:
            raise CommandError(
                f"输入文件 {source} 的格式有误：\n" + "\n".join(exc.errors), returncode=2
            ) from None
        try:
            result = aggregate.aggregate(*parts, method=options["method"], threshold=options["threshold"])
        except aggregate.ReviewInputError as exc:
            raise CommandError("评审数据有误：\n" + "\n".join(exc.errors), returncode=2) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_data(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(_readable(result, options["method"], options["threshold"]))


def _readable(result: aggregate.RoundResult, method: str, threshold: Fraction) -> str:
    names = {"trimmed": "截尾平均分", "zscore": "标准分", "mean": "平均分"}
    data = result.as_data()
    rows = [
        [
            "—" if item["rank"] is None else str(item["rank"]),
            str(item["id"]),
            str(item["n"]),
            *("—" if item[k] is None else f"{item[k]:.4f}" for k in ("mean", "trimmed", "zscore", "spread")),
            "是" if item["disagreement"] else "",
        ]
        for item in data["items"]
    ]
    widths = [max(_width(row[i]) for row in [HEADERS, *rows]) for i in range(len(HEADERS))]
    lines = [
        f"按{names[method]}排名（分歧阈值：极差超过 {aggregate.round_half_up(threshold).normalize():f} 分）",
        *(
            "  ".join(_pad(cell, widths[i], i) for i, cell in enumerate(row)).rstrip()
            for row in [HEADERS, *rows]
        ),
    ]
    if data["excluded"]:
        lines.append("回避（不计入任何统计）：")
        lines += [
            f"  专家 {e['expert']} — 评审项目 {e['item']}：{aggregate.REASONS[e['reason']]}"
            for e in data["excluded"]
        ]
    else:
        lines.append("无回避的评分表。")
    return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, column: int) -> str:
    gap = " " * (width - _width(text))
    return text + gap if column in (1, len(HEADERS) - 1) else gap + text
