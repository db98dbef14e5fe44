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
    """Drops every field that shows an internal-only model field unless the requesting user is internal.

    Which fields those are comes from the models' policy declarations alone (``policy_internal_fields``
    and ``policy_mirrored_fields``, see ``accounts.policy``): a field is internal when its source is an
    internal field of the serializer's model or reaches one through a relation
    (``source="service_level.credit_allocation_percent"``). No serializer keeps its own list.
    The schema documents every field; the internal ones as optional (see ``api.schema``).
    """

    def internal_field_names(self, fields=None) -> tuple[str, ...]:
        if fields is None:
            fields = super().get_fields()
        model = self.Meta.model
        return tuple(
            name
            for name, field in fields.items()
            if (field.source or name) != "*" and policy.is_internal_path(model, field.source or name)
        )

    def get_fields(self):
        fields = super().get_fields()
        if getattr(self.context.get("view"), "swagger_fake_view", False):
            return fields
        request = self.context.get("request")
        if not policy.sees_internal(getattr(request, "user", None)):
            for name in self.internal_field_names(fields):
                del fields[name]
        return fields


class ReadOnlyModelSerializer(PolicyFieldsMixin, serializers.ModelSerializer):
    def get_extra_kwargs(self):
        extra = super().get_extra_kwargs()
        for name in self.Meta.fields:
            extra.setdefault(name, {})["read_only"] = True
        return extra
