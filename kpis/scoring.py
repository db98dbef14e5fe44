"""The scoring scheme in force: category weights and RAG standing bands (validated)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kpis.models import ScoringScheme, StandingBand
from kpis.models.scoring import validate_bands

DEFAULT_BANDS = (
    ("Red", "red", Decimal("0"), Decimal("70")),
    ("Amber", "amber", Decimal("70"), Decimal("85")),
    ("Green", "green", Decimal("85"), Decimal("100")),
)


def active_scheme() -> ScoringScheme:
    """The active scheme; a default one (30/30/25/15, red < 70 ≤ amber < 85 ≤ green) is created if none."""
    scheme = ScoringScheme.objects.filter(is_active=True).first()
    if scheme is None:
        try:
            scheme = scoring_scheme_create(name="Default", bands=DEFAULT_BANDS)
        except (IntegrityError, ValidationError):
            # Two first runs at once: the other one created the default scheme (its name is unique).
            scheme = ScoringScheme.objects.get(is_active=True)
    return scheme


@transaction.atomic
def scoring_scheme_create(
    *,
    name: str,
    bands,
    weights: dict[str, int] | None = None,
    warning_points: int = 50,
    activate: bool = True,
) -> ScoringScheme:
    """Create a validated scheme: weights must add up to 100, bands must cover 0–100 exactly."""
    validate_bands([(Decimal(lo), Decimal(hi)) for _n, _r, lo, hi in bands])
    scheme = ScoringScheme(name=name, is_active=False, warning_points=warning_points)
    for category, weight in (weights or {}).items():
        field = f"weight_{category}"
        if not hasattr(scheme, field):
            raise ValidationError(f"Unknown scorecard category {category!r}.")
        setattr(scheme, field, weight)
    scheme.full_clean()
    scheme.save()
    StandingBand.objects.bulk_create(
        StandingBand(scheme=scheme, name=n, rag=rag, lower=lo, upper=hi) for n, rag, lo, hi in bands
    )
    if activate:
        ScoringScheme.objects.filter(is_active=True).update(is_active=False)
        scheme.is_active = True
        scheme.save(update_fields=["is_active"])
    return scheme
