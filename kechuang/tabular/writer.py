"""Writing workbooks with XlsxWriter: templates, exports and annotated error workbooks.

Exports stream rows (constant memory). Text cells that start with = + - @ are written as text with
Excel's quote prefix, so no spreadsheet program will run them as formulas, and the value itself stays
unchanged for a round trip.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter

from .registry import ID_HEADER, Sheet

DATA_SHEET = "数据"
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


class _Formats:
    def __init__(self, book):
        self.header = book.add_format(
            {"bold": True, "bg_color": "#DCE6F2", "border": 1, "text_wrap": True, "valign": "vcenter"}
        )
        self.required = book.add_format(
            {"bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True, "valign": "vcenter"}
        )
        self.date = book.add_format({"num_format": "yyyy-mm-dd"})
        self.quoted = book.add_format({"quote_prefix": True})
        self.error = book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.error_text = book.add_format({"font_color": "#9C0006", "text_wrap": True})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})


def write_cell(sheet, row: int, col: int, value, formats: _Formats, fmt=None) -> None:
    if value is None or value == "":
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        sheet.write_string(row, col, "是" if value else "否", fmt)
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(row, col, float(value), fmt)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, value.replace(tzinfo=None), fmt or formats.date)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), fmt or formats.date)
    else:
        text = str(value)
        sheet.write_string(
            row, col, text, fmt or (formats.quoted if text.startswith(DANGEROUS_START) else None)
        )


def _header(book, ws, sheet: Sheet, formats: _Formats, with_choices: bool, dictionary=None) -> None:
    ws.write_string(0, 0, ID_HEADER, formats.header)
    ws.set_column(0, 0, 8, None, {"hidden": True})
    dict_col = 0
    for index, column in enumerate(sheet.columns, start=1):
        ws.write_string(0, index, column.header, formats.required if column.required else formats.header)
        ws.set_column(index, index, column.width)
        if column.help or column.required:
            ws.write_comment(
                0,
                index,
                ("必填。" if column.required else "") + column.describe(),
                {"x_scale": 2, "y_scale": 1.5},
            )
        if with_choices and column.kind == "choice" and dictionary is not None:
            values = column.choice_values()
            dictionary.write_string(0, dict_col, column.header)
            for r, value in enumerate(values, start=1):
                dictionary.write_string(r, dict_col, value)
            letter = xlsxwriter.utility.xl_col_to_name(dict_col)
            ws.data_validation(
                1,
                index,
                1_048_575,
                index,
                {
                    "validate": "list",
                    "source": f"=字典!${letter}$2:${letter}${len(values) + 1}",
                    "error_title": "无效的值",
                    "error_message": f"请从下拉列表选择{column.header}。",
                },
            )
            dict_col += 1
    ws.freeze_panes(1, 2)


def template(sheet: Sheet) -> bytes:
    """An empty workbook to fill in: Chinese headers, drop-downs, hidden id column, instructions."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    formats = _Formats(book)
    ws = book.add_worksheet(DATA_SHEET)
    guide = book.add_worksheet("填写说明")
    dictionary = book.add_worksheet("字典")
    _header(book, ws, sheet, formats, True, dictionary)
    dictionary.hide()
    guide.set_column(0, 0, 22)
    guide.set_column(1, 1, 10)
    guide.set_column(2, 2, 70)
    guide.set_column(3, 3, 24)
    guide.write_string(0, 0, f"{sheet.title} —— 填写说明", formats.header)
    lines = [
        f"1. 在“{DATA_SHEET}”工作表中每行填写一条记录；第 1 行表头不要修改、不要合并单元格。",
        f"2. 以“{sheet.key_label()}”识别记录：已有的记录会被更新，没有的会新增。",
        "3. 金额单位为元；日期写作 2021-08-23；不要使用公式（请粘贴为数值）。",
        "4. 隐藏的第 1 列（_id）由系统导出时填写，新增记录时留空即可。",
        *sheet.instructions,
    ]
    for r, line in enumerate(lines, start=1):
        guide.write_string(r, 0, line)
    start = len(lines) + 2
    for c, title in enumerate(["列名", "是否必填", "格式与取值", "示例"]):
        guide.write_string(start, c, title, formats.header)
    for r, column in enumerate([c for c in sheet.columns if not c.readonly], start=start + 1):
        guide.write_string(r, 0, column.header)
        guide.write_string(r, 1, "必填" if column.required else "选填")
        guide.write_string(r, 2, column.describe(), formats.wrap)
        guide.write_string(r, 3, column.example)
    ws.activate()
    book.close()
    return buffer.getvalue()


def export(sheet: Sheet, objects, stream) -> None:
    """Write every object of the (already filtered, scoped) queryset to `stream`, row by row."""
    book = xlsxwriter.Workbook(stream, {"constant_memory": True})
    formats = _Formats(book)
    ws = book.add_worksheet(DATA_SHEET)
    _header(book, ws, sheet, formats, False)
    for r, values in enumerate(sheet.export_rows(objects), start=1):
        write_cell(ws, r, 0, values.get(ID_HEADER), formats)
        for c, column in enumerate(sheet.columns, start=1):
            write_cell(ws, r, c, values.get(column.key), formats)
    book.close()


def error_workbook(sheet: Sheet, header: list, rows, errors_by_row: dict[int, list[dict]], stream) -> None:
    """The uploaded rows again, each wrong cell highlighted with its reason, and a column of reasons."""
    book = xlsxwriter.Workbook(stream, {"constant_memory": True})
    formats = _Formats(book)
    ws = book.add_worksheet(DATA_SHEET)
    columns = [str(h) if h is not None else "" for h in header]
    reason_col = len(columns)
    for c, title in enumerate(columns):
        ws.write_string(0, c, title, formats.header)
        ws.set_column(c, c, 14)
    ws.write_string(0, reason_col, "错误说明", formats.required)
    ws.set_column(reason_col, reason_col, 60)
    ws.set_column(0, 0, 8, None, {"hidden": True} if columns and columns[0] == ID_HEADER else None)
    out_row = 1
    for number, cells in rows:
        problems = errors_by_row.get(number, [])
        bad_columns = {p["column"] for p in problems}
        for c in range(max(len(cells), len(columns))):
            value = cells[c] if c < len(cells) else None
            fmt = formats.error if c < len(columns) and columns[c] in bad_columns else None
            write_cell(ws, out_row, c, value, formats, fmt)
        if problems:
            ws.write_string(
                out_row,
                reason_col,
                "；".join(f"{p['column']}：{p['message']}" for p in problems),
                formats.error_text,
            )
        out_row += 1
    ws.freeze_panes(1, 0)
    book.close()
