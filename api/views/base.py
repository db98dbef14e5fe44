"""What every API view shares: querysets scoped by the access policy, service errors as API errors."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, viewsets
from rest_framework.serializers import as_serializer_error

from accounts import policy

from ..exceptions import Conflict

# Ids are digits; anything else falls through to the JSON 404 of api.urls.
ID_PATTERN = "[0-9]+"


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """List and retrieve the rows the user may see; another vendor's id is a 404."""

    lookup_value_regex = ID_PATTERN

    def base_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        return policy.scope(self.request.user, self.base_queryset())


def validated(serializer_class, request, **kwargs) -> dict:
    serializer = serializer_class(data=request.data, context={"request": request}, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@contextmanager
def service_errors():
    """A service's field errors are a 400; an error about the object's state (no field) a 409."""
    try:
        yield
    except DjangoValidationError as error:
        if hasattr(error, "error_dict"):
            raise exceptions.ValidationError(as_serializer_error(error)) from error
        raise Conflict(" ".join(error.messages)) from error
