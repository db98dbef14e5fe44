"""The web shell: landing after sign-in, the portfolio, vendor and contract pages, health check, error pages
and the audited admin."""

import pytest
from celery import current_app
from django.contrib.humanize.templatetags.humanize import intcomma
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import AuditEvent, Role
from contracts.models import ContractStatus
from governance.models import EscalationPath
from portal.views import shell as portal_views
from tests import factories
from tests.factories import TEST_PASSWORD
from vendors.models import VendorTier

pytestmark = pytest.mark.django_db


def login(client, email, password=TEST_PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password}, follow=True)


def template_names(response):
    return [t.name for t in response.templates]


def add_vendors(count, *, owner):
    """``count`` vendors, each with a category, an active SOW under an MSA, two service levels, a contact."""
    category = factories.ServiceCategoryFactory(name="Service desk")
    for _ in range(count):
        vendor = factories.VendorFactory(internal_owner=owner)
        vendor.service_categories.add(category)
        sow = factories.SOWFactory(vendor=vendor)
        factories.ServiceLevelFactory.create_batch(2, contract=sow)
        factories.VendorContactFactory(vendor=vendor)


# --- Sign-in and landing -------------------------------------------------------------------


def test_login_with_email_and_password_lands_on_the_portfolio(client, manager):
    response = login(client, manager.email)

    assert response.redirect_chain == [(reverse("portal:home"), 302)]
    assert response.status_code == 200
    assert "portal/home.html" in template_names(response)
    assert response.context["user"] == manager


def test_login_form_labels_the_field_e_mail(client):
    response = client.get(reverse("accounts:login"))

    assert 'type="email"' in response.content.decode()
    assert response.context["form"].fields["username"].label == "E-mail"


def test_vendor_user_lands_on_own_vendor_home(client, vendor_a_user, vendor_a):
    response = login(client, vendor_a_user.email)

    assert response.redirect_chain[-1] == (reverse("vendor_portal:home"), 302)
    assert response.status_code == 200
    assert vendor_a.name in response.content.decode()


def test_vendor_list_sends_vendor_users_to_their_own_vendor(client_for, vendor_a_user, vendor_a):
    response = client_for(vendor_a_user).get(reverse("vendors:list"))

    assert response.status_code == 302
    assert response.url == reverse("vendors:detail", args=[vendor_a.pk])


def test_nav_shows_links_by_role(client_for, manager, vendor_a_user, admin_user):
    manager_page = client_for(manager).get(reverse("portal:home")).content.decode()
    vendor_page = client_for(vendor_a_user).get(reverse("vendors:detail", args=[vendor_a_user.vendor_id]))
    admin_page = client_for(admin_user).get(reverse("portal:home")).content.decode()

    assert (
        "Portfolio" in manager_page
        and "Mona Manager" in manager_page
        and "Relationship manager" in manager_page
    )
    assert reverse("admin:index") not in manager_page
    assert "My vendor" in vendor_page.content.decode() and "Portfolio" not in vendor_page.content.decode()
    assert reverse("admin:index") in admin_page


def test_locked_out_page_names_the_lock_time(client, manager):
    for _ in range(5):
        response = client.post(
            reverse("accounts:login"), {"username": manager.email, "password": "wrong-password"}
        )

    assert response.status_code == 429
    assert "accounts/locked_out.html" in template_names(response)
    assert "locked for 15 minutes" in " ".join(response.content.decode().split())


def test_password_reset_mail_uses_the_portal_templates(client, mailoutbox, manager):
    client.post(reverse("accounts:password_reset"), {"email": manager.email})

    [mail] = mailoutbox
    assert mail.subject == "Reset your password for Vendor Governance Portal"
    assert "/accounts/password-reset/" in mail.body
    assert mail.alternatives and "Choose a new password" in mail.alternatives[0][0]


# --- Isolation and internal-only fields ----------------------------------------------------------


def test_vendor_user_gets_404_for_another_vendors_pages(client_for, portfolio, vendor_a_user):
    client = client_for(vendor_a_user)

    assert client.get(reverse("vendors:detail", args=[portfolio.b.vendor.pk])).status_code == 404
    assert client.get(reverse("contracts:detail", args=[portfolio.b.sow.pk])).status_code == 404
    assert client.get(reverse("vendors:detail", args=[portfolio.a.vendor.pk])).status_code == 200
    assert client.get(reverse("contracts:detail", args=[portfolio.a.sow.pk])).status_code == 200


