"""Two sweeps compared as a compute multiplier, as a figure.

Data in (a `scaling_core.compare.Comparison`), a Plotly figure out.  x: A's budget C (log, FLOP);
y: the multiplier m(C) = C_B(L*_A(C)) / C (log), the compute B needs to reach the loss A reaches
with C, per unit of C; its bootstrap band; a line at 1 (equal compute); the budgets read beyond
either sweep's runs shaded and the curve dashed there; the chosen budget with its interval, and
the crossover where m crosses 1.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from charts.format import format_flops, format_ratio, format_scientific
from charts.style import (
    TOL_MUTED,
    Overlay,
    apply_log_axis,
    base_layout,
    error_bar,
    legend_key,
    point_label,
    point_marker,
    widen_axis,
    with_overlay,
)
from scaling_core.compare import Comparison

LINE = TOL_MUTED["indigo"]
BAND = "rgba(51, 34, 136, 0.18)"
EXTRAPOLATED_FILL = "rgba(120, 120, 120, 0.12)"
MARKER = TOL_MUTED["rose"]
#: The budget marker's legend entry: fixed, since Plotly does not redraw the legend for a moved
#: shape (the value is in the marker's label and the page's numbers).
MARKER_NAME = "m at the budget, with its interval"
_MARKER_STYLE = {"symbol": "diamond", "fill": MARKER, "outline": MARKER, "radius": 5.5}


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index ranges where ``mask`` is True."""
    out, start = [], None
    for i, flag in enumerate(mask):
        if flag and start is None:
            start = i
        if not flag and start is not None:
            out.append((start, i))
            start = None
    if start is not None:
        out.append((start, len(mask)))
    return out


def _y_range(comparison: Comparison) -> tuple[float, float]:
    """The multiplier axis's range: the curve and the band where it is read from the runs,
    with room around them and m = 1 inside (the band of extrapolated budgets, which may span
    decades, runs off the chart)."""
    grid = comparison.grid
    value = np.array([p.multiplier for p in grid])
    inside = ~np.array([p.extrapolated for p in grid], dtype=bool)
    low = np.array([p.interval[0] if p.interval else math.nan for p in grid])
    high = np.array([p.interval[1] if p.interval else math.nan for p in grid])
    finite = np.concatenate([value, low[inside], high[inside]])
    finite = finite[np.isfinite(finite) & (finite > 0)]
    y_low = min(float(finite.min()) / 2, 0.5) if len(finite) else 0.1
    y_high = max(float(finite.max()) * 2, 2.0) if len(finite) else 10.0
    return y_low, y_high


def comparison_figure(
    comparison: Comparison, *, title: str | None = None, height: int = 440
) -> go.Figure:
    """The multiplier against A's budget with its band, a line at 1 and the extrapolated budgets
    marked, and the chosen budget's multiplier with its interval (`comparison_base` with
    `budget_marker` drawn over it); an empty figure with the reason in its title when there is
    no multiplier."""
    base = comparison_base(comparison, title=title, height=height)
    return with_overlay(base, budget_marker(comparison))


