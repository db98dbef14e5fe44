"""The demo shows the contract lifecycle to the manager and both demo vendors; a second seed adds nothing."""

import pytest
from django.urls import reverse

from accounts.models import User
from contracts.models import ContractDocument, DeliverableStatus, NoticeReminder
from kpis.models import Measurement, MeasurementSource
from portal.demo import seed_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings, tmp_path):
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    return seed_demo()


def test_demo_contract_lifecycle_is_visible(seeded, client_for):
    manager = User.objects.get(email="manager@example.com")
    acme = User.objects.get(email="ops@acme.example.com")
    globex = User.objects.get(email="ops@globex.example.com")
    assert ContractDocument.objects.filter(shared_with_vendor=False).exists()
    assert ContractDocument.objects.filter(title="Signed statement of work", version=2).exists()
    sow = ContractDocument.objects.get(title="Signed statement of work", version=2).contract
    staff_page = client_for(manager).get(reverse("contracts:detail", args=[sow.pk])).content.decode()
    assert "Renewal negotiation notes" in staff_page and "v2" in staff_page
    vendor_page = client_for(acme).get(reverse("contracts:detail", args=[sow.pk])).content.decode()
    assert "Signed statement of work" in vendor_page and "Renewal negotiation notes" not in vendor_page
    assert client_for(globex).get(reverse("contracts:detail", args=[sow.pk])).status_code == 404

    waiting = client_for(manager).get(reverse("contracts:deliverable_list"), {"status": "delivered"})
    assert "Chatbot go-live" in waiting.content.decode()
    rejected = client_for(globex).get(reverse("contracts:deliverable_list"), {"status": "rejected"})
    assert "PostgreSQL 16 upgrade" in rejected.content.decode()
    from contracts.models import Deliverable

    chatbot = Deliverable.objects.get(title="Chatbot go-live")
    assert chatbot.status == DeliverableStatus.DELIVERED and chatbot.evidence.exists()
    page = (
        client_for(manager).get(reverse("contracts:deliverable_detail", args=[chatbot.pk])).content.decode()
    )
    assert "Accept" in page
    assert NoticeReminder.objects.exists()
    assert Measurement.objects.filter(source=MeasurementSource.SYSTEM).exists()


def test_seeding_twice_adds_nothing(seeded):
    counts = (ContractDocument.objects.count(), NoticeReminder.objects.count(), Measurement.objects.count())
    second = seed_demo()
    assert sum(second.created.values()) == 0
    assert (
        ContractDocument.objects.count(),
        NoticeReminder.objects.count(),
        Measurement.objects.count(),
    ) == counts
