"""The scoring scheme form and its standing bands. The admin uses the same band formset: bands must
cover 0–100 without gap or overlap (``validate_bands``); the weights' sum is the model's own check."""

from django import forms
from django.core.exceptions import ValidationError

from ..models import ScoringScheme, StandingBand
from ..models.scoring import CATEGORY_WEIGHT_FIELDS, validate_bands


class StandingBandFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        try:
            validate_bands([(lower, upper) for _name, _rag, lower, upper in self.bands()])
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None

    def bands(self) -> list[tuple]:
        """(name, rag, lower, upper) of every band kept."""
        return [
            (
                form.cleaned_data["name"],
                form.cleaned_data["rag"],
                form.cleaned_data["lower"],
                form.cleaned_data["upper"],
            )
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and {"name", "rag", "lower", "upper"} <= set(form.cleaned_data)
        ]


class StandingBandForm(forms.ModelForm):
    class Meta:
        model = StandingBand
        fields = ("name", "rag", "lower", "upper")

    def validate_unique(self):
        # Bands are checked as a set (no gap, no overlap) and replaced together, so a band may take over
        # another's lower bound in the same save.
        pass


class ScoringSchemeForm(forms.ModelForm):
    class Meta:
        model = ScoringScheme
        fields = ("name", *CATEGORY_WEIGHT_FIELDS, "warning_points")
        labels = {
            "weight_quality": "Quality weight (%)",
            "weight_delivery": "Delivery weight (%)",
            "weight_responsiveness": "Responsiveness weight (%)",
            "weight_relationship": "Relationship weight (%)",
            "warning_points": "Points for a warning",
        }
        help_texts = {"warning_points": "A met period scores 100 points, a breached or unreported one 0."}


BandFormSet = forms.inlineformset_factory(
    ScoringScheme,
    StandingBand,
    form=StandingBandForm,
    formset=StandingBandFormSet,
    fields=("name", "rag", "lower", "upper"),
    extra=1,
    can_delete=True,
)
