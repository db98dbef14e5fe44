"""Who may call the API at all: signed-in users; tokens need the write scope for changes.

Which rows and actions a user may reach is the access policy's business (accounts.policy), applied
by every queryset and service.
"""

from rest_framework import permissions

from .models import ApiToken


class TokenScopePermission(permissions.IsAuthenticated):
    message = "This token is read-only; changes need a token with the write scope."

    def has_permission(self, request, view):
        if not super().has_permission(request, view) or not request.user.is_active:
            return False
        if isinstance(request.auth, ApiToken) and request.method not in permissions.SAFE_METHODS:
            return request.auth.can_write
        return True
