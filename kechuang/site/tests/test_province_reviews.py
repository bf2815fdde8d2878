"""The province generator's calls, online applications, expert pool and reviews, at a small size: the rules
a clerk's and an expert's entries obey hold for every generated row, and a seed repeats."""

from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import Client

from kechuang.audit.models import ChangeEntry
from kechuang.org.models import Department, User
from kechuang.projects.models import BudgetLine, Call, CallStatus, CoApplicant, Project, Status
from kechuang.reviews import actions
from kechuang.reviews.aggregate import normalise_organisation
from kechuang.reviews.models import (
    Assignment,
    Criterion,
    Declaration,
    Expert,
    ReviewItem,
    ReviewRound,
    RoundStatus,
    ScoreSheet,
)
from kechuang.site import province, province_applications
from kechuang.site.tests.test_province import wipe

pytestmark = pytest.mark.django_db

SIZES = {"applications": 50, "reviewed": 36, "experts": 50, "experts_per_item": 5}


def generate(seed, **sizes):
    return province.generate(
        seed=seed,
        districts=2,
        enterprises=120,
        towns=2,
        projects=10,
        log=lambda *_: None,
        **{**SIZES, **sizes},
    )


def root():
    return Department.objects.get(name=province.PROVINCE, depth=1)


def test_applications_and_reviews_keep_the_rules():
    figures = generate(3)
    path = root().path
    calls = Call.objects.filter(department__path__startswith=path)
    applications = Project.objects.filter(call__in=calls)
    # sizes as asked: calls per district, year and category; the applications; the pool
    assert calls.count() == figures["calls"] == 2 * len(province_applications.CALL_YEARS) * 2
    assert applications.count() == figures["applications"] == 50
    experts = Expert.objects.filter(department__path__startswith=path)
    assert experts.count() == figures["experts"] == 50
    assert all(e.user.grants.filter(role="expert").exists() for e in experts.select_related("user"))
    assert all(e.disciplines.exists() for e in experts)
    # each application answers its call: category, year, at most the call's cap, one per applicant
    for project in applications.select_related("call", "enterprise", "discipline")[:50]:
        project.full_clean()
        assert project.category == project.call.category and project.year == project.call.year
        assert 0 < project.funding <= project.call.max_request and project.discipline_id
    per_applicant = Counter(applications.values_list("call_id", "enterprise_id"))
    assert max(per_applicant.values()) == 1
    # budget lines add up exactly to what is requested
    sums = {
        row["project"]: (row["f"], row["o"])
        for row in BudgetLine.objects.filter(project__in=applications)
        .values("project")
        .annotate(f=Sum("funding"), o=Sum("self_funding"))
    }
    assert len(sums) == 50
    for pk, funding, own in applications.values_list("pk", "funding", "self_funding"):
        assert sums[pk] == (funding, own)
    assert BudgetLine.objects.filter(project__in=applications).count() == figures["budget_lines"]
    assert CoApplicant.objects.filter(project__in=applications).count() == figures["co_applicants"] > 0
    # this year's calls are closed and reviewed; next year's open, none of theirs under review
    reviewed = applications.filter(year=province_applications.REVIEWED_YEAR)
    assert set(reviewed.values_list("status", flat=True)) == {Status.ACCEPTED}
    assert reviewed.count() == figures["review_items"] == 36
    assert set(calls.filter(year=province_applications.OPEN_YEAR).values_list("status", flat=True)) == {
        CallStatus.OPEN
    }
    rounds = ReviewRound.objects.filter(department__path__startswith=path)
    assert rounds.count() == figures["review_rounds"] == 4
    assert set(rounds.values_list("status", flat=True)) == {RoundStatus.CLOSED}
    items = ReviewItem.objects.filter(round__in=rounds)
    assert set(items.values_list("object_id", flat=True)) == set(reviewed.values_list("pk", flat=True))
    # every item has 5 distinct experts of its field, none of an organisation of the item
    assignments = list(
        Assignment.objects.filter(item__in=items)
        .select_related("item", "expert")
        .prefetch_related("expert__disciplines")
    )
    assert len(assignments) == figures["assignments"] == 36 * 5 and figures["short_items"] == 0
    per_item = defaultdict(set)
    for a in assignments:
        per_item[a.item_id].add(a.expert_id)
        organisations = {normalise_organisation(o) for o in a.item.organisations}
        assert normalise_organisation(a.expert.organisation) not in organisations
        assert a.item.discipline_id in {d.pk for d in a.expert.disciplines.all()}
        assert a.expert.available and a.declaration == Declaration.NONE
    assert {len(v) for v in per_item.values()} == {5} and len(per_item) == 36
    # the organisations an item names include the applicant and its co-applicants
    co = defaultdict(set)
    for project_id, name in CoApplicant.objects.filter(project__in=reviewed).values_list("project", "name"):
        co[project_id].add(name)
    for item in items.select_related("round"):
        project = Project.objects.select_related("enterprise").get(pk=item.object_id)
        assert set(item.organisations) == {project.applicant} | co[project.pk]
    # one submitted sheet per assignment, every criterion scored within its maximum
    sheets = ScoreSheet.objects.filter(assignment__item__in=items).select_related("assignment__item")
    assert sheets.count() == figures["score_sheets"] == 36 * 5
    maxima = defaultdict(dict)
    for round_id, key, top in Criterion.objects.filter(round__in=rounds).values_list(
        "round", "key", "max_score"
    ):
        maxima[round_id][key] = top
    for sheet in sheets:
        criteria = maxima[sheet.assignment.item.round_id]
        assert set(sheet.scores) == set(criteria)
        assert all(0 <= Decimal(v) <= criteria[k] for k, v in sheet.scores.items())
        assert sheet.submitted and sheet.recommendation
    # every generated row has its audit entry
    for model, count in (("scoresheet", 180), ("assignment", 180), ("reviewitem", 36), ("call", 8)):
        assert (
            ChangeEntry.objects.filter(content_type__model=model, scope_path__startswith=path).count()
            == count
        )
    # the round's figures come out of the review app as they would for sheets entered on the pages
    result = actions.results(rounds.first())
    assert result.items and all(r.n == 5 and r.rank is not None for r in result.items)


