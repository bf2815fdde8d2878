"""Plan from text: read a 行动方案 / 实施方案 (text or .docx) and propose its structure and every
quantitative target, each with the exact span of the input that states it.

    result = parse(text)            # ParsedPlan
    result = parse_document(data, filename)   # bytes of a .txt/.docx upload; ParseError on bad input
    result.as_dict()                # {"title", "doc_number", "issue_year", "sections", "targets"}
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .numerals import normalise
from .reading import ParseError, read_document
from .structure import doc_number_of, issue_year_of, paragraphs, section_tree, title_of
from .targets import RESPONSIBLE_LINE, Target, TargetFinder, _years_in

__all__ = ["ParseError", "ParsedPlan", "parse", "parse_document"]


@dataclass
class ParsedPlan:
    text: str
    title: str
    doc_number: str
    issue_year: int | None
    horizon: int | None
    sections: list
    targets: list[Target]

    def as_dict(self) -> dict:
        return {
            "title": self.title,
            "doc_number": self.doc_number,
            "issue_year": self.issue_year,
            "horizon": self.horizon,
            "sections": [s.as_dict() for s in self.sections],
            "targets": [t.as_dict() for t in self.targets],
        }


def _horizon(text: str, title: str) -> int | None:
    """The year the plan runs to: the end of a range in its title (2023—2025年), else the latest year
    announced with 到/至 (到2025年), else "十四五"."""
    title = normalise(title)
    in_title = [y for _, y, role in _years_in(title) if role == "target"]
    if in_title:
        return max(in_title)
    announced = [int(m.group(1)) for m in re.finditer(r"(?:到|至|截至|截止)\s*((?:19|20)\d{2})\s*年", text)]
    if announced:
        return max(announced)
    if "十四五" in text:
        return 2025
    return None


def _table_columns(cells: list[str]) -> dict[str, int]:
    columns = {}
    for position, cell in enumerate(cells):
        if re.search(r"牵头单位|责任单位|牵头部门|责任部门", cell) and "lead" not in columns:
            columns["lead"] = position
    return columns


def _cells(line: str) -> list[str] | None:
    if "\t" in line:
        return [c.strip() for c in line.split("\t")]
    if "|" in line:
        return [c.strip() for c in line.strip("|").split("|")]
    parts = re.split(r"\s{2,}", line.strip())
    return parts if len(parts) >= 3 else None


def parse(text: str) -> ParsedPlan:
    """The plan in `text` (already decoded): title, section tree and targets."""
    normalised = normalise(text)
    paragraph_list = paragraphs(normalised)
    title = title_of(normalised, paragraph_list)
    issue_year = issue_year_of(normalised)
    horizon = _horizon(normalised, title)
    roots, owner = section_tree(paragraph_list, len(normalised))
    finder = TargetFinder(horizon, issue_year)
    section_years: dict[int, int | None] = {}
    table_lead: int | None = None
    previous_section = None
    year = None
    for index, paragraph in enumerate(paragraph_list):
        section = owner.get(index)
        if section is not previous_section:
            # a new section starts with the year its parent set (or none)
            year = section_years.get(id(_parent(roots, section)), None) if section else None
            previous_section = section
        responsible_line = RESPONSIBLE_LINE.match(paragraph.text)
        if responsible_line:
            lead = responsible_line.group("lead").strip()
            for target in reversed(finder.targets):
                if owner.get(target.paragraph) is not section or target.responsible:
                    break
                target.responsible = lead
            continue
        cells = _cells(paragraph.text)
        responsible = None
        if cells:
            columns = _table_columns(cells)
            if columns:
                table_lead = columns["lead"]
                continue
            if table_lead is not None and table_lead < len(cells):
                responsible = cells[table_lead] or None
        else:
            table_lead = None
        year = finder.paragraph(index, paragraph, section, year, responsible)
        if section is not None:
            section_years[id(section)] = year
    for target in finder.targets:
        target.span = text[target.start : target.end]
    return ParsedPlan(text, title, doc_number_of(normalised), issue_year, horizon, roots, finder.targets)


def _parent(roots, section):
    def walk(nodes, parent):
        for node in nodes:
            if node is section:
                return parent
            found = walk(node.children, node)
            if found is not None:
                return found
        return None

    return walk(roots, None)


def parse_document(data: bytes, filename: str = "") -> ParsedPlan:
    return parse(read_document(data, filename))
