"""立项 by batch: a list from the ranking within the budget, edited with reasons, published for working days,
objections recorded and resolved, then decided — every application approved or declined with it, or none."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kechuang.core import workdays
from kechuang.enterprises.models import Enterprise
from kechuang.org.actions import ActionRefused
from kechuang.projects import approval, selection
from kechuang.projects.models import ApprovalBatch, BatchStatus, Decision, Project, Status
from kechuang.projects.tests.test_selection import applied, open_call
from kechuang.reviews import actions as reviews
from kechuang.reviews.demo import expert_account
from kechuang.reviews.models import Assignment, Discipline
from kechuang.workflow import engine as workflow

pytestmark = pytest.mark.django_db


@pytest.fixture
def kjj(user):
    return user("kjj")


def reviewed_call(kjj, count=3, budget="500000"):
    """A call with `count` accepted applications (200,000 元 requested each), scored by three experts."""
    call = open_call(budget=Decimal(budget))
    field = Discipline.objects.order_by("order").first()
    firms = Enterprise.objects.filter(is_active=True, town__path__startswith=call.department.region().path)
    made = [applied(call, e, kjj, name=f"项目{i}", discipline=field) for i, e in enumerate(firms[:count])]
    review_round = selection.send_to_review(
        kjj, call, deadline=timezone.localdate() + timedelta(days=5), experts_per_item=3
    )
    reviews.auto_assign(kjj, review_round)
    workflow.perform(review_round, "open", kjj)
    score = {made[i].pk: str(90 - 10 * i) for i in range(count)}  # the first application best
    for row in Assignment.objects.filter(item__round=review_round).select_related("item"):
        account = expert_account(row.expert)
        reviews.declare(account, row, conflict=False)
        reviews.save_sheet(
            account,
            row,
            scores={c.key: score[row.item.object_id] for c in review_round.criteria.all()},
            recommendation="推荐",
            submit=True,
        )
    return call, made


def test_working_days_skip_weekends_and_the_national_holiday():
    # 2026-09-30 is a Wednesday; 1–7 October are the National Day holiday, 10 October a working Saturday
    assert workdays.add_workdays(date(2026, 9, 30), 5) == date(2026, 10, 12)
    assert workdays.add_workdays(date(2026, 10, 3), 1) == date(2026, 10, 8)
    assert workdays.workdays_between(date(2026, 9, 28), date(2026, 10, 11)) == 6  # Mon–Wed, Thu–Sat
    # a year the library does not know yet: Monday to Friday
    assert not workdays.known(2031)
    assert workdays.add_workdays(date(2031, 1, 3), 5) == date(2031, 1, 9)  # Fri + Mon–Thu


def test_the_list_follows_the_ranking_within_the_budget(kjj):
    call, made = reviewed_call(kjj, count=3, budget="500000")
    batch = approval.draft(kjj, call)
    lines = list(batch.lines.order_by("rank"))
    assert [line.project_id for line in lines] == [p.pk for p in made]
    assert [line.rank for line in lines] == [1, 2, 3]
    assert [line.decision for line in lines] == [Decision.FUND, Decision.FUND, Decision.DECLINE]
    assert lines[2].reason == approval.OUT_OF_RANGE and lines[2].funded == 0
    assert [line.score for line in lines] == ["90.00", "80.00", "70.00"]
    with pytest.raises(ActionRefused, match="没有可列入"):
        approval.draft(kjj, call)


def test_lines_are_checked_and_the_budget_holds_at_publication(kjj):
    call, made = reviewed_call(kjj, count=3, budget="500000")
    batch = approval.draft(kjj, call)
    first, second, third = batch.lines.order_by("rank")
    with pytest.raises(ValidationError, match="超过申请的财政资助"):
        approval.save_line(kjj, first, decision=Decision.FUND, funded="250000")
    with pytest.raises(ValidationError, match="须说明原因"):
        approval.save_line(kjj, first, decision=Decision.FUND, funded="150000")
    with pytest.raises(ValidationError, match="不予立项须说明原因"):
        approval.save_line(kjj, second, decision=Decision.DECLINE, funded="0")
    approval.save_line(kjj, third, decision=Decision.FUND, funded="200000")  # 600,000 > 500,000
    with pytest.raises(ActionRefused, match="超过指南资金预算"):
        approval.publish(kjj, ApprovalBatch.objects.get(pk=batch.pk))
    assert ApprovalBatch.objects.get(pk=batch.pk).status == BatchStatus.DRAFT
    approval.save_line(kjj, first, decision=Decision.FUND, funded="100000", reason="核减设备费")
    published = approval.publish(kjj, ApprovalBatch.objects.get(pk=batch.pk), start=date(2026, 9, 30))
    assert published.publicity_until == date(2026, 10, 12)
    with pytest.raises(ActionRefused, match="不能再修改名单"):
        approval.save_line(kjj, first, decision=Decision.FUND, funded="90000", reason="再核减")


def test_publicity_objections_and_decision(kjj):
    call, made = reviewed_call(kjj, count=3, budget="500000")
    batch = approval.draft(kjj, call)
    start = timezone.localdate() - timedelta(days=20)
    batch = approval.publish(kjj, batch, start=start)
    line = batch.lines.order_by("rank").first()
    with pytest.raises(ValidationError, match="不在公示期内"):
        approval.record_objection(
            kjj, batch, name="某公司", content="材料不实", received_on=start - timedelta(days=1)
        )
    objection = approval.record_objection(
        kjj,
        batch,
        name="某公司",
        content="申报材料中的专利不属于申报单位",
        received_on=start,
        line=line,
        contact="13900000000",
    )
    with pytest.raises(ActionRefused, match="1 件异议未处理"):
        approval.decide(kjj, ApprovalBatch.objects.get(pk=batch.pk), document_number="开科发〔2026〕12号")
    approval.resolve_objection(kjj, objection, upheld=False, resolution="经核实专利权属清楚，异议不成立")
    with pytest.raises(ActionRefused, match="已被他人处理"):
        approval.resolve_objection(kjj, objection, upheld=True, resolution="重复处理")
    with pytest.raises(ValidationError, match="立项文号"):
        approval.decide(kjj, ApprovalBatch.objects.get(pk=batch.pk), document_number=" ")

    decided = approval.decide(
        kjj, ApprovalBatch.objects.get(pk=batch.pk), document_number="开科发〔2026〕12号"
    )
    assert decided.status == BatchStatus.DECIDED
    first, second, third = (Project.objects.get(pk=p.pk) for p in made)
    assert (first.status, first.funding, first.approved_on) == (
        Status.APPROVED,
        Decimal("200000"),
        timezone.localdate(),
    )
    assert second.status == Status.APPROVED
    assert third.status == Status.REJECTED
    assert workflow.last_event(third, "reject").comment.endswith(approval.OUT_OF_RANGE)


def test_decision_waits_for_the_end_of_publicity_and_moves_all_or_nothing(kjj):
    call, made = reviewed_call(kjj, count=2, budget="1000000")
    batch = approval.publish(kjj, approval.draft(kjj, call))
    with pytest.raises(ActionRefused, match="期满后方可下达"):
        approval.decide(kjj, batch, document_number="开科发〔2026〕13号")
    ApprovalBatch.objects.filter(pk=batch.pk).update(
        publicity_from=timezone.localdate() - timedelta(days=15),
        publicity_until=timezone.localdate() - timedelta(days=1),
    )
    # one application moved meanwhile (returned by someone else): nothing of the batch is decided
    Project.objects.filter(pk=made[1].pk).update(status=Status.RETURNED)
    with pytest.raises(ActionRefused, match="不能按本批次下达"):
        approval.decide(kjj, ApprovalBatch.objects.get(pk=batch.pk), document_number="开科发〔2026〕13号")
    assert ApprovalBatch.objects.get(pk=batch.pk).status == BatchStatus.PUBLICITY
    assert Project.objects.get(pk=made[0].pk).status == Status.ACCEPTED


def test_withdrawn_publicity_is_edited_and_published_again(kjj):
    call, made = reviewed_call(kjj, count=2, budget="1000000")
    batch = approval.publish(kjj, approval.draft(kjj, call))
    with pytest.raises(ValidationError):
        workflow.perform(batch, "withdraw", kjj)  # a reason is required
    batch = workflow.perform(batch, "withdraw", kjj, comment="异议成立，调整名单")
    assert batch.status == BatchStatus.DRAFT and batch.publicity_until is None
    line = batch.lines.order_by("rank").last()
    approval.save_line(kjj, line, decision=Decision.DECLINE, funded="0", reason="异议成立：材料不实")
    again = approval.publish(kjj, ApprovalBatch.objects.get(pk=batch.pk))
    assert again.publicity_from == timezone.localdate()


def test_another_district_cannot_touch_the_batch(kjj, user):
    call, made = reviewed_call(kjj, count=1, budget="1000000")
    batch = approval.draft(kjj, call)
    for username in ("leader", "qiye"):
        with pytest.raises(ActionRefused):
            approval.save_line(
                user(username), batch.lines.get(), decision=Decision.DECLINE, funded="0", reason="x"
            )
        with pytest.raises(ActionRefused):
            approval.publish(user(username), batch)
