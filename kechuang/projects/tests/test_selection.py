"""A call's accepted applications go to expert review: one round over them, the applicant, its co-applicants
and its past partners stand aside, and the figures come back as the call's ranking."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kechuang.enterprises.models import Enterprise
from kechuang.org.actions import ActionRefused
from kechuang.org.models import Department
from kechuang.projects import applications, selection
from kechuang.projects.models import Call, CallStatus, Project, Status
from kechuang.reviews import actions as reviews
from kechuang.reviews.demo import expert_account
from kechuang.reviews.models import Assignment, Discipline
from kechuang.workflow import engine as workflow

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def open_call(**fields) -> Call:
    today = timezone.localdate()
    values = {
        "year": today.year + 1,
        "number": "KZ-T-01",
        "title": "测试区级科技计划项目申报指南",
        "category": "区级科技计划项目",
        "department": Department.objects.get(name="区科技局"),
        "topics": "关键技术攻关\n成果转化",
        "budget": Decimal("3000000"),
        "opens_on": today - timedelta(days=5),
        "closes_on": today + timedelta(days=20),
        "attachments": "项目申报书",
        "status": CallStatus.OPEN,
        "one_per_applicant": False,
    }
    values.update(fields)
    return Call.objects.create(**values)


def owner_of(enterprise: Enterprise, kjj):
    """An account filing for the enterprise (the bureau files through its own grant otherwise)."""
    return enterprise.users.first() or kjj


def applied(call, enterprise, kjj, *, name, discipline, partners=()) -> Project:
    """A complete application, submitted and accepted (形式审查) — through the same actions as the pages."""
    who = owner_of(enterprise, kjj)
    project = applications.start(who, call, enterprise=enterprise, name=name, topic="关键技术攻关")
    applications.save_application(
        who,
        project,
        discipline=discipline,
        summary="研究内容与技术路线",
        contact_name="张工",
        contact_phone="13800000000",
        funding=Decimal("200000"),
        self_funding=Decimal("100000"),
    )
    applications.save_budget(
        who,
        project,
        {"设备费": (Decimal("150000"), Decimal("100000"), ""), "材料费": (Decimal("50000"), 0, "")},
    )
    applications.add_attachment(
        who, project, kind="项目申报书", upload=SimpleUploadedFile("申报书.pdf", PDF, "application/pdf")
    )
    for partner in partners:
        applications.add_co_applicant(who, project, name=partner, share="联合研发")
    applications.submit(who, project)
    return workflow.perform(Project.objects.get(pk=project.pk), "accept", kjj)


@pytest.fixture
def kjj(user):
    return user("kjj")


def test_accepted_applications_go_to_one_round_and_rank_back(kjj):
    call = open_call()
    field = Discipline.objects.order_by("order").first()
    firms = list(
        Enterprise.objects.filter(is_active=True, town__path__startswith=call.department.region().path)[:3]
    )
    made = [applied(call, e, kjj, name=f"测试项目{i}", discipline=field) for i, e in enumerate(firms)]
    review_round = selection.send_to_review(
        kjj, call, deadline=timezone.localdate() + timedelta(days=10), experts_per_item=3
    )
    assert review_round.kind == "立项评审" and review_round.department == call.department
    assert sorted(i.object_id for i in review_round.items.all()) == sorted(p.pk for p in made)
    assert list(selection.rounds_of(call)) == [review_round]
    with pytest.raises(ActionRefused, match="没有待评审的已受理申报"):
        selection.send_to_review(kjj, call, deadline=timezone.localdate() + timedelta(days=10))

    # experts of the field are assigned (conflicts excluded) and score every item; the ranking comes back
    reviews.auto_assign(kjj, review_round)
    workflow.perform(review_round, "open", kjj)
    for row in Assignment.objects.filter(item__round=review_round).select_related("expert", "item"):
        account = expert_account(row.expert)
        reviews.declare(account, row, conflict=False)
        score = str(60 + row.item.pk % 30)
        reviews.save_sheet(
            account,
            row,
            scores={c.key: score for c in review_round.criteria.all()},
            recommendation="推荐",
            submit=True,
        )
    ranked = selection.ranking(review_round)
    assert {r.project.pk for r in ranked} == {p.pk for p in made}
    assert [r.figure.rank for r in ranked] == sorted(r.figure.rank for r in ranked)


def test_experts_stand_aside_for_co_applicants_and_past_partners(kjj):
    call = open_call()
    field = Discipline.objects.order_by("order").first()
    firm, partner = Enterprise.objects.filter(is_active=True)[:2]
    earlier = Project.objects.create(
        year=2020,
        number="T-2020-1",
        name="往年合作项目",
        category="区级科技计划项目",
        department=firm.town,
        enterprise=firm,
        applied_on="2020-03-01",
    )
    earlier.co_applicants.create(name="重庆某大学")
    # the firm was once a co-applicant of the partner's project
    theirs = Project.objects.create(
        year=2019,
        number="T-2019-1",
        name="合作方往年项目",
        category="区级科技计划项目",
        department=partner.town,
        enterprise=partner,
        applied_on="2019-03-01",
    )
    theirs.co_applicants.create(name=firm.name, enterprise=firm)

    project = applied(call, firm, kjj, name="本次申报", discipline=field, partners=["重庆某研究院"])
    names = selection.organisations_of(project)
    assert names[0] == firm.name
    assert {"重庆某研究院", "重庆某大学", partner.name} <= set(names)
    review_round = selection.send_to_review(kjj, call, deadline=timezone.localdate() + timedelta(days=10))
    assert review_round.items.get().organisations == names


def test_an_application_without_a_field_of_review_is_named(kjj):
    call = open_call()
    firm = Enterprise.objects.filter(is_active=True).first()
    project = applied(call, firm, kjj, name="无领域", discipline=Discipline.objects.first())
    Project.objects.filter(pk=project.pk).update(discipline=None)
    with pytest.raises(ActionRefused, match=project.number):
        selection.send_to_review(kjj, call, deadline=timezone.localdate() + timedelta(days=10))
    assert not selection.rounds_of(call).exists()


def test_only_accepted_applications_are_sent(kjj):
    call = open_call()
    firm = Enterprise.objects.filter(is_active=True).first()
    who = owner_of(firm, kjj)
    applications.start(who, call, enterprise=firm, name="草稿中", topic="成果转化")
    assert Project.objects.filter(call=call, status=Status.DRAFT).count() == 1
    with pytest.raises(ActionRefused, match="先完成形式审查"):
        selection.send_to_review(kjj, call, deadline=timezone.localdate() + timedelta(days=10))
