"""In headless Chromium at a phone's width (390 px): the batch's page and the call's 立项 part as the
bureau, and the public 公示 page anonymously — readable, the wide tables scrolling or stacked inside the page (screenshots in
test-artifacts/)."""

import pytest

from kechuang.projects.models import ApprovalBatch, BatchStatus
from kechuang.testing.browser import ARTIFACTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page) -> bool:
    """Nothing wider than the screen: the page does not scroll sideways."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_batch_page_and_the_public_page_on_a_phone(browser_page, live_server):
    page = browser_page
    batch = ApprovalBatch.objects.filter(status=BatchStatus.PUBLICITY).order_by("pk").first()
    line = batch.lines.select_related("project").order_by("rank", "pk").first()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/public/publicity/{batch.pk}/")
    assert page.locator("h1").inner_text() == batch.title
    assert line.project.name in page.content()
    page.screenshot(path=str(ARTIFACTS / "batch-public-phone.png"), full_page=True)
    assert _fits(page)

    sign_in(page, live_server.url, "kjj")
    page.goto(f"{live_server.url}{batch.get_absolute_url()}")
    assert page.locator("h1").inner_text() == batch.title
    assert page.get_by_role("button", name="登记异议").is_visible()
    page.screenshot(path=str(ARTIFACTS / "batch-page-phone.png"), full_page=True)
    wide = page.evaluate(
        """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
    )
    assert _fits(page), wide
    page.goto(f"{live_server.url}{batch.call.get_absolute_url()}")  # the keeper's ranking and forms
    assert page.get_by_role("button", name="拟定立项名单").is_visible()
    page.screenshot(path=str(ARTIFACTS / "batch-call-phone.png"), full_page=True)
    assert _fits(page)
    decided = ApprovalBatch.objects.filter(status=BatchStatus.DECIDED).order_by("pk").first()
    page.goto(f"{live_server.url}{decided.get_absolute_url()}")
    page.screenshot(path=str(ARTIFACTS / "batch-decided-phone.png"), full_page=True)
    assert _fits(page)
    assert not page.console_errors
