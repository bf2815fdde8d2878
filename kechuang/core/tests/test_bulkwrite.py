"""The bulk writer: rows written by executemany / COPY read back exactly as the ORM would store them,
ids in order, and audit entries of bulk paths equal to those of the ORM path."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from kechuang.audit.models import ChangeEntry
from kechuang.audit.recording import record_bulk_rows
from kechuang.audit.snapshots import snapshot, snapshot_values
from kechuang.core.bulkwrite import insert
from kechuang.enterprises.models import Enterprise, EnterpriseYear

pytestmark = pytest.mark.django_db


def test_rows_read_back_as_written_with_their_ids():
    enterprise = Enterprise.objects.order_by("pk").first()
    EnterpriseYear.objects.filter(enterprise=enterprise, year__in=[2030, 2031]).delete()
    rows = [
        {
            "enterprise_id": enterprise.pk,
            "year": 2030,
            "version": 1,
            "sales_revenue": Decimal("1234567.89"),
            "employees": 12,
        },
        {
            "enterprise_id": enterprise.pk,
            "year": 2031,
            "version": 1,
            "sales_revenue": None,
            "employees": None,
        },
    ]
    with transaction.atomic():
        ids = insert(EnterpriseYear, rows)
    assert ids == sorted(ids) and len(set(ids)) == 2
    first, second = EnterpriseYear.objects.get(pk=ids[0]), EnterpriseYear.objects.get(pk=ids[1])
    assert (first.year, first.sales_revenue, first.employees, first.superseded_at) == (
        2030,
        Decimal("1234567.89"),
        12,
        None,
    )
    assert second.sales_revenue is None and abs(first.recorded_at - timezone.now()).total_seconds() < 60
    # the ORM continues after them without a clash
    later = EnterpriseYear.objects.create(enterprise=enterprise, year=2032, version=1)
    assert later.pk > ids[1]


def test_ids_continue_after_deleted_rows():
    enterprise = Enterprise.objects.order_by("pk").first()
    top = EnterpriseYear.objects.create(enterprise=enterprise, year=2040, version=1)
    used = top.pk
    top.delete()
    with transaction.atomic():
        (pk,) = insert(EnterpriseYear, [{"enterprise_id": enterprise.pk, "year": 2041, "version": 1}])
    assert pk > used  # an id once used is not handed out again


def test_bulk_audit_entries_match_the_orm_snapshot():
    enterprise = Enterprise.objects.select_related("town").order_by("pk").first()
    values = {
        "enterprise_id": enterprise.pk,
        "year": 2035,
        "version": 1,
        "recorded_by_id": None,
        "superseded_at": None,
        "rd_expense": Decimal("12.5"),
        "employees": 7,
        "recorded_at": timezone.now(),
    }
    with transaction.atomic():
        (pk,) = insert(EnterpriseYear, [values])
        values["id"] = pk
        record_bulk_rows(
            EnterpriseYear,
            [(pk, "x", enterprise.town.path)],
            "create",
            None,
            [snapshot_values(EnterpriseYear, values)],
        )
    stored = EnterpriseYear.objects.get(pk=pk)
    entry = ChangeEntry.objects.get(object_id=str(pk), content_type__model="enterpriseyear")
    expected = {k: v for k, v in snapshot(stored).items() if k in entry.after}
    assert entry.after == expected and set(entry.after) >= {"rd_expense", "employees", "recorded_at"}
    assert entry.scope_path == enterprise.town.path and entry.action == "create"
    assert entry.time is not None and entry.changed_fields
