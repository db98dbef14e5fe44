"""System checks: refuse the embedded profile (SQLite, file-system broker) when DEBUG is off."""

from django.conf import settings
from django.core.checks import Error, register

EMBEDDED_BROKERS = ("filesystem://", "memory://")


@register()
def embedded_profile_check(app_configs=None, **kwargs):
    if settings.DEBUG:
        return []
    errors = []
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        errors.append(
            Error(
                "SQLite is the embedded development database and must not run with DEBUG off.",
                hint="Set DATABASE_URL to a PostgreSQL database, e.g. postgres://user:pass@host:5432/portal.",
                id="portal.E001",
            )
        )
    if settings.CELERY_BROKER_URL.startswith(EMBEDDED_BROKERS):
        errors.append(
            Error(
                "The embedded file-system Celery broker must not run with DEBUG off.",
                hint="Set REDIS_URL (or CELERY_BROKER_URL) to a Redis server, e.g. redis://host:6379/0.",
                id="portal.E002",
            )
        )
    return errors
