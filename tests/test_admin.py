"""Every admin screen opens for an administrator, with data in it; scheme bands are validated."""

import pytest
from django.contrib import admin
from django.urls import reverse

from kpis.engine import run_evaluation
from kpis.models import ScoringScheme
from kpis.scoring import active_scheme

pytestmark = pytest.mark.django_db


def test_every_changelist_and_change_page_opens(client_for, admin_user, portfolio):
    run_evaluation()
    active_scheme()
    client = client_for(admin_user)
    for model in admin.site._registry:
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(url).status_code == 200, url
        obj = model._default_manager.first()
        if obj is not None:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            assert client.get(url).status_code == 200, url


def test_scheme_bands_with_a_gap_are_refused(client_for, admin_user):
    scheme = active_scheme()
    bands = list(scheme.bands.order_by("lower"))
    client = client_for(admin_user)
    data = {
        "name": scheme.name,
        "is_active": "on",
        "weight_quality": 30,
        "weight_delivery": 30,
        "weight_responsiveness": 25,
        "weight_relationship": 15,
        "warning_points": 50,
        "bands-TOTAL_FORMS": len(bands),
        "bands-INITIAL_FORMS": len(bands),
        "bands-MIN_NUM_FORMS": 0,
        "bands-MAX_NUM_FORMS": 1000,
    }
    for i, band in enumerate(bands):
        data |= {
            f"bands-{i}-id": band.pk,
            f"bands-{i}-scheme": scheme.pk,
            f"bands-{i}-name": band.name,
            f"bands-{i}-rag": band.rag,
            f"bands-{i}-lower": band.lower,
            f"bands-{i}-upper": band.upper,
        }
    data["bands-0-upper"] = "60"  # red now ends at 60 but amber starts at 70
    response = client.post(reverse("admin:kpis_scoringscheme_change", args=[scheme.pk]), data)
    assert response.status_code == 200
    assert "gap between 60" in response.content.decode()
    data["bands-0-upper"] = "70"
    data["weight_quality"] = 31
    response = client.post(reverse("admin:kpis_scoringscheme_change", args=[scheme.pk]), data)
    assert "add up to 100" in response.content.decode()
    assert ScoringScheme.objects.get(pk=scheme.pk).weight_quality == 30
