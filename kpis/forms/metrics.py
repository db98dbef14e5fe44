"""The metric catalogue form; validation is the model's (unique code and name, ordered bounds)."""

from django import forms

from ..models import Metric
from ..services.metrics import METRIC_FIELDS


class MetricForm(forms.ModelForm):
    class Meta:
        model = Metric
        fields = METRIC_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {"is_active": "Offered for new service levels"}
        help_texts = {
            "code": "Letters, digits and hyphens; vendors use it in figure files (CONTRACT/code).",
            "is_active": "Untick to retire the metric: service levels that use it carry on.",
        }

    def __init__(self, *args, fixed=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in fixed:
            self.fields[name].disabled = True
            self.fields[name].help_text = "Fixed: service levels use this metric."


class MetricFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)
    include_inactive = forms.BooleanField(label="Include retired metrics", required=False)
