"""Grow a district's registries to a multiple of their size, for the query-count checks at 1× and 100×
(P5: `core/tests/test_query_counts_scale.py` and `bench/queries_bench.py` use the same helper).

`grow(factor)` copies every enterprise of the district `factor − 1` times into the same town, each copy
with a new valid credit code (GB 32100-2015, see `enterprises/creditcode.py`) and the same
recognitions (kind, dates, status) and current yearly figures as its original. Every figure that counts
enterprises, recognitions or yearly rows is therefore exactly `factor` times what it was, and the
distribution over towns, kinds and years stays the demo's.

Rows are written through the bulk writer (`core/bulkwrite.py`) inside one transaction, a batch of copies
at a time so memory stays flat. Like the province generator, no audit entries or stage records are
written (the pages measured read neither); because the bulk writer bypasses model signals, the touched
towns' qualification summaries are refreshed here (`enterprises/summaries.refresh_towns`) and the data
version that keys cached pages is bumped after the commit (`audit/version.py`).
"""

from __future__ import annotations

from django.db import transaction

from kechuang.audit import version
from kechuang.core.bulkwrite import insert
from kechuang.enterprises import creditcode
from kechuang.enterprises.models import Enterprise, EnterpriseYear, Qualification
from kechuang.enterprises.summaries import refresh_towns
from kechuang.org.loading import find_department

DISTRICT = ["重庆市", "开州区"]
BATCH_ROWS = 20_000  # yearly rows written per batch of copies
COPY_MARK = "X"  # first character of a copy's 8-character organisation body (demo codes start "MA5U")


def _fields(model, skip: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """The columns a copy takes over from its original (all but the id and `skip`)."""
    return [f.attname for f in model._meta.concrete_fields if not f.primary_key and f.attname not in skip]


def _bodies():
    """Endless distinct 8-character organisation bodies: "X" + 7 base-31 digits."""
    number = 0
    alphabet = creditcode.ALPHABET
    while True:
        digits, n = [], number
        for _ in range(7):
            n, r = divmod(n, len(alphabet))
            digits.append(alphabet[r])
        number += 1
        yield COPY_MARK + "".join(reversed(digits))


def counts(district=None) -> dict[str, int]:
    """Enterprises, recognitions and current yearly rows in the district (what `grow` multiplies)."""
    district = district or find_department(DISTRICT)
    path = district.path
    return {
        "enterprises": Enterprise.objects.filter(town__path__startswith=path).count(),
        "qualifications": Qualification.objects.filter(enterprise__town__path__startswith=path).count(),
        "enterprise_years": EnterpriseYear.objects.filter(
            enterprise__town__path__startswith=path, superseded_at__isnull=True
        ).count(),
    }


def grow(factor: int = 100, district=None) -> dict[str, int]:
    """Make the district's enterprises, recognitions and current yearly rows `factor` times as many (see
    the module docstring); return how many rows of each were added."""
    if factor < 2:
        return {"enterprises": 0, "qualifications": 0, "enterprise_years": 0}
    district = district or find_department(DISTRICT)
    originals = list(
        Enterprise.objects.filter(town__path__startswith=district.path)
        .order_by("pk")
        .values("pk", "credit_code", *_fields(Enterprise, skip={"credit_code"}))
    )
    source_ids = [e["pk"] for e in originals]
    quals_of: dict[int, list[dict]] = {}
    for q in (
        Qualification.objects.filter(enterprise_id__in=source_ids)
        .order_by("pk")
        .values(*_fields(Qualification))
    ):
        quals_of.setdefault(q["enterprise_id"], []).append(q)
    years_of: dict[int, list[dict]] = {}
    for y in (
        EnterpriseYear.objects.filter(enterprise_id__in=source_ids, superseded_at__isnull=True)
        .order_by("pk")
        .values(*_fields(EnterpriseYear, skip={"recorded_at", "recorded_by_id", "superseded_at"}))
    ):
        y["version"] = 1
        years_of.setdefault(y["enterprise_id"], []).append(y)
    existing = set(Enterprise.objects.values_list("credit_code", flat=True))
    bodies = _bodies()

    def new_code(region: str) -> str:
        while True:
            code = creditcode.build(region, next(bodies))
            if code not in existing:
                existing.add(code)
                return code

    rows_per_copy = max(1, sum(len(v) for v in years_of.values()))
    copies_per_batch = max(1, BATCH_ROWS // rows_per_copy)
    added = {"enterprises": 0, "qualifications": 0, "enterprise_years": 0}
    copies = list(range(1, factor))
    with transaction.atomic():
        for start in range(0, len(copies), copies_per_batch):
            enterprises, sources = [], []
            for copy in copies[start : start + copies_per_batch]:
                for original in originals:
                    row = dict(original)
                    del row["pk"]
                    row["credit_code"] = new_code(original["credit_code"][2:8])  # same region
                    row["name"] = f"{original['name']}（{copy}）"[:200]
                    enterprises.append(row)
                    sources.append((copy, original["pk"]))
            ids = insert(Enterprise, enterprises)
            quals, years = [], []
            for new_id, (copy, source) in zip(ids, sources, strict=True):
                for q in quals_of.get(source, ()):
                    number = f"{q['number']}-{copy}"[:60] if q["number"] else ""
                    quals.append({**q, "enterprise_id": new_id, "number": number})
                years.extend({**y, "enterprise_id": new_id} for y in years_of.get(source, ()))
            added["enterprises"] += len(ids)
            added["qualifications"] += len(insert(Qualification, quals))
            added["enterprise_years"] += len(insert(EnterpriseYear, years))
        # the bulk writer skips the signals that keep the qualification summaries in step, and the audit
        # that bumps the data version keying cached pages (the cockpit): both done here
        refresh_towns({e["town_id"] for e in originals})
        version.changed()
    return added


def pages(export_filter: str = "") -> list[tuple[str, str, str]]:
    """The P5 pages as (name, username, url): the cockpit page and API (as the leader), two drill-down
    lists (the records behind the 1-3/2025 科技型企业数 stock target, the enterprise list) and the
    enterprise-years export (as the bureau admin; `export_filter` becomes its query string, e.g.
    "town=12")."""
    from kechuang.plans.models import Target

    tech_stock = Target.objects.get(indicator__code="1-3", year=2025, base_year__isnull=True)
    return [
        ("cockpit", "leader", "/progress/cockpit/?as_of=2026-11-28"),
        ("cockpit_api", "leader", "/api/v1/cockpit?as_of=2026-11-28"),
        ("target_records", "kjj", f"/progress/targets/{tech_stock.pk}/records/"),
        ("enterprise_list", "kjj", "/enterprises/"),
        (
            "export",
            "kjj",
            "/tables/enterprise-years/export.xlsx" + (f"?{export_filter}" if export_filter else ""),
        ),
    ]


def count_queries(client, url: str):
    """(number of queries, response, body) of one GET; a streamed body (an export) is read to its end
    inside the capture, so queries made while streaming count too."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    if response.status_code != 200:
        raise AssertionError(f"GET {url} answered {response.status_code}")
    return len(captured.captured_queries), response, body
