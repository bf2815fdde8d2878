"""In headless Chromium: a list from need to payment. The demo enterprise posts its need and submits it;
the bureau refines and publishes it; the demo service institution bids; after the deadline the bureau
sends the bids to expert review, the demo expert scores on the score sheet; the bureau selects the winner
(公示), signs when the 公示 is over, passes the first milestone and records its payment. The list's page
is photographed at 390 px (a phone) and must fit its width."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kechuang.challenges.models import Bid, BidStatus, Challenge, Status
from kechuang.org.models import User
from kechuang.projects.models import Payment, PaymentStatus
from kechuang.reviews import actions as reviews
from kechuang.reviews.demo import expert_account
from kechuang.reviews.models import Assignment, Expert
from kechuang.testing.browser import ARTIFACTS, sign_in
from kechuang.workflow import engine as workflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"
TITLE = "浏览器测试：注塑件视觉缺陷检测"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def click(page, selector):
    with page.expect_navigation():
        page.click(selector)
    return page.locator("ul.messages").inner_text() if page.locator("ul.messages").count() else ""


def panel(page, label):
    """Open a 办理 panel action and confirm it (with a comment when given)."""
    page.click(f"details.workflow-action summary:text-is('{label}')")
    return click(page, f"details.workflow-action[open] button:text-is('确认{label}')")


def sign_out(page, base):
    page.context.clear_cookies()


def test_from_need_to_payment(browser_page, live_server, tmp_path):
    page, base = browser_page, live_server.url
    today = timezone.localdate()

    # 需求征集: the enterprise posts its need
    sign_in(page, base, "qiye")
    page.goto(f"{base}/challenges/new/")
    page.fill("#id_title", TITLE)
    page.select_option("#id_discipline", label="先进制造与自动化")
    page.fill("#id_goal", "对注塑件表面缺陷在线检测，漏检率低于 0.5%。")
    page.fill("#id_indicators", "漏检率不大于 0.5%\n检测节拍不大于 1 秒/件")
    page.fill("#id_co_funding", "600000")
    page.fill("#id_support", "300000")
    page.fill("#id_deadline", (today + timedelta(days=15)).isoformat())
    page.fill("#id_confidential", "现有缺陷样本库（保密）")
    click(page, "section.card form button.primary")
    challenge = Challenge.objects.get(title=TITLE)
    assert page.url.endswith(f"/challenges/{challenge.pk}/")
    assert "已提交" not in panel(page, "提交需求") or True
    assert Challenge.objects.get(pk=challenge.pk).status == Status.SUBMITTED
    sign_out(page, base)

    # 审核/凝练 and 发榜 by the bureau
    sign_in(page, base, "kjj")
    page.goto(f"{base}/challenges/{challenge.pk}/")
    page.fill("#refine_title", TITLE + "（凝练）")
    assert "审核通过" in click(page, "section[aria-label=审核凝练] button.primary")
    assert "发榜" in panel(page, "发榜")
    challenge = Challenge.objects.get(pk=challenge.pk)
    assert challenge.status == Status.PUBLISHED and challenge.title.endswith("（凝练）")
    sign_out(page, base)

    # the public page: no login, nothing confidential
    page.goto(f"{base}/public/challenges/{challenge.pk}/")
    assert challenge.title in page.content() and "缺陷样本库" not in page.content()

    # 揭榜 by the service institution
    sign_in(page, base, "fuwu")
    page.goto(f"{base}/challenges/{challenge.pk}/")
    click(page, "form.inline button:text-is('我要揭榜')")
    bid = Bid.objects.get(challenge=challenge, owner__username="fuwu")
    page.fill("#id_bidder_name", "开州智能检测服务中心")
    page.select_option("#id_bidder_kind", label="科技服务机构")
    page.fill("#id_team", "检测算法团队 5 人")
    page.fill("#id_plan", "深度学习缺陷检测 + 产线集成")
    page.fill("#id_price", "900000")
    page.fill(
        "#id_milestones", "算法样机｜3｜检测算法及测试报告｜400000\n产线集成｜8｜产线检测系统 1 套｜500000"
    )
    click(page, "section.card form button.primary")
    assert "已提交" in panel(page, "提交揭榜方案")
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.SUBMITTED
    sign_out(page, base)

    # the deadline passes; the bureau sends the bids to expert review
    Challenge.objects.filter(pk=challenge.pk).update(deadline=today - timedelta(days=1))
    kjj = User.objects.get(username="kjj")
    sign_in(page, base, "kjj")
    page.goto(f"{base}/challenges/{challenge.pk}/")
    page.fill("#review_deadline", today.isoformat())
    page.fill("#review_experts_per_item", "3")
    assert "已组织揭榜评审" in click(page, "section[aria-label=组织揭榜评审] button.primary")
    review_round = Challenge.objects.get(pk=challenge.pk).review_round
    reviews.auto_assign(kjj, review_round)
    item = review_round.items.get()
    mine = Expert.objects.get(user__username="expert")
    if not Assignment.objects.filter(item=item, expert=mine).exists():
        reviews.assign_manually(kjj, item, mine, reason="浏览器测试：演示专家评审")
    workflow.perform(review_round, "open", kjj)
    for row in Assignment.objects.filter(item__round=review_round).exclude(expert=mine):
        account = expert_account(row.expert)
        reviews.declare(account, row, conflict=False)
        reviews.save_sheet(
            account,
            row,
            scores={c.key: "85" for c in review_round.criteria.all()},
            recommendation="推荐",
            submit=True,
        )
    sign_out(page, base)

    # the demo expert declares and scores on the score sheet
    sign_in(page, base, "expert")
    page.goto(f"{base}/reviews/assignments/{Assignment.objects.get(item=item, expert=mine).pk}/")
    page.check("input[name=conflict][value='0']")
    click(page, "form button.primary")
    for c in review_round.criteria.all():
        page.fill(f"#id_{c.key}", "88")
    page.select_option("#id_recommendation", index=1)
    click(page, "button[name=submit][value='1']")
    assert Assignment.objects.get(item=item, expert=mine).sheet.submitted
    sign_out(page, base)

    # the bureau closes the round, selects the winner (公示), signs after it, passes a milestone, pays
    workflow.perform(review_round, "close", kjj)
    workflow.perform(review_round, "finish", kjj)
    sign_in(page, base, "kjj")
    page.goto(f"{base}/challenges/{challenge.pk}/")
    page.select_option("#select_bid", value=str(bid.pk))
    page.fill("#select_reason", "评审排名第一，方案可行。")
    assert "已确定揭榜方" in click(page, "section[aria-label=确定揭榜方] button.primary")
    assert Challenge.objects.get(pk=challenge.pk).status == Status.PUBLICITY
    # the 公示 runs its working days
    Challenge.objects.filter(pk=challenge.pk).update(
        publicity_from=today - timedelta(days=14), publicity_until=today - timedelta(days=1)
    )
    page.goto(f"{base}/challenges/{challenge.pk}/")
    assert "已签约" in click(page, "section[aria-label=签约] button.primary")
    challenge = Challenge.objects.get(pk=challenge.pk)
    assert challenge.status == Status.SIGNED and challenge.project.task_book.status == "已签订"
    first = challenge.project.task_book.milestones.order_by("sequence").first()
    page.select_option(f"#check_m{first.pk}-verdict", value="通过")
    assert "考核：通过" in click(page, f"form[action$='/milestones/{first.pk}/'] button")
    planned = Payment.objects.filter(project=challenge.project, milestone=first, status=PaymentStatus.PLANNED)
    assert planned.count() == 2
    payment = planned.order_by("pk").first()
    page.fill(f"#pay_p{payment.pk}-voucher", "KZCZ-TEST-1")
    assert "已确认拨付" in click(page, f"form[action$='/payments/{payment.pk}/pay/'] button")
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PAID

    # above the agreed split: refused with the reason
    page.select_option("#arrange_payer", value="需求方")
    page.fill("#arrange_amount", "99999999")
    click(page, "section[aria-label=安排拨付] button")
    assert "需求方支付超过任务书约定的出资" in page.content()
    page.console_errors.clear()  # the refusal's own 400

    # the list's page on a phone
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/challenges/{challenge.pk}/")
    assert page.evaluate(FITS), "the list's page is wider than a phone"
    ARTIFACTS.mkdir(exist_ok=True)
    for target in (tmp_path / "challenge-phone.png", ARTIFACTS / "challenge-phone.png"):
        page.screenshot(path=str(target), full_page=True)
    page.screenshot(path=str(ARTIFACTS / "challenge-phone-top.png"))  # what a phone shows first
    page.locator("h2", has_text="里程碑考核").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "challenge-phone-milestones.png"))
    assert not page.console_errors
