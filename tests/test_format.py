"""Readable numbers for labels and read-outs."""

from __future__ import annotations

import math

import plotly.io as pio
import pytest

from charts.format import (
    compute_tick,
    format_compute,
    format_count,
    format_flops,
    format_scientific,
    log_grid,
    log_ticks,
    tick_labels,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.2e9, "1.2B"),
        (3.5e8, "350M"),
        (7e4, "70k"),
        (2.162e14, "216T"),
        (999.96e6, "1B"),
        (9.9996e14, "1,000T"),
        (2.1649e15, "2,160T"),  # three significant digits, still in T
        (9.99e17, "999,000T"),
        (1e18, "1e18"),
        (999.4, "999"),
        (12, "12"),
        (float("nan"), "—"),
    ],
)
def test_format_count(value: float, text: str) -> None:
    assert format_count(value) == text


def test_format_count_with_few_digits_never_shows_an_exponent() -> None:
    assert format_count(3.2e8, 2) == "320M"
    assert format_count(999, 2) == "1k"  # two significant digits


def test_a_token_axis_reads_in_one_style_up_to_thousands_of_t() -> None:
    """The landscape's token axis spans 1e8-1e15: "…, 100T, 1,000T", never "…, 100T, 1e15"."""
    ticks, text = log_ticks(1e8, 1e15)
    assert ticks[-1] == 1e15
    assert text == ["100M", "1B", "10B", "100B", "1T", "10T", "100T", "1,000T"]


def test_an_axis_that_spans_the_scientific_switch_is_scientific_throughout() -> None:
    """compute_tick writes 1000 plainly and 1e4 scientifically: an axis in PF-days from 0.01 to
    1e7 gets one style, not "…, 100, 1000, 1e4, 1e5"."""
    assert log_ticks(0.0116, 1.16e7, compute_tick)[1] == [f"1e{k}" for k in range(-1, 8)]
    assert log_ticks(0.01, 2000, compute_tick)[1] == ["0.01", "0.1", "1", "10", "100", "1000"]
    assert log_ticks(1e17, 1e19, compute_tick)[1] == [
        f"{m}e{k}" for k in (17, 18) for m in (1, 2, 5)
    ] + ["1e19"]
    # counts switch to scientific only at 1e18: an axis crossing it is scientific throughout
    assert tick_labels([1e15, 1e16, 1e17, 1e18]) == ["1e15", "1e16", "1e17", "1e18"]
    assert tick_labels([1e9, 2e9], lambda v: f"{format_count(v)} tokens") == [
        "1B tokens",
        "2B tokens",
    ]


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
    # the open end of a multiplier's interval (5.66 (0.166–62,592,822) at 1e23 FLOP)
    assert format_ratio(62_592_822) == "6.26e7" and format_ratio(999_999) == "999,999"
    assert format_ratio(float("nan")) == "—"


def test_figures_carry_the_white_template_without_naming_it() -> None:
    """charts.style registers the white look as plotly's default: a figure built from
    base_layout serialises exactly as one that names the template in its layout."""
    import json

    import plotly.graph_objects as go
    import plotly.io as pio

    from charts.style import WHITE_TEMPLATE, base_layout

    layout = base_layout(title="loss")
    assert "template" not in layout
    implicit = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]), layout=layout)
    explicit = go.Figure(
        go.Scatter(x=[1, 2], y=[3, 4]), layout={**layout, "template": WHITE_TEMPLATE}
    )
    if pio.templates.default == "scaling_explorer":  # charts.style was imported after Streamlit
        assert json.loads(implicit.to_json()) == json.loads(explicit.to_json())
        assert implicit.layout.template.layout.plot_bgcolor == "white"


def test_a_downloaded_figure_is_white_even_after_streamlit_sets_its_template() -> None:
    """Importing Streamlit makes its theme plotly's default template (its plotly_chart module
    does): a figure downloaded as HTML still carries the app's white look."""
    import plotly.graph_objects as go
    import streamlit.elements.plotly_chart  # noqa: F401  (Streamlit's side effect)

    from dashboard.downloads import figure_html

    previous = pio.templates.default
    try:
        pio.templates.default = "streamlit"
        html = figure_html(go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))).decode()
    finally:
        pio.templates.default = previous
    assert '"plot_bgcolor":"white"' in html
    assert "#000033" not in html  # Streamlit's template placeholders


def test_thinned_log_ticks_keep_a_uniform_step_and_every_decade_as_a_grid_line() -> None:
    """`max_labels`: at most that many labels, at exponents divisible by one step, the smallest
    step that fits (found by trying every step by hand); the axis keeps a grid line per decade."""
    from charts.style import log_axis_dict

    for low_exp, high_exp, most in [(17, 27, 4), (17, 27, 6), (18, 25, 4), (-2, 7, 3), (9, 13, 2)]:
        ticks, _ = log_ticks(10.0**low_exp, 10.0**high_exp, compute_tick, max_labels=most)
        exponents = [round(math.log10(t)) for t in ticks]
        for step in range(1, 20):  # the smallest step whose multiples in range fit
            fits = [e for e in range(low_exp, high_exp + 1) if e % step == 0]
            if len(fits) <= most:
                break
        assert exponents == fits, (low_exp, high_exp, most)
    axis = log_axis_dict(1e17, 1e27, "C", compute_tick, max_labels=4)
    assert axis["ticktext"] == ["1e18", "1e21", "1e24", "1e27"] and axis["tickangle"] == 0
    assert [round(math.log10(v)) for v in axis["minor"]["tickvals"]] == list(range(17, 28))
