"""Signing in: Chinese login page, argon2, password rules, lockout, login log, sessions, CSRF, CSP."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.test import Client

from kechuang.audit.models import LoginEvent
from kechuang.org import actions

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR="10.1.2.3",
        HTTP_USER_AGENT="pytest-browser",
    )


def test_login_page_is_chinese_and_sets_csp(client):
    response = client.get("/accounts/login/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "用户名" in body and "密码" in body and "登录" in body
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"


def test_successful_login_is_logged_with_ip(client, demo_password):
    response = login(client, "jxw", demo_password)
    assert response.status_code == 302 and response["Location"] == "/"
    event = LoginEvent.objects.filter(username="jxw").latest("pk")
    assert event.outcome == "success" and event.ip == "10.1.2.3" and event.user.username == "jxw"
    assert event.user_agent == "pytest-browser"


def test_wrong_password_gives_chinese_error_and_is_logged(client):
    response = login(client, "jxw", "wrong-password")
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    event = LoginEvent.objects.filter(username="jxw").latest("pk")
    assert event.outcome == "failed" and event.user.username == "jxw"


def test_unknown_user_is_logged_without_a_user(client):
    login(client, "nobody-here", "whatever")
    event = LoginEvent.objects.filter(username="nobody-here").latest("pk")
    assert event.outcome == "failed" and event.user is None


def test_account_locks_after_repeated_failures_even_for_the_right_password(client, demo_password):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "hanfeng", "bad-guess-1")
    response = login(client, "hanfeng", demo_password)
    assert response.status_code == 429
    assert "账号已锁定" in response.content.decode()
    assert LoginEvent.objects.filter(username="hanfeng", outcome="locked").exists()
    assert not LoginEvent.objects.filter(username="hanfeng", outcome="success").exists()
    # another account is not affected by hanfeng's lock (accounts, not the shared office address, are locked)
    assert login(Client(), "jxw", demo_password).status_code == 302


def test_passwords_are_hashed_with_argon2(user):
    assert user("kjj").password.startswith("argon2")


@pytest.mark.parametrize(
    "password, message",
    [
        ("short1A!", "密码太短，至少需要 10 个字符。"),
        ("alllowercaseletters", "至少 3 类"),
        ("12345678901234", "密码只包含数字。"),
        ("Password123", "密码过于常见"),
    ],
)
def test_password_rules_refuse_weak_passwords(client_as, dept, password, message):
    response = client_as("sysadmin").post(
        "/org/users/new/",
        {
            "username": "weakling",
            "display_name": "弱密码",
            "departments": [dept("区科技局").pk],
            "password1": password,
            "password2": password,
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not actions.User.objects.filter(username="weakling").exists()


def test_sessions_time_out_when_idle():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_expired_session_sends_user_back_to_login(client, demo_password):
    login(client, "jxw", demo_password)
    assert client.get("/").status_code == 200
    session = client.session
    session.set_expiry(-1)
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_csrf_is_enforced_on_forms(user, dept):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user("sysadmin"), backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        "/org/departments/new/", {"parent": dept().pk, "name": "无令牌单位", "kind": "unit"}
    )
    assert response.status_code == 403
    assert not actions.Department.objects.filter(name="无令牌单位").exists()
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post("/accounts/login/", {"username": "jxw", "password": "x"}).status_code == 403


def test_logout_is_logged(client_as):
    client = client_as("jxw")
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert LoginEvent.objects.filter(username="jxw", outcome="logout").exists()


def test_production_settings_pass_the_deploy_check():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "kechuang.settings_production",
            "KECHUANG_SECRET_KEY": "x7!kq" * 12,
            "KECHUANG_ALLOWED_HOSTS": "kc.kaizhou.gov.cn",
            "KECHUANG_DATA_KEY": Fernet.generate_key().decode(),
            "KECHUANG_AUDIT_KEY": "k2!zq" * 12,
        }
    )
    result = subprocess.run(
        [sys.executable, "-m", "kechuang.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_a_missing_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "KECHUANG_SECRET_KEY"}
    env["DJANGO_SETTINGS_MODULE"] = "kechuang.settings_production"
    result = subprocess.run(
        [sys.executable, "-m", "kechuang.cli", "check"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "KECHUANG_SECRET_KEY" in result.stderr
