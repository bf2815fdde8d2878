"""In headless Chromium on a phone (390 px), the bureau changes an article's amount: the new-version form
starts from the version in force, 试算 shows what the changed rule gives on 2020's data without saving it,
then it is saved as the next version. Screenshots in test-artifacts/."""

import json

import pytest

from kechuang.policies.models import Instrument
from kechuang.testing.browser import ARTIFACTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def test_the_bureau_tries_a_changed_amount_then_saves_it_as_a_new_version(browser_page, live_server):
    page, base = browser_page, live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    award = Instrument.objects.get(name="高新技术企业首次认定奖励")
    sign_in(page, base, "kjj")
    page.goto(f"{base}{award.get_absolute_url()}")
    page.click("#rules summary:text-is('新增规则版本')")
    assert (
        json.loads(page.input_value("#rule_amount")) == award.rules.get().amount
    )  # from the version in force
    page.fill("#rule_amount", json.dumps({"type": "fixed", "amount": 400_000}))
    page.fill("#rule_trial_year", "2020")
    with page.expect_navigation():
        page.click("#try-rule")
    trial = page.locator("#rule-trial")
    assert "试算结果（未保存）" in trial.inner_text() and "标准：定额 40.00 万元" in trial.inner_text()
    assert award.rules.count() == 1
    assert page.evaluate(FITS), "the trial is wider than the phone"
    page.evaluate("document.querySelector('#rule-trial').scrollIntoView()")
    page.screenshot(path=str(ARTIFACTS / "rule-trial.png"), full_page=False)
    # what was entered is kept: saved as it stands
    assert json.loads(page.input_value("#rule_amount")) == {"type": "fixed", "amount": 400_000}
    page.fill("#rule_reason", "区政府常务会议调整奖励标准")
    with page.expect_navigation():
        page.click("#save-rule")
    assert "兑现规则第 2 版已保存" in page.locator("ul.messages").inner_text()
    assert award.rules.get(version=2).amount == {"type": "fixed", "amount": 400_000}
    page.screenshot(path=str(ARTIFACTS / "rule-saved.png"), full_page=False)
