"""Server-side SVG charts: escaped, sized by their values, readable without colour."""

import re
import xml.etree.ElementTree as ET

from core import charts

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314 — our own output, parsed to check it


def _bar_widths(svg: str) -> list[float]:
    return [float(rect.get("width")) for rect in _parse(svg).iter(f"{SVG}rect")]


def test_charts_bar_chart_escapes_labels_and_title():
    svg = charts.bar_chart(
        [('<script>alert("x")</script>', 2), ("Tom & Jerry", 1)], title="<b>Useful?</b>"
    )

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "Tom &amp; Jerry" in svg
    assert "&lt;b&gt;Useful?&lt;/b&gt;" in svg
    _parse(svg)  # well-formed XML


def test_charts_bar_chart_is_an_image_with_title_desc_and_viewbox():
    svg = charts.bar_chart([("Yes", 3)], title="Answers", description="Three said yes")
    root = _parse(svg)

    assert root.get("role") == "img"
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox"))
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == "Answers" and desc.text == "Three said yes"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_charts_bar_lengths_follow_the_values():
    widths = _bar_widths(charts.bar_chart([("a", 1), ("b", 2), ("c", 4)], title="t"))

    assert len(widths) == 3
    assert widths[1] == 2 * widths[0]
    assert widths[2] == 4 * widths[0]


def test_charts_bar_max_value_scales_and_zero_draws_no_bar():
    full = _bar_widths(charts.bar_chart([("a", 5)], title="t"))[0]
    half = _bar_widths(charts.bar_chart([("a", 5), ("b", 0)], title="t", max_value=10))

    assert half == [full / 2]  # "b" (zero) draws no bar at all


def test_charts_bar_chart_of_nothing_still_draws():
    svg = charts.bar_chart([], title="Nothing")

    root = _parse(svg)
    assert root.get("role") == "img"
    assert _bar_widths(svg) == []


def test_charts_two_charts_never_share_an_id():
    first = _parse(charts.bar_chart([("a", 1)], title="Same"))
    second = _parse(charts.bar_chart([("a", 1)], title="Same"))

    assert first.find(f"{SVG}title").get("id") != second.find(f"{SVG}title").get("id")


def test_charts_line_chart_leaves_gaps_for_none():
    svg = charts.line_chart(
        [("Trust", [3, 4, None, 2, 5])], ["Q1", "Q2", "Q3", "Q4", "Q5"], title="t", y_min=1, y_max=5
    )
    root = _parse(svg)

    lines = list(root.iter(f"{SVG}polyline"))
    assert [len(line.get("points").split()) for line in lines] == [2, 2]
    assert len(list(root.iter(f"{SVG}circle"))) == 4  # one marker per known point


def test_charts_line_chart_places_points_by_value():
    svg = charts.line_chart([("s", [1, 5, 3])], ["a", "b", "c"], title="t", y_min=1, y_max=5)
    [line] = _parse(svg).iter(f"{SVG}polyline")
    ys = [float(point.split(",")[1]) for point in line.get("points").split()]

    assert ys[1] < ys[2] < ys[0]  # 5 is highest on the screen, 1 lowest
    assert abs((ys[0] - ys[2]) - (ys[2] - ys[1])) < 0.01


def test_charts_line_chart_series_differ_without_colour_and_have_a_legend():
    svg = charts.line_chart(
        [("Immediate", [3, 4]), ("Applied <value>", [2, 3]), ("Realized", [1, 2])],
        ["Q1", "Q2"],
        title="Value",
        y_min=1,
        y_max=5,
    )
    root = _parse(svg)

    legend = [item for item in root.iter(f"{SVG}g") if item.get("class") == "legend-item"]
    assert len(legend) == 3
    assert "Applied &lt;value&gt;" in svg
    dashes = {line.get("stroke-dasharray") for line in root.iter(f"{SVG}polyline")}
    assert len(dashes) == 3  # solid (None), and two dash patterns
    assert root.find(f"{SVG}title").text == "Value"


def test_charts_line_chart_with_no_data_and_one_label():
    svg = charts.line_chart([("s", [None])], ["Only"], title="t", y_min=1, y_max=5)
    root = _parse(svg)

    assert root.get("role") == "img"
    assert list(root.iter(f"{SVG}polyline")) == []
    svg = charts.line_chart([], [], title="empty", y_min=1, y_max=5)
    assert _parse(svg).get("role") == "img"


def test_charts_palette_contrasts_with_white():
    for colour in charts.PALETTE:
        assert charts.contrast_ratio(colour) >= 3, colour
    assert len(set(charts.PALETTE)) == len(charts.PALETTE)


def test_charts_draw_with_attributes_only_never_style():
    svg = charts.line_chart([("a", [1, 2]), ("b", [2, 3])], ["x", "y"], title="t", y_min=1, y_max=5)
    svg += charts.bar_chart([("a", 1)], title="t")

    assert "style=" not in svg
    assert "<script" not in svg
