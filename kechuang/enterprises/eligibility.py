"""Eligibility self-checks: 科技型中小企业评价 (kxqy) and 高新技术企业认定 pre-check (gqrd).

Pure functions over a plain input (the JSON of `kechuang enterprise assess`, documented in
docs/ASSESS.md) and the parameters of a dated rule set (enterprises/rules/*.json, stored as RuleSet rows).
Exact arithmetic (fractions) so boundaries — exactly 10 % staff, revenue exactly 5,000万 — fall on the
right side. Conventions where the rules leave room are listed in docs/ASSESS.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction

AMOUNTS = (
    "sales",
    "total_income",
    "total_cost",
    "rd_expense",
    "rd_domestic",
    "net_assets",
    "hightech_income",
)
DIRECT_ROUTES = ("hte_valid", "national_award_top3", "provincial_rd_institution", "led_standard")


class AssessInputError(ValueError):
    """Input that cannot be assessed; `errors` lists "field: reason" in Chinese."""

    def __init__(self, errors: list[str]):
        super().__init__("；".join(errors))
        self.errors = errors


@dataclass
class YearFigures:
    year: int
    values: dict[str, Fraction | None]

    def get(self, name: str) -> Fraction:
        value = self.values.get(name)
        return value if value is not None else Fraction(0)


@dataclass
class Facts:
    as_of: date
    registered_on: date | None
    field: str
    employees: int
    st_staff: int
    total_assets: Fraction | None
    years: list[YearFigures]
    ip_class1: int
    ip_class2: int
    ip_self_developed: bool
    conversions: int
    direct: dict[str, bool]
    incidents: bool
    expert: dict[str, int] = field(default_factory=dict)

    @property
    def latest(self) -> YearFigures:
        return self.years[-1]


# --- input ----------------------------------------------------------------------------------------


class _Reader:
    def __init__(self):
        self.errors: list[str] = []

    def date(self, data, key, required=True):
        value = data.get(key)
        if value in (None, ""):
            if required:
                self.errors.append(f"{key}: 必填，格式 YYYY-MM-DD")
            return None
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.errors.append(f"{key}: “{value}”不是有效日期，格式应为 YYYY-MM-DD")
            return None

    def integer(self, data, key, label=None, required=True):
        label = label or key
        value = data.get(key)
        if value is None:
            if required:
                self.errors.append(f"{label}: 必填")
            return 0
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value) or value < 0:
            self.errors.append(f"{label}: “{value}”应为非负整数")
            return 0
        return int(value)

    def amount(self, data, key, label, required=True):
        value = data.get(key)
        if value is None:
            if required:
                self.errors.append(f"{label}: 必填（单位：元）")
            return None
        if isinstance(value, bool):
            self.errors.append(f"{label}: “{value}”不是金额")
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.errors.append(f"{label}: “{value}”不是金额（单位：元）")
            return None
        if not number.is_finite():
            self.errors.append(f"{label}: “{value}”不是金额")
            return None
        return Fraction(number)

    def flag(self, data, key, label=None):
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.errors.append(f"{label or key}: 应为 true 或 false")
            return False
        return value


def parse_facts(data: dict) -> Facts:
    """Validate and convert one enterprise's input; raise AssessInputError listing every problem."""
    if not isinstance(data, dict):
        raise AssessInputError(["输入应为一个 JSON 对象（一家企业）"])
    r = _Reader()
    as_of = r.date(data, "as_of")
    registered_on = r.date(data, "registered_on", required=False)
    employees = r.integer(data, "employees")
    st_staff = r.integer(data, "st_staff")
    if st_staff > employees:
        r.errors.append(f"st_staff: 科技人员数 {st_staff} 超过职工总数 {employees}")
    total_assets = r.amount(data, "total_assets", "total_assets", required=False)
    if total_assets is not None and total_assets < 0:
        r.errors.append("total_assets: 资产总额不能为负数")
    raw_years = data.get("years")
    years: list[YearFigures] = []
    if not isinstance(raw_years, list) or not raw_years:
        r.errors.append("years: 应为至少一年的年度数据列表")
        raw_years = []
    seen = set()
    for index, item in enumerate(raw_years):
        where = f"years[{index}]"
        if not isinstance(item, dict):
            r.errors.append(f"{where}: 应为对象")
            continue
        year = r.integer(item, "year", f"{where}.year")
        if year in seen:
            r.errors.append(f"{where}.year: 年度 {year} 重复")
        seen.add(year)
        values = {}
        for name in AMOUNTS:
            values[name] = r.amount(item, name, f"{where}.{name}", required=False)
            if values[name] is not None and values[name] < 0 and name not in ("net_assets",):
                r.errors.append(f"{where}.{name}: 不能为负数")
        rd, domestic = values["rd_expense"], values["rd_domestic"]
        if rd is not None and domestic is not None and domestic > rd:
            r.errors.append(f"{where}.rd_domestic: 境内研发费用超过研发费用")
        years.append(YearFigures(year, values))
    years.sort(key=lambda y: y.year)
    years = years[-3:]  # the last three fiscal years at most
    ip = data.get("ip") or {}
    if not isinstance(ip, dict):
        r.errors.append("ip: 应为对象 {class1, class2, self_developed}")
        ip = {}
    direct = data.get("direct") or {}
    if not isinstance(direct, dict):
        r.errors.append("direct: 应为对象")
        direct = {}
    unknown = set(direct) - set(DIRECT_ROUTES)
    if unknown:
        r.errors.append(f"direct: 未知的直通条件 {', '.join(sorted(unknown))}")
    expert = data.get("expert") or {}
    facts = Facts(
        as_of=as_of,
        registered_on=registered_on,
        field=str(data.get("field") or ""),
        employees=employees,
        st_staff=st_staff,
        total_assets=total_assets,
        years=years,
        ip_class1=r.integer(ip, "class1", "ip.class1", required=False),
        ip_class2=r.integer(ip, "class2", "ip.class2", required=False),
        ip_self_developed=r.flag(ip, "self_developed", "ip.self_developed"),
        conversions=r.integer(data, "conversions", required=False),
        direct={k: r.flag(direct, k, f"direct.{k}") for k in DIRECT_ROUTES},
        incidents=r.flag(data, "incidents"),
        expert={k: r.integer(expert, k, f"expert.{k}") for k in expert} if isinstance(expert, dict) else {},
    )
    if r.errors:
        raise AssessInputError(r.errors)
    return facts


