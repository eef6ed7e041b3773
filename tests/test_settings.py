import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import translation

ROOT = Path(__file__).resolve().parents[1]
STRONG_KEY = "k3y-" + "x7Qp9LmZ2vR8tWc4" * 4
SITE = "https://plm.example.org"


def _manage(*args, **env_extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "PLM_SITE_URL",
            "DATABASE_URL",
            "DJANGO_SETTINGS_MODULE",
        }
    }
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_check():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="plm_workflow.settings.production",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="plm.example.org",
        PLM_SITE_URL="https://plm.example.org",
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr


@pytest.mark.parametrize(
    ("missing", "present"),
    [
        ("SECRET_KEY", {"ALLOWED_HOSTS": "plm.example.org", "PLM_SITE_URL": SITE}),
        ("ALLOWED_HOSTS", {"SECRET_KEY": STRONG_KEY, "PLM_SITE_URL": SITE}),
        ("PLM_SITE_URL", {"SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "plm.example.org"}),
    ],
)
def test_production_settings_refuse_to_start_without_a_required_variable(missing, present):
    result = _manage("check", DJANGO_SETTINGS_MODULE="plm_workflow.settings.production", **present)

    assert result.returncode == 1
    assert f"{missing} is not set: production settings refuse to start without it" in result.stderr


def test_sqlite_is_opened_so_that_concurrent_writers_wait():
    database = django_settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("the suite runs on PostgreSQL")

    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert database["OPTIONS"]["timeout"] >= 5


def test_italian_is_the_default_language_with_english_available():
    assert django_settings.LANGUAGE_CODE == "it"
    assert translation.get_language() == "it"
    assert [code for code, _name in django_settings.LANGUAGES] == ["it", "en"]
    assert django_settings.TIME_ZONE == "Europe/Rome"
    assert django_settings.USE_TZ is True


def test_every_environment_variable_is_documented_in_env_example():
    source = "\n".join(path.read_text() for path in (ROOT / "plm_workflow/settings").glob("*.py"))
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', source))
    read |= set(re.findall(r'_required\("([A-Z_]+)"\)', source))
    documented = set(re.findall(r"^#? ?([A-Z][A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))

    assert read, "no variable found: the pattern no longer matches the settings"
    assert read - documented == set()
