"""The security officers' checks: the audit logs' chains verified (daily, on the task queue) with a
reminder to the 安全管理员 when one does not hold."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import task


def verify_audit(*, checkpoint: bool = False, notify: bool = False) -> list:
    """Verify the logs (against the checkpoints recorded outside the database); on success optionally
    record the new heads, on a break optionally remind the security officers. Returns the reports."""
    from kechuang.audit import chain
    from kechuang.audit.models import ChangeEntry, LoginEvent, PersonalDataView

    path = settings.AUDIT_CHECKPOINTS
    logs = (ChangeEntry, LoginEvent, PersonalDataView)
    reports = [chain.verify(model, chain.checkpoints_for(model, path)) for model in logs]
    broken = [r.broken for r in reports if r.broken is not None]
    if not broken and checkpoint:
        path.parent.mkdir(parents=True, exist_ok=True)
        for model in logs:
            chain.write_checkpoint(path, model)
    if broken and notify:
        alert(
            "audit_chain",
            f"audit-chain:{broken[0]}",
            f"审计日志校验未通过：{broken[0]}",
            reverse("audit:changes"),
        )
    return reports


ALERT_KINDS = ("audit_chain", "password_spray", "otp_failures")


def unlock(acting_user, attempt, *, reason: str) -> None:
    """Lift a lockout (an account at an address), recorded in the audit log."""
    from axes.utils import reset
    from django.db import transaction

    from kechuang.audit.recording import record_change
    from kechuang.core.context import audit_context

    with audit_context(actor=acting_user, reason=reason), transaction.atomic():
        record_change(
            attempt,
            "delete",
            {
                "username": attempt.username,
                "ip_address": attempt.ip_address,
                "failures": attempt.failures_since_start,
            },
            None,
            ["failures"],
        )
        reset(username=attempt.username, ip=attempt.ip_address)


def alert(kind: str, key: str, title: str, url: str) -> int:
    """A security alert to every active security officer (once per key)."""
    from kechuang.org.roles import Capability
    from kechuang.org.scope import holders
    from kechuang.workflow.notify import notify

    return notify(holders(Capability.MANAGE_SECURITY), kind, key, title, url, subject="【科创安全告警】")


@task()
def verify_audit_task(checkpoint: bool = True) -> dict:
    reports = verify_audit(checkpoint=checkpoint, notify=True)
    return {r.log: {"checked": r.checked, "broken": str(r.broken) if r.broken else ""} for r in reports}


# --- sign-in from one address across many accounts --------------------------------------------------


def _recent_failures(address):
    from kechuang.audit.models import LoginEvent

    since = timezone.now() - settings.LOGIN_THROTTLE_WINDOW
    return LoginEvent.objects.filter(
        ip=address, time__gte=since, outcome__in=[LoginEvent.Outcome.FAILED, LoginEvent.Outcome.LOCKED]
    )


def address_throttled(address) -> bool:
    """Has this address failed more often than allowed within the window, whatever the usernames?"""
    return bool(address) and _recent_failures(address).count() >= settings.LOGIN_THROTTLE_FAILURES


def after_failed_login(address) -> None:
    """Password spraying (many usernames failing from one address): alert the security officers, once
    per address and window."""
    if not address:
        return
    names = _recent_failures(address).values("username").distinct().count()
    if names >= settings.LOGIN_SPRAY_USERNAMES:
        window = int(settings.LOGIN_THROTTLE_WINDOW.total_seconds())
        slot = int(timezone.now().timestamp()) // window
        alert(
            "password_spray",
            f"spray:{address}:{slot}",
            f"疑似密码喷洒：地址 {address} 在 {window // 60} 分钟内以 {names} 个不同用户名登录失败",
            reverse("audit:logins") + f"?ip={address}",
        )
