"""The qualification summaries agree exactly with a scan of the base tables — on the demo data, after
edits, moves, deletions and imports, and on random recognition histories."""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.core import derived
from kechuang.enterprises import summaries
from kechuang.enterprises.creditcode import build
from kechuang.enterprises.models import Enterprise, Qualification, QualificationKind, QualificationSummary
from kechuang.metrics.registry import metrics

pytestmark = pytest.mark.django_db

DAYS = [
    date(2019, 12, 31),
    date(2021, 1, 1),
    date(2021, 6, 15),
    date(2022, 12, 31),
    date(2025, 11, 30),
    date(2026, 11, 28),
]
PERIODS = [
    (date(2021, 1, 1), date(2021, 12, 31)),
    (date(2022, 3, 5), date(2023, 2, 28)),
    (date(2025, 1, 1), date(2026, 11, 28)),
]


def assert_agrees(scopes, kinds=("cq_tech", "hte")):
    for scope in scopes:
        for kind in kinds:
            for day in DAYS:
                assert summaries.holding_on(scope, kind, day) == summaries.scan_holding_on(
                    scope, kind, day
                ), (
                    scope,
                    kind,
                    day,
                )
            for start, end in PERIODS:
                assert summaries.first_between(scope, kind, start, end) == summaries.scan_first_between(
                    scope, kind, start, end
                ), (scope, kind, start, end)


def test_demo_summaries_equal_the_scan_for_every_scope(dept):
    district = dept()
    towns = [dept("汉丰街道"), dept("白鹤街道"), dept("赵家街道")]
    assert QualificationSummary.objects.exists()
    assert_agrees([None, district, *towns])
    assert summaries.holding_on(district, "cq_tech", date(2025, 12, 31)) > 0


def test_edits_moves_and_deletions_keep_them_equal(dept):
    district, hanfeng, baihe = dept(), dept("汉丰街道"), dept("白鹤街道")
    scopes = [None, district, hanfeng, baihe]
    recognition = Qualification.objects.filter(enterprise__town=hanfeng, kind__code="cq_tech").first()
    recognition.issued_on = date(2021, 6, 10)  # a corrected date
    recognition.save()
    assert_agrees(scopes)
    recognition.status, recognition.revoked_on = "revoked", date(2022, 1, 1)  # revoked
    recognition.save()
    assert_agrees(scopes)
    moved = Enterprise.objects.filter(town=hanfeng, qualifications__isnull=False).first()
    before = summaries.holding_on(baihe, "cq_tech", date(2025, 12, 31))
    moved.town = baihe  # the enterprise moves to another town: its recognitions count there
    moved.save()
    assert_agrees(scopes)
    held = moved.qualifications.filter(kind__code="cq_tech")
    assert summaries.holding_on(baihe, "cq_tech", date(2025, 12, 31)) == before + (
        1 if any(q.valid_on(date(2025, 12, 31)) for q in held) else 0
    )
    Qualification.objects.filter(pk=moved.qualifications.first().pk).first().delete()
    assert_agrees(scopes)
    gone = (
        _deletable(Enterprise.objects.filter(town=baihe, qualifications__isnull=False))
        .exclude(pk=moved.pk)
        .first()
    )
    gone.delete()  # cascades to its recognitions
    assert_agrees(scopes)


def test_a_batch_refreshes_once_at_its_end_and_not_after_an_error(dept):
    hanfeng = dept("汉丰街道")
    kind = QualificationKind.objects.get(code="hte")
    enterprise = Enterprise.objects.filter(town=hanfeng, qualifications__isnull=True).first()
    day = date(2026, 3, 1)
    before = summaries.holding_on(hanfeng, "hte", day)
    with derived.batched():
        Qualification.objects.create(enterprise=enterprise, kind=kind, issued_on=date(2026, 2, 1))
        assert summaries.holding_on(hanfeng, "hte", day) == before  # not yet
    assert summaries.holding_on(hanfeng, "hte", day) == before + 1
    with pytest.raises(RuntimeError), derived.batched():
        derived.mark(lambda keys: pytest.fail("refreshed after an error"), {1})
        raise RuntimeError


def test_import_of_recognitions_keeps_them_equal(client_as, dept, settings, tmp_path):
    from kechuang.tabular.tests.test_import import commit, upload, xlsx

    settings.MEDIA_ROOT = tmp_path
    district = dept()
    fresh = list(
        Enterprise.objects.filter(qualifications__isnull=True, town__isnull=False).order_by("pk")[:5]
    )
    before = summaries.holding_on(district, "hte", date(2026, 11, 28))
    headers = ["统一社会信用代码", "资质", "证书/入库编号", "认定日期", "有效期至", "状态", "撤销日期"]
    rows = [
        [e.credit_code, "高新技术企业", f"GR2026{i:05d}", "2026-10-20", None, "有效", None]
        for i, e in enumerate(fresh)
    ]
    client = client_as("kjj")
    commit(
        client,
        upload(client, xlsx(rows, headers=headers), sheet="qualifications"),
        reason="2026年高企认定名单",
    )
    assert summaries.holding_on(district, "hte", date(2026, 11, 28)) == before + 5
    assert_agrees([None, district, *{e.town for e in fresh}])


