"""Units of money: amounts are stored in 元 and shown in the unit the plan writes (万元, 亿元)."""

from decimal import Decimal

MONEY_UNITS = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}


def is_money(unit: str) -> bool:
    return unit in MONEY_UNITS


def to_yuan(value: Decimal | None, unit: str) -> Decimal | None:
    """A figure written in `unit` (e.g. 2126 万元) as 元; other units pass through unchanged."""
    if value is None or not is_money(unit):
        return value
    return Decimal(value) * MONEY_UNITS[unit]


def from_yuan(value: Decimal | None, unit: str) -> Decimal | None:
    """元 shown in `unit` (21,260,000 元 → 2126 万元)."""
    if value is None or not is_money(unit):
        return value
    return Decimal(value) / MONEY_UNITS[unit]
