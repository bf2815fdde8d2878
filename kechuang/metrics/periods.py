"""Reporting periods: a year (2021), a quarter (2021Q3) or a month (2021-07) — also read as written in
Chinese (2021年、2021年度、2021年第三季度、2021年三季度、2021年7月) and shown that way."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_PATTERNS = [
    (re.compile(r"^(\d{4})(?:年度?)?$"), "year"),
    (re.compile(r"^(\d{4})[Qq]([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})年?\s*[Qq]([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})年\s*第?([1-4一二三四])季度?$"), "quarter"),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})年\s*(\d{1,2})月份?$"), "month"),
]
_CN_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4}
QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


def _month_end(year: int, month: int) -> date:
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    return first_next - timedelta(days=1)


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date
    label: str

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31), f"{year}")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first_month = 3 * (quarter - 1) + 1
        return cls(date(year, first_month, 1), _month_end(year, first_month + 2), f"{year}Q{quarter}")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(date(year, month, 1), _month_end(year, month), f"{year}-{month:02d}")

    @classmethod
    def parse(cls, text: str) -> Period:
        text = (text or "").strip()
        for pattern, kind in _PATTERNS:
            match = pattern.match(text)
            if not match:
                continue
            year = int(match.group(1))
            if kind == "year":
                return cls.year(year)
            if kind == "quarter":
                quarter = match.group(2)
                return cls.quarter(year, _CN_QUARTER.get(quarter) or int(quarter))
            month = int(match.group(2))
            if 1 <= month <= 12:
                return cls.month(year, month)
        raise ValueError(
            f"无法识别的期间“{text}”：应为 2021（2021年）、2021Q3（2021年第三季度）或 2021-07（2021年7月）这样的写法。"
        )

    @property
    def kind(self) -> str:
        """ "year", "quarter" or "month" (what the label says)."""
        if "Q" in self.label:
            return "quarter"
        return "month" if "-" in self.label else "year"

    @property
    def chinese(self) -> str:
        """The period as a Chinese reader writes it: 2021年、2021年第三季度、2021年7月."""
        if self.kind == "quarter":
            return f"{self.start.year}年{QUARTER_NAMES[(self.start.month - 1) // 3 + 1]}"
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        return f"{self.start.year}年"

    @classmethod
    def all_of(cls, kind: str, years) -> list[Period]:
        """Every period of one kind in the given years, in order."""
        if kind == "quarter":
            return [cls.quarter(y, q) for y in years for q in range(1, 5)]
        if kind == "month":
            return [cls.month(y, m) for y in years for m in range(1, 13)]
        return [cls.year(y) for y in years]

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return self.label
