"""申请兑现 end to end: a window, an enterprise's application pre-checked from the registry, 受理 → 初审 by
its town → 联审 → 公示 of at least 5 working days with an objection → 审定 with its 文号 → payment — and
the refusals on the way (outside the window, a failing condition named, beyond the computed amount,
attachments missing, the wrong unit's 初审, a short 公示, deciding before it ends or with an open
objection, beyond the budget), nothing stored by any of them."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kechuang.core.workdays import add_workdays
from kechuang.enterprises.models import EnterpriseYear
from kechuang.org.actions import ActionRefused
from kechuang.policies import actions, applications, grants
from kechuang.policies.models import (
    ApplicationStatus,
    ApplicationWindow,
    Checker,
    Grant,
    GrantStatus,
    Instrument,
    InstrumentKind,
    Mode,
    PolicyApplication,
    PolicyDocument,
    WindowStatus,
)
from kechuang.workflow import engine as workflow

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _instrument(bureau, dept, *, conditions, amount=None, name="人才引进奖励"):
    document = PolicyDocument.objects.filter(is_demo=True).first()
    instrument = actions.save_instrument(
        bureau,
        None,
        document=document,
        article="第九条",
        name=name,
        kind=InstrumentKind.TALENT_AWARD,
        mode=Mode.APPLY,
        beneficiary="引进高层次人才的企业",
        lead_department=dept("区科技局"),
    )
    actions.save_rule(
        bureau,
        instrument,
        valid_from=date(2020, 1, 1),
        conditions=conditions,
        amount=amount or {"type": "fixed", "amount": 100000},
    )
    grants.save_budget(bureau, instrument, timezone.localdate().year, Decimal(150000))
    return instrument


@pytest.fixture
def bureau(user):
    return user("kjj")


@pytest.fixture
def enterprise(user):
    return user("qiye").enterprises.order_by("pk").first()


@pytest.fixture
def window(bureau, dept):
    instrument = _instrument(bureau, dept, conditions=[])
    today = timezone.localdate()
    return applications.save_window(
        bureau,
        None,
        instrument=instrument,
        title=f"{today.year}年人才引进奖励申报",
        data_year=today.year - 1,
        budget_year=today.year,
        opens_on=today - timedelta(days=10),
        closes_on=today + timedelta(days=10),
        checker=Checker.TOWN,
        attachments="人才引进合同\n社保缴纳证明",
        publicity_days=5,
    )


def _filled(user, window, enterprise):
    qiye = user("qiye")
    application = applications.start(qiye, window, enterprise)
    application = applications.save(
        qiye,
        application,
        requested=Decimal(80000),
        statement="引进博士 1 名，全职在岗。",
        contact_name="张经理",
        contact_phone="13800001111",
        account_name=enterprise.name,
        bank_name="中国农业银行开州支行",
        account_number="6228480000012345678",
    )
    for kind in window.attachment_list:
        applications.add_attachment(
            qiye, application, kind=kind, upload=SimpleUploadedFile(f"{kind}.pdf", PDF, "application/pdf")
        )
    return PolicyApplication.objects.get(pk=application.pk)


def test_a_window_with_a_short_publicity_or_for_an_exempt_article_is_refused(bureau, window):
    exempt_article = Instrument.objects.filter(mode=Mode.EXEMPT).first()
    windows = ApplicationWindow.objects.count()
    fields = {f: getattr(window, f) for f in ("title", "data_year", "budget_year", "opens_on", "closes_on")}
    with pytest.raises(ValidationError) as caught:
        applications.save_window(bureau, None, instrument=window.instrument, publicity_days=4, **fields)
    assert "公示期不少于 5 个工作日。" in caught.value.message_dict["publicity_days"]
    with pytest.raises(ValidationError, match="该条款为免申即享，不受理申请"):
        applications.save_window(bureau, None, instrument=exempt_article, **fields)
    assert ApplicationWindow.objects.count() == windows


def test_an_application_outside_the_window_or_by_an_ineligible_enterprise_is_refused(
    user, bureau, dept, window, enterprise
):
    qiye = user("qiye")
    with pytest.raises(ActionRefused, match="不在申报期内"):
        applications.start(qiye, window, enterprise, day=window.closes_on + timedelta(days=1))
    year = EnterpriseYear.objects.get(enterprise=enterprise, year=window.data_year, superseded_at=None)
    strict = _instrument(
        bureau,
        dept,
        name="高层次人才团队奖励",
        conditions=[{"fact": "rd_expense", "op": ">=", "value": int(year.rd_expense) + 1000}],
    )
    other = applications.save_window(
        bureau,
        None,
        instrument=strict,
        title="团队奖励申报",
        data_year=window.data_year,
        budget_year=window.budget_year,
        opens_on=window.opens_on,
        closes_on=window.closes_on,
    )
    with pytest.raises(ActionRefused, match=r"不符合本条款的条件：须当年研发费用不低于 .*差 0.10 万元"):
        applications.start(qiye, other, enterprise)
    with pytest.raises(ActionRefused, match="只能为本人所属企业申请"):
        applications.start(user("kjj"), window, enterprise)
    assert not PolicyApplication.objects.filter(window__in=[window, other]).exists()


def test_the_applicant_cannot_ask_beyond_the_rule_nor_submit_without_its_attachments(
    user, window, enterprise
):
    qiye = user("qiye")
    application = applications.start(qiye, window, enterprise)
    assert application.computed == Decimal(100000) and application.checker == enterprise.town
    with pytest.raises(ValidationError, match="申请金额不能超过按政策测算的 100,000.00 元"):
        applications.save(qiye, application, requested=Decimal(100001))
    application.refresh_from_db()
    assert application.requested == Decimal(100000)
    with pytest.raises(ActionRefused, match="缺少附件“人才引进合同”"):
        applications.submit(qiye, application)
    with pytest.raises(ValidationError, match="不是文档或图片"):
        applications.add_attachment(
            qiye, application, kind="人才引进合同", upload=SimpleUploadedFile("a.pdf", b"MZ\x90\x00", "x")
        )
    assert application.attachments.count() == 0
    assert PolicyApplication.objects.get(pk=application.pk).status == ApplicationStatus.DRAFT


def test_an_application_goes_through_its_checks_publicity_and_decision_to_payment(
    user, bureau, window, enterprise, client_as
):
    application = _filled(user, window, enterprise)
    applications.submit(user("qiye"), application)
    workflow.perform(application, "accept", bureau)
    # the 初审 falls to the enterprise's town: another unit may not
    with pytest.raises(ActionRefused):
        workflow.perform(application, "check", user("jxw"), comment="同意")
    checker = user("hanfeng") if enterprise.town.name == "汉丰街道" else bureau
    workflow.perform(application, "check", checker, comment="情况属实，同意上报")
    with pytest.raises(ActionRefused, match="批次截止受理后方可联审"):
        applications.propose(bureau, application, amount=Decimal(80000), opinion="同意")
    workflow.perform(window, "close", bureau)
    with pytest.raises(ValidationError, match="拟兑现金额不能超过申请金额 80,000.00 元"):
        applications.propose(bureau, application, amount=Decimal(90000), opinion="同意")
    applications.propose(bureau, application, amount=Decimal(80000), opinion="人社局、财政局同意")
    window.refresh_from_db()
    with pytest.raises(ValidationError, match="公示期不少于 5 个工作日"):
        applications.publish(bureau, window, days=4)
    start = timezone.localdate() - timedelta(days=30)
    applications.publish(bureau, window, start=start)
    window.refresh_from_db()
    assert window.status == WindowStatus.PUBLICITY and window.publicity_until == add_workdays(start, 5)
    from django.test import Client

    public = Client().get("/public/policies/").content.decode()
    assert window.title in public
    notice = Client().get(f"/public/policies/notices/{window.pk}/").content.decode()
    assert enterprise.name in notice and "8.00" in notice

    with pytest.raises(ValidationError, match="不在公示期内"):
        applications.record_objection(
            bureau, window, name="李某", content="x", received_on=window.publicity_until + timedelta(days=1)
        )
    objection = applications.record_objection(
        bureau, window, name="李某", content="该人才未全职到岗", received_on=start, application=application
    )
    with pytest.raises(ActionRefused, match="还有 1 条公示异议未处理"):
        applications.decide(
            bureau, window, decision_number="开州府办发〔2026〕9号", decided_on=timezone.localdate()
        )
    applications.resolve_objection(bureau, objection, upheld=False, resolution="经核实已全职到岗，异议不成立")
    with pytest.raises(ValidationError, match="应在公示期满"):
        applications.decide(bureau, window, decision_number="开州府办发〔2026〕9号", decided_on=start)
    applications.decide(
        bureau, window, decision_number="开州府办发〔2026〕9号", decided_on=timezone.localdate()
    )
    application.refresh_from_db()
    grant = Grant.objects.get(application=application)
    assert application.status == ApplicationStatus.APPROVED
    assert grant.amount == Decimal(80000) and grant.status == GrantStatus.PAYABLE
    assert grant.account_number == "6228480000012345678" and grant.account_confirmed
    [row] = grants.execution([window.instrument], window.budget_year)
    assert row.committed == Decimal(80000)
    with pytest.raises(ValidationError, match="超过审定金额余额 80,000.00 元"):
        grants.pay(bureau, grant, amount=Decimal(80001), paid_on=timezone.localdate(), voucher="KZ-T-1")
    grants.pay(bureau, grant, amount=Decimal(80000), paid_on=timezone.localdate(), voucher="KZ-T-1")
    grant.refresh_from_db()
    assert grant.status == GrantStatus.PAID


def test_an_upheld_objection_takes_the_application_off_and_the_budget_binds(user, bureau, window, enterprise):
    application = _filled(user, window, enterprise)
    applications.submit(user("qiye"), application)
    workflow.perform(application, "accept", bureau)
    workflow.perform(application, "check", bureau, comment="同意")
    workflow.perform(window, "close", bureau)
    applications.propose(bureau, application, amount=Decimal(80000), opinion="同意")
    # the budget of 150,000 is mostly spent elsewhere: the decision is refused until it is adjusted
    budget = window.instrument.budgets.get(year=window.budget_year)
    grants.adjust_budget(
        bureau, budget, amount=Decimal(-100000), reason="调剂", adjusted_on=timezone.localdate()
    )
    start = timezone.localdate() - timedelta(days=30)
    applications.publish(bureau, window, start=start)
    window.refresh_from_db()
    with pytest.raises(ActionRefused, match="超出“人才引进奖励”.*预算余额 50,000.00 元"):
        applications.decide(
            bureau, window, decision_number="开州府办发〔2026〕9号", decided_on=timezone.localdate()
        )
    assert not Grant.objects.filter(application=application).exists()
    assert ApplicationWindow.objects.get(pk=window.pk).status == WindowStatus.PUBLICITY
    objection = applications.record_objection(
        bureau, window, name="王某", content="社保证明系伪造", received_on=start, application=application
    )
    applications.resolve_objection(bureau, objection, upheld=True, resolution="经核实异议成立，取消兑现")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED


def test_the_expert_reviewed_article_waits_for_its_scores(user, bureau, window, enterprise):
    from kechuang.reviews.models import Discipline

    Instrument.objects.filter(pk=window.instrument_id).update(expert_review=True)
    ApplicationWindow.objects.filter(pk=window.pk).update(discipline=Discipline.objects.first())
    window.refresh_from_db()
    application = _filled(user, window, enterprise)
    applications.submit(user("qiye"), application)
    workflow.perform(application, "accept", bureau)
    workflow.perform(application, "check", bureau, comment="同意")
    workflow.perform(window, "close", bureau)
    with pytest.raises(ActionRefused, match="须专家评审"):
        applications.propose(
            bureau, PolicyApplication.objects.get(pk=application.pk), amount=Decimal(1), opinion="同意"
        )


def test_the_pages_of_a_window_and_an_application_for_each_who_acts(
    user, bureau, window, enterprise, client_as
):
    application = _filled(user, window, enterprise)
    qiye = client_as("qiye")
    page = qiye.get(window.get_absolute_url())
    assert page.status_code == 200 and "开始申请" in page.content.decode()
    page = qiye.get(application.get_absolute_url()).content.decode()
    assert 'id="save-application"' in page and 'id="submit-application"' in page
    # a refused save comes back with its reason, nothing stored
    refused = qiye.post(
        f"/policies/applications/{application.pk}/save/",
        {
            "requested": "999999",
            "statement": "x",
            "contact_name": "张",
            "contact_phone": "1",
            "account_name": "a",
            "bank_name": "b",
            "account_number": "c",
        },
    )
    assert (
        refused.status_code == 400
        and "申请金额不能超过按政策测算的 100,000.00 元" in refused.content.decode()
    )
    assert PolicyApplication.objects.get(pk=application.pk).statement == "引进博士 1 名，全职在岗。"
    assert qiye.post(f"/policies/applications/{application.pk}/submit/").status_code == 302
    kjj = client_as("kjj")
    assert "待受理" in kjj.get(application.get_absolute_url()).content.decode()
    assert kjj.get("/policies/applications/").status_code == 200
    assert kjj.get("/policies/windows/").status_code == 200
    assert enterprise.name in kjj.get(window.get_absolute_url()).content.decode()
    # another town's reporter sees nothing of it
    assert client_as("jxw").get(application.get_absolute_url()).status_code == 404


def test_a_window_on_its_publicity_shows_no_edit_link_and_refuses_its_edit_page(window, client_as):
    kjj = client_as("kjj")
    edit_url = reverse("application-windows:edit", args=[window.pk])
    assert edit_url in kjj.get(window.get_absolute_url()).content.decode()  # an open window: editable
    ApplicationWindow.objects.filter(pk=window.pk).update(status=WindowStatus.PUBLICITY)
    assert edit_url not in kjj.get(window.get_absolute_url()).content.decode()
    refused = kjj.get(edit_url, follow=True)
    assert refused.redirect_chain == [(window.get_absolute_url(), 302)]
    assert "批次已截止受理，不能再修改。" in refused.content.decode()
    posted = kjj.post(edit_url, {"title": "改过的标题"})
    assert posted.status_code == 302 and posted.url == window.get_absolute_url()
    assert ApplicationWindow.objects.get(pk=window.pk).title == window.title
