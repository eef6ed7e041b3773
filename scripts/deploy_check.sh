#!/usr/bin/env bash
# Does the documented production deployment come up? Against a throwaway PostgreSQL database,
# with plm_workflow.settings.production untouched (environment variables only): check --deploy,
# migrate, import_comuni, collectstatic, a lead and one plan launched through the services,
# gunicorn in the background, then, as the TLS proxy would talk to it (X-Forwarded-Proto: https):
# the login, the inbox, the plan's page and a static file; the health probes over plain HTTP.
# Exits non-zero, saying which step failed, on any failure. Drops the database and stops gunicorn
# on exit. PG_HOST, PG_PORT, PG_USER select the PostgreSQL server (trust authentication).
set -euo pipefail
cd "$(dirname "$0")/.."

PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-postgres}
PYTHON=.venv/bin/python
GUNICORN=.venv/bin/gunicorn

STEP="start"
step() {
  STEP="$*"
  printf '\n--- deploy-check: %s\n' "$*"
}
fail() {
  echo "deploy-check FAILED (${STEP}): $*" >&2
  exit 1
}

[ -x "$PYTHON" ] && [ -x "$GUNICORN" ] || fail "no .venv with gunicorn: run make setup first"
command -v psql >/dev/null || fail "psql is not installed"
pg_isready -q -h "$PG_HOST" -p "$PG_PORT" ||
  fail "PostgreSQL is not answering at ${PG_HOST}:${PG_PORT}"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/plm-deploy-check.XXXXXX")
PG_DB="plm_deploy_check_$$"
GUNICORN_PID=""
psql_admin() { psql -v ON_ERROR_STOP=1 -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres "$@"; }
cleanup() {
  status=$?
  if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$GUNICORN_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$GUNICORN_PID" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -s "$WORK/gunicorn.log" ]; then
    echo "--- the last lines of gunicorn's log:" >&2
    tail -n 40 "$WORK/gunicorn.log" >&2
  fi
  psql_admin -c "DROP DATABASE IF EXISTS ${PG_DB} WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
  if [ "$status" -ne 0 ]; then
    echo "deploy-check FAILED during: ${STEP}" >&2
  fi
  exit "$status"
}
trap cleanup EXIT

step "a throwaway PostgreSQL database ${PG_DB}"
psql_admin -c "CREATE DATABASE ${PG_DB}"

# The production settings, as an operator sets them: nothing but the environment.
export DJANGO_SETTINGS_MODULE=plm_workflow.settings.production
SECRET_KEY=$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(64))')
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1,localhost
export PLM_SITE_URL=https://127.0.0.1
export DATABASE_URL="postgres://${PG_USER}@${PG_HOST}:${PG_PORT}/${PG_DB}"
export STATIC_ROOT="$WORK/static" MEDIA_ROOT="$WORK/media"
export SECURE_PROXY_SSL_HEADER_ENABLED=true
export EMAIL_URL=dummymail://
export LOG_LEVEL=WARNING
PASSWORD=$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(24))')
export DEPLOY_CHECK_PASSWORD="$PASSWORD" DEPLOY_CHECK_OUT="$WORK/urls.env"

step "manage.py check --deploy"
"$PYTHON" manage.py check --deploy --fail-level WARNING

step "manage.py migrate"
"$PYTHON" manage.py migrate --noinput

step "manage.py import_comuni"
"$PYTHON" manage.py import_comuni

step "manage.py collectstatic --noinput"
"$PYTHON" manage.py collectstatic --noinput
[ -s "$STATIC_ROOT/staticfiles.json" ] || fail "collectstatic wrote no manifest"

step "a lead and one plan, through the services"
"$PYTHON" manage.py shell --no-imports -c '
import datetime, os
from django.contrib.auth import get_user_model
from django.urls import reverse
import plm_workflow.urls  # mounts the flow: its nodes reverse their URLs
from flows.views import process_url
try:  # the flow launched from code: its start node given for us
    from flows.flows import launch_plan
except ImportError:  # flow_launch starts the process itself when given no activation
    from flows.services import flow_launch as launch_plan
from plm_workflow.accounts.services import role_grant
from plm_workflow.plans.models import Comune

