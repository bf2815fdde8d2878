"""研发费用加计扣除 (the R&D super deduction): which rate applied to an enterprise in a year, the extra
deduction and the income tax it saved — pure and exact (Decimal throughout). The rates by period are data:
`rules/superdeduction.json`, each period with its scope and source document (docs/SUPERDEDUCTION.md).

The district bureau does not grant the deduction (the tax authority does); it tracks its take-up. An item:

    {"year": 2022, "manufacturing": false, "kxqy": false, "hte": true,
     "expensed_rd": 1000000, "capitalised_rd_amortised": 0, "q4_expensed_rd": 300000}

answers exactly {"rate_expensed", "rate_capitalised", "extra_deduction", "tax_saving"}:

    extra_deduction = expensed_rd × rate_expensed + capitalised_rd_amortised × (rate_capitalised − 1)
    tax_saving      = extra_deduction (already rounded to the fen) × 25 % (15 % for a 高新技术企业)

both rounded half-up to the fen. In 2022 an enterprise at 75 % (neither manufacturing nor 科技型中小企业)
got 100 % on the expensed R&D it incurred from 1 October (公告2022年第28号): with `q4_expensed_rd` the
expensed part is (expensed_rd − q4) × 0.75 + q4 × 1.00 and `rate_expensed` the effective rate (rounded to
four decimals); without it 75 % is used and a note says the October–December split is missing.
`q4_expensed_rd` on any other item is checked, then ignored, with a note.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

RULES_FILE = Path(__file__).resolve().parent / "rules" / "superdeduction.json"
FEN = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")
ONE = Decimal(1)

FIELDS = {
    "year": "年度",
    "manufacturing": "制造业企业",
    "kxqy": "科技型中小企业",
    "hte": "高新技术企业",
    "expensed_rd": "费用化研发费用",
    "capitalised_rd_amortised": "无形资产摊销额",
    "q4_expensed_rd": "10–12月费用化研发费用",
}
LABELS = ("name",)  # a label the readable output shows; no part of the calculation
FLAGS = ("manufacturing", "kxqy", "hte")


class SuperdeductionInputError(ValueError):
    """Every problem of the input at once, each a Chinese sentence naming the item and the field."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Period:
    id: str
    start: date
    end: date | None
    scope: str  # all | manufacturing | kxqy | at_rate (those whose full-year rate is `at_rate`)
    expensed: Decimal
    capitalised: Decimal | None
    source: str
    part_of_year: bool = False
    at_rate: Decimal | None = None

    def covers_year(self, year: int) -> bool:
        return self.start <= date(year, 12, 31) and (self.end is None or self.end >= date(year, 1, 1))

    def applies_to(self, manufacturing: bool, kxqy: bool) -> bool:
        return (
            self.scope == "all"
            or (self.scope == "manufacturing" and manufacturing)
            or (self.scope == "kxqy" and kxqy)
        )


@dataclass(frozen=True)
class Rules:
    first_year: int
    tax_rate: Decimal
    hte_tax_rate: Decimal
    periods: tuple[Period, ...]


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_FILE) -> Rules:
    params = json.loads(path.read_text(encoding="utf-8"))["params"]
    periods = tuple(
        Period(
            id=p["id"],
            start=date.fromisoformat(p["from"]),
            end=date.fromisoformat(p["to"]) if p.get("to") else None,
            scope=p["scope"],
            expensed=Decimal(p["expensed"]),
            capitalised=Decimal(p["capitalised"]) if p.get("capitalised") else None,
            source=p["source"],
            part_of_year=bool(p.get("part_of_year")),
            at_rate=Decimal(p["at_rate"]) if p.get("at_rate") else None,
        )
        for p in params["periods"]
    )
    return Rules(
        first_year=int(params["first_year"]),
        tax_rate=Decimal(params["tax_rate"]),
        hte_tax_rate=Decimal(params["hte_tax_rate"]),
        periods=periods,
    )


@dataclass(frozen=True)
class Rate:
    """The full-year rates that applied, the periods (documents) they come from, and the part-of-year
    top-up (公告2022年第28号) the enterprise was entitled to, if any."""

    expensed: Decimal
    capitalised: Decimal
    basis: tuple[str, ...]
    top_up: Period | None = None


def rate_for(year: int, manufacturing: bool = False, kxqy: bool = False, rules: Rules | None = None) -> Rate:
    """The best full-year rate among the periods covering `year` whose scope the enterprise is in."""
    rules = rules or load_rules()
    whole = [p for p in rules.periods if not p.part_of_year and p.covers_year(year)]
    applicable = [p for p in whole if p.applies_to(manufacturing, kxqy)]
    if not applicable:
        raise ValueError(f"{year} 年没有适用的加计扣除比例")
    best_expensed = max(p.expensed for p in applicable)
    best_capitalised = max(p.capitalised for p in applicable if p.capitalised is not None)
    basis = tuple(p.id for p in applicable if p.expensed == best_expensed)
    top_up = next(
        (
            p
            for p in rules.periods
            if p.part_of_year
            and p.covers_year(year)
            and p.scope == "at_rate"
            and p.at_rate == best_expensed
            and p.expensed > best_expensed
        ),
        None,
    )
    return Rate(best_expensed, best_capitalised, basis, top_up)


def fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Outcome:
    """One item's answer: `result` (exactly the four keys) and notes about how it was computed."""

    result: dict
    notes: tuple[str, ...] = ()


