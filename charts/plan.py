"""Figures and the display table of the planning page."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from charts.format import (
    compute_in_unit,
    format_compute,
    format_count,
    format_loss,
    format_scientific,
    tick_labels,
)
from charts.style import base_layout, law_colour, law_marker, log_axis_dict
from scaling_core.allocation import InferenceAwarePlan
from scaling_core.planning import InferenceCurve, LawPlan


def dense_log_axis(
    low: float, high: float, title: str, formatter: Callable[[float], str] = format_count
) -> dict:
    """A log axis from low to high (`charts.style.log_axis_dict`) with 1-2-5 ticks when it
    spans under 3 decades, as a layout dict."""
    axis = log_axis_dict(low, high, title, formatter)
    if 0 < low < high and np.log10(high / low) < 3:
        exponents = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
        values = [m * 10.0**e for e in exponents for m in (1, 2, 5)]
        values = [v for v in values if low <= v <= high]
        axis.update(tickvals=values, ticktext=tick_labels(values, formatter))
    return axis


def compute_unit_name(unit: str = "FLOP") -> str:
    """The unit's name for a label: "FLOP" or "PF-days"."""
    return "PF-days" if unit == "PF-days" else "FLOP"


def format_throughput(flops_per_second: float) -> str:
    """Peak throughput as "989 TFLOP/s" (or PFLOP/s from 1e15)."""
    if flops_per_second >= 1e15:
        return f"{flops_per_second / 1e15:.3g} PFLOP/s"
    return f"{flops_per_second / 1e12:.3g} TFLOP/s"


def format_duration(days: float) -> str:
    """Days as "30 days"; below a day "3.2 h", "14 min" or "9 s"; above two years "2.1 years"."""
    if not math.isfinite(days):
        return "—"
    if days > 730:
        return f"{format_count(days / 365.25)} years"
    if days >= 1:
        return f"{days:.3g} days"
    if days * 24 >= 1:
        return f"{days * 24:.2g} h"
    if days * 1440 >= 1:
        return f"{days * 1440:.2g} min"
    return format_seconds(days * 86_400)


def format_ratio(value: float) -> str:
    """A multiple: "1.00×", "3.66×", "544×", "10.2k×"."""
    if not math.isfinite(value):
        return "—"
    if value < 10:
        return f"{value:.2f}×"
    if value < 1000:
        return f"{value:.3g}×"
    return f"{format_count(value)}×"


def format_seconds(value: float) -> str:
    """Seconds as "0.52 s", "1.07 s", "491 s", "4,460 s" or "2.2e10 s"."""
    if not math.isfinite(value):
        return "—"
    if value < 1000:
        return f"{value:.3g} s"
    if value < 1e6:
        return f"{value:,.0f} s"
    return f"{format_scientific(value, 2)} s"


def _sci(value: float) -> str:
    return format_scientific(value, 2)


def _maybe(value: float, formatter) -> str:  # type: ignore[no-untyped-def]
    return formatter(value) if math.isfinite(value) else "—"


def format_allocation_table(table: pd.DataFrame) -> pd.DataFrame:
    """Model size, data and loss columns of the plan table (`plan_table`) as readable strings."""
    return pd.DataFrame(
        {
            "Law": table["law"],
            "N (params)": table["n_params"].map(format_count),
            "D (tokens)": table["n_tokens"].map(format_count),
            "Tokens/param": table["tokens_per_param"].map(lambda v: f"{v:.3g}"),
            "Expected loss (nats/token)": table["loss"].map(format_loss),
        }
    )


def format_training_table(table: pd.DataFrame) -> pd.DataFrame:
    """Batch size, learning rate, steps and time columns of the plan table as readable strings.

    Batch sizes are in tokens; "Time/step" is wall-clock time per optimiser step.
    """
    return pd.DataFrame(
        {
            "Law": table["law"],
            "B* Porian": table["porian_batch_tokens"].map(lambda v: _maybe(v, format_count)),
            "B_crit Kaplan": table["kaplan_b_crit"].map(lambda v: _maybe(v, format_count)),
            "η* Porian": table["learning_rate"].map(lambda v: f"{v:.2e}"),
            "Steps": table["steps"].map(lambda v: _maybe(v, format_count)),
            "Time/step": table["seconds_per_step"].map(format_seconds),
            "Wall-clock": table["training_days"].map(format_duration),
        }
    )


