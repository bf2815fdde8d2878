"""A signed-in session ends 12 hours after its sign-in however active it is (the 30-minute idle timeout
is the session cookie's own)."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver

SIGNED_IN_AT = "kechuang_signed_in_at"


@receiver(user_logged_in, dispatch_uid="session_signed_in_at")
def _remember_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = int(time.time())


class SessionLifetimeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            started = request.session.get(SIGNED_IN_AT)
            if started is None:  # a session from before the rule: its lifetime counts from now
                request.session[SIGNED_IN_AT] = int(time.time())
            elif time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                hours = settings.SESSION_ABSOLUTE_SECONDS // 3600
                messages.info(request, f"登录已超过 {hours} 小时，为安全起见请重新登录。")
                if request.path.startswith("/api/"):
                    from django.http import JsonResponse

                    return JsonResponse({"detail": "登录已过期，请重新登录。"}, status=401)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


@receiver(user_logged_in, dispatch_uid="session_second_factor")
def _remember_enrolment(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        from .second_factor import remember_enrolment

        remember_enrolment(request, user)


class SecondFactorMiddleware:
    """A session that must pass the second factor (system/second_factor.py) reaches only the code pages
    and 退出登录 until it has: other pages send it there, the API answers 401."""

    OPEN = ("otp:verify", "otp:setup", "logout", "login")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(user, "is_verified"):
            return None
        from .second_factor import required

        match = request.resolver_match
        if (match and match.view_name in self.OPEN) or not required(request):
            return None
        if request.path.startswith("/api/"):
            from django.http import JsonResponse

            return JsonResponse({"detail": "该账号须先通过动态口令验证（二次验证）。"}, status=401)
        from django.shortcuts import resolve_url

        return redirect_to_login(request.get_full_path(), resolve_url("otp:verify"))
