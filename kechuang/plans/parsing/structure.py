"""The document's frame: paragraphs with their offsets, headings and the section tree, the title, the
document number and the date it was issued."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CN_NUM = "一二三四五六七八九十"

# (kind, pattern) — the marker at the start of a paragraph; levels follow the order kinds first appear
HEADING_MARKERS = [
    ("chapter", re.compile(rf"^第[{CN_NUM}百零\d]+[章节部分篇]\s*")),
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
        if not rest or rest[0] in "0123456789%":
            return None
        cut = re.search(r"[。:;！？!?]", rest)
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


def title_of(text: str, paragraph_list: list[Paragraph]) -> str:
    """The plan's own title: 《…》 in "现将《…》印发", else the first heading-free lines that read as a
    title (a title split over several lines is joined), else the first line."""
    head = text[:3000]
    quoted = re.search(r"(?:现将|将|把)《([^》]{4,120})》(?:印发|予以印发|转发)", head)
    if quoted:
        return quoted.group(1).strip()
    lines = [p.text for p in paragraph_list[:30]]
    for index, line in enumerate(lines):
        if heading_of(paragraph_list[index]) is not None or DOC_NUMBER.search(line):
            continue
        joined = ""
        for follow in lines[index : index + 4]:
            if re.search(r"[，。,;:：]", follow) and not TITLE_END.search(follow):
                break
            joined += follow
            inner = re.fullmatch(r"关于印发(.+)的通知", joined)
            if inner and TITLE_END.search(inner.group(1)):
                return inner.group(1)
            if TITLE_END.search(joined) and not joined.startswith("关于印发"):
                return re.sub(r"[（(]\d{4}\s*[-—–至~]+\s*\d{4}年?[)）]$", "", joined).strip() or joined
    return lines[0][:120] if lines else ""


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
