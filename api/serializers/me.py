"""What the API shows of the caller and its token."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import TokenScope


class TokenInfoSerializer(serializers.Serializer):
    name = serializers.CharField()
    prefix = serializers.CharField()
    scope = serializers.ChoiceField(choices=TokenScope.choices)
    expires_at = serializers.DateTimeField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    vendor = serializers.IntegerField(source="vendor_id", allow_null=True)
    token = serializers.SerializerMethodField()

    @extend_schema_field(TokenInfoSerializer(allow_null=True))
    def get_token(self, user) -> dict | None:
        token = self.context.get("token")
        return TokenInfoSerializer(token).data if token is not None else None