# --- helpers ----------------------------------------------------------------------------------------


def _band(value: Fraction, bands) -> int:
    for threshold, points in bands:
        if value >= Fraction(str(threshold)):
            return points
    return 0


def _ratio(numerator: Fraction, denominator: Fraction) -> Fraction | None:
    return None if denominator == 0 else Fraction(numerator) / Fraction(denominator)


def _float(value: Fraction | None) -> float | None:
    return None if value is None else round(float(value), 6)


def wan(amount: Fraction) -> str:
    """元 → "38.2万元", rounded up to 0.01万元 (a shortfall must not be understated)."""
    hundredths = math.ceil(Fraction(amount) / 100)
    return f"{Decimal(hundredths) / 100:f}".rstrip("0").rstrip(".") + "万元"


def _people_needed(have: int, total: int, target: Fraction) -> int:
    """New S&T hires so that (have + n) / (total + n) ≥ target."""
    if total and Fraction(have, total) >= target:
        return 0
    return max(0, math.ceil((target * total - have) / (1 - target)))


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 28 February
        return day.replace(year=day.year + years, day=28)


# --- 科技型中小企业 ------------------------------------------------------------------------------------


def assess_kxqy(facts: Facts, params: dict) -> dict:
    latest = facts.latest
    sales, cost, rd = latest.get("sales"), latest.get("total_cost"), latest.get("rd_expense")
    failed, hints = [], []
    if facts.employees > params["employees_max"]:
        failed.append("employees")
        hints.append(f"职工总数 {facts.employees} 人，超过 {params['employees_max']} 人的上限")
    if sales > params["sales_max"]:
        failed.append("sales")
        hints.append(f"年销售收入 {wan(sales)}，超过 {wan(Fraction(params['sales_max']))} 的上限")
    if facts.total_assets is not None and facts.total_assets > params["assets_max"]:
        failed.append("assets")
        hints.append(f"资产总额 {wan(facts.total_assets)}，超过 {wan(Fraction(params['assets_max']))} 的上限")
    if facts.incidents:
        failed.append("incidents")
        hints.append("上一年度或当年发生重大安全、质量事故、严重环境违法或科研严重失信等行为")

    staff_ratio = _ratio(facts.st_staff, facts.employees) or Fraction(0)
    st_points = _band(staff_ratio, params["st_staff_bands"])
    rd_sales = _ratio(rd, sales) or Fraction(0)
    rd_cost = _ratio(rd, cost) or Fraction(0)
    rd_points = max(_band(rd_sales, params["rd_sales_bands"]), _band(rd_cost, params["rd_cost_bands"]))
    if facts.ip_class1 >= 1:
        ip_points = params["ip_class1_points"]
    else:
        ip_points = _band(Fraction(facts.ip_class2), params["ip_class2_bands"])
    score = st_points + rd_points + ip_points
    direct = any(facts.direct.values())
    if not direct:
        if score < params["pass_score"]:
            failed.append("score")
            hints.extend(_kxqy_hints(facts, params, score, st_points, rd_points, ip_points, sales, rd))
        if st_points == 0:
            failed.append("st_staff_zero")
            need = _people_needed(
                facts.st_staff, facts.employees, Fraction(str(params["st_staff_bands"][-1][0]))
            )
            hints.append(
                f"科技人员占比 {float(staff_ratio):.1%}，科技人员指标得 0 分；需再增加 {need} 名科技人员"
            )
    eligible = not failed
    return {
        "eligible": eligible,
        "score": score,
        "items": {"st_staff": st_points, "rd": rd_points, "ip": ip_points},
        "direct": direct and not any(c in failed for c in ("employees", "sales", "assets", "incidents")),
        "failed": failed,
        "ratios": {"st_staff": _float(staff_ratio), "rd_sales": _float(rd_sales), "rd_cost": _float(rd_cost)},
        "hints": hints,
    }


