"""The enterprise registry: scope, versioned yearly data, qualifications, stages, metrics, pages."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kechuang.audit.models import ChangeEntry
from kechuang.enterprises import actions
from kechuang.enterprises.demo import NEW_CQ_TECH, NEW_HTE, load_demo_enterprises
from kechuang.enterprises.models import Enterprise, EnterpriseYear, Qualification, QualificationKind
from kechuang.enterprises.reserve import expiring_hte, reserve_pool
from kechuang.metrics.registry import metrics
from kechuang.org.actions import ActionRefused
from kechuang.org.scope import visible_to
from kechuang.plans.models import Indicator

pytestmark = pytest.mark.django_db


@pytest.fixture
def own(user):
    """The demo enterprise account's enterprise."""
    return user("qiye").enterprises.get()


def test_demo_calibration_2021(dept):
    district = dept()
    assert metrics.evaluate("enterprises.first_qualified", district, "2021", kind="cq_tech").value == 54
    assert metrics.evaluate("enterprises.first_qualified", district, "2021", kind="hte").value == 20
    for year, count in NEW_CQ_TECH.items():
        assert (
            metrics.evaluate("enterprises.first_qualified", district, str(year), kind="cq_tech").value
            == count
        )
    for year, count in NEW_HTE.items():
        assert metrics.evaluate("enterprises.first_qualified", district, str(year), kind="hte").value == count


def test_demo_is_repeatable():
    before = (
        Enterprise.objects.count(),
        EnterpriseYear.objects.count(),
        Qualification.objects.count(),
        ChangeEntry.objects.count(),
    )
    assert load_demo_enterprises() == 0
    assert (
        Enterprise.objects.count(),
        EnterpriseYear.objects.count(),
        Qualification.objects.count(),
        ChangeEntry.objects.count(),
    ) == before


def test_plan_enterprise_indicators_are_computed():
    bound = dict(
        Indicator.objects.filter(code__in=["1-1", "1-2", "1-3", "1-4"]).values_list("code", "metric_key")
    )
    assert bound == {
        "1-1": "enterprises.first_qualified",
        "1-2": "enterprises.first_qualified",
        "1-3": "enterprises.qualified_at_end",
        "1-4": "enterprises.qualified_at_end",
    }
    assert Indicator.objects.get(code="1-2").metric_params == {"kind": "hte"}


def test_valid_at_date_counts_expiry_and_revocation(dept):
    enterprise = Enterprise.objects.filter(qualifications__isnull=True).first()
    hte = QualificationKind.objects.get(code="hte")
    Qualification.objects.create(
        enterprise=enterprise,
        kind=hte,
        issued_on=date(2021, 11, 1),
        expires_on=hte.default_expiry(date(2021, 11, 1)),
    )
    district = dept()

    def holds(period):
        ids = metrics.evaluate("enterprises.qualified_at_end", district, period, kind="hte").record_ids
        return enterprise.pk in ids

    assert holds("2021") and holds("2023") and not holds("2024") and not holds("2021Q3")
    assert Qualification.objects.get(enterprise=enterprise).expires_on == date(2024, 10, 31)


def test_doubling_metric_keeps_numerator_and_denominator(dept):
    result = metrics.evaluate("enterprises.qualified_multiple", dept(), "2025", kind="hte", base_year=2020)
    now = metrics.evaluate("enterprises.qualified_at_end", dept(), "2025", kind="hte").value
    base = metrics.evaluate("enterprises.qualified_at_end", dept(), "2020", kind="hte").value
    assert (result.numerator, result.denominator) == (now, base)
    assert result.value == (Decimal(now) / Decimal(base)).quantize(Decimal("0.0001"))


def test_metrics_are_scoped_to_the_subtree(dept):
    town = dept("汉丰街道")
    in_town = metrics.evaluate("enterprises.qualified_at_end", town, "2025", kind="cq_tech")
    everywhere = metrics.evaluate("enterprises.qualified_at_end", dept(), "2025", kind="cq_tech")
    assert 0 < in_town.value < everywhere.value
    assert set(Enterprise.objects.filter(pk__in=in_town.record_ids).values_list("town__name", flat=True)) == {
        "汉丰街道"
    }