def test_internal_notes_are_hidden_from_vendor_users(client_for, portfolio, vendor_a_user):
    client = client_for(vendor_a_user)
    vendor_page = client.get(reverse("vendors:detail", args=[portfolio.a.vendor.pk])).content.decode()
    contract_page = client.get(reverse("contracts:detail", args=[portfolio.a.sow.pk])).content.decode()

    assert portfolio.a.contact.name in vendor_page
    assert portfolio.a.vendor.internal_notes not in vendor_page
    assert portfolio.a.contact.notes not in vendor_page
    assert "Relationship owner" not in vendor_page
    assert portfolio.a.sow.internal_notes not in contract_page
    assert intcomma(portfolio.a.sow.monthly_charge) not in contract_page
    assert intcomma(portfolio.a.sow.total_value) not in contract_page


def test_internal_notes_are_shown_to_the_manager(client_for, portfolio, manager):
    portfolio.a.vendor.internal_owner = manager
    portfolio.a.vendor.save()
    client = client_for(manager)
    vendor_page = client.get(reverse("vendors:detail", args=[portfolio.a.vendor.pk])).content.decode()
    contract_page = client.get(reverse("contracts:detail", args=[portfolio.a.sow.pk])).content.decode()

    assert portfolio.a.vendor.internal_notes in vendor_page
    assert portfolio.a.contact.notes in vendor_page
    assert "Relationship owner" in vendor_page and "Mona Manager" in vendor_page
    assert portfolio.a.sow.internal_notes in contract_page
    assert f"{intcomma(portfolio.a.sow.total_value)} EUR" in contract_page


def test_recent_activity_hides_internal_only_events_from_vendor_users(
    client_for, portfolio, vendor_a_user, manager
):
    factories.AuditEventFactory(
        obj=portfolio.a.vendor,
        action="vendors.vendor.updated",
        internal_only=True,
        object_repr="secret-change",
    )
    url = reverse("vendors:detail", args=[portfolio.a.vendor.pk])

    vendor_view = client_for(vendor_a_user).get(url).context["activity"]
    manager_view = client_for(manager).get(url).context["activity"]

    assert [e.object_repr for e in vendor_view] == [str(portfolio.a.sow)]
    assert {e.object_repr for e in manager_view} == {str(portfolio.a.sow), "secret-change"}


# --- Pages ------------------------------------------------------------------------------------


def test_portfolio_counts_active_contracts_and_service_levels(client_for, manager, portfolio):
    factories.SOWFactory(vendor=portfolio.a.vendor, parent=portfolio.a.msa, status=ContractStatus.EXPIRED)

    page = client_for(manager).get(reverse("portal:home")).context["page_obj"]

    rows = {vendor.name: (vendor.active_contract_count, vendor.service_level_count) for vendor in page}
    assert rows == {"Acme Test": (2, 1), "Globex Test": (2, 1)}


def test_portfolio_filters_by_tier_and_status(client_for, manager, vendor_a, vendor_b):
    vendor_b.tier = VendorTier.CRITICAL
    vendor_b.save()
    client = client_for(manager)

    critical = client.get(reverse("portal:home"), {"tier": "critical"}).context["page_obj"]
    active_low = client.get(reverse("portal:home"), {"tier": "low", "status": "active"}).context["page_obj"]
    nonsense = client.get(reverse("portal:home"), {"tier": "nonsense"})

    assert [v.name for v in critical] == ["Globex Test"]
    assert list(active_low) == []
    assert nonsense.status_code == 200 and len(nonsense.context["page_obj"]) == 2


def test_portfolio_pages_by_25(client_for, manager):
    add_vendors(26, owner=manager)
    client = client_for(manager)

    first = client.get(reverse("portal:home")).context["page_obj"]
    second = client.get(reverse("portal:home"), {"page": 2}).context["page_obj"]

    assert len(first) == 25 and len(second) == 1


