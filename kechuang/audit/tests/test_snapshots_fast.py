"""The per-field normalisers used by snapshot() give exactly what the generic JSON round trip gives."""

import pytest
from django.apps import apps

from kechuang.audit.snapshots import _normalise, snapshot

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "label",
    [
        "enterprises.Enterprise",
        "enterprises.EnterpriseYear",
        "enterprises.Qualification",
        "org.User",
        "plans.Target",
        "progress.ReportedValue",
        "audit.ChangeEntry",
        "platforms.Institution",
        "progress.Report",
    ],
)
def test_snapshot_equals_the_generic_normalisation(label):
    from django.conf import settings

    model = apps.get_model(label)
    ignored = settings.KECHUANG_AUDIT_IGNORED_FIELDS
    rows = list(model.objects.order_by("pk")[:200])
    assert rows, label
    for row in rows:
        generic = {
            f.attname: _normalise(f, f.value_from_object(row))
            for f in model._meta.concrete_fields
            if f.name not in ignored
        }
        assert snapshot(row) == generic
