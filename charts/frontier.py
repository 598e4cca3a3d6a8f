"""Compute-optimal frontier figures: N_opt, D_opt, D/N and L_opt against C, IsoFLOP profiles and
the Porian et al. 2024 correction steps.  Data in, go.Figure out; compute can be shown in FLOP
or PF-days."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from charts.format import (
    compute_in_unit,
    compute_tick,
    format_compute,
    format_count,
    format_loss,
    format_ratio,
)
from charts.style import (
    MODEBAR_PX,
    PORIAN_STEP_COLOURS,
    Overlay,
    base_layout,
    law_colour,
    law_dash,
    log_axis_dict,
    point_marker,
    with_overlay,
)
from scaling_core.presets import Approach3Check


@dataclass(frozen=True)
class LawCurve:
    """One law's compute-optimal frontier: budgets in FLOP and N, D, loss at each (NaN loss = none)."""

    key: str
    label: str
    compute_flops: np.ndarray
    n_params: np.ndarray
    n_tokens: np.ndarray
    loss: np.ndarray


@dataclass(frozen=True)
class IsoFlopCurve:
    """L(N, C/6N) of one law along one budget, and its minimum."""

    key: str
    label: str
    n_params: np.ndarray
    loss: np.ndarray
    n_opt: float
    loss_opt: float


def _positive_range(*arrays: np.ndarray, pad: float = 1.25) -> tuple[float, float]:
    values = np.concatenate([np.ravel(a) for a in arrays])
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return 1.0, 10.0
    return float(values.min()) / pad, float(values.max()) * pad


_PANELS: tuple[tuple[str, str, str, str], ...] = (
    # (axis suffix, series, panel title, y-axis title)
    # Titles short enough for a phone's 150 px panel (the longer ones ran into each other);
    # each panel's y-axis title says what is drawn.
    ("", "n_params", "N_opt", "parameters"),
    ("2", "n_tokens", "D_opt", "training tokens"),
    ("3", "tokens_per_param", "D_opt / N_opt", "tokens per parameter"),
    ("4", "loss", "L_opt", "loss (nats/token)"),
)
# The right column keeps room for its tick labels and axis title, which sat over the left
# panels on a phone.
_DOMAINS = {"": ((0, 0.41), (0.56, 1)), "2": ((0.59, 1), (0.56, 1))}
_DOMAINS.update({"3": ((0, 0.41), (0, 0.44)), "4": ((0.59, 1), (0, 0.44))})


def _hover_text(name: str, values: np.ndarray) -> list[str]:
    if name == "loss":
        return [format_loss(v) for v in values]
    if name == "tokens_per_param":
        return [f"{v:.3g}" for v in values]
    return [format_count(v) for v in values]


