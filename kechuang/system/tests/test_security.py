"""Accounts an attacker cannot lock, addresses that cannot spray, passwords a guesser tries first, sessions
with an end, and the three administrator duties held by three people (三员分立)."""

import time

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from kechuang.org import actions
from kechuang.org.models import Department, RoleGrant, User
from kechuang.org.roles import Capability, Role
from kechuang.org.scope import has_capability, holders
from kechuang.workflow.models import Notification

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def attempt(username, password, address):
    return Client(REMOTE_ADDR=address).post(LOGIN, {"username": username, "password": password})


def test_failures_from_other_addresses_do_not_lock_the_real_user_out(demo_password):
    for n in range(5):
        attempt("leader", "错误的密码", f"10.9.0.{n + 1}")  # five attempts from five other addresses
    own = attempt("leader", demo_password, "10.20.30.40")  # the leader at their own desk
    assert own.status_code == 302 and own["Location"] == "/"
    for _ in range(5):
        attempt("jxw", "错误的密码", "10.9.1.1")  # five from one address lock that account there
    assert attempt("jxw", demo_password, "10.9.1.1").status_code != 302
    assert attempt("jxw", demo_password, "10.20.30.41").status_code == 302


def test_one_address_trying_many_accounts_is_throttled_and_reported(settings, demo_password):
    settings.LOGIN_THROTTLE_FAILURES = 20
    officers = {u.pk for u in holders(Capability.MANAGE_SECURITY)}
    assert officers, "the demo has a security officer"
    names = ["kjj", "jxw", "tjj", "hanfeng", "leader", "qiye", "expert", "fuwu"]
    answers = [attempt(names[n % 8], f"Guess{n}!", "10.66.0.9").status_code for n in range(24)]
    assert answers[:20] == [200] * 20 and answers[20:] == [429] * 4
    refused = attempt("kjj", demo_password, "10.66.0.9")  # even a right password waits out the window
    assert refused.status_code == 429 and "该网络地址登录失败次数过多" in refused.content.decode()
    assert attempt("kjj", demo_password, "10.66.0.10").status_code == 302  # other addresses are not
    alerts = Notification.objects.filter(kind="password_spray")
    assert {a.user_id for a in alerts} == officers and alerts.count() == len(officers)  # once per window
    assert "10.66.0.9" in alerts.first().title


@pytest.mark.parametrize(
    "password",
    ["Password123!", "P@ssw0rd", "Admin@2024", "Woaini@1314", "Qwerty123456!", "@Kaizhou2021"],
)
def test_common_passwords_are_refused_after_folding(password, user):
    with pytest.raises(ValidationError) as refused:
        actions.set_password(user("sysadmin"), user("hanfeng"), password)
    assert "常见" in str(refused.value)


def test_a_password_built_from_the_username_is_refused(user):
    for password in ("Hanfeng#2031x", "gnefnah@Z2031"):
        with pytest.raises(ValidationError, match="用户名"):
            actions.set_password(user("sysadmin"), user("hanfeng"), password)
    actions.set_password(user("sysadmin"), user("hanfeng"), "Lu-Qiao#7731xz")  # an unremarkable one passes
    assert User.objects.get(username="hanfeng").check_password("Lu-Qiao#7731xz")


def test_a_session_ends_twelve_hours_after_sign_in_however_active(client_as, settings):
    from kechuang.system.middleware import SIGNED_IN_AT

    client = client_as("kjj")
    assert client.get("/").status_code == 200
    session = client.session
    session[SIGNED_IN_AT] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 60
    session.save()
    response = client.get("/plans/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "登录已超过 12 小时" in client.get(response["Location"]).content.decode()
    assert client.get("/").status_code == 302  # signed out


def test_no_account_holds_two_of_the_three_administrator_duties(user):
    sysadmin = user("sysadmin")
    district = Department.objects.get_parent(user("kjj").primary_department())
    actions.grant_role(
        sysadmin, user("hanfeng"), role=Role.SECURITY_ADMIN, scope="subtree", department=district
    )
    with pytest.raises(ValidationError, match="三员分立：该用户已是安全管理员"):
        actions.grant_role(
            sysadmin, user("hanfeng"), role=Role.AUDIT_ADMIN, scope="subtree", department=district
        )
    shenji = user("shenji")
    with pytest.raises(ValidationError, match="三员分立：该用户已是审计管理员"):
        actions.grant_role(sysadmin, shenji, role=Role.SECURITY_ADMIN, scope="subtree", department=district)
    assert not RoleGrant.objects.filter(user=shenji, role=Role.SECURITY_ADMIN).exists()


def test_the_duties_are_apart(user):
    sysadmin, anquan, shenji, kjj = user("sysadmin"), user("anquan"), user("shenji"), user("kjj")
    assert has_capability(sysadmin, Capability.MANAGE_USERS)
    assert not has_capability(sysadmin, Capability.VIEW_ENTERPRISES)  # no business data
    assert not has_capability(sysadmin, Capability.VIEW_AUDIT)
    assert has_capability(anquan, Capability.MANAGE_SECURITY) and not has_capability(
        anquan, Capability.MANAGE_USERS
    )
    assert has_capability(shenji, Capability.VIEW_AUDIT) and not has_capability(
        shenji, Capability.MANAGE_USERS
    )
    assert not has_capability(kjj, Capability.MANAGE_USERS) and not has_capability(kjj, Capability.VIEW_AUDIT)
    assert has_capability(kjj, Capability.CHANGE_ENTERPRISES)


def test_the_security_officer_lifts_a_lockout_with_a_reason(client_as, demo_password):
    from kechuang.audit.models import ChangeEntry

    for _ in range(5):
        attempt("tjj", "错误的密码", "10.9.2.2")
    assert attempt("tjj", demo_password, "10.9.2.2").status_code != 302
    officer = client_as("anquan")
    page = officer.get("/security/lockouts/").content.decode()
    assert "tjj" in page and "10.9.2.2" in page
    from axes.models import AccessAttempt

    locked = AccessAttempt.objects.get(username="tjj", ip_address="10.9.2.2")
    officer.post(f"/security/lockouts/{locked.pk}/unlock/", {"reason": ""})
    assert AccessAttempt.objects.filter(pk=locked.pk).exists()  # no reason, no unlock
    officer.post(f"/security/lockouts/{locked.pk}/unlock/", {"reason": "已电话核实为本人"})
    assert attempt("tjj", demo_password, "10.9.2.2").status_code == 302
    entry = ChangeEntry.objects.get(reason="已电话核实为本人")
    assert entry.before["username"] == "tjj" and entry.actor.username == "anquan"
    assert client_as("sysadmin").get("/security/lockouts/").status_code == 403
