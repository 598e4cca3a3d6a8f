"""IsoFLOP figures for real sweeps: the per-budget optima N*(C) of several configurations with
their fitted power laws (as Porian et al. 2024 draw the move of a in their Figure 1), and the
IsoFLOP profiles of one configuration with the curve through each budget and its minimum.
Data in, go.Figure out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from charts.format import compute_tick, format_compute, format_count, format_loss
from charts.style import PORIAN_STEP_COLOURS, base_layout, log_axis_dict

#: Height of one legend line of `optima_figure` (12 px text) and the x axis's ticks and title.
LEGEND_LINE_PX = 22
X_AXIS_PX = 70

#: One colour per Table 1 step, in order (Kaplan reproduction → tuned): `PORIAN_STEP_COLOURS`.
STEP_COLOURS: tuple[str, ...] = tuple(PORIAN_STEP_COLOURS.values())


@dataclass(frozen=True)
class OptimaSeries:
    """N*(C) of one configuration: the per-budget optima, their spread and the fitted line."""

    label: str
    compute_flops: np.ndarray
    n_opt: np.ndarray
    log_spread: np.ndarray | None  # σ of log N* per budget (error bars), or None
    a: float
    coefficient: float
    colour: str


@dataclass(frozen=True)
class BudgetProfile:
    """One budget's IsoFLOP profile: the runs, the interpolating curve and the minimum."""

    compute_flops: float
    n_params: np.ndarray
    loss: np.ndarray
    curve_n: np.ndarray
    curve_loss: np.ndarray
    n_opt: float | None  # None when the budget was left out
    reason: str = ""


def _range(*arrays: np.ndarray, pad: float = 1.3) -> tuple[float, float]:
    values = np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in arrays])
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return 1.0, 10.0
    return float(values.min()) / pad, float(values.max()) * pad


def optima_figure(series: Sequence[OptimaSeries], *, title: str, height: int = 480) -> go.Figure:
    """N*(C) against C, log-log: points (with ±2σ bars) and the fitted N* = k·C^a per series.

    The legend (one series a line, with its a and interval) sits under the x axis in a bottom
    margin grown to hold it: inside the plot it covered the small budgets' points, whose N*
    the steps differ most in. ``height`` is the plot's share; the figure adds the legend's.
    """
    traces: list[dict] = []
    for s in series:
        c = np.asarray(s.compute_flops, dtype=float)
        n = np.asarray(s.n_opt, dtype=float)
        error = None
        if s.log_spread is not None:
            spread = np.asarray(s.log_spread, dtype=float)
            error = {
                "type": "data",
                "symmetric": False,
                "array": n * (np.exp(2 * spread) - 1),
                "arrayminus": n * (1 - np.exp(-2 * spread)),
                "color": s.colour,
                "thickness": 1,
                "width": 3,
            }
        traces.append(
            {
                "type": "scatter",
                "x": c,
                "y": n,
                "mode": "markers",
                "name": s.label,
                "legendgroup": s.label,
                "marker": {"color": s.colour, "size": 8},
                "error_y": error,
                "customdata": np.stack(
                    [[format_compute(v) for v in c], [format_count(v) for v in n]], axis=-1
                ),
                "hovertemplate": f"{s.label}<br>C %{{customdata[0]}}<br>N* %{{customdata[1]}}"
                "<extra></extra>",
            }
        )
        line_c = np.geomspace(c.min() / 1.5, c.max() * 1.5, 40)
        traces.append(
            {
                "type": "scatter",
                "x": line_c,
                "y": s.coefficient * line_c**s.a,
                "mode": "lines",
                "legendgroup": s.label,
                "showlegend": False,
                "line": {"color": s.colour, "width": 2},
                "hoverinfo": "skip",
            }
        )
    all_c = [np.asarray(s.compute_flops, dtype=float) for s in series]
    all_n = [np.asarray(s.n_opt, dtype=float) for s in series]
    c_lo, c_hi = _range(*all_c, pad=2.0)
    n_lo, n_hi = _range(*all_n, pad=1.6)
    legend_px = LEGEND_LINE_PX * len(series) + 10
    layout = base_layout(title=title, height=height + legend_px)
    layout.update(
        legend={
            "orientation": "v",
            "yref": "container",
            "y": 0,
            "yanchor": "bottom",
            "x": 0,
            "xanchor": "left",
            "font": {"size": 12},
            "tracegroupgap": 2,  # each series is its own legend group: 10 px apart by default
        },
        margin={**layout["margin"], "b": X_AXIS_PX + legend_px},
        xaxis=log_axis_dict(c_lo, c_hi, "training compute C (FLOP)", compute_tick),
        yaxis=log_axis_dict(n_lo, n_hi, "compute-optimal parameters N*"),
    )
    return go.Figure(data=traces, layout=layout)


