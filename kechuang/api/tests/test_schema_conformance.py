"""The API keeps the promises of its own OpenAPI schema (schemathesis): for every operation and requests
generated from the schema — valid and invalid — no answer is a server error, every status code is one the
operation documents, and every body (errors included: `{"detail": "…"}`) matches its documented schema.

The schema is the one `/api/v1/openapi.json` serves a signed-in caller; the requests go in-process to the
WSGI application (`kechuang.wsgi.application`, every middleware included) with an API token of the bureau,
inside the test's transaction (what a generated POST creates is rolled back). Bounded: a few examples per
operation, about a minute in all on SQLite.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kechuang.org.actions import create_token

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 12


@pytest.fixture
def application():
    """The site's WSGI application, kept inside the test's transaction: the real handler closes the
    database connection after each request (as it should between requests), which would end it."""
    from kechuang.wsgi import application

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield application
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# 三员分立: the bureau's registries, the accounts and departments are different people's
CALLERS = ("kjj", "sysadmin")


@pytest.fixture
def tokens(user):
    return {username: create_token(user(username), name="接口一致性测试")[1] for username in CALLERS}


@pytest.fixture
def api_schema(application, tokens):
    return schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", application, headers={"Authorization": f"Bearer {tokens['kjj']}"}
    )


def caller_of(client, tokens, path: str) -> str:
    """The first caller the operation's collection is open to, so no 403 hides its answers."""
    collection = path.split("{", 1)[0].rstrip("/")
    for username in CALLERS:
        response = client.get(collection, HTTP_AUTHORIZATION=f"Bearer {tokens[username]}")
        if response.status_code != 403:
            return username
    return CALLERS[0]


def run_operation(operation, mode, secret):
    """Generated requests of `operation` in `mode`, each sent with the token `secret()` gives."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        case.call_and_validate(headers={"Authorization": f"Bearer {secret()}"}, checks=CHECKS)

    check()


def test_every_answer_is_documented_and_matches_its_schema(api_schema, tokens, user):
    from django.test import Client

    failures, operations, opened = [], 0, set()
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        caller = caller_of(Client(), tokens, operation.path)
        opened.add(caller)
        if operation.path.endswith("/revoke"):
            # revoking the calling token is an operation too: it gets a token of its own each time
            def secret(caller=caller):
                return create_token(user(caller), name="接口一致性测试（吊销）")[1]
        else:

            def secret(caller=caller):
                return tokens[caller]

        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                run_operation(operation, mode, secret)
            except Exception as exc:  # every operation checked, every failure listed
                failures.append(f"{operation.label} ({mode}): {exc}")
    assert operations >= 30 and opened == set(CALLERS)  # the whole API, registries and accounts included
    assert not failures, "\n\n".join(failures)
