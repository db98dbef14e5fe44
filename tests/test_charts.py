"""The server-rendered SVG charts: well-formed, accessible, escaped, and carrying their data."""

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import Context, Template

from portal import charts

SVG = "{http://www.w3.org/2000/svg}"
BANDS = [
    charts.Band(Decimal(0), Decimal(70), "red", "Red"),
    charts.Band(Decimal(70), Decimal(85), "amber", "Amber"),
    charts.Band(Decimal(85), Decimal(100), "green", "Green"),
]


def parse(chart) -> ET.Element:
    """The chart's SVG as XML; fails the test if it is not well-formed."""
    return ET.fromstring(str(chart.svg))  # noqa: S314 (the portal's own markup)


def tooltips(root) -> list[str]:
    return [el.text for el in root.iter(f"{SVG}title")][1:]


def assert_accessible(root, title: str, description: str):
    assert root.get("role") == "img"
    title_el, desc_el = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title_el.text == title and desc_el.text == description
    assert root.get("aria-labelledby") == f"{title_el.get('id')} {desc_el.get('id')}"


def test_line_chart_is_accessible_xml_with_every_value():
    chart = charts.line_chart(
        title="Scores",
        description="Quality rose.",
        labels=["Jan", "Feb", "Mar"],
        full_labels=["Jan 2026", "Feb 2026", "Mar 2026"],
        series=[
            charts.Series("Overall", [Decimal("55.83"), Decimal("73.1"), 100]),
            charts.Series("Q", [1, 2, 3]),
        ],
        bands=BANDS,
    )

    root = parse(chart)

    assert_accessible(root, "Scores", "Quality rose.")
    assert "Overall, Feb 2026: 73.1" in tooltips(root)
    assert "Overall, Jan 2026: 55.8" in tooltips(root)
    assert chart.columns == ("Period", "Overall", "Q")
    assert chart.rows == (("Jan 2026", "55.8", "1"), ("Feb 2026", "73.1", "2"), ("Mar 2026", "100", "3"))
    band_fills = [r.get("fill") for r in root.iter(f"{SVG}rect") if "chart__band" in r.get("class", "")]
    assert band_fills == [charts.RAG_FILL["red"], charts.RAG_FILL["amber"], charts.RAG_FILL["green"]]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"Red", "Amber", "Green", "0", "100", "Jan", "Mar", "Overall", "Q"} <= set(texts)


def test_line_chart_leaves_a_gap_where_a_value_is_missing():
    chart = charts.line_chart(
        title="Gaps",
        description="",
        labels=["a", "b", "c", "d", "e"],
        series=[charts.Series("S", [10, 20, None, 40, 50])],
    )

    root = parse(chart)

    paths = [p.get("d") for p in root.iter(f"{SVG}path")]
    assert len(paths) == 2 and all(d.count("L") == 1 for d in paths)
    assert len(list(root.iter(f"{SVG}circle"))) == 4
    assert chart.rows[2] == ("c", "—")


def test_line_chart_thins_month_labels_but_keeps_the_latest():
    labels = [f"m{i}" for i in range(24)]
    chart = charts.line_chart(
        title="Long", description="", labels=labels, series=[charts.Series("S", list(range(24)))]
    )

    texts = {t.text for t in parse(chart).iter(f"{SVG}text")}

    assert "m23" in texts and "m21" in texts and "m22" not in texts
    assert len(chart.rows) == 24


def test_sparkline_marks_missed_and_unreported_periods_against_target_and_minimum():
    points = [
        charts.SparkPoint("Jan 2026", Decimal("99.7"), "ok", "Met"),
        charts.SparkPoint("Feb 2026", Decimal("98.5"), "warning", "Warning"),
        charts.SparkPoint("Mar 2026", Decimal("97.2"), "missed", "Breached"),
        charts.SparkPoint("Apr 2026", None, "missed", "Not reported"),
        charts.SparkPoint("May 2026", Decimal("99.9"), "ok", "Met"),
    ]

    chart = charts.sparkline(
        title="Availability", points=points, target=Decimal("99.5"), minimum=98, unit="%"
    )

    root = parse(chart)
    assert_accessible(root, "Availability", chart.summary)
    assert chart.summary == (
        "5 periods from Jan 2026 to May 2026. Missed in Mar 2026, Apr 2026. Below target in Feb 2026. "
        "Latest: 99.9%, expected 99.5%, minimum 98%."
    )
    refs = {el.get("class"): el for el in root.iter(f"{SVG}line")}
    assert set(refs) == {"chart__ref chart__ref--target", "chart__ref chart__ref--minimum"}
    # The target of a higher-is-better figure sits above (at a smaller y than) the minimum.
    assert float(refs["chart__ref chart__ref--target"].get("y1")) < float(
        refs["chart__ref chart__ref--minimum"].get("y1")
    )
    marks = [el.get("class") for el in root.iter() if "chart__mark--" in (el.get("class") or "")]
    assert marks == ["chart__mark chart__mark--warning", "chart__mark chart__mark--missed"] + [
        "chart__mark chart__mark--missed"
    ]
    assert "Apr 2026: not reported (Not reported)" in tooltips(root)
    assert chart.rows[2] == ("Mar 2026", "97.2%", "Breached")
    assert chart.rows[3] == ("Apr 2026", "—", "Not reported")


