"""Charts drawn on the server as SVG: no script, no CDN, nothing the Content-Security-Policy
blocks, and readable without colour or sight (every chart carries its data as a table).

A chart is plain data: the views and reports build one with `bar_chart` or `line_chart`, and
the template includes ``core/charts/chart.html`` with ``chart=...``. Colours come from the
CSS classes ``chart-series-0`` ... ``chart-series-5`` in ``klynge/css/charts.css`` (a palette
that colour-blind readers can tell apart), so a template never writes a style.

Values may be None (no data): the bar or point is left out and the table says "–".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import number_format

PALETTE_SIZE = 6
_WIDTH = 640
_LABEL_WIDTH = 200  # room for the category labels left of horizontal bars
_BAR_HEIGHT = 18
_BAR_GAP = 4
_GROUP_GAP = 12
_PLOT_HEIGHT = 220  # line charts
_MARGIN = 40


@dataclass(frozen=True)
class Series:
    label: str
    values: list[float | int | Decimal | None]


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    label: str  # for the tooltip: "category, series: value"
    value_text: str
    text_x: float


@dataclass
class Point:
    x: float
    y: float
    label: str


@dataclass
class Line:
    series: int
    label: str
    path: str
    points: list[Point]


@dataclass
class Tick:
    position: float
    text: str


@dataclass
class Chart:
    """Everything the template draws. `kind` is "bar" or "line"."""

    kind: str
    title: str
    categories: list[str]
    series: list[Series]
    unit: str
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    category_labels: list[Tick] = field(default_factory=list)
    plot_left: float = 0
    plot_right: float = 0
    plot_top: float = 0
    plot_bottom: float = 0

    @property
    def rows(self) -> list[tuple[str, list[str]]]:
        """The data table: one row per category, one formatted cell per series."""
        return [
            (category, [format_value(s.values[i], self.unit) for s in self.series])
            for i, category in enumerate(self.categories)
        ]

    @property
    def legend(self) -> list[tuple[int, str]]:
        return [(i % PALETTE_SIZE, s.label) for i, s in enumerate(self.series)]


def format_value(value, unit: str = "") -> str:
    if value is None:
        return "–"
    number = float(value)
    decimals = 0 if number == int(number) else (1 if abs(number) >= 10 else 2)
    text = number_format(
        round(number, decimals), decimal_pos=decimals, use_l10n=True, force_grouping=True
    )
    return f"{text} {unit}".strip() if unit and unit != "%" else f"{text}{unit}"


def _nice_ceiling(value: float) -> float:
    """The next "round" number at or above `value` (1, 2, 2.5, 5 or 10 times a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def _axis(low: float, high: float, unit: str, count: int = 4) -> tuple[float, float, list[float]]:
    """A rounded axis from `low` (0 or below) to `high`, and its tick values."""
    top = _nice_ceiling(high) if high > 0 else 0.0
    bottom = -_nice_ceiling(-low) if low < 0 else 0.0
    if top == bottom:
        top = 1.0
    step = (top - bottom) / count
    return bottom, top, [bottom + step * i for i in range(count + 1)]


def _numbers(series: list[Series]) -> list[float]:
    return [float(v) for s in series for v in s.values if v is not None]


def bar_chart(categories: list[str], series: list[Series], *, title: str, unit: str = "") -> Chart:
    """Horizontal bars, one group per category, one bar per series in each group."""
    for s in series:
        if len(s.values) != len(categories):
            raise ValueError(f"series {s.label!r} has {len(s.values)} values for {len(categories)}")
    numbers = _numbers(series)
    low, high, tick_values = _axis(min(numbers, default=0), max(numbers, default=0), unit)
    group_height = len(series) * (_BAR_HEIGHT + _BAR_GAP) - _BAR_GAP
    plot_left, plot_right = _LABEL_WIDTH, _WIDTH - _MARGIN
    plot_top = 10
    plot_bottom = plot_top + len(categories) * (group_height + _GROUP_GAP)
    span = plot_right - plot_left

    def x_of(value: float) -> float:
        return plot_left + (value - low) / (high - low) * span

    chart = Chart(
        kind="bar",
        title=title,
        categories=categories,
        series=series,
        unit=unit,
        width=_WIDTH,
        height=int(plot_bottom + 30),
        plot_left=plot_left,
        plot_right=plot_right,
        plot_top=plot_top,
        plot_bottom=plot_bottom,
    )
    zero = x_of(0.0)
    for c, category in enumerate(categories):
        top = plot_top + c * (group_height + _GROUP_GAP)
        chart.category_labels.append(Tick(position=top + group_height / 2, text=category))
        for s_index, s in enumerate(series):
            value = s.values[c]
            if value is None:
                continue
            end = x_of(float(value))
            text = format_value(value, unit)
            chart.bars.append(
                Bar(
                    x=round(min(zero, end), 1),
                    y=round(top + s_index * (_BAR_HEIGHT + _BAR_GAP), 1),
                    width=round(abs(end - zero), 1),
                    height=_BAR_HEIGHT,
                    series=s_index % PALETTE_SIZE,
                    label=f"{category}, {s.label}: {text}"
                    if len(series) > 1
                    else f"{category}: {text}",
                    value_text=text,
                    text_x=round(max(zero, end) + 4, 1),
                )
            )
    chart.ticks = [
        Tick(position=round(x_of(v), 1), text=format_value(v, unit)) for v in tick_values
    ]
    return chart


def line_chart(categories: list[str], series: list[Series], *, title: str, unit: str = "") -> Chart:
    """One line per series over the categories (usually years), gaps where a value is None."""
    for s in series:
        if len(s.values) != len(categories):
            raise ValueError(f"series {s.label!r} has {len(s.values)} values for {len(categories)}")
    numbers = _numbers(series)
    low, high, tick_values = _axis(min(numbers, default=0), max(numbers, default=0), unit)
    plot_left, plot_right = 70, _WIDTH - _MARGIN
    plot_top, plot_bottom = 10, 10 + _PLOT_HEIGHT
    step = (plot_right - plot_left) / max(len(categories) - 1, 1)

    def y_of(value: float) -> float:
        return plot_bottom - (value - low) / (high - low) * (plot_bottom - plot_top)

    chart = Chart(
        kind="line",
        title=title,
        categories=categories,
        series=series,
        unit=unit,
        width=_WIDTH,
        height=plot_bottom + 40,
        plot_left=plot_left,
        plot_right=plot_right,
        plot_top=plot_top,
        plot_bottom=plot_bottom,
    )
    for s_index, s in enumerate(series):
        points, commands, pen_down = [], [], False
        for c, value in enumerate(s.values):
            if value is None:
                pen_down = False
                continue
            x, y = round(plot_left + c * step, 1), round(y_of(float(value)), 1)
            commands.append(f"{'L' if pen_down else 'M'}{x} {y}")
            pen_down = True
            points.append(
                Point(x=x, y=y, label=f"{categories[c]}, {s.label}: {format_value(value, unit)}")
            )
        chart.lines.append(
            Line(
                series=s_index % PALETTE_SIZE, label=s.label, path=" ".join(commands), points=points
            )
        )
    chart.ticks = [
        Tick(position=round(y_of(v), 1), text=format_value(v, unit)) for v in tick_values
    ]
    chart.category_labels = [
        Tick(position=round(plot_left + c * step, 1), text=category)
        for c, category in enumerate(categories)
    ]
    return chart
