"""The province-scale generator, at a small size: what it creates, and that a seed repeats."""

import pytest

from kechuang.audit.models import ChangeEntry
from kechuang.enterprises.models import Enterprise, EnterpriseYear, Qualification
from kechuang.finance.models import Loan
from kechuang.org.models import Department, User
from kechuang.plans.models import Plan
from kechuang.projects.models import Project
from kechuang.projects.selection import DEFAULT_CRITERIA
from kechuang.site import province

pytestmark = pytest.mark.django_db


SMALL = {"applications": 60, "reviewed": 40, "experts": 60, "experts_per_item": 5}


def generate(seed, **sizes):
    return province.generate(
        seed=seed,
        districts=3,
        enterprises=300,
        towns=4,
        projects=121,
        log=lambda *_: None,
        **{**SMALL, **sizes},
    )


def wipe():
    """Remove the generated province (in the order its protected references allow)."""
    from kechuang.projects.models import Call
    from kechuang.reviews.models import Expert, ReviewRound

    root = Department.objects.get(name=province.PROVINCE)
    ReviewRound.objects.filter(department__path__startswith=root.path).delete()
    from kechuang.projects.models import Payment

    Payment.objects.filter(project__department__path__startswith=root.path).delete()  # they protect projects
    Project.objects.filter(department__path__startswith=root.path).delete()  # they protect what they refer to
    Call.objects.filter(department__path__startswith=root.path).delete()
    experts = Expert.objects.filter(department__path__startswith=root.path)
    User.objects.filter(pk__in=list(experts.values_list("user_id", flat=True))).delete()
    experts.delete()
    Loan.objects.filter(enterprise__town__path__startswith=root.path).delete()  # they protect enterprises
    from kechuang.policies.models import Budget, Disbursement, Grant, Instrument, PolicyDocument

    Disbursement.objects.filter(grant__enterprise__town__path__startswith=root.path).delete()
    Grant.objects.filter(enterprise__town__path__startswith=root.path).delete()
    Budget.objects.filter(instrument__document__department__path__startswith=root.path).delete()
    Instrument.objects.filter(document__department__path__startswith=root.path).delete()
    PolicyDocument.objects.filter(department__path__startswith=root.path).delete()
    from kechuang.vouchers.models import ServiceProvider, Voucher, VoucherType

    Voucher.objects.filter(enterprise__town__path__startswith=root.path).delete()
    for district in Department.objects.filter(path__startswith=root.path, kind="district"):
        VoucherType.objects.filter(name__startswith=district.name).delete()  # the district's own types
    ServiceProvider.objects.filter(town__path__startswith=root.path).delete()
    Enterprise.objects.filter(town__path__startswith=root.path).delete()
    User.objects.filter(username=province.PROVINCE_LEADER).delete()
    Plan.objects.filter(department__path__startswith=root.path).delete()
    Department.objects.filter(path__startswith=root.path).delete()