def test_vendor_page_shows_the_relationship(client_for, manager, portfolio):
    response = client_for(manager).get(reverse("vendors:detail", args=[portfolio.a.vendor.pk]))
    html = response.content.decode()

    assert portfolio.a.sow.reference in html
    assert reverse("contracts:detail", args=[portfolio.a.sow.pk]) in html
    assert "Service availability" in html and "99.5%" in html and "98%" in html
    assert portfolio.a.role_assignment.role_title in html
    assert response.context["escalation_path"] == portfolio.a.escalation_path
    assert "Level 1" in html


def test_vendor_without_own_path_gets_the_tier_default(client_for, manager, vendor_a):
    default = factories.EscalationPathFactory(vendor=None, tier=vendor_a.tier, name="Medium tier default")
    factories.EscalationLevelFactory(path=default, internal_person=manager)

    response = client_for(manager).get(reverse("vendors:detail", args=[vendor_a.pk]))

    assert response.context["escalation_path"] == default
    assert "the default for medium-tier vendors" in response.content.decode()


def test_contract_page_shows_parent_children_deliverables_and_service_levels(
    client_for, vendor_a_user, portfolio
):
    client = client_for(vendor_a_user)
    sow_page = client.get(reverse("contracts:detail", args=[portfolio.a.sow.pk])).content.decode()
    msa_page = client.get(reverse("contracts:detail", args=[portfolio.a.msa.pk])).content.decode()

    assert reverse("contracts:detail", args=[portfolio.a.msa.pk]) in sow_page
    assert portfolio.a.deliverable.title in sow_page
    assert "Service availability" in sow_page
    assert reverse("contracts:detail", args=[portfolio.a.sow.pk]) in msa_page


# --- Query budgets ------------------------------------------------------------------------------


@pytest.mark.parametrize("vendor_count", [3, 9])
def test_portfolio_query_count_does_not_grow_with_vendors(
    client_for, manager, vendor_count, django_assert_num_queries
):
    add_vendors(vendor_count, owner=manager)
    client = client_for(manager)

    # 1 session, 2 user, 3–7 the summary tiles (overdue action items, reviews due, breaches, figures
    # awaiting validation, contract dates), 8 count for the paginator, 9 vendors with owners and counts,
    # 10 service categories, 11–12 the owners and categories the filter form offers
    # (tests/test_dashboard.py pins the same budget on richer data)
    with django_assert_num_queries(12):
        response = client.get(reverse("portal:home"))
    assert len(response.context["page_obj"]) == vendor_count


@pytest.mark.parametrize("extra", [0, 4])
def test_vendor_page_query_count_does_not_grow(
    client_for, manager, portfolio, extra, django_assert_num_queries
):
    vendor = portfolio.a.vendor
    for _ in range(extra):
        factories.VendorContactFactory(vendor=vendor)
        sow = factories.SOWFactory(vendor=vendor, parent=portfolio.a.msa)
        factories.ServiceLevelFactory(contract=sow, metric=portfolio.metric)
        factories.RoleAssignmentFactory(vendor=vendor, contract=sow)
        factories.AuditEventFactory(obj=sow, actor=manager)
    client = client_for(manager)

    # 1 session, 2 user, 3 vendor with owner, 4 categories, 5 contacts, 6 contracts, 7 deliverables,
    # 8 role assignments with holders, 9 recent scorecards, 10 standing bands, 11 service levels with
    # metrics, 12 their last results, 13 escalation path, 14 its levels, 15 timeline, 16 open breaches,
    # 17 progress updates (tests/test_vendor360.py pins the same budget on richer data)
    with django_assert_num_queries(17):
        response = client.get(reverse("vendors:detail", args=[vendor.pk]))
    assert len(response.context["contracts"]) == 2 + extra


@pytest.mark.parametrize("extra", [0, 4])
def test_contract_page_query_count_does_not_grow(
    client_for, manager, portfolio, extra, django_assert_num_queries
):
    sow = portfolio.a.sow
    for _ in range(extra):
        factories.DeliverableFactory(contract=sow, approver=manager)
        factories.ServiceLevelFactory(contract=sow)
        factories.ContractFactory(vendor=sow.vendor, parent=sow, contract_type="order", reference=f"ORD-{_}")
    client = client_for(manager)

    # 1 session, 2 user, 3 contract with vendor, parent and owner, 4 deliverables, 5 service levels with
    # metrics, 6 their last results, 7 the contracts under it (one recursive query), 8 their service levels,
    # 9 documents, 10 renewal decisions, 11 the reminder ledger, 12 the status history
    with django_assert_num_queries(12):
        response = client.get(reverse("contracts:detail", args=[sow.pk]))
    assert len(response.context["service_levels"]) == 1 + extra


