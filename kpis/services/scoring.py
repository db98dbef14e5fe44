"""The scoring scheme in force, changed by the client's managers: category weights (adding up to 100,
the model's check) and standing bands (covering 0–100 without gap or overlap, ``validate_bands``).
Scorecards the engine writes from then on use it."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import policy
from accounts.audit import audit_record, audited_update

from ..models import ScoringScheme, StandingBand
from ..models.scoring import CATEGORY_WEIGHT_FIELDS, validate_bands

BANDS_CHANGED = "kpis.scoringscheme.bands_changed"


def scoring_scheme_can_edit(user) -> bool:
    return policy.sees_internal(user) and policy.can(user, policy.Action.CHANGE, ScoringScheme)


def _band_rows(scheme: ScoringScheme) -> list[list]:
    return [
        [band.name, band.rag, f"{band.lower:.2f}", f"{band.upper:.2f}"]
        for band in scheme.bands.order_by("lower")
    ]


@transaction.atomic
def scoring_scheme_update(
    *, scheme: ScoringScheme, actor, name: str, warning_points: int, bands, **weights
) -> ScoringScheme:
    """Change the scheme's name, weights, warning points and bands (``(name, rag, lower, upper)``);
    the bands are replaced as a whole, the old and new set kept in the audit trail."""
    if not scoring_scheme_can_edit(actor):
        raise PermissionDenied("Only the client's managers change the scoring scheme.")
    unknown = set(weights) - set(CATEGORY_WEIGHT_FIELDS)
    if unknown:
        raise ValueError(f"scoring_scheme_update got unknown fields {sorted(unknown)}")
    bands = sorted(
        ((str(n).strip(), rag, Decimal(lower), Decimal(upper)) for n, rag, lower, upper in bands),
        key=lambda band: band[2],
    )
    try:
        validate_bands([(lower, upper) for _n, _r, lower, upper in bands])
    except ValidationError as exc:
        raise ValidationError({"bands": exc.messages}) from None
    scheme = ScoringScheme.objects.select_for_update().get(pk=scheme.pk)
    scheme, _ = audited_update(
        instance=scheme, actor=actor, data={"name": name, "warning_points": warning_points, **weights}
    )
    old_bands = _band_rows(scheme)
    new_bands = [[n, rag, f"{lower:.2f}", f"{upper:.2f}"] for n, rag, lower, upper in bands]
    if old_bands != new_bands:
        scheme.bands.all().delete()
        for n, rag, lower, upper in bands:
            band = StandingBand(scheme=scheme, name=n, rag=rag, lower=lower, upper=upper)
            band.full_clean()
            band.save()
        audit_record(actor=actor, action=BANDS_CHANGED, obj=scheme, changes={"bands": [old_bands, new_bands]})
    return scheme
