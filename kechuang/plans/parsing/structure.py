"""The document's frame: paragraphs with their offsets, headings and the section tree, the title, the
document number and the date it was issued."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CN_NUM = "一二三四五六七八九十"

# (kind, pattern) — the marker at the start of a paragraph; levels follow the order kinds first appear
HEADING_MARKERS = [
    ("part", re.compile(rf"^第[{CN_NUM}百零\d]+[部分篇]\s*")),
    ("chapter", re.compile(rf"^第[{CN_NUM}百零\d]+章\s*")),
    ("section", re.compile(rf"^第[{CN_NUM}百零\d]+节\s*")),
    ("cn_dun", re.compile(rf"^[{CN_NUM}]+、\s*")),
    ("cn_paren", re.compile(rf"^[(〔][{CN_NUM}]+[)〕]\s*")),
    ("action", re.compile(rf"^(?:专项)?(?:行动|工程|任务|专项|计划)[{CN_NUM}\d]+[:、]\s*")),
    ("ar_dot", re.compile(r"^\d{1,2}(?:\.(?!\d)|、)\s*")),
    ("ar_paren", re.compile(r"^[(]\d{1,2}[)]\s*")),
    ("circled", re.compile(r"^[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳]\s*")),
    ("shi", re.compile(rf"^[{CN_NUM}]+是\s*")),
    ("dash", re.compile(r"^(?:--|-|●|·|•|▲|■|◆)\s*")),
]
TITLE_END = re.compile(
    r"(行动方案|实施方案|工作方案|行动计划|实施计划|工作计划|规划|实施意见|意见|工作要点|若干措施|办法|纲要)$"
)
DOC_NUMBER = re.compile(r"[\u4e00-\u9fa5A-Za-z]{2,12}[〔\[(（【]\s*(\d{4})\s*[〕\])）】]\s*\d{1,4}\s*号")
DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


@dataclass
class Paragraph:
    start: int
    end: int
    text: str  # normalised text of the line


@dataclass
class Section:
    title: str
    marker: str
    kind: str
    level: int
    start: int
    end: int
    children: list[Section] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "title": self.title,
            "marker": self.marker,
            "level": self.level,
            "start": self.start,
            "end": self.end,
            "children": [child.as_dict() for child in self.children],
        }


def paragraphs(text: str) -> list[Paragraph]:
    """Lines with content, offsets into the text, surrounding blanks trimmed."""
    found, position = [], 0
    for line in text.split("\n"):
        stripped = line.strip(" \t\r\u3000")
        if stripped:
            start = position + line.index(stripped[0])
            found.append(Paragraph(start, start + len(stripped), stripped))
        position += len(line) + 1
    return found


def heading_of(paragraph: Paragraph) -> tuple[str, str, str] | None:
    """(kind, marker, title) if the paragraph opens with a heading marker; the title runs to the first
    full stop or colon (a heading may carry its body on the same line)."""
    text = paragraph.text
    for kind, pattern in HEADING_MARKERS:
        match = pattern.match(text)
        if not match:
            continue
        rest = text[match.end() :]
        if not rest or rest[0] in "%.":
            return None
        cut = re.search(r"[。:;！？!?]|(?<!\d)\.", rest)
        title = rest[: cut.start()] if cut else rest
        if kind in ("shi", "dash") or len(title) > 40:
            title = re.split(r"[,，。;]", rest, maxsplit=1)[0][:40]
        return kind, match.group(0).strip(), title.strip()
    return None


def section_tree(
    paragraph_list: list[Paragraph], text_length: int
) -> tuple[list[Section], dict[int, Section]]:
    """The heading tree, and for each paragraph index the innermost section it belongs to."""
    levels: list[str] = []  # marker kinds in the order of nesting
    roots: list[Section] = []
    stack: list[Section] = []
    owner: dict[int, Section] = {}
    for index, paragraph in enumerate(paragraph_list):
        heading = heading_of(paragraph)
        if heading is not None:
            kind, marker, title = heading
            if kind in levels:
                level = levels.index(kind)
                del levels[level + 1 :]
            else:
                level = len(levels)
                levels.append(kind)
            while stack and stack[-1].level >= level:
                stack.pop().end = paragraph.start
            section = Section(title, marker, kind, level, paragraph.start, text_length)
            (stack[-1].children if stack else roots).append(section)
            stack.append(section)
        if stack:
            owner[index] = stack[-1]
    return roots, owner


YEAR_RANGE_SUFFIX = re.compile(r"\s*[（(]\d{4}\s*[-—–至~]+\s*\d{4}\s*年?[)）]$")


def title_of(text: str, paragraph_list: list[Paragraph]) -> list[tuple[int, int]]:
    """Where the plan's own title is, as (start, end) pieces of the text: 《…》 in "现将《…》印发", else
    the first heading-free lines that read as a title (a title split over lines is joined; a period in
    brackets such as （2023—2025年） is part of it), else the first line."""
    quoted = re.search(r"(?:现将|将|把)《([^》]{4,120})》(?:印发|予以印发|转发)", text[:3000])
    if quoted:
        return [quoted.span(1)]
    candidates = paragraph_list[:30]
    for index, paragraph in enumerate(candidates):
        if heading_of(paragraph) is not None or DOC_NUMBER.search(paragraph.text):
            continue
        pieces: list[Paragraph] = []
        for follow in candidates[index : index + 4]:
            bare = YEAR_RANGE_SUFFIX.sub("", follow.text)
            if re.search(r"[，。,;:：]", bare) and not TITLE_END.search(bare):
                break
            pieces.append(follow)
            joined = YEAR_RANGE_SUFFIX.sub("", "".join(p.text for p in pieces))
            inner = re.fullmatch(r"关于印发(.+)的通知", joined)
            if inner and TITLE_END.search(YEAR_RANGE_SUFFIX.sub("", inner.group(1))):
                first, last = pieces[0], pieces[-1]
                if len(pieces) == 1:
                    return [(first.start + 4, last.end - 3)]
                return (
                    [(first.start + 4, first.end)]
                    + [(p.start, p.end) for p in pieces[1:-1]]
                    + [(last.start, last.end - 3)]
                )
            if TITLE_END.search(joined) and not joined.startswith("关于印发"):
                return [(p.start, p.end) for p in pieces]
    return [(candidates[0].start, min(candidates[0].end, candidates[0].start + 120))] if candidates else []


def doc_number_of(text: str) -> str:
    match = DOC_NUMBER.search(text[:2000])
    return match.group(0).replace(" ", "") if match else ""


def issue_year_of(text: str) -> int | None:
    """The year the document was issued: its number 〔2021〕, else the first full date of the header or
    the signature."""
    number = DOC_NUMBER.search(text[:2000])
    if number:
        return int(number.group(1))
    dates = [int(m.group(1)) for m in DATE.finditer(text)]
    return dates[0] if dates else None


def issued_on_of(paragraph_list: list[Paragraph]) -> str | None:
    """The signature date (a line that is only a date, e.g. 2021年8月23日) as YYYY-MM-DD."""
    from datetime import date

    for paragraph in paragraph_list:
        match = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", paragraph.text.replace(" ", ""))
        if match:
            try:
                return date(*map(int, match.groups())).isoformat()
            except ValueError:
                continue
    return None
