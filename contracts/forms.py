"""Forms of the contract pages: deliverable actions, documents, renewal decisions, filters."""

from django import forms

from .models import DeliverableStatus, RenewalChoice

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DeliverForm(forms.Form):
    evidence = forms.FileField(
        label="The deliverable or evidence of it",
        help_text="PDF, Word, Excel, PNG, JPEG, CSV or text; checked by content, up to the upload limit.",
    )
    note = forms.CharField(
        label="Note to the approver",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Why it is rejected",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The vendor sees the reason and delivers again.",
    )


class DocumentForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        help_text="Uploading under an existing title adds its next version.",
        widget=forms.TextInput(attrs={"list": "document-titles"}),
    )
    file = forms.FileField(help_text="PDF, Word or Excel; checked by content, up to the upload limit.")
    note = forms.CharField(label="What changed", max_length=500, required=False)
    shared_with_vendor = forms.BooleanField(
        label="Share this version with the vendor", required=False, help_text="Otherwise it stays internal."
    )


class RenewalDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=RenewalChoice.choices, widget=forms.RadioSelect)
    rationale = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class SnoozeForm(forms.Form):
    until = forms.DateField(
        label="Hold reminders until",
        required=False,
        widget=DATE_INPUT,
        help_text="Leave empty to lift the snooze.",
    )


class DeliverableFilterForm(forms.Form):
    vendor_id = forms.TypedChoiceField(label="Vendor", coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(choices=[("", "Any status"), *DeliverableStatus.choices], required=False)
    overdue = forms.BooleanField(label="Overdue only", required=False)

    def __init__(self, *args, vendors=None, **kwargs):
        super().__init__(*args, **kwargs)
        if vendors is None:
            del self.fields["vendor_id"]
        else:
            self.fields["vendor_id"].choices = [("", "All vendors"), *((v.pk, v.name) for v in vendors)]

    def filters(self) -> dict:
        return self.cleaned_data if self.is_valid() else {}