def test_metrics_read_the_summaries_and_still_drill_down(dept):
    district = dept()
    result = metrics.evaluate("enterprises.qualified_at_end", district, "2025", kind="cq_tech")
    assert result.value == summaries.scan_holding_on(district, "cq_tech", date(2025, 12, 31))
    assert len(result.record_ids) == result.value
    first = metrics.evaluate("enterprises.first_qualified", district, "2021", kind="hte")
    assert (
        len(first.record_ids)
        == first.value
        == summaries.scan_first_between(district, "hte", date(2021, 1, 1), date(2021, 12, 31))
    )


# --- random histories: overlapping, back-to-back, open-ended and revoked recognitions ------------------

recognition = st.tuples(
    st.integers(0, 2),  # enterprise
    st.sampled_from(["cq_tech", "hte"]),
    st.dates(date(2019, 1, 1), date(2026, 12, 31)),  # issued
    st.one_of(st.none(), st.integers(0, 1500)),  # days valid (None: open-ended)
    st.one_of(st.none(), st.integers(0, 800)),  # revoked after this many days
)


def _deletable(queryset):
    """Enterprises nothing protects from deletion (one that was granted money or invested in keeps its
    record)."""
    from django.db import models

    for relation in Enterprise._meta.related_objects:
        if relation.on_delete is models.PROTECT:
            queryset = queryset.exclude(**{f"{relation.name}__isnull": False})
    return queryset


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(recognition, max_size=12),
    st.lists(st.dates(date(2018, 12, 1), date(2027, 2, 1)), min_size=1, max_size=6),
)
def test_random_histories_agree_with_the_scan(dept, history, days):
    from django.db import transaction

    town, district = dept("竹溪镇"), dept()
    kinds = {k.code: k for k in QualificationKind.objects.filter(code__in=["cq_tech", "hte"])}
    with transaction.atomic():
        _deletable(Enterprise.objects.filter(town=town)).delete()
        firms = [
            Enterprise.objects.create(
                credit_code=build("500154", f"HY{i:06d}"),
                name=f"随机企业{i}",
                town=town,
                industry_code="C39",
                registered_on=date(2015, 1, 1),
            )
            for i in range(3)
        ]
        seen = set()
        for who, kind, issued, valid, revoked in history:
            if (who, kind, issued) in seen:
                continue
            seen.add((who, kind, issued))
            Qualification.objects.create(
                enterprise=firms[who],
                kind=kinds[kind],
                issued_on=issued,
                expires_on=None if valid is None else issued + timedelta(days=valid),
                status="valid" if revoked is None else "revoked",
                revoked_on=None if revoked is None else issued + timedelta(days=revoked),
            )
        for kind in kinds:
            for day in days:
                for scope in (town, district):  # the town's rows and its district's roll-up
                    expected = summaries.scan_holding_on(scope, kind, day)
                    assert summaries.holding_on(scope, kind, day) == expected
                    with metrics.reading():  # the same from the series a cockpit view loads
                        assert summaries.holding_on(scope, kind, day) == expected
                start = day - timedelta(days=400)
                assert summaries.first_between(town, kind, start, day) == summaries.scan_first_between(
                    town, kind, start, day
                )
        transaction.set_rollback(True)


def test_verify_and_rebuild_commands(dept):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    call_command("enterprise", "summaries", "verify", stdout=__import__("io").StringIO())
    # a summary damaged behind the model's back (e.g. SQL run by hand) is found, then repaired
    row = QualificationSummary.objects.filter(
        area=dept("汉丰街道"), rollup=0, grain="m", valid_change__gt=0
    ).first()
    QualificationSummary.objects.filter(pk=row.pk).update(valid_change=row.valid_change + 1)
    with pytest.raises(CommandError, match="资质汇总表与明细不一致"):
        call_command("enterprise", "summaries", "verify")
    call_command("enterprise", "summaries", "rebuild", stdout=__import__("io").StringIO())
    assert summaries.verify() == []


def test_a_cockpit_reading_answers_every_date_from_a_few_series_reads(dept):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    district = dept()
    days = [date(2020, 12, 31), date(2021, 6, 30), date(2023, 1, 1), date(2025, 12, 31), date(2026, 11, 28)]
    one_by_one = [summaries.holding_on(district, "cq_tech", d) for d in days]
    firsts = summaries.first_between(district, "hte", date(2021, 1, 1), date(2021, 12, 31))
    with metrics.reading(), CaptureQueriesContext(connection) as captured:
        assert [summaries.holding_on(district, "cq_tech", d) for d in days] == one_by_one
        assert summaries.first_between(district, "hte", date(2021, 1, 1), date(2021, 12, 31)) == firsts
        assert summaries.holding_on(None, "cq_tech", days[-1]) == summaries.scan_holding_on(
            None, "cq_tech", days[-1]
        )
    # per scope and kind its months once, and the days of a month only for a date inside it (2023-01-01,
    # 2026-11-28): district cq_tech 1 + 2, district hte 1, everything 1 + 1, and the scan
    assert len(captured.captured_queries) == 7
