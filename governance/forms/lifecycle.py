"""Forms of the vendor lifecycle page: a move with its reason and date, the checklist override, and on
exit the exit date, the plan and its steps (which become action items)."""

from django import forms

from vendors.models import Vendor, VendorStatus

from ..models import Side

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Moves that end or wind down the relationship are confirmed explicitly.
CONFIRMED_MOVES = (VendorStatus.EXITING, VendorStatus.EXITED)


class LifecycleMoveForm(forms.Form):
    to_status = forms.ChoiceField(label="Move to", widget=forms.RadioSelect)
    effective_on = forms.DateField(label="Effective on", widget=DATE_WIDGET)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Reason")
    override_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Override reason",
        help_text="Only to activate a vendor whose required onboarding items are still open.",
    )
    exit_on = forms.DateField(
        label="Exit date",
        required=False,
        widget=DATE_WIDGET,
        help_text="When moving to exiting: the last day.",
    )
    exit_plan = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label="Exit plan",
        help_text="When moving to exiting: how services are handed back or over. Internal only.",
    )
    confirm = forms.BooleanField(
        required=False,
        label="I confirm this move",
        help_text="Exiting and exited end the relationship; the move is recorded for good.",
    )

    def __init__(self, *args, vendor: Vendor, moves, target: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(VendorStatus.choices)
        self.fields["to_status"].choices = [(move, labels[move]) for move in moves]
        if target in moves:
            # One move chosen from the lifecycle page: only the fields that move needs.
            self.fields["to_status"].widget = forms.HiddenInput()
            self.fields["to_status"].initial = target
            if target != VendorStatus.ACTIVE:
                del self.fields["override_reason"]
            if target != VendorStatus.EXITING:
                del self.fields["exit_on"], self.fields["exit_plan"]
            if target not in CONFIRMED_MOVES:
                del self.fields["confirm"]

    def clean(self):
        data = super().clean()
        if data.get("to_status") in CONFIRMED_MOVES and not data.get("confirm"):
            self.add_error("confirm", "Tick the box to confirm this move.")
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "to_status": data["to_status"],
            "effective_on": data["effective_on"],
            "reason": data["reason"],
            "override_reason": data.get("override_reason", ""),
            "exit_on": data.get("exit_on"),
            "exit_plan": data.get("exit_plan", ""),
        }


class ExitStepForm(forms.Form):
    title = forms.CharField(max_length=200, required=False, label="Step")
    owner_side = forms.ChoiceField(
        choices=[(Side.INTERNAL, "The client"), (Side.VENDOR, "The vendor")],
        label="Owned by",
        initial=Side.VENDOR,
    )
    due_on = forms.DateField(required=False, label="Due on", widget=DATE_WIDGET)

    def clean(self):
        data = super().clean()
        if data.get("title") and not data.get("due_on"):
            self.add_error("due_on", "Give the step a due date.")
        return data


ExitStepFormSet = forms.formset_factory(ExitStepForm, extra=3, max_num=10)
