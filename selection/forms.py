"""Forms of the selection pages. They parse and check input; the services decide and write."""

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import Role, User
from contracts.models import ContractType
from kpis.models import MeasurementPeriod, Metric
from vendors.models import Vendor

from .models import DEFAULT_CRITERIA, EventStatus, SelectionEvent
from .validation import check_unique_names, check_weights

TEXT_LIMIT = 5000


def _text(label: str, *, required: bool = True, rows: int = 3, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_LIMIT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def internal_users():
    return User.objects.filter(vendor__isnull=True, is_active=True).order_by("full_name", "email")


class _UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_full_name()} ({obj.get_role_display().lower()})"


class _UsersChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_full_name()} ({obj.get_role_display().lower()})"


class EventFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "All statuses"), ("open", "Open (not awarded or cancelled)"), *EventStatus.choices],
        required=False,
    )

    def status_filter(self) -> str:
        return self.cleaned_data.get("status", "") if self.is_valid() else ""


class EventForm(forms.ModelForm):
    scale_min = forms.TypedChoiceField(
        label="Lowest score", choices=[(0, "0"), (1, "1")], coerce=int, initial=0
    )

    class Meta:
        model = SelectionEvent
        fields = ["title", "requirement", "owner", "scale_min", "scale_max", "spread_threshold"]
        widgets = {"requirement": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"scale_max": "For example 5 (a 0–5 scale) or 10 (a 1–10 scale)."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = _UserChoice(
            queryset=internal_users().filter(role__in=[Role.MANAGER, Role.ADMIN]),
            label="Owner",
            help_text="Runs the event: candidates, evaluators, conflicts, the decision and the award.",
        )
        if self.instance.pk and self.instance.status != EventStatus.DRAFT:
            for name in ("scale_min", "scale_max"):
                self.fields[name].disabled = True
                self.fields[name].help_text = "Fixed once scoring has opened."

    def clean(self):
        data = super().clean()
        low, high = data.get("scale_min"), data.get("scale_max")
        if low is not None and high is not None and high <= low:
            self.add_error("scale_max", "The highest score must be above the lowest score.")
        return data


class CriterionForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(max_length=100)
    weight = forms.IntegerField(
        min_value=1, max_value=100, widget=forms.NumberInput(attrs={"class": "input--narrow"})
    )
    description = forms.CharField(max_length=300, required=False)


class BaseCriterionFormSet(forms.BaseFormSet):
    """The criteria of an event: the weights of the rows kept must add up to exactly 100."""

    def clean(self):
        if any(self.errors):
            return
        rows = self.rows()
        try:
            check_weights(row["weight"] for row in rows)
            check_unique_names(row["name"] for row in rows)
        except ValidationError as error:
            raise ValidationError(error.messages) from None

    def rows(self) -> list[dict]:
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or self.can_delete and self._should_delete_form(form):
                continue
            rows.append(
                {
                    "id": data.get("id"),
                    "name": data["name"],
                    "weight": data["weight"],
                    "description": data.get("description", ""),
                }
            )
        return rows


CriterionFormSet = forms.formset_factory(
    CriterionForm, formset=BaseCriterionFormSet, extra=2, can_delete=True, max_num=20, validate_max=True
)


def default_criteria_initial() -> list[dict]:
    return [{"name": n, "weight": w, "description": d} for n, w, d in DEFAULT_CRITERIA]


class CandidateForm(forms.Form):
    KIND_VENDOR, KIND_PROSPECT = "vendor", "prospect"

    kind = forms.ChoiceField(
        label="Candidate",
        choices=[(KIND_VENDOR, "An existing vendor"), (KIND_PROSPECT, "A new prospect")],
        widget=forms.RadioSelect,
        initial=KIND_VENDOR,
    )
    vendor = forms.ModelChoiceField(queryset=Vendor.objects.none(), required=False)
    prospect_name = forms.CharField(label="Prospect's name", max_length=150, required=False)
    contact_name = forms.CharField(label="Contact person", max_length=150, required=False)
    contact_email = forms.EmailField(label="Contact e-mail", required=False)
    website = forms.URLField(required=False, assume_scheme="https")
    notes = _text("Notes", required=False, help_text="Internal: how they came in, first impressions.")

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        taken = event.candidates.filter(vendor__isnull=False).values("vendor_id")
        self.fields["vendor"].queryset = Vendor.objects.exclude(pk__in=taken).order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("kind") == self.KIND_VENDOR:
            if not data.get("vendor"):
                self.add_error("vendor", "Choose the vendor.")
            data["prospect_name"] = ""
        elif data.get("kind") == self.KIND_PROSPECT:
            if not (data.get("prospect_name") or "").strip():
                self.add_error("prospect_name", "Name the prospect.")
            data["vendor"] = None
        return data


class CommitmentForm(forms.Form):
    metric = forms.ModelChoiceField(
        queryset=Metric.objects.filter(is_active=True).order_by("name"),
        help_text="From the KPI catalogue.",
    )
    target = forms.DecimalField(label="Expected level", max_digits=18, decimal_places=4)
    minimum = forms.DecimalField(
        label="Minimum level",
        max_digits=18,
        decimal_places=4,
        required=False,
        help_text="Optional: between the expected and this level is a warning, beyond it a breach.",
    )
    period = forms.ChoiceField(choices=MeasurementPeriod.choices, initial=MeasurementPeriod.MONTHLY)
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, candidate, **kwargs):
        super().__init__(*args, **kwargs)
        taken = candidate.commitments.values("metric_id")
        self.fields["metric"].queryset = self.fields["metric"].queryset.exclude(pk__in=taken)


