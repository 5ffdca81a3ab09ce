"""Charts drawn on the server as SVG: no JavaScript, readable at any width (viewBox), and
readable without colour (markers and dashes tell the series apart, a legend names them).

Every text that goes in comes from people (option labels, cycle titles) and is escaped here.
Only presentation attributes are used (fill, stroke…), never `style`, so a strict
Content-Security-Policy without 'unsafe-inline' styles still draws them. The charts carry
role="img" with a <title> and a <desc>; the page puts a data table next to each one for screen
readers (the numbers are in the table, the picture is for the eye).
"""

import itertools
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Each at least 4.5:1 against white (WCAG AA asks 3:1 for graphics), distinct for the common
# colour blindnesses when paired with the markers below.
PALETTE = ("#1f5fa8", "#b3461b", "#2e7d32", "#7b3fa0", "#a3195b", "#00707a", "#5c5c5c")
# Marker shapes and dash patterns, in the same order as the palette.
MARKERS = ("circle", "square", "triangle", "diamond", "cross", "circle", "square")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 4")
AXIS_COLOUR = "#595959"
GRID_COLOUR = "#d0d0d0"
TEXT_COLOUR = "#212529"

_ids = itertools.count(1)


def _chart_id(prefix: str) -> str:
    """Ids unique within the process, so two charts on one page never share a title id."""
    return f"{prefix}-{next(_ids)}"


def _number(value: float) -> str:
    """A number as short as SVG and people need: 3 → "3", 3.456 → "3.46"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _shorten(label: str, limit: int) -> str:
    label = " ".join(str(label).split())
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _open_svg(kind: str, width: int, height: int, title: str, description: str) -> list[str]:
    chart_id = _chart_id(kind)
    return [
        # Drawn at its natural size, shrunk to the column on narrow screens (Bootstrap's mw-100
        # and h-auto: a style attribute would need 'unsafe-inline' in the CSP).
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind} mw-100 h-auto" '
        f'viewBox="0 0 {width} {height}" width="{width}" preserveAspectRatio="xMinYMin meet" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="system-ui, sans-serif" font-size="14" fill="{TEXT_COLOUR}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def bar_chart(
    items: Sequence[tuple[str, float | None]],
    *,
    title: str,
    description: str = "",
    max_value: float | None = None,
    unit: str = "",
    colour: str = PALETTE[0],
) -> SafeString:
    """Horizontal bars, one per (label, value), longest possible bar = `max_value` (default:
    the largest value). A None value draws no bar and says "–"."""
    label_width, bar_width, value_width, row = 180, 260, 60, 28
    width = label_width + bar_width + value_width
    height = max(len(items), 1) * row + 10
    values = [value for _, value in items if value is not None]
    top = max_value if max_value is not None else max(values, default=0)
    if not description:
        description = "; ".join(
            f"{label}: {'–' if value is None else _number(value)}{unit}" for label, value in items
        )
    parts = _open_svg("bar", width, height, title, description)
    if not items:
        parts.append('<text x="4" y="22">–</text>')
    for index, (label, value) in enumerate(items):
        y = 5 + index * row
        middle = y + row / 2
        parts.append("<g>")
        parts.append(f"<title>{escape(label)}</title>")
        parts.append(
            f'<text x="{label_width - 8}" y="{_number(middle)}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(_shorten(label, 20))}</text>'
        )
        length = 0.0
        if value is not None and top > 0:
            length = max(0.0, min(float(value), float(top))) / float(top) * bar_width
        if length > 0:
            parts.append(
                f'<rect class="bar" x="{label_width}" y="{y + 4}" width="{_number(length)}" '
                f'height="{row - 8}" fill="{colour}"/>'
            )
        shown = "–" if value is None else f"{_number(value)}{unit}"
        parts.append(
            f'<text x="{_number(label_width + length + 6)}" y="{_number(middle)}" '
            f'dominant-baseline="middle">{escape(shown)}</text>'
        )
        parts.append("</g>")
    parts.append(
        f'<line x1="{label_width}" y1="5" x2="{label_width}" y2="{height - 5}" '
        f'stroke="{AXIS_COLOUR}"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above went through escape()


def _points(*pairs: tuple[float, float]) -> str:
    return " ".join(f"{_number(x)},{_number(y)}" for x, y in pairs)


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    """A point's marker: its shape tells the series apart where colour cannot."""
    if shape == "square":
        return (
            f'<rect x="{_number(x - 4)}" y="{_number(y - 4)}" width="8" height="8" '
            f'fill="{colour}"/>'
        )
    if shape == "triangle":
        points = _points((x, y - 5), (x - 5, y + 4), (x + 5, y + 4))
        return f'<polygon points="{points}" fill="{colour}"/>'
    if shape == "diamond":
        points = _points((x, y - 5), (x - 5, y), (x, y + 5), (x + 5, y))
        return f'<polygon points="{points}" fill="{colour}"/>'
    if shape == "cross":
        return (
            f'<path d="M{_points((x - 4, y - 4))}L{_points((x + 4, y + 4))}'
            f'M{_points((x - 4, y + 4))}L{_points((x + 4, y - 4))}" '
            f'stroke="{colour}" stroke-width="2.5"/>'
        )
    return f'<circle cx="{_number(x)}" cy="{_number(y)}" r="4.5" fill="{colour}"/>'


