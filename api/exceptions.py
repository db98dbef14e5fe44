"""One error format for every API error: ``{"error": {"code", "message", "fields"?, "items"?}}``.

``fields`` maps a field (``items.3.value`` inside lists) to its messages; ``items`` is the per-item
report of a rejected batch. Validation errors raised by services become 400s like the serializers'.
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler, set_rollback

logger = logging.getLogger("django.request")


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request is too large."
    default_code = "payload_too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


def flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as ``{"a.b.0.c": [messages]}``."""
    if isinstance(detail, dict):
        flat = {}
        for key, value in detail.items():
            flat.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {prefix or "non_field_errors": [str(item) for item in detail]} if detail else {}
        flat = {}
        for index, item in enumerate(detail):
            flat.update(flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    return {prefix or "non_field_errors": [str(detail)]}


def error_body(code: str, message: str, *, fields: dict | None = None, items: list | None = None) -> dict:
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    if items is not None:
        error["items"] = items
    return {"error": error}


def _code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*(exc.args[:1] or ()))

    response = exception_handler(exc, context)
    if response is None:
        # An unexpected failure still answers in the API's format; it is logged with its traceback.
        set_rollback()
        request = context.get("request")
        logger.error("Internal Server Error: %s", getattr(request, "path", "?"), exc_info=exc)
        return Response(
            error_body("server_error", "Something went wrong on our side; the error has been logged."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten(exc.detail)
        general = fields.pop("non_field_errors", [])
        message = " ".join(general) or "The request is not valid; see the fields."
        response.data = error_body("invalid", message, fields=fields or None)
    else:
        response.data = error_body(_code(exc), str(exc.detail))
    return response
