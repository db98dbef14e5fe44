"""Vendors in the portal's own pages: creating and editing the master record (with field errors and
checked identifiers), contacts with exactly one primary, read-only pages for viewers and auditors,
isolation for vendor users, the audit trail's old → new values, and query counts of the lists."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent, Invitation, Role
from accounts.services import invitation_create
from tests import factories
from tests.concurrency import in_threads
from vendors import services
from vendors.identifiers import lei_checksum_ok
from vendors.models import ServiceCategory, Vendor, VendorContact, VendorStatus, VendorTier

pytestmark = pytest.mark.django_db

VALID_LEI = "5493001KJTIIGC8Y1R12"


def vendor_form(**overrides):
    data = {
        "name": "Initech Services",
        "legal_name": "Initech Services GmbH",
        "registration_number": "HRB 12345",
        "vat_number": "DE 123 456 789",
        "lei": VALID_LEI,
        "duns": "12-345-6789",
        "parent": "",
        "tier": VendorTier.HIGH,
        "service_categories": [],
        "internal_owner": "",
        "website": "https://initech.example",
        "address": "Hauptstraße 1\n10115 Berlin",
        "description": "",
        "internal_notes": "Incumbent for the service desk.",
    }
    data.update(overrides)
    return data


# ---- Creating and editing -----------------------------------------------------------------------------


def test_manager_creates_a_vendor_as_a_prospect(client_for, manager):
    category = factories.ServiceCategoryFactory(name="Service desk")
    response = client_for(manager).post(
        reverse("vendors:create"),
        vendor_form(service_categories=[category.pk], internal_owner=manager.pk),
    )

    vendor = Vendor.objects.get(name="Initech Services")
    assert response.status_code == 302 and response.url == reverse("vendors:contacts", args=[vendor.pk])
    assert vendor.status == VendorStatus.PROSPECT
    # Identifiers are stored as the checks read them: no spaces, dots or dashes.
    assert (vendor.vat_number, vendor.lei, vendor.duns) == ("DE123456789", VALID_LEI, "123456789")
    assert list(vendor.service_categories.all()) == [category]
    assert vendor.internal_owner == manager
    created = AuditEvent.objects.get(action="vendors.vendor.created", object_id=str(vendor.pk))
    assert created.actor == manager and created.changes["name"] == [None, "Initech Services"]
    categories = AuditEvent.objects.get(action="vendors.vendor.updated", object_id=str(vendor.pk))
    assert categories.changes == {"service_categories": [[], [category.pk]]}


def test_new_service_categories_are_created_once_from_the_vendor_form(client_for, manager, vendor_a):
    existing = factories.ServiceCategoryFactory(name="Service desk")
    client = client_for(manager)

    client.post(reverse("vendors:create"), vendor_form(new_categories="service desk, Hosting, Hosting"))
    client.post(
        reverse("vendors:edit", args=[vendor_a.pk]),
        vendor_form(name=vendor_a.name, new_categories="Hosting", service_categories=[existing.pk]),
    )

    vendor = Vendor.objects.get(name="Initech Services")
    hosting = ServiceCategory.objects.get(name="Hosting")
    assert set(vendor.service_categories.all()) == {existing, hosting}
    assert set(vendor_a.service_categories.all()) == {existing, hosting}
    assert AuditEvent.objects.filter(action="vendors.servicecategory.created").count() == 1


def test_bad_identifiers_are_field_errors_and_nothing_is_saved(client_for, manager):
    bad_lei = VALID_LEI[:-1] + "3"
    assert not lei_checksum_ok(bad_lei)
    response = client_for(manager).post(
        reverse("vendors:create"),
        vendor_form(name="", vat_number="123", lei=bad_lei, duns="1234", website="not a site"),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"name", "vat_number", "lei", "duns", "website"}
    assert "check digits" in errors["lei"][0]
    assert "two-letter country prefix" in errors["vat_number"][0]
    html = response.content.decode()
    assert 'class="field field--error"' in html and "A D-U-N-S number has 9 digits." in html
    assert not Vendor.objects.filter(legal_name="Initech Services GmbH").exists()


def test_a_taken_name_is_a_field_error_from_the_service(client_for, manager, vendor_a):
    response = client_for(manager).post(reverse("vendors:create"), vendor_form(name=vendor_a.name))

    assert response.status_code == 200
    assert "name" in response.context["form"].errors


def test_manager_edits_a_vendor_and_the_trail_has_old_and_new(client_for, manager, vendor_a):
    parent = factories.VendorFactory(name="Acme Holdings")
    form = vendor_form(
        name=vendor_a.name, legal_name="Acme Test plc", parent=parent.pk, tier=VendorTier.CRITICAL
    )
    old_tier = vendor_a.tier

    response = client_for(manager).post(reverse("vendors:edit", args=[vendor_a.pk]), form)

    assert response.status_code == 302 and response.url == reverse("vendors:detail", args=[vendor_a.pk])
    vendor_a.refresh_from_db()
    assert (vendor_a.legal_name, vendor_a.parent, vendor_a.tier) == (
        "Acme Test plc",
        parent,
        VendorTier.CRITICAL,
    )
    event = AuditEvent.objects.filter(action="vendors.vendor.updated", object_id=str(vendor_a.pk)).latest(
        "pk"
    )
    assert event.actor == manager
    assert event.changes["legal_name"] == ["Acme Test Ltd", "Acme Test plc"]
    assert event.changes["tier"] == [old_tier, VendorTier.CRITICAL]
    assert event.changes["parent"] == [None, parent.pk]


def test_a_vendor_cannot_be_its_own_parent_through_a_subsidiary(manager, vendor_a):
    subsidiary = factories.VendorFactory(name="Acme Subsidiary", parent=vendor_a)

    with pytest.raises(ValidationError) as error:
        services.vendor_update(vendor=vendor_a, actor=manager, parent=subsidiary)

    assert "parent" in error.value.message_dict
    vendor_a.refresh_from_db()
    assert vendor_a.parent is None


def test_the_edit_form_offers_no_parent_loop_to_itself(client_for, manager, vendor_a):
    form = client_for(manager).get(reverse("vendors:edit", args=[vendor_a.pk])).context["form"]
    assert vendor_a not in form.fields["parent"].queryset


# ---- Contacts -----------------------------------------------------------------------------------------


def test_the_first_contact_is_primary_and_a_new_primary_takes_over(client_for, manager, vendor_a):
    client = client_for(manager)
    url = reverse("vendors:contact_create", args=[vendor_a.pk])
    client.post(url, {"name": "Pat Primary", "email": "pat@acme.test"})
    client.post(url, {"name": "Sam Second", "email": "sam@acme.test"})
    pat, sam = VendorContact.objects.get(name="Pat Primary"), VendorContact.objects.get(name="Sam Second")
    assert (pat.is_primary, sam.is_primary) == (True, False)

    response = client.post(
        reverse("vendors:contact_edit", args=[vendor_a.pk, sam.pk]),
        {"name": "Sam Second", "email": "sam@acme.test", "is_primary": "on"},
    )

    assert response.status_code == 302
    pat.refresh_from_db()
    sam.refresh_from_db()
    assert (pat.is_primary, sam.is_primary) == (False, True)
    demoted = AuditEvent.objects.filter(action="vendors.vendorcontact.updated", object_id=str(pat.pk)).get()
    assert demoted.changes == {"is_primary": [True, False]}


def test_the_database_allows_one_primary_per_vendor(vendor_a):
    factories.VendorContactFactory(vendor=vendor_a, is_primary=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.VendorContactFactory(vendor=vendor_a, is_primary=True)


def test_the_primary_contact_cannot_just_be_unticked(client_for, manager, vendor_a):
    contact = services.contact_create(vendor=vendor_a, actor=manager, name="Pat Primary")
    response = client_for(manager).post(
        reverse("vendors:contact_edit", args=[vendor_a.pk, contact.pk]), {"name": "Pat Primary"}
    )

    assert response.status_code == 200
    assert "make another contact primary" in response.context["form"].errors["is_primary"][0]
    contact.refresh_from_db()
    assert contact.is_primary


def test_a_duplicate_contact_email_is_a_field_error(client_for, manager, vendor_a):
    services.contact_create(vendor=vendor_a, actor=manager, name="Pat", email="pat@acme.test")
    response = client_for(manager).post(
        reverse("vendors:contact_create", args=[vendor_a.pk]), {"name": "Pat Again", "email": "pat@acme.test"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert VendorContact.objects.filter(vendor=vendor_a).count() == 1


def test_retiring_the_primary_asks_for_a_successor_after_a_confirmation(client_for, manager, vendor_a):
    pat = services.contact_create(vendor=vendor_a, actor=manager, name="Pat Primary")
    sam = services.contact_create(vendor=vendor_a, actor=manager, name="Sam Second")
    client = client_for(manager)
    url = reverse("vendors:contact_retire", args=[vendor_a.pk, pat.pk])

    confirmation = client.get(url)
    assert confirmation.status_code == 200 and "Retire Pat Primary?" in confirmation.content.decode()
    pat.refresh_from_db()
    assert pat.retired_on is None  # looking at the confirmation changes nothing

    refused = client.post(url, {})
    assert refused.status_code == 200 and "successor" in refused.context["form"].errors

    done = client.post(url, {"successor": sam.pk})
    assert done.status_code == 302
    pat.refresh_from_db()
    sam.refresh_from_db()
    assert pat.retired_on is not None and not pat.is_primary and sam.is_primary
    retired = AuditEvent.objects.filter(action="vendors.vendorcontact.updated", object_id=str(pat.pk)).get()
    assert retired.changes["retired_on"][0] is None and retired.changes["is_primary"] == [True, False]
    page = client.get(reverse("vendors:contacts", args=[vendor_a.pk])).content.decode()
    assert "Retired contacts" in page
    assert "Pat Primary" not in client.get(reverse("vendors:detail", args=[vendor_a.pk])).context[
        "vendor"
    ].contacts.all().values_list("name", flat=True)


def test_empty_contact_list_says_what_to_do(client_for, manager, viewer, vendor_a):
    manager_page = client_for(manager).get(reverse("vendors:contacts", args=[vendor_a.pk])).content.decode()
    assert "No contacts yet." in manager_page and "Add the first contact" in manager_page
    viewer_page = client_for(viewer).get(reverse("vendors:contacts", args=[vendor_a.pk])).content.decode()
    assert "No contacts yet." in viewer_page and "Add the first contact" not in viewer_page


# ---- Read-only roles and isolation --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "auditor"])
def test_viewers_and_auditors_read_but_change_nothing(request, client_for, manager, vendor_a, role):
    user = request.getfixturevalue(role)
    contact = services.contact_create(vendor=vendor_a, actor=manager, name="Pat Primary")
    client = client_for(user)

    listing = client.get(reverse("vendors:list")).content.decode()
    assert vendor_a.name in listing and reverse("vendors:create") not in listing
    contacts = client.get(reverse("vendors:contacts", args=[vendor_a.pk])).content.decode()
    assert "Pat Primary" in contacts
    assert reverse("vendors:contact_edit", args=[vendor_a.pk, contact.pk]) not in contacts
    assert "<form" not in contacts.split('class="page"')[1]
    detail = client.get(reverse("vendors:detail", args=[vendor_a.pk])).content.decode()
    assert reverse("vendors:edit", args=[vendor_a.pk]) not in detail
    for url in (
        reverse("vendors:create"),
        reverse("vendors:edit", args=[vendor_a.pk]),
        reverse("vendors:contact_create", args=[vendor_a.pk]),
        reverse("vendors:contact_edit", args=[vendor_a.pk, contact.pk]),
        reverse("vendors:contact_retire", args=[vendor_a.pk, contact.pk]),
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, vendor_form()).status_code == 403, url
    with pytest.raises(PermissionDenied):
        services.vendor_update(vendor=vendor_a, actor=user, legal_name="Changed")


def test_vendor_users_see_their_own_contacts_without_internal_notes(
    client_for, manager, vendor_a, vendor_a_user
):
    services.contact_create(vendor=vendor_a, actor=manager, name="Pat Primary", notes="Prefers phone calls.")
    client = client_for(vendor_a_user)

    page = client.get(reverse("vendors:contacts", args=[vendor_a.pk])).content.decode()

    assert "Pat Primary" in page and "Prefers phone calls." not in page
    assert reverse("vendors:contact_create", args=[vendor_a.pk]) not in page
    assert client.get(reverse("vendors:edit", args=[vendor_a.pk])).status_code == 403
    # The directory is for internal users: a vendor user lands on its own vendor.
    assert client.get(reverse("vendors:list")).url == reverse("vendors:detail", args=[vendor_a.pk])


def test_vendor_b_gets_404_on_every_page_of_vendor_a(client_for, manager, vendor_a, vendor_b_user):
    contact = services.contact_create(vendor=vendor_a, actor=manager, name="Pat Primary")
    client = client_for(vendor_b_user)
    for url in (
        reverse("vendors:edit", args=[vendor_a.pk]),
        reverse("vendors:contacts", args=[vendor_a.pk]),
        reverse("vendors:contact_edit", args=[vendor_a.pk, contact.pk]),
        reverse("vendors:contact_retire", args=[vendor_a.pk, contact.pk]),
        reverse("vendors:change_requests", args=[vendor_a.pk]),
        reverse("vendors:change_request_create", args=[vendor_a.pk]),
        reverse("vendors:lifecycle", args=[vendor_a.pk]),
        reverse("vendors:lifecycle_move", args=[vendor_a.pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code in (404, 405), url


def test_a_contact_of_another_vendor_is_not_found_under_this_vendor(client_for, manager, vendor_a, vendor_b):
    other = services.contact_create(vendor=vendor_b, actor=manager, name="Bob Contact")
    response = client_for(manager).get(reverse("vendors:contact_edit", args=[vendor_a.pk, other.pk]))
    assert response.status_code == 404


# ---- Links and query counts ---------------------------------------------------------------------------


def test_the_list_and_the_360_link_the_new_pages(client_for, manager, vendor_a):
    client = client_for(manager)
    listing = client.get(reverse("vendors:list")).content.decode()
    assert reverse("vendors:create") in listing and "New vendor" in listing
    detail = client.get(reverse("vendors:detail", args=[vendor_a.pk])).content.decode()
    for name in ("vendors:edit", "vendors:contacts", "vendors:lifecycle"):
        assert reverse(name, args=[vendor_a.pk]) in detail


def test_empty_vendor_list_invites_the_first_vendor(client_for, manager):
    page = client_for(manager).get(reverse("vendors:list")).content.decode()
    assert "No vendors yet." in page and reverse("vendors:create") in page


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_pages_run_a_fixed_number_of_queries(client_for, manager, vendor_a):
    client = client_for(manager)
    category = factories.ServiceCategoryFactory(name="Hosting")

    def grow(n):
        for i in range(n):
            vendor = factories.VendorFactory(internal_owner=manager)
            vendor.service_categories.add(category)
            services.contact_create(vendor=vendor_a, actor=manager, name=f"Contact {vendor.pk}-{i}")

    grow(2)
    urls = [reverse("vendors:list"), reverse("vendors:contacts", args=[vendor_a.pk])]
    small = [_count_queries(client, url) for url in urls]
    grow(8)
    large = [_count_queries(client, url) for url in urls]
    assert small == large
    # vendor list: session, user, count, page of vendors, their categories (prefetch).
    assert small[0] <= 6


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="Concurrent writes need PostgreSQL.")
@pytest.mark.django_db(transaction=True)
def test_contacts_added_at_once_leave_exactly_one_primary():
    manager = factories.InternalUserFactory()
    vendor = factories.VendorFactory()
    names = iter(["Ann", "Ben", "Cat", "Dan"])

    in_threads(
        lambda: services.contact_create(vendor=vendor, actor=manager, name=next(names), is_primary=True)
    )

    contacts = VendorContact.objects.filter(vendor=vendor)
    assert contacts.count() == 4 and contacts.filter(is_primary=True).count() == 1


# ---- The vendor's first administrator -----------------------------------------------------------------


def test_a_manager_invites_the_vendors_administrator(
    client_for, manager, vendor_a, django_capture_on_commit_callbacks
):
    client = client_for(manager)
    contacts = client.get(reverse("vendors:contacts", args=[vendor_a.pk])).content.decode()
    assert (
        "No administrator yet" in contacts and reverse("vendors:admin_invite", args=[vendor_a.pk]) in contacts
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("vendors:admin_invite", args=[vendor_a.pk]), {"email": "Ops@Acme.test"}
        )

    assert response.status_code == 302
    invitation = Invitation.objects.get(vendor=vendor_a)
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "ops@acme.test",
        Role.VENDOR_ADMIN,
        manager,
    )
    assert mail.outbox[-1].to == ["ops@acme.test"]
    assert AuditEvent.objects.filter(action="accounts.invitation.created", actor=manager).exists()
    assert "ops@acme.test" in client.get(reverse("vendors:contacts", args=[vendor_a.pk])).content.decode()


def test_managers_invite_administrators_only_and_viewers_nobody(client_for, manager, viewer, vendor_a):
    with pytest.raises(PermissionDenied):
        invitation_create(
            vendor=vendor_a, actor=manager, email="x@acme.test", role=Role.VENDOR_USER, base_url="http://t/"
        )
    with pytest.raises(PermissionDenied):
        invitation_create(
            vendor=vendor_a, actor=viewer, email="x@acme.test", role=Role.VENDOR_ADMIN, base_url="http://t/"
        )
    response = client_for(viewer).post(
        reverse("vendors:admin_invite", args=[vendor_a.pk]), {"email": "x@a.test"}
    )
    assert response.status_code == 403


def test_an_address_already_on_the_portal_is_answered_like_any_other(
    client_for, manager, vendor_a, vendor_b_user, mailoutbox, django_capture_on_commit_callbacks
):
    """Even the client's manager learns nothing about who has an account; the holder is told by e-mail."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).post(
            reverse("vendors:admin_invite", args=[vendor_a.pk]), {"email": vendor_b_user.email}, follow=True
        )

    assert response.status_code == 200
    assert "already has an account" not in response.content.decode()
    [notice] = mailoutbox
    assert notice.to == [vendor_b_user.email]
    assert "already has an account" in notice.body
    assert "/accounts/invitation/" not in notice.body