def _segments(points: list[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Runs of consecutive known points: a None leaves a gap in the line."""
    runs: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(point)
    return [run for run in runs if run]


def line_chart(
    series: Sequence[tuple[str, Sequence[float | None]]],
    x_labels: Sequence[str],
    *,
    title: str,
    description: str = "",
    y_min: float = 0,
    y_max: float = 1,
    y_step: float = 1,
) -> SafeString:
    """Lines over the x labels, one per (name, values); None is a gap. Each series has its own
    colour, dash and marker, and a legend names them when there are several."""
    left, right, top, plot_height, x_step = 56, 64, 14, 200, 120
    plot_width = max(len(x_labels) - 1, 1) * x_step
    legend_rows = len(series) if len(series) > 1 else 0
    width = left + plot_width + right
    height = top + plot_height + 48 + legend_rows * 22
    span = (y_max - y_min) or 1
    if not description:
        description = " ".join(
            f"{name}: "
            + ", ".join(
                f"{label} {'–' if value is None else _number(value)}"
                for label, value in zip(x_labels, values, strict=False)
            )
            + "."
            for name, values in series
        )

    def x_at(index: int) -> float:
        if len(x_labels) == 1:
            return left + plot_width / 2
        return left + index * x_step

    def y_at(value: float) -> float:
        value = min(max(float(value), y_min), y_max)
        return top + plot_height - (value - y_min) / span * plot_height

    parts = _open_svg("line", width, height, title, description)
    tick = y_min
    while tick <= y_max + 1e-9:
        y = _number(y_at(tick))
        parts.append(
            f'<line x1="{left}" y1="{y}" x2="{left + plot_width}" y2="{y}" stroke="{GRID_COLOUR}"/>'
        )
        parts.append(
            f'<text x="{left - 8}" y="{y}" text-anchor="end" dominant-baseline="middle">'
            f"{_number(tick)}</text>"
        )
        tick += y_step
    parts.append(
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_height}" '
        f'stroke="{AXIS_COLOUR}"/>'
    )
    for index, label in enumerate(x_labels):
        parts.append(
            f'<text x="{_number(x_at(index))}" y="{top + plot_height + 20}" '
            f'text-anchor="middle">{escape(_shorten(label, 16))}</text>'
        )
    for number, (name, values) in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        dash = DASHES[number % len(DASHES)]
        marker = MARKERS[number % len(MARKERS)]
        points = [
            None if value is None else (x_at(index), y_at(value))
            for index, value in enumerate(list(values)[: len(x_labels)])
        ]
        parts.append(f'<g class="series"><title>{escape(name)}</title>')
        dash_attribute = f' stroke-dasharray="{dash}"' if dash else ""
        for run in _segments(points):
            if len(run) > 1:
                coordinates = " ".join(f"{_number(x)},{_number(y)}" for x, y in run)
                parts.append(
                    f'<polyline points="{coordinates}" fill="none" stroke="{colour}" '
                    f'stroke-width="2.5"{dash_attribute}/>'
                )
        for point in points:
            if point is not None:
                parts.append(_marker(marker, point[0], point[1], colour))
        parts.append("</g>")
    legend_top = top + plot_height + 40
    if legend_rows:
        for number, (name, _values) in enumerate(series):
            colour = PALETTE[number % len(PALETTE)]
            dash = DASHES[number % len(DASHES)]
            y = legend_top + number * 22
            dash_attribute = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<g class="legend-item"><line x1="{left}" y1="{y}" x2="{left + 30}" y2="{y}" '
                f'stroke="{colour}" stroke-width="2.5"{dash_attribute}/>'
                + _marker(MARKERS[number % len(MARKERS)], left + 15, y, colour)
                + f'<text x="{left + 38}" y="{y}" dominant-baseline="middle">'
                f"{escape(_shorten(name, 60))}</text></g>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above went through escape()


def contrast_ratio(colour: str, background: str = "#ffffff") -> float:
    """WCAG contrast ratio of two #rrggbb colours (the palette's tests use it)."""

    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(colour), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