def profiles_figure(
    profiles: Sequence[BudgetProfile], *, title: str, height: int = 480
) -> go.Figure:
    """Loss against N for every budget (log N axis): runs, the curve through them, the minimum.

    Budgets left out (minimum at the sweep's edge) are drawn grey and dotted.
    """
    traces: list[dict] = []
    usable = [p for p in profiles if p.n_opt is not None]
    order = {p.compute_flops: i for i, p in enumerate(usable)}
    for p in profiles:
        label = f"C = {format_compute(p.compute_flops)}"
        if p.n_opt is None:
            colour = "#b0b0b0"
        else:
            shade = order[p.compute_flops] / max(len(usable) - 1, 1)
            colour = f"hsl({int(260 - 230 * shade)}, 70%, 45%)"
        traces.append(
            {
                "type": "scatter",
                "x": p.n_params,
                "y": p.loss,
                "mode": "markers",
                "name": label + ("" if p.n_opt is not None else " (left out)"),
                "legendgroup": label,
                "marker": {"color": colour, "size": 6},
                "customdata": np.stack(
                    [[format_count(v) for v in p.n_params], [format_loss(v) for v in p.loss]],
                    axis=-1,
                ),
                "hovertemplate": f"{label}<br>N %{{customdata[0]}}<br>loss %{{customdata[1]}}"
                + (f"<br>left out: {p.reason}" if p.reason else "")
                + "<extra></extra>",
            }
        )
        traces.append(
            {
                "type": "scatter",
                "x": p.curve_n,
                "y": p.curve_loss,
                "mode": "lines",
                "legendgroup": label,
                "showlegend": False,
                "line": {
                    "color": colour,
                    "width": 1.5,
                    "dash": "dot" if p.n_opt is None else "solid",
                },
                "hoverinfo": "skip",
            }
        )
        if p.n_opt is not None:
            loss_at = float(np.interp(np.log(p.n_opt), np.log(p.curve_n), p.curve_loss))
            traces.append(
                {
                    "type": "scatter",
                    "x": [p.n_opt],
                    "y": [loss_at],
                    "mode": "markers",
                    "legendgroup": label,
                    "showlegend": False,
                    "marker": {
                        "symbol": "star",
                        "size": 13,
                        "color": colour,
                        "line": {"color": "black", "width": 1},
                    },
                    "hovertemplate": f"{label}<br>N* {format_count(p.n_opt)}<extra></extra>",
                }
            )
    n_lo, n_hi = _range(*(p.n_params for p in profiles), pad=1.2)
    losses = np.concatenate([np.asarray(p.loss, dtype=float) for p in profiles])
    layout = base_layout(title=title, height=height)
    layout.update(
        legend={"orientation": "v", "x": 1.01, "y": 1.0, "font": {"size": 11}},
        xaxis=log_axis_dict(n_lo, n_hi, "parameters N"),
        yaxis={
            "title": {"text": "loss (nats/token)"},
            "range": [float(losses.min()) - 0.05, float(np.quantile(losses, 0.97)) + 0.1],
            "showgrid": True,
        },
    )
    return go.Figure(data=traces, layout=layout)


@dataclass(frozen=True)
class Table1Cell:
    """One step × dataset of Table 1: the paper's a and interval beside ours."""

    step_title: str
    dataset: str  # "RefinedWeb" or "OpenWebText2"
    paper_a: float
    paper_interval: tuple[float, float]
    our_a: float
    our_interval: tuple[float, float] | None
    budgets_used: int
    budgets_total: int


def _a_text(a: float, interval: tuple[float, float] | None, digits: int = 3) -> str:
    if interval is None:
        return f"{a:.{digits}f}"
    return f"{a:.{digits}f} ({interval[0]:.{digits - 1}f}-{interval[1]:.{digits - 1}f})"


def table1_comparison(cells: Sequence[Table1Cell]) -> pd.DataFrame:
    """Rows = steps, for each dataset: the paper's a (95% CI), ours (95% CI), difference,
    whether ours is inside the paper's interval, and how many budgets carry our fit."""

    rows: dict[str, dict[str, str]] = {}
    for cell in cells:
        row = rows.setdefault(cell.step_title, {"Step (cumulative)": cell.step_title})
        short = "RW" if cell.dataset == "RefinedWeb" else "OWT2"
        lo, hi = cell.paper_interval
        inside = lo <= cell.our_a <= hi
        row[f"{short}: paper"] = _a_text(cell.paper_a, cell.paper_interval)
        row[f"{short}: ours"] = _a_text(cell.our_a, cell.our_interval)
        delta = round(cell.our_a - cell.paper_a, 3) + 0.0  # no "-0.000"
        row[f"{short}: Δ"] = f"{delta:+.3f}" + (" ✓" if inside else " ✗")
        row[f"{short}: budgets"] = f"{cell.budgets_used}/{cell.budgets_total}"
    return pd.DataFrame(list(rows.values()))
