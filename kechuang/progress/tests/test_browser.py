"""In headless Chromium: a reporting round from opening to approval, and the cockpit."""

import pytest

from kechuang.progress.models import Report
from kechuang.testing.browser import ARTIFACTS, sign_in

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
    page.select_option("#id_frequency", "quarterly")
    page.select_option("#id_period", "2021Q4")
    assert page.locator("#id_period option[value='2021Q4']").inner_text() == "2021年第四季度"
    page.fill("#id_due_on", "2022-01-20")
    page.click("button:has-text('发起')")
    page.wait_for_selector("#not-reported")
    assert "区统计局" in page.locator("#not-reported").inner_text()
    sign_out(page)

    sign_in(page, live_server.url, "tjj")
    report = Report.objects.get(round__period="2021Q4", department__name="区统计局")
    page.goto(f"{live_server.url}/progress/reports/{report.pk}/")
    evidence = tmp_path / "2021年统计年报.pdf"
    evidence.write_bytes(PDF)
    page.fill("input[name^=numerator_]", "180")
    page.fill("input[name^=denominator_]", "100")
    page.click("button[name=submit]")
    assert "比率不能超过 100%" in page.locator(".errors").inner_text()
    # the ratio is entered as its two parts; the unit also states its own judgement of the 2021 target
    page.fill("input[name^=numerator_]", "97,000")
    page.fill("input[name^=denominator_]", "5670000")
    page.select_option("select[name^=judgement_]", "amber")
    page.fill("input[name^=reason_]", "口径调整后略高于目标，待统计局年报最终确认")
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

    assert "1.7108" in page.locator("strong.ratio-value").inner_text()

    page.goto(f"{live_server.url}/progress/cockpit/?as_of=2022-03-01")
    row = page.locator("table.cockpit-table tr", has_text="全社会研发经费投入占GDP比重")
    assert "1.71" in row.inner_text() and "97000 ÷ 5670000万元" in row.inner_text()
    assert "预警" in row.locator("td.judgement").inner_text() and "不一致" in row.inner_text()

    page.goto(f"{live_server.url}/progress/cockpit/?as_of=2023-06-30")
    assert "实际增长为计划增长的" in page.locator("table.cockpit-table").inner_text()
    # every target's trajectory is drawn by the locally served ECharts (no CSP violation: no console error)
    page.wait_for_function("document.querySelectorAll('[data-drawn]').length === 12")
    assert page.locator("figure.chart-card canvas").count() == 12
    page.screenshot(path=str(ARTIFACTS / "cockpit.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.reload()
    page.wait_for_function("document.querySelectorAll('[data-drawn]').length === 12")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    # the task section becomes one card per task, each cell labelled
    assert page.locator("table.cockpit-tasks thead").is_hidden()
    card = page.locator("table.cockpit-tasks tbody tr").first.bounding_box()
    label = page.evaluate(
        "getComputedStyle(document.querySelector('table.cockpit-tasks td[data-label=\"牵头单位\"]'),"
        " '::before').content"
    )
    assert card["width"] <= 390 and "牵头单位" in label
    page.screenshot(path=str(ARTIFACTS / "cockpit-phone.png"), full_page=True)
    assert page.console_errors == []


def test_province_cockpit_opens(browser_page, live_server):
    """The province demo (small here): its leader's cockpit is the roll-up of every district."""
    from kechuang.site import province

    province.generate(
        seed=3,
        districts=3,
        enterprises=600,
        towns=4,
        projects=50,
        applications=60,
        reviewed=40,
        experts=60,
        log=lambda *_: None,
    )
    page = browser_page
    sign_in(page, live_server.url, province.PROVINCE_LEADER)
    page.goto(f"{live_server.url}/progress/cockpit/?as_of=2025-12-31")
    assert "省级汇总" in page.locator("main").inner_text()
    row = page.locator("table.cockpit-table tr", has_text="科技型企业数").first
    assert row.inner_text().strip()
    page.wait_for_function("document.querySelectorAll('[data-drawn]').length === 12")
    page.screenshot(path=str(ARTIFACTS / "cockpit-province.png"), full_page=True)
    assert page.console_errors == []
