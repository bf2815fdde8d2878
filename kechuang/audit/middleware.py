from kechuang.core.context import AuditContext, Source, _current, new_request_id


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    """Gives each request an id and makes the signed-in user the actor of any change it causes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = new_request_id()
        source = Source.API if request.path.startswith("/api/") else Source.WEB
        ctx = AuditContext(
            source=source, request_id=request.request_id, actor=request.user, ip=client_ip(request)
        )
        token = _current.set(ctx)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = request.request_id
        return response