def compute(
    year: int,
    expensed_rd: Decimal,
    capitalised_rd_amortised: Decimal = Decimal(0),
    *,
    manufacturing: bool = False,
    kxqy: bool = False,
    hte: bool = False,
    q4_expensed_rd: Decimal | None = None,
    rules: Rules | None = None,
) -> Outcome:
    """The extra deduction and tax saved for one enterprise-year, from checked Decimal amounts in 元."""
    rules = rules or load_rules()
    rate = rate_for(year, manufacturing, kxqy, rules)
    notes = []
    rate_expensed = rate.expensed
    expensed_extra = expensed_rd * rate.expensed
    if rate.top_up is not None:
        if q4_expensed_rd is None:
            notes.append(
                f"{year} 年按 {_pct(rate.expensed)} 计算：未提供 10–12 月费用化研发费用（q4_expensed_rd），"
                f"其中按 {_pct(rate.top_up.expensed)} 加计的部分未计入"
            )
        else:
            expensed_extra = (
                expensed_rd - q4_expensed_rd
            ) * rate.expensed + q4_expensed_rd * rate.top_up.expensed
            rate_expensed = (
                (expensed_extra / expensed_rd).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
                if expensed_rd
                else rate.expensed
            )
    elif q4_expensed_rd is not None:
        notes.append(f"q4_expensed_rd 已忽略：{year} 年该企业全年适用 {_pct(rate.expensed)}，不分段计算")
    extra = fen(expensed_extra + capitalised_rd_amortised * (rate.capitalised - ONE))
    tax = fen(extra * (rules.hte_tax_rate if hte else rules.tax_rate))
    return Outcome(
        {
            "rate_expensed": rate_expensed,
            "rate_capitalised": rate.capitalised,
            "extra_deduction": extra,
            "tax_saving": tax,
        },
        tuple(notes),
    )


def _pct(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


# --- checking the input -------------------------------------------------------------------------------


def _money(value, label: str, errors: list[str]) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        errors.append(f"{label}：应为金额（元），不能是 {json.dumps(value, ensure_ascii=False, default=str)}")
        return None
    try:
        amount = Decimal(value.strip()) if isinstance(value, str) else Decimal(str(value))
    except InvalidOperation:
        errors.append(f"{label}：“{value}”不是数字")
        return None
    if not amount.is_finite():
        errors.append(f"{label}：“{value}”不是有限的数字")
        return None
    if amount < 0:
        errors.append(f"{label}：不能为负数（{value}）")
        return None
    return amount


def _year(value, label: str, first_year: int, errors: list[str]) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(f"{label}：应为四位整数年份")
        return None
    if value < first_year:
        errors.append(f"{label}：{value} 年早于企业所得税法施行的第一年（{first_year} 年）")
        return None
    if value > 9999:
        errors.append(f"{label}：{value} 不是有效年份")
        return None
    return value


def parse_item(item, where: str, rules: Rules) -> tuple[dict | None, list[str]]:
    """One input item checked and converted to compute()'s arguments, or its errors (each naming `where`
    and the field)."""
    if not isinstance(item, dict):
        return None, [f"{where}：应为 JSON 对象"]
    errors: list[str] = []

    def label(key: str) -> str:
        return f"{where} {key}（{FIELDS[key]}）"

    for key in sorted(set(item) - set(FIELDS) - set(LABELS)):
        errors.append(f"{where} {key}：不认识的字段（可用：{'、'.join(FIELDS)}）")
    args: dict = {}
    for key in ("year", "expensed_rd"):
        if item.get(key) is None:
            errors.append(f"{label(key)}：必填")
    if item.get("year") is not None:
        args["year"] = _year(item["year"], label("year"), rules.first_year, errors)
    for key in ("expensed_rd", "capitalised_rd_amortised", "q4_expensed_rd"):
        if item.get(key) is not None:
            args[key] = _money(item[key], label(key), errors)
    for key in FLAGS:
        value = item.get(key)
        if value is not None and not isinstance(value, bool):
            errors.append(f"{label(key)}：应为 true 或 false")
        args[key] = value is True
    q4, expensed = args.get("q4_expensed_rd"), args.get("expensed_rd")
    if q4 is not None and expensed is not None and q4 > expensed:
        errors.append(f"{label('q4_expensed_rd')}：不能大于全年费用化研发费用（{item['expensed_rd']}）")
    if errors:
        return None, errors
    args.setdefault("capitalised_rd_amortised", Decimal(0))
    return args, []


def calculate(data, rules: Rules | None = None) -> tuple[list[Outcome], list[str]]:
    """Every item of `data` (a list, or a single object) checked, then computed — or
    SuperdeductionInputError with every problem of every item. Returns the outcomes in input order and the
    notes, each naming its item."""
    rules = rules or load_rules()
    items = data if isinstance(data, list) else [data]
    parsed, errors = [], []
    for index, item in enumerate(items, start=1):
        args, problems = parse_item(item, f"第 {index} 项", rules)
        parsed.append(args)
        errors.extend(problems)
    if not items:
        errors.append("输入为空：应为一个对象或对象数组")
    if errors:
        raise SuperdeductionInputError(errors)
    outcomes = [compute(**args, rules=rules) for args in parsed]
    notes = [f"第 {i} 项：{note}" for i, o in enumerate(outcomes, start=1) for note in o.notes]
    return outcomes, notes


def to_json(value, indent: int = 2, _level: int = 0) -> str:
    """JSON with Decimal written as a number exactly as it stands (75000.00, 0.75), never a string or a
    binary float."""
    pad, inner = " " * (indent * _level), " " * (indent * (_level + 1))
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, dict):
        if not value:
            return "{}"
        body = ",\n".join(
            f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {to_json(v, indent, _level + 1)}"
            for k, v in value.items()
        )
        return "{\n" + body + "\n" + pad + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + to_json(v, indent, _level + 1) for v in value) + "\n" + pad + "]"
    return json.dumps(value, ensure_ascii=False)
