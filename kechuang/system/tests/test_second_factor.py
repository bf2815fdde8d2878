"""The second factor (TOTP): administrators enrol and pass it when the setting says so, anyone may enrol,
a code signs in once, wrong codes slow down and alert, a security officer resets a lost phone — all in
the audit and login logs."""

import time

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from kechuang.audit.models import ChangeEntry, LoginEvent
from kechuang.workflow.models import Notification

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
VERIFY = "/accounts/otp/"
SETUP = "/accounts/otp/setup/"


def code(device, offset_steps=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():06d}"


def a_minute_later(monkeypatch):
    """The server's clock a minute on (the codes of the last steps are used up): its codes are two steps on."""
    from types import SimpleNamespace

    import django_otp.plugins.otp_totp.models as totp_models

    monkeypatch.setattr(totp_models, "time", SimpleNamespace(time=lambda: time.time() + 60))


def sign_in(username, password, address="10.1.2.3"):
    client = Client(REMOTE_ADDR=address)
    answer = client.post(LOGIN, {"username": username, "password": password})
    assert answer.status_code == 302, answer.content.decode()[:500]
    return client


@pytest.fixture
def enforced(settings):
    settings.KECHUANG_ADMIN_OTP = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the waits are tested on their own below
    return settings


def enrol(client, username):
    page = client.get(SETUP)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    used = code(device)
    answer = client.post(SETUP, {"code": used, "next": "/"})
    assert answer.status_code == 302 and answer["Location"] == "/"
    device = TOTPDevice.objects.get(pk=device.pk)
    device.used_code = used  # the code the enrolment spent, whichever 30-second step the clock is in now
    return device


def test_an_enforced_administrator_enrols_before_any_page_and_passes_at_each_sign_in(enforced, demo_password):
    client = sign_in("sysadmin", demo_password)
    home = client.get("/")
    assert home.status_code == 302 and home["Location"].startswith(VERIFY)
    assert client.get(home["Location"])["Location"].startswith(SETUP)  # nothing to verify yet: set one up
    assert client.get("/org/users/").status_code == 302  # every page, not just home
    api = client.get("/api/v1/departments")
    assert api.status_code == 401 and "动态口令" in api.json()["detail"]

    page = client.get(SETUP)
    text = page.content.decode()
    assert "<svg" in text and "管理员账号须使用动态口令" in text
    device = TOTPDevice.objects.get(user__username="sysadmin", confirmed=False)
    assert client.get(SETUP).status_code == 200  # a reload keeps the same secret
    assert TOTPDevice.objects.filter(user__username="sysadmin").count() == 1
    secret = "".join(text.split('密钥：<span class="mono">')[1].split("</span>")[0].split())
    from base64 import b32encode

    assert secret == b32encode(device.bin_key).decode()

    wrong = client.post(SETUP, {"code": "000000" if code(device) != "000000" else "111111"})
    assert wrong.status_code == 200 and "动态口令不正确" in wrong.content.decode()
    refused = client.post(SETUP, {"code": "12ab"})
    assert "6 位数字" in refused.content.decode()
    used = enrol(client, "sysadmin").used_code
    assert client.get("/org/users/").status_code == 200
    assert client.get("/api/v1/departments").status_code == 200

    # the next sign-in asks for the code; the code just used does not sign in twice
    again = sign_in("sysadmin", demo_password)
    assert again.get("/")["Location"].startswith(VERIFY)
    replay = again.post(VERIFY, {"code": used, "next": "/org/users/"})
    assert replay.status_code == 200 and "已使用过" in replay.content.decode()
    passed = again.post(VERIFY, {"code": code(device, offset_steps=1), "next": "/org/users/"})
    assert passed.status_code == 302 and passed["Location"] == "/org/users/"
    assert again.get("/org/users/").status_code == 200

    events = list(LoginEvent.objects.filter(username="sysadmin").values_list("outcome", flat=True))
    assert events.count(LoginEvent.Outcome.OTP_PASSED) == 2 and LoginEvent.Outcome.OTP_FAILED in events
    entry = ChangeEntry.objects.filter(
        object_repr__contains="sysadmin", changed_fields=["second_factor"]
    ).get()
    assert entry.before == {"second_factor": "未启用"} and entry.after == {"second_factor": "已启用"}
    assert device.key not in str(entry.before) + str(entry.after)


def test_verify_refuses_an_outside_next_address(enforced, demo_password):
    client = sign_in("anquan", demo_password)
    device = enrol(client, "anquan")
    client = sign_in("anquan", demo_password)
    answer = client.post(VERIFY, {"code": code(device, 1), "next": "https://evil.example/"})
    assert answer.status_code == 302 and answer["Location"] == "/"


