"""In headless Chromium on a phone (390 px): the demo enterprise opens its due 中期检查 report, saves the form
untouched (nothing changes), is refused 报送 without progress, fills it in and submits it; the bureau
judges it 正常 from the same page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kechuang.audit.models import ChangeEntry
from kechuang.projects.models import InterimReport, ReportStatus
from kechuang.testing.browser import ARTIFACTS, sign_in

from .test_interim import current_report, running_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def click(page, selector) -> str:
    with page.expect_navigation():
        page.click(selector)
    return page.locator("ul.messages").inner_text() if page.locator("ul.messages").count() else ""


def test_the_unit_fills_and_submits_its_report_on_a_phone(browser_page, live_server):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    today = timezone.localdate()
    project = running_project(approved_on=today - timedelta(days=200), ends_on=today + timedelta(days=700))
    report = current_report(project)
    url = f"{live_server.url}{report.get_absolute_url()}"
    sign_in(page, live_server.url, "qiye")
    page.goto(url)
    assert page.evaluate(FITS), "the report page is wider than the screen"

    # saved untouched: nothing stored changes, no audit entry
    last = ChangeEntry.objects.order_by("-pk").values_list("pk", flat=True)[0]
    assert "已保存" in click(page, "#save-button")
    assert not ChangeEntry.objects.filter(pk__gt=last).exists()

    # 报送 without progress: refused in Chinese, nothing changes
    click(page, "#submit-button")
    assert "请填写进展情况" in page.locator("#submit").inner_text()
    assert InterimReport.objects.get(pk=report.pk).status == ReportStatus.DUE

    page.fill("#id_progress", "完成样机设计与试制。\n开展性能测试。")
    page.fill("#id_problems", "原材料到货延迟")
    page.fill("#id_spent", "45000.50")
    assert "已保存" in click(page, "#save-button")
    assert page.locator("#ready").is_visible()
    page.screenshot(path=str(ARTIFACTS / "interim-phone.png"), full_page=True)
    assert "已报送" in click(page, "#submit-button")
    stored = InterimReport.objects.get(pk=report.pk)
    assert (stored.status, stored.submitted_on, str(stored.spent)) == (
        ReportStatus.SUBMITTED,
        today,
        "45000.50",
    )
    assert "完成样机设计与试制" in page.locator("#progress").inner_text()

    # the bureau judges it from the same page
    page.context.clear_cookies()
    sign_in(page, live_server.url, "kjj")
    page.goto(url)
    assert page.evaluate(FITS), "the bureau's report page is wider than the screen"
    page.check("input[name=verdict][value='正常']")
    assert "正常" in click(page, "#judge-button")
    assert InterimReport.objects.get(pk=report.pk).status == ReportStatus.NORMAL
    # the one refusal (报送 without progress) answered 400 with the page; nothing else went wrong
    assert [e for e in page.console_errors if "status of 400" not in e] == []
    assert len(page.console_errors) == 1
