"""Enterprises' own submissions: the official record stays the bureau's, nothing an enterprise submits
reaches the ledger or the metrics before its town or the bureau accepts it, implausible jumps are flagged
with their numbers and must be explained, and the enterprise hears of the outcome."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kechuang.audit.models import ChangeEntry
from kechuang.enterprises import actions, plausibility
from kechuang.enterprises.models import Enterprise, EnterpriseYear, Submission
from kechuang.metrics.registry import metrics
from kechuang.org.actions import ActionRefused
from kechuang.org.models import RoleGrant, User
from kechuang.org.roles import Capability, Role, Scope
from kechuang.workflow import engine
from kechuang.workflow.models import Notification

pytestmark = pytest.mark.django_db

FLAG = "研发费用由 311万元 增至 911万元（+193%），请核实"


@pytest.fixture
def own(user):
    return user("qiye").enterprises.get()


@pytest.fixture
def year(own, user):
    """The enterprise's latest year; the year before it has 311万元 of R&D in the ledger."""
    latest = own.years.filter(superseded_at__isnull=True).order_by("-year").first().year
    actions.record_year(user("kjj"), own, latest - 1, {"rd_expense": Decimal("3110000")}, reason="核定")
    return latest


def figures_form(version, **changes):
    form = {f: getattr(version, f) if getattr(version, f) is not None else "" for f in EnterpriseYear.FIGURES}
    form.update(changes)
    return form


def current(own, year):
    return own.years.get(year=year, superseded_at__isnull=True)


def test_the_official_record_is_shown_read_only_and_posted_values_are_ignored(client_as, own):
    client = client_as("qiye")
    page = client.get(f"/enterprises/{own.pk}/propose/").content.decode()
    for name in Enterprise.OFFICIAL_FIELDS:
        tag = re.search(rf'<(input|select)[^>]*name="{name}"[^>]*>', page).group(0)
        assert "disabled" in tag, tag
    for name in Enterprise.SELF_SERVICE_FIELDS:
        tag = re.search(rf'<(input|select)[^>]*name="{name}"[^>]*>', page).group(0)
        assert "disabled" not in tag, tag
    assert "科技局登记信息，如需变更请联系所在镇街或科技局。" in page
    posted = {
        "credit_code": "91500154MA5U4C8F9P",
        "name": "被改掉的名字",
        "town": own.town_id + 1,
        "registered_on": "2001-01-01",
        "industry_code": own.industry_code,
        "hightech_field": own.hightech_field,
        "address": own.address,
        "contact_name": "新联系人",
        "contact_phone": "023-52200001",
    }
    response = client.post(f"/enterprises/{own.pk}/propose/", posted)
    assert response.status_code == 302
    submission = Submission.objects.get(enterprise=own, kind=Submission.Kind.PROFILE)
    assert set(submission.values) == set(Enterprise.SELF_SERVICE_FIELDS)
    assert submission.values["contact_name"] == "新联系人"
    stored = Enterprise.objects.get(pk=own.pk)
    assert (stored.name, stored.credit_code, stored.town_id, stored.contact_name) == (
        own.name,
        own.credit_code,
        own.town_id,
        own.contact_name,
    )


def test_the_actions_refuse_the_official_record_to_everyone_but_the_bureau(own, user, dept):
    with pytest.raises(ValidationError) as caught:
        actions.save_proposal(
            user("qiye"), own, Submission.Kind.PROFILE, None, {"name": "新名称", "town": dept()}
        )
    assert caught.value.message_dict["name"] == [
        "企业名称是科技局登记的正式信息，只能由科技局修改；如需变更请联系所在镇街或科技局。"
    ]
    assert "所在镇乡街道是科技局登记的正式信息" in caught.value.message_dict["town"][0]
    with pytest.raises(ActionRefused, match="没有修改该企业的权限"):
        actions.save_enterprise(user("qiye"), own, name="新名称")
    # a town reviewer writes accepted profile fields, never the official record
    with pytest.raises(ValidationError, match="统一社会信用代码登记后不能修改|企业名称是科技局登记"):
        actions.save_enterprise(
            user("hanfeng"), own, name="新名称", capability=Capability.REVIEW_ENTERPRISE_DATA
        )
    renamed = actions.save_enterprise(
        user("kjj"), Enterprise.objects.get(pk=own.pk), name=own.name + "（更名）"
    )
    assert renamed.name == own.name + "（更名）"


def test_an_enterprise_cannot_write_the_ledger_directly(client_as, own, user):
    client = client_as("qiye")
    current = own.years.get(year=2024, superseded_at__isnull=True)
    assert client.get(f"/enterprises/years/{current.pk}/edit/").status_code == 403
    assert client.get("/enterprises/years/new/").status_code == 403
    assert client.get("/enterprises/qualifications/new/").status_code == 403
    assert client.get(f"/enterprises/{own.pk}/edit/").status_code == 403
    assert client.get("/tables/enterprise-years/template.xlsx").status_code == 403
    with pytest.raises(ActionRefused, match="没有填报该企业数据的权限"):
        actions.record_year(user("qiye"), own, 2024, {"rd_expense": Decimal("9110000")})


