"""Forms of the governance pages: the vendor's monthly progress update."""

from django import forms

from ..models import ProgressUpdate


class ProgressUpdateForm(forms.ModelForm):
    """What the vendor reports for the month; the month itself is the one running now."""

    class Meta:
        model = ProgressUpdate
        fields = ("rag", "summary", "risks", "requests")
        widgets = {
            "rag": forms.RadioSelect,
            "summary": forms.Textarea(attrs={"rows": 6}),
            "risks": forms.Textarea(attrs={"rows": 4}),
            "requests": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "rag": "Your own view of the relationship this month.",
            "summary": "What was delivered, what changed, what is coming next.",
            "risks": "Risks and issues the client should know about, with what you are doing about them.",
            "requests": "Decisions, access or information you need from the client.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A radio list needs no empty "---------" choice.
        self.fields["rag"].choices = ProgressUpdate.Rag.choices

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "rag": data["rag"],
            "summary": data["summary"],
            "risks": data["risks"],
            "requests": data["requests"],
        }
