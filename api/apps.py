"""The REST API, personal API tokens and outgoing webhooks: the top edge of the house."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = "API and webhooks"

    def ready(self):
        # The OpenAPI extension describing the bearer token must be registered before any schema is built.
        from . import schema  # noqa: F401
