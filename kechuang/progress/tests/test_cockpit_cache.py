"""The cockpit is computed once per data version and never served stale after a committed change."""

from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from kechuang.audit import version
from kechuang.enterprises.models import Qualification
from kechuang.progress.cockpit import active_plan, cockpit

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 11, 28)


@pytest.fixture
def real_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


def stock(data, code="1-3"):
    return next(r for r in data["indicators"] if r["indicator_code"] == code and r["year"] == 2025)


def test_cached_until_a_committed_change(real_cache, dept, django_capture_on_commit_callbacks):
    plan = active_plan()
    first = cockpit(plan, AS_OF)
    with CaptureQueriesContext(connection) as captured:
        again = cockpit(plan, AS_OF)
    assert again == first and len(captured.captured_queries) == 1  # the data version only
    held = stock(first)["actual"]
    recognition = (
        Qualification.objects.filter(
            kind__code="hte", enterprise__town__path__startswith=dept().path, issued_on__lte=date(2025, 1, 1)
        )
        .filter(expires_on__gte=date(2025, 12, 31), revoked_on__isnull=True)
        .first()
    )
    assert recognition is not None
    # a change rolled back leaves the version (and the cached cockpit) alone
    before = version.current()
    with transaction.atomic():
        recognition.status, recognition.revoked_on = "revoked", date(2025, 6, 1)
        recognition.save()
        transaction.set_rollback(True)
    assert version.current() == before and stock(cockpit(plan, AS_OF))["actual"] == held
    # a committed revocation bumps the version once and the next cockpit shows it
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        recognition.refresh_from_db()
        recognition.status, recognition.revoked_on = "revoked", date(2025, 6, 1)
        recognition.save()
    assert len(callbacks) == 1 and version.current() == before + 1
    others_still_hold = Qualification.objects.filter(
        enterprise_id=recognition.enterprise_id, kind__code="hte", revoked_on__isnull=True
    ).exists()
    assert stock(cockpit(plan, AS_OF))["actual"] == held - (0 if others_still_hold else 1)


def test_each_date_is_its_own_entry(real_cache):
    plan = active_plan()
    assert cockpit(plan, date(2023, 6, 30))["as_of"] == "2023-06-30"
    assert cockpit(plan, AS_OF)["as_of"] == AS_OF.isoformat()


def test_the_users_plan_is_cached_under_the_same_version(
    real_cache, user, django_capture_on_commit_callbacks
):
    from kechuang.progress.cockpit import cockpit_for

    leader = user("leader")
    assert cockpit_for(leader, AS_OF)["plan"]["id"] == active_plan(leader).pk
    with CaptureQueriesContext(connection) as captured:
        cockpit_for(leader, AS_OF)
    assert len(captured.captured_queries) == 1
    plan = active_plan(leader)
    with django_capture_on_commit_callbacks(execute=True):
        plan.is_active = False  # the plan is no longer in force: nobody gets its cockpit any more
        plan.save()
    assert cockpit_for(leader, AS_OF) is None
