"""API token secrets: made here, stored only as a digest, checked in constant time.

A secret is `kc_` followed by 43 URL-safe characters (256 random bits). The first characters (`prefix`)
are stored in clear to find the candidate rows and to tell tokens apart on the pages; the rest only as
its SHA-256 digest — a secret with that much entropy needs no slow password hash.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.utils import timezone

from .models import ApiToken

SECRET_START = "kc_"
PREFIX_LENGTH = len(SECRET_START) + 8
DEFAULT_DAYS = 90
MAX_DAYS = 365
# last use is written at most once per this interval per token, not on every request
LAST_USED_EVERY = timedelta(minutes=1)


def new_secret() -> str:
    return SECRET_START + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def find(secret: str) -> ApiToken | None:
    """The token this secret belongs to, whatever its state (expired, revoked), or None."""
    if not secret.startswith(SECRET_START) or len(secret) < PREFIX_LENGTH:
        return None
    wanted = digest(secret)
    found = None
    for token in ApiToken.objects.select_related("user").filter(prefix=secret[:PREFIX_LENGTH]):
        if hmac.compare_digest(token.secret_hash, wanted):
            found = token
    return found


def refusal(token: ApiToken | None) -> str | None:
    """Why this token may not be used now, in Chinese; None when it may."""
    if token is None:
        return "API 令牌无效。"
    if token.revoked_at is not None:
        return "API 令牌已被吊销。"
    if token.expires_at <= timezone.now():
        return "API 令牌已过期，请重新创建。"
    if not token.user.is_active:
        return "该令牌所属账号已停用。"
    return None


def mark_used(token: ApiToken, ip: str | None) -> None:
    """Note the token's last use — one write per token per minute at most, outside the audit log (a
    usage stamp, like a login time, changes no data)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).exclude(last_used_at__gte=now - LAST_USED_EVERY).update(
        last_used_at=now, last_used_ip=ip
    )
    token.last_used_at, token.last_used_ip = now, ip
