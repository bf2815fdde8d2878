"""This app's part of `kechuang demo`: example entries of the holiday calendar."""

from datetime import date

from django.db import transaction

from kechuang.core.context import audit_context
from kechuang.core.models import CalendarDay

# an example of days entered by the administrator, in a year the pinned chinesecalendar does not know
EXAMPLE_NOTE = "示例数据：管理员录入的节假日安排示例，请以国务院办公厅通知为准。"
EXAMPLE_DAYS = [
    (date(2027, 1, 1), False, "元旦"),
    (date(2027, 1, 2), False, "元旦"),
    (date(2027, 1, 3), False, "元旦"),
]


@transaction.atomic
def load_demo(plan=None) -> None:
    """The 2027 New Year holiday as an example of the calendar (idempotent)."""
    from kechuang.org.models import User

    sysadmin = User.objects.filter(username="sysadmin").first()
    with audit_context(actor=sysadmin, reason="演示数据"):
        for day, is_workday, name in EXAMPLE_DAYS:
            CalendarDay.objects.get_or_create(
                date=day, defaults={"is_workday": is_workday, "name": name, "note": EXAMPLE_NOTE}
            )