def test_a_small_province():
    before = ChangeEntry.objects.count()
    figures = generate(7)
    root = Department.objects.get(name=province.PROVINCE, depth=1)
    districts = Department.objects.filter(path__startswith=root.path, kind="district")
    assert districts.count() == 3
    for district in districts:
        assert Department.objects.filter(path__startswith=district.path, kind="town").count() == 4
        assert Plan.objects.get(department=district).programmes.count() == 8  # the Kaizhou plan, its own copy
    in_province = Enterprise.objects.filter(town__path__startswith=root.path)
    assert in_province.count() == figures["enterprises"] == 300
    assert EnterpriseYear.objects.filter(enterprise__in=in_province).count() == figures["enterprise_years"]
    assert Qualification.objects.filter(enterprise__in=in_province).count() == figures["qualifications"]
    # projects: exactly as many as asked for, spread over every district, each audited where it sits
    projects = Project.objects.filter(department__path__startswith=root.path, call__isnull=True)
    assert projects.count() == figures["projects"] == 121
    for district in districts:
        assert projects.filter(department__path__startswith=district.path).count() in (40, 41)
    assert figures["audit_entries"] == (
        figures["enterprises"]
        + figures["enterprise_years"]
        + figures["qualifications"]
        + figures["projects"]
        + 3 * figures["experts"]  # with their accounts and grants
        + figures["calls"]
        + figures["applications"]
        + figures["budget_lines"]
        + figures["co_applicants"]
        + figures["review_rounds"] * (1 + len(DEFAULT_CRITERIA))
        + figures["review_items"]
        + figures["assignments"]
        + figures["score_sheets"]
        + figures["task_books"]  # the run projects' signed 任务书
        + figures["payments"]
        + figures["loans"]  # 知识价值信用贷款, one per 20 enterprises
        + figures["policy_documents"]  # the districts' policies: documents, articles with their rules,
        + 2 * figures["instruments"]  # budgets, grants and their payments
        + figures["budgets"]
        + figures["grants"]
        + figures["disbursements"]
        + figures["voucher_types"]  # 科技创新券: the districts' types, institutions and vouchers
        + figures["voucher_providers"]
        + figures["vouchers"]
    )
    loans = Loan.objects.filter(enterprise__town__path__startswith=root.path)
    assert loans.count() == figures["loans"] == 15  # one per 20 of the 300 enterprises
    for loan in loans.select_related("enterprise", "bank"):
        loan.full_clean()  # within the grade's credit line, dates consistent
    audited = ChangeEntry.objects.filter(content_type__model="project", scope_path__startswith=root.path)
    assert audited.count() == 121 + figures["applications"]
    carried = projects.filter(enterprise__isnull=False).select_related("enterprise__town", "department")
    assert carried.exists() and projects.filter(enterprise__isnull=True).exists()
    # an enterprise's project sits in the enterprise's own district (in its town, or with the bureau)
    assert all(p.enterprise.town.path[:8] == p.department.path[:8] for p in carried)
    for p in projects.select_related("enterprise", "department")[:60]:
        p.full_clean()  # generated rows obey the rules a clerk's entry does
    assert ChangeEntry.objects.count() - before >= figures["audit_entries"]
    # every generated enterprise has a valid credit code and lies in its district's towns
    sample = in_province.select_related("town").order_by("pk")[:50]
    from kechuang.enterprises.creditcode import validate

    assert all(validate(e.credit_code) for e in sample)
    # the metrics see the new district (its own plan's cockpit counts its own enterprises)
    from kechuang.plans.export import plan_queryset
    from kechuang.progress.cockpit import cockpit

    plan = plan_queryset().get(department=districts.first())
    rows = cockpit(plan, __import__("datetime").date(2026, 11, 28))["indicators"]
    assert len(rows) == 12 and any(r["actual"] for r in rows)
    # the province's own copy (targets × districts) is the plan in force for the province leader, and its
    # cockpit is the roll-up: every district's enterprises counted, equal to a scan of the base tables
    from datetime import date

    from django.test import Client

    from kechuang.enterprises import summaries
    from kechuang.progress.cockpit import active_plan

    leader = User.objects.get(username=province.PROVINCE_LEADER)
    rollup = active_plan(leader)
    assert rollup.department == root
    district_stock = Plan.objects.get(department=districts.first()).programmes.get(number=1)
    stock_target = district_stock.indicators.get(code="1-3").targets.get(year=2025, base_year__isnull=True)
    assert rollup.programmes.get(number=1).indicators.get(code="1-3").targets.get(
        year=2025, base_year__isnull=True
    ).value == (stock_target.value * 3)
    assert rollup.programmes.get(number=1).indicators.get(code="1-3").lead_department.name == "省科技局"
    client = Client()
    client.force_login(leader, backend="django.contrib.auth.backends.ModelBackend")
    api_rows = client.get("/api/v1/cockpit", {"as_of": "2025-12-31"}).json()
    held = next(
        r for r in api_rows if r["indicator_code"] == "1-3" and r["year"] == 2025 and r["relative"] is None
    )["actual"]
    assert held == summaries.scan_holding_on(root, "cq_tech", date(2025, 12, 31)) > 0
    assert client.get("/progress/cockpit/").status_code == 200
    # a district's leader may read the province's plan too, but theirs is the district's
    from kechuang.org.models import RoleGrant
    from kechuang.org.roles import Role, Scope

    district = districts.last()
    local = User.objects.create(username="district_leader", display_name="区领导")
    RoleGrant.objects.create(user=local, role=Role.LEADER, scope=Scope.SUBTREE, department=district)
    assert active_plan(local).department == district
    # a second run does not duplicate
    assert generate(7) == {}


