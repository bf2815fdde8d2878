"""Growth stage (初创期 / 成长期 / 壮大期) by the rule set `stage`, with the reason shown to people.

Default rule (rules/stage_default.json, adjustable by the bureau as a newer rule set):
壮大期 when the latest year's sales reach `expansion_min_sales`; otherwise 初创期 when the enterprise is
younger than `startup_max_age_years` or its sales are below `startup_max_sales`; otherwise 成长期.
"""

from datetime import date
from decimal import Decimal

from .choices import GrowthStage


def _wan(amount: Decimal) -> str:
    return f"{Decimal(amount) / 10000:,.0f}万元"


def classify(
    registered_on: date, latest_year: int | None, sales: Decimal | None, as_of: date, params: dict
) -> tuple[str, str]:
    age = (as_of - registered_on).days / 365.25
    if sales is None:
        if age < params["startup_max_age_years"]:
            return (
                GrowthStage.STARTUP,
                f"成立 {age:.1f} 年（不足 {params['startup_max_age_years']} 年），尚无年度数据",
            )
        return GrowthStage.GROWTH, "尚无年度销售数据，按成长期管理"
    big = Decimal(params["expansion_min_sales"])
    if sales >= big:
        return GrowthStage.EXPANSION, f"{latest_year}年销售收入 {_wan(sales)} ≥ {_wan(big)}"
    young, small = age < params["startup_max_age_years"], sales < Decimal(params["startup_max_sales"])
    if young or small:
        why = []
        if young:
            why.append(f"成立 {age:.1f} 年（不足 {params['startup_max_age_years']} 年）")
        if small:
            why.append(
                f"{latest_year}年销售收入 {_wan(sales)} < {_wan(Decimal(params['startup_max_sales']))}"
            )
        return GrowthStage.STARTUP, "；".join(why)
    return GrowthStage.GROWTH, (
        f"{latest_year}年销售收入 {_wan(sales)}，介于 {_wan(Decimal(params['startup_max_sales']))} 与 {_wan(big)} 之间，"
        f"成立 {age:.1f} 年"
    )
