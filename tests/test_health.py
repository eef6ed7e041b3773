"""The health probes, and the static files collectstatic leaves out."""

import ast
from pathlib import Path
from unittest import mock

import pytest
from django.apps import apps
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.migrations.executor import MigrationExecutor

from plm_workflow import health

LIVE = "/health/live/"
READY = "/health/ready/"


def _plain(response, status, body):
    assert response.status_code == status
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == body
    assert "no-cache" in response["Cache-Control"]
    assert not response.cookies


@pytest.mark.django_db
def test_live_answers_ok_without_login_and_without_a_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(LIVE)
    _plain(response, 200, "ok")


def test_live_needs_no_database_at_all(client):
    # No db fixture: pytest-django refuses any query outright.
    _plain(client.get(LIVE), 200, "ok")


@pytest.mark.django_db
def test_ready_answers_ok_without_login_when_ready(client):
    _plain(client.get(READY), 200, "ok")


@pytest.mark.django_db
def test_ready_leaves_no_file_behind(client):
    client.get(READY)
    assert not default_storage.exists(health.PROBE_NAME)
    _directories, files = default_storage.listdir("health")
    assert files == []


@pytest.mark.django_db
def test_ready_removes_a_probe_a_crash_left_behind(client):
    default_storage.save(health.PROBE_NAME, ContentFile(b"left by a crash"))
    _plain(client.get(READY), 200, "ok")
    assert not default_storage.exists(health.PROBE_NAME)


@pytest.mark.django_db
def test_ready_is_503_with_an_unapplied_migration(client, caplog):
    real = MigrationExecutor

    def executor(connection):
        instance = real(connection)
        instance.migration_plan = lambda targets: [
            (mock.Mock(__str__=lambda s: "plans.9999"), False)
        ]
        return instance

    with mock.patch.object(health, "MigrationExecutor", side_effect=executor):
        response = client.get(READY)
    _plain(response, 503, "not ready")
    assert "unapplied migration" in caplog.text


@pytest.mark.django_db
def test_ready_is_503_when_the_storage_refuses_a_file(client, caplog):
    with mock.patch.object(health, "default_storage", **{"exists.return_value": False}) as storage:
        storage.save.side_effect = PermissionError("[Errno 13] Permission denied: '/srv/media'")
        response = client.get(READY)
    _plain(response, 503, "not ready")
    # The reason goes to the log, never to whoever asks.
    assert "Permission denied" in caplog.text
    assert b"Permission" not in response.content


@pytest.mark.django_db
def test_ready_is_503_when_the_database_does_not_answer(client):
    with mock.patch.object(health, "connections") as connections:
        connections.__getitem__.return_value.cursor.side_effect = OSError("connection refused")
        response = client.get(READY)
    _plain(response, 503, "not ready")


@pytest.mark.parametrize("url", [LIVE, READY])
def test_probes_take_no_writes(client, url):
    assert client.post(url).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("url", [LIVE, READY])
def test_probes_answer_over_plain_http_under_the_ssl_redirect(client, settings, url):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = _production_redirect_exempt()
    assert client.get(url).status_code == 200
    # Every other page still goes to HTTPS.
    assert client.get("/accounts/login/").status_code == 301


def _production_redirect_exempt():
    """SECURE_REDIRECT_EXEMPT as production.py sets it, read without importing the module."""
    source = Path(health.__file__).parent.joinpath("settings", "production.py").read_text()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "SECURE_REDIRECT_EXEMPT":
            return ast.literal_eval(node.value)
    raise AssertionError("production.py sets no SECURE_REDIRECT_EXEMPT")


def _collected():
    """What collectstatic copies: every finder's list, with the staticfiles app's patterns."""
    patterns = apps.get_app_config("staticfiles").ignore_patterns
    return {path for finder in finders.get_finders() for path, _storage in finder.list(patterns)}


def test_collectstatic_leaves_out_viewflows_stray_roboto_copy():
    collected = _collected()
    stray = "viewflow/fonts/roboto/node_modules/roboto-fontface/css/roboto/roboto-fontface.css"
    # The file is still shipped by viewflow (drop this workaround once it is not)…
    assert finders.find(stray) is not None
    # …and left out of what is collected, while what the templates use is kept.
    assert not any(path.startswith("viewflow/fonts/roboto/node_modules/") for path in collected)
    assert "viewflow/fonts/roboto/roboto-fontface.css" in collected
    assert "viewflow/img/favicon.png" in collected
