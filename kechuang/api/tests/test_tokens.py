"""API tokens: a token acts exactly as its user (scope, capabilities, audit) until it expires, is revoked
or its user is deactivated; the schema documents every error answer and is for signed-in callers only."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from kechuang.audit.models import ChangeEntry
from kechuang.org import actions, tokens
from kechuang.org.models import ApiToken, Department, User
from kechuang.plans.models import Plan

pytestmark = pytest.mark.django_db


def bearer(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def new_token(username: str, **kwargs) -> tuple[ApiToken, str]:
    account = User.objects.get(username=username)
    return actions.create_token(account, name="数据同步", **kwargs)


def test_only_the_digest_and_a_prefix_are_stored(user):
    token, secret = new_token("kjj", days=30)
    assert secret.startswith("kc_") and len(secret) == 3 + 43
    token.refresh_from_db()
    assert token.secret_hash == tokens.digest(secret) != secret
    assert token.prefix == secret[:11] and secret not in json.dumps(
        list(ApiToken.objects.filter(pk=token.pk).values())[0], default=str
    )
    assert timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= timedelta(days=30)
    # the audit entry of the creation names the user and carries neither the secret nor its digest
    entry = ChangeEntry.objects.get(content_type__model="apitoken", object_id=str(token.pk), action="create")
    assert entry.actor == user("kjj") and entry.after["secret_hash"] == "******"
    logged = json.dumps(entry.after, ensure_ascii=False)
    assert token.secret_hash not in logged and secret not in logged and secret[11:] not in logged


@pytest.mark.parametrize("days", [0, 366])
def test_expiry_is_required_within_a_year(days):
    with pytest.raises(actions.ValidationError):
        new_token("kjj", days=days)


@pytest.mark.parametrize("username", ["sysadmin", "hanfeng"])
def test_a_token_sees_exactly_its_users_scope(username, client_as, dept, user):
    _, secret = new_token(username)
    session, token = client_as(username), bearer(secret)
    urls = [
        "/api/v1/plans",
        f"/api/v1/plans/{Plan.objects.get().pk}",
        "/api/v1/departments",
        f"/api/v1/departments/{dept('汉丰街道').pk}",
        f"/api/v1/departments/{dept('区科技局').pk}",
        f"/api/v1/users/{user('hanfeng').pk}",
        "/api/v1/metrics",
        "/api/v1/cockpit?as_of=2023-06-30",
    ]
    for url in urls:
        by_session, by_token = session.get(url), token.get(url)
        assert (by_token.status_code, by_token.json()) == (by_session.status_code, by_session.json()), url
    departments = token.get("/api/v1/departments").json()["results"]
    if username == "sysadmin":
        assert len(departments) == Department.objects.count() - 1  # the district and everything under it
        assert token.get(f"/api/v1/users/{user('hanfeng').pk}").status_code == 200
    else:
        assert [d["name"] for d in departments] == ["汉丰街道"]
        assert token.get(f"/api/v1/departments/{dept('区科技局').pk}").status_code == 404


def test_a_token_without_the_capability_gets_403(user):
    _, secret = new_token("hanfeng")
    response = bearer(secret).get(f"/api/v1/users/{user('kjj').pk}")
    assert response.status_code == 403 and response.json() == {"detail": "您没有访问该接口的权限。"}


def test_who_am_i_names_the_user_and_the_token():
    token, secret = new_token("hanfeng")
    data = bearer(secret).get("/api/v1/me").json()
    assert data["username"] == "hanfeng" and data["authenticated_by"] == "token"
    assert data["token"]["prefix"] == token.prefix and "secret_hash" not in data["token"]


def _refused(client, detail):
    response = client.get("/api/v1/plans")
    assert response.status_code == 401, response.content
    assert response.json() == {"detail": detail}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoked_expired_and_deactivated_tokens_are_refused(user):
    token, secret = new_token("hanfeng")
    assert bearer(secret).get("/api/v1/plans").status_code == 200
    actions.revoke_token(user("hanfeng"), token)
    _refused(bearer(secret), "API 令牌已被吊销。")

    token, secret = new_token("hanfeng")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    _refused(bearer(secret), "API 令牌已过期，请重新创建。")

    _, secret = new_token("hanfeng")
    actions.update_user(
        user("sysadmin"),
        user("hanfeng"),
        display_name="韩峰",
        phone="",
        is_active=False,
        departments=[m.department for m in user("hanfeng").memberships.all()],
    )
    _refused(bearer(secret), "该令牌所属账号已停用。")


def test_unknown_token_and_missing_credentials_are_401(client_as):
    _, secret = new_token("kjj")
    _refused(bearer(secret[:-1] + ("A" if secret[-1] != "A" else "B")), "API 令牌无效。")
    _refused(bearer("not-a-token"), "API 令牌无效。")
    _refused(Client(), "未登录：请先登录，或在请求头 Authorization: Bearer <令牌> 中提供 API 令牌。")
    # a bad token is refused even next to a valid session: it never falls back silently
    session = client_as("kjj")
    assert session.get("/api/v1/plans", HTTP_AUTHORIZATION="Bearer kc_wrong-token-xyz").status_code == 401


def test_last_use_is_written_at_most_once_a_minute(django_assert_num_queries):
    token, secret = new_token("kjj")
    client = bearer(secret)
    client.get("/api/v1/me")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and token.last_used_ip == "127.0.0.1"
    client.get("/api/v1/me")
    token.refresh_from_db()
    assert token.last_used_at == first  # within the minute: no write
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get("/api/v1/me")
    token.refresh_from_db()
    assert token.last_used_at > first
    # usage stamps are not changes: nothing in the audit log after the creation
    assert list(
        ChangeEntry.objects.filter(content_type__model="apitoken", object_id=str(token.pk)).values_list(
            "action", flat=True
        )
    ) == ["create"]


def test_a_change_made_with_a_token_is_audited_as_its_user_from_the_api(user):
    token, secret = new_token("hanfeng")
    # a token request carries no cookie: no CSRF token needed for a write
    response = bearer(secret).post("/api/v1/tokens/current/revoke", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200 and response.json()["revoked_at"]
    entry = ChangeEntry.objects.get(content_type__model="apitoken", object_id=str(token.pk), action="update")
    assert entry.actor == user("hanfeng") and entry.actor_label == str(user("hanfeng"))
    assert entry.source == "api" and entry.ip == "10.1.2.3" and entry.request_id == response["X-Request-ID"]
    assert entry.changed_fields == ["revoked_at", "revoked_by_id"] and entry.after["secret_hash"] == "******"
    assert entry.reason == "通过接口吊销本令牌"
    _refused(bearer(secret), "API 令牌已被吊销。")


def test_session_writes_keep_the_csrf_check(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user("kjj"), backend="django.contrib.auth.backends.ModelBackend")
    response = client.post("/api/v1/tokens/current/revoke")
    assert response.status_code == 403 and "CSRF 校验失败" in response.json()["detail"]
    client.get("/org/profile/")  # sets the CSRF cookie
    response = client.post(
        "/api/v1/tokens/current/revoke", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value
    )
    assert response.status_code == 404 and response.json() == {"detail": "本次请求未使用 API 令牌。"}


def test_validation_errors_name_the_field_in_chinese(client_as):
    client = client_as("kjj")
    response = client.get("/api/v1/metrics/plans.tasks_completed")
    assert response.status_code == 422
    assert response.json() == {
        "detail": "查询参数“period”必须填写。",
        "errors": [{"field": "period", "location": "query", "message": "必须填写"}],
    }
    response = client.get("/api/v1/metrics/plans.tasks_completed", {"period": "2021", "scope": "汉丰"})
    assert response.status_code == 422 and response.json()["detail"] == "查询参数“scope”应为整数。"


def test_schema_documents_every_error_and_the_bearer_scheme(client_as):
    schema = client_as("kjj").get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    assert components["ErrorOut"]["properties"]["detail"]["type"] == "string"
    assert "errors" in components["ValidationErrorOut"]["properties"]
    schemes = schema["components"]["securitySchemes"]
    assert schemes["ApiTokenAuth"] == {"type": "http", "scheme": "bearer"}
    operations = [(path, method, op) for path, ops in schema["paths"].items() for method, op in ops.items()]
    assert len(operations) >= 11
    for path, method, operation in operations:
        responses = operation["responses"]
        for status in ("401", "403", "404", "422"):
            assert status in responses, (path, method, status)
            ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
            assert "detail" in components[ref.rsplit("/", 1)[1]]["properties"], (path, method, status)
            assert any("\u4e00" <= ch <= "\u9fff" for ch in responses[status]["description"])
        assert {"ApiTokenAuth": []} in operation["security"], (path, method)


def test_schema_and_docs_are_for_signed_in_callers(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 401 and "未登录" in response.json()["detail"]
    response = client.get("/api/v1/docs")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    _, secret = new_token("hanfeng")
    assert "/api/v1/me" in bearer(secret).get("/api/v1/openapi.json").json()["paths"]
    assert bearer("kc_wrong-token-xyz").get("/api/v1/openapi.json").status_code == 401


def test_a_token_request_runs_under_its_users_audit_context(rf, user):
    """Whatever a token request changes — through an action or not — is written in the user's name."""
    from kechuang.api.security import ApiTokenAuth
    from kechuang.audit.middleware import AuditContextMiddleware
    from kechuang.core import context

    _, secret = new_token("hanfeng")
    seen = {}

    def view(request):
        ApiTokenAuth()(request)
        seen["ctx"] = context.current()
        return HttpResponse()

    request = rf.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}", REMOTE_ADDR="10.9.8.7")
    request.user = AnonymousUser()
    AuditContextMiddleware(view)(request)
    ctx = seen["ctx"]
    assert ctx.resolved_actor() == user("hanfeng") and ctx.actor_label == str(user("hanfeng"))
    assert ctx.source == "api" and ctx.ip == "10.9.8.7" and ctx.request_id == request.request_id
    assert context.current().actor is None  # gone with the request
