"""需求征集 → 审核/凝练 → 发榜: an enterprise posts its technical need (a draft it completes and submits),
the bureau accepts it — refining its title and goal — returns it with a reason, or declines it, then
publishes the list (the public page, `/public/challenges/`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kechuang.core.context import audit_context
from kechuang.org.actions import ActionRefused
from kechuang.org.models import Department
from kechuang.org.roles import Capability
from kechuang.org.scope import has_capability, may_act_on
from kechuang.workflow import engine as workflow

from .models import Challenge, Status

NEED_FIELDS = (
    "title",
    "discipline",
    "goal",
    "indicators",
    "co_funding",
    "support",
    "deadline",
    "confidential",
    "contact_name",
    "contact_phone",
)
EDITABLE = (Status.DRAFT, Status.RETURNED)


def bureau() -> Department:
    """The department that takes the district's lists (区科技局)."""
    return Department.objects.filter(name="区科技局").order_by("path").first()


def _text(value):
    return value.replace("\r\n", "\n").replace("\r", "\n").strip() if isinstance(value, str) else value


def save_need(
    acting_user, challenge: Challenge | None, *, reason: str = "", enterprise=None, **fields
) -> Challenge:
    """A new need (a draft of the acting enterprise's, `enterprise` one of those it speaks for) or the
    changes to one still in 草稿 / 退回修改 — by its enterprise, or by the bureau."""
    unknown = set(fields) - set(NEED_FIELDS)
    if unknown:
        raise ActionRefused(f"不能在此修改：{'、'.join(sorted(unknown))}。")
    if challenge is None:
        if not has_capability(acting_user, Capability.POST_CHALLENGES):
            raise ActionRefused("您没有发布揭榜需求的权限（企业用户可发布本企业的技术需求）。")
        own = list(acting_user.enterprises.all())
        if enterprise is None and len(own) == 1:
            enterprise = own[0]
        if enterprise is None or enterprise not in own:
            raise ActionRefused("请选择您所代表的企业。")
        challenge = Challenge(enterprise=enterprise, department=bureau(), year=timezone.localdate().year)
    else:
        if not (
            may_act_on(acting_user, challenge, Capability.POST_CHALLENGES)
            or may_act_on(acting_user, challenge, Capability.MANAGE_CHALLENGES)
        ):
            raise ActionRefused("您没有修改该揭榜需求的权限。")
        if challenge.status not in EDITABLE:
            raise ActionRefused(
                f"榜单当前状态为“{challenge.status}”，不能修改（草稿或退回修改的需求才能修改）。"
            )
    for name, value in fields.items():
        setattr(challenge, name, _text(value))
    challenge.full_clean()
    with audit_context(actor=acting_user, reason=reason or "填写揭榜需求"), transaction.atomic():
        if challenge.pk:
            status = (
                Challenge.objects.select_for_update()
                .filter(pk=challenge.pk)
                .values_list("status", flat=True)
                .first()
            )
            if status not in EDITABLE:
                raise ActionRefused(f"榜单的状态已变为“{status}”，不能再修改，请刷新页面。")
        challenge.save()
    return challenge


def may_submit(challenge: Challenge, user) -> str | None:
    today = timezone.localdate()
    missing = [
        label
        for label, value in (("攻关目标", challenge.goal), ("主要技术指标", challenge.indicators))
        if not (value or "").strip()
    ]
    if missing:
        return f"请填写{'、'.join(missing)}。"
    if not challenge.support and not challenge.co_funding:
        return "请填写需求方出资或申请区级支持的金额。"
    if challenge.deadline <= today:
        return f"揭榜截止日期（{challenge.deadline:%Y-%m-%d}）应晚于今天。"
    return None


def may_publish(challenge: Challenge, user) -> str | None:
    if challenge.deadline <= timezone.localdate():
        return f"揭榜截止日期（{challenge.deadline:%Y-%m-%d}）已过，请退回需求方修改截止日期后再发榜。"
    return None


def stamp_published(challenge: Challenge, event) -> None:
    """发榜: the day it was published (a hook of the transition, inside its transaction)."""
    challenge.published_on = timezone.localdate()
    challenge.save(update_fields=["published_on"])


def past_deadline(user, qs):
    return qs.filter(deadline__lt=timezone.localdate())


def accept(
    acting_user, challenge: Challenge, *, title: str, goal: str, comment: str = "", tasks=None
) -> Challenge:
    """审核通过: the bureau's refined title and goal are written with the state, and the plan's tasks the list
    carries out (None: kept as they are)."""
    title, goal = (title or "").strip(), _text(goal or "")
    errors = {}
    if not title:
        errors["title"] = "请填写凝练后的榜单名称。"
    if not goal:
        errors["goal"] = "请填写凝练后的攻关目标。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        challenge = workflow.perform(
            challenge, "accept", acting_user, comment=comment, changes={"title": title, "goal": goal}
        )
        if tasks is not None:
            with audit_context(actor=acting_user, reason="榜单落实的计划任务"):
                challenge.tasks.set(tasks)
    return challenge