def test_a_yearly_submission_reaches_the_ledger_only_when_accepted(
    client_as, own, user, year, dept, django_capture_on_commit_callbacks
):
    ledger = current(own, year)
    versions = EnterpriseYear.objects.count()
    stage_count = metrics.evaluate("enterprises.by_stage", dept(), str(year), stage="成长期").value
    client = client_as("qiye")
    form = figures_form(ledger, rd_expense="9110000", sales_revenue="20000000")
    response = client.post(f"/enterprises/{own.pk}/years/{year}/propose/", form)
    submission = Submission.objects.get(enterprise=own, kind=Submission.Kind.YEAR, year=year)
    assert response.status_code == 302 and response["Location"] == submission.get_absolute_url()
    assert submission.status == Submission.Status.DRAFT
    assert FLAG in [f["message"] for f in submission.flags]

    # the flag is shown with its numbers; without an explanation nothing is sent
    page = client.get(submission.get_absolute_url()).content.decode()
    assert FLAG in page and "研发费用变动说明" in page
    url = f"/enterprises/submissions/{submission.pk}/submit/"
    body = client.post(url, {"comment": ""}).content.decode()
    assert f"{FLAG}：请说明原因。" in body
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.DRAFT
    response = client.post(
        url, {"explain_rd_expense": "新增省级研发中心", "explain_sales_revenue": "老产线停产"}
    )
    submission.refresh_from_db()
    assert response.status_code == 302 and submission.status == Submission.Status.SUBMITTED
    assert submission.explanations["rd_expense"] == "新增省级研发中心"

    # submitted is not accepted: ledger, versions and metrics unchanged
    assert current(own, year).pk == ledger.pk and EnterpriseYear.objects.count() == versions
    assert metrics.evaluate("enterprises.by_stage", dept(), str(year), stage="成长期").value == stage_count

    # the town's reviewer has it waiting and sees the flag highlighted with the explanation
    hanfeng = user("hanfeng")
    todo = {t.label: t for t in engine.todos_for(hanfeng)}["待审核的企业填报"]
    assert submission in todo.objects
    review = client_as("hanfeng").get(submission.get_absolute_url()).content.decode()
    assert 'class="flagged"' in review and FLAG in review and "新增省级研发中心" in review
    assert "确认采纳" in review and "确认退回" in review and "提交审核</button>" not in review

    # returned with a reason: the enterprise hears of it and finds it in its own to-do list
    workflow_url = f"/workflow/enterprises.submission/{submission.pk}"
    reviewer = client_as("hanfeng")
    reviewer.post(f"{workflow_url}/return/", {"comment": ""})
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.SUBMITTED
    with pytest.raises(ValidationError, match="退回须填写意见"):
        engine.perform(submission, "return", hanfeng)
    with pytest.raises(ActionRefused, match="没有采纳该记录的权限"):
        engine.perform(submission, "accept", user("qiye"))
    with django_capture_on_commit_callbacks(execute=True):
        reviewer.post(f"{workflow_url}/return/", {"comment": "请附研发费用专项审计报告"})
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RETURNED
    notice = Notification.objects.get(user=user("qiye"), kind=Notification.Kind.SUBMISSION)
    assert "被退回：请附研发费用专项审计报告" in notice.title and notice.url == submission.get_absolute_url()
    assert submission in {t.label: t for t in engine.todos_for(user("qiye"))}["被退回的企业填报"].objects

    # revised and sent again; accepted by the town: a new ledger version, audited, in one step
    client.post(f"/enterprises/{own.pk}/years/{year}/propose/", form)
    assert Submission.objects.filter(enterprise=own, year=year).count() == 1  # the same submission
    client.post(
        url, {"explain_rd_expense": "新增省级研发中心，附审计报告", "explain_sales_revenue": "老产线停产"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer.post(f"{workflow_url}/accept/", {"comment": "已核对审计报告"}, follow=True)
    assert "已采纳：现为“已采纳”。" in response.content.decode()
    submission.refresh_from_db()
    accepted = current(own, year)
    assert submission.status == Submission.Status.ACCEPTED and submission.ledger_version == accepted
    assert accepted.rd_expense == Decimal("9110000") and accepted.version == ledger.version + 1
    assert accepted.recorded_by == hanfeng
    entry = ChangeEntry.objects.get(content_type__model="enterpriseyear", object_id=str(accepted.pk))
    assert entry.actor == hanfeng and entry.reason.startswith("采纳企业填报")
    assert (
        metrics.evaluate("enterprises.by_stage", dept(), str(year), stage="成长期").value == stage_count + 1
    )
    titles = list(Notification.objects.filter(user=user("qiye")).values_list("title", flat=True))
    assert any("已采纳，已记入企业台账" in t for t in titles)


def test_acceptance_and_ledger_write_are_one_transaction(own, user, year):
    submission = actions.save_proposal(
        user("qiye"), own, Submission.Kind.YEAR, year, current(own, year).figures()
    )
    actions.submit_proposal(user("qiye"), submission, {})
    # the ledger refuses what the submission now says: the acceptance is undone with it
    values = dict(submission.values, st_staff=10**6)
    Submission.objects.filter(pk=submission.pk).update(values=values)
    submission.refresh_from_db()
    before = EnterpriseYear.objects.count()
    with pytest.raises(ValidationError, match="科技人员数不能超过职工总数"):
        engine.perform(submission, "accept", user("kjj"))
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.SUBMITTED
    assert EnterpriseYear.objects.count() == before


def test_a_submission_under_review_cannot_be_changed_or_duplicated(client_as, own, user, year):
    submission = actions.save_proposal(
        user("qiye"), own, Submission.Kind.YEAR, year, current(own, year).figures()
    )
    actions.submit_proposal(user("qiye"), submission, {})
    with pytest.raises(ActionRefused, match="已提交，正在审核"):
        actions.save_proposal(user("qiye"), own, Submission.Kind.YEAR, year, current(own, year).figures())
    response = client_as("qiye").get(f"/enterprises/{own.pk}/years/{year}/propose/")
    assert response.status_code == 302 and response["Location"] == submission.get_absolute_url()


def test_reviewers_are_the_enterprises_town_and_the_bureau(own, user, dept, year):
    submission = actions.save_proposal(
        user("qiye"), own, Submission.Kind.YEAR, year, current(own, year).figures()
    )
    actions.submit_proposal(user("qiye"), submission, {})
    other_town = User.objects.create(username="wenfeng-reviewer", display_name="文峰街道填报员")
    RoleGrant.objects.create(
        user=other_town, role=Role.REPORTER, scope=Scope.DEPARTMENT, department=dept("文峰街道")
    )
    for outsider in (other_town, user("jxw"), user("leader")):
        assert engine.available(submission, outsider) == []
        with pytest.raises(ActionRefused, match="没有采纳该记录的权限"):
            engine.perform(submission, "accept", outsider)
    assert [t.name for t in engine.available(submission, user("kjj"))] == ["accept", "return"]
    assert [t.name for t in engine.available(submission, user("hanfeng"))] == ["accept", "return"]
    assert submission not in {o for t in engine.todos_for(other_town) for o in t.objects}


def test_jump_thresholds_are_data_and_name_both_numbers(own, user, year):
    actions.record_year(user("kjj"), own, year - 1, {"employees": 100, "st_staff": 10, "rd_staff": 5})
    flags = plausibility.jumps(own, year, {"employees": 40, "rd_expense": Decimal("6000000"), "st_staff": 10})
    assert [f["message"] for f in flags] == ["职工总数由 100人 降至 40人（-60%），请核实"]
    assert plausibility.jumps(own, year, {"rd_expense": Decimal("6220000")})[0]["change"] == 100
    # nothing earlier to compare with: nothing flagged
    first = own.years.order_by("year").first().year
    assert plausibility.jumps(own, first, {"rd_expense": Decimal("1")}) == []


def test_an_enterprise_withdraws_its_draft_and_sees_only_its_own(client_as, own, user, year):
    submission = actions.save_proposal(
        user("qiye"), own, Submission.Kind.PROFILE, None, {"contact_name": "王"}
    )
    # a draft is the enterprise's own: reviewers do not see it listed yet
    assert (
        submission.get_absolute_url()
        not in client_as("hanfeng").get("/enterprises/submissions/").content.decode()
    )
    listed = client_as("qiye").get("/enterprises/submissions/").content.decode()
    assert submission.get_absolute_url() in listed and "草稿" in listed
    own_page = client_as("qiye").get(f"/enterprises/{own.pk}/").content.decode()
    assert "企业信息变更" in own_page and "state-draft" in own_page
    engine.perform(submission, "withdraw", user("qiye"))
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.WITHDRAWN
    assert actions.open_submission(own, Submission.Kind.PROFILE) is None


def test_an_accepted_profile_change_is_written_by_the_reviewer(own, user):
    submission = actions.save_proposal(
        user("qiye"),
        own,
        Submission.Kind.PROFILE,
        None,
        {"contact_name": "李新", "contact_phone": "023-1234567"},
    )
    actions.submit_proposal(user("qiye"), submission, {})
    assert Enterprise.objects.get(pk=own.pk).contact_name == own.contact_name
    engine.perform(submission, "accept", user("hanfeng"), comment="电话已核实")
    stored = Enterprise.objects.get(pk=own.pk)
    assert (stored.contact_name, stored.contact_phone, stored.name) == ("李新", "023-1234567", own.name)
    entry = ChangeEntry.objects.filter(content_type__model="enterprise", object_id=str(own.pk)).latest("pk")
    assert entry.actor == user("hanfeng") and set(entry.changed_fields) == {"contact_name", "contact_phone"}
