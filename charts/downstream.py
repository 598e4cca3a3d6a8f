"""Bhagia et al. 2024's two steps as figures and a table (data in: a
`scaling_core.downstream.DownstreamResult`; a Plotly figure or a DataFrame out).

Step 1: task loss against tokens D, one colour per model size, the fitted L(N, D) along each
size's D, the held-out runs' predicted and observed task loss.  Step 2: accuracy against task
loss on the ladder's checkpoints, the fitted sigmoid with its bootstrap band, the held-out
runs' chained predictions (at their predicted loss) and what they reached (at their observed
loss).  Predictions: predicted against observed accuracy with the intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from charts.format import format_count
from charts.style import TOL_MUTED, apply_log_axis, base_layout
from scaling_core.downstream import DownstreamResult

_SIZE_COLOURS = list(TOL_MUTED.values())
TARGET_COLOUR = "#000000"
#: Each held-out size's line dash and marker, in size order: all black (apart from the fitted
#: sizes' colours), told apart from one another by these.
_TARGET_STYLES = (
    ("dash", "diamond"),
    ("dot", "square"),
    ("dashdot", "triangle-up"),
    ("longdash", "cross"),
)


def _size_colour(sizes: list[float], n_params: float) -> str:
    return _SIZE_COLOURS[sizes.index(n_params) % len(_SIZE_COLOURS)]


def step1_figure(result: DownstreamResult, height: int = 420) -> go.Figure:
    """Task loss of the ladder's final points against D, the fitted L(N, D) per size, and the
    held-out runs (predicted: open markers; observed: filled)."""
    points = result.step1_points
    targets = result.predictions
    sizes = sorted(points["n_params"].unique())
    fig = go.Figure()
    all_d = np.concatenate([points["n_tokens"].to_numpy(), targets["n_tokens"].to_numpy()])
    d_lo, d_hi = float(all_d.min()) / 1.5, float(all_d.max()) * 1.5
    grid = np.geomspace(d_lo, d_hi, 60)
    for n in sizes:
        colour = _size_colour(sizes, n)
        mine = points[points["n_params"] == n]
        fig.add_trace(
            go.Scatter(
                x=mine["n_tokens"],
                y=mine["loss"],
                mode="markers",
                marker={"color": colour, "size": 8},
                name=f"{format_count(n)} (fitted)",
                legendgroup=str(n),
                text=mine["run"],
                hovertemplate="%{text}<br>D %{x:.3s}<br>task loss %{y:.4f}<extra></extra>",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=grid,
                y=result.step1.predict(n_params=np.full(len(grid), n), n_tokens=grid),
                mode="lines",
                line={"color": colour, "width": 1.5},
                name=f"{format_count(n)}: L(N, D)",
                legendgroup=str(n),
                showlegend=False,
                hoverinfo="skip",
            )
        )
    for index, n in enumerate(sorted(targets["n_params"].unique())):
        mine = targets[targets["n_params"] == n]
        dash, symbol = _TARGET_STYLES[index % len(_TARGET_STYLES)]
        fig.add_trace(
            go.Scatter(
                x=grid,
                y=result.step1.predict(n_params=np.full(len(grid), n), n_tokens=grid),
                mode="lines",
                line={"color": TARGET_COLOUR, "width": 1.5, "dash": dash},
                name=f"{format_count(n)}: L(N, D) extrapolated",
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=mine["n_tokens"],
                y=mine["observed_loss"],
                mode="markers",
                marker={"color": TARGET_COLOUR, "size": 9, "symbol": symbol},
                name=f"{format_count(n)} observed (held out)",
                text=mine["run"],
                hovertemplate="%{text}<br>D %{x:.3s}<br>observed %{y:.4f}<extra></extra>",
            )
        )
    fig.update_layout(
        **base_layout(
            title="Step 1: task loss L(N, D) on the ladder's final points", height=height
        ),
        yaxis={"title": {"text": "task loss (bits per byte of the correct answer)"}},
    )
    apply_log_axis(fig, "x", d_lo, d_hi, "tokens D")
    return fig


def step2_figure(result: DownstreamResult, height: int = 420) -> go.Figure:
    """Accuracy against task loss on the checkpoints step 2 fitted, the sigmoid with its band,
    the held-out runs' predictions (open) and observed values (filled)."""
    points = result.step2_points
    targets = result.predictions
    sizes = sorted(points["n_params"].unique())
    fig = go.Figure()
    for n in sizes:
        mine = points[points["n_params"] == n]
        fig.add_trace(
            go.Scattergl(
                x=mine["loss"],
                y=100 * mine["metric"],
                mode="markers",
                marker={"color": _size_colour(sizes, n), "size": 4, "opacity": 0.5},
                name=f"{format_count(n)} checkpoints",
                hoverinfo="skip",
            )
        )
    losses = np.concatenate(
        [points["loss"].to_numpy(), targets["predicted_loss"].to_numpy(),
         targets["observed_loss"].to_numpy()]
    )  # fmt: skip
    grid = np.linspace(float(losses.min()) * 0.97, float(losses.max()) * 1.02, 120)
    low, high = result.step2_band(grid)
    if np.all(np.isfinite(low)):
        pct = f"{100 * result.confidence:g}%"
        fig.add_trace(
            go.Scatter(
                x=np.concatenate([grid, grid[::-1]]),
                y=100 * np.concatenate([high, low[::-1]]),
                fill="toself",
                fillcolor="rgba(0,0,0,0.12)",
                line={"width": 0},
                name=f"sigmoid, {pct} band",
                hoverinfo="skip",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=grid,
            y=100 * result.step2.predict(grid),
            mode="lines",
            line={"color": TARGET_COLOUR, "width": 2},
            name="fitted sigmoid",
            hoverinfo="skip",
        )
    )
    for kind, symbol, size in (("predicted", "circle-open", 10), ("observed", "diamond", 9)):
        if not len(targets):
            break
        fig.add_trace(
            go.Scatter(
                x=targets[f"{kind}_loss"],
                y=100 * targets[kind],
                mode="markers",
                marker={"color": TARGET_COLOUR, "size": size, "symbol": symbol},
                name=f"held out: {kind}",
                text=targets["run"],
                hovertemplate=f"%{{text}}<br>{kind} loss %{{x:.4f}}<br>%{{y:.1f}}%<extra></extra>",
            )
        )
    fig.update_layout(
        **base_layout(title="Step 2: accuracy against task loss (sigmoid)", height=height),
        xaxis={"title": {"text": "task loss (bits per byte of the correct answer)"}},
        yaxis={"title": {"text": "accuracy (%)"}},
    )
    return fig


