"""What the system app's URLs answer each demo role (read by the permission matrix,
`kechuang/site/tests/test_permission_matrix.py`): SAMPLES fill a URL's arguments with a demo record, EXPECTED
holds the answers per method and role. A URL of this app without an entry fails the matrix."""

from kechuang.audit.models import ChangeEntry
from kechuang.org.models import User
from kechuang.testing import samples
from kechuang.testing.permissions import ANONYMOUS, BUREAU, EVERYONE, INTERNAL, every, only, page, post_only


def _hanfeng_token():
    from kechuang.org.actions import create_token

    return create_token(_hanfeng(), name="对接")[0]


def _hanfeng():
    return User.objects.get(username="hanfeng")


SAMPLES = {
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
    "departments:list": page(only(*INTERNAL), post=every(405)),
    "departments:detail": page(only(*INTERNAL, tjj=404, hanfeng=404), post=every(405)),  # 区经济信息委
    "departments:create": page(only("sysadmin")),
    "departments:edit": page(only("sysadmin")),
    "users:list": page(only(*BUREAU), post=every(405)),
    "users:create": page(only(*BUREAU)),
    "users:detail": page(only(*BUREAU), post=every(405)),
    "users:edit": page(only(*BUREAU)),
    "org:user_password": page(only(*BUREAU)),
    "org:grant_create": page(only(*BUREAU)),
    "org:grant_revoke": post_only(only(*BUREAU, code=302)),
    "org:profile": page(EVERYONE),
    "audit:changes": page(only(*BUREAU)),
    "audit:change": page(only(*BUREAU)),
    "audit:logins": page(only(*BUREAU)),
    "audit:personal_views": page(only(*BUREAU)),
    "api:revoke_current_token": {"POST": {**every(404), ANONYMOUS: 401}},  # a session is no token
    "org:token_create": post_only(every(200)),  # an empty form answers with its errors
    "org:token_revoke": post_only(only("hanfeng", "sysadmin", "kjj", code=302, others=404)),
    # the organisation: an empty body is refused before anything else (422)
    "api:list_departments": {
        "GET": {**only(*INTERNAL), ANONYMOUS: 401},
        "POST": {**every(422), ANONYMOUS: 401},
    },
    "api:create_departments": {
        "GET": {**only(*INTERNAL), ANONYMOUS: 401},
        "POST": {**every(422), ANONYMOUS: 401},
    },
    "api:get_departments": {
        "GET": {**only(*INTERNAL, tjj=404, hanfeng=404), ANONYMOUS: 401},
        "PATCH": {**every(422), ANONYMOUS: 401},
    },
    "api:update_departments": {
        "GET": {**only(*INTERNAL, tjj=404, hanfeng=404), ANONYMOUS: 401},
        "PATCH": {**every(422), ANONYMOUS: 401},
    },
    "api:list_users": {"GET": {**only(*BUREAU), ANONYMOUS: 401}, "POST": {**every(422), ANONYMOUS: 401}},
    "api:create_users": {"GET": {**only(*BUREAU), ANONYMOUS: 401}, "POST": {**every(422), ANONYMOUS: 401}},
    "api:get_users": {"GET": {**only(*BUREAU), ANONYMOUS: 401}, "PATCH": {**every(422), ANONYMOUS: 401}},
    "api:update_users": {"GET": {**only(*BUREAU), ANONYMOUS: 401}, "PATCH": {**every(422), ANONYMOUS: 401}},
}
