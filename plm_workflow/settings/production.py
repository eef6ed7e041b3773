"""Production settings: refuse to start without a secret key, the allowed hosts and the site URL.

``python manage.py check --deploy`` is clean with these settings.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False


def _required(name: str) -> str:
    value = env.str(name, default="").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set: production settings refuse to start without it (see .env.example)."
        )
    return value


SECRET_KEY = _required("SECRET_KEY")
ALLOWED_HOSTS = [host.strip() for host in _required("ALLOWED_HOSTS").split(",") if host.strip()]
# The links in e-mails: without it they would point at a development address.
PLM_SITE_URL = _required("PLM_SITE_URL").rstrip("/")
PLM_PRODUCTION = True

# Static files: compressed, with hashed names, served by whitenoise after collectstatic.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_STORAGE_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage",
        ),
    },
}

# HTTPS everywhere; behind a proxy that terminates TLS, set SECURE_PROXY_SSL_HEADER_ENABLED.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# The load balancer probes the web processes directly, over plain HTTP and without the proxy's
# X-Forwarded-Proto: a redirect to HTTPS would read as "down". The probes carry no cookies and
# answer only "ok" or "not ready", so they may answer over HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/(live|ready)/$"]
if env.bool("SECURE_PROXY_SSL_HEADER_ENABLED", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Never fill a production database with the demo.
PLM_DEMO_ALLOWED = False
