"""A policy instrument's rule as data: its eligibility conditions and its amount, checked (`check`, each
error naming the condition or term), said in words (`describe`) and evaluated for many enterprises at
once from the registries (`evaluate`, through `facts.py`).

Conditions — all must hold:

    [{"fact": "rd_expense", "op": ">=", "value": 500000},          当年研发费用不低于 50.00 万元
     {"fact": "qualified", "kind": "kxqy"},                        年末为有效的科技型中小企业
     {"fact": "manufacturing", "op": "not"}]                       不属制造业

    op: >=, >, <=, <, = for numbers; "is" (default) or "not" for flags.

Amount — one of, each with optional "cap" (上限, 元) and "round_to" (元, default 0.01, half up):

    {"type": "fixed", "amount": 100000}
    {"type": "tiers", "fact": "rd_expense", "tiers": [{"from": 500000, "amount": 20000}, …]}
    {"type": "share", "terms": [{"fact": "rd_expense", "rate": "0.01"},
                                {"fact": "rd_increment", "rate": "0.05"}], "combine": "min" | "sum"}
    {"type": "per_unit", "fact": "platforms_recognized", "level": ["国家级"], "amount": 1000000}
    {"type": "sum", "parts": [<amount>, …]}

A tier list pays the highest tier reached (nothing below the first); a share never pays less than 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from kechuang.core.numbers import wan

from .facts import FACTS, Context, Fact, Value

NUMBER_OPS = {
    ">=": ("不低于", lambda a, b: a >= b),
    ">": ("高于", lambda a, b: a > b),
    "<=": ("不高于", lambda a, b: a <= b),
    "<": ("低于", lambda a, b: a < b),
    "=": ("等于", lambda a, b: a == b),
}
FLAG_OPS = {"is", "not"}
AMOUNT_TYPES = {"fixed", "tiers", "share", "per_unit", "sum"}
NEAR_MISS = Decimal("0.2")  # a figure within 20% of its threshold is listed as “差一点”


class RuleError(ValueError):
    def __init__(self, field: str, messages: list[str]):
        super().__init__("；".join(messages))
        self.field, self.messages = field, messages


def _number(value, where: str, errors: list[str], *, positive=False) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        errors.append(f"{where}：应为数字")
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        errors.append(f"{where}：“{value}”不是数字")
        return None
    if not number.is_finite() or number < 0 or (positive and number == 0):
        errors.append(f"{where}：应为{'正数' if positive else '不小于 0 的数'}")
        return None
    return number


def _fact(spec, where: str, errors: list[str], *, number: bool | None = None) -> Fact | None:
    if not isinstance(spec, dict):
        errors.append(f"{where}：应为对象")
        return None
    key = spec.get("fact")
    fact = FACTS.get(key)
    if fact is None:
        known = "、".join(f"{f.key}（{f.label}）" for f in FACTS.values())
        errors.append(f"{where}：未知的数据项“{key}”，可用：{known}")
        return None
    if number is True and fact.is_flag:
        errors.append(f"{where}：“{fact.label}”是是否判断，不能用于计算金额")
    for param in fact.params:
        value = spec.get(param.name, param.default)
        if param.kind == "offset" and (isinstance(value, bool) or not isinstance(value, int) or value > 0):
            errors.append(f"{where}：{param.name} 应为 0 或负整数（0 当年，-1 上年度）")
        if param.kind == "qualification" and not isinstance(value, str):
            errors.append(f"{where}：{param.name} 应为资质代码，如 hte、kxqy")
        if param.kind == "levels" and value is not None:
            from kechuang.platforms.models import Level

            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or any(v not in Level.values for v in values):
                errors.append(f"{where}：{param.name} 应为 {'、'.join(Level.values)} 之一或其列表")
    return fact


def _check_amount(spec, where: str, errors: list[str]) -> None:
    if not isinstance(spec, dict):
        errors.append(f"{where}：应为对象")
        return
    kind = spec.get("type")
    if kind not in AMOUNT_TYPES:
        errors.append(f"{where}：type 应为 {'、'.join(sorted(AMOUNT_TYPES))} 之一")
        return
    if "cap" in spec:
        _number(spec["cap"], f"{where}上限 cap", errors, positive=True)
    if "round_to" in spec:
        _number(spec["round_to"], f"{where}取整 round_to", errors, positive=True)
    if kind == "fixed":
        _number(spec.get("amount"), f"{where}金额 amount", errors, positive=True)
    elif kind == "tiers":
        _fact(spec, where, errors, number=True)
        tiers = spec.get("tiers")
        if not isinstance(tiers, list) or not tiers:
            errors.append(f"{where}：tiers 应为非空列表")
            return
        last = None
        for n, tier in enumerate(tiers, 1):
            if not isinstance(tier, dict):
                errors.append(f"{where}第 {n} 档：应为对象")
                continue
            start = _number(tier.get("from"), f"{where}第 {n} 档起点 from", errors)
            _number(tier.get("amount"), f"{where}第 {n} 档金额 amount", errors, positive=True)
            if start is not None and last is not None and start <= last:
                errors.append(f"{where}第 {n} 档：起点应高于上一档")
            last = start if start is not None else last
    elif kind == "share":
        terms = spec.get("terms")
        if not isinstance(terms, list) or not terms:
            errors.append(f"{where}：terms 应为非空列表")
            return
        for n, term in enumerate(terms, 1):
            _fact(term, f"{where}第 {n} 项", errors, number=True)
            if isinstance(term, dict):
                _number(term.get("rate"), f"{where}第 {n} 项比例 rate", errors, positive=True)
        if spec.get("combine", "min") not in ("min", "sum"):
            errors.append(f"{where}：combine 应为 min（取低值）或 sum（相加）")
    elif kind == "per_unit":
        _fact(spec, where, errors, number=True)
        _number(spec.get("amount"), f"{where}单价 amount", errors, positive=True)
    elif kind == "sum":
        parts = spec.get("parts")
        if not isinstance(parts, list) or not parts:
            errors.append(f"{where}：parts 应为非空列表")
            return
        for n, part in enumerate(parts, 1):
            _check_amount(part, f"{where}第 {n} 部分", errors)


def check(conditions, amount) -> None:
    """Refuse a rule that cannot be evaluated: RuleError naming the field (conditions or amount) and
    each problem with its place."""
    errors: list[str] = []
    if not isinstance(conditions, list):
        raise RuleError("conditions", ["享受条件应为列表"])
    for n, cond in enumerate(conditions, 1):
        where = f"条件 {n}"
        fact = _fact(cond, where, errors)
        if fact is None:
            continue
        op = cond.get("op", "is" if fact.is_flag else None)
        if fact.is_flag:
            if op not in FLAG_OPS:
                errors.append(f"{where}：“{fact.label}”的 op 应为 is 或 not")
        elif op not in NUMBER_OPS:
            errors.append(f"{where}：op 应为 {'、'.join(NUMBER_OPS)} 之一")
        else:
            if isinstance(cond.get("value"), bool) or cond.get("value") is None:
                errors.append(f"{where}：value 应为数字")
            else:
                try:
                    Decimal(str(cond["value"]))
                except InvalidOperation:
                    errors.append(f"{where}：value“{cond['value']}”不是数字")
    if errors:
        raise RuleError("conditions", errors)
    _check_amount(amount, "金额规则", errors)
    if errors:
        raise RuleError("amount", errors)


# --- in words ------------------------------------------------------------------------------------------


def _figure(value: Decimal, unit: str) -> str:
    if unit == "元":
        return f"{wan(value)} 万元"
    return f"{value.normalize():f} {unit}".strip()


def describe_condition(cond: dict) -> str:
    fact = FACTS[cond["fact"]]
    title = fact.title(fact.resolved(cond))
    if fact.is_flag:
        if cond.get("op", "is") == "is":
            return title
        return f"不{title}" if title.startswith("属") else f"并非{title}"
    words, _ = NUMBER_OPS[cond["op"]]
    return f"{title}{words} {_figure(Decimal(str(cond['value'])), fact.unit)}"


def describe_amount(spec: dict) -> str:
    kind = spec["type"]
    if kind == "fixed":
        text = f"定额 {wan(spec['amount'])} 万元"
    elif kind == "tiers":
        fact = FACTS[spec["fact"]]
        title = fact.title(fact.resolved(spec))
        steps = "；".join(
            f"{title}达到 {_figure(Decimal(str(t['from'])), fact.unit)} 的 {wan(t['amount'])} 万元"
            for t in spec["tiers"]
        )
        text = f"分档：{steps}"
    elif kind == "share":
        parts = []
        for term in spec["terms"]:
            fact = FACTS[term["fact"]]
            rate = Decimal(str(term["rate"])) * 100
            parts.append(f"{fact.title(fact.resolved(term))}的 {rate.normalize():f}%")
        joined = "与".join(parts)
        text = (
            f"{joined}中的较低者"
            if spec.get("combine", "min") == "min" and len(parts) > 1
            else "加".join(parts)
        )
        text = f"按比例：{text}"
    elif kind == "per_unit":
        fact = FACTS[spec["fact"]]
        text = f"{fact.title(fact.resolved(spec))}每{fact.unit} {wan(spec['amount'])} 万元"
    else:
        text = "以下各项相加：" + "；".join(describe_amount(p) for p in spec["parts"])
    if "cap" in spec:
        text += f"，最高 {wan(spec['cap'])} 万元"
    return text


# --- evaluation ----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """One enterprise under a rule: eligible or not, the amount and why (lines of words with their
    records), and what it misses; `near` when it misses one condition by a little."""

    enterprise_id: int
    eligible: bool = True
    amount: Decimal = Decimal(0)
    reasons: list[dict] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)
    near: bool = False


def _reason(text: str, value: Value | None = None) -> dict:
    reason = {"text": text}
    if value is not None and value.source:
        reason["source"] = value.source
    if value is not None and value.url:
        reason["url"] = value.url
    return reason


class _Facts:
    """Fact values loaded once per fact and parameters for the whole population."""

    def __init__(self, ctx: Context):
        self.ctx, self.loaded = ctx, {}

    def values(self, spec: dict) -> tuple[Fact, dict[int, Value]]:
        fact = FACTS[spec["fact"]]
        params = fact.resolved(spec)
        key = (fact.key, repr(sorted(params.items())))
        if key not in self.loaded:
            self.loaded[key] = fact.compute(self.ctx, params)
        return fact, self.loaded[key]


def _round(amount: Decimal, spec: dict) -> Decimal:
    step = Decimal(str(spec.get("round_to", "0.01")))
    return ((amount / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step).quantize(Decimal("0.01"))


def _amount(spec: dict, eid: int, facts: _Facts, reasons: list[dict]) -> Decimal:
    kind = spec["type"]
    if kind == "fixed":
        total = Decimal(str(spec["amount"]))
        reasons.append(_reason(f"定额 {wan(total)} 万元"))
    elif kind == "tiers":
        fact, values = facts.values(spec)
        value = values.get(eid)
        total = Decimal(0)
        if value is None or value.value is None:
            reasons.append(_reason(f"没有{fact.label}数据，不能分档"))
        else:
            reached = [t for t in spec["tiers"] if value.value >= Decimal(str(t["from"]))]
            if reached:
                tier = reached[-1]
                total = Decimal(str(tier["amount"]))
                reasons.append(
                    _reason(
                        f"{value.text}，达到“{_figure(Decimal(str(tier['from'])), fact.unit)}”一档："
                        f"{wan(total)} 万元",
                        value,
                    )
                )
            else:
                first = Decimal(str(spec["tiers"][0]["from"]))
                reasons.append(_reason(f"{value.text}，未达到最低一档 {_figure(first, fact.unit)}", value))
    elif kind == "share":
        amounts = []
        for term in spec["terms"]:
            fact, values = facts.values(term)
            value = values.get(eid)
            rate = Decimal(str(term["rate"]))
            if value is None or value.value is None:
                reasons.append(_reason(f"没有{fact.title(fact.resolved(term))}数据，按 0 计"))
                amounts.append(Decimal(0))
                continue
            part = max(value.value * rate, Decimal(0))
            amounts.append(part)
            reasons.append(_reason(f"{value.text} × {(rate * 100).normalize():f}% = {wan(part)} 万元", value))
        combine = spec.get("combine", "min")
        total = min(amounts) if combine == "min" else sum(amounts, Decimal(0))
        if len(amounts) > 1:
            reasons.append(_reason(f"{'取较低者' if combine == 'min' else '相加'}：{wan(total)} 万元"))
    elif kind == "per_unit":
        fact, values = facts.values(spec)
        value = values.get(eid)
        count = value.value if value is not None and value.value is not None else Decimal(0)
        total = count * Decimal(str(spec["amount"]))
        reasons.append(
            _reason(
                f"{value.text if value else fact.label + ' 0'} × {wan(spec['amount'])} 万元 = {wan(total)} 万元",
                value,
            )
        )
    else:
        total = sum((_amount(part, eid, facts, reasons) for part in spec["parts"]), Decimal(0))
    if "cap" in spec and total > Decimal(str(spec["cap"])):
        total = Decimal(str(spec["cap"]))
        reasons.append(_reason(f"超过上限，按上限 {wan(total)} 万元"))
    return _round(total, spec)


def _holds(cond: dict, fact: Fact, value: Value | None) -> bool:
    if value is None or value.value is None:
        return False
    if fact.is_flag:
        return bool(value.value) == (cond.get("op", "is") == "is")
    return NUMBER_OPS[cond["op"]][1](value.value, Decimal(str(cond["value"])))


def _gap(cond: dict, wanted: str, fact: Fact, value: Value | None) -> tuple[str, bool]:
    """What a failed condition misses, in words, and whether it is missed by a little."""
    if value is None or value.value is None:
        return f"须{wanted}：台账中没有相应数据", False
    if fact.is_flag:
        return f"须{wanted}：{value.text}", False
    threshold = Decimal(str(cond["value"]))
    near = False
    text = f"须{wanted}：{value.text}"
    if cond["op"] in (">=", ">") and threshold > 0:
        short = threshold - value.value
        near = short <= threshold * NEAR_MISS
        text += f"，差 {_figure(short, fact.unit)}"
    return text, near


def evaluate(conditions: list, amount: dict, year: int, enterprise_ids, among=None) -> list[Outcome]:
    """Every enterprise of `enterprise_ids` under the rule for data year `year`, in their order: one
    query per fact the rule reads, whatever their number (`among`: a queryset of exactly these
    enterprises, read as a subquery instead of the ids)."""
    ctx = Context(year, enterprise_ids, among)
    facts = _Facts(ctx)
    described = [describe_condition(cond) for cond in conditions]
    outcomes = []
    passed = []
    for eid in ctx.ids:
        outcome = Outcome(eid)
        nears = []
        for cond, wanted in zip(conditions, described, strict=True):
            fact, values = facts.values(cond)
            value = values.get(eid)
            if _holds(cond, fact, value):
                outcome.reasons.append(_reason(f"{wanted}：{value.text}", value))
            else:
                text, near = _gap(cond, wanted, fact, value)
                outcome.missing.append(_reason(text, value))
                nears.append(near)
        if outcome.missing:
            outcome.eligible = False
            outcome.near = len(nears) == 1 and nears[0]
        else:
            passed.append(outcome)
        outcomes.append(outcome)
    if passed:
        # the amount's facts are read for those that meet every condition only (often a few of the
        # population): the same values, without building every enterprise's words for nothing
        if len(passed) < len(ctx.ids):
            facts = _Facts(Context(year, [o.enterprise_id for o in passed]))
        for outcome in passed:
            outcome.amount = _amount(amount, outcome.enterprise_id, facts, outcome.reasons)
            if outcome.amount <= 0:
                outcome.eligible = False
                outcome.missing.append({"text": "按金额规则测算为 0"})
    return outcomes
