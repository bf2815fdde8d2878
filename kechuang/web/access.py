"""View-side access checks: capabilities answer 403; records outside a user's scope answer 404."""

from functools import wraps

from django.core.exceptions import PermissionDenied

from kechuang.org.scope import has_capability


def require_capability(capability: str):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_capability(request.user, capability):
                raise PermissionDenied("您没有访问该页面的权限。")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
