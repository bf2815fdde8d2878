"""The holiday calendar's pages: the system administrator enters, corrects and removes days, and the
working days are counted by them at once; nobody else opens them."""

from datetime import date

import pytest
from django.urls import reverse

from kechuang.audit.models import ChangeEntry
from kechuang.core import workdays
from kechuang.core.models import CalendarDay
from kechuang.org.actions import ActionRefused
from kechuang.system.actions import delete_calendar_day, save_calendar_day

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_calendar():
    workdays.forget()
    yield
    workdays.forget()


def _form(**changes):
    data = {"date": "2031-01-01", "is_workday": "False", "name": "元旦", "note": "", "reason": "国办通知"}
    return {**data, **changes}


def test_the_list_says_whether_the_year_is_known(client_as):
    sysadmin = client_as("sysadmin")
    page = sysadmin.get(reverse("calendar-days:list"), {"year": "2026"})
    assert page.status_code == 200
    assert "2026 年：国务院法定节假日安排已知" in page.content.decode()
    page = sysadmin.get(reverse("calendar-days:list"), {"year": "2031"})
    assert "2031 年：法定安排尚未收录，也没有录入的安排" in page.content.decode()
    # the demo's example: 2027's New Year entered by the administrator
    page = sysadmin.get(reverse("calendar-days:list"), {"year": "2027"})
    text = page.content.decode()
    assert "按录入的 3 条安排计算" in text and "元旦" in text and "该年度未发布" in text


def test_the_administrator_enters_a_day_and_it_is_counted(client_as):
    sysadmin = client_as("sysadmin")
    assert workdays.add_workdays(date(2031, 1, 1), 3) == date(2031, 1, 3)
    answer = sysadmin.post(reverse("calendar-days:create"), _form())
    assert answer.status_code == 302
    day = CalendarDay.objects.get(date=date(2031, 1, 1))
    assert (day.is_workday, day.name) == (False, "元旦")
    entry = ChangeEntry.objects.filter(object_repr=str(day), action="create").get()
    assert entry.reason == "国办通知" and entry.actor.username == "sysadmin"
    # the calendar belongs to no unit: its change is seen where its author works — by that unit's auditor
    assert entry.scope_path == entry.actor.primary_department().path != ""
    from kechuang.audit.models import ChangeEntry as Entry
    from kechuang.org.models import User
    from kechuang.org.scope import visible_to

    assert visible_to(User.objects.get(username="shenji"), Entry.objects.filter(pk=entry.pk)).exists()
    assert workdays.known(2031)
    assert workdays.add_workdays(date(2031, 1, 1), 3) == date(2031, 1, 6)  # Thu, Fri, Mon

    # a working Saturday, then the holiday corrected to a working day
    assert (
        sysadmin.post(
            reverse("calendar-days:create"), _form(date="2031-01-04", is_workday="True", name="调休上班")
        ).status_code
        == 302
    )
    assert workdays.add_workdays(date(2031, 1, 1), 3) == date(2031, 1, 4)
    answer = sysadmin.post(reverse("calendar-days:edit", args=[day.pk]), _form(is_workday="True"))
    assert answer.status_code == 302
    assert workdays.add_workdays(date(2031, 1, 1), 3) == date(2031, 1, 3)

    # removed: the library (here: Monday to Friday) counts again
    answer = sysadmin.post(reverse("calendar-days:delete", args=[day.pk]), {"reason": "录入有误"})
    assert answer.status_code == 302
    assert not CalendarDay.objects.filter(pk=day.pk).exists()


def test_a_date_entered_twice_is_refused(client_as):
    answer = client_as("sysadmin").post(reverse("calendar-days:create"), _form(date="2027-01-01"))
    assert answer.status_code in (200, 400)
    assert "该日期已有记录" in answer.content.decode()
    assert CalendarDay.objects.filter(date=date(2027, 1, 1)).count() == 1


@pytest.mark.parametrize("who", ["kjj", "anquan", "shenji", "qiye"])
def test_others_are_refused(client_as, user, who):
    client = client_as(who)
    day = CalendarDay.objects.get(date=date(2027, 1, 1))
    assert client.get(reverse("calendar-days:list")).status_code == 403
    assert client.post(reverse("calendar-days:create"), _form()).status_code == 403
    assert (
        client.post(reverse("calendar-days:edit", args=[day.pk]), _form(date="2027-01-01")).status_code == 403
    )
    assert not CalendarDay.objects.filter(date=date(2031, 1, 1)).exists()
    with pytest.raises(ActionRefused, match="节假日安排"):
        save_calendar_day(user(who), None, **{"date": date(2031, 1, 1), "is_workday": False, "name": "元旦"})
    with pytest.raises(ActionRefused, match="节假日安排"):
        delete_calendar_day(user(who), day)
    assert CalendarDay.objects.filter(pk=day.pk).exists()
