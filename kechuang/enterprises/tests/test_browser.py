"""In headless Chromium: the enterprise pages, the self-check, the reserve pool and an Excel round trip."""

import io

import openpyxl
import pytest

from kechuang.enterprises.models import EnterpriseYear
from kechuang.org.models import User
from kechuang.testing.browser import ARTIFACTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_enterprise_sees_its_profile_and_self_check(browser_page, live_server):
    page = browser_page
    sign_in(page, live_server.url, "qiye")
    page.click("nav.sidenav >> text=企业台账")
    rows = page.locator("table.grid tbody tr")
    assert rows.count() == 1  # an enterprise account sees only its own enterprise
    rows.first.locator("a").first.click()
    page.wait_for_selector("#check-gqrd")
    assert "科技型中小企业" in page.locator("#check-kxqy").inner_text()
    before = page.locator("#check-gqrd").inner_text()
    assert "创新能力评价可能得分" in before
    page.fill("input[name=tech_advancement]", "6")
    page.fill("input[name=rd_management]", "15")
    page.click("#check-gqrd button[type=submit]")
    page.wait_for_url("**tech_advancement=6**")
    assert page.locator("input[name=rd_management]").input_value() == "15"
    page.screenshot(path=str(ARTIFACTS / "enterprise.png"), full_page=True)
    assert page.console_errors == []


def test_reserve_pool_ranks_candidates(browser_page, live_server):
    page = browser_page
    sign_in(page, live_server.url, "kjj")
    page.click("nav.sidenav >> text=高企后备库")
    page.wait_for_selector("table.reserve-table")
    first_rows = page.locator("table.reserve-table tbody tr")
    assert first_rows.count() == 50
    assert first_rows.first.locator("td").first.inner_text() == "1"
    page.screenshot(path=str(ARTIFACTS / "reserve.png"))
    assert page.console_errors == []


def test_excel_round_trip_in_the_browser(browser_page, live_server, tmp_path):
    page = browser_page
    sign_in(page, live_server.url, "kjj")  # the bureau keeps the ledger; enterprises submit for review
    own = User.objects.get(username="qiye").enterprises.get()
    page.goto(f"{live_server.url}/tables/enterprise-years/?q={own.credit_code}")
    with page.expect_download() as info:
        page.click("text=导出 Excel")
    exported = tmp_path / "export.xlsx"
    info.value.save_as(exported)
    book = openpyxl.load_workbook(exported)
    sheet = book["数据"]
    headers = [c.value for c in sheet[1]]
    year_col, staff_col = headers.index("年度") + 1, headers.index("职工总数") + 1
    code_col = headers.index("统一社会信用代码") + 1
    row = next(
        r
        for r in range(2, sheet.max_row + 1)
        if sheet.cell(r, year_col).value == 2025 and sheet.cell(r, code_col).value == own.credit_code
    )
    sheet.cell(row, staff_col).value = sheet.cell(row, staff_col).value + 3
    edited = tmp_path / "edited.xlsx"
    book.save(edited)

    page.set_input_files("#id_file", str(edited))
    page.click("text=上传并校验")
    page.wait_for_selector("#commit")
    assert "校验通过" in page.locator("#commit").inner_text()
    page.fill("#id_reason", "补报2025年新增职工")
    page.click("text=确认导入")
    page.wait_for_selector("#job-result")
    result = page.locator("#job-result").inner_text()
    assert "更新 1 条" in result and "新增 0 条" in result
    assert EnterpriseYear.objects.filter(enterprise=own, year=2025).count() == 2
    page.screenshot(path=str(ARTIFACTS / "import.png"), full_page=True)

    # a messy file: the errors are listed and nothing is stored
    messy = openpyxl.load_workbook(io.BytesIO(edited.read_bytes()))
    messy["数据"].cell(row, staff_col).value = "很多"
    messy_path = tmp_path / "messy.xlsx"
    messy.save(messy_path)
    page.goto(f"{live_server.url}/tables/enterprise-years/")
    page.set_input_files("#id_file", str(messy_path))
    page.click("text=上传并校验")
    page.wait_for_selector("table.errors-table")
    assert "“很多”不是整数" in page.locator("table.errors-table").inner_text()
    page.screenshot(path=str(ARTIFACTS / "import-errors.png"), full_page=True)
    assert EnterpriseYear.objects.filter(enterprise=own, year=2025).count() == 2
    assert page.console_errors == []


def test_an_enterprise_submits_its_figures_and_the_town_accepts_them_on_a_phone(browser_page, live_server):
    from decimal import Decimal

    from kechuang.enterprises import actions
    from kechuang.enterprises.models import Submission

    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    own = User.objects.get(username="qiye").enterprises.get()
    actions.record_year(User.objects.get(username="kjj"), own, 2024, {"rd_expense": Decimal("3110000")})
    sign_in(page, live_server.url, "qiye")
    page.goto(f"{live_server.url}/enterprises/{own.pk}/years/2025/propose/")
    page.fill("#id_rd_expense", "9110000")
    page.click("button.primary:has-text('保存')")
    page.wait_for_selector("text=研发费用由 311万元 增至 911万元（+193%），请核实")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.click("button.primary:has-text('提交审核')")
    page.wait_for_selector("text=请说明原因。")
    page.fill("#id_explain_rd_expense", "新增省级研发中心")
    page.click("button.primary:has-text('提交审核')")
    page.wait_for_selector("text=已提交审核")
    submission = Submission.objects.get(enterprise=own, year=2025)
    assert (
        submission.status == "submitted" and own.years.get(year=2025, superseded_at__isnull=True).version == 1
    )
    page.screenshot(path=str(ARTIFACTS / "submission-phone.png"), full_page=True)

    page.context.clear_cookies()
    sign_in(page, live_server.url, "hanfeng")
    page.goto(f"{live_server.url}/enterprises/submissions/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.click(f"a[href='/enterprises/submissions/{submission.pk}/']")
    page.wait_for_selector("tr.flagged")
    assert (
        page.locator("tr.flagged").count() == 1
        and "新增省级研发中心" in page.locator("tr.flagged").inner_text()
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.click("summary:has-text('采纳')")
    page.click("button:has-text('确认采纳')")
    page.wait_for_selector("text=已采纳：现为“已采纳”。")
    assert own.years.get(year=2025, superseded_at__isnull=True).rd_expense == Decimal("9110000")
    page.screenshot(path=str(ARTIFACTS / "submission-review-phone.png"), full_page=True)
    assert page.console_errors == []


def test_superdeduction_page_from_the_sidebar_and_on_a_phone(browser_page, live_server):
    page = browser_page
    sign_in(page, live_server.url, "kjj")
    page.click("nav.sidenav >> text=研发费用加计扣除")
    page.wait_for_selector("table.superdeduction-table")
    assert page.locator("table.superdeduction-table tbody tr").count() == 50
    assert "全部按费用化" in page.inner_text("main")
    page.select_option("select[name=rate]", "1.00")
    page.click("button:has-text('筛选')")
    page.wait_for_url("**rate=1.00**")
    cells = page.locator("table.superdeduction-table tbody td[data-label='适用比例']")
    assert cells.count() > 0 and all(t.startswith("100.00%") for t in cells.all_inner_texts())
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: one card per enterprise
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.locator("table.superdeduction-table thead").is_hidden()
    page.screenshot(path=str(ARTIFACTS / "superdeduction-phone.png"), full_page=True)
    assert page.console_errors == []
