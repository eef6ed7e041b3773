"""Settings read from the environment, with safe development defaults.

Every variable is documented in ``.env.example``.
"""

from email.utils import getaddresses
from pathlib import Path

import environ
from csp.constants import NONCE as CSP_NONCE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

# --- Core -------------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=True)
# A development key only: production.py refuses to start without SECRET_KEY.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-development-only-never-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "plm_workflow.apps.PLMAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    # django.contrib.staticfiles, leaving out the stray npm copy django-viewflow 2.4.0 ships at
    # viewflow/static/viewflow/fonts/roboto/node_modules/ (it breaks collectstatic; see apps.py).
    "plm_workflow.apps.PLMStaticFilesConfig",
    "viewflow",
    "viewflow.workflow",
    "guardian",
    "simple_history",
    "plm_workflow.profiles",
    "plm_workflow.accounts",
    "plm_workflow.plans",
    "plm_workflow.audit",
    "plm_workflow.deadlines",
    "flows",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy with a nonce per response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "plm_workflow.middleware.ItalianFirstLocaleMiddleware",
    "plm_workflow.middleware.ControlCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    # An anonymous POST to a page that needs login (an expired session): "nothing was saved".
    "plm_workflow.middleware.ExpiredSessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Permissions-Policy; Cache-Control: private, no-store for logged-in people.
    "plm_workflow.middleware.SecurityHeadersMiddleware",
    # Activity renews a logged-in person's session (SESSION_COOKIE_AGE).
    "plm_workflow.middleware.SessionRenewalMiddleware",
    # Deny by default: every page needs a logged-in user unless marked login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "plm_workflow.urls"
WSGI_APPLICATION = "plm_workflow.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # The side menu and top bar on pages outside viewflow's site too.
                "plm_workflow.shell.shell",
            ],
            # Each page's title in the top bar and the tab, and its breadcrumbs.
            "libraries": {
                "shell": "plm_workflow.shell",
                # Dates in prose ("all'8 marzo 2027") and file sizes ("95 byte").
                "words": "plm_workflow.formats.words",
            },
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
# SQLite is the embedded default; PostgreSQL (psycopg 3) is the production database.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take the lock when their transaction begins and wait for each other,
    # instead of failing with "database is locked" half-way through.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": env.int("SQLITE_TIMEOUT", default=20)}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication ---------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
# guardian: no anonymous user row, object permissions only for real users.
ANONYMOUS_USER_NAME = None
# Sessions end after 8 hours without activity. Activity renews the 8 hours through
# SessionRenewalMiddleware, at most once a minute, rather than SESSION_SAVE_EVERY_REQUEST,
# which would write the session row on every request.
SESSION_COOKIE_AGE = 8 * 3600
SESSION_SAVE_EVERY_REQUEST = False
PLM_SESSION_RENEW_SECONDS = 60

# --- Headers ----------------------------------------------------------------------------------
# Scripts only from this site, and inline ones only with the response's nonce
# (nonce="{{ request.csp_nonce }}"); viewflow's templates style elements inline, hence
# 'unsafe-inline' for styles only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", CSP_NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# Browser features the app never uses, switched off for it and anything it might embed.
PLM_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# --- Languages and time -----------------------------------------------------------------------
LANGUAGE_CODE = "it"
LANGUAGES = [("it", _("Italian")), ("en", _("English"))]
# Our catalogue first; translations of viewflow's own strings that its catalogue lacks live
# apart, so that makemessages for our code never marks them obsolete.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_viewflow"]
# English dates day-first (en-GB), not Django's American ones.
FORMAT_MODULE_PATH = "plm_workflow.formats"
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

# --- Files ------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Largest file accepted (the signed acts are PDFs), in bytes.
PLM_MAX_UPLOAD_BYTES = env.int("PLM_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
# Signed adoption acts and their annexes are often scans: they may be larger.
PLM_MAX_ACT_BYTES = env.int("PLM_MAX_ACT_BYTES", default=25 * 1024 * 1024)
# What one request may carry besides its files (Django leaves the files out of this count):
# the longest form holds a 20,000-character note, at most 80 KB of UTF-8, so 1 MiB is ample.
# A larger body is refused with a 400 (RequestDataTooBig) before any view reads it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 10
# Uploads larger than this go to a temporary file rather than memory (not a limit).
FILE_UPLOAD_MAX_MEMORY_SIZE = 2621440
STORAGES = {
    "default": {
        "BACKEND": env(
            "FILE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": env.json("FILE_STORAGE_OPTIONS", default={}),
    },
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_STORAGE_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage",
        ),
    },
}