def test_business_accounts_are_not_asked_unless_they_enrolled(enforced, demo_password, monkeypatch):
    client = sign_in("leader", demo_password)
    assert client.get("/").status_code == 200
    assert client.get(VERIFY)["Location"] == "/"  # nothing to pass
    device = enrol(client, "leader")  # optional for anyone, from 我的账号
    client = sign_in("leader", demo_password)
    assert client.get("/")["Location"].startswith(VERIFY)
    assert client.post(VERIFY, {"code": code(device, 1)}).status_code == 302
    assert client.get("/").status_code == 200

    # switched off with a current code: the next sign-in asks nothing
    profile = client.get("/org/profile/").content.decode()
    assert "停用动态口令" in profile
    a_minute_later(monkeypatch)
    client.post("/accounts/otp/disable/", {"code": code(device, 2)})
    assert not TOTPDevice.objects.filter(user__username="leader").exists()
    assert sign_in("leader", demo_password).get("/").status_code == 200


def test_without_the_setting_administrators_enrol_by_choice(settings, demo_password):
    settings.KECHUANG_ADMIN_OTP = False
    client = sign_in("shenji", demo_password)
    assert client.get("/").status_code == 200
    assert "启用动态口令" in client.get("/org/profile/").content.decode()


def test_an_enforced_administrator_cannot_switch_it_off(enforced, demo_password):
    client = sign_in("shenji", demo_password)
    device = enrol(client, "shenji")
    answer = client.post("/accounts/otp/disable/", {"code": code(device, 1)}, follow=True)
    assert "不能停用" in answer.content.decode()
    assert TOTPDevice.objects.filter(user__username="shenji", confirmed=True).exists()


def test_replacing_the_authenticator_needs_the_current_one(enforced, demo_password):
    client = sign_in("sysadmin", demo_password)
    old = enrol(client, "sysadmin")
    fresh = sign_in("sysadmin", demo_password)  # password only
    assert fresh.get(SETUP)["Location"].startswith(VERIFY)  # cannot set up a new one around the old
    assert not TOTPDevice.objects.filter(user__username="sysadmin", confirmed=False).exists()
    client.get(SETUP)  # the verified session may
    new = enrol(client, "sysadmin")
    assert not TOTPDevice.objects.filter(pk=old.pk).exists() and new.confirmed


def test_wrong_codes_wait_longer_each_time_and_alert_the_security_officers(settings, demo_password):
    settings.KECHUANG_ADMIN_OTP = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    client = sign_in("sysadmin", demo_password)
    device = enrol(client, "sysadmin")
    client = sign_in("sysadmin", demo_password)
    wrong = "000000" if code(device) != "000000" else "111111"
    for _ in range(settings.OTP_ALERT_FAILURES):
        client.post(VERIFY, {"code": wrong})
    alerts = Notification.objects.filter(kind="otp_failures")
    assert alerts.exists() and {a.user.username for a in alerts} == {"anquan"}
    assert "sysadmin" in alerts.first().title
    settings.OTP_TOTP_THROTTLE_FACTOR = 1  # now the next try must wait 2^5 seconds, even with the right code
    answer = client.post(VERIFY, {"code": code(device, 1)})
    assert answer.status_code == 200 and "秒后再试" in answer.content.decode()
    assert client.get("/")["Location"].startswith(VERIFY)


def test_a_security_officer_resets_a_lost_phone_with_a_reason(enforced, demo_password, client_as):
    client = sign_in("sysadmin", demo_password)
    enrol(client, "sysadmin")
    officer = sign_in("anquan", demo_password)
    officer_device = enrol(officer, "anquan")
    page = officer.get("/security/second-factor/").content.decode()
    assert "sysadmin" in page and "已启用" in page
    target = TOTPDevice.objects.get(user__username="sysadmin").user
    url = f"/security/second-factor/{target.pk}/reset/"
    refused = officer.post(url, {"reason": ""}, follow=True)
    assert "须填写原因" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=target).exists()
    officer.post(url, {"reason": "已电话核实本人手机遗失"})
    assert not TOTPDevice.objects.filter(user=target).exists()
    entry = ChangeEntry.objects.filter(object_id=target.pk, changed_fields=["second_factor"]).latest("pk")
    assert entry.after == {"second_factor": "未启用"} and entry.reason == "已电话核实本人手机遗失"
    assert entry.actor.username == "anquan"
    # the reset account sets up a new authenticator at its next sign-in
    assert sign_in("sysadmin", demo_password).get(VERIFY)["Location"].startswith(SETUP)
    # nobody else may reset
    assert client_as("kjj").post(url, {"reason": "x"}).status_code == 403
    assert officer_device.user.username == "anquan"


def test_the_server_command_resets_when_no_officer_can_sign_in(enforced, demo_password, capsys):
    client = sign_in("anquan", demo_password)
    enrol(client, "anquan")
    call_command("otp", "reset", "anquan", "--reason", "唯一的安全管理员手机遗失")
    assert not TOTPDevice.objects.filter(user__username="anquan").exists()
    assert "已重置" in capsys.readouterr().out
    entry = ChangeEntry.objects.filter(changed_fields=["second_factor"]).latest("pk")
    assert entry.source == "cli" and entry.reason == "唯一的安全管理员手机遗失"
    with pytest.raises(Exception, match="没有启用动态口令"):
        call_command("otp", "reset", "anquan", "--reason", "再来一次")
