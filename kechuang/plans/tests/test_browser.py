"""In headless Chromium: a clerk turns a policy document into a plan."""

from pathlib import Path

import pytest

from kechuang.plans.models import Plan, TargetSuggestion
from kechuang.testing.browser import ARTIFACTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = """某区科技型企业培育三年行动计划（2024—2026年）
一、主要目标
到2026年，全区科技型企业达到800家以上，力争达到1000家；高新技术企业120家。
二、重点任务
1.企业培育。2024年新增科技型企业150家、高新技术企业20家。（牵头单位：区科技局；配合单位：区财政局）
2.平台建设。到2026年，市级以上研发平台达到60个，新型研发机构实现零的突破。2023年全区有研发平台41个。
"""


def test_a_document_becomes_a_plan(browser_page, live_server, tmp_path):
    page = browser_page
    sign_in(page, live_server.url, "kjj")
    page.click("nav.sidenav >> text=方案识别")
    page.click("text=上传或粘贴新方案")
    document = tmp_path / "科技型企业培育三年行动计划.txt"
    document.write_bytes(TEXT.encode("gbk"))  # as many clerks' files still are
    page.set_input_files("#id_file", str(document))
    page.click("button:has-text('开始识别')")
    page.wait_for_selector("#draft-form")
    rows = page.locator("table.draft-table tbody tr:not(.new-row)")
    assert (
        rows.count() == 7
    )  # 800 floor + 1000 stretch, 120, 150, 20, 60, 零的突破 (the 2023 figure is the past)
    assert page.locator("mark.mark-target").count() >= 6
    page.screenshot(path=str(ARTIFACTS / "plan-draft.png"), full_page=True)
    # the clerk drops the stretch target, corrects one figure and confirms
    page.uncheck("input[name='row-2-include']")
    page.fill("input[name='row-3-value']", "125")
    page.fill("#id_doc_number", "某府办发〔2024〕7号")
    page.click("button[value=confirm]")
    page.wait_for_selector(".errors")
    assert "方案信息：请填写印发日期。" in page.locator(".errors").inner_text()  # the text has no date
    assert not Plan.objects.filter(doc_number="某府办发〔2024〕7号").exists()
    page.fill("#id_issued_on", "2024-03-15")
    page.click("button[value=confirm]")
    page.wait_for_url("**/plans/*/")
    plan = Plan.objects.get(doc_number="某府办发〔2024〕7号")
    assert page.url.endswith(f"/plans/{plan.pk}/")
    assert "科技型企业培育三年行动计划" in page.locator("h1").inner_text()
    decisions = list(
        TargetSuggestion.objects.filter(draft__plan=plan)
        .order_by("position")
        .values_list("decision", flat=True)
    )
    assert decisions[:3] == ["accepted", "rejected", "edited"]
    page.screenshot(path=str(ARTIFACTS / "plan-from-draft.png"), full_page=True)
    assert page.console_errors == []
    assert Path(ARTIFACTS / "plan-draft.png").exists()