class EvaluatorForm(forms.Form):
    user = _UserChoice(queryset=User.objects.none(), label="Evaluator")

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        named = event.evaluators.values("user_id")
        self.fields["user"].queryset = internal_users().exclude(pk__in=named)


class DeclarationForm(forms.Form):
    conflict = forms.ChoiceField(
        label="Do you have a conflict of interest with any candidate?",
        choices=[("none", "No, none"), ("declared", "Yes, I declare a conflict")],
        widget=forms.RadioSelect,
    )
    statement = _text(
        "The conflict",
        required=False,
        help_text="Which candidate, what relationship (shares, family, former employer, gifts), since when.",
    )

    def clean(self):
        data = super().clean()
        if data.get("conflict") == "declared" and not (data.get("statement") or "").strip():
            self.add_error("statement", "Describe the conflict so the owner can decide on it.")
        return data


class ConflictDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", "Accept: the evaluator scores"), ("exclude", "Exclude the evaluator")],
        widget=forms.RadioSelect,
    )
    note = _text("Note", required=False, rows=2, help_text="Required when excluding.")

    def clean(self):
        data = super().clean()
        if data.get("decision") == "exclude" and not (data.get("note") or "").strip():
            self.add_error("note", "Say why the evaluator is excluded.")
        return data


class SheetForm(forms.Form):
    """One score and one comment per (candidate, criterion), named ``s-<cand>-<crit>`` / ``c-…``."""

    def __init__(self, *args, event, candidates, criteria, initial_scores, **kwargs):
        super().__init__(*args, **kwargs)
        self.cells = [(cand.pk, crit.pk) for cand in candidates for crit in criteria]
        choices = [("", "—")] + [(str(v), str(v)) for v in range(event.scale_min, event.scale_max + 1)]
        for cand_id, crit_id in self.cells:
            score = initial_scores.get((cand_id, crit_id))
            self.fields[self.score_name(cand_id, crit_id)] = forms.TypedChoiceField(
                label="Score",
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                initial=score.value if score else None,
            )
            self.fields[self.comment_name(cand_id, crit_id)] = forms.CharField(
                label="Comment",
                required=False,
                max_length=2000,
                initial=score.comment if score else "",
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    @staticmethod
    def score_name(cand_id, crit_id) -> str:
        return f"s-{cand_id}-{crit_id}"

    @staticmethod
    def comment_name(cand_id, crit_id) -> str:
        return f"c-{cand_id}-{crit_id}"

    def entries(self) -> dict[tuple[int, int], tuple[int | None, str]]:
        return {
            cell: (
                self.cleaned_data.get(self.score_name(*cell)),
                self.cleaned_data.get(self.comment_name(*cell), ""),
            )
            for cell in self.cells
        }

    def add_cell_errors(self, cells: dict[tuple[int, int], str]) -> None:
        for cell, message in cells.items():
            self.add_error(self.score_name(*cell), message)

    def field_pair(self, cand_id, crit_id):
        return self[self.score_name(cand_id, crit_id)], self[self.comment_name(cand_id, crit_id)]


class DecisionForm(forms.Form):
    candidate = forms.ModelChoiceField(queryset=None, label="Chosen candidate", empty_label=None)
    rationale = _text(
        "Rationale",
        rows=6,
        help_text="Why this candidate: the ranking, how a tie or flagged spread was settled, risks accepted.",
    )
    approvers = _UsersChoice(
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Every approver must approve before the award.",
    )

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidate"].queryset = event.candidates.select_related("vendor")
        self.fields["candidate"].label_from_instance = lambda c: c.name
        self.fields["approvers"].queryset = internal_users()


class ApprovalForm(forms.Form):
    answer = forms.ChoiceField(
        choices=[("approve", "Approve the decision"), ("reject", "Reject it")], widget=forms.RadioSelect
    )
    comment = _text("Comment", required=False, rows=2, help_text="Required when rejecting.")

    def clean(self):
        data = super().clean()
        if data.get("answer") == "reject" and not (data.get("comment") or "").strip():
            self.add_error("comment", "Say why you reject the decision.")
        return data


class AwardForm(forms.Form):
    reference = forms.CharField(max_length=40, help_text="Unique contract reference.")
    title = forms.CharField(max_length=200)
    contract_type = forms.ChoiceField(
        label="Type",
        choices=[(t.value, t.label) for t in (ContractType.MSA, ContractType.SOW)],
        initial=ContractType.MSA,
    )
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    initial_term_end = forms.DateField(
        label="Initial term ends", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("initial_term_end")
        if start and end and end < start:
            self.add_error("initial_term_end", "The initial term must end on or after the start date.")
        return data


class CancelForm(forms.Form):
    reason = _text("Reason", rows=2)


class StepForm(forms.Form):
    """A step that takes no input (open or close scoring)."""