def frontier_figure(
    curves: list[LawCurve],
    *,
    chosen_compute: float | None,
    chosen: dict[str, tuple[float, float, float]] | None = None,
    unit: str = "FLOP",
    height: int = 720,
) -> go.Figure:
    """2×2 panels against training compute C: N_opt, D_opt, tokens per parameter and L_opt.

    A dashed vertical line marks ``chosen_compute`` (FLOP); ``chosen`` maps a law key to its
    (N_opt, D_opt, L_opt) there, drawn as markers (`budget_overlay`; no budget drawn without
    ``chosen_compute``).  Laws without a loss are left out of the loss panel.  The figure is
    assembled as one dict (building it trace by trace through plotly's validating updates
    costs ~80 ms more).
    """
    traces: list[dict] = []
    ranges: dict[str, list[np.ndarray]] = {name: [] for _, name, _, _ in _PANELS}
    for index, curve in enumerate(curves):
        colour = law_colour(curve.key, index)
        x = np.asarray(compute_in_unit(curve.compute_flops, unit))
        series = {
            "n_params": curve.n_params,
            "n_tokens": curve.n_tokens,
            "tokens_per_param": curve.n_tokens / curve.n_params,
            "loss": curve.loss,
        }
        c_text = [format_compute(c, unit) for c in curve.compute_flops]
        for suffix, name, _, _ in _PANELS:
            y = series[name]
            if name == "loss" and not np.any(np.isfinite(y)):
                continue
            ranges[name].append(y)
            axes = {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}
            short = {"n_params": "N", "n_tokens": "D", "tokens_per_param": "D/N"}.get(name, "loss")
            traces.append(
                {
                    "type": "scatter",
                    "x": x,
                    "y": y,
                    "mode": "lines",
                    "line": {"color": colour, "width": 2.5, "dash": law_dash(curve.key)},
                    "name": curve.label,
                    "legendgroup": curve.key,
                    "showlegend": suffix == "",
                    "customdata": np.stack([c_text, _hover_text(name, y)], axis=-1),
                    "hovertemplate": (
                        f"{curve.label}<br>C %{{customdata[0]}}<br>{short} %{{customdata[1]}}"
                        "<extra></extra>"
                    ),
                    **axes,
                }
            )
    all_c = np.concatenate([c.compute_flops for c in curves]) if curves else np.array([1e17, 1e27])
    c_lo, c_hi = (
        float(compute_in_unit(all_c.min(), unit)),
        float(compute_in_unit(all_c.max(), unit)),
    )
    layout = base_layout(title="", height=height)
    layout.update(
        margin={"l": 70, "r": 20, "t": 40, "b": 60},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.06, "x": 0, "xanchor": "left"},
        hovermode="closest",
        shapes=[],
        annotations=[],
    )
    for suffix, name, panel_title, _ in _PANELS:
        (x0, x1), (y0, y1) = _DOMAINS[suffix]
        layout[f"xaxis{suffix}"] = {"domain": [x0, x1], "anchor": f"y{suffix}"}
        layout[f"yaxis{suffix}"] = {"domain": [y0, y1], "anchor": f"x{suffix}"}
        layout["annotations"].append(
            {
                "text": panel_title,
                "xref": "paper",
                "yref": "paper",
                "x": (x0 + x1) / 2,
                "y": y1,
                "yanchor": "bottom",
                "xanchor": "center",
                "showarrow": False,
                "font": {"size": 14},
            }
        )
        if name == "loss" and not ranges[name]:
            layout["annotations"].append(
                {
                    "text": "no law with a loss selected",
                    "xref": "x4 domain",
                    "yref": "y4 domain",
                    "x": 0.5,
                    "y": 0.5,
                    "showarrow": False,
                }
            )
    for suffix, name, _, y_title in _PANELS:
        x_title = f"compute C ({unit})" if suffix in ("3", "4") else ""
        layout[f"xaxis{suffix}"].update(
            log_axis_dict(c_lo, c_hi, x_title, compute_tick, max_labels=_PANEL_C_LABELS)
        )
        if name == "loss":
            layout[f"yaxis{suffix}"]["title"] = {"text": y_title}
            continue
        low, high = _positive_range(*ranges[name]) if ranges[name] else (1.0, 10.0)
        formatter = format_ratio if name == "tokens_per_param" else format_count
        layout[f"yaxis{suffix}"].update(log_axis_dict(low, high, y_title, formatter))
    fig = go.Figure(data=traces, layout=layout)
    if chosen_compute is None:
        return fig
    keys = [curve.key for curve in curves]
    return with_overlay(fig, budget_overlay(keys, chosen_compute, chosen, unit))


#: Labels on each panel's compute axis: four level labels (1e18, 1e21, 1e24, 1e27) fit a
#: phone's 150 px panel, where a label per decade stood on end over the axis title.
_PANEL_C_LABELS = 4


