"""The navigation offers each role the areas it may use, and nothing else."""

import pytest

pytestmark = pytest.mark.django_db

GOVERNANCE = ("/issues/", "/actions/", "/forums/", "/decisions/", "/reviews/", "/audits/", "/raci/")


def nav_of(client) -> str:
    body = client.get("/issues/").content.decode()
    return body[body.index('<nav class="site-nav"') : body.index("</nav>")]


def test_managers_see_every_area(client_for, manager):
    nav = nav_of(client_for(manager))
    for href in (*GOVERNANCE, "/selection/", "/audit-trail/", "/notifications/", "/calendar/"):
        assert f'href="{href}' in nav, href


def test_viewers_have_no_audit_trail_link(client_for, viewer):
    nav = nav_of(client_for(viewer))
    assert 'href="/selection/"' in nav
    assert 'href="/audit-trail/"' not in nav


def test_vendor_users_never_see_partner_selection(client_for, vendor_a_user, vendor_a_admin):
    for user in (vendor_a_user, vendor_a_admin):
        nav = nav_of(client_for(user))
        for href in GOVERNANCE:
            assert f'href="{href}' in nav, href
        assert 'href="/selection/"' not in nav
        assert ('href="/vendor/team/"' in nav) == (user.role == "vendor_admin")


def test_the_current_area_is_marked(client_for, manager):
    nav = nav_of(client_for(manager))
    assert '<a href="/issues/" aria-current="page">Issues</a>' in nav
    assert 'class="site-nav__group" data-current' in nav