def _projects():
    root = Department.objects.get(name=province.PROVINCE)
    return list(
        Project.objects.filter(department__path__startswith=root.path, call__isnull=True)
        .order_by("pk")
        .values_list(
            "year",
            "number",
            "name",
            "category",
            "status",
            "department__name",
            "enterprise__credit_code",
            "unit_name",
            "applied_on",
            "approved_on",
            "completed_on",
            "funding",
            "self_funding",
        )
    )


def test_the_same_seed_gives_the_same_data():
    generate(11)
    first = list(
        Enterprise.objects.filter(town__path__startswith=Department.objects.get(name=province.PROVINCE).path)
        .order_by("pk")
        .values_list("credit_code", "name")
    )
    first_projects = _projects()
    first_grants = _grants()
    wipe()
    generate(11)
    second = list(
        Enterprise.objects.filter(town__path__startswith=Department.objects.get(name=province.PROVINCE).path)
        .order_by("pk")
        .values_list("credit_code", "name")
    )
    assert first == second and len(first) == 300
    assert _projects() == first_projects and len(first_projects) == 121
    assert _grants() == first_grants and len(first_grants) > 300


def _grants():
    from kechuang.policies.models import Disbursement, Grant

    root = Department.objects.get(name=province.PROVINCE)
    grants = [
        (
            g.instrument.name,
            g.budget_year,
            g.enterprise.credit_code,
            g.amount,
            g.status,
            str(g.account_number),
        )
        for g in Grant.objects.filter(enterprise__town__path__startswith=root.path)
        .select_related("instrument", "enterprise")
        .order_by("pk")
    ]
    payments = list(
        Disbursement.objects.filter(grant__enterprise__town__path__startswith=root.path)
        .order_by("pk")
        .values_list("voucher", "amount", "paid_on", "status")
    )
    return grants + payments


