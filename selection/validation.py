"""Checks shared by the forms and the services of a selection event."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError

WEIGHT_TOTAL = 100


def check_weights(weights: Iterable[int]) -> None:
    """The criteria's weights must add up to exactly 100."""
    weights = list(weights)
    if not weights:
        raise ValidationError("Give at least one criterion.", code="no_criteria")
    total = sum(weights)
    if total != WEIGHT_TOTAL:
        difference = total - WEIGHT_TOTAL
        hint = f"remove {difference}" if difference > 0 else f"add {-difference}"
        raise ValidationError(
            f"The weights add up to {total}; they must add up to exactly {WEIGHT_TOTAL} ({hint}).",
            code="weights_total",
        )


def check_unique_names(names: Iterable[str]) -> None:
    seen = set()
    for name in names:
        key = name.strip().casefold()
        if key in seen:
            raise ValidationError(f"The criterion “{name.strip()}” appears twice.", code="duplicate_name")
        seen.add(key)
