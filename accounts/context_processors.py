"""Template context about the logged-in user's access."""

from django.conf import settings

from . import policy


def access(request):
    user = getattr(request, "user", None)
    return {
        "portal_name": settings.PORTAL_NAME,
        "is_internal": policy.sees_internal(user),
        "can_change": policy.role_allows(user, policy.Action.CHANGE),
        "can_view_audit": policy.role_allows(user, policy.Action.VIEW_AUDIT),
    }