def test_the_pages_of_a_generated_review():
    generate(5)
    path = root().path
    expert = (
        Expert.objects.filter(department__path__startswith=path, assignments__isnull=False)
        .select_related("user")
        .first()
    )
    client = Client()
    client.force_login(expert.user, backend="django.contrib.auth.backends.ModelBackend")
    body = client.get("/reviews/mine/").content.decode()
    assert "已提交" in body
    review_round = ReviewRound.objects.filter(department__path__startswith=path).first()
    call = Call.objects.get(title=review_round.title.removesuffix("立项评审"))
    keeper = User.objects.create(username="district_keeper", display_name="区科技局")
    from kechuang.org.models import RoleGrant
    from kechuang.org.roles import Role, Scope

    RoleGrant.objects.create(
        user=keeper, role=Role.BUREAU_ADMIN, scope=Scope.SUBTREE, department=review_round.department.region()
    )
    client.force_login(keeper, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(f"/calls/{call.pk}/")
    assert page.status_code == 200
    assert len(page.context["ranking"]) == review_round.items.count()
    assert client.get(f"/reviews/rounds/{review_round.pk}/").status_code == 200


def fingerprint():
    path = root().path
    return {
        "calls": list(
            Call.objects.filter(department__path__startswith=path)
            .order_by("pk")
            .values_list("year", "number", "title", "status")
        ),
        "applications": list(
            Project.objects.filter(department__path__startswith=path, call__isnull=False)
            .order_by("pk")
            .values_list("number", "name", "status", "enterprise__credit_code", "funding", "self_funding")
        ),
        "lines": list(
            BudgetLine.objects.filter(project__department__path__startswith=path)
            .order_by("pk")
            .values_list("project__number", "item", "funding", "self_funding")
        ),
        "co": list(
            CoApplicant.objects.filter(project__department__path__startswith=path)
            .order_by("pk")
            .values_list("project__number", "name")
        ),
        "experts": list(
            Expert.objects.filter(department__path__startswith=path)
            .order_by("pk")
            .values_list("name", "organisation", "title", "available", "user__username")
        ),
        "assignments": list(
            Assignment.objects.filter(expert__department__path__startswith=path)
            .order_by("pk")
            .values_list("item__title", "expert__name")
        ),
        "sheets": list(
            ScoreSheet.objects.filter(assignment__expert__department__path__startswith=path)
            .order_by("pk")
            .values_list("assignment__item__title", "scores", "recommendation", "submitted_at")
        ),
    }


def test_the_same_seed_gives_the_same_applications_and_reviews():
    generate(11)
    first = fingerprint()
    assert len(first["sheets"]) == 36 * 5
    wipe()
    generate(11)
    assert fingerprint() == first


def test_sizes_it_cannot_honour_are_refused():
    with pytest.raises(ValueError, match="cannot exceed"):
        generate(1, applications=10, reviewed=20)
    with pytest.raises(ValueError, match="exceed its"):
        generate(1, applications=400, reviewed=300)
    assert not Department.objects.filter(name=province.PROVINCE).exists()


def test_payments_stay_within_the_grant_after_a_signed_task_book():
    from kechuang.projects.models import Payment, PaymentStatus, TaskBookStatus, Tranche

    figures = province.generate(
        seed=2031, districts=2, enterprises=120, towns=2, projects=120, log=lambda *_: None, **SIZES
    )
    generated = Project.objects.filter(department__path__startswith=root().path)
    ran = generated.filter(status__in=[Status.ONGOING, Status.COMPLETED], funding__gt=0)
    assert figures["task_books"] == ran.count() > 0
    assert figures["payments"] == Payment.objects.filter(project__in=generated).count()
    for project in ran.prefetch_related("payments").select_related("task_book"):
        assert project.task_book.status == TaskBookStatus.SIGNED
        tranches = list(project.payments.all())
        assert sum(p.amount for p in tranches) <= project.funding
        assert tranches[0].tranche == Tranche.APPROVAL
        if project.status == Status.COMPLETED:
            assert sum(p.amount for p in tranches) == project.funding
        for p in tranches:
            assert (p.status == PaymentStatus.PAID) == (p.paid_on is not None) == bool(p.voucher)
    paid = Payment.objects.filter(project__in=generated, status=PaymentStatus.PAID).aggregate(
        s=Sum("amount")
    )["s"]
    assert Decimal(figures["paid"]) == paid
    assert ChangeEntry.objects.filter(content_type__model="payment").count() >= figures["payments"]
    wipe()
