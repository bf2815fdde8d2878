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
