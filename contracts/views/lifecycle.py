"""Contract lifecycle pages: deliverables (lists, detail, workflow, evidence), documents, renewal decisions.

The contract page itself combines every app's data and lives in ``portal``; these views handle the
actions it links to and the deliverable pages.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.files import download_response
from accounts.forms import add_service_errors

from .. import services
from ..forms import (
    DeliverableFilterForm,
    DeliverForm,
    DocumentForm,
    RejectForm,
    RenewalDecisionForm,
    SnoozeForm,
)
from ..models import Contract
from ..selectors.deliverables import (
    deliverable_evidence_for_user,
    deliverable_for_user,
    deliverable_vendors_for_user,
    deliverables_for_user,
    mark_overdue,
)
from ..selectors.documents import document_for_user, documents_for_user

PAGE_SIZE = 50


def _contract_for_user(user, pk) -> Contract:
    return policy.get_visible_or_404(user, Contract.objects.select_related("vendor", "parent"), pk=pk)


# ---- Deliverables -------------------------------------------------------------------------------------


def _deliverable_list(request, *, contract=None):
    today = timezone.localdate()
    vendors = None if contract is not None else deliverable_vendors_for_user(user=request.user)
    form = DeliverableFilterForm(request.GET or None, vendors=vendors)
    deliverables = deliverables_for_user(
        user=request.user, today=today, contract=contract, filters=form.filters()
    )
    page_obj = Paginator(deliverables, PAGE_SIZE).get_page(request.GET.get("page"))
    mark_overdue(page_obj.object_list, today)
    context = {"form": form, "page_obj": page_obj, "contract": contract, "today": today}
    return render(request, "contracts/deliverable_list.html", context)


@login_required
def deliverable_portfolio(request):
    """Every deliverable and milestone the user may see, across contracts."""
    return _deliverable_list(request)


@login_required
def contract_deliverables(request, pk):
    """One contract's deliverables and milestones."""
    return _deliverable_list(request, contract=_contract_for_user(request.user, pk))


def _detail(request, deliverable, *, deliver_form=None, reject_form=None):
    today = timezone.localdate()
    mark_overdue([deliverable], today)
    user = request.user
    may_deliver = services.may_deliver(user, deliverable)
    may_decide = services.may_decide(user, deliverable)
    context = {
        "deliverable": deliverable,
        "contract": deliverable.contract,
        "evidence": deliverable.evidence.all(),
        "may_deliver": may_deliver,
        "may_decide": may_decide,
        "deliver_form": deliver_form or (DeliverForm() if may_deliver else None),
        "reject_form": reject_form or (RejectForm() if may_decide else None),
    }
    return render(request, "contracts/deliverable_detail.html", context)


@login_required
def deliverable_detail(request, deliverable_pk):
    return _detail(request, deliverable_for_user(user=request.user, pk=deliverable_pk))


@login_required
@require_POST
def deliverable_deliver(request, deliverable_pk):
    deliverable = deliverable_for_user(user=request.user, pk=deliverable_pk)
    if not services.may_deliver(request.user, deliverable):
        raise PermissionDenied
    form = DeliverForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.deliverable_deliver(
                deliverable=deliverable,
                actor=request.user,
                evidence=form.cleaned_data["evidence"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Marked delivered; the approver has been asked to accept it.")
            return redirect(deliverable.get_absolute_url())
    return _detail(request, deliverable, deliver_form=form)


@login_required
@require_POST
def deliverable_accept(request, deliverable_pk):
    deliverable = deliverable_for_user(user=request.user, pk=deliverable_pk)
    if not policy.sees_internal(request.user):
        raise PermissionDenied
    try:
        services.deliverable_accept(deliverable=deliverable, actor=request.user)
    except PermissionDenied:
        messages.error(request, "Only the named approver or a manager accepts a delivered deliverable.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Accepted.")
    return redirect(deliverable.get_absolute_url())


@login_required
@require_POST
def deliverable_reject(request, deliverable_pk):
    deliverable = deliverable_for_user(user=request.user, pk=deliverable_pk)
    if not services.may_decide(request.user, deliverable):
        if not policy.sees_internal(request.user):
            raise PermissionDenied
        messages.error(request, "Only the named approver or a manager rejects a delivered deliverable.")
        return redirect(deliverable.get_absolute_url())
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.deliverable_reject(
                deliverable=deliverable, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Rejected; the vendor sees your reason and delivers again.")
            return redirect(deliverable.get_absolute_url())
    return _detail(request, deliverable, reject_form=form)


@login_required
def deliverable_evidence(request, deliverable_evidence_pk):
    return download_response(deliverable_evidence_for_user(user=request.user, pk=deliverable_evidence_pk))


# ---- Documents --------------------------------------------------------------------------------------


@login_required
def document_upload(request, pk):
    contract = _contract_for_user(request.user, pk)
    if not services.may_upload_documents(request.user, contract):
        raise PermissionDenied
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = services.document_upload(
                contract=contract,
                actor=request.user,
                title=form.cleaned_data["title"],
                uploaded_file=form.cleaned_data["file"],
                shared_with_vendor=form.cleaned_data["shared_with_vendor"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Uploaded {document.title}, version {document.version}.")
            return redirect(reverse("contracts:detail", args=[contract.pk]) + "#documents")
    context = {
        "contract": contract,
        "form": form,
        "documents": documents_for_user(user=request.user, contract=contract),
    }
    return render(request, "contracts/document_form.html", context)


@login_required
def document_download(request, contract_document_pk):
    return download_response(document_for_user(user=request.user, pk=contract_document_pk))


@login_required
@require_POST
def document_share(request, contract_document_pk):
    document = document_for_user(user=request.user, pk=contract_document_pk)
    if not services.may_upload_documents(request.user, document.contract):
        raise PermissionDenied
    shared = request.POST.get("shared") == "1"
    services.document_set_shared(document=document, actor=request.user, shared=shared)
    verb = "now shared with the vendor" if shared else "now internal only"
    messages.success(request, f"{document} is {verb}.")
    return redirect(reverse("contracts:detail", args=[document.contract_id]) + "#documents")


# ---- Renewal decisions and reminders -----------------------------------------------------------------


def _renewal_redirect(contract):
    return redirect(reverse("contracts:detail", args=[contract.pk]) + "#renewal")


@login_required
@require_POST
def renewal_decide(request, pk):
    contract = _contract_for_user(request.user, pk)
    if not services.may_manage_renewal(request.user, contract):
        raise PermissionDenied
    form = RenewalDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose renew, renegotiate or terminate, and give the rationale.")
        return _renewal_redirect(contract)
    try:
        decision = services.renewal_decide(contract=contract, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Recorded: {decision.get_decision_display().lower()} for the term ending "
            f"{decision.term_end:%d %b %Y}. Its reminders have stopped.",
        )
    return _renewal_redirect(contract)


@login_required
@require_POST
def reminders_snooze(request, pk):
    contract = _contract_for_user(request.user, pk)
    if not services.may_manage_renewal(request.user, contract):
        raise PermissionDenied
    form = SnoozeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a valid date to snooze until.")
        return _renewal_redirect(contract)
    until = form.cleaned_data["until"]
    try:
        services.reminders_snooze(contract=contract, actor=request.user, until=until)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        text = f"Reminders snoozed until {until:%d %b %Y}." if until else "Reminders resume."
        messages.success(request, text)
    return _renewal_redirect(contract)
