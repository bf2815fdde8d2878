"""What the system app's URLs answer each demo role (read by the permission matrix,
`kechuang/site/tests/test_permission_matrix.py`): SAMPLES fill a URL's arguments with a demo record, EXPECTED
holds the answers per method and role. A URL of this app without an entry fails the matrix."""

from kechuang.audit.models import ChangeEntry
from kechuang.core.models import CalendarDay
from kechuang.org.models import User
from kechuang.testing import samples
from kechuang.testing.permissions import (
    ANONYMOUS,
    AUDITORS,
    DEPARTMENT_VIEWERS,
    EVERYONE,
    USER_ADMINS,
    endpoint,
    every,
    only,
    page,
    post_only,
)


def _hanfeng_token():
    from kechuang.org.actions import create_token

    return create_token(_hanfeng(), name="对接")[0]


def _hanfeng():
    return User.objects.get(username="hanfeng")


def _lockout():
    from axes.models import AccessAttempt

    return AccessAttempt.objects.create(
        username="leader",
        ip_address="10.9.9.9",
        user_agent="",
        failures_since_start=5,
        get_data="",
        post_data="",
    )


def _calendar_day():
    """The demo's example entry: 2027-01-01, 元旦."""
    return CalendarDay.objects.get(date="2027-01-01")


SAMPLES = {
    "calendar-days:detail": lambda: {"pk": _calendar_day().pk},
    "calendar-days:edit": lambda: {"pk": _calendar_day().pk},
    "calendar-days:delete": lambda: {"pk": _calendar_day().pk},
    "api:get_calendar-days": lambda: {"record_id": _calendar_day().pk},
    "security:unlock": lambda: {"pk": _lockout().pk},
    "security:second_factor_reset": lambda: {"pk": _hanfeng().pk},
    "departments:detail": lambda: {"pk": samples.department("区经济信息委").pk},
    "departments:edit": lambda: {"pk": samples.department("区经济信息委").pk},
    "users:detail": lambda: {"pk": _hanfeng().pk},
    "users:edit": lambda: {"pk": _hanfeng().pk},
    "org:user_password": lambda: {"pk": _hanfeng().pk},
    "org:grant_create": lambda: {"pk": _hanfeng().pk},
    "org:grant_revoke": lambda: {"pk": _hanfeng().grants.first().pk},
    "audit:change": lambda: {
        "pk": ChangeEntry.objects.filter(object_repr="区经济信息委", action="create").first().pk
    },
    "org:token_revoke": lambda: {"pk": _hanfeng_token().pk},
    "api:get_departments": lambda: {"record_id": samples.department("区经济信息委").pk},
    "api:update_departments": lambda: {"record_id": samples.department("区经济信息委").pk},
    "api:get_users": lambda: {"record_id": _hanfeng().pk},
    "api:update_users": lambda: {"record_id": _hanfeng().pk},
}

EXPECTED = {
    # the security officer's page (三员分立: nobody else's)
    "security:lockouts": page(only("anquan")),
    "security:unlock": post_only(only("anquan", code=302)),  # no reason given: back with a message
    "security:second_factor": page(only("anquan")),
    "security:second_factor_reset": post_only(only("anquan", code=302)),  # no reason: back with a message
    # the second factor's own pages: nothing to verify without an authenticator (on to the next page),
    # anyone may set one up, switching off without a code goes back to 我的账号 with the reason
    "otp:verify": page(every(302)),
    "otp:setup": page(EVERYONE),
    "otp:disable": post_only(every(302)),
    "departments:list": page(only(*DEPARTMENT_VIEWERS), post=every(405)),
    "departments:detail": page(
        only(*DEPARTMENT_VIEWERS, tjj=404, hanfeng=404), post=every(405)
    ),  # 区经济信息委
    "departments:create": page(only("sysadmin")),
    "departments:edit": page(only("sysadmin")),
    # the holiday calendar: the system administrator's (system.calendar)
    "calendar-days:list": page(only("sysadmin"), post=every(405)),
    "calendar-days:create": page(only("sysadmin")),
    "calendar-days:detail": page(only("sysadmin"), post=every(405)),
    "calendar-days:edit": page(only("sysadmin")),
    "calendar-days:delete": page(only("sysadmin"), post=only("sysadmin", code=302)),  # back to the list
    "api:list_calendar-days": endpoint(only("sysadmin")),
    "api:get_calendar-days": endpoint(only("sysadmin")),
    "users:list": page(only(*USER_ADMINS), post=every(405)),
    "users:create": page(only(*USER_ADMINS)),
    "users:detail": page(only(*USER_ADMINS), post=every(405)),
    "users:edit": page(only(*USER_ADMINS)),
    "org:user_password": page(only(*USER_ADMINS)),
    "org:grant_create": page(only(*USER_ADMINS)),
    "org:grant_revoke": post_only(only(*USER_ADMINS, code=302)),
    "org:profile": page(EVERYONE),
    "audit:changes": page(only(*AUDITORS)),
    "audit:change": page(only(*AUDITORS)),
    "audit:logins": page(only(*AUDITORS)),
    "audit:personal_views": page(only(*AUDITORS)),
    "api:revoke_current_token": {"POST": {**every(404), ANONYMOUS: 401}},  # a session is no token
    "org:token_create": post_only(every(200)),  # an empty form answers with its errors
    "org:token_revoke": post_only(only("hanfeng", "sysadmin", code=302, others=404)),
    # the organisation: an empty body is refused before anything else (422)
    "api:list_departments": {
        "GET": {**only(*DEPARTMENT_VIEWERS), ANONYMOUS: 401},
        "POST": {**every(422), ANONYMOUS: 401},
    },
    "api:create_departments": {
        "GET": {**only(*DEPARTMENT_VIEWERS), ANONYMOUS: 401},
        "POST": {**every(422), ANONYMOUS: 401},
    },
    "api:get_departments": {
        "GET": {**only(*DEPARTMENT_VIEWERS, tjj=404, hanfeng=404), ANONYMOUS: 401},
        "PATCH": {**every(422), ANONYMOUS: 401},
    },
    "api:update_departments": {
        "GET": {**only(*DEPARTMENT_VIEWERS, tjj=404, hanfeng=404), ANONYMOUS: 401},
        "PATCH": {**every(422), ANONYMOUS: 401},
    },
    "api:list_users": {"GET": {**only(*USER_ADMINS), ANONYMOUS: 401}, "POST": {**every(422), ANONYMOUS: 401}},
    "api:create_users": {
        "GET": {**only(*USER_ADMINS), ANONYMOUS: 401},
        "POST": {**every(422), ANONYMOUS: 401},
    },
    "api:get_users": {"GET": {**only(*USER_ADMINS), ANONYMOUS: 401}, "PATCH": {**every(422), ANONYMOUS: 401}},
    "api:update_users": {
        "GET": {**only(*USER_ADMINS), ANONYMOUS: 401},
        "PATCH": {**every(422), ANONYMOUS: 401},
    },
}
