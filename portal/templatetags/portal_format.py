"""Template filters that present figures the way people write them."""

from decimal import Decimal, InvalidOperation

from django import template

from accounts.exports import neutralise

register = template.Library()


@register.filter
def number(value):
    """A decimal without trailing zeros: 99.5000 → 99.5, 100.0000 → 100."""
    if value is None or value == "":
        return ""
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return value
    if value == value.to_integral_value():
        return f"{value.quantize(Decimal(1)):f}"
    return f"{value.normalize():f}"


@register.filter
def with_unit(value, unit):
    """A figure with its unit: "99.5%" for percentages, "30 minutes" otherwise."""
    figure = number(value)
    if figure == "" or not unit:
        return figure
    return f"{figure}{unit}" if unit == "%" else f"{figure} {unit}"


@register.filter
def spreadsheet_safe(value):
    """Text from a vendor's file shown in a preview: one that a spreadsheet would read as a formula when
    copied into it (``= + - @``) is shown with a leading apostrophe, as the exports write it."""
    return neutralise(value)
