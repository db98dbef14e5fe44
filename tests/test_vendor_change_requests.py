"""Vendor change requests: a vendor administrator proposes a change to its company details or contacts
(it cannot edit the record itself); a manager approves it (applied through the same services, audited)
or rejects it with a reason; both sides read the history; other vendors never see it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent, Role
from tests import factories
from tests.concurrency import in_threads
from vendors import services
from vendors.models import ChangeRequestKind, ChangeRequestStatus, VendorChangeRequest, VendorContact

pytestmark = pytest.mark.django_db


def details_form(vendor, **changes):
    data = {name: getattr(vendor, name) for name in services.PROPOSABLE_DETAILS}
    data.update(changes)
    return data


def propose_address(client, vendor, address="2 New Street\nLondon"):
    return client.post(
        reverse("vendors:change_request_create", args=[vendor.pk]),
        details_form(vendor, address=address, comment="We moved."),
    )


def test_a_vendor_administrator_proposes_and_the_record_stays(client_for, vendor_a, vendor_a_admin):
    client = client_for(vendor_a_admin)
    assert client.get(reverse("vendors:edit", args=[vendor_a.pk])).status_code == 403

    response = propose_address(client, vendor_a)

    change = VendorChangeRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("vendors:change_request", args=[vendor_a.pk, change.pk])
    # Only what differs from the record is proposed, with the value on record beside it.
    assert change.proposed == {"address": "2 New Street\nLondon"}
    assert change.current == {"address": ""}
    assert (change.status, change.requested_by, change.comment) == ("pending", vendor_a_admin, "We moved.")
    vendor_a.refresh_from_db()
    assert vendor_a.address == ""
    assert AuditEvent.objects.filter(
        action="vendors.vendorchangerequest.created", actor=vendor_a_admin
    ).exists()


def test_the_vendor_list_shows_waiting_requests_and_the_vendor_home_links_them(
    client_for, manager, vendor_a, vendor_a_admin
):
    admin_client = client_for(vendor_a_admin)
    home = admin_client.get(reverse("vendor_portal:home")).content.decode()
    assert reverse("vendors:change_requests", args=[vendor_a.pk]) in home
    propose_address(admin_client, vendor_a)

    listing = client_for(manager).get(reverse("vendors:list")).content.decode()

    assert "1 change request waiting" in listing


def test_a_proposal_is_checked_like_the_managers_form(client_for, vendor_a, vendor_a_admin):
    client = client_for(vendor_a_admin)
    url = reverse("vendors:change_request_create", args=[vendor_a.pk])

    bad = client.post(url, details_form(vendor_a, lei="5493001KJTIIGC8Y1R13"))
    assert bad.status_code == 200 and "check digits" in bad.context["form"].errors["lei"][0]
    same = client.post(url, details_form(vendor_a))
    assert same.status_code == 200 and "Nothing would change" in same.content.decode()
    # An identifier on record as people type it is the same identifier.
    vendor_a.vat_number = "GB 298 4471 63"
    vendor_a.save(update_fields=["vat_number"])
    typed = client.post(url, details_form(vendor_a, vat_number="GB298447163"))
    assert "Nothing would change" in typed.content.decode()
    assert not VendorChangeRequest.objects.exists()


def test_plain_vendor_users_may_read_but_not_propose(client_for, vendor_a, vendor_a_user, vendor_a_admin):
    propose_address(client_for(vendor_a_admin), vendor_a)
    client = client_for(vendor_a_user)

    listing = client.get(reverse("vendors:change_requests", args=[vendor_a.pk]))
    assert listing.status_code == 200 and "Company details" in listing.content.decode()
    assert client.get(reverse("vendors:change_request_create", args=[vendor_a.pk])).status_code == 403
    assert propose_address(client, vendor_a).status_code == 403
    assert VendorChangeRequest.objects.count() == 1


def test_manager_approves_and_the_change_is_applied_and_audited(
    client_for, manager, vendor_a, vendor_a_admin
):
    propose_address(client_for(vendor_a_admin), vendor_a)
    change = VendorChangeRequest.objects.get()
    client = client_for(manager)
    page = client.get(reverse("vendors:change_request", args=[vendor_a.pk, change.pk])).content.decode()
    assert "Approve and apply" in page and "2 New Street" in page

    response = client.post(reverse("vendors:change_request_approve", args=[vendor_a.pk, change.pk]), {})

    assert response.status_code == 302
    vendor_a.refresh_from_db()
    change.refresh_from_db()
    assert vendor_a.address == "2 New Street\nLondon"
    assert (change.status, change.decided_by) == (ChangeRequestStatus.APPROVED, manager)
    applied = AuditEvent.objects.get(action="vendors.vendor.updated", object_id=str(vendor_a.pk))
    assert applied.actor == manager and applied.changes == {"address": ["", "2 New Street\nLondon"]}
    assert applied.note == f"Change request #{change.pk}"
    decided = AuditEvent.objects.get(action="vendors.vendorchangerequest.updated")
    assert decided.changes["status"] == ["pending", "approved"]
    # The vendor side sees the outcome.
    vendor_page = client_for(vendor_a_admin).get(
        reverse("vendors:change_request", args=[vendor_a.pk, change.pk])
    )
    assert "Approved by Mona Manager" in vendor_page.content.decode()


def test_manager_rejects_with_a_reason_only(client_for, manager, vendor_a, vendor_a_admin):
    propose_address(client_for(vendor_a_admin), vendor_a)
    change = VendorChangeRequest.objects.get()
    client = client_for(manager)
    url = reverse("vendors:change_request_reject", args=[vendor_a.pk, change.pk])

    without_reason = client.post(url, {"reason": ""})
    assert without_reason.status_code == 200
    assert "Say why" in without_reason.context["form"].errors["reason"][0]
    change.refresh_from_db()
    assert change.is_pending

    client.post(url, {"reason": "The registered office has not moved; use the invoicing address form."})

    change.refresh_from_db()
    vendor_a.refresh_from_db()
    assert change.status == ChangeRequestStatus.REJECTED and vendor_a.address == ""
    vendor_page = client_for(vendor_a_admin).get(
        reverse("vendors:change_request", args=[vendor_a.pk, change.pk])
    )
    assert "The registered office has not moved" in vendor_page.content.decode()
    with pytest.raises(ValidationError):
        services.change_request_approve(change_request=change, actor=manager)


def test_a_contact_proposal_adds_or_changes_a_contact_on_approval(
    client_for, manager, vendor_a, vendor_a_admin
):
    pat = services.contact_create(vendor=vendor_a, actor=manager, name="Pat Primary", email="pat@acme.test")
    client = client_for(vendor_a_admin)
    create_url = reverse("vendors:change_request_create", args=[vendor_a.pk])
    client.post(create_url + "?kind=contact", {"name": "Nina New", "email": "nina@acme.test"})
    client.post(
        create_url + f"?kind=contact&contact={pat.pk}",
        {"name": "Pat Primary", "email": "pat.primary@acme.test", "job_title": "", "phone": ""},
    )
    new, changed = VendorChangeRequest.objects.order_by("pk")
    assert (new.kind, new.contact, changed.contact) == (ChangeRequestKind.CONTACT, None, pat)
    assert changed.proposed == {"email": "pat.primary@acme.test"}

    services.change_request_approve(change_request=new, actor=manager)
    services.change_request_approve(change_request=changed, actor=manager)

    nina = VendorContact.objects.get(name="Nina New")
    pat.refresh_from_db()
    assert (nina.email, nina.is_primary) == ("nina@acme.test", False)
    assert pat.email == "pat.primary@acme.test" and pat.is_primary


def test_an_approval_that_no_longer_fits_is_refused_and_stays_pending(
    client_for, manager, vendor_a, vendor_a_admin
):
    services.contact_create(vendor=vendor_a, actor=manager, name="Pat", email="pat@acme.test")
    client_for(vendor_a_admin).post(
        reverse("vendors:change_request_create", args=[vendor_a.pk]) + "?kind=contact",
        {"name": "Nina", "email": "nina@acme.test"},
    )
    services.contact_create(vendor=vendor_a, actor=manager, name="Nina", email="nina@acme.test")
    change = VendorChangeRequest.objects.get()

    response = client_for(manager).post(
        reverse("vendors:change_request_approve", args=[vendor_a.pk, change.pk])
    )

    assert response.status_code == 200 and response.context["form"].errors
    change.refresh_from_db()
    assert change.is_pending and VendorContact.objects.filter(name="Nina").count() == 1


def test_viewers_read_change_requests_without_deciding(client_for, viewer, vendor_a, vendor_a_admin):
    propose_address(client_for(vendor_a_admin), vendor_a)
    change = VendorChangeRequest.objects.get()
    client = client_for(viewer)

    page = client.get(reverse("vendors:change_request", args=[vendor_a.pk, change.pk])).content.decode()

    assert (
        "2 New Street" in page
        and "Approve and apply" not in page
        and "<form" not in page.split('class="page"')[1]
    )
    assert (
        client.post(reverse("vendors:change_request_approve", args=[vendor_a.pk, change.pk])).status_code
        == 403
    )
    with pytest.raises(PermissionDenied):
        services.change_request_reject(change_request=change, actor=viewer, reason="No.")


def test_another_vendor_never_sees_the_requests(
    client_for, vendor_a, vendor_a_admin, vendor_b_user, vendor_b
):
    propose_address(client_for(vendor_a_admin), vendor_a)
    change = VendorChangeRequest.objects.get()
    client = client_for(vendor_b_user)

    for url in (
        reverse("vendors:change_requests", args=[vendor_a.pk]),
        reverse("vendors:change_request", args=[vendor_a.pk, change.pk]),
        reverse("vendors:change_request", args=[vendor_b.pk, change.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("vendors:change_request_approve", args=[vendor_a.pk, change.pk])).status_code
        == 404
    )
    with pytest.raises(PermissionDenied):
        services.change_request_submit(
            vendor=vendor_a, actor=vendor_b_user, kind=ChangeRequestKind.DETAILS, proposed={"address": "x"}
        )


def test_the_change_request_list_runs_a_fixed_number_of_queries(
    client_for, manager, vendor_a, vendor_a_admin
):
    client = client_for(manager)
    url = reverse("vendors:change_requests", args=[vendor_a.pk])

    def grow(n):
        for i in range(n):
            services.change_request_submit(
                vendor=vendor_a,
                actor=vendor_a_admin,
                kind=ChangeRequestKind.DETAILS,
                proposed={"address": f"{VendorChangeRequest.objects.count()} {i} Street"},
            )

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    grow(2)
    small = count()
    grow(8)
    assert count() == small


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="Concurrent decisions need PostgreSQL.")
@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_apply_a_change_once():
    manager = factories.InternalUserFactory()
    vendor = factories.VendorFactory()
    admin = factories.VendorUserFactory(vendor=vendor, role=Role.VENDOR_ADMIN)
    change = services.change_request_submit(
        vendor=vendor, actor=admin, kind=ChangeRequestKind.CONTACT, proposed={"name": "Nina New"}
    )

    outcomes = in_threads(
        lambda: services.change_request_approve(change_request=change, actor=manager),
        refusals=(ValidationError,),
    )

    assert sum(isinstance(outcome, ValidationError) for outcome in outcomes) == len(outcomes) - 1
    assert VendorContact.objects.filter(vendor=vendor, name="Nina New").count() == 1
    assert AuditEvent.objects.filter(action="vendors.vendorchangerequest.updated").count() == 1