def budget_overlay(
    keys: list[str],
    chosen_compute: float,
    chosen: dict[str, tuple[float, float, float]] | None,
    unit: str = "FLOP",
) -> Overlay:
    """The budget on a `frontier_figure` of the laws ``keys`` (in its order): a dashed line at
    ``chosen_compute`` (FLOP) in each panel and, in the law's colour, each law's (N_opt, D_opt,
    D/N, L_opt) there from ``chosen``
    (none where a value is missing or not finite).  What the budget slider moves, drawn over a
    figure built once per set of laws: shapes, which Plotly redraws alone (marker traces made it
    recompute and redraw every curve of the four panels)."""
    x = float(compute_in_unit(chosen_compute, unit))
    shapes: list[dict] = [
        {
            "type": "line",
            "xref": f"x{suffix}",
            "yref": f"y{suffix} domain",
            "x0": x,
            "x1": x,
            "y0": 0,
            "y1": 1,
            "line": {"dash": "dash", "color": "#555", "width": 1},
        }
        for suffix, _, _, _ in _PANELS
    ]
    for index, key in enumerate(keys):
        point = (chosen or {}).get(key)
        if point is None:
            continue
        n_opt, d_opt, loss_opt = point
        values = {"n_params": n_opt, "n_tokens": d_opt, "tokens_per_param": d_opt / n_opt}
        values["loss"] = loss_opt
        for suffix, name, _, _ in _PANELS:
            value = float(values[name])
            if not np.isfinite(value):
                continue
            marker = point_marker(
                x,
                value,
                symbol="circle",
                fill=law_colour(key, index),
                name=key,
                outline="white",
                radius=4.5,
                showlegend=False,
            )
            shapes.append({**marker, "xref": f"x{suffix}", "yref": f"y{suffix}"})
    return {"shapes": shapes}


def isoflop_figure(
    curves: list[IsoFlopCurve], *, compute_flops: float, unit: str = "FLOP", height: int = 440
) -> go.Figure:
    """IsoFLOP profiles L(N, C/6N) at one budget for each loss law, with each minimum starred."""
    traces: list[dict] = []
    for index, curve in enumerate(curves):
        colour = law_colour(curve.key, index)
        traces.append(
            {
                "type": "scatter",
                "x": curve.n_params,
                "y": curve.loss,
                "mode": "lines",
                "line": {"color": colour, "width": 2.5, "dash": law_dash(curve.key)},
                "name": curve.label,
                "legendgroup": curve.key,
                "customdata": np.stack(
                    [
                        [format_count(n) for n in curve.n_params],
                        [format_count(compute_flops / (6 * n)) for n in curve.n_params],
                    ],
                    axis=-1,
                ),
                "hovertemplate": (
                    f"{curve.label}<br>N %{{customdata[0]}} · D %{{customdata[1]}}"
                    "<br>loss %{y:.3f} nats/token<extra></extra>"
                ),
            }
        )
        traces.append(
            {
                "type": "scatter",
                "x": [curve.n_opt],
                "y": [curve.loss_opt],
                "mode": "markers",
                "marker": {
                    "symbol": "star",
                    "size": 15,
                    "color": colour,
                    "line": {"color": "black", "width": 1},
                },
                "name": f"minimum: {curve.label}",
                "legendgroup": curve.key,
                "showlegend": False,
                "hovertemplate": (
                    f"minimum of {curve.label}<br>N_opt {format_count(curve.n_opt)} · "
                    f"D_opt {format_count(compute_flops / (6 * curve.n_opt))}"
                    f"<br>loss {format_loss(curve.loss_opt)} nats/token<extra></extra>"
                ),
            }
        )
    n_lo, n_hi = _positive_range(*(c.n_params for c in curves), pad=1.0)
    layout = base_layout(
        title=f"IsoFLOP profiles at C = {format_compute(compute_flops, unit)} (★ = minimum)",
        height=height,
    )
    layout.update(
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0},
        margin={"l": 70, "r": 20, "t": MODEBAR_PX + 34, "b": 110},
        xaxis=log_axis_dict(n_lo, n_hi, "parameters N (D = C / 6N)"),
        yaxis={"title": {"text": "final loss (nats/token)"}},
    )
    return go.Figure(data=traces, layout=layout)


