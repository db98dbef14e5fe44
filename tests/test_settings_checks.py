"""Settings fail loudly on bad values, and the embedded profile is refused when DEBUG is off."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from accounts.checks import embedded_profile_check

BASE_DIR = Path(settings.BASE_DIR)
SQLITE = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "portal.sqlite3"}}
POSTGRES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "vendorportal"}}
# Variables the settings read; each subprocess starts without the ones of this shell.
SETTINGS_VARIABLES = [
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "TIME_ZONE",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "EMAIL_URL",
]

pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES can lead to unexpected behavior")


def check_ids():
    return sorted(message.id for message in embedded_profile_check())


@override_settings(DEBUG=False, DATABASES=SQLITE, CELERY_BROKER_URL="filesystem://")
def test_embedded_profile_is_refused_when_debug_is_off():
    assert check_ids() == ["portal.E001", "portal.E002"]


@override_settings(DEBUG=True, DATABASES=SQLITE, CELERY_BROKER_URL="filesystem://")
def test_embedded_profile_is_fine_when_debug_is_on():
    assert check_ids() == []


@override_settings(DEBUG=False, DATABASES=POSTGRES, CELERY_BROKER_URL="redis://127.0.0.1:6379/0")
def test_postgres_and_redis_pass_when_debug_is_off():
    assert check_ids() == []


def run_python(*args, tmp_path, **variables):
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    # Empty, not absent: a developer's .env file fills in only the variables that are missing.
    env.update(SECRET_KEY="", REDIS_URL="", DJANGO_SETTINGS_MODULE="config.settings", VAR_DIR=str(tmp_path))
    env.update(variables)
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def setup_django(tmp_path, **variables):
    return run_python("-c", "import django; django.setup()", tmp_path=tmp_path, **variables)


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off(tmp_path):
    result = setup_django(tmp_path, DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_settings_start_on_the_embedded_profile_with_debug_on(tmp_path):
    result = setup_django(tmp_path, DEBUG="true")

    assert result.returncode == 0, result.stderr


def test_settings_refuse_an_unknown_time_zone(tmp_path):
    result = setup_django(tmp_path, DEBUG="true", TIME_ZONE="Mars/Olympus")

    assert result.returncode != 0
    assert "Mars/Olympus" in result.stderr


def test_settings_refuse_a_redis_url_that_is_not_redis(tmp_path):
    result = setup_django(tmp_path, DEBUG="true", REDIS_URL="http://x")

    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr


def test_settings_refuse_a_csrf_origin_without_scheme(tmp_path):
    result = setup_django(tmp_path, DEBUG="true", CSRF_TRUSTED_ORIGINS="portal.example.com")

    assert result.returncode != 0
    assert "CSRF_TRUSTED_ORIGINS" in result.stderr


def deploy_check(tmp_path, **variables):
    production = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "portal.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://portal.example.com",
    }
    command = ["manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    return run_python(*command, tmp_path=tmp_path, **{**production, **variables})


def test_deploy_check_refuses_the_embedded_profile(tmp_path):
    result = deploy_check(
        tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}", CELERY_BROKER_URL="filesystem://"
    )

    assert result.returncode != 0
    assert "portal.E001" in result.stderr
    assert "portal.E002" in result.stderr


def test_deploy_check_passes_with_production_settings(tmp_path):
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        pytest.skip("DATABASE_URL does not name a PostgreSQL database")

    result = deploy_check(tmp_path, DATABASE_URL=database_url, REDIS_URL="redis://127.0.0.1:6379/0")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
