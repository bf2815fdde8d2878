"""In headless Chromium: a task's 落实情况 on a phone."""

import pytest

from kechuang.plans.models import Plan, Task
from kechuang.testing.browser import ARTIFACTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_task_page_lists_its_work_readably_on_a_phone(browser_page, live_server):
    page = browser_page
    plan = Plan.objects.get(department__name="开州区", is_active=True)
    task = Task.objects.get(programme__plan=plan, code="3.1")
    sign_in(page, live_server.url, "kjj")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/plans/tasks/{task.pk}/")
    assert "科技项目" in page.locator("ul.work-summary").inner_text()
    assert page.locator("table.task-work tbody tr").count() > 5
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.locator("table.task-work thead").is_hidden()  # one card per record, each cell labelled
    card = page.locator("table.task-work tbody tr").first.bounding_box()
    assert card["width"] <= 390
    page.screenshot(path=str(ARTIFACTS / "task-work-phone.png"), full_page=True)
    assert page.console_errors == []
