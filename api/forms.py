"""The form of the API tokens page."""

from django import forms
from django.conf import settings

from .models import TokenScope


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="The system that will use it, e.g. “Monitoring export”.", strip=True
    )
    scope = forms.ChoiceField(
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        help_text="Write lets the token submit figures and answer breaches, as far as your role allows.",
    )
    days = forms.IntegerField(
        label="Valid for (days)", min_value=1, max_value=settings.API_TOKEN_MAX_DAYS, initial=90
    )
