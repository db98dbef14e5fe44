"""The role × route sweep: every URL pattern of the project, requested by every role.

No response is a server error; anonymous visitors are sent to sign in except on the public pages;
vendor users never get into the Django admin and never see another vendor's name; every POST
without a CSRF token is refused. Routes come from the resolver, so new URLs are swept as they
appear; object URLs are filled from the portfolio fixture as tests/test_isolation.py does.
"""

import copy
import re

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from tests.test_isolation import OBJECT_KWARG, all_routes, describe, model_for, object_for
from vendors.models import Vendor

pytestmark = pytest.mark.django_db

ROLES = [
    None,
    "admin_user",
    "manager",
    "viewer",
    "auditor",
    "vendor_a_user",
    "vendor_a_admin",
    "vendor_b_user",
]
VENDOR_ROLES = {"vendor_a_user", "vendor_a_admin", "vendor_b_user"}
# Pages anyone may open without signing in.
PUBLIC = {
    "healthz",
    "accounts:login",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "accounts:invitation_accept",
    "admin:login",
}
# Sample values for URL kwargs that are not object ids; anything else gets "x".
SAMPLE_KWARGS = {
    "fmt": "csv",
    "format": "json",
    "app_label": "accounts",
    "url": "no-such-page/",
    "token": "no-such-token",
}
ADMIN_MODEL_ROUTE = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/")


class Sweep:
    """Builds the URL of every route for one side of the portfolio (one vendor's objects)."""

    def __init__(self, portfolio, side, owner):
        self.portfolio, self.side, self.owner = portfolio, side, owner

    def kwarg_value(self, route, kwarg):
        if route.is_admin:
            return self.admin_kwarg_value(route, kwarg)
        if OBJECT_KWARG.match(kwarg):
            model = model_for(route, kwarg)
            obj = model and object_for(model, self.side, self.owner, self.portfolio)
            return obj.pk if obj is not None else "0"
        if kwarg == "uidb64":
            return urlsafe_base64_encode(force_bytes(self.owner.pk))
        return SAMPLE_KWARGS.get(kwarg, "x")

    def admin_kwarg_value(self, route, kwarg):
        if kwarg == "content_type_id":
            return ContentType.objects.get_for_model(Vendor).pk
        if route.name == "admin:view_on_site" and kwarg == "object_id":
            return self.side.vendor.pk
        if kwarg == "id":
            return self.owner.pk
        if kwarg == "object_id":
            match = ADMIN_MODEL_ROUTE.match(route.route)
            model = match and apps.get_model(match["app"], match["model"])
            row = model and model._default_manager.order_by("pk").first()
            return row.pk if row is not None else "1"
        return SAMPLE_KWARGS.get(kwarg, "x")

    def url(self, route) -> str:
        values = {kwarg: str(self.kwarg_value(route, kwarg)) for kwarg in route.kwargs}
        if route.name:
            try:
                return reverse(route.name, kwargs=values)
            except NoReverseMatch:
                pass
        # Regex groups first: their "<name>" would otherwise read as a path converter.
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m[1]], route.route)
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m[1]], path)
        return "/" + path.replace("^", "").replace("$", "")


def swept_routes():
    return [r for r in all_routes() if not r.is_static]


def urls_for(sweep):
    built = []
    for route in swept_routes():
        url = sweep.url(route)
        try:
            resolve(url)
        except Resolver404:
            pytest.fail(f"The sweep built {url} for {route.name or route.route}, which does not resolve")
        built.append((route, url))
    return built


def actor_client(request, role):
    client = Client(raise_request_exception=False)
    user = request.getfixturevalue(role) if role else None
    if user:
        client.force_login(user)
    return client, user


def post_and_roll_back(client, url):
    """POST without data; the change (even a sign-out) is undone and the client keeps its session."""
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        response = client.post(url)
        transaction.set_rollback(True)
    client.cookies = cookies
    return response


def is_login_redirect(response, route) -> bool:
    if not 300 <= response.status_code < 400:
        return False
    logins = [reverse("accounts:login"), reverse("admin:login")]
    if route.is_admin:
        # The admin sends visitors to its login, or first to its index, which does.
        logins.append(reverse("admin:index"))
    return any(response.url.split("?")[0] == login for login in logins)


def owner_of(request, side, user):
    """A user of the vendor whose objects fill the URLs: the acting user when it is one."""
    if user is not None and user.vendor_id == side.vendor.pk:
        return user
    portfolio = request.getfixturevalue("portfolio")
    return request.getfixturevalue("vendor_b_user" if side is portfolio.b else "vendor_a_user")


def sides(portfolio, user):
    """The vendor whose objects fill the URLs for this user, and the other vendor."""
    if user is not None and user.vendor_id == portfolio.b.vendor.pk:
        return portfolio.b, portfolio.a
    return portfolio.a, portfolio.b