@pytest.mark.parametrize(
    "key, params",
    [
        ("enterprises.first_qualified", {"kind": "cq_tech"}),
        ("enterprises.qualified_at_end", {"kind": "hte"}),
        ("enterprises.qualified_multiple", {"kind": "hte", "base_year": 2020}),
        ("enterprises.by_stage", {"stage": "成长期"}),
        ("enterprises.by_channel", {"channel": "科技招商"}),
    ],
)
def test_enterprise_metrics_use_a_fixed_number_of_queries(dept, key, params):
    district = dept()
    with CaptureQueriesContext(connection) as captured:
        metrics.evaluate(key, district, "2025", **params)
    assert len(captured.captured_queries) <= 1  # one read of the summary


def test_stage_and_channel_metrics_partition_the_registry(dept):
    total = Enterprise.objects.filter(is_active=True, registered_on__lte=date(2025, 12, 31)).count()
    channels = sum(
        metrics.evaluate("enterprises.by_channel", dept(), "2025", channel=c).value
        for c in ["孵化培育", "科技人员创办", "传统产业改造", "科技招商"]
    )
    assert channels == total
    stages = sum(
        metrics.evaluate("enterprises.by_stage", dept(), "2025", stage=s).value
        for s in ["初创期", "成长期", "壮大期"]
    )
    assert stages == Enterprise.objects.filter(years__year__lte=2025).distinct().count()


# --- scope ------------------------------------------------------------------------------------------


def test_town_reporter_sees_only_its_town(user, dept):
    seen = visible_to(user("hanfeng"), Enterprise.objects.all())
    assert seen.exists()
    assert set(seen.values_list("town__name", flat=True)) == {"汉丰街道"}
    assert not visible_to(user("jxw"), Enterprise.objects.all()).exists()  # a department owns no enterprises


def test_enterprise_user_sees_only_its_own(user, own):
    assert list(visible_to(user("qiye"), Enterprise.objects.all())) == [own]
    assert set(
        visible_to(user("qiye"), EnterpriseYear.objects.all()).values_list("enterprise", flat=True)
    ) == {own.pk}


def test_other_enterprise_by_url_is_404_without_data(client_as, own):
    other = Enterprise.objects.exclude(pk=own.pk).first()
    response = client_as("qiye").get(f"/enterprises/{other.pk}/")
    assert response.status_code == 404 and other.name not in response.content.decode()
    assert client_as("qiye").get(f"/enterprises/{other.pk}/years/2024/propose/").status_code == 404
    assert client_as("expert").get("/enterprises/").status_code == 403


# --- versioned yearly data -----------------------------------------------------------------------------


def test_the_bureau_corrects_the_data_as_a_new_version(client_as, own, user):
    current = own.years.get(year=2024, superseded_at__isnull=True)
    form = {f: getattr(current, f) if getattr(current, f) is not None else "" for f in EnterpriseYear.FIGURES}
    form["rd_expense"] = current.rd_expense + 10_000
    form["reason"] = "补录委托研发费用"
    response = client_as("kjj").post(f"/enterprises/years/{current.pk}/edit/", form)
    assert response.status_code == 302
    versions = own.years.filter(year=2024).order_by("version")
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].superseded_at is not None and versions[1].superseded_at is None
    assert versions[0].rd_expense == current.rd_expense  # the old figure is kept
    assert versions[1].rd_expense == current.rd_expense + 10_000 and versions[1].recorded_by == user("kjj")
    assert ChangeEntry.objects.filter(object_id=str(versions[1].pk), reason="补录委托研发费用").exists()
    history = client_as("kjj").get(f"/enterprises/{own.pk}/years/2024/").content.decode()
    assert "第2版（当前）" in history and "第1版" in history


def test_unchanged_figures_make_no_new_version(user, own):
    current = own.years.get(year=2023, superseded_at__isnull=True)
    _, changed = actions.record_year(user("kjj"), own, 2023, current.figures())
    assert changed is False and own.years.filter(year=2023).count() == 1


def test_inconsistent_figures_are_refused_with_reasons(client_as, own):
    current = own.years.get(year=2024, superseded_at__isnull=True)
    form = {f: getattr(current, f) if getattr(current, f) is not None else "" for f in EnterpriseYear.FIGURES}
    form.update(st_staff=current.employees + 1, rd_domestic=current.rd_expense + 1, sales_revenue="三千万")
    urls = {  # the ledger and a proposal alike
        "kjj": f"/enterprises/years/{current.pk}/edit/",
        "qiye": f"/enterprises/{own.pk}/years/2024/propose/",
    }
    for username, url in urls.items():
        body = client_as(username).post(url, form).content.decode()
        assert "输入一个数字。" in body
        body = client_as(username).post(url, dict(form, sales_revenue=current.sales_revenue)).content.decode()
        assert "科技人员数不能超过职工总数。" in body and "境内研发费用不能超过研发费用。" in body
    assert own.years.filter(year=2024).count() == 1 and not own.submissions.exists()