def predictions_figure(result: DownstreamResult, height: int = 380) -> go.Figure:
    """Predicted against observed accuracy of every held-out run, with its interval; the
    diagonal is a perfect prediction."""
    p = result.predictions
    fig = go.Figure()
    if len(p):
        observed = 100 * p["observed"].to_numpy()
        predicted = 100 * p["predicted"].to_numpy()
        fig.add_trace(
            go.Scatter(
                x=observed,
                y=predicted,
                mode="markers",
                marker={"color": TARGET_COLOUR, "size": 9},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": 100 * p["interval_high"].to_numpy() - predicted,
                    "arrayminus": predicted - 100 * p["interval_low"].to_numpy(),
                },
                text=p["run"],
                name="held-out runs",
                hovertemplate="%{text}<br>observed %{x:.1f}%<br>predicted %{y:.1f}%<extra></extra>",
            )
        )
        span = np.concatenate([observed, 100 * p["interval_low"], 100 * p["interval_high"]])
        span = span[np.isfinite(span)]
        lo, hi = float(span.min()) - 1, float(span.max()) + 1
        fig.add_trace(
            go.Scatter(
                x=[lo, hi],
                y=[lo, hi],
                mode="lines",
                line={"color": "#888888", "dash": "dot"},
                name="predicted = observed",
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        **base_layout(title="Held-out runs: predicted against observed accuracy", height=height),
        xaxis={"title": {"text": "observed final accuracy (%)"}},
        yaxis={"title": {"text": "predicted accuracy (%)"}},
    )
    return fig


def predictions_table(result: DownstreamResult) -> pd.DataFrame:
    """One row per held-out run: N, D, predicted accuracy with its interval beside it (same
    type), observed, error (points)."""
    pct = f"{100 * result.confidence:g}%"
    rows = []
    for r in result.predictions.itertuples(index=False):
        interval = (
            f"{100 * r.interval_low:.1f}–{100 * r.interval_high:.1f}"
            if np.isfinite(r.interval_low)
            else "—"
        )
        rows.append(
            {
                "Run": r.run,
                "N": format_count(r.n_params),
                "D": format_count(r.n_tokens),
                "Predicted (%)": f"{100 * r.predicted:.1f}",
                f"{pct} interval (%)": interval,
                "Observed (%)": f"{100 * r.observed:.1f}",
                "Error (points)": f"{100 * (r.predicted - r.observed):+.1f}",
            }
        )
    table = pd.DataFrame(rows)
    table.attrs["numeric_columns"] = [c for c in table.columns if c != "Run"]  # right-aligned
    return table


def step1_table(result: DownstreamResult) -> pd.DataFrame:
    """Step 1's constants: value and bootstrap interval side by side, or "not determined" and
    why (`scaling_core.fit.identifiability`)."""
    ident = result.step1.identifiability
    intervals = result.step1_intervals
    pct = f"{100 * result.confidence:g}% interval"
    rows = []
    for name, value in result.step1.params.items():
        ok = ident.determined.get(name, True)
        low_high = intervals.get(name)
        rows.append(
            {
                "Constant": name,
                "Value": f"{value:.4g}" if ok else "not determined",
                pct: f"{low_high[0]:.4g}–{low_high[1]:.4g}" if ok and low_high else "—",
                "Why not determined": "" if ok else ident.reasons.get(name, ""),
            }
        )
    table = pd.DataFrame(rows)
    table.attrs["numeric_columns"] = ["Value", pct]  # right-aligned
    return table
