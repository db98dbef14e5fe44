"""The preferences form: a delivery choice per kind the person can receive, and the digest's schedule."""

from django import forms
from django.core.exceptions import ValidationError

from .kinds import DeliveryMode, DigestFrequency, NotificationKind, kinds_for
from .models import NotificationPreference, validate_time_zone

MODE_PREFIX = "mode_"


class PreferencesForm(forms.Form):
    digests_enabled = forms.BooleanField(
        label="Send me the digest e-mail",
        required=False,
        help_text="A summary of what needs you, only when there is something to say.",
    )
    digest_frequency = forms.ChoiceField(label="How often", choices=DigestFrequency.choices)
    delivery_time = forms.TimeField(
        label="Delivery time",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Local time in your time zone.",
    )
    time_zone = forms.CharField(
        label="Time zone",
        max_length=64,
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off", "spellcheck": "false"}),
        help_text="A name such as Europe/Paris, America/New_York or UTC.",
    )

    def __init__(self, data=None, *, user, preference: NotificationPreference, **kwargs):
        initial = {
            "digests_enabled": preference.digests_enabled,
            "digest_frequency": preference.digest_frequency,
            "delivery_time": preference.delivery_time,
            "time_zone": preference.time_zone,
        }
        self.kinds = kinds_for(user.role)
        for kind in self.kinds:
            initial[MODE_PREFIX + kind] = preference.mode_for(kind)
        super().__init__(data, initial=initial, **kwargs)
        for kind in self.kinds:
            self.fields[MODE_PREFIX + kind] = forms.ChoiceField(
                label=NotificationKind(kind).label, choices=DeliveryMode.choices, widget=forms.RadioSelect
            )

    def clean_time_zone(self):
        name = self.cleaned_data["time_zone"].strip()
        try:
            validate_time_zone(name)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return name

    @property
    def mode_fields(self):
        return [self[MODE_PREFIX + kind] for kind in self.kinds]

    @property
    def schedule_fields(self):
        return [self[name] for name in ("digests_enabled", "digest_frequency", "delivery_time", "time_zone")]

    def modes(self) -> dict[str, str]:
        return {kind: self.cleaned_data[MODE_PREFIX + kind] for kind in self.kinds}