def test_the_sweep_sees_every_kind_of_route():
    names = {r.name for r in swept_routes()}
    assert {"portal:home", "vendors:detail", "vendor_portal:team", "accounts:invitation_accept"} <= names
    assert {"admin:index", "admin:login", "admin:accounts_user_change"} <= names
    assert any(r.name is None and r.is_admin for r in swept_routes())


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role or "anonymous")
def test_every_route_answers_every_role_without_a_server_error(request, portfolio, role):
    client, user = actor_client(request, role)
    own, _other = sides(portfolio, user)
    problems = []
    for route, url in urls_for(Sweep(portfolio, own, owner_of(request, own, user))):
        responses = {"GET": client.get(url)}
        if not route.is_admin:
            responses["POST"] = post_and_roll_back(client, url)
        for method, response in responses.items():
            if response.status_code >= 500:
                problems.append(f"{method} {url} ({route.name}): {describe(response)}")
        get = responses["GET"]
        kept_out = is_login_redirect(get, route) or get.status_code in (401, 403, 404, 405)
        if role is None and route.name not in PUBLIC and not kept_out:
            problems.append(f"GET {url} ({route.name}) let an anonymous visitor in: {describe(get)}")
        admin_page = route.is_admin and route.name != "admin:login"
        if role in VENDOR_ROLES and admin_page and not kept_out:
            problems.append(f"GET {url} ({route.name}) let {role} into the admin: {describe(get)}")
        for response in responses.values():
            body(response)  # reading a download to the end closes its file
    assert not problems, f"{role or 'anonymous'}:\n  " + "\n  ".join(problems)


def body(response) -> str:
    # The test client closes a streamed response once it has been read to the end; closing it
    # here instead would fire request_finished and drop the test's database connection.
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode(errors="replace")


def names_of(side) -> list[str]:
    return [side.vendor.name, *User.objects.filter(vendor=side.vendor).values_list("email", flat=True)]


@pytest.mark.parametrize("role", ["vendor_a_user", "vendor_a_admin", "vendor_b_user"])
def test_vendor_users_never_see_another_vendors_name(request, portfolio, role):
    """Every page a vendor user opens, filled with its own objects or the other vendor's, GET and POST."""
    client, user = actor_client(request, role)
    own, other = sides(portfolio, user)
    owner_of(request, other, None)  # the other vendor has a user whose address must not show either
    forbidden = names_of(other)
    assert other.vendor.name in other.sow.title  # the other vendor's objects carry its name
    problems, pages_naming_own_vendor = [], 0
    for side in (own, other):
        for route, url in urls_for(Sweep(portfolio, side, owner_of(request, side, user))):
            if route.is_admin:
                continue
            for method, response in (("GET", client.get(url)), ("POST", post_and_roll_back(client, url))):
                text = body(response)
                seen = [name for name in forbidden if name in text]
                if seen:
                    problems.append(f"{method} {url} ({route.name}) shows {seen}")
                pages_naming_own_vendor += own.vendor.name in text
    assert not problems, f"{role}:\n  " + "\n  ".join(problems)
    assert pages_naming_own_vendor > 10  # the search would find a name where there is one


@pytest.mark.parametrize(
    "role", [None, "manager", "admin_user", "vendor_a_admin"], ids=lambda r: r or "anonymous"
)
def test_every_post_without_a_csrf_token_is_refused(request, portfolio, role):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    user = request.getfixturevalue(role) if role else None
    if user:
        client.force_login(user)
    accepted = []
    for route, url in urls_for(Sweep(portfolio, portfolio.a, owner_of(request, portfolio.a, user))):
        response = post_and_roll_back(client, url)
        refused_for_csrf = response.status_code == 403 and b"CSRF" in response.content
        # A view exempt from the CSRF middleware (an API view checks the token itself for a signed-in
        # session) must still refuse: unauthenticated, forbidden, or nothing there to post to.
        exempt = getattr(resolve(url).func, "csrf_exempt", False)
        refused_by_exempt_view = exempt and response.status_code in (401, 403, 404, 405)
        if not (refused_for_csrf or refused_by_exempt_view):
            accepted.append(f"POST {url} ({route.name}): {describe(response)}")
    assert not accepted, "POSTs accepted without a CSRF token:\n  " + "\n  ".join(accepted)


def test_a_post_with_the_csrf_token_gets_through(client_for, vendor_a_user):
    """The control for the test above: the refusals are about the token, not the route."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(vendor_a_user)
    client.get(reverse("vendor_portal:progress_create"))
    token = client.cookies["csrftoken"].value

    response = client.post(
        reverse("vendor_portal:progress_create"),
        {"csrfmiddlewaretoken": token, "rag": "green", "summary": "On track."},
    )

    assert response.status_code == 302
