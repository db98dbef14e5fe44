"""The RACI matrix: managers add, change and remove roles with real validation, both sides read the
matrix, and every area without exactly one Accountable is pointed out."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from governance.models import Raci, RoleAssignment, Side
from governance.services.raci import role_assignment_create, role_assignment_delete, role_assignment_update
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(vendor_a):
    return factories.VendorContactFactory(vendor=vendor_a, name="Sam Delivery", job_title="Delivery lead")


def _assign(vendor, area, role_title, raci, *, person=None, contact=None):
    side = Side.VENDOR if contact or (person and person.vendor_id) else Side.INTERNAL
    return RoleAssignment.objects.create(
        vendor=vendor, area=area, role_title=role_title, raci=raci, side=side, person=person, contact=contact
    )


def matrix_url(vendor):
    return reverse("raci:matrix", kwargs={"vendor_pk": vendor.pk})


# ---- Services ------------------------------------------------------------------------------------------


def test_a_manager_adds_a_role_and_the_side_follows_from_the_holder(
    manager, vendor_a, contact, vendor_a_user
):
    internal = role_assignment_create(
        actor=manager,
        vendor=vendor_a,
        area="Security",
        role_title="CISO",
        raci=Raci.ACCOUNTABLE,
        person=manager,
    )
    by_contact = role_assignment_create(
        actor=manager, vendor=vendor_a, area="Security", role_title="Security lead", raci="R", contact=contact
    )
    by_user = role_assignment_create(
        actor=manager, vendor=vendor_a, area="Security", role_title="Analyst", raci="I", person=vendor_a_user
    )

    assert [a.side for a in (internal, by_contact, by_user)] == [Side.INTERNAL, Side.VENDOR, Side.VENDOR]
    created = AuditEvent.objects.filter(action="governance.roleassignment.created")
    assert created.count() == 3
    assert set(created.values_list("vendor_id", flat=True)) == {vendor_a.pk}


def test_people_and_contacts_of_another_vendor_are_refused(manager, vendor_a, vendor_b_user, vendor_b):
    other_contact = factories.VendorContactFactory(vendor=vendor_b)
    with pytest.raises(ValidationError) as error:
        role_assignment_create(
            actor=manager, vendor=vendor_a, area="A", role_title="R", raci="R", person=vendor_b_user
        )
    assert "person" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        role_assignment_create(
            actor=manager, vendor=vendor_a, area="A", role_title="R", raci="R", contact=other_contact
        )
    assert "contact" in error.value.message_dict
    assert not RoleAssignment.objects.exists()


def test_a_holder_holds_a_role_once_per_area(manager, vendor_a, contact):
    role_assignment_create(
        actor=manager, vendor=vendor_a, area="Security", role_title="Lead", raci="R", contact=contact
    )
    with pytest.raises(ValidationError, match="already holds the role"):
        role_assignment_create(
            actor=manager, vendor=vendor_a, area=" security ", role_title="LEAD", raci="A", contact=contact
        )


def test_only_managers_edit(vendor_a_admin, viewer, auditor, vendor_a, contact, manager):
    assignment = _assign(vendor_a, "Security", "Lead", "R", contact=contact)
    for user in (vendor_a_admin, viewer, auditor):
        with pytest.raises(PermissionDenied):
            role_assignment_create(
                actor=user, vendor=vendor_a, area="A", role_title="R", raci="R", contact=contact
            )
        with pytest.raises(PermissionDenied):
            role_assignment_delete(assignment=assignment, actor=user)


def test_changing_and_removing_are_audited(manager, vendor_a, contact):
    assignment = _assign(vendor_a, "Security", "Lead", "R", contact=contact)

    role_assignment_update(
        assignment=assignment, actor=manager, area="Security", role_title="Lead", raci="A", contact=contact
    )
    role_assignment_delete(assignment=assignment, actor=manager)

    updated = AuditEvent.objects.get(action="governance.roleassignment.updated")
    assert updated.changes == {"raci": ["R", "A"]}
    assert AuditEvent.objects.filter(action="governance.roleassignment.deleted").count() == 1
    assert not RoleAssignment.objects.exists()


# ---- The matrix ----------------------------------------------------------------------------------------


def test_the_matrix_puts_areas_in_rows_and_roles_in_columns(client_for, manager, vendor_a, contact):
    _assign(vendor_a, "Service delivery", "Relationship owner", "A", person=manager)
    _assign(vendor_a, "Service delivery", "Delivery lead", "R", contact=contact)
    _assign(vendor_a, "Commercial", "Relationship owner", "C", person=manager)

    page = client_for(manager).get(matrix_url(vendor_a))

    matrix = page.context["matrix"]
    assert [(c.role_title, c.holder, c.side) for c in matrix.columns] == [
        ("Relationship owner", "Mona Manager", "internal"),
        ("Delivery lead", "Sam Delivery", "vendor"),
    ]
    assert [row.area for row in matrix.rows] == ["Commercial", "Service delivery"]
    assert [[a.raci for a in cell] for cell in matrix.rows[1].cells] == [["A"], ["R"]]
    assert [[a.raci for a in cell] for cell in matrix.rows[0].cells] == [["C"], []]


def test_every_area_without_a_single_accountable_is_warned_about(
    client_for, manager, vendor_a, contact, viewer
):
    _assign(vendor_a, "Service delivery", "Owner", "A", person=manager)
    _assign(vendor_a, "Commercial", "Lead", "R", contact=contact)
    _assign(vendor_a, "Security", "Owner", "A", person=manager)
    _assign(vendor_a, "Security", "Lead", "A", contact=contact)

    text = client_for(manager).get(matrix_url(vendor_a)).content.decode()

    assert '<span class="strong">Commercial</span>: No one is accountable for this area.' in text
    assert (
        '<span class="strong">Security</span>: 2 roles are accountable for this area; exactly one should be.'
        in text
    )
    assert '<span class="strong">Service delivery</span>:' not in text
    # The overview points out the same areas.
    overview = client_for(viewer).get(reverse("raci:index"))
    row = next(r for r in overview.context["rows"] if r.vendor == vendor_a)
    assert [area for area, _ in row.areas] == ["Commercial", "Security"]


def test_the_vendor_reads_its_own_matrix_without_edit_links(
    client_for, vendor_a_user, vendor_a, contact, manager
):
    assignment = _assign(vendor_a, "Service delivery", "Owner", "A", person=manager)

    client = client_for(vendor_a_user)
    page = client.get(matrix_url(vendor_a))

    text = page.content.decode()
    assert page.status_code == 200 and "Owner" in text
    assert reverse("raci:edit", kwargs={"role_assignment_pk": assignment.pk}) not in text
    assert reverse("raci:add", kwargs={"vendor_pk": vendor_a.pk}) not in text
    assert client.get(reverse("raci:index")).url == matrix_url(vendor_a)
    assert client.get(reverse("raci:add", kwargs={"vendor_pk": vendor_a.pk})).status_code == 403
    assert (
        client.post(reverse("raci:remove", kwargs={"role_assignment_pk": assignment.pk})).status_code == 403
    )
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_another_vendors_matrix_is_a_404(client_for, vendor_b_user, vendor_a, contact):
    assignment = _assign(vendor_a, "Service delivery", "Lead", "A", contact=contact)
    client = client_for(vendor_b_user)
    assert client.get(matrix_url(vendor_a)).status_code == 404
    assert client.get(reverse("raci:edit", kwargs={"role_assignment_pk": assignment.pk})).status_code == 404


# ---- The forms -----------------------------------------------------------------------------------------


def test_the_add_form_offers_only_this_vendors_people_and_contacts(
    client_for, manager, vendor_a, vendor_b, vendor_b_user, contact
):
    factories.VendorContactFactory(vendor=vendor_b, name="Gail Globex")
    page = client_for(manager).get(reverse("raci:add", kwargs={"vendor_pk": vendor_a.pk}))

    text = page.content.decode()
    assert "Sam Delivery" in text and "Mona Manager" in text
    assert "Bob Globex" not in text and "Gail Globex" not in text


def test_the_add_form_creates_the_role(client_for, manager, vendor_a, contact):
    response = client_for(manager).post(
        reverse("raci:add", kwargs={"vendor_pk": vendor_a.pk}),
        {
            "area": "Security",
            "role_title": "Vendor security lead",
            "holder": f"contact:{contact.pk}",
            "raci": "R",
        },
    )

    assert response.status_code == 302 and response.url == matrix_url(vendor_a)
    assignment = RoleAssignment.objects.get()
    assert (assignment.contact, assignment.side, assignment.raci) == (contact, Side.VENDOR, "R")


def test_the_add_form_shows_field_errors(client_for, manager, vendor_a, contact, vendor_b_user):
    client = client_for(manager)
    url = reverse("raci:add", kwargs={"vendor_pk": vendor_a.pk})

    empty = client.post(url, {"area": "", "role_title": "", "holder": "", "raci": ""})
    assert set(empty.context["form"].errors) == {"area", "role_title", "holder", "raci"}

    foreign = client.post(
        url, {"area": "A", "role_title": "R", "holder": f"user:{vendor_b_user.pk}", "raci": "R"}
    )
    assert "holder" in foreign.context["form"].errors

    _assign(vendor_a, "Security", "Lead", "R", contact=contact)
    twice = client.post(
        url, {"area": "Security", "role_title": "Lead", "holder": f"contact:{contact.pk}", "raci": "A"}
    )
    assert "already holds the role" in str(twice.context["form"].errors["role_title"])
    assert RoleAssignment.objects.count() == 1


def test_the_edit_form_changes_the_holder_and_letter(client_for, manager, vendor_a, contact, vendor_a_user):
    assignment = _assign(vendor_a, "Security", "Lead", "R", contact=contact)

    response = client_for(manager).post(
        reverse("raci:edit", kwargs={"role_assignment_pk": assignment.pk}),
        {"area": "Security", "role_title": "Lead", "holder": f"user:{vendor_a_user.pk}", "raci": "A"},
    )

    assert response.status_code == 302
    assignment.refresh_from_db()
    assert (assignment.person, assignment.contact, assignment.raci) == (vendor_a_user, None, "A")


def test_removing_asks_first_then_removes(client_for, manager, vendor_a, contact):
    assignment = _assign(vendor_a, "Security", "Lead", "A", contact=contact)
    client = client_for(manager)
    url = reverse("raci:remove", kwargs={"role_assignment_pk": assignment.pk})

    assert "the area's Accountable role" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert not RoleAssignment.objects.exists()


def test_the_overview_runs_a_constant_number_of_queries(client_for, manager, django_assert_max_num_queries):
    for n in range(3):
        vendor = factories.VendorFactory()
        _assign(vendor, "Security", f"Role {n}", "R", contact=factories.VendorContactFactory(vendor=vendor))
    client = client_for(manager)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("raci:index")).status_code == 200
    for n in range(10):
        vendor = factories.VendorFactory()
        _assign(vendor, "Security", f"Role {n}", "A", person=manager)
    with django_assert_max_num_queries(6):
        assert len(client.get(reverse("raci:index")).context["rows"]) == 13
