"""OpenAPI details: the error responses of every operation, the bearer token scheme, internal fields.

Every operation documents the errors it can answer with, in the one error format; fields that only
internal users receive are documented as optional.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

ERROR_RESPONSES = {
    "400": "The request is not valid: `fields` (and `items` for a batch) say what is wrong.",
    "401": "No credentials, or a token that is unknown, expired or revoked.",
    "403": "Not allowed: the user's role may not do this, or a read-only token tried to change something.",
    "404": "No such object, or one this user may not see (another vendor's object is never a 403).",
    "409": "Conflicts with the current state: an idempotency key used for another figure, a figure "
    "already corrected, a breach no longer in a state that allows this step.",
    "413": "Too large: more items than a batch may hold, or a body over the size limit.",
    "415": "The body must be JSON (`Content-Type: application/json`).",
    "429": "Too many requests for this token; retry after the `Retry-After` header's seconds.",
}
WRITE_ONLY_ERRORS = ("409", "413", "415")


class ItemErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the item in the batch, from 0.")
    idempotency_key = serializers.CharField(allow_null=True)
    code = serializers.CharField(
        help_text="invalid, duplicate_key, idempotency_conflict, permission_denied …"
    )
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ErrorBodySerializer(serializers.Serializer):
    """``fields`` would shadow Serializer.fields as a declared attribute, so the fields are built here."""

    def get_fields(self):
        return {
            "code": serializers.CharField(help_text="Machine-readable: invalid, not_found, throttled …"),
            "message": serializers.CharField(),
            "fields": serializers.DictField(
                child=serializers.ListField(child=serializers.CharField()),
                required=False,
                help_text="Messages per field; nested fields as `items.3.value`.",
            ),
            "items": ItemErrorSerializer(many=True, required=False, help_text="Per-item report of a batch."),
        }


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


class ApiAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, description in ERROR_RESPONSES.items():
            if code in WRITE_ONLY_ERRORS and self.method in SAFE_METHODS:
                continue
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=description), code, direction=direction
                )
        return responses

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        internal = set(getattr(serializer, "internal_field_names", lambda: ())())
        if internal and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in internal]
            if not schema["required"]:
                del schema["required"]
        for name in internal & set(schema.get("properties", {})):
            prop = schema["properties"][name]
            if "$ref" not in prop:
                prop["description"] = (prop.get("description", "") + " Internal users only.").strip()
        return schema


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        scheme = build_bearer_security_scheme_object(header_name="AUTHORIZATION", token_prefix="Bearer")  # noqa: S106
        scheme["description"] = "A personal API token: `Authorization: Bearer vgp_…`."
        return scheme
