"""Property-based tests: whatever rows or files arrive, the engine answers with errors, never a crash,
and validation stores nothing."""

import io
from datetime import date, datetime

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.enterprises.models import EnterpriseYear
from kechuang.tabular import engine
from kechuang.tabular.models import ImportJob
from kechuang.tabular.reader import FileRefused, open_workbook
from kechuang.tabular.registry import get_sheet

pytestmark = pytest.mark.django_db

cells = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
    st.sampled_from(["2021/13/40", "二〇二一", "=1+1", "１２３", "1,234.5", " ", "NaN", "-0", "9" * 40]),
)
HYPOTHESIS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


@HYPOTHESIS
@given(st.lists(cells, min_size=0, max_size=20))
def test_any_row_is_parsed_or_explained(row):
    sheet = get_sheet("enterprise-years")
    positions = {i: c for i, c in enumerate(sheet.columns)}
    values, errors = engine.parse_row(sheet, positions, row)
    for _raw, message in errors.values():
        assert isinstance(message, str) and message
    if not errors:
        # whatever passed the cell rules fits the model's fields
        candidate = EnterpriseYear(year=values["year"], **{f: values.get(f) for f in EnterpriseYear.FIGURES})
        for name in EnterpriseYear.FIGURES:
            field = EnterpriseYear._meta.get_field(name)
            if values.get(name) is not None:
                field.clean(getattr(candidate, name), candidate)


@HYPOTHESIS
@given(st.binary(max_size=4096))
def test_any_bytes_are_refused_cleanly(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("files") / "upload.xlsx"
    path.write_bytes(data)
    with pytest.raises(FileRefused):
        open_workbook(path, "数据")


def _workbook(headers, rows) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet("数据")
    for c, h in enumerate(headers):
        ws.write_string(0, c, h)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, date | datetime):
                ws.write_datetime(r, c, datetime(value.year, value.month, value.day))
            elif isinstance(value, bool):
                ws.write_boolean(r, c, value)
            elif isinstance(value, int | float):
                if value != value or value in (float("inf"), float("-inf")) or abs(value) > 1e300:
                    continue  # not representable in a cell
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, value)
    book.close()
    return buffer.getvalue()


headers = st.lists(
    st.sampled_from([c.header for c in get_sheet("enterprise-years").columns] + ["_id", "备注", ""]),
    min_size=1,
    max_size=8,
    unique=True,
)


@HYPOTHESIS
@given(headers, st.lists(st.lists(cells, max_size=8), max_size=6))
def test_random_workbooks_validate_without_storing(tmp_path_factory, user, headers, rows):
    from django.core.files.base import ContentFile

    before = EnterpriseYear.objects.count()
    job = ImportJob(sheet="enterprise-years", user=user("kjj"), original_name="random.xlsx")
    job.file.save("random.xlsx", ContentFile(_workbook(headers, rows)), save=False)
    job.save()
    job = engine.validate(job.pk)
    assert job.status in (ImportJob.Status.VALIDATED, ImportJob.Status.REFUSED), job.file_error
    assert job.status != ImportJob.Status.FAILED
    if job.status == ImportJob.Status.REFUSED:
        assert job.file_error
    assert EnterpriseYear.objects.count() == before