# --- Health check and error pages -----------------------------------------------------------------


def test_healthz_reports_database_and_broker(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["broker"]["status"] == "ok"


def test_healthz_is_503_when_the_broker_is_down(client, monkeypatch):
    def unreachable():
        raise ConnectionRefusedError("no broker")

    monkeypatch.setattr(current_app, "connection_for_write", unreachable)

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": response.json()["database"],
        "broker": {"status": "error", "error": "ConnectionRefusedError"},
    }
    assert response.json()["database"]["status"] == "ok"


def test_healthz_refuses_post(client):
    assert client.post(reverse("healthz")).status_code == 405


def test_unknown_url_renders_the_portal_404(client_for, vendor_a_user):
    response = client_for(vendor_a_user).get("/no-such-page/")

    assert response.status_code == 404
    assert "404.html" in template_names(response)
    assert "Page not found" in response.content.decode()


def test_server_error_page_renders_without_a_request_context(django_assert_num_queries):
    request = RequestFactory().get("/")

    with django_assert_num_queries(0):
        response = portal_views.server_error(request)

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_permission_denied_renders_the_portal_403(rf, manager):
    request = rf.get("/")
    request.user = manager

    response = portal_views.permission_denied(request, exception=None)

    assert response.status_code == 403
    assert "Access denied" in response.content.decode()


# --- Admin ---------------------------------------------------------------------------------------


def test_admin_change_is_audited_with_old_and_new_values(client_for, admin_user, vendor_a):
    client = client_for(admin_user)
    url = reverse("admin:vendors_vendor_change", args=[vendor_a.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "service_categories": [],
            "status": "exiting",
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.get(action="vendors.vendor.updated")
    assert event.actor == admin_user
    assert event.vendor_id == vendor_a.pk
    assert event.changes == {"status": ["active", "exiting"]}


def test_admin_delete_is_audited(client_for, admin_user):
    category = factories.ServiceCategoryFactory(name="Hosting")
    client = client_for(admin_user)

    client.post(reverse("admin:vendors_servicecategory_delete", args=[category.pk]), {"post": "yes"})

    event = AuditEvent.objects.get(action="vendors.servicecategory.deleted")
    assert event.changes == {"name": ["Hosting", None]}


def test_admin_user_creation_is_audited_without_the_password(client_for, admin_user, vendor_a):
    client = client_for(admin_user)

    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "New.Person@Acme.test",
            "full_name": "New Person",
            "role": Role.VENDOR_USER,
            "vendor": vendor_a.pk,
            "usable_password": "true",
            "password1": "a-long-Passphrase-42",
            "password2": "a-long-Passphrase-42",
        },
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="accounts.user.created")
    assert event.changes["email"] == [None, "new.person@acme.test"]
    assert not {"password", "password1", "password2"} & set(event.changes)


def test_audit_trail_admin_is_read_only(client_for, admin_user, portfolio):
    client = client_for(admin_user)
    event = portfolio.a.audit_event

    assert client.get(reverse("admin:accounts_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_auditevent_add")).status_code == 403
    assert (
        client.post(reverse("admin:accounts_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_admin_inline_levels_are_audited(client_for, admin_user, manager):
    client = client_for(admin_user)

    response = client.post(
        reverse("admin:governance_escalationpath_add"),
        {
            "name": "Critical default",
            "tier": "critical",
            "levels-TOTAL_FORMS": "1",
            "levels-INITIAL_FORMS": "0",
            "levels-0-level": "1",
            "levels-0-name": "Operational",
            "levels-0-internal_person": manager.pk,
            "levels-0-time_limit_hours": "8",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    path = EscalationPath.objects.get(name="Critical default")
    assert path.levels.get().name == "Operational"
    actions = sorted(AuditEvent.objects.values_list("action", flat=True))
    assert actions == ["governance.escalationlevel.created", "governance.escalationpath.created"]
