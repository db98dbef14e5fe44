"""The target-change form: new expected and minimum levels, the first period they apply to, a reason."""

from datetime import date

from django import forms

from .. import periods
from ..services.measurements import first_changeable_period
from ..services.whatif import DEFAULT_WINDOW_MONTHS, WINDOW_MONTHS

PERIODS_OFFERED = 12


def _period_label(kind: str, start) -> str:
    if kind == periods.MONTHLY:
        return start.strftime("%B %Y")
    if kind == periods.QUARTERLY:
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return f"Week of {start.day} {start:%B %Y}"


def window_choices():
    return [(m, f"Last {m} months") for m in WINDOW_MONTHS]


class TargetChangeForm(forms.Form):
    """A change never reaches back: the first period it applies to is the open one or a later one."""

    target = forms.DecimalField(label="New expected level", max_digits=18, decimal_places=4)
    minimum = forms.DecimalField(label="New minimum level", max_digits=18, decimal_places=4)
    effective_from = forms.TypedChoiceField(
        label="First period it applies to",
        help_text="The current period or a later one: periods that started earlier keep their levels.",
    )
    reason = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown in the service level's target history, to both sides.",
    )
    months = forms.TypedChoiceField(
        label="What-if replay over",
        coerce=int,
        choices=window_choices,
        initial=DEFAULT_WINDOW_MONTHS,
        required=False,
        help_text="How many months of stored figures the preview replays under the new levels.",
    )

    def __init__(self, *args, service_level, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.service_level = service_level
        kind = service_level.period
        start = first_changeable_period(service_level, now=now)
        choices = []
        for _ in range(PERIODS_OFFERED):
            choices.append((start.isoformat(), _period_label(kind, start)))
            start = periods.next_period_start(kind, start)
        field = self.fields["effective_from"]
        field.choices = choices
        field.coerce = date.fromisoformat
        if not self.is_bound:
            self.initial.setdefault("target", service_level.target)
            self.initial.setdefault("minimum", service_level.minimum)
            self.initial.setdefault("effective_from", choices[1][0])
