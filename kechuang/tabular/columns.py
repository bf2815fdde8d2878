"""Column declarations and the parsing of one cell: what a registry says once about each column."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation


class CellError(ValueError):
    """A cell that cannot be accepted; the message is Chinese and names the reason."""


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
EXCEL_EPOCH = date(1899, 12, 30)


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 13800000000.0 typed into a text column is a phone number, not a float
    if isinstance(value, datetime):
        value = value.date()
    return str(value).strip()


def parse_text(value, column: Column):
    text = _text(value)
    if column.max_length and len(text) > column.max_length:
        raise CellError(f"不能超过 {column.max_length} 个字符（实际 {len(text)} 个）")
    return text


def _number_text(value) -> str:
    return _text(value).replace(",", "").replace("，", "").replace(" ", "")


def parse_decimal(value, column: Column):
    if isinstance(value, bool):
        raise CellError(f"“{value}”不是数字")
    try:
        number = Decimal(str(value)) if isinstance(value, int | float) else Decimal(_number_text(value))
    except InvalidOperation:
        raise CellError(f"“{_text(value)}”不是数字") from None
    if not number.is_finite():
        raise CellError(f"“{_text(value)}”不是数字")
    if column.max_digits is not None:
        whole_digits = column.max_digits - (column.decimal_places or 0)
        if abs(number) >= column.decimal_limit:
            raise CellError(f"数值过大（整数部分最多 {whole_digits} 位）")
    if column.decimal_places is not None:
        try:
            number = number.quantize(column.decimal_quantum)
        except InvalidOperation:
            raise CellError("数值过大") from None
    _check_range(number, column)
    return number


def parse_int(value, column: Column):
    if isinstance(value, bool):
        raise CellError(f"“{value}”不是整数")
    if type(value) is int or (type(value) is float and value.is_integer() and abs(value) <= 2**31 - 1):
        number = int(value)  # what spreadsheets hand over for whole numbers: no text round trip needed
        _check_range(number, column)
        return number
    try:
        number = Decimal(str(value)) if isinstance(value, int | float) else Decimal(_number_text(value))
    except InvalidOperation:
        raise CellError(f"“{_text(value)}”不是整数") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise CellError(f"“{_text(value)}”不是整数")
    if abs(number) > 2**31 - 1:
        raise CellError("数值过大")
    number = int(number)
    _check_range(number, column)
    return number


def _check_range(number, column: Column) -> None:
    if column.min_value is not None and number < column.min_value:
        raise CellError(f"不能小于 {column.min_value}")
    if column.max_value is not None and number > column.max_value:
        raise CellError(f"不能大于 {column.max_value}")


def parse_date(value, column: Column):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 10_000 < value < 80_000:
        return EXCEL_EPOCH + timedelta(days=int(value))  # an Excel serial day number
    text = _text(value)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                break
    raise CellError(f"“{text}”不是有效日期，应写作 2021-08-23")


def parse_choice(value, column: Column):
    text = _text(value)
    choices = column.choice_values()
    if text not in choices:
        shown = "、".join(choices[:12]) + ("…" if len(choices) > 12 else "")
        raise CellError(f"“{text}”不是可选值（可选：{shown}）")
    return text


def parse_bool(value, column: Column):
    text = _text(value).lower()
    if text in {"是", "true", "1", "y", "yes"}:
        return True
    if text in {"否", "false", "0", "n", "no"}:
        return False
    raise CellError(f"“{_text(value)}”应为“是”或“否”")


PARSERS = {
    "text": parse_text,
    "decimal": parse_decimal,
    "int": parse_int,
    "date": parse_date,
    "choice": parse_choice,
    "bool": parse_bool,
}
TYPE_NAMES = {
    "text": "文本",
    "decimal": "数字",
    "int": "整数",
    "date": "日期",
    "choice": "下拉选择",
    "bool": "是/否",
}


@dataclass
class Column:
    """One column of a sheet: its Chinese header, type and rules, declared once."""

    key: str
    header: str
    kind: str = "text"
    required: bool = False
    max_length: int | None = None
    decimal_places: int | None = None
    max_digits: int | None = None
    min_value: object = None
    max_value: object = None
    choices: Sequence[str] | Callable[[], Sequence[str]] | None = None
    validators: list[Callable] = field(default_factory=list)
    help: str = ""
    example: str = ""
    readonly: bool = False  # exported for reading (e.g. the enterprise name beside a code), ignored on import
    width: int = 14

    def __post_init__(self) -> None:
        # computed once per column, not per cell
        whole_digits = (self.max_digits or 0) - (self.decimal_places or 0)
        self.decimal_limit = Decimal(10) ** whole_digits if self.max_digits is not None else None
        self.decimal_quantum = (
            Decimal(1).scaleb(-self.decimal_places) if self.decimal_places is not None else None
        )

    def choice_values(self) -> list[str]:
        values = self.choices() if callable(self.choices) else self.choices
        return list(values or [])

    def parse(self, value):
        """Cell value → Python value (None when empty); raises CellError."""
        if value is None or (isinstance(value, str) and not value.strip()):
            if self.required:
                raise CellError("必填")
            return None
        parsed = PARSERS[self.kind](value, self)
        for validator in self.validators:
            parsed = validator(parsed) or parsed
        return parsed

    def describe(self) -> str:
        parts = [TYPE_NAMES[self.kind]]
        if self.kind == "choice":
            parts.append("可选：" + "、".join(self.choice_values()))
        if self.max_length:
            parts.append(f"最多 {self.max_length} 字")
        if self.min_value is not None:
            parts.append(f"不小于 {self.min_value}")
        if self.help:
            parts.append(self.help)
        return "；".join(parts)