# --- E-mail -----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# Seconds an SMTP connection may block (connect, each command): a server that hangs fails the
# message instead of holding the deadline sweep past its lease.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="PLM Workflow <noreply@localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# Who receives server errors by e-mail: "Name <a@example.org>, Other <b@example.org>".
ADMINS = [
    (name or address, address)
    for name, address in getaddresses([env("ADMINS", default="")])
    if "@" in address
]

# --- Privacy notice ---------------------------------------------------------------------------
# Who is responsible for the personal data the app holds, and how to reach them, as the privacy
# notice (/privacy/) names them. Unset, the notice says that they are still to be configured.
PLM_PRIVACY_CONTROLLER = env("PLM_PRIVACY_CONTROLLER", default="")
PLM_PRIVACY_CONTACT = env("PLM_PRIVACY_CONTACT", default="")

# --- History and logging ----------------------------------------------------------------------
# Every change goes through the app's services: no reverting from the admin.
SIMPLE_HISTORY_REVERT_DISABLED = True
# Change reasons carry the comments and reasons of transitions in full.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

VIEWFLOW = {}

# The demo (seed_demo) may fill this database; production.py forbids it.
PLM_DEMO_ALLOWED = True

# --- Schedules and due dates --------------------------------------------------------------------
# Default phase dates at launch, in days after the launch (the lead may change each one).
PLM_SCHEDULE_OFFSETS = {
    "assessment": env.int("PLM_ASSESSMENT_DAYS", default=60),
    "tables": env.int("PLM_TABLES_DAYS", default=150),
    "drafting": env.int("PLM_DRAFTING_DAYS", default=240),
    "adoption": env.int("PLM_ADOPTION_DAYS", default=330),
}
# A check task is due this many days after it was created.
PLM_CHECK_TURNAROUND_DAYS = env.int("PLM_CHECK_TURNAROUND_DAYS", default=10)
# A returned work task is due at the later of its phase date and today + these days.
PLM_RESUBMISSION_DAYS = env.int("PLM_RESUBMISSION_DAYS", default=15)

# --- Deadline alerts (DESIGN §6; the sweep: manage.py send_deadline_alerts) ---------------------
# The stages before a due date, in working days of the comune: the first reminder, the last.
PLM_ALERTS_DUE_SOON_DAYS = env.int("PLM_ALERTS_DUE_SOON_DAYS", default=7)
PLM_ALERTS_DUE_LAST_DAYS = env.int("PLM_ALERTS_DUE_LAST_DAYS", default=1)
# Working days overdue after which a task escalates to the plan's facilitators and the lead.
PLM_ALERTS_ESCALATION_DAYS = env.int("PLM_ALERTS_ESCALATION_DAYS", default=7)
# E-mails and digests go out from this time of day (Europe/Rome), HH:MM.
PLM_ALERTS_SEND_FROM = env("PLM_ALERTS_SEND_FROM", default="07:00")
# Days after the adoption act's date when a plan not yet published reminds its people.
PLM_NOT_PUBLISHED_REMINDER_DAYS = env.int("PLM_NOT_PUBLISHED_REMINDER_DAYS", default=15)
# Seconds a sweep holds the e-mails it claimed; past them another sweep may claim them again.
PLM_ALERTS_LEASE_SECONDS = env.int("PLM_ALERTS_LEASE_SECONDS", default=600)
# Attempts to send one e-mail before it is given up on (and the lead is told).
PLM_ALERTS_MAX_ATTEMPTS = env.int("PLM_ALERTS_MAX_ATTEMPTS", default=5)
# The site's address as people reach it: the links in e-mails start with it.
PLM_SITE_URL = env("PLM_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Production settings set it: the sweep's --now is then refused (only with --dry-run).
PLM_PRODUCTION = False
