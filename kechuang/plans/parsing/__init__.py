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
from .structure import doc_number_of, issue_year_of, issued_on_of, paragraphs, section_tree, title_of
from .targets import RESPONSIBLE_LINE, Target, TargetFinder, _years_in

__all__ = ["ParseError", "ParsedPlan", "parse", "parse_document"]


@dataclass
class ParsedPlan:
    text: str
    title: str
    doc_number: str
    issue_year: int | None
    horizon: int | None
    issued_on: str | None
    sections: list
    targets: list[Target]

    def as_dict(self) -> dict:
        return {
            "title": self.title,
            "doc_number": self.doc_number,
            "issue_year": self.issue_year,
            "horizon": self.horizon,
            "issued_on": self.issued_on,
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


def _table_columns(cells: list[str], horizon: int | None) -> dict[str, int]:
    """Columns of a table header: the lead unit of a task table; the name, unit and target (with its
    year) of an indicator table (指标名称 | 单位 | 2020年基期 | 2025年目标)."""
    columns = {}
    for position, cell in enumerate(cells):
        if re.search(r"牵头单位|责任单位|牵头部门|责任部门", cell) and "lead" not in columns:
            columns["lead"] = position
        elif re.search(r"完成时限|时间节点|完成时间|时限要求|时限", cell):
            columns["deadline"] = position
        elif re.fullmatch(r"(?:计量)?单位", cell):
            columns["unit"] = position
        elif re.search(r"指标", cell) and "name" not in columns:
            columns["name"] = position
    years = {
        position: int(m.group(1))
        for position, cell in enumerate(cells)
        if (m := re.search(r"((?:19|20)\d{2})", cell)) and not re.search(r"基期|基数|现状|实际|完成", cell)
    }
    goal = [p for p, cell in enumerate(cells) if "目标" in cell]
    if "unit" in columns and "name" in columns and (goal or years):
        if goal:  # 2025年目标 (a 2020年基期 column beside it is the baseline)
            columns["targets"] = [(p, years.get(p) or horizon or 0) for p in goal]
        elif len(years) > 1:  # 2023年 | 2024年 | 2025年 | 2026年: the first year is where it stands
            first = min(years.values())
            columns["targets"] = [(p, y) for p, y in sorted(years.items()) if y > first]
        else:
            columns["targets"] = list(years.items())
    return columns


def _table_targets(cells, columns, paragraph, index, section) -> list[Target]:
    """A row of an indicator table: a target for each target column (2025年目标; or 2024年, 2025年, …)."""
    found = []
    for position, year in columns["targets"]:
        target = _table_target(cells, columns, position, year, paragraph, index, section)
        if target is not None:
            found.append(target)
    return found


def _table_target(cells, columns, position, year, paragraph, index, section) -> Target | None:
    """One cell of an indicator table as a target, e.g. 75, ≥600, ［150］."""
    from decimal import Decimal

    from .numerals import to_number
    from .targets import _kind

    if max(columns["name"], columns["unit"], position) >= len(cells):
        return None
    cell = cells[position]
    comparator = "eq"
    for pattern, meaning in (
        (r"≥|以上|不低于|不少于", "gte"),
        (r"≤|以下|以内|不超过|不高于", "lte"),
        (r">|超过", "gt"),
        (r"<|低于", "lt"),
        (r"左右|约", "approx"),
    ):
        if re.search(pattern, cell):
            comparator = meaning
            break
    value = to_number(
        re.sub(
            r"[［\[〔【］\]〕】≥≤><\s]|以上|以下|以内|左右|约|不低于|不少于|不超过|不高于|超过|低于", "", cell
        )
    )
    name, unit = cells[columns["name"]], normalise(cells[columns["unit"]])
    if value is None or not name or not year:
        return None
    return Target(
        name,
        year,
        Decimal(value),
        unit,
        comparator,
        False,
        _kind(unit, name, ""),
        section.title if section else None,
        None,
        paragraph.start,
        paragraph.end,
        paragraph=index,
    )


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
    title = "".join(text[start:end] for start, end in title_of(normalised, paragraph_list)).strip()
    issue_year = issue_year_of(normalised)
    horizon = _horizon(normalised, title)
    roots, owner = section_tree(paragraph_list, len(normalised))
    paths = _paths(roots)
    parents = _parents(roots)
    if issue_year is None:  # no number or date: the plan's first year (2023—2025年, 2023年度)
        issue_year = _first_year(title)
    finder = TargetFinder(horizon, issue_year)
    section_years: dict[int, int | None] = {}
    table_lead: int | None = None
    table_deadline: int | None = None
    indicator_table: dict | None = None
    previous_section = None
    year = None
    for index, paragraph in enumerate(paragraph_list):
        section = owner.get(index)
        if section is not previous_section:
            # a new section starts with the year its parent set (or none)
            year = section_years.get(id(parents.get(id(section))), None) if section else None
            previous_section = section
        responsible_line = RESPONSIBLE_LINE.match(paragraph.text)
        if responsible_line:
            # a 责任单位 line answers for the targets above it that have none yet, back to the task it
            # closes (a second-level heading such as （一）; its sub-items and bullets included)
            lead = responsible_line.group("lead").strip()
            scope = section
            while scope is not None and scope.level > 1 and parents.get(id(scope)):
                scope = parents.get(id(scope))
            for target in reversed(finder.targets):
                if target.responsible or not _within(parents, owner.get(target.paragraph), scope):
                    break
                target.responsible = lead
            continue
        cells = _cells(paragraph.text)
        responsible = None
        if cells:
            columns = _table_columns(cells, horizon)
            if "lead" in columns or "targets" in columns:
                table_lead, table_deadline = columns.get("lead"), columns.get("deadline")
                indicator_table = columns if "targets" in columns else None
                continue
            if indicator_table is not None:
                finder.targets.extend(_table_targets(cells, indicator_table, paragraph, index, section))
                continue
            if table_lead is not None and table_lead < len(cells):
                responsible = cells[table_lead] or None
            if table_deadline is not None and table_deadline < len(cells):
                due = re.search(r"((?:19|20)\d{2})", cells[table_deadline])
                year = int(due.group(1)) if due else year
        else:
            table_lead = table_deadline = indicator_table = None
        year = finder.paragraph(index, paragraph, section, year, responsible, paths.get(id(section), ()))
        if section is not None:
            section_years[id(section)] = year
    for target in finder.targets:
        target.span = text[target.start : target.end]
        target.section_path = list(paths.get(id(owner.get(target.paragraph)), ()))
    return ParsedPlan(
        text,
        title,
        doc_number_of(normalised),
        issue_year,
        horizon,
        issued_on_of(paragraph_list),
        roots,
        finder.targets,
    )


def _paths(roots) -> dict[int, tuple[str, ...]]:
    found = {}

    def walk(nodes, above):
        for node in nodes:
            found[id(node)] = (*above, node.title)
            walk(node.children, found[id(node)])

    walk(roots, ())
    return found


def _first_year(title: str) -> int | None:
    title = normalise(title)
    match = re.search(r"((?:19|20)\d{2})\s*(?:年)?\s*(?:[-~至到]|年度)", title)
    return int(match.group(1)) if match else None


def _within(parents, section, scope) -> bool:
    while section is not None:
        if section is scope:
            return True
        section = parents.get(id(section))
    return scope is None


def _parents(roots) -> dict[int, object]:
    found = {}

    def walk(nodes, parent):
        for node in nodes:
            found[id(node)] = parent
            walk(node.children, node)

    walk(roots, None)
    return found


def parse_document(data: bytes, filename: str = "") -> ParsedPlan:
    return parse(read_document(data, filename))