def allocation_figure(plans: Sequence[LawPlan], *, compute_label: str) -> go.Figure:
    """Each law's recommended (N, D) on log-log axes, with guides at 1, 20 and 100 tokens/param.

    Assembled as one dict (a figure built by updates took three times as long on each move of
    the budget slider)."""
    n = np.array([p.n_params for p in plans])
    d = np.array([p.n_tokens for p in plans])
    n_lo, n_hi = float(n.min()) / 4, float(n.max()) * 4
    d_lo, d_hi = float(d.min()) / 4, float(d.max()) * 4
    traces: list[dict] = []
    guide_n = np.geomspace(n_lo, n_hi, 50)
    for ratio, dash in ((1, "dot"), (20, "dash"), (100, "dot")):
        guide_d = ratio * guide_n
        keep = (guide_d >= d_lo) & (guide_d <= d_hi)
        if keep.sum() < 2:
            continue
        traces.append(
            {
                "type": "scatter",
                "x": guide_n[keep],
                "y": guide_d[keep],
                "mode": "lines",
                "line": {"color": "#bbbbbb", "width": 1, "dash": dash},
                "name": f"D/N = {ratio}",
                "hovertemplate": f"{ratio} tokens per parameter<extra></extra>",
            }
        )
    for index, plan in enumerate(plans):
        loss = f"loss {format_loss(plan.loss)}" if math.isfinite(plan.loss) else "no loss law"
        traces.append(
            {
                "type": "scatter",
                "x": [plan.n_params],
                "y": [plan.n_tokens],
                "mode": "markers",
                "marker": {
                    "size": 15,
                    "color": law_colour(plan.key, index),
                    # one symbol per fit of a source; open when the law gives no loss
                    "symbol": law_marker(plan.key) + ("" if plan.has_loss else "-open"),
                    "line": {"color": "black", "width": 1},
                },
                "name": plan.label,
                "customdata": [
                    f"N {format_count(plan.n_params)} · D {format_count(plan.n_tokens)}"
                    f"<br>D/N {plan.tokens_per_param:.3g} · {loss}"
                ],
                "hovertemplate": f"{plan.label}<br>%{{customdata}}<extra></extra>",
            }
        )
    layout = base_layout(
        title=f"Recommended model size and data at C = {compute_label}", height=480
    )
    layout.update(
        legend={"orientation": "h", "y": -0.2, "x": 0},
        xaxis=dense_log_axis(n_lo, n_hi, "parameters N"),
        yaxis=dense_log_axis(d_lo, d_hi, "training tokens D"),
    )
    return go.Figure(data=traces, layout=layout)


def inference_figure(
    curve: InferenceCurve,
    plan: InferenceAwarePlan,
    *,
    law_label: str,
    law_key: str,
    unit: str = "FLOP",
) -> go.Figure:
    """Training and lifetime compute against N at fixed loss, with both optima marked, in the
    sidebar's compute ``unit`` (assembled as one dict, as `allocation_figure`)."""
    colour = law_colour(law_key)

    def shown(flops):  # type: ignore[no-untyped-def]
        return compute_in_unit(flops, unit)

    def text(flops: float) -> str:
        return format_compute(flops, unit)

    hover = [
        f"N {format_count(n)} · D_train {format_count(d)}<br>training {text(t)}"
        f"<br>lifetime {text(total)}"
        for n, d, t, total in zip(
            curve.n_params, curve.n_tokens, curve.training_flops, curve.lifetime_flops, strict=True
        )
    ]
    base_n = plan.chinchilla_n_params
    base_total = plan.chinchilla_total_flops
    traces = [
        {
            "type": "scatter",
            "x": curve.n_params,
            "y": shown(curve.lifetime_flops),
            "mode": "lines",
            "line": {"color": colour, "width": 3},
            "name": "lifetime FLOP: 6·N·D_train + 2·N·D_inference",
            "customdata": hover,
            "hovertemplate": "%{customdata}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": curve.n_params,
            "y": shown(curve.training_flops),
            "mode": "lines",
            "line": {"color": colour, "width": 2, "dash": "dash"},
            "name": "training FLOP: 6·N·D_train",
            "customdata": hover,
            "hovertemplate": "%{customdata}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": [base_n],
            "y": [shown(base_total)],
            "mode": "markers",
            "marker": {"size": 13, "color": "white", "line": {"color": "black", "width": 2}},
            "name": f"compute-optimal: {format_count(base_n)} params",
            "hovertemplate": (
                f"compute-optimal N {format_count(base_n)}"
                f"<br>lifetime {text(base_total)}<extra></extra>"
            ),
        },
        {
            "type": "scatter",
            "x": [plan.n_params],
            "y": [shown(plan.total_flops)],
            "mode": "markers",
            "marker": {
                "size": 15,
                "color": "#ff4b4b",
                "symbol": "star",
                "line": {"color": "black", "width": 1},
            },
            "name": f"inference-aware: {format_count(plan.n_params)} params",
            "hovertemplate": (
                f"inference-aware N {format_count(plan.n_params)}"
                f" · D_train {format_count(plan.n_tokens)}"
                f"<br>lifetime {text(plan.total_flops)}<extra></extra>"
            ),
        },
    ]
    y = shown(np.concatenate([curve.training_flops, curve.lifetime_flops]))
    y_lo = float(np.min(y)) / 1.3
    y_hi = min(float(np.max(y)), 30 * float(np.min(shown(curve.lifetime_flops)))) * 1.3
    n_lo, n_hi = float(curve.n_params.min()), float(curve.n_params.max())
    layout = base_layout(
        title=f"Same loss ({plan.target_loss:.3f}), lifetime cost against size: {law_label}",
        height=460,
    )
    layout.update(
        legend={"orientation": "h", "y": -0.22, "x": 0},
        xaxis=dense_log_axis(n_lo, n_hi, "parameters N"),
        yaxis=dense_log_axis(y_lo, y_hi, f"training or lifetime compute ({unit})", _sci),
    )
    return go.Figure(data=traces, layout=layout)