def _kxqy_hints(facts, params, score, st_points, rd_points, ip_points, sales, rd) -> list[str]:
    gap = params["pass_score"] - score
    hints = [f"综合得分 {score} 分，距 {params['pass_score']} 分还差 {gap} 分"]
    for threshold, points in reversed(params["rd_sales_bands"]):
        if points > rd_points and sales > 0:
            needed = Fraction(str(threshold)) * sales - rd
            hints.append(
                f"研发费用占销售收入比例达到 {threshold:.0%} 可得 {points} 分（研发费用需增加 {wan(needed)}）"
            )
            break
    for threshold, points in reversed(params["st_staff_bands"]):
        if points > st_points:
            need = _people_needed(facts.st_staff, facts.employees, Fraction(str(threshold)))
            hints.append(f"科技人员占比达到 {threshold:.0%} 可得 {points} 分（需再增加 {need} 名科技人员）")
            break
    if ip_points < params["ip_class1_points"]:
        hints.append(f"拥有 1 项 I 类知识产权（如发明专利）可得 {params['ip_class1_points']} 分")
    return hints


# --- 高新技术企业 --------------------------------------------------------------------------------------


def _growth(values: list[Fraction]) -> Fraction | None:
    """Average growth over the years given (negative values count as 0), with the 指引's special cases."""
    values = [max(v, Fraction(0)) for v in values]
    if len(values) < 2:
        return None
    if len(values) == 2:
        first, second = values
        return None if first == 0 else second / first - 1
    first, second, third = values
    if second == 0:
        return None  # a zero second year: the indicator scores 0
    if first == 0:
        return third / second - 1  # a zero first year: growth over the last two years only
    return (second / first + third / second) / 2 - 1


def _growth_points(growth: Fraction | None, params) -> list[int]:
    if growth is None:
        return [0, 0]
    for threshold, points in params["growth_bands"]:
        if growth >= Fraction(str(threshold)):
            return list(points)
    return list(params["growth_positive"]) if growth > 0 else [0, 0]


