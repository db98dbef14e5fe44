"""Who the caller is, and which token it used."""

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import ApiToken
from ..serializers.me import MeSerializer


class MeView(APIView):
    @extend_schema(summary="The caller", responses={200: MeSerializer})
    def get(self, request):
        token = request.auth if isinstance(request.auth, ApiToken) else None
        return Response(MeSerializer(request.user, context={"token": token}).data)


class NotFoundView(APIView):
    """Any other path under /api/: a 404 in the API's error format rather than an HTML page."""

    schema = None
    authentication_classes = []
    permission_classes = []

    def _not_found(self, request, *args, **kwargs):
        raise NotFound("No such endpoint. API paths end with a slash, e.g. /api/v1/vendors/.")

    get = post = put = patch = delete = head = options = _not_found