User = get_user_model()
password = os.environ["DEPLOY_CHECK_PASSWORD"]
lead = User.objects.create_user(username="deploy-lead", password=password)
role_grant(user=lead, role="lead")
coordinator = User.objects.create_user(username="deploy-coordinator", password=password)
facilitator = User.objects.create_user(username="deploy-facilitator", password=password)
plan = launch_plan(
    by=lead,
    comune=Comune.objects.get(istat_code="004203"),
    title="PLM deploy check",
    adhesion_act_number="DGC 1/2024",
    adhesion_act_date=datetime.date(2024, 1, 15),
    coordinators=[coordinator],
    facilitators=[facilitator],
)
urls = {
    "LOGIN_URL": reverse("login"),
    "INBOX_URL": reverse("home:inbox"),
    "PLAN_URL": process_url(plan.process),
}
with open(os.environ["DEPLOY_CHECK_OUT"], "w") as out:
    out.writelines(f"{name}={url}\n" for name, url in urls.items())
print(f"launched plan {plan.pk} for {plan.comune}")
'
[ -s "$WORK/urls.env" ] || fail "the shell step wrote no URLs"
# shellcheck disable=SC1091
. "$WORK/urls.env"

step "gunicorn on 127.0.0.1"
PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$GUNICORN" plm_workflow.wsgi --bind "127.0.0.1:${PORT}" --workers 2 \
  --access-logfile - --error-logfile - >"$WORK/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
for _ in $(seq 1 100); do
  kill -0 "$GUNICORN_PID" 2>/dev/null || fail "gunicorn exited at start"
  curl -fsS -o /dev/null "http://127.0.0.1:${PORT}/health/live/" 2>/dev/null && break
  sleep 0.2
done

step "the pages, as the TLS proxy asks for them"
BASE="http://127.0.0.1:${PORT}" USERNAME=deploy-lead LOGIN_URL="$LOGIN_URL" \
  INBOX_URL="$INBOX_URL" PLAN_URL="$PLAN_URL" "$PYTHON" - <<'PY'
import http.cookies
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

BASE = os.environ["BASE"]
HOST = urllib.parse.urlsplit(BASE).netloc
PROXY = {"X-Forwarded-Proto": "https"}
cookies = http.cookies.SimpleCookie()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


opener = urllib.request.build_opener(NoRedirect)


def fail(message):
    sys.exit(f"deploy-check FAILED: {message}")


def request(path, *, data=None, headers=PROXY, referer=None):
    """One request; the cookies kept by hand (they are Secure: the proxy speaks HTTPS)."""
    all_headers = dict(headers)
    if cookies:
        all_headers["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in cookies.items())
    if referer:
        all_headers["Referer"] = f"https://{HOST}{referer}"
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(BASE + path, data=body, headers=all_headers)
    try:
        response = opener.open(req, timeout=30)
    except urllib.error.HTTPError as error:
        response = error
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    return response.status, response.headers, response.read().decode("utf-8", "replace")


def expect(path, status, **kwargs):
    got, headers, body = request(path, **kwargs)
    if got != status:
        fail(f"GET {path} answered {got}, expected {status}\n{body[:500]}")
    print(f"ok  {status} {path}")
    return headers, body


# Health probes: plain HTTP straight to gunicorn, as a load balancer asks.
for path in ("/health/live/", "/health/ready/"):
    _headers, body = expect(path, 200, headers={})
    if body != "ok":
        fail(f"{path} said {body!r}, expected 'ok'")
# Anything else over plain HTTP goes to HTTPS.
headers, _body = expect(os.environ["LOGIN_URL"], 301, headers={})
if not headers["Location"].startswith("https://"):
    fail(f"plain HTTP redirected to {headers['Location']}, expected https://")

# The login page, its CSRF cookie and token, a static file from its links.
login = os.environ["LOGIN_URL"]
_headers, page = expect(login, 200)
token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
if not token or "csrftoken" not in cookies:
    fail("the login page gave no CSRF token or cookie")
statics = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
if not statics:
    fail("the login page links no static file")
for path in statics:
    if not re.search(r"\.[0-9a-f]{12}\.", path):
        fail(f"{path} has no hashed name: the manifest storage is not in use")
    expect(path, 200)

# Log in as the lead.
status, headers, body = request(
    login,
    data={
        "csrfmiddlewaretoken": token.group(1),
        "username": os.environ["USERNAME"],
        "password": os.environ["DEPLOY_CHECK_PASSWORD"],
    },
    referer=login,
)
if status != 302 or "sessionid" not in cookies:
    fail(f"the login was refused ({status}):\n{body[:500]}")
print(f"ok  {status} POST {login} (logged in as {os.environ['USERNAME']})")

expect(os.environ["INBOX_URL"], 200)
_headers, page = expect(os.environ["PLAN_URL"], 200)
if "Saluzzo" not in page:
    fail("the plan page does not name its comune")
PY

step "done"
echo "deploy-check passed: the production deployment comes up."