def test_sparkline_of_one_flat_value_stays_inside_its_box():
    chart = charts.sparkline(title="Flat", points=[charts.SparkPoint("Jan", 100)], target=100, minimum=100)

    root = parse(chart)

    [circle] = root.iter(f"{SVG}circle")
    assert 0 < float(circle.get("cy")) < float(root.get("height"))


def test_bar_chart_scales_bars_and_keeps_long_labels_whole_in_tooltips():
    long_label = "Responsiveness to requests raised outside office hours"
    chart = charts.bar_chart(
        title="Categories",
        description="Out of 100.",
        bars=[
            charts.Bar("Quality", 50, "red"),
            charts.Bar(long_label, 100, "green"),
            charts.Bar("None", None),
        ],
        max_value=100,
    )

    root = parse(chart)

    assert_accessible(root, "Categories", "Out of 100.")
    fills = [r for r in root.iter(f"{SVG}rect") if "chart__fill" in (r.get("class") or "")]
    assert len(fills) == 2
    assert float(fills[1].get("width")) == pytest.approx(2 * float(fills[0].get("width")))
    assert f"{long_label}: 100" in tooltips(root)
    assert long_label not in [t.text for t in root.iter(f"{SVG}text")]
    assert chart.rows == (("Quality", "50"), (long_label, "100"), ("None", "—"))


def test_text_is_escaped_everywhere():
    evil = "<script>alert(\"x\")</script> & 'quotes'"
    line = charts.line_chart(
        title=evil,
        description=evil,
        labels=[evil],
        series=[charts.Series(evil, [1])],
        bands=[charts.Band(0, 100, evil, evil)],
    )
    spark = charts.sparkline(
        title=evil, points=[charts.SparkPoint(evil, 1, "missed", evil)], description=evil
    )
    bars = charts.bar_chart(title=evil, description=evil, bars=[charts.Bar(evil, 1, evil)])

    for chart in (line, spark, bars):
        root = parse(chart)
        assert "<script" not in str(chart.svg)
        assert root.find(f"{SVG}title").text == evil
        assert root.find(f"{SVG}desc").text == evil


def test_fmt_writes_figures_as_people_do():
    assert charts.fmt(Decimal("99.5040")) == "99.5"
    assert charts.fmt(Decimal("100.0000"), "%") == "100%"
    assert charts.fmt(Decimal("12.475"), "hours") == "12.48 hours"
    assert charts.fmt(Decimal("55.83"), places=1) == "55.8"
    assert charts.fmt(None) == "—"
    assert charts.fmt(Decimal("-0.001")) == "0"


def test_scorecard_trend_chart_names_gaps_and_the_latest_standing():
    months = [date(2026, m, 1) for m in range(1, 5)]
    cards = {
        date(2026, 1, 1): SimpleNamespace(
            score=Decimal("90"),
            band="Green",
            quality_score=Decimal("80"),
            delivery_score=None,
            responsiveness_score=Decimal("100"),
            relationship_score=Decimal("100"),
        ),
        date(2026, 3, 1): SimpleNamespace(
            score=Decimal("55.83"),
            band="Red",
            quality_score=Decimal("61.11"),
            delivery_score=Decimal("100"),
            responsiveness_score=Decimal("0"),
            relationship_score=Decimal("50"),
        ),
    }

    chart = charts.scorecard_trend_chart(vendor_name="Globex", months=months, scorecards=cards, bands=BANDS)

    parse(chart)
    assert chart.title == "Scorecard trend of Globex, 4 months"
    assert chart.summary == (
        "Overall score from Jan 2026 to Apr 2026: latest 55.8 in Mar 2026 (Red), down from 90 in Jan 2026. "
        "Highest 90 in Jan 2026, lowest 55.8 in Mar 2026. Latest category scores: Quality 61.1, "
        "Delivery 100, Responsiveness 0, Relationship 50. No scorecard for 2 of the 4 months."
    )
    assert chart.rows[1] == ("Feb 2026", "—", "—", "—", "—", "—")
    assert chart.rows[2] == ("Mar 2026", "55.8", "61.1", "100", "0", "50")


def test_chart_tag_renders_the_svg_with_a_data_table_beside_it():
    chart = charts.bar_chart(title="Cats & dogs", description="d", bars=[charts.Bar("<b>Quality</b>", 50)])

    html = Template("{% load charts %}{% chart c %}").render(Context({"c": chart}))

    assert html.count("<svg") == 1 and 'role="img"' in html
    assert "<details" in html and "<caption>Cats &amp; dogs</caption>" in html
    assert '<th scope="row">&lt;b&gt;Quality&lt;/b&gt;</th>' in html
    assert '<td class="num">50</td>' in html


def test_trend_axis_names_the_year_on_the_first_label_and_where_it_changes():
    months = [date(2024 + (10 + i) // 12, (10 + i) % 12 + 1, 1) for i in range(24)]

    chart = charts.scorecard_trend_chart(vendor_name="V", months=months, scorecards={})

    texts = [t.text for t in parse(chart).iter(f"{SVG}text")]
    axis = [t for t in texts if t[:3] in {m.strftime("%b") for m in months}]
    assert axis[:3] == ["Dec 2024", "Feb 2025", "Apr"]
    assert "Feb 2026" in axis and axis[-1] == "Oct"
    assert chart.summary == "No scorecards from Nov 2024 to Oct 2026."
