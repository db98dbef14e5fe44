"""``{% chart some_chart %}``: an SVG chart from ``portal.charts`` with its data table alternative."""

from django import template

from portal import charts

register = template.Library()


@register.inclusion_tag("portal/charts/_chart.html")
def chart(chart_obj, compact=False, table_label=""):
    """The chart as a figure, its figures in a collapsed table beside it for screen readers and print."""
    return {
        "chart": chart_obj,
        "compact": compact,
        "table_label": table_label or ("Data" if compact else "Show the figures as a table"),
    }


@register.filter
def period_label(start, kind="monthly"):
    """A period by its first day and kind: "Mar 2026", "Q1 2026", "w/c 2 Mar 2026"."""
    return charts.period_label(start, kind) if start else ""


@register.filter
def figure(value, unit=""):
    """A measured figure rounded to two decimals, with its unit: 99.504 → "99.5%"."""
    return charts.fmt(value, unit) if value is not None and value != "" else "—"
