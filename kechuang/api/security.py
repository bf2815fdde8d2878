"""Who is calling: an API token (`Authorization: Bearer kc_…`) or the signed-in session.

A token request carries no cookie, so it needs no CSRF token; a session request keeps Django's CSRF
check for writes. Either way the caller becomes `request.user` and the actor of whatever the request
changes, so every scope and capability check — and the audit log — sees the same user as on the pages.
"""

from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth
from ninja.utils import check_csrf

from kechuang.audit.middleware import client_ip
from kechuang.core.context import act_as
from kechuang.org import tokens

from .errors import NOT_SIGNED_IN, error_response


class TokenRefused(AuthenticationError):
    def __init__(self, message: str) -> None:
        super().__init__(message=message)


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer <secret>`. A bearer header that does not name a usable token is refused
    outright (401) rather than falling back to the session."""

    def authenticate(self, request, token: str):
        found = tokens.find(token.strip())
        refusal = tokens.refusal(found)
        if refusal:
            raise TokenRefused(refusal)
        tokens.mark_used(found, client_ip(request))
        request.user = found.user
        request.api_token = found
        act_as(found.user)
        return found.user


class SessionAuth(NinjaSessionAuth):
    """The page login; writes need the CSRF token, refused in Chinese."""

    def _get_key(self, request):
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "CSRF 校验失败：请刷新页面后重试；其他系统调用请使用 API 令牌。")
        return request.COOKIES.get(self.param_name)


AUTH = [ApiTokenAuth(), SessionAuth()]


def signed_in(view):
    """For the schema and the docs page: the same two ways in, else 401."""

    def wrapped(request, *args, **kwargs):
        for auth in AUTH:
            try:
                if auth(request):
                    return view(request, *args, **kwargs)
            except HttpError as exc:
                return error_response(exc.status_code, str(exc))
        return error_response(401, NOT_SIGNED_IN)

    return wrapped
