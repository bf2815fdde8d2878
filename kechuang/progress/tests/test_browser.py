"""In headless Chromium: a reporting round from opening to approval, and the cockpit."""

import pytest

from kechuang.browser import ARTIFACTS, sign_in
from kechuang.progress.models import Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def sign_out(page):
    page.click("header >> text=退出")
    page.wait_for_selector("#id_username")


def test_reporting_round_end_to_end(browser_page, live_server, tmp_path):
    page = browser_page
    sign_in(page, live_server.url, "kjj")
    page.click("nav.sidenav >> text=进展填报")
    page.fill("#id_period", "2027")
    page.select_option("#id_frequency", "yearly")
    page.fill("#id_due_on", "2028-01-31")
    page.click("button:has-text('发起')")
    page.wait_for_selector("#not-reported")
    assert "区统计局" in page.locator("#not-reported").inner_text()
    sign_out(page)

    sign_in(page, live_server.url, "tjj")
    report = Report.objects.get(round__period="2027", department__name="区统计局")
    page.goto(f"{live_server.url}/progress/reports/{report.pk}/")
    evidence = tmp_path / "2027年统计年报.pdf"
    evidence.write_bytes(PDF)
    page.fill("input[aria-label='全社会研发经费投入占GDP比重']", "180")
    page.click("button[name=submit]")
    assert "比率不能超过 100%" in page.locator(".errors").inner_text()
    page.fill("input[aria-label='全社会研发经费投入占GDP比重']", "1.71")
    page.set_input_files("input[name^=evidence_]", str(evidence))
    page.fill("textarea[name=narrative]", "研发投入强度继续提高")
    page.click("button[name=submit]")
    page.wait_for_selector("#report-status")
    assert page.locator("#report-status").inner_text() == "已提交"
    sign_out(page)

    sign_in(page, live_server.url, "kjj")
    page.goto(f"{live_server.url}/progress/reports/{report.pk}/")
    page.fill("#id_comment", "与统计年报一致")
    page.click("button[value=approve]")
    page.wait_for_selector("#report-status")
    assert page.locator("#report-status").inner_text() == "已审核"
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)

    page.goto(f"{live_server.url}/progress/cockpit/?as_of=2023-06-30")
    assert "实际增长为计划增长的" in page.locator("table.cockpit-table").inner_text()
    page.screenshot(path=str(ARTIFACTS / "cockpit.png"), full_page=True)
    assert page.console_errors == []
