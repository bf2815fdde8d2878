"""What the platforms app's URLs answer each demo role (read by the permission matrix,
`kechuang/site/tests/test_permission_matrix.py`): SAMPLES fill a URL's arguments with a demo record, EXPECTED
holds the answers per method and role. A URL of this app without an entry fails the matrix."""

from kechuang.platforms.models import Institution
from kechuang.testing.permissions import (
    ADMINS_403,
    ANONYMOUS,
    REGISTRY_LIST_API,
    REGISTRY_VIEWERS,
    every,
    only,
    page,
)

PLATFORM_SEERS = ("kjj", "hanfeng", "leader")  # the sample platform is in 汉丰街道

PLATFORM_RECORD_API = {
    "GET": {**only(*PLATFORM_SEERS, others=404, expert=403, fuwu=403, **ADMINS_403), ANONYMOUS: 401},
    "PATCH": {**every(422), ANONYMOUS: 401},
}


def _hanfeng_platform():
    return Institution.objects.filter(town__name="汉丰街道").order_by("pk").first()


SAMPLES = {
    "platforms:detail": lambda: {"pk": _hanfeng_platform().pk},
    "platforms:edit": lambda: {"pk": _hanfeng_platform().pk},
    "platforms:delete": lambda: {"pk": _hanfeng_platform().pk},
    "api:get_platforms": lambda: {"record_id": _hanfeng_platform().pk},
    "api:update_platforms": lambda: {"record_id": _hanfeng_platform().pk},
}

EXPECTED = {
    "platforms:list": page(only(*REGISTRY_VIEWERS), post=every(405)),
    "platforms:create": page(only("kjj")),  # recognitions are the bureau's
    "platforms:detail": page(
        only(*PLATFORM_SEERS, others=404, expert=403, fuwu=403, **ADMINS_403), post=every(405)
    ),
    "platforms:edit": page(only("kjj")),
    "platforms:delete": page(only("kjj"), post=only("kjj", code=302)),  # deleted, back to the list
    # one path per registry for list + create, one for detail + update (an empty body is refused: 422)
    "api:list_platforms": REGISTRY_LIST_API,
    "api:create_platforms": REGISTRY_LIST_API,
    "api:get_platforms": PLATFORM_RECORD_API,
    "api:update_platforms": PLATFORM_RECORD_API,
}
