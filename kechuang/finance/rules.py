"""The finance rules as data: dated JSON files in rules/ (each with its source) — the credit line of each
知识价值信用评价 grade, the risk-compensation fund's shares, the seed fund's single-project cap. A newer
rule is a new file with a later `effective_from`; a record takes the version in force on its own date."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent / "rules"


@cache
def _specs() -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for path in sorted(RULES_DIR.glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        spec["effective_from"] = date.fromisoformat(spec["effective_from"])
        found.setdefault(spec["code"], []).append(spec)
    for versions in found.values():
        versions.sort(key=lambda s: s["effective_from"])
    return found


def rule(code: str, on: date | None = None) -> dict:
    """The version of rule `code` in force on `on` (the newest when None, or the oldest for a day before
    every version)."""
    versions = _specs()[code]
    if on is None:
        return versions[-1]
    current = [s for s in versions if s["effective_from"] <= on]
    return current[-1] if current else versions[0]


def credit_line(grade: str, on: date | None = None) -> Decimal | None:
    """The credit line (元) of a 知识价值信用评价 grade on `on`; None for an unknown grade."""
    value = rule("credit_lines", on)["params"]["lines"].get(grade)
    return Decimal(value) if value is not None else None


def compensation_shares(on: date | None = None) -> tuple[Decimal, Decimal, Decimal]:
    """(the fund's share of the overdue principal, the city's and the district's shares of the fund)."""
    params = rule("risk_compensation", on)["params"]
    return Decimal(params["fund_share"]), Decimal(params["city_share"]), Decimal(params["district_share"])


def seed_cap(on: date | None = None) -> Decimal:
    """The seed fund's cap on a single investment (元)."""
    return Decimal(rule("seed_fund", on)["params"]["single_cap"])


def seed_max_term(on: date | None = None) -> int:
    return int(rule("seed_fund", on)["params"]["max_term_months"])


def credit_lines_text(on: date | None = None) -> str:
    """The grade table in words: “A 500万元、B 400万元、…”."""
    lines = rule("credit_lines", on)["params"]["lines"]
    return "、".join(f"{grade} {Decimal(value) / 10000:g}万元" for grade, value in lines.items())
