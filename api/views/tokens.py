"""The signed-in user's API tokens: issue one (its secret is shown once), see and revoke them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import policy

from ..forms import TokenForm
from ..models import ApiToken
from ..services.tokens import api_token_create, api_token_revoke


def _own_tokens(user):
    return policy.scope(user, ApiToken.objects.filter(user_id=user.pk))


@login_required
def token_list(request):
    form = TokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued, plaintext = api_token_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages_)
        else:
            issued.plaintext = plaintext
            form = TokenForm()
    context = {
        "form": form,
        "issued": issued,
        "tokens": _own_tokens(request.user).order_by("-created_at", "-id"),
        "now": timezone.now(),
        "api_base": request.build_absolute_uri("/api/v1/"),
    }
    response = render(request, "api/tokens.html", context, status=201 if issued else 200)
    if issued:
        # The page holds a secret: no cache may keep it.
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request, pk):
    token = policy.get_visible_or_404(request.user, _own_tokens(request.user), pk=pk)
    api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token “{token.name}” revoked; it no longer works.")
    return redirect("api:tokens")
