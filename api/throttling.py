"""Rate limits per API token, at ``settings.API_THROTTLE_RATE``.

Machine clients use tokens, so that is where the limit applies; a browser session is a person at the
portal, and a request without valid credentials is refused before any work is done.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class PerTokenRateThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self):
        # Read on every request rather than at import, so the setting can change without a restart of tests.
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": f"token-{request.auth.pk}"}
