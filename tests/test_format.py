"""Readable numbers for labels and read-outs."""

from __future__ import annotations

import pytest

from charts.format import format_compute, format_count, format_flops, format_scientific, log_grid


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.2e9, "1.2B"),
        (3.5e8, "350M"),
        (7e4, "70k"),
        (2.162e14, "216T"),
        (999.96e6, "1B"),
        (9.9996e14, "1e15"),
        (999.4, "999"),
        (12, "12"),
        (float("nan"), "–"),
    ],
)
def test_format_count(value: float, text: str) -> None:
    assert format_count(value) == text


def test_format_count_with_few_digits_never_shows_an_exponent() -> None:
    assert format_count(3.2e8, 2) == "320M"
    assert format_count(999, 2) == "1k"  # two significant digits


def test_scientific_and_flops() -> None:
    assert format_scientific(3e21) == "3e21"
    assert format_scientific(1.234e21, 3) == "1.23e21"
    assert format_scientific(9.999e20) == "1e21"
    assert format_flops(3.4e21) == "3.4e21 FLOP"
    assert format_compute(8.64e20, "PF-days") == "10 PF-days"


def test_log_grid_is_readable_and_in_range() -> None:
    grid = log_grid(1e6, 1e7)
    assert grid[0] == 1e6 and grid[-1] == 1e7
    assert [format_count(v) for v in grid[:4]] == ["1M", "1.2M", "1.5M", "2M"]


@pytest.mark.parametrize(
    ("fraction", "text"),
    [
        (0.0, "0%"),
        (0.004, "0.4%"),
        (0.12, "12%"),
        (0.997, "99.7%"),
        (0.99996, "99.996%"),
        (1.0, "100%"),
    ],
)
def test_format_percent(fraction: float, text: str) -> None:
    from charts.format import format_percent

    assert format_percent(fraction) == text


def test_loss_delta_hides_zero() -> None:
    from charts.format import format_loss_delta

    assert format_loss_delta(-0.0001) is None
    assert format_loss_delta(-0.0142) == "-0.014 loss"


def test_durations_read_in_the_right_unit() -> None:
    from charts.plan import format_duration, format_seconds

    assert [format_duration(d) for d in (30, 0.5, 0.00027, 1000)] == [
        "30 days",
        "12 h",
        "23.3 s",
        "2.74 years",
    ]
    assert [format_seconds(v) for v in (0.52, 4460, 2.2e10)] == ["0.52 s", "4,460 s", "2.2e10 s"]


def test_format_ratio_keeps_three_significant_digits_and_never_shows_zero() -> None:
    from charts.format import format_ratio

    assert format_ratio(20.04) == "20"
    assert format_ratio(0.0123) == "0.0123"  # was "0.0" at one decimal
    assert format_ratio(0.113) == "0.113"
    assert format_ratio(39725.4) == "39,725"
    assert format_ratio(3e-5) == "3e-5"
    assert format_ratio(float("nan")) == "–"


def test_figures_carry_the_white_template_without_naming_it() -> None:
    """charts.style registers the white look as plotly's default: a figure built from
    base_layout serialises exactly as one that names the template in its layout."""
    import json

    import plotly.graph_objects as go

    from charts.style import WHITE_TEMPLATE, base_layout

    layout = base_layout(title="loss")
    assert "template" not in layout
    implicit = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]), layout=layout)
    explicit = go.Figure(
        go.Scatter(x=[1, 2], y=[3, 4]), layout={**layout, "template": WHITE_TEMPLATE}
    )
    assert json.loads(implicit.to_json()) == json.loads(explicit.to_json())
    assert implicit.layout.template.layout.plot_bgcolor == "white"
