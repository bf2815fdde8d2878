"""The client's address behind the intranet's reverse proxy (KECHUANG_BEHIND_PROXY=1, docs/DEPLOY.md).

Behind a proxy every request arrives from the proxy's address, so the audit log and the login log would
record the proxy instead of the person. The proxy appends the address it saw to X-Forwarded-For; only when
the request comes from a trusted proxy (KECHUANG_TRUSTED_PROXIES, default this host) is that last entry
taken as REMOTE_ADDR. Entries before it were written by the client and are never trusted.
"""

from django.conf import settings


class ForwardedForMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.trusted = set(settings.KECHUANG_TRUSTED_PROXIES)

    def __call__(self, request):
        meta = request.META
        forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded and meta.get("REMOTE_ADDR") in self.trusted:
            client = forwarded.rsplit(",", 1)[-1].strip()
            if client:
                meta["REMOTE_ADDR"] = client
        return self.get_response(request)
