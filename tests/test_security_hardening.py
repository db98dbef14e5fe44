"""Hardening: a Content-Security-Policy with no inline script, rate-limited e-mails, JSON limits on the
API, a health check that tells strangers only ok or not, and vendors' CSVs served and previewed safely."""

import ipaddress
import itertools
import json
import re
import uuid
from datetime import date
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import Invitation
from api.services.tokens import api_token_create
from kpis import services as kpi_services
from portal.views import shell
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
_addresses = itertools.count()


def fresh_address(domain="acme.test") -> str:
    return f"limit-{next(_addresses)}-{uuid.uuid4().hex[:8]}@{domain}"


# ---- Content-Security-Policy ---------------------------------------------------------------------------


def _templates():
    for path in ROOT.glob("**/templates/**/*.html"):
        if ".venv" not in path.parts and "emails" not in path.parts:
            yield path


def test_no_template_has_inline_script_or_handlers():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    handler = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    style_attribute = re.compile(r"\sstyle\s*=", re.IGNORECASE)
    offenders = [
        str(path.relative_to(ROOT))
        for path in _templates()
        if inline_script.search(text := path.read_text())
        or handler.search(text)
        or style_attribute.search(text)
    ]
    assert list(_templates())
    assert offenders == []


@pytest.mark.django_db
def test_pages_carry_a_policy_without_inline_script(client_for, manager, vendor_a):
    client = client_for(manager)
    for url in ("/", reverse("accounts:login"), "/api/docs/", reverse("issues:list")):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert directives["script-src"] == "'self'", url
        assert directives["style-src"] == "'self'", url
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert directives["frame-ancestors"] == "'none'"
        page = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url


@pytest.mark.django_db
def test_htmx_keeps_its_indicator_styles_out_of_the_page(client_for, manager):
    page = client_for(manager).get("/").content.decode()
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>""" in page
    css = (ROOT / "static" / "css" / "portal.css").read_text()
    assert ".htmx-request .htmx-indicator" in css
    assert "page-actions.js" in page


# ---- Rate-limited e-mails ------------------------------------------------------------------------------


@pytest.fixture
def limits(settings):
    settings.EMAIL_RATE_PER_ADDRESS = (2, 3600)
    settings.EMAIL_RATE_PER_CLIENT = (4, 3600)
    cache.clear()  # the counters outlive a test (in Redis, a run)


@pytest.mark.django_db
def test_password_resets_are_limited_per_address(limits, mailoutbox):
    user = factories.VendorUserFactory(email=fresh_address())
    answers = [
        Client(REMOTE_ADDR=f"192.0.2.{n}").post(reverse("accounts:password_reset"), {"email": user.email})
        for n in range(4)
    ]

    assert {(a.status_code, a.url) for a in answers} == {(302, reverse("accounts:password_reset_done"))}
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_password_resets_are_limited_per_client(limits, mailoutbox):
    users = [factories.VendorUserFactory(email=fresh_address()) for _ in range(6)]
    client = Client(REMOTE_ADDR="198.51.100.77")
    for user in users:
        assert client.post(reverse("accounts:password_reset"), {"email": user.email}).status_code == 302

    assert len(mailoutbox) == 4


@pytest.mark.django_db
def test_invitations_are_limited_per_address(limits, client_for, vendor_a_admin, mailoutbox):
    client = client_for(vendor_a_admin)
    address = fresh_address()
    answers = [
        client.post(reverse("vendor_portal:team"), {"email": address, "role": "vendor_user"})
        for _ in range(3)
    ]

    assert [a.status_code for a in answers[:2]] == [302, 302]
    assert answers[2].status_code == 200
    assert "Too many invitations" in answers[2].content.decode()
    assert Invitation.objects.filter(email=address).count() == 2


# ---- JSON limits ---------------------------------------------------------------------------------------


def _token_client(user) -> Client:
    _, token = api_token_create(user=user, name=f"json {fresh_address()}", scope="write")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [40, 5_000, 200_000])
def test_deeply_nested_json_is_a_400(vendor_a_user, depth):
    body = "[" * depth + "]" * depth
    response = _token_client(vendor_a_user).post(
        "/api/v1/measurements/", body, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    assert "nested" in response.json()["error"]["message"]


@pytest.mark.django_db
def test_a_huge_json_body_is_refused_not_a_500(vendor_a_user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"note": "x" * 20_000})
    response = _token_client(vendor_a_user).post(
        "/api/v1/measurements/", body, content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


@pytest.mark.django_db
def test_ordinary_json_still_parses(vendor_a_user, portfolio):
    response = _token_client(vendor_a_user).post(
        "/api/v1/measurements/",
        {"service_level": portfolio.a.service_level.pk, "measured_on": "2026-03-16", "value": "99.9"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content


# ---- /healthz ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_tells_strangers_only_ok_or_not(monkeypatch, vendor_a_user):
    outside = Client(REMOTE_ADDR="203.0.113.9")
    assert outside.get(reverse("healthz")).json() == {"status": "ok"}

    def unreachable():
        raise ConnectionRefusedError("no broker")

    monkeypatch.setattr(shell.celery_app, "connection_for_write", unreachable)
    down = outside.get(reverse("healthz"))
    assert (down.status_code, down.json()) == (503, {"status": "error"})

    _, token = api_token_create(user=vendor_a_user, name="monitor", scope="read")
    detailed = Client(REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {token}").get(reverse("healthz"))
    assert detailed.json()["broker"] == {"status": "error", "error": "ConnectionRefusedError"}
    wrong = Client(REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer vgp_not-a-token").get(
        reverse("healthz")
    )
    assert wrong.json() == {"status": "error"}


@pytest.mark.django_db
def test_healthz_details_for_the_configured_network(settings):
    settings.HEALTHZ_DETAIL_NETWORKS = [ipaddress.ip_network("10.20.0.0/16")]
    assert "database" in Client(REMOTE_ADDR="10.20.3.4").get(reverse("healthz")).json()
    assert Client(REMOTE_ADDR="127.0.0.1").get(reverse("healthz")).json() == {"status": "ok"}


# ---- Vendors' CSVs -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_evidence_csv_is_a_download_never_a_page(
    client_for, portfolio, vendor_a_user, manager, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    evidence = kpi_services.evidence_attach(
        uploaded_file=SimpleUploadedFile("figures.csv", b'day,value\n2026-03-01,=HYPERLINK("http://x")\n'),
        actor=vendor_a_user,
        measurement=portfolio.a.measurement,
    )

    response = client_for(manager).get(reverse("measurements:evidence", args=[evidence.pk]))

    assert response["Content-Disposition"] == 'attachment; filename="figures.csv"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.django_db
def test_the_upload_preview_neutralises_formulas(client_for, vendor_a, vendor_a_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    service_level = factories.ServiceLevelFactory(
        contract=factories.SOWFactory(vendor=vendor_a), effective_from=date(2025, 1, 1)
    )
    day = date.today().replace(day=1).isoformat()
    header = "service_level,measured_on,value,denominator,note"
    body = f"{header}\n{service_level.pk},{day},99.9,,\"=cmd|' /C calc'!A0\"\n"
    upload = kpi_services.upload_check(
        uploaded_file=SimpleUploadedFile("figures.csv", body.encode(), content_type="text/csv"),
        vendor=vendor_a,
        actor=vendor_a_user,
    )
    assert upload.rows, upload.errors

    page = (
        client_for(vendor_a_user)
        .get(reverse("measurements:upload_detail", args=[upload.pk]))
        .content.decode()
    )

    assert "&#x27;=cmd|" in page
    assert "<td>=cmd|" not in page
