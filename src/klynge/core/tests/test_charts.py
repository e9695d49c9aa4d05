"""Server-side SVG charts: geometry from the data, the data as a table, localised numbers."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from klynge.core.charts import Series, bar_chart, format_value, line_chart


def test_bars_start_at_zero_and_scale_to_a_round_axis():
    chart = bar_chart(
        ["Vizrt", "TV 2"], [Series("Employees", [80, 40])], title="Employees", unit=""
    )
    # The axis runs 0..100 (80 rounded up) over 200..600 px: 80 is 320 px, 40 is 160 px.
    assert [(b.x, b.width) for b in chart.bars] == [(200, 320.0), (200, 160.0)]
    assert [t.text for t in chart.ticks] == ["0", "25", "50", "75", "100"]
    assert [b.label for b in chart.bars] == ["Vizrt: 80", "TV 2: 40"]


def test_negative_values_draw_left_of_zero():
    chart = bar_chart(["a", "b"], [Series("Profit", [-5, 10])], title="Profit")
    # Axis -5..10: zero sits a third of the way along 400 px.
    first, second = chart.bars
    assert (first.x, first.width) == (200, 133.3)
    assert (second.x, second.width) == (333.3, 266.7)


def test_missing_values_are_left_out_and_shown_as_a_dash():
    chart = bar_chart(
        ["2024", "2025"],
        [Series("Members", [10, None]), Series("Prospects", [None, 4])],
        title="Mix",
    )
    assert [(b.series, b.value_text) for b in chart.bars] == [(0, "10"), (1, "4")]
    assert chart.rows == [("2024", ["10", "–"]), ("2025", ["–", "4"])]


def test_a_series_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError):
        bar_chart(["a"], [Series("x", [1, 2])], title="t")
    with pytest.raises(ValueError):
        line_chart(["a"], [Series("x", [1, 2])], title="t")


def test_lines_break_where_a_year_has_no_data():
    chart = line_chart(
        ["2021", "2022", "2023", "2024"], [Series("Value", [1, 2, None, 4])], title="Trend"
    )
    (line,) = chart.lines
    assert line.path.count("M") == 2  # a new stroke after the gap
    assert [p.label for p in line.points] == ["2021, Value: 1", "2022, Value: 2", "2024, Value: 4"]
    # 0..5 over 230..10 px: 4 is at 230 - 4/5 * 220.
    assert line.points[-1].y == 54.0


def test_numbers_follow_the_language():
    with translation.override("da"):
        assert format_value(1234.5, "%") == "1.234,5%"
        assert format_value(12.25, "DKK") == "12,2 DKK"
    with translation.override("en"):
        assert format_value(0.5) == "0.50"


def test_the_template_draws_svg_with_its_table():
    # 3 on an axis to 5 over 400 px is 240 px.
    chart = bar_chart(["Odense"], [Series("Members", [3])], title="Members by region")
    html = render_to_string("core/charts/chart.html", {"chart": chart})
    assert 'role="img" aria-label="Members by region"' in html
    assert '<rect class="chart-series-0" x="200.0" y="10" width="240.0" height="18">' in html
    assert '<th scope="row">Odense</th><td>3</td>' in html
    assert "style=" not in html  # the Content-Security-Policy forbids inline styles