def porian_figure(
    curves: list[LawCurve],
    *,
    highlight: str,
    reference: list[LawCurve],
    marker_compute: float,
    marker_n: dict[str, float],
    unit: str = "FLOP",
    height: int = 460,
) -> go.Figure:
    """N_opt(C) after each Porian et al. 2024 correction step, the ``highlight`` step drawn boldly.

    ``reference`` curves (e.g. Chinchilla) are dashed; ``marker_n`` maps a key to its N_opt at
    ``marker_compute`` (Chinchilla's budget) and is marked with a dot.
    """
    traces: list[dict] = []
    marker_x = float(compute_in_unit(marker_compute, unit))
    for index, curve in enumerate([*curves, *reference]):
        is_reference = index >= len(curves)
        bold = curve.key == highlight
        colour = PORIAN_STEP_COLOURS.get(curve.key) or law_colour(curve.key, index)
        c_text = [format_compute(c, unit) for c in curve.compute_flops]
        traces.append(
            {
                "type": "scatter",
                "x": compute_in_unit(curve.compute_flops, unit),
                "y": curve.n_params,
                "mode": "lines",
                "name": curve.label,
                "legendgroup": curve.key,
                "opacity": 1.0 if bold or is_reference else 0.55,
                "line": {
                    "color": colour,
                    "width": 4 if bold else 2,
                    "dash": "dash" if is_reference else "solid",
                },
                "customdata": np.stack(
                    [c_text, [format_count(n) for n in curve.n_params]], axis=-1
                ),
                "hovertemplate": (
                    f"{curve.label}<br>C %{{customdata[0]}}<br>N_opt %{{customdata[1]}}"
                    "<extra></extra>"
                ),
            }
        )
        if curve.key in marker_n:
            n_mark = marker_n[curve.key]
            traces.append(
                {
                    "type": "scatter",
                    "x": [marker_x],
                    "y": [n_mark],
                    "mode": "markers",
                    "marker": {
                        "color": colour,
                        "size": 10,
                        "line": {"color": "black", "width": 1},
                    },
                    "legendgroup": curve.key,
                    "showlegend": False,
                    "hovertemplate": (
                        f"{curve.label}<br>N_opt {format_count(n_mark)} at "
                        f"C {format_compute(marker_compute, unit)}<extra></extra>"
                    ),
                }
            )
    everything = [*curves, *reference]
    c_lo, c_hi = _positive_range(*(c.compute_flops for c in everything), pad=1.0)
    n_lo, n_hi = _positive_range(*(c.n_params for c in everything))
    layout = base_layout(
        title=(
            "N_opt(C) after each correction (RefinedWeb); dots: prediction at "
            f"Chinchilla's budget {format_compute(marker_compute, unit)}"
        ),
        height=height,
    )
    layout.update(
        legend={"orientation": "v", "x": 0.01, "y": 0.99, "bgcolor": "rgba(255,255,255,0.85)"},
        shapes=[
            {
                "type": "line",
                "xref": "x",
                "yref": "y domain",
                "x0": marker_x,
                "x1": marker_x,
                "y0": 0,
                "y1": 1,
                "line": {"dash": "dot", "color": "#888", "width": 1},
            }
        ],
        xaxis=log_axis_dict(
            float(compute_in_unit(c_lo, unit)),
            float(compute_in_unit(c_hi, unit)),
            f"training compute C ({unit})",
            compute_tick,
        ),
        yaxis=log_axis_dict(n_lo, n_hi, "compute-optimal parameters N_opt"),
    )
    return go.Figure(data=traces, layout=layout)


def approach3_table(checks: Sequence[Approach3Check]) -> pd.DataFrame:
    """The Chinchilla Approach-3 presets against Hoffmann et al.'s Table 2, Figure 4 and Table A3."""
    return pd.DataFrame(
        {
            "Preset": [check.key for check in checks],
            "α, β": [f"{check.alpha:.8g}, {check.beta:.8g}" for check in checks],
            "a (Table 2: 0.46)": [f"{check.a:.4f}" for check in checks],
            "N_opt at 5.76e23 (Figure 4: 40B)": [
                format_count(check.n_opt_at_gopher_budget) for check in checks
            ],
            "Tokens / param there": [
                f"{check.tokens_per_param_at_gopher_budget:.1f}" for check in checks
            ],
            "FLOP vs Table A3 (Approach 3)": [
                f"{check.table_a3_deviation.min():+.0%} to {check.table_a3_deviation.max():+.0%}"
                for check in checks
            ],
        }
    )
