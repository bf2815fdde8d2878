"""The vocabulary of the permission matrix (`kechuang/site/tests/test_permission_matrix.py`): the demo roles,
the answers a URL gives them, and `declared()` — the SAMPLES and EXPECTED answers every app keeps beside its
own tests in `tests/permissions.py`, so a new app declares its URLs' answers without editing anything
outside itself.

    EXPECTED = {"projects:edit": page(only("kjj"))}            # 200 for kjj, 403 for every other role
    SAMPLES = {"projects:edit": lambda: {"pk": samples.project().pk}}
"""

from contextlib import contextmanager
from importlib import import_module

ROLES = ["sysadmin", "anquan", "shenji", "kjj", "jxw", "tjj", "hanfeng", "leader", "qiye", "expert", "fuwu"]
ANONYMOUS = "anonymous"
# 三员分立: the system, security and audit administrators see no business data
ADMINS = ("sysadmin", "anquan", "shenji")
INTERNAL = ("kjj", "jxw", "tjj", "hanfeng", "leader")  # the bureau, units and leaders
EXTERNAL = ("qiye", "expert", "fuwu")  # enterprises, experts and service organisations
EXTERNAL_403 = dict.fromkeys(EXTERNAL, 403)  # internal pages refuse external roles before looking up a record
ADMINS_403 = dict.fromkeys(ADMINS, 403)  # business pages refuse the three administrators likewise
DEPARTMENT_VIEWERS = (*INTERNAL, "sysadmin", "shenji")  # the organisation tree
REGISTRY_VIEWERS = (*INTERNAL, "qiye")  # enterprises, platforms, projects
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def only(*allowed, code=200, others=403, **special) -> dict[str, int]:
    """`code` for the roles named, `others` for the rest; keyword arguments name single exceptions."""
    result = {role: (code if role in allowed else others) for role in ROLES}
    result.update(special)
    return result


def every(code: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, code)


EVERYONE = every(200)


def page(get: dict, post: dict | None = None, anonymous: int = 302) -> dict:
    """A page's answers to GET and POST (POST answers as GET unless given)."""
    return {
        "GET": {**get, ANONYMOUS: anonymous},
        "POST": {**(get if post is None else post), ANONYMOUS: anonymous},
    }


def post_only(post: dict) -> dict:
    """An action URL: POST only, GET refused with 405 (anonymous visitors still go to the login page)."""
    return page(only(code=405, others=405), post)


def endpoint(get: dict) -> dict:
    """An API operation declared for GET."""
    return {"GET": {**get, ANONYMOUS: 401}}


USER_ADMINS = ("sysadmin",)  # accounts, departments, grants
AUDITORS = ("shenji",)  # the change and login logs
REGISTRY_LIST_API = {  # a registry's list and create (an empty body is refused before anything else)
    "GET": {**only(*REGISTRY_VIEWERS), ANONYMOUS: 401},
    "POST": {**every(422), ANONYMOUS: 401},
}


def declared() -> tuple[dict, dict]:
    """(SAMPLES, EXPECTED) of every installed app of the project; a case declared twice is an error."""
    from django.apps import apps

    samples: dict = {}
    expected: dict = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("kechuang."):
            continue
        name = f"{config.name}.tests.permissions"
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name not in (name, f"{config.name}.tests"):
                raise
            continue
        for table, found in (
            (samples, getattr(module, "SAMPLES", {})),
            (expected, getattr(module, "EXPECTED", {})),
        ):
            for case, value in found.items():
                if case in table:
                    raise AssertionError(f"{case}: declared twice (again in {name})")
                table[case] = value
    return samples, expected


@contextmanager
def rolled_back(role: str):
    """A client signed in as `role` (or anonymous) in a savepoint: whatever its requests change is
    rolled back when the block ends."""
    from django.db import transaction
    from django.test import Client

    from kechuang.org.models import User

    with transaction.atomic():
        client = Client()
        if role != ANONYMOUS:
            user = User.objects.get(username=role)
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        yield client
        transaction.set_rollback(True)
