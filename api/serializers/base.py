"""What every API serializer shares. Fields a model lists as internal-only are dropped for vendor users.

Serializers only shape data: reads come scoped from the views' querysets, writes go to services."""

from rest_framework import serializers

from accounts import policy

MAX_ID = 2**63 - 1


KEY_PATTERN = r"^[A-Za-z0-9._:~/+=@-]{1,100}$"


TEXT_MAX = 5000


def _id_field(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _value_field(**kwargs):
    return serializers.DecimalField(max_digits=18, decimal_places=4, **kwargs)


class PolicyFieldsMixin:
    """Drops the model's ``policy_internal_fields`` unless the requesting user is internal.

    The schema documents every field; the internal ones as optional (see ``api.schema``).
    """

    def internal_field_names(self) -> tuple[str, ...]:
        return policy.internal_fields(self.Meta.model)

    def get_fields(self):
        fields = super().get_fields()
        if getattr(self.context.get("view"), "swagger_fake_view", False):
            return fields
        request = self.context.get("request")
        if not policy.sees_internal(getattr(request, "user", None)):
            for name in self.internal_field_names():
                fields.pop(name, None)
        return fields


class ReadOnlyModelSerializer(PolicyFieldsMixin, serializers.ModelSerializer):
    def get_extra_kwargs(self):
        extra = super().get_extra_kwargs()
        for name in self.Meta.fields:
            extra.setdefault(name, {})["read_only"] = True
        return extra
