"""Checks of the legal identifiers a vendor is known by: VAT number, LEI (ISO 17442) and D-U-N-S number.

Each validator reads the value as ``normalise`` writes it (without spaces, dots and dashes,
upper-cased), so "GB 298 4471 63" is as valid as "GB298447163", and raises a ValidationError
that says what a valid value looks like.
"""

import re

from django.core.exceptions import ValidationError

VAT_FORMAT = re.compile(r"^[A-Z]{2}[A-Z0-9]{2,13}$")
LEI_FORMAT = re.compile(r"^[A-Z0-9]{18}[0-9]{2}$")
DUNS_FORMAT = re.compile(r"^[0-9]{9}$")


def normalise(value: str) -> str:
    """The identifier without the spaces, dots and dashes people type into it, upper-cased."""
    return re.sub(r"[\s.\-]", "", value or "").upper()


def validate_vat(value: str) -> None:
    if value and not VAT_FORMAT.match(normalise(value)):
        raise ValidationError(
            "Enter the VAT number with its two-letter country prefix, e.g. DE123456789.", code="invalid_vat"
        )


def lei_checksum_ok(value: str) -> bool:
    """ISO 17442 (as ISO 7064 MOD 97-10): letters become 10–35 and the number leaves 1 divided by 97."""
    digits = "".join(str(int(char, 36)) for char in value)
    return int(digits) % 97 == 1


def validate_lei(value: str) -> None:
    if not value:
        return
    value = normalise(value)
    if not LEI_FORMAT.match(value):
        raise ValidationError(
            "An LEI has 20 characters: 18 letters or digits and 2 check digits.", code="invalid_lei"
        )
    if not lei_checksum_ok(value):
        raise ValidationError(
            "This LEI's check digits do not match; check it for a typing error.", code="invalid_lei"
        )


def validate_duns(value: str) -> None:
    if value and not DUNS_FORMAT.match(normalise(value)):
        raise ValidationError("A D-U-N-S number has 9 digits.", code="invalid_duns")
