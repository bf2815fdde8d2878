"""View-side access checks: capabilities answer 403; records outside a user's scope answer 404."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404

from kechuang.org.scope import get_visible_or_404, has_capability


def require_capability(capability: str):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_capability(request.user, capability):
                raise PermissionDenied("您没有访问该页面的权限。")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def download(request, queryset, capability: str | None, pk, *, file="file", name=None):
    """The stored file of the record `pk` of `queryset` as a download — found within the user's scope
    (404 outside it) and named `name` or the record's `name`; a file gone from the disk answers 404 in
    Chinese."""
    found = get_visible_or_404(request.user, queryset, capability, pk=pk)
    stored = getattr(found, file)
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404("附件的文件已不存在，请联系科技局。") from None
    filename = name or getattr(found, "name", None) or stored.name.rsplit("/", 1)[-1]
    return FileResponse(handle, as_attachment=True, filename=filename)
