"""Self-checks on registry data: the same engine as `kechuang enterprise assess`, fed from the records."""

from datetime import date

from kechuang.core.filtering import parse_int

from .eligibility import AssessInputError, assess
from .models import Enterprise, EnterpriseYear, valid_on_q
from .rules import params_for

YEAR_KEYS = {
    "sales": "sales_revenue",
    "total_income": "total_income",
    "total_cost": "total_cost",
    "rd_expense": "rd_expense",
    "rd_domestic": "rd_domestic",
    "net_assets": "net_assets",
    "hightech_income": "hightech_income",
}


def registry_input(
    enterprise: Enterprise,
    as_of: date,
    years: list[EnterpriseYear] | None = None,
    hte_valid: bool | None = None,
) -> dict:
    """The assess input built from an enterprise's last three years of current data."""
    if years is None:
        years = list(
            enterprise.years.filter(superseded_at__isnull=True, year__lt=as_of.year).order_by("-year")[:3]
        )
    years = sorted(years, key=lambda y: y.year)[-3:]
    latest = years[-1] if years else None
    if hte_valid is None:
        hte_valid = enterprise.qualifications.filter(valid_on_q(as_of), kind__code="hte").exists()
    return {
        "as_of": as_of.isoformat(),
        "registered_on": enterprise.registered_on.isoformat(),
        "field": enterprise.hightech_field,
        "employees": latest.employees if latest and latest.employees is not None else 0,
        "st_staff": latest.st_staff if latest and latest.st_staff is not None else 0,
        "total_assets": latest.total_assets if latest else None,
        "years": [
            {"year": y.year, **{k: getattr(y, field) for k, field in YEAR_KEYS.items()}} for y in years
        ],
        "ip": {
            "class1": latest.ip_class1 or 0 if latest else 0,
            "class2": latest.ip_class2 or 0 if latest else 0,
            "self_developed": True,
        },
        "conversions": sum(y.conversions or 0 for y in years),
        "direct": {
            "hte_valid": hte_valid,
            "national_award_top3": False,
            "provincial_rd_institution": False,
            "led_standard": False,
        },
        "incidents": False,
    }


EXPERT_ITEMS = [
    ("tech_advancement", "技术的先进程度", 8),
    ("core_support", "对主要产品（服务）的核心支持作用", 8),
    ("ip_acquisition", "知识产权获得方式", 6),
    ("standards", "参与编制标准", 2),
    ("rd_management", "研究开发组织管理水平", 20),
]


def expert_scores(params) -> dict[str, int]:
    """Expert-judged 高企 items a person entered (query parameters); out-of-range input is ignored."""
    scores = {}
    for key, _, maximum in EXPERT_ITEMS:
        try:
            scores[key] = parse_int((params.get(key) or "").strip(), 0, maximum)
        except ValueError:
            continue
    return scores


def check(
    enterprise: Enterprise, rules: str, as_of: date, params: dict | None = None, expert=None, **prefetched
) -> dict:
    """Run one rule set; a result with `error` when the registry lacks the data to assess.

    Callers checking many enterprises pass `params` and the prefetched `years`/`hte_valid`; `expert`
    holds the expert-judged 高企 items a person entered (the others stay open ranges)."""
    data = registry_input(enterprise, as_of, **prefetched)
    if expert:
        data["expert"] = expert
    if not data["years"]:
        return {"error": f"尚无 {as_of.year} 年以前的年度数据，无法自评。"}
    try:
        return assess(rules, data, params if params is not None else params_for(rules, as_of))
    except AssessInputError as exc:
        return {"error": "年度数据不完整：" + "；".join(exc.errors)}
