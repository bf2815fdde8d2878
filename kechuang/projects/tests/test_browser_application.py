"""In headless Chromium, on a phone (390 px) and a desktop: the demo enterprise fills in its application —
basics, budget, a PDF — and submits it; the bureau returns it from the project's 办理 panel with a
comment; the enterprise reads the comment, corrects and resubmits. And the basics form opened and saved
untouched changes nothing stored (dates, money and the contact's phone above all)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kechuang.audit.models import ChangeEntry
from kechuang.core.personal import personal_fields
from kechuang.org.models import Department, User
from kechuang.projects import applications, calls
from kechuang.projects.models import Attachment, Category, Project, Status
from kechuang.testing.browser import ARTIFACTS, sign_in
from kechuang.workflow import engine as workflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n"
FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def a_draft() -> Project:
    """A new draft of the demo enterprise to a call open today (the call's own page is not used here)."""
    kjj, qiye = User.objects.get(username="kjj"), User.objects.get(username="qiye")
    today = timezone.localdate()
    call = calls.save_call(
        kjj,
        None,
        year=today.year + 1,
        number="TEST-LLQ",
        title="浏览器测试申报指南",
        category=Category.DISTRICT,
        department=Department.objects.get(name="区科技局"),
        topics="智能制造\n新材料",
        budget=Decimal("1000000"),
        max_request=Decimal("300000"),
        opens_on=today - timedelta(days=3),
        closes_on=today + timedelta(days=20),
        attachments="项目申报书",
    )
    workflow.perform(call, "publish", kjj)
    return applications.start(
        qiye, call, enterprise=qiye.enterprises.get(), name="浏览器测试项目", topic="智能制造"
    )


def save(page, selector):
    with page.expect_navigation():
        page.click(selector)
    return page.locator("ul.messages").inner_text()


@pytest.mark.parametrize("width", [390, 1366], ids=["phone", "desktop"])
def test_apply_be_returned_correct_and_resubmit(browser_page, live_server, tmp_path, width):
    page = browser_page
    page.set_viewport_size({"width": width, "height": 844 if width < 700 else 900})
    shot = "phone" if width < 700 else "desktop"
    project = a_draft()
    url = f"{live_server.url}/projects/{project.pk}/application/"
    sign_in(page, live_server.url, "qiye")
    page.goto(url)
    assert page.locator("#submit-button").is_disabled()
    assert "请填写：评审领域" in page.locator("#problems").inner_text()

    page.select_option("#id_discipline", label="新材料")
    page.fill("#id_summary", "研究内容：高速压合工艺。\n预期成果：发明专利 2 项。")
    page.fill("#id_contact_name", "张三")
    page.fill("#id_contact_phone", "13800001111")
    page.fill("#id_funding", "200000")
    page.fill("#id_self_funding", "100000.50")
    assert "基本信息已保存" in save(page, "#basics button.primary")

    page.fill("#budget_funding_0", "150000")
    page.fill("#budget_self_0", "100000.50")
    page.fill("#budget_note_0", "压合设备")
    page.fill("#budget_funding_6", "40000")
    assert "预算明细已保存（2 个科目）" in save(page, "#budget button.primary")
    assert "与申请财政资助 200,000.00 元不一致" in page.locator("#budget .notice").inner_text()
    page.fill("#budget_funding_6", "50000")
    save(page, "#budget button.primary")
    assert page.locator("#budget .notice").count() == 0
    assert page.locator("#total-funding").inner_text() == "200,000.00"

    paper = tmp_path / "项目申报书.pdf"
    paper.write_bytes(PDF)
    page.select_option("#attachment_kind", "项目申报书")
    page.set_input_files("#attachment_file", str(paper))
    assert "已上传附件：项目申报书（项目申报书.pdf）" in save(page, "form.upload button")
    assert Attachment.objects.get(project=project).size == len(PDF)

    assert page.locator("#ready").is_visible() and page.locator("#submit-button").is_enabled()
    assert page.evaluate(FITS), "the application page is wider than the screen"
    page.screenshot(path=str(ARTIFACTS / f"application-{shot}.png"), full_page=True)
    assert "申报已提交" in save(page, "#submit-button")
    assert Project.objects.get(pk=project.pk).status == Status.APPLIED
    assert page.locator("#readonly").is_visible()

    # 形式审查: the bureau returns it with a comment from the project's 办理 panel
    page.context.clear_cookies()
    sign_in(page, live_server.url, "kjj")
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    assert "压合设备" in page.locator("#application").inner_text()
    assert page.evaluate(FITS), "the project page is wider than the screen"
    page.screenshot(path=str(ARTIFACTS / f"application-project-{shot}.png"), full_page=True)
    page.locator("section.workflow summary", has_text="退回").click()
    page.fill("#id_return_comment", "预算明细与申请金额不一致，请补正")
    with page.expect_navigation():
        page.click("section.workflow button:has-text('确认退回')")
    assert Project.objects.get(pk=project.pk).status == Status.RETURNED

    # the enterprise reads the comment, corrects and resubmits within the period
    page.context.clear_cookies()
    sign_in(page, live_server.url, "qiye")
    page.goto(url)
    assert "预算明细与申请金额不一致，请补正" in page.locator("#returned").inner_text()
    deadline = timezone.localdate() + timedelta(days=project.call.correction_days)
    assert deadline.isoformat() in page.locator("#deadline").inner_text()
    page.screenshot(path=str(ARTIFACTS / f"application-returned-{shot}.png"), full_page=True)
    page.fill("#budget_note_6", "项目组人员劳务")
    save(page, "#budget button.primary")
    assert "申报已重新提交" in save(page, "#submit-button")
    assert Project.objects.get(pk=project.pk).status == Status.APPLIED
    assert page.console_errors == []


def stored_row(project) -> dict:
    obj = Project.objects.get(pk=project.pk)
    values = {f.name: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    for name, field in personal_fields(Project).items():  # the ciphertext too
        values[f"{name} (stored)"] = getattr(getattr(obj, field.attname), "token", None)
    return values


def test_the_basics_saved_untouched_change_nothing(browser_page, live_server):
    page = browser_page
    own = User.objects.get(username="qiye").enterprises.get()
    draft = Project.objects.filter(enterprise=own, status=Status.DRAFT, call__isnull=False).get()
    assert draft.planned_end_on and draft.funding and draft.contact_phone  # the demo draft is partly filled
    before = stored_row(draft)
    last = ChangeEntry.objects.order_by("-pk").values_list("pk", flat=True)[0]
    sign_in(page, live_server.url, "qiye")
    page.goto(f"{live_server.url}/projects/{draft.pk}/application/")
    assert "基本信息已保存" in save(page, "#basics button.primary")
    assert stored_row(draft) == before
    assert not ChangeEntry.objects.filter(pk__gt=last).exists()
    assert page.console_errors == []
