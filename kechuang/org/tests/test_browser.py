"""In real headless Chromium on a phone-wide screen: create an API token, copy the secret, revoke it."""

import pytest

from kechuang.testing.browser import ARTIFACTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def test_token_on_a_phone(browser_page, live_server):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server.url, "hanfeng")
    page.goto(f"{live_server.url}/org/profile/")
    assert page.evaluate(FITS)
    page.fill("#id_name", "镇统计台账同步")
    page.fill("#id_days", "30")
    page.click("text=创建令牌 >> nth=-1")
    page.wait_for_selector("#secret")
    secret = page.input_value("#secret")
    assert secret.startswith("kc_") and len(secret) == 46
    assert "只显示这一次" in page.locator(".notice").inner_text()
    box = page.locator("#secret").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and page.evaluate(FITS)
    page.screenshot(path=str(ARTIFACTS / "token-phone.png"), full_page=True)
    page.click("text=我已保存")
    assert secret not in page.content() and secret[:11] in page.content()
    assert page.evaluate(FITS)
    page.click("form[action*='/revoke/'] button")
    assert "已吊销令牌" in page.locator("main").inner_text()
    assert page.console_errors == []
