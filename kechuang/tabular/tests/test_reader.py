"""The two row readers (fast in-memory and streaming) yield the same cells."""

import io
from datetime import date, datetime

import pytest
import xlsxwriter

from kechuang.tabular import reader
from kechuang.tabular.reader import open_workbook


def workbook(path, constant_memory=False):
    book = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
    ws = book.add_worksheet("数据")
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    moment = book.add_format({"num_format": 'yyyy"年"m"月"d"日" hh:mm'})
    ws.write_row(0, 0, ["统一社会信用代码", "年度", "金额", "日期", "时间", "是否", "备注"])
    ws.write_string(1, 0, "91350100M000100Y43")
    ws.write_number(1, 1, 2024)
    ws.write_number(1, 2, 1234.56)
    ws.write_datetime(1, 3, datetime(2021, 8, 23), day)
    ws.write_datetime(1, 4, datetime(2021, 8, 23, 9, 30), moment)
    ws.write_boolean(1, 5, True)
    ws.write_string(1, 6, "=不是公式")
    ws.write_string(3, 6, "隔一行、跳过前面的列")  # row 3 empty; row 4 starts at column G
    ws.write_number(4, 0, 0)
    book.close()


@pytest.mark.parametrize("constant_memory", [False, True], ids=["shared-strings", "inline-strings"])
def test_streaming_reader_matches_the_fast_reader(tmp_path, settings, monkeypatch, constant_memory):
    path = tmp_path / "book.xlsx"
    workbook(path, constant_memory)
    fast = open_workbook(path, "数据")
    monkeypatch.setattr(reader, "STREAM_ABOVE", 0)
    streamed = open_workbook(path, "数据")
    assert (fast.streaming, streamed.streaming) == (False, True)
    assert fast.header == streamed.header

    def normalised(book):
        return [(n, [c for c in cells] + [None] * (7 - len(cells))) for n, cells in book.rows()]

    rows = normalised(fast)
    assert rows == normalised(streamed)
    assert rows[0][1][:6] == [
        "91350100M000100Y43",
        2024.0,
        1234.56,
        date(2021, 8, 23),
        datetime(2021, 8, 23, 9, 30),
        True,
    ]
    assert [n for n, _ in rows] == [2, 4, 5]


def test_large_sheets_stream(tmp_path, monkeypatch):
    path = tmp_path / "big.xlsx"
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet("数据")
    ws.write_row(0, 0, ["a", "b"])
    for r in range(1, 2001):
        ws.write_row(r, 0, [f"行{r}", r])
    book.close()
    path.write_bytes(buffer.getvalue())
    monkeypatch.setattr(reader, "STREAM_ABOVE", 10_000)
    opened = open_workbook(path, "数据")
    assert opened.streaming and sum(1 for _ in opened.rows()) == 2000
