"""How amounts are shown: 元 as 万元 (the plan's unit for money), everywhere a page shows money."""

from decimal import Decimal


def wan(amount) -> str:
    """元 → 万元 with two decimals and thousands separators; — for empty."""
    if amount is None or amount == "":
        return "—"
    return f"{Decimal(amount) / 10000:,.2f}"


def yuan(amount) -> str:
    """元 with two decimals and thousands separators (an application's budget); — for empty."""
    if amount is None or amount == "":
        return "—"
    return f"{Decimal(amount):,.2f}"
