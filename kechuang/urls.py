from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from kechuang.api.api import api
from kechuang.enterprises import urls as enterprise_urls
from kechuang.site import views as site_views
from kechuang.system import org_urls, org_views


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
    path("plans/", include("kechuang.plans.urls")),
    path("org/", include("kechuang.system.org_urls")),
    path("enterprises/years/", include(enterprise_urls.years)),
    path("enterprises/qualifications/", include(enterprise_urls.qualifications)),
    path("org/", include(org_urls.registry_urls)),
    path("enterprises/", include("kechuang.enterprises.urls")),
    path("platforms/", include("kechuang.platforms.urls")),
    path("projects/", include("kechuang.projects.urls")),
    path("tables/", include("kechuang.tabular.urls")),
    path("progress/", include("kechuang.progress.urls")),
    path("audit/", include("kechuang.system.audit_urls")),
    path("workflow/", include("kechuang.workflow.urls")),
    path("api/v1/", _api_urls()),
]

if settings.KECHUANG_BENCH_VIEWS:
    urlpatterns.append(path("bench/ok", site_views.bench_ok, name="bench_ok"))

handler400 = "kechuang.site.views.error_400"
handler403 = "kechuang.site.views.error_403"
handler404 = "kechuang.site.views.error_404"
handler500 = "kechuang.site.views.error_500"
