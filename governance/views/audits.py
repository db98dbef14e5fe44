"""Audit pages: the list, planning and changing an audit, its findings, and each finding's remediation,
evidence (downloaded through an access check only) and verification."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.files import download_response
from accounts.forms import add_service_errors
from kpis import periods

from ..forms.audits import (
    AuditFilterForm,
    AuditForm,
    EvidenceForm,
    FindingForm,
    RemediationForm,
    ReopenForm,
    VerifyForm,
)
from ..models import Audit, Finding, FindingStatus
from ..selectors.audits import (
    audit_for_user,
    audit_list_for_user,
    finding_escalation_issue,
    finding_evidence,
    finding_evidence_for_user,
    finding_for_user,
    finding_is_overdue,
    findings_of_audit,
)
from ..services import audits as services

PAGE_SIZE = 25


@login_required
def audit_list(request):
    form = AuditFilterForm(request.GET, user=request.user)
    today = periods.local_today()
    audits = audit_list_for_user(user=request.user, today=today, **form.filters())
    page_obj = Paginator(audits, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page_obj": page_obj, "may_record": services.may_record_audits(request.user)}
    return render(request, "governance/audits/audit_list.html", context)


@login_required
def audit_create(request):
    if not services.may_record_audits(request.user):
        raise PermissionDenied("Only auditors and managers plan audits.")
    form = AuditForm(request.POST or None, user=request.user, initial={"vendor": request.GET.get("vendor")})
    if request.method == "POST" and form.is_valid():
        try:
            audit = services.audit_plan(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Audit planned. Record its findings as you go.")
            return redirect("audits:detail", pk=audit.pk)
    return render(request, "governance/audits/audit_form.html", {"form": form, "audit": None})


@login_required
def audit_detail(request, pk):
    audit = audit_for_user(user=request.user, pk=pk)
    today = periods.local_today()
    findings = findings_of_audit(user=request.user, audit=audit)
    for finding in findings:
        finding.is_overdue = finding_is_overdue(finding, today)
    context = {
        "audit": audit,
        "findings": findings,
        "may_record": services.may_record_audits(request.user, audit),
        "open_count": sum(1 for f in findings if f.status != FindingStatus.VERIFIED),
    }
    return render(request, "governance/audits/audit_detail.html", context)


@login_required
def audit_edit(request, pk):
    audit = audit_for_user(user=request.user, pk=pk)
    if not services.may_record_audits(request.user, audit):
        raise PermissionDenied("Only auditors and managers change audits.")
    # The form works on its own copy, so the service still sees the stored values to compare with.
    form = AuditForm(request.POST or None, instance=Audit.objects.get(pk=audit.pk), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.audit_change(audit=audit, actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Audit saved.")
            return redirect("audits:detail", pk=audit.pk)
    return render(request, "governance/audits/audit_form.html", {"form": form, "audit": audit})


@login_required
def finding_create(request, pk):
    audit = audit_for_user(user=request.user, pk=pk)
    if not services.may_record_audits(request.user, audit):
        raise PermissionDenied("Only auditors and managers record findings.")
    form = FindingForm(request.POST or None, instance=Finding(audit=audit), audit=audit)
    if request.method == "POST" and form.is_valid():
        try:
            finding = services.finding_record(audit=audit, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Finding recorded.")
            return redirect("audits:finding_detail", finding_pk=finding.pk)
    return render(
        request, "governance/audits/finding_form.html", {"form": form, "audit": audit, "finding": None}
    )


@login_required
def finding_edit(request, finding_pk):
    finding = finding_for_user(user=request.user, pk=finding_pk)
    if not services.may_record_audits(request.user, finding):
        raise PermissionDenied("Only auditors and managers change findings.")
    if finding.status == FindingStatus.VERIFIED:
        messages.error(request, "The finding is verified and closed; it no longer changes.")
        return redirect("audits:finding_detail", finding_pk=finding.pk)
    form = FindingForm(request.POST or None, instance=Finding.objects.get(pk=finding.pk), audit=finding.audit)
    if request.method == "POST" and form.is_valid():
        try:
            services.finding_change(finding=finding, actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Finding saved.")
            return redirect("audits:finding_detail", finding_pk=finding.pk)
    context = {"form": form, "audit": finding.audit, "finding": finding}
    return render(request, "governance/audits/finding_form.html", context)


def _issue_url(issue) -> str | None:
    try:
        return reverse("issues:detail", kwargs={"issue_pk": issue.pk})
    except NoReverseMatch:
        return None


def _finding_context(request, finding, **forms) -> dict:
    user = request.user
    may_remediate = services.may_remediate(user, finding)
    may_verify = services.may_verify(user, finding)
    status = finding.status
    issue = finding_escalation_issue(user=user, finding=finding)
    context = {
        "finding": finding,
        "audit": finding.audit,
        "evidence": finding_evidence(user=user, finding=finding),
        "is_overdue": finding_is_overdue(finding, periods.local_today()),
        "show_internal": policy.sees_internal(user),
        "may_edit": services.may_record_audits(user, finding) and status != FindingStatus.VERIFIED,
        "issue": issue,
        "issue_url": _issue_url(issue) if issue is not None else None,
        "remediation_form": None,
        "evidence_form": None,
        "verify_form": None,
        "reopen_form": None,
    }
    if may_remediate and status == FindingStatus.OPEN:
        context["remediation_form"] = forms.get("remediation_form") or RemediationForm()
    if may_remediate and status == FindingStatus.REMEDIATED:
        context["evidence_form"] = forms.get("evidence_form") or EvidenceForm()
    if may_verify and status == FindingStatus.REMEDIATED:
        context["verify_form"] = forms.get("verify_form") or VerifyForm()
        context["reopen_form"] = forms.get("reopen_form") or ReopenForm()
    return context


def _render_finding(request, finding, **forms):
    return render(
        request, "governance/audits/finding_detail.html", _finding_context(request, finding, **forms)
    )


@login_required
def finding_detail(request, finding_pk):
    finding = finding_for_user(user=request.user, pk=finding_pk)
    return _render_finding(request, finding)


def _refused(request, finding, error: ValidationError):
    messages.error(request, " ".join(error.messages))
    return redirect("audits:finding_detail", finding_pk=finding.pk)


@login_required
@require_POST
def finding_remediate(request, finding_pk):
    finding = finding_for_user(user=request.user, pk=finding_pk)
    if not services.may_remediate(request.user, finding):
        raise PermissionDenied("Only the finding's owner side reports its remediation.")
    form = RemediationForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            with transaction.atomic():
                services.finding_remediate(
                    finding=finding,
                    actor=request.user,
                    remediation=form.cleaned_data["remediation"],
                    evidence=form.cleaned_data["evidence"],
                )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return _refused(request, finding, error)
            add_service_errors(form, error)
        else:
            messages.success(request, "Remediation reported; an auditor verifies it next.")
            return redirect("audits:finding_detail", finding_pk=finding.pk)
    finding.refresh_from_db()
    return _render_finding(request, finding, remediation_form=form)


@login_required
@require_POST
def finding_evidence_add(request, finding_pk):
    finding = finding_for_user(user=request.user, pk=finding_pk)
    if not services.may_remediate(request.user, finding):
        raise PermissionDenied("Only the finding's owner side adds evidence.")
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.finding_add_evidence(
                finding=finding, actor=request.user, uploaded_file=form.cleaned_data["evidence"]
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return _refused(request, finding, error)
            add_service_errors(form, error)
        else:
            messages.success(request, "Evidence added.")
            return redirect("audits:finding_detail", finding_pk=finding.pk)
    return _render_finding(request, finding, evidence_form=form)


@login_required
@require_POST
def finding_verify(request, finding_pk):
    finding = finding_for_user(user=request.user, pk=finding_pk)
    if not services.may_verify(request.user, finding):
        raise PermissionDenied("Only auditors and managers verify findings.")
    form = VerifyForm(request.POST)
    if form.is_valid():
        try:
            services.finding_verify(finding=finding, actor=request.user, note=form.cleaned_data["note"])
        except ValidationError as error:
            return _refused(request, finding, error)
        messages.success(request, "Remediation verified; the finding is closed.")
        return redirect("audits:finding_detail", finding_pk=finding.pk)
    return _render_finding(request, finding, verify_form=form)


@login_required
@require_POST
def finding_reopen(request, finding_pk):
    finding = finding_for_user(user=request.user, pk=finding_pk)
    if not services.may_verify(request.user, finding):
        raise PermissionDenied("Only auditors and managers reopen findings.")
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.finding_reopen(finding=finding, actor=request.user, note=form.cleaned_data["note"])
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return _refused(request, finding, error)
            add_service_errors(form, error)
        else:
            messages.success(request, "Finding reopened; its owner has been given the reason.")
            return redirect("audits:finding_detail", finding_pk=finding.pk)
    return _render_finding(request, finding, reopen_form=form)


@login_required
def evidence_download(request, finding_evidence_pk):
    """The file, only to those who may see its finding, always as a download under its original name."""
    return download_response(finding_evidence_for_user(user=request.user, pk=finding_evidence_pk))