def test_enterprise_cannot_certify_itself(user, own):
    with pytest.raises(ActionRefused, match="只有科技局管理员"):
        actions.add_qualification(
            user("qiye"), own, kind=QualificationKind.objects.get(code="hte"), issued_on=date(2026, 1, 1)
        )


def test_bureau_registers_an_enterprise_and_refuses_a_bad_credit_code(client_as, dept):
    data = {
        "name": "重庆开州测试科技有限公司",
        "town": dept("文峰街道").pk,
        "registered_on": "2020-05-06",
        "hightech_field": "新材料",
        "industry_code": "C3985",
        "credit_code": "91500154MA5U4C8F9R",
    }
    body = client_as("kjj").post("/enterprises/new/", data).content.decode()
    assert "校验位错误：第 18 位应为“P”，实际为“R”" in body
    data["credit_code"] = "91500154MA5U4C8F9P"
    response = client_as("kjj").post("/enterprises/new/", data)
    assert response.status_code == 302
    assert Enterprise.objects.get(credit_code="91500154MA5U4C8F9P").stage == ""
    duplicate = client_as("kjj").post("/enterprises/new/", data).content.decode()
    assert "已存在" in duplicate


def test_year_figures_drive_the_stage_with_history(user, own):
    actions.record_year(user("kjj"), own, 2026, {"sales_revenue": Decimal("60000000")})
    own.refresh_from_db()
    assert own.stage == "壮大期" and "≥ 5,000万元" in own.stage_reason
    assert own.stage_history.filter(stage="壮大期").exists()


def test_negative_amounts_are_refused(user, own):
    with pytest.raises(ValidationError, match="不能为负数"):
        actions.record_year(user("kjj"), own, 2026, {"sales_revenue": Decimal("-1")})


# --- reserve pool and reminders -----------------------------------------------------------------------


def test_reserve_pool_ranks_by_distance_and_excludes_holders(dept):
    as_of = date(2026, 6, 30)
    pool = reserve_pool(Enterprise.objects.all(), as_of)
    holders = set(
        Qualification.objects.filter(
            kind__code="hte", issued_on__lte=as_of, expires_on__gte=as_of, revoked_on__isnull=True
        ).values_list("enterprise_id", flat=True)
    )
    assert pool and not {row["enterprise"].pk for row in pool} & holders
    failed = [len(row["failed"]) for row in pool]
    assert failed == sorted(failed)
    assert [row["rank"] for row in pool] == list(range(1, len(pool) + 1))


def test_reserve_pool_query_count_is_fixed(dept):
    with CaptureQueriesContext(connection) as small:
        reserve_pool(Enterprise.objects.filter(town__name="汉丰街道"), date(2026, 6, 30))
    with CaptureQueriesContext(connection) as large:
        reserve_pool(Enterprise.objects.all(), date(2026, 6, 30))
    assert len(large.captured_queries) == len(small.captured_queries)


def test_expiring_certificates_are_listed_until_renewed():
    as_of = date(2026, 6, 30)
    expiring = expiring_hte(Enterprise.objects.all(), as_of)
    assert expiring and all(as_of <= q.expires_on <= date(2026, 12, 31) for q in expiring)
    renewed = expiring[0]
    Qualification.objects.create(enterprise=renewed.enterprise, kind=renewed.kind, issued_on=date(2026, 6, 1))
    assert renewed.pk not in {q.pk for q in expiring_hte(Enterprise.objects.all(), as_of)}


def test_web_self_check_narrows_with_expert_items(client_as, own):
    client = client_as("qiye")
    open_range = client.get(f"/enterprises/{own.pk}/", {"as_of": "2026-06-30"}).content.decode()
    narrowed = client.get(
        f"/enterprises/{own.pk}/",
        {
            "as_of": "2026-06-30",
            "tech_advancement": "6",
            "core_support": "6",
            "ip_acquisition": "5",
            "standards": "0",
            "rd_management": "15",
        },
    ).content.decode()
    import re

    def score_range(body):
        lo, hi = re.search(r"创新能力评价可能得分 (\d+)–(\d+) 分", body).groups()
        return int(lo), int(hi)

    lo1, hi1 = score_range(open_range)
    lo2, hi2 = score_range(narrowed)
    assert lo1 <= lo2 <= hi2 <= hi1 and (hi2 - lo2) < (hi1 - lo1)
    assert "科技型中小企业" in narrowed and "认定条件" in narrowed
