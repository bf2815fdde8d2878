"""In headless Chromium on a phone (390 px), a project from call to payment: the demo enterprise applies,
the bureau accepts it, experts score it (one stands aside for a conflict and is not counted; the demo
expert scores on the page), the bureau approves it; the enterprise fills its 任务书 and the bureau signs it;
the first report is submitted and judged; a milestone passes and its tranche is paid; the enterprise
applies for acceptance with its evidence, the bureau accepts it and pays the rest. Screenshots of each
page are kept in test-artifacts/."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kechuang.org.models import Department, User
from kechuang.projects import applications, calls, selection
from kechuang.projects.models import (
    Acceptance,
    AcceptanceStatus,
    Category,
    InterimReport,
    Milestone,
    MilestoneStatus,
    Payment,
    PaymentStatus,
    Project,
    ReportStatus,
    Status,
    TaskBook,
    TaskBookStatus,
)
from kechuang.reviews import actions as reviews
from kechuang.reviews.demo import expert_account
from kechuang.reviews.models import Assignment, Expert, ReviewItem
from kechuang.testing.browser import ARTIFACTS, sign_in
from kechuang.workflow import engine as workflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n"
FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def click(page, selector) -> str:
    with page.expect_navigation():
        page.click(selector)
    messages = page.locator("ul.messages")
    return messages.inner_text() if messages.count() else ""


def as_user(page, base, username):
    page.context.clear_cookies()
    sign_in(page, base, username)


def look(page, name):
    assert page.evaluate(FITS), f"{name}: the page is wider than the phone"
    page.screenshot(path=str(ARTIFACTS / f"lifecycle-{name}.png"), full_page=True)


def a_call(kjj):
    today = timezone.localdate()
    call = calls.save_call(
        kjj,
        None,
        year=today.year + 1,
        number="TEST-QLC",
        title="全流程测试申报指南",
        category=Category.DISTRICT,
        department=Department.objects.get(name="区科技局"),
        topics="智能制造\n新材料",
        budget=Decimal("1000000"),
        max_request=Decimal("300000"),
        opens_on=today - timedelta(days=3),
        closes_on=today + timedelta(days=20),
        attachments="项目申报书",
    )
    return workflow.perform(call, "publish", kjj)


def test_a_project_from_call_to_payment(browser_page, live_server, tmp_path):
    page, base = browser_page, live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    kjj, qiye = User.objects.get(username="kjj"), User.objects.get(username="qiye")
    demo_expert = Expert.objects.get(user__username="expert")
    field = demo_expert.disciplines.order_by("order").first()
    call = a_call(kjj)
    paper = tmp_path / "项目申报书.pdf"
    paper.write_bytes(PDF)

    # 1. the enterprise applies online
    project = applications.start(
        qiye, call, enterprise=qiye.enterprises.get(), name="智能压合装备研制", topic="智能制造"
    )
    sign_in(page, base, "qiye")
    page.goto(f"{base}/projects/{project.pk}/application/")
    page.select_option("#id_discipline", label=field.name)
    page.fill("#id_summary", "研制智能压合装备。")
    page.fill("#id_contact_name", "张三")
    page.fill("#id_contact_phone", "13800001111")
    page.fill("#id_funding", "200000")
    page.fill("#id_self_funding", "100000")
    assert "基本信息已保存" in click(page, "#basics button.primary")
    page.fill("#budget_funding_0", "200000")
    page.fill("#budget_self_0", "100000")
    assert "预算明细已保存" in click(page, "#budget button.primary")
    page.select_option("#attachment_kind", "项目申报书")
    page.set_input_files("#attachment_file", str(paper))
    click(page, "form.upload button")
    assert "申报已提交" in click(page, "#submit-button")

    # 2. 形式审查: the bureau accepts it from the project's panel
    as_user(page, base, "kjj")
    page.goto(f"{base}/projects/{project.pk}/")
    page.locator("section.workflow summary", has_text="受理").click()
    click(page, "section.workflow button:has-text('确认受理')")
    assert Project.objects.get(pk=project.pk).status == Status.ACCEPTED

    # 3. experts: the round, the demo expert put on it by hand, one expert standing aside for a conflict
    review_round = selection.send_to_review(
        kjj, call, deadline=timezone.localdate() + timedelta(days=7), experts_per_item=3
    )
    reviews.auto_assign(kjj, review_round)
    item = ReviewItem.objects.get(round=review_round)
    if not Assignment.objects.filter(item=item, expert=demo_expert).exists():
        reviews.assign_manually(kjj, item, demo_expert, reason="熟悉压合装备")
    workflow.perform(review_round, "open", kjj)
    others = list(Assignment.objects.filter(item=item).exclude(expert=demo_expert).order_by("pk"))
    reviews.declare(expert_account(others[0].expert), others[0], conflict=True, note="曾为申报单位提供咨询")
    for row in others[1:]:
        account = expert_account(row.expert)
        reviews.declare(account, row, conflict=False)
        reviews.save_sheet(
            account,
            row,
            scores={c.key: "80" for c in review_round.criteria.all()},
            recommendation="推荐",
            submit=True,
        )
    mine = Assignment.objects.get(item=item, expert=demo_expert)
    as_user(page, base, "expert")
    page.goto(f"{base}/reviews/assignments/{mine.pk}/")
    page.check("input[name=conflict][value='0']")
    click(page, "form button.primary")
    for criterion in review_round.criteria.all():
        page.fill(f"#id_{criterion.key}", "90")
    page.select_option("#id_recommendation", "推荐")
    look(page, "expert-sheet")
    click(page, "button[name=submit][value='1']")
    ranked = selection.ranking(review_round)
    assert ranked[0].figure.n == len(others)  # every sheet but the conflicted one counts

    # 4. 立项 from the project's panel, funded below the request
    as_user(page, base, "kjj")
    page.goto(f"{base}/projects/{project.pk}/")
    page.locator("section.workflow summary", has_text="立项").first.click()
    today = timezone.localdate()
    page.fill("#id_approve_approved_on", today.isoformat())
    page.fill("#id_approve_planned_end_on", (today + timedelta(days=540)).isoformat())
    page.fill("#id_approve_funding", "180000")
    click(page, "section.workflow button:has-text('确认立项')")
    book = TaskBook.objects.get(project=project)
    assert book.status == TaskBookStatus.DRAFT
    assert sum(line.funding for line in book.budget_lines.all()) == Decimal("180000")

    # 5. the enterprise fills its 任务书 and submits it; the bureau signs it
    as_user(page, base, "qiye")
    page.goto(f"{base}/projects/task-books/{book.pk}/")
    page.fill("#milestone_title_0", "样机试制")
    page.fill("#milestone_due_on_0", (today + timedelta(days=120)).isoformat())
    page.fill("#milestone_deliverable_0", "样机 1 台、检测报告")
    page.fill("#milestone_district_payment_0", "60000")
    page.fill("#milestone_title_1", "产业化应用")
    page.fill("#milestone_due_on_1", (today + timedelta(days=500)).isoformat())
    page.fill("#milestone_deliverable_1", "销售合同")
    assert "里程碑已保存（2 个）" in click(page, "#milestones button.primary")
    page.fill("#indicator_name_0", "申请发明专利")
    page.fill("#indicator_unit_0", "件")
    page.fill("#indicator_promised_0", "2")
    assert "考核指标已保存（1 项）" in click(page, "#indicators button.primary")
    look(page, "task-book")
    assert "任务书已提交" in click(page, "#submit-book")
    as_user(page, base, "kjj")
    page.goto(f"{base}/projects/task-books/{book.pk}/")
    assert "任务书已签订" in click(page, "#sign-book")
    assert Project.objects.get(pk=project.pk).status == Status.ONGOING
    report = InterimReport.objects.filter(project=project).order_by("sequence").first()

    # 6. 中期检查: the enterprise reports, the bureau judges it 正常
    as_user(page, base, "qiye")
    page.goto(f"{base}{report.get_absolute_url()}")
    page.fill("textarea[name=progress]", "样机设计完成，关键部件已采购。")
    click(page, "#save-button")
    look(page, "interim")
    click(page, "#submit-button")
    assert InterimReport.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED
    as_user(page, base, "kjj")
    page.goto(f"{base}{report.get_absolute_url()}")
    page.check("input[name=verdict][value='正常']")
    click(page, "#judge-button")
    assert InterimReport.objects.get(pk=report.pk).status == ReportStatus.NORMAL

    # 7. the milestone passes: its tranche is arranged and paid
    milestone = Milestone.objects.get(task_book=book, sequence=1)
    page.goto(f"{base}/projects/task-books/{book.pk}/")
    page.check(f"#check{milestone.pk}_verdict_0")
    page.fill(f"#check{milestone.pk}_comment", "样机检测合格")
    assert "考核结果：通过" in click(page, f"form[action$='/{milestone.pk}/check/'] button")
    assert Milestone.objects.get(pk=milestone.pk).status == MilestoneStatus.PASSED
    payment = Payment.objects.get(project=project, milestone=milestone)
    page.goto(f"{base}/projects/payments/{payment.pk}/")
    page.locator("section.workflow summary", has_text="确认拨付").click()
    page.fill("#id_pay_paid_on", today.isoformat())
    page.fill("#id_pay_voucher", "KZCZ-TEST-001")
    look(page, "payment")
    click(page, "section.workflow button:has-text('确认确认拨付')")
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PAID

    # 8. acceptance: the enterprise applies with its evidence; the bureau decides 通过 and pays the rest
    as_user(page, base, "qiye")
    page.goto(f"{base}/projects/{project.pk}/")
    assert "结题验收申请" in click(page, "#start-acceptance")
    acc = Acceptance.objects.get(project=project)
    page.fill("#acceptance_summary", "完成样机研制并实现销售。")
    page.fill("#acceptance_spent", "170000")
    indicator = book.indicators.get()
    page.fill(f"#acceptance_achieved_{indicator.pk}", "3")
    assert "验收申请已保存" in click(page, "#summary button.primary")
    report_pdf = tmp_path / "结题报告.pdf"
    report_pdf.write_bytes(PDF)
    page.set_input_files("#evidence_file", str(report_pdf))
    assert "已上传验收材料" in click(page, "#evidence form.upload button")
    look(page, "acceptance")
    assert "结题验收申请已提交" in click(page, "#apply-button")
    as_user(page, base, "kjj")
    page.goto(f"{base}/projects/acceptances/{acc.pk}/")
    page.check("input[name=verdict][value='通过']")
    page.fill("#id_comment", "完成任务书规定的全部指标")
    assert "验收结论：通过" in click(page, "#decide-button")
    assert Acceptance.objects.get(pk=acc.pk).status == AcceptanceStatus.PASSED
    assert Project.objects.get(pk=project.pk).status == Status.COMPLETED
    page.goto(f"{base}/projects/{project.pk}/")
    page.select_option("#arrange_tranche", "验收拨付")
    page.fill("#arrange_amount", "120000.01")
    click(page, "#arrange-button")
    assert "超过立项资助金额" in page.locator("#payments").inner_text()
    page.fill("#arrange_amount", "120000")
    assert "已安排验收拨付" in click(page, "#arrange-button")
    look(page, "project")
    # the one error the browser logged: the refused payment's page came back as 400
    assert [e for e in page.console_errors if "status of 400" not in e] == []
    assert len(page.console_errors) == 1
