"""In real headless Chromium: sign in, open the plan, see the seven programmes and the targets."""

import pytest

from kechuang.testing.browser import ARTIFACTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROGRAMMES = [
    "科技企业成长工程",
    "科技创新平台提升工程",
    "科技成果转化攻坚工程",
    "科技协同创新工程",
    "科技人才引育工程",
    "科技创新政策扶持工程",
    "科技创新氛围优化工程",
    "保障措施",
]


def test_sign_in_and_read_the_plan(browser_page, live_server):
    page = browser_page
    sign_in(page, live_server.url, "leader")
    page.click("text=方案总览")
    page.wait_for_selector("section.programme")
    headings = page.locator("section.programme h2").all_inner_texts()
    for name in PROGRAMMES:
        assert any(name in h for h in headings), name
    values = page.locator("td.target-value").all_inner_texts()
    for expected in ["50家", "500家以上", "100家以上", "2000万元", "1.55%", "120家以上", "2020年的2倍以上"]:
        assert any(expected in v for v in values), expected
    spans = page.locator("td.span").all_inner_texts()
    assert "“2021年新增科技型企业50家”" in spans
    page.screenshot(path=str(ARTIFACTS / "plan.png"), full_page=True)
    # the span link lands on the highlighted sentence in the source text
    page.click("td.span >> text=2021年全社会研发经费投入占GDP比重提高到1.55%")
    mark = page.locator("mark:target")
    assert mark.inner_text() == "2021年全社会研发经费投入占GDP比重提高到1.55%"
    assert page.console_errors == []


def test_wrong_password_then_navigation_by_programme(browser_page, live_server):
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "jxw")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    assert "请输入一个正确的" in page.locator(".errors").inner_text()
    sign_in(page, live_server.url, "jxw")
    page.click("nav.sidenav >> text=科技成果转化攻坚工程")
    assert "柴葛退热口服液关键技术攻关" in page.locator("table.tasks-table").inner_text()
    # a reporter has no user management: the link is absent and the URL answers 403
    assert page.locator("nav.sidenav >> text=用户管理").count() == 0
    response = page.goto(f"{live_server.url}/org/users/")
    assert response.status == 403 and "您没有访问该页面的权限" in page.content()
    page.screenshot(path=str(ARTIFACTS / "forbidden.png"))
    assert all("403" in e for e in page.console_errors), page.console_errors


FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def test_on_a_phone_the_navigation_folds_away_and_the_home_page_lists_the_work(browser_page, live_server):
    """A reporter on a phone: 我的待办 first, the menu behind its button; a project page's 办理 panel fits."""
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server.url, "kjj")
    assert not page.locator("nav.sidenav").is_visible()
    assert page.locator("#todo h1").inner_text() == "我的待办" and page.evaluate(FITS)
    page.click("label.navbutton")
    assert page.locator("nav.sidenav >> text=科技项目").is_visible()
    page.click("nav.sidenav >> text=科技项目")
    page.wait_for_selector("table.registry-list")
    assert page.evaluate(FITS)
    page.goto(f"{live_server.url}/projects/?status=受理")
    page.locator("table.registry-list td[data-label='项目名称'] a").first.click()
    page.wait_for_selector("section.workflow")
    page.locator("section.workflow summary", has_text="立项").first.click()
    assert page.locator("section.workflow input[type=date]").first.is_visible()
    assert page.evaluate(FITS)
    page.screenshot(path=str(ARTIFACTS / "project-workflow-phone.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_every_registry_page_fits_a_phone(browser_page, live_server):
    """Every declared registry's list, a record's page, and its create and edit forms, 390 px wide, as
    the bureau (or the system administrator, for what only they change): nothing wider than the screen
    (wide tables scroll inside their own box)."""
    from django.urls import reverse

    from kechuang.org.models import User
    from kechuang.web.registry import registries

    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    too_wide = []
    signed_in = None
    for registry in sorted(registries(), key=lambda r: r.key):
        username = next(
            name
            for name in ("kjj", "sysadmin")
            if registry.can_create(User.objects.get(username=name)) or name == "sysadmin"
        )
        if signed_in != username:
            page.context.clear_cookies()
            sign_in(page, live_server.url, username)
            signed_in = username
        user = User.objects.get(username=username)
        record = registry.queryset(user).order_by("pk").first()
        urls = [reverse(registry.url_name("list"))]
        if record is not None:
            urls.append(reverse(registry.url_name("detail"), args=[record.pk]))
            if registry.form is not None and registry.can_change(user, record):
                urls.append(reverse(registry.url_name("edit"), args=[record.pk]))
        if registry.can_create(user):
            urls.append(reverse(registry.url_name("create")))
        for url in urls:
            page.goto(live_server.url + url)
            if not page.evaluate(FITS):
                width = page.evaluate("document.documentElement.scrollWidth")
                page.screenshot(path=str(ARTIFACTS / f"too-wide-{registry.key}.png"), full_page=True)
                too_wide.append(f"{url}: {width}px")
    assert not too_wide, too_wide
