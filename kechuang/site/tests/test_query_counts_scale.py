"""P5: the cockpit, a drill-down list and an export issue as many queries at 100× the demo's enterprises,
recognitions and yearly rows as at 1× (the growth: `core/scaling.py`, shared with bench/queries_bench.py)."""

import io

import pytest
from django.db.models import Count, Q
from python_calamine import CalamineWorkbook

from kechuang.org.models import Department
from kechuang.tabular.writer import DATA_SHEET
from kechuang.testing import scaling

pytestmark = pytest.mark.django_db

FACTOR = 100


def export_town(dept):
    """The district's town with the fewest current yearly rows (but some): the export at 100× stays quick."""
    return (
        Department.objects.filter(path__startswith=dept().path, kind=Department.Kind.TOWN)
        .annotate(rows=Count("enterprises__years", filter=Q(enterprises__years__superseded_at__isnull=True)))
        .filter(rows__gt=0)
        .order_by("rows", "path")
        .first()
    )


def sheet_rows(body: bytes) -> int:
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(body)).get_sheet_by_name(DATA_SHEET)
    return sum(1 for _ in sheet.iter_rows()) - 1  # less the header


def seen(name, response, body):
    """What each page shows that must grow with the data."""
    if name in ("cockpit", "cockpit_api"):
        rows = response.context["data"]["indicators"] if name == "cockpit" else response.json()
        return next(r for r in rows if r["indicator"] == "新增科技型企业数")["actual"]
    if name == "target_records":
        return response.context["actual"].record_count
    if name == "enterprise_list":
        return response.context["page"].paginator.count
    return sheet_rows(body)


def test_query_counts_at_1x_and_100x(client_as, dept):
    town = export_town(dept)
    pages = scaling.pages(export_filter=f"town={town.pk}")
    clients = {username: client_as(username) for username in {u for _, u, _ in pages}}
    for _, username, url in pages:  # warm caches (session, content types)
        scaling.count_queries(clients[username], url)
    before = {}
    for name, username, url in pages:
        n, response, body = scaling.count_queries(clients[username], url)
        before[name] = (n, seen(name, response, body))

    demo = scaling.counts()
    added = scaling.grow(FACTOR)
    assert added == {key: value * (FACTOR - 1) for key, value in demo.items()}

    after = {}
    for name, username, url in pages:
        n, response, body = scaling.count_queries(clients[username], url)
        after[name] = (n, seen(name, response, body))
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
    assert {k: v[1] for k, v in after.items()} == {k: FACTOR * v[1] for k, v in before.items()}