def test_the_province_policies_grants_and_payments():
    """Each district's policy with its articles, rules and budgets; a grant per enterprise on average,
    paid, payable, awaiting the account or revoked; payments with unique vouchers never beyond their grant,
    to the account confirmed (encrypted, the grant's own); every year's budget covering what it commits;
    each row audited where it sits."""
    from datetime import date

    from django.db import connection
    from django.db.models import Count, Q, Sum

    from kechuang.policies import demo as policy_demo
    from kechuang.policies import grants as policy_grants
    from kechuang.policies.models import (
        Budget,
        Disbursement,
        DisbursementStatus,
        Grant,
        GrantStatus,
        Instrument,
        PolicyDocument,
    )

    figures = generate(5)
    root = Department.objects.get(name=province.PROVINCE, depth=1)
    documents = PolicyDocument.objects.filter(department__path__startswith=root.path)
    assert documents.count() == figures["policy_documents"] == 3
    articles = len(policy_demo.ARTICLES)  # each district's policy has the demo's articles
    assert Instrument.objects.filter(document__in=documents).count() == figures["instruments"] == 3 * articles
    assert all(i.rule_on(date(2024, 12, 31)) for i in Instrument.objects.filter(document__in=documents))
    assert (
        Budget.objects.filter(instrument__document__in=documents).count()
        == figures["budgets"]
        == 18 * articles
    )
    granted = Grant.objects.filter(enterprise__town__path__startswith=root.path)
    assert granted.count() == figures["grants"] == 300  # as many as the enterprises
    payments = Disbursement.objects.filter(grant__in=granted)
    assert payments.count() == figures["disbursements"] > figures["grants"] * 0.8
    states = dict(granted.values("status").annotate(n=Count("pk")).values_list("status", "n"))
    assert set(states) == {s.value for s in GrantStatus}, states
    # a grant sits in its enterprise's district, under that district's policy
    for grant in granted.select_related("enterprise__town", "instrument__document__department")[:50]:
        assert grant.enterprise.town.path.startswith(grant.instrument.document.department.path)
        grant.full_clean()
    # paid in full, never beyond; payable ones at most partly; the others not at all
    for grant in granted.annotate(
        paid=Sum("disbursements__amount", filter=Q(disbursements__status=DisbursementStatus.PAID))
    ):
        paid = grant.paid or 0
        if grant.status == GrantStatus.PAID:
            assert paid == grant.amount
        elif grant.status == GrantStatus.PAYABLE:
            assert paid < grant.amount
        else:
            assert paid == 0
    assert payments.values("voucher").distinct().count() == payments.count()
    for payment in payments.select_related("grant")[:50]:
        assert payment.account_number == payment.grant.account_number and len(payment.account_number) == 19
        payment.full_clean(exclude=["recorded_by"])  # recorded by the generator, no user
    with connection.cursor() as cursor:  # stored encrypted
        cursor.execute("SELECT account_number FROM policies_disbursement LIMIT 1")
        assert cursor.fetchone()[0].startswith("gAAAAA")
    # every year's budget covers what its grants commit
    for document in documents:
        instruments = list(document.instruments.all())
        for year in range(2021, 2027):
            assert all(row.left >= 0 for row in policy_grants.execution(instruments, year))
    audited = ChangeEntry.objects.filter(content_type__model="grant", scope_path__startswith=root.path)
    assert audited.count() == figures["grants"]


def test_the_province_vouchers_keep_the_rules():
    """About two vouchers an enterprise, in every state; each within its face value, half its invoice and
    its enterprise's yearly cap, one of a type each; redeemed ones by the district's institutions; every
    row audited where it sits."""
    from collections import defaultdict
    from decimal import Decimal

    from kechuang.vouchers.models import ServiceProvider, Voucher, VoucherStatus, VoucherType

    figures = generate(5)
    root = Department.objects.get(name=province.PROVINCE, depth=1)
    vouchers = Voucher.objects.filter(enterprise__town__path__startswith=root.path).select_related(
        "type", "provider__town", "enterprise__town"
    )
    assert vouchers.count() == figures["vouchers"] > 300  # 300 enterprises, about 2 each
    districts = list(Department.objects.filter(path__startswith=root.path, kind="district"))
    names = [d.name for d in districts]
    types = [t for t in VoucherType.objects.all() if any(t.name.startswith(n) for n in names)]
    assert figures["voucher_types"] == len(types) == 12
    assert figures["voucher_providers"] == 15
    assert set(vouchers.values_list("status", flat=True)) == set(VoucherStatus.values)
    numbers = list(vouchers.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers)
    held = defaultdict(Decimal)
    per_type = set()
    for v in vouchers:
        v.full_clean()
        held[(v.enterprise_id, v.type.year)] += v.face_value if v.status != VoucherStatus.VOIDED else 0
        assert (v.enterprise_id, v.type_id) not in per_type
        per_type.add((v.enterprise_id, v.type_id))
        if v.provider_id:
            [district] = [d for d in districts if v.enterprise.town.path.startswith(d.path)]
            assert v.provider.town.path.startswith(district.path)
    assert max(held.values()) <= Decimal(50_000)
    audited = ChangeEntry.objects.filter(content_type__model="voucher", scope_path__startswith=root.path)
    assert audited.count() == figures["vouchers"]
    assert ServiceProvider.objects.filter(town__path__startswith=root.path).count() == 15