def assess_gqrd(facts: Facts, params: dict) -> dict:
    years = facts.years
    latest = facts.latest
    failed, hints = [], []

    if facts.registered_on is None or facts.as_of < _add_years(
        facts.registered_on, params["registered_years"]
    ):
        failed.append("registered_1y")
        when = _add_years(facts.registered_on, params["registered_years"]) if facts.registered_on else None
        hints.append(f"注册未满一年，{when:%Y-%m-%d} 起方可申报" if when else "缺少注册日期")
    if facts.ip_class1 + facts.ip_class2 == 0:
        failed.append("ip_owned")
        hints.append("须拥有对主要产品（服务）发挥核心支持作用的知识产权")
    if facts.field not in params["fields"]:
        failed.append("field")
        hints.append(
            f"核心技术须属于《国家重点支持的高新技术领域》八大领域之一（填写为“{facts.field or '空'}”）"
        )

    staff_ratio = _ratio(facts.st_staff, facts.employees) or Fraction(0)
    st_min = Fraction(str(params["st_staff_min"]))
    if staff_ratio < st_min:
        failed.append("st_staff_ratio")
        need = _people_needed(facts.st_staff, facts.employees, st_min)
        hints.append(
            f"科技人员占比 {float(staff_ratio):.2%}，低于 {float(st_min):.0%}：需再增加 {need} 名科技人员"
        )

    total_sales = sum((y.get("sales") for y in years), Fraction(0))
    total_rd = sum((y.get("rd_expense") for y in years), Fraction(0))
    rd_ratio = _ratio(total_rd, total_sales) or Fraction(0)
    latest_sales = latest.get("sales")
    rd_threshold = None
    for limit, ratio in params["rd_bands"]:
        if limit is None or latest_sales <= limit:
            rd_threshold = Fraction(str(ratio))
            break
    if rd_ratio < rd_threshold:
        failed.append("rd_ratio")
        hints.append(
            f"近{len(years)}年研发费用占销售收入 {float(rd_ratio):.2%}，低于 {float(rd_threshold):.0%}："
            f"研发费用需增加 {wan(rd_threshold * total_sales - total_rd)}"
        )

    total_domestic = sum((y.get("rd_domestic") for y in years), Fraction(0))
    domestic_ratio = _ratio(total_domestic, total_rd)
    domestic_min = Fraction(str(params["rd_domestic_min"]))
    if domestic_ratio is None or domestic_ratio < domestic_min:
        failed.append("rd_domestic")
        hints.append(
            f"境内研发费用占比不足 {float(domestic_min):.0%}：境内研发费用需增加 "
            f"{wan(domestic_min * total_rd - total_domestic)}"
            if total_rd
            else "没有研发费用"
        )

    income, hightech = latest.get("total_income"), latest.get("hightech_income")
    hightech_ratio = _ratio(hightech, income)
    hightech_min = Fraction(str(params["hightech_income_min"]))
    if hightech_ratio is None or hightech_ratio < hightech_min:
        failed.append("hightech_income")
        needed = (hightech_min * income - hightech) / (1 - hightech_min)
        hints.append(
            f"{latest.year}年高新技术产品（服务）收入占总收入 {float(hightech_ratio or 0):.2%}，"
            f"低于 {float(hightech_min):.0%}：需增加 {wan(needed)}"
        )
    if facts.incidents:
        failed.append("incidents")
        hints.append("申请前一年内发生重大安全、重大质量事故或严重环境违法行为")

    growth_net = _growth([y.get("net_assets") for y in years])
    growth_sales = _growth([y.get("sales") for y in years])
    score_range = {
        "ip_quantity": _ip_quantity(facts, params),
        "conversion": _conversion(facts, params),
        "growth_net_assets": _growth_points(growth_net, params),
        "growth_sales": _growth_points(growth_sales, params),
    }
    total = _total_range(facts, params, score_range)
    if total[1] <= params["pass_above"]:
        hints.append(f"创新能力评价最高只能得 {total[1]} 分，须高于 {params['pass_above']} 分")
    return {
        "eligible_hard": not failed,
        "failed": failed,
        "rd_ratio": _float(rd_ratio),
        "rd_threshold": _float(rd_threshold),
        "st_staff_ratio": _float(staff_ratio),
        "hightech_ratio": _float(hightech_ratio),
        "domestic_rd_ratio": _float(domestic_ratio),
        "growth": {"net_assets": _float(growth_net), "sales": _float(growth_sales)},
        "score_range": score_range,
        "score_total_range": total,
        "score_can_pass": total[1] > params["pass_above"],
        "hints": hints,
    }


def _ip_quantity(facts: Facts, params) -> list[int]:
    table = params["ip_quantity"]
    if facts.ip_class1 >= table["class1"][0]:
        return list(table["class1"][1])
    for minimum, points in table["class2_bands"]:
        if facts.ip_class2 >= minimum:
            return list(points)
    return [0, 0]


def _conversion(facts: Facts, params) -> list[int]:
    average = Fraction(facts.conversions, 3)
    for minimum, points in params["conversion_bands"]:
        if average >= minimum:
            return list(points)
    return [0, 0]


def _total_range(facts: Facts, params, computed: dict) -> list[int]:
    """The whole 100-point evaluation as a range: computed items plus expert items (entered or open)."""
    items = params["expert_items"]
    has_ip = facts.ip_class1 + facts.ip_class2 > 0

    def expert(name, bounds):
        if name in facts.expert:
            value = max(bounds[0], min(bounds[1], facts.expert[name]))
            return [value, value]
        return list(bounds)

    acquisition = items["ip_acquisition_self"] if facts.ip_self_developed else items["ip_acquisition_other"]
    ip_parts = [
        computed["ip_quantity"],
        expert("tech_advancement", items["tech_advancement"]) if has_ip else [0, 0],
        expert("core_support", items["core_support"]) if has_ip else [0, 0],
        expert("ip_acquisition", acquisition) if has_ip else [0, 0],
        expert("standards", items["standards"]),
    ]
    ip_lo = min(params["ip_cap"], sum(p[0] for p in ip_parts))
    ip_hi = min(params["ip_cap"], sum(p[1] for p in ip_parts))
    others = [
        computed["conversion"],
        computed["growth_net_assets"],
        computed["growth_sales"],
        expert("rd_management", items["rd_management"]),
    ]
    return [ip_lo + sum(p[0] for p in others), ip_hi + sum(p[1] for p in others)]


RULES = {"kxqy": assess_kxqy, "gqrd": assess_gqrd}


def assess(rules: str, data: dict, params: dict) -> dict:
    if rules not in RULES:
        raise AssessInputError(
            [f"rules: 未知的规则“{rules}”，应为 kxqy（科技型中小企业）或 gqrd（高新技术企业）"]
        )
    return RULES[rules](parse_facts(data), params)
