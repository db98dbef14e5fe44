"""The interactive API documentation (Swagger UI, served from the portal's static files)."""

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_safe
from drf_spectacular.views import SpectacularSwaggerSplitView

# The split view serves its start-up script as a file of its own (the CSP allows no inline script).
_swagger = SpectacularSwaggerSplitView.as_view(url_name="api:schema")


@require_safe
@login_required
def api_docs(request):
    # A plain view rather than the APIView itself: a page for the browser, so CSRF and login apply.
    return _swagger(request)
