"""One-time form tokens: a create form submitted twice (a double click, a page sent again) creates once.

Each create form carries a random token in a hidden field. The first submission inserts the token's
row (a unique column) in the same transaction as the object it creates; a second submission with the
same token — at once or later — hits the unique constraint and is sent to what the first one created.
A submission that fails validation rolls its row back, so the corrected form can be sent again.
"""

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import FormSubmission

FIELD_NAME = "form_token"
# Rows older than this are of no use (nobody resubmits a week-old page) and are cleared as new ones come.
KEEP_FOR = timedelta(days=7)


def new_form_token() -> str:
    return secrets.token_urlsafe(32)


def form_token_field() -> forms.CharField:
    """The hidden field; a fresh token each time an unbound form is rendered."""
    return forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=64, initial=new_form_token, label=""
    )


@transaction.atomic
def create_once(*, token: str | None, user, create: Callable[[], Any], url_of: Callable[[Any], str]):
    """Run ``create`` once per token; returns ``(url, created)``.

    ``create`` is the service call; ``url_of`` names where its result is shown. Without a token (a
    client that did not load the form) the call simply runs.
    """
    if not token:
        made = create()
        return url_of(made), True
    now = timezone.now()
    try:
        with transaction.atomic():
            FormSubmission.objects.create(token=token, user=user, created_at=now)
    except IntegrityError:
        # The first submission has committed (PostgreSQL made this insert wait for it): follow it.
        earlier = FormSubmission.objects.filter(token=token, user=user).exclude(url="").first()
        if earlier is None:
            raise ValidationError(
                "This form has been sent already; reload the page to start again."
            ) from None
        return earlier.url, False
    made = create()
    url = url_of(made)
    FormSubmission.objects.filter(token=token).update(url=url[:500])
    FormSubmission.objects.filter(user=user, created_at__lt=now - KEEP_FOR).delete()
    return url, True
