"""Numbers as Chinese plans write them: 1,600 · 1.55 · 五十 · 一百二十 · 两千 · 万/亿 magnitudes ·
百分之十五 · 七成 · 翻一番. Conversion of Chinese numerals is cn2an's; we only find them."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import cn2an

CN_DIGITS = "零〇一二两三四五六七八九十百千万亿点"
ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
# 两千, 一百二十, 一万二千, 三点五 — a 万/亿 at the end belongs to the unit (两千万元 → 2000 万元)
_CN_PART = "[零〇一二两三四五六七八九十百千]+"
CHINESE = rf"{_CN_PART}(?:[万亿]{_CN_PART})*(?:点[零〇一二两三四五六七八九]+)?"

# 1:1 character map from full-width forms to ASCII so offsets into the input stay valid
_FULL_WIDTH = {chr(code): chr(code - 0xFEE0) for code in range(0xFF10, 0xFF1A)}  # ０-９
_FULL_WIDTH.update({chr(code): chr(code - 0xFEE0) for code in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FULL_WIDTH.update({chr(code): chr(code - 0xFEE0) for code in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_FULL_WIDTH.update(
    {"％": "%", "．": ".", "（": "(", "）": ")", "：": ":", "；": ";", "～": "~", "\u3000": " "}
)
_FULL_WIDTH.update({"－": "-", "—": "-", "–": "-", "﹪": "%", "‰": "‰"})
_TRANSLATION = str.maketrans(_FULL_WIDTH)


def normalise(text: str) -> str:
    """Full-width digits, letters and the punctuation that matters for parsing, as ASCII — character for
    character, so every offset into the result is an offset into the input."""
    normalised = text.translate(_TRANSLATION)
    assert len(normalised) == len(text)
    return normalised


def to_number(text: str) -> Decimal | None:
    """'1,600' → 1600, '1.55' → 1.55, '一百二十' → 120, '两千' → 2000, '十' → 10; None if not a number."""
    text = text.strip()
    if not text:
        return None
    if re.fullmatch(ARABIC, text):
        return Decimal(text.replace(",", ""))
    if not re.fullmatch(CHINESE, text) or not re.search("[零〇一二两三四五六七八九十]", text):
        return None
    try:
        value = cn2an.cn2an(text.replace("〇", "零"), "smart")
    except (ValueError, KeyError, IndexError):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def plain(value: Decimal):
    """A Decimal as the JSON number a reader expects: 50, 1.55."""
    value = value.normalize()
    if value == value.to_integral_value():
        return int(value)
    return float(value)
