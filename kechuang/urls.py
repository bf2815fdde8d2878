from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.module_loading import import_string

from kechuang.api.api import api
from kechuang.site import views as site_views
from kechuang.system import org_views


def app_urls():
    """Every app's pages under the prefixes its AppConfig declares (`url_modules`): a new app is mounted by
    being installed."""
    for config in apps.get_app_configs():
        for prefix, target in getattr(config, "url_modules", ()):
            try:
                import_module(target)
            except ModuleNotFoundError:
                target = import_string(target)  # a module's attribute: (patterns, namespace) or a list
            yield path(prefix, include(target))


def _api_urls():
    """The API answers 401 itself; the site-wide login redirect must not apply to it — except to the
    docs page, a page for people, which sends anonymous visitors to the login like every other page."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if pattern.name != "openapi-view":
            login_not_required(pattern.callback)
    return patterns, app_name, namespace


urlpatterns = [
    path("", site_views.home, name="home"),
    path("accounts/login/", org_views.login, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    *app_urls(),
    path("api/v1/", _api_urls()),
]

if settings.KECHUANG_BENCH_VIEWS:
    urlpatterns.append(path("bench/ok", site_views.bench_ok, name="bench_ok"))

handler400 = "kechuang.site.views.error_400"
handler403 = "kechuang.site.views.error_403"
handler404 = "kechuang.site.views.error_404"
handler500 = "kechuang.site.views.error_500"
