"""Actions of the administration pages that span the foundation and the registries: an account with
its enterprise link, saved in one transaction; the holiday calendar's days."""

from django.db import transaction

from kechuang.core.context import audit_context
from kechuang.core.models import CalendarDay
from kechuang.enterprises import actions as enterprise_actions
from kechuang.org.actions import ActionRefused, create_user, update_user
from kechuang.org.models import User
from kechuang.org.roles import Capability
from kechuang.org.scope import has_capability


def save_user(
    acting_user: User,
    user: User | None,
    *,
    enterprise_code: str = "",
    password: str = "",
    reason: str = "",
    **fields,
) -> User:
    """Create (`user` None) or update an account, and link it to the enterprise whose credit code is
    given (blank: no enterprise). All in one transaction: a refused code leaves no half-made account
    and no changed one behind."""
    with transaction.atomic():
        if user is None:
            if enterprise_code:  # checked first, so the refusal names the code rather than the account
                enterprise_actions.linkable_enterprise(acting_user, enterprise_code)
            user = create_user(acting_user, password=password, reason=reason, **fields)
            if enterprise_code:
                enterprise_actions.link_account(acting_user, user, enterprise_code, reason=reason)
            return user
        current = user.enterprises.values_list("credit_code", flat=True).first() or ""
        if enterprise_code != current:
            enterprise_actions.link_account(acting_user, user, enterprise_code, reason=reason)
        return update_user(acting_user, user, reason=reason, **fields)


def save_calendar_day(acting_user, day: CalendarDay | None, *, reason: str = "", **fields) -> CalendarDay:
    """Enter (`day` None) or correct a day of the holiday calendar: `system.calendar`. The working days
    are counted by it from the next count on (`core/workdays.py`)."""
    if not has_capability(acting_user, Capability.MANAGE_CALENDAR):
        raise ActionRefused("您没有维护节假日安排的权限。")
    day = day or CalendarDay()
    for name, value in fields.items():
        setattr(day, name, value)
    day.full_clean()  # a date entered twice: 日期：该日期已有记录。
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        day.save()
    return day


def delete_calendar_day(acting_user, day: CalendarDay, *, reason: str = "") -> None:
    """Remove a day entered by mistake: the official arrangement (or Monday to Friday) counts again."""
    if not has_capability(acting_user, Capability.MANAGE_CALENDAR):
        raise ActionRefused("您没有维护节假日安排的权限。")
    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        day.delete()
