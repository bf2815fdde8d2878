"""No copy of a signed-in user's pages or of the API is kept by a browser or a proxy.

`NoStoreMiddleware` sends `Cache-Control: no-store` on every response to a signed-in user and on every
response under /api/ (token callers included): the back button, a shared office computer's browser cache
and an intranet proxy then hold no registry data, export or cockpit figure. Static files are answered by
WhiteNoise before this middleware is reached and keep their long caching; a visitor who is not signed in
(the login page) gets Django's own headers.
"""

API_PREFIX = "/api/"


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith(API_PREFIX) or (user is not None and user.is_authenticated):
            response["Cache-Control"] = "no-store"
        return response
