"""Production settings: HTTPS-only cookies, HSTS, a real secret key, PostgreSQL expected.

Behind the intranet's TLS-terminating proxy set KECHUANG_BEHIND_PROXY=1 so Django trusts
X-Forwarded-Proto, and X-Forwarded-For from KECHUANG_TRUSTED_PROXIES (default this host). For a local run on
plain HTTP (the serving benchmark, the production-path test) set KECHUANG_SSL_REDIRECT=0. docs/DEPLOY.md.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .settings import *  # noqa: F403
from .settings import env_flag

DEBUG = False
SECRET_KEY = os.environ.get("KECHUANG_SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("生产环境必须设置 KECHUANG_SECRET_KEY（至少 50 个字符的随机串）。")

# Personal data is encrypted with the keys of the environment only (the `check` refuses to pass without).
KECHUANG_DATA_KEYS = [k.strip() for k in os.environ.get("KECHUANG_DATA_KEY", "").split(",") if k.strip()]

# 等保 level 3: administrators sign in with two factors (password + one-time code) unless told otherwise.
KECHUANG_ADMIN_OTP = env_flag("KECHUANG_ADMIN_OTP", True)

SECURE_SSL_REDIRECT = env_flag("KECHUANG_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("KECHUANG_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
if env_flag("KECHUANG_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # First of all, so the audit and login logs record the person's address, not the proxy's.
    MIDDLEWARE = ["kechuang.core.proxy.ForwardedForMiddleware", *MIDDLEWARE]  # noqa: F405
KECHUANG_TRUSTED_PROXIES = [
    a.strip() for a in os.environ.get("KECHUANG_TRUSTED_PROXIES", "127.0.0.1,::1").split(",") if a.strip()
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("KECHUANG_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
