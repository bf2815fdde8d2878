"""The second factor: a time-based one-time password (TOTP, RFC 6238) from an authenticator app, on
django-otp's TOTP devices.

Who must pass it: anyone who enrolled an authenticator (optional for every account, from 我的账号), and —
with `KECHUANG_ADMIN_OTP` on, the production default — every holder of an administrator role (系统管理员,
安全管理员, 审计管理员, the installer's superuser), who enrols at their next sign-in. Until the session has
passed it, `SecondFactorMiddleware` lets such a user reach only the code pages and 退出登录.

Every change is recorded on the account in the audit log (`second_factor`: 未启用 → 已启用 …, never the
secret); every wrong code and every pass is a login event; a run of wrong codes raises an alert to the
security officers. A lost phone: a security officer resets the account's authenticator
(安全管理 › 动态口令, reason required), or on the server `kechuang otp reset USERNAME --reason …`.
"""

from __future__ import annotations

from base64 import b32encode

from django.conf import settings
from django.db import transaction
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from kechuang.org.actions import ActionRefused
from kechuang.org.roles import ADMIN_DUTIES

ENROLLED = "kechuang_otp_enrolled"  # session: the account had an authenticator when it signed in
STATE_ON, STATE_OFF = "已启用", "未启用"


class Refused(ActionRefused):
    """A code or a change refused, with the reason to show."""


def is_administrator(user) -> bool:
    from kechuang.org.scope import user_grants

    return bool(user.is_superuser) or any(g.role in ADMIN_DUTIES for g in user_grants(user))


def enforced(user) -> bool:
    """Whether the account may not go without a second factor (an administrator, when the setting says so)."""
    return settings.KECHUANG_ADMIN_OTP and is_administrator(user)


def device_of(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def required(request) -> bool:
    """Whether this signed-in session must pass the second factor before anything else (no query for an
    account that neither enrolled nor is an enforced administrator)."""
    user = request.user
    if user.is_verified():
        return False
    return bool(request.session.get(ENROLLED)) or enforced(user)


def remember_enrolment(request, user) -> None:
    """At sign-in: whether the account has an authenticator, kept in the session for `required`."""
    request.session[ENROLLED] = device_of(user) is not None


def pending_device(user) -> TOTPDevice:
    """The authenticator being set up (not yet confirmed): the same secret across reloads of the page."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="验证器", confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    text = b32encode(device.bin_key).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (rendered here: no outside service, no script)."""
    import segno

    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2, title="动态口令二维码")


def _clean(code: str) -> str:
    code = "".join((code or "").split())
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        raise Refused("请输入验证器上显示的 6 位数字。")
    return code


def _throttled(device: TOTPDevice) -> None:
    allowed, data = device.verify_is_allowed()
    if not allowed:
        from django.utils import timezone

        wait = max(1, int(((data or {}).get("locked_until") - timezone.now()).total_seconds()) + 1)
        raise Refused(f"动态口令错误次数过多，请 {wait} 秒后再试。")


def _record_failure(request, user, device: TOTPDevice) -> None:
    from kechuang.audit.models import LoginEvent
    from kechuang.audit.recording import record_login

    record_login(request, user.get_username(), user, LoginEvent.Outcome.OTP_FAILED)
    device.refresh_from_db(fields=["throttling_failure_count"])
    if device.throttling_failure_count == settings.OTP_ALERT_FAILURES:
        from django.urls import reverse

        from . import security

        security.alert(
            "otp_failures",
            f"otp-failures:{user.pk}:{device.throttling_failure_timestamp:%Y%m%d%H%M}",
            f"账号 {user.get_username()} 的动态口令连续错误 {device.throttling_failure_count} 次",
            reverse("audit:logins") + f"?username={user.get_username()}",
        )


def _audit_state(acting_user, user, before: str, after: str, reason: str) -> None:
    from kechuang.audit.recording import record_change
    from kechuang.core.context import audit_context
    from kechuang.org.models import User

    account = User.objects.get(pk=user.pk)  # the account itself (request.user is a lazy wrapper)
    who = {"actor": account if acting_user == user else acting_user} if acting_user is not None else {}
    with audit_context(reason=reason, **who):  # the CLI keeps its own actor
        record_change(
            account, "update", {"second_factor": before}, {"second_factor": after}, ["second_factor"]
        )


def confirm(request, code: str) -> TOTPDevice:
    """Finish setting up: the code of the pending authenticator proves the app holds its secret. The new
    authenticator replaces any earlier one, and this session counts as verified."""
    user = request.user
    code = _clean(code)
    device = pending_device(user)
    _throttled(device)
    if not device.verify_token(code):
        _record_failure(request, user, device)
        raise Refused("动态口令不正确：请核对手机时间，并输入验证器上当前显示的 6 位数字。")
    with transaction.atomic():
        before = STATE_ON if device_of(user) is not None else STATE_OFF
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        _audit_state(user, user, before, STATE_ON, "启用动态口令" if before == STATE_OFF else "更换验证器")
    _passed(request, device)
    return device


def verify(request, code: str) -> TOTPDevice:
    """Check the code of the account's authenticator; on success this session counts as verified."""
    user = request.user
    device = device_of(user)
    if device is None:
        raise Refused("该账号尚未启用动态口令。")
    code = _clean(code)
    _throttled(device)
    if not device.verify_token(code):  # refuses a code already used (each code signs in once)
        _record_failure(request, user, device)
        raise Refused("动态口令不正确或已使用过：请输入验证器上当前显示的 6 位数字。")
    _passed(request, device)
    return device


def _passed(request, device: TOTPDevice) -> None:
    from kechuang.audit.models import LoginEvent
    from kechuang.audit.recording import record_login

    request.session.cycle_key()  # a new session id once the second factor is passed
    otp_login(request, device)
    request.session[ENROLLED] = True
    record_login(request, request.user.get_username(), request.user, LoginEvent.Outcome.OTP_PASSED)


def disable(request, code: str) -> None:
    """The account's own switch-off (not for an enforced administrator), proved by a current code."""
    user = request.user
    if enforced(user):
        raise Refused("管理员账号必须使用动态口令，不能停用。")
    verify(request, code)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        _audit_state(user, user, STATE_ON, STATE_OFF, "停用动态口令")
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session[ENROLLED] = False


def reset(acting_user, user, *, reason: str) -> int:
    """A security officer's (or the server command's) reset of another account's authenticator — a lost
    phone: the account sets up a new one at its next sign-in. Returns how many were removed."""
    reason = (reason or "").strip()
    if not reason:
        raise Refused("重置动态口令须填写原因（如：已电话核实本人手机遗失）。")
    if device_of(user) is None:
        raise Refused(f"账号 {user.get_username()} 没有启用动态口令。")
    with transaction.atomic():
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        _audit_state(acting_user, user, STATE_ON, STATE_OFF, reason)
    return removed
