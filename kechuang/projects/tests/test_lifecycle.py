"""After 立项: the 任务书 opened at 立项, filled by the unit and signed by the bureau (the project starts and
its reports are laid out), milestones checked, payments in tranches never beyond what was granted, and
the acceptance — applied for with evidence, reviewed by experts, decided — moving the project with it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kechuang.audit.models import ChangeEntry
from kechuang.org.actions import ActionRefused
from kechuang.org.models import User
from kechuang.projects import acceptance, contracts, payments
from kechuang.projects.models import (
    Acceptance,
    AcceptanceStatus,
    InterimReport,
    MilestoneStatus,
    Payer,
    Payment,
    PaymentStatus,
    Project,
    Status,
    TaskBook,
    TaskBookStatus,
    Tranche,
)
from kechuang.projects.tests.test_selection import PDF, applied, open_call, owner_of
from kechuang.reviews import actions as reviews
from kechuang.reviews.demo import expert_account
from kechuang.reviews.models import Assignment, Discipline, ReviewItem, RoundKind
from kechuang.workflow import engine as workflow

pytestmark = pytest.mark.django_db


@pytest.fixture
def kjj(user):
    return user("kjj")


def approved(kjj, *, funded="150000"):
    """An accepted application approved for `funded` 元 (200,000 requested) through the transition."""
    from kechuang.enterprises.models import Enterprise
    from kechuang.projects.models import Call

    call = open_call(number=f"KZ-L-{Call.objects.count() + 1:02d}")
    firm = Enterprise.objects.filter(is_active=True, users__isnull=False).order_by("pk").first()
    field = Discipline.objects.order_by("order").first()
    project = applied(call, firm, kjj, name="高速覆铜板关键技术", discipline=field)
    today = timezone.localdate()
    project = workflow.perform(
        project,
        "approve",
        kjj,
        changes={
            "approved_on": today,
            "funding": Decimal(funded),
            "planned_end_on": today + timedelta(days=720),
        },
    )
    return Project.objects.get(pk=project.pk), owner_of(firm, kjj)


def filled(book, who, *, district=("50000", "0")):
    today = timezone.localdate()
    contracts.save_milestones(
        who,
        book,
        [
            {
                "title": "样品试制",
                "due_on": today + timedelta(days=200),
                "deliverable": "样品 3 件",
                "district_payment": Decimal(district[0]),
            },
            {
                "title": "中试",
                "due_on": today + timedelta(days=500),
                "deliverable": "中试报告",
                "district_payment": Decimal(district[1]),
            },
            {"title": "", "due_on": None, "deliverable": ""},  # a blank row is left out
        ],
    )
    contracts.save_indicators(
        who,
        book,
        [
            {"name": "申请发明专利", "unit": "件", "promised": Decimal("2")},
            {"name": "新产品销售收入", "unit": "万元", "promised": Decimal("500")},
        ],
    )
    return TaskBook.objects.get(pk=book.pk)


def signed(kjj):
    project, who = approved(kjj)
    book = project.task_book
    filled(book, who)
    contracts.submit(who, book)
    contracts.sign(kjj, TaskBook.objects.get(pk=book.pk))
    return Project.objects.get(pk=project.pk), who


def test_approval_opens_a_task_book_with_the_budget_brought_to_the_amount_funded(kjj):
    project, who = approved(kjj, funded="150000")
    book = project.task_book
    assert book.status == TaskBookStatus.DRAFT
    assert book.starts_on == project.approved_on and book.ends_on == project.planned_end_on
    lines = {line.item: line.funding for line in book.budget_lines.all()}
    # the application asked 150,000 + 50,000; granted 150,000: three quarters of each, cents on the last
    assert lines == {"设备费": Decimal("112500.00"), "材料费": Decimal("37500.00")}
    assert sum(lines.values()) == project.funding


def test_a_task_book_is_submitted_and_signed_only_when_complete(kjj):
    project, who = approved(kjj)
    book = project.task_book
    with pytest.raises(ActionRefused) as refused:
        contracts.submit(who, book)
    assert "请至少填写一个里程碑" in str(refused.value) and "考核指标" in str(refused.value)
    filled(book, who)
    contracts.save_contract_budget(who, book, {"设备费": (Decimal("100000"), 0, "")})
    with pytest.raises(ActionRefused, match="与立项资助金额 150,000.00 元不一致"):
        contracts.submit(who, TaskBook.objects.get(pk=book.pk))
    contracts.save_contract_budget(who, book, {"设备费": (Decimal("150000"), 0, "")})
    contracts.submit(who, TaskBook.objects.get(pk=book.pk))
    # the unit cannot sign; the bureau can, and the project starts with its reports laid out
    with pytest.raises(ActionRefused):
        contracts.sign(who, TaskBook.objects.get(pk=book.pk))
    contracts.sign(kjj, TaskBook.objects.get(pk=book.pk))
    project.refresh_from_db()
    assert project.status == Status.ONGOING
    assert project.planned_end_on == book.ends_on
    reports = list(InterimReport.objects.filter(project=project))
    assert len(reports) == 3  # 6-month periods inside 720 days: 3 full ones before the end
    assert reports[0].period_from == book.starts_on
    # signed: no more changes
    with pytest.raises(ActionRefused, match="不能修改"):
        contracts.save_indicators(who, TaskBook.objects.get(pk=book.pk), [])


def test_milestone_rows_are_checked_all_or_nothing(kjj):
    project, who = approved(kjj)
    book = project.task_book
    today = timezone.localdate()
    with pytest.raises(ValidationError) as errors:
        contracts.save_milestones(
            who,
            book,
            [
                {"title": "样品试制", "due_on": today + timedelta(days=30), "deliverable": "样品"},
                {"title": "中试", "due_on": None, "deliverable": "报告"},
                {"title": "", "due_on": today, "deliverable": "成果", "district_payment": Decimal("-1")},
            ],
        )
    text = " ".join(errors.value.messages)
    assert "第 2 行" in text and "第 3 行" in text and "第 1 行" not in text
    assert not book.milestones.exists()


def test_a_passed_milestone_arranges_its_payment_and_payments_never_exceed_the_grant(kjj):
    project, who = signed(kjj)
    milestone = project.task_book.milestones.get(sequence=1)
    contracts.check_milestone(kjj, milestone, MilestoneStatus.PASSED, comment="样品合格")
    arranged = Payment.objects.get(project=project, tranche=Tranche.MILESTONE)
    assert arranged.amount == Decimal("50000") and arranged.status == PaymentStatus.PLANNED
    payments.pay(kjj, arranged, paid_on=timezone.localdate(), voucher="KZCZ-2026-001")
    payments.arrange(kjj, project, tranche=Tranche.APPROVAL, amount=Decimal("60000"))
    # 50,000 + 60,000 arranged of 150,000: 40,001 more is refused, nothing stored
    count = Payment.objects.count()
    with pytest.raises(ValidationError) as refused:
        payments.arrange(kjj, project, tranche=Tranche.APPROVAL, amount=Decimal("40001"))
    assert "超过立项资助金额" in " ".join(refused.value.messages)
    assert "尚可安排 40,000.00 元" in " ".join(refused.value.messages)
    assert Payment.objects.count() == count
    totals = payments.totals(project)
    assert (totals.arranged, totals.paid, totals.left) == (
        Decimal("110000"),
        Decimal("50000"),
        Decimal("40000"),
    )
    # the need owner pays nothing in an ordinary project
    with pytest.raises(ValidationError, match="需求方"):
        payments.arrange(kjj, project, tranche=Tranche.APPROVAL, amount=Decimal("1"), payer=Payer.OWNER)
    # a voided payment frees its amount
    payments.cancel(kjj, Payment.objects.get(project=project, tranche=Tranche.APPROVAL), comment="金额有误")
    payments.arrange(kjj, project, tranche=Tranche.APPROVAL, amount=Decimal("100000"))


def test_payments_wait_for_their_step_and_for_a_keeper(kjj):
    project, who = approved(kjj)
    with pytest.raises(ActionRefused, match="任务书签订之后"):
        payments.arrange(kjj, project, tranche=Tranche.APPROVAL, amount=Decimal("1000"))
    with pytest.raises(ActionRefused, match="没有安排该项目拨付的权限"):
        payments.arrange(who, project, tranche=Tranche.APPROVAL, amount=Decimal("1000"))
    project, who = signed(kjj)
    with pytest.raises(ActionRefused, match="验收通过之后"):
        payments.arrange(kjj, project, tranche=Tranche.ACCEPTANCE, amount=Decimal("1000"))
    milestone = project.task_book.milestones.get(sequence=2)
    with pytest.raises(ActionRefused, match="尚未考核通过"):
        payments.arrange(kjj, project, tranche=Tranche.MILESTONE, amount=Decimal("1000"), milestone=milestone)


def test_a_terminated_milestone_stops_the_project(kjj):
    project, who = signed(kjj)
    milestone = project.task_book.milestones.get(sequence=1)
    with pytest.raises(ValidationError):
        contracts.check_milestone(kjj, milestone, MilestoneStatus.TERMINATED)  # a reason is required
    contracts.check_milestone(kjj, milestone, MilestoneStatus.TERMINATED, comment="关键指标无法实现")
    assert Project.objects.get(pk=project.pk).status == Status.TERMINATED


def _evidence():
    return SimpleUploadedFile("验收报告.pdf", PDF, "application/pdf")


def applied_for_acceptance(kjj):
    project, who = signed(kjj)
    acc = acceptance.start(who, project)
    with pytest.raises(ActionRefused, match="已有未完成"):
        acceptance.start(who, project)
    indicators = {i.name: i.pk for i in project.task_book.indicators.all()}
    with pytest.raises(ActionRefused) as refused:
        acceptance.apply(who, acc)
    assert "完成情况总结" in str(refused.value) and "申请发明专利" in str(refused.value)
    with pytest.raises(ValidationError, match="超过立项资助金额"):
        acceptance.save(who, acc, summary="完成", spent=Decimal("150001"), achieved={})
    acceptance.save(
        who,
        acc,
        summary="完成全部研究内容",
        spent=Decimal("140000"),
        achieved={indicators["申请发明专利"]: Decimal("3"), indicators["新产品销售收入"]: Decimal("420")},
    )
    acceptance.add_evidence(who, acc, upload=_evidence())
    acceptance.apply(who, Acceptance.objects.get(pk=acc.pk))
    return project, who, Acceptance.objects.get(pk=acc.pk)


def test_an_acceptance_is_reviewed_by_experts_of_other_organisations_and_passes(kjj):
    project, who, acc = applied_for_acceptance(kjj)
    assert acc.status == AcceptanceStatus.APPLIED
    review_round = acceptance.send_to_review(kjj, [acc], deadline=timezone.localdate() + timedelta(days=7))
    assert review_round.kind == RoundKind.ACCEPTANCE
    item = ReviewItem.objects.get(round=review_round)
    assert item.target == acc and project.applicant in item.organisations
    reviews.auto_assign(kjj, review_round)
    workflow.perform(review_round, "open", kjj)
    for row in Assignment.objects.filter(item__round=review_round):
        account = expert_account(row.expert)
        reviews.declare(account, row, conflict=False)
        reviews.save_sheet(
            account,
            row,
            scores={c.key: "85" for c in review_round.criteria.all()},
            recommendation="推荐",
            submit=True,
        )
    figures = acceptance.review_of(acc)
    assert figures.figure.n == 3 and figures.figure.mean == 85
    acc = Acceptance.objects.get(pk=acc.pk)
    assert acc.status == AcceptanceStatus.REVIEW
    acceptance.decide(kjj, acc, AcceptanceStatus.PASSED, comment="专家组一致同意通过")
    project.refresh_from_db()
    assert project.status == Status.COMPLETED and project.completed_on == timezone.localdate()
    # the acceptance tranche may be paid now
    payments.arrange(kjj, project, tranche=Tranche.ACCEPTANCE, amount=Decimal("40000"))
    indicators = list(project.task_book.indicators.order_by("pk"))
    assert [i.reached for i in indicators] == [True, False]  # 3 ≥ 2 patents; 420 < 500 万元


def test_a_failed_acceptance_terminates_the_project_and_an_extension_moves_the_end(kjj):
    project, who, acc = applied_for_acceptance(kjj)
    later = timezone.localdate() + timedelta(days=90)
    with pytest.raises(ValidationError):
        acceptance.decide(kjj, acc, AcceptanceStatus.EXTENDED, comment="补充数据")  # no new date
    acceptance.decide(kjj, acc, AcceptanceStatus.EXTENDED, comment="补充中试数据", extended_to=later)
    project.refresh_from_db()
    assert project.status == Status.ONGOING and project.planned_end_on == later
    again = acceptance.start(who, project)  # the unit applies again
    acceptance.save(who, again, summary="补充完成", spent=Decimal("140000"), achieved={})
    acceptance.add_evidence(who, again, upload=_evidence())
    acceptance.apply(who, Acceptance.objects.get(pk=again.pk))
    with pytest.raises(ValidationError):
        acceptance.decide(
            kjj, Acceptance.objects.get(pk=again.pk), AcceptanceStatus.FAILED
        )  # reason required
    acceptance.decide(kjj, Acceptance.objects.get(pk=again.pk), AcceptanceStatus.FAILED, comment="指标未达到")
    project.refresh_from_db()
    assert project.status == Status.TERMINATED
    with pytest.raises(ActionRefused, match="项目当前状态为“终止”"):
        payments.arrange(kjj, project, tranche=Tranche.APPROVAL, amount=Decimal("1"))


def test_two_keepers_deciding_the_same_acceptance_at_once(kjj):
    project, who, acc = applied_for_acceptance(kjj)
    stale = Acceptance.objects.get(pk=acc.pk)
    acceptance.decide(kjj, acc, AcceptanceStatus.PASSED, comment="通过")
    with pytest.raises(ActionRefused, match="已被他人处理"):
        acceptance.decide(kjj, stale, AcceptanceStatus.FAILED, comment="不通过")
    assert Project.objects.get(pk=project.pk).status == Status.COMPLETED


def test_the_project_page_shows_the_lifecycle_and_its_timeline(kjj, client_as):
    project, who = signed(kjj)
    contracts.check_milestone(kjj, project.task_book.milestones.get(sequence=1), MilestoneStatus.PASSED)
    page = client_as(kjj).get(project.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    for text in (
        "任务书",
        "里程碑",
        "中期检查",
        "资金拨付",
        "项目全过程",
        "签订任务书",
        "考核通过",
        "安排拨付",
    ):
        assert text in html, text
    # the unit sees the lifecycle and may apply for acceptance, but not arrange payments
    html = client_as(who).get(project.get_absolute_url()).content.decode()
    assert "申请结题验收" in html and "arrange-button" not in html


def test_a_payment_over_the_grant_is_refused_on_the_page(kjj, client_as):
    project, who = signed(kjj)
    client = client_as(kjj)
    page = client.post(
        f"/projects/{project.pk}/payments/",
        {"tranche": Tranche.APPROVAL, "payer": Payer.DISTRICT, "amount": "150000.01"},
    )
    assert page.status_code == 400
    assert "超过立项资助金额" in page.content.decode()
    assert not Payment.objects.filter(project=project).exists()
    page = client.post(
        f"/projects/{project.pk}/payments/",
        {"tranche": Tranche.APPROVAL, "payer": Payer.DISTRICT, "amount": "90000"},
    )
    assert page.status_code == 302
    payment = Payment.objects.get(project=project)
    # the unit cannot arrange (no capability): refused before anything is read
    assert client_as(who).post(f"/projects/{project.pk}/payments/", {"amount": "1"}).status_code == 403
    assert ChangeEntry.objects.filter(object_id=str(payment.pk)).exists()


def test_the_task_book_page_as_the_unit_saves_unchanged_rows_unchanged(kjj, client_as):
    project, who = approved(kjj)
    book = project.task_book
    filled(book, who)
    client = client_as(who)
    page = client.get(book.get_absolute_url())
    assert page.status_code == 200
    form = page.context["milestones_form"]
    data = {
        name: ("" if value is None else value) for name, value in ((n, form[n].value()) for n in form.fields)
    }
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}
    before = ChangeEntry.objects.count()
    response = client.post(f"/projects/task-books/{book.pk}/milestones/", data)
    assert response.status_code == 302
    assert ChangeEntry.objects.count() == before  # nothing changed, nothing written
    assert User.objects.filter(pk=who.pk).exists()