def comparison_base(
    comparison: Comparison, *, title: str | None = None, height: int = 440
) -> go.Figure:
    """`comparison_figure` without the chosen budget's marker: what does not change when only
    the budget moves (the grid, its band and the crossover do not depend on it), drawn once
    per pair of fits while the slider moves the marker (`budget_marker`)."""
    fig = go.Figure()
    pct = f"{100 * comparison.confidence:g}%"
    # short enough for a phone (a Plotly title does not wrap); the page names the sweeps
    title = title or "B's compute for A's loss, per unit of A's"
    if not comparison.determined or not comparison.grid:
        fig.update_layout(**base_layout(title=f"{title}: not determined", height=height))
        return fig
    grid = comparison.grid
    compute = np.array([p.compute_flops for p in grid])
    value = np.array([p.multiplier for p in grid])
    low = np.array([p.interval[0] if p.interval else math.nan for p in grid])
    high = np.array([p.interval[1] if p.interval else math.nan for p in grid])
    extrapolated = np.array([p.extrapolated for p in grid])
    y_low, y_high = _y_range(comparison)
    # an interval whose upper end is infinite (refits whose B never reaches) is drawn to the top
    top = np.where(np.isinf(high), y_high, high)
    for start, stop in _runs(extrapolated):
        x0 = compute[max(start - 1, 0)] if start else compute[0]
        x1 = compute[min(stop, len(compute) - 1)]
        fig.add_vrect(x0=x0, x1=x1, fillcolor=EXTRAPOLATED_FILL, line_width=0, layer="below")
    if np.isfinite(low).any():
        fig.add_trace(
            go.Scatter(
                x=np.concatenate([compute, compute[::-1]]),
                y=np.concatenate([top, low[::-1]]),
                fill="toself",
                fillcolor=BAND,
                line={"width": 0},
                hoverinfo="skip",
                name=f"{pct} interval",
            )
        )
    hover = [
        f"{format_flops(c)}: m = {format_ratio(v) if math.isfinite(v) else 'never'} "
        f"({pct} {format_ratio(lo)}–{format_ratio(hi) if math.isfinite(hi) else '∞'})"
        + (" · extrapolated" if x else "")
        for c, v, lo, hi, x in zip(compute, value, low, high, extrapolated, strict=True)
    ]
    # the dashed piece takes its neighbouring in-range budgets too, so the two pieces join
    near = extrapolated.copy()
    near[1:] |= extrapolated[:-1]
    near[:-1] |= extrapolated[1:]
    pieces = ((~extrapolated, "solid", "m(C)"), (near, "dash", "m(C), extrapolated"))
    for mask, dash, name in pieces:
        shown = np.where(mask, value, np.nan)
        if np.isfinite(shown).any():
            fig.add_trace(
                go.Scatter(
                    x=compute,
                    y=shown,
                    mode="lines",
                    line={"color": LINE, "width": 2.5, "dash": dash},
                    name=name,
                    text=hover,
                    hovertemplate="%{text}<extra></extra>",
                )
            )
    fig.add_trace(
        go.Scatter(
            x=[compute[0], compute[-1]],
            y=[1.0, 1.0],
            mode="lines",
            line={"color": "#444", "width": 1},
            name="m = 1: equal compute",
            hoverinfo="skip",
        )
    )
    fig.add_trace(legend_key(MARKER_NAME, **_MARKER_STYLE))  # `budget_marker`'s
    crossing = comparison.crossover
    if crossing is not None:
        for budget in crossing.budgets:
            fig.add_vline(
                x=budget,
                line={"color": TOL_MUTED["green"], "width": 1.5, "dash": "dot"},
                annotation_text=f"crossover {format_scientific(budget)}",
                annotation_position="top left",
            )
    fig.update_layout(
        **base_layout(title=title, height=height),
        legend={"orientation": "h", "y": -0.22, "x": 0},
    )
    apply_log_axis(
        fig,
        "x",
        float(compute[0]),
        float(compute[-1]),
        "A's budget C (FLOP); shaded: beyond the runs",
        formatter=format_scientific,
    )
    apply_log_axis(
        fig,
        "y",
        y_low,
        y_high,
        "m(C) = B's compute / A's",
        formatter=format_ratio,
    )
    return fig


def budget_marker(comparison: Comparison) -> Overlay:
    """The chosen budget's multiplier on a `comparison_base` figure: a diamond at (C, m), its
    interval as an error bar (drawn to the top of the chart where its upper end is infinite or
    beyond it) and a label with the value; nothing when the multiplier is not finite or has no
    interval.  Shapes and a label, which Plotly redraws alone when the budget slider moves (a
    marker trace made it draw the whole chart anew)."""
    at = comparison.at
    if (
        not comparison.determined
        or not comparison.grid
        or at is None
        or not math.isfinite(at.multiplier)
        or at.interval is None
    ):
        return {}
    x, m = float(at.compute_flops), float(at.multiplier)
    lo, hi = at.interval
    # a budget or multiplier beyond the curve's axes widens them (the slider reaches further
    # than the runs' grid), so the marker is always on the chart
    x_axis = (comparison.grid[0].compute_flops, comparison.grid[-1].compute_flops)
    y_axis = _y_range(comparison)
    x_extent = (
        x_axis
        if x_axis[0] <= x <= x_axis[1]
        else (min(x_axis[0], x / 1.5), max(x_axis[1], x * 4))  # room for its label
    )
    y_extent = (
        y_axis
        if y_axis[0] <= m <= y_axis[1]
        else (min(y_axis[0], m / 1.5), max(y_axis[1], m * 1.5))
    )
    y_high = y_extent[1]
    top = min(hi, y_high) if math.isfinite(hi) else y_high
    bottom = min(lo, m) if math.isfinite(lo) and lo > 0 else m
    top = max(top, m)
    pct = f"{100 * comparison.confidence:g}%"
    interval = f"{format_ratio(lo)}–{format_ratio(hi) if math.isfinite(hi) else '∞'}"
    overlay: Overlay = {
        "shapes": [
            *error_bar(x, bottom, top, colour=MARKER),
            point_marker(x, m, name=MARKER_NAME, **_MARKER_STYLE),
        ],
        "annotations": [
            point_label(
                (math.log10(x), math.log10(m)),
                f"m = {format_ratio(m)}",
                f"{format_flops(x)}: m = {format_ratio(m)} ({pct} {interval})",
            )
        ],
    }
    widen_axis(overlay, "xaxis", x_extent, x_axis, format_scientific)
    widen_axis(overlay, "yaxis", y_extent, y_axis, format_ratio)
    return overlay
