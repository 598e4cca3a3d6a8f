"""Figures of a fit to the user's runs: IsoFLOP view, residuals, extrapolation check, learning curves.

Data in, `go.Figure` out; no Streamlit.  Run names come from uploaded files, so every one is
HTML-escaped before it reaches a legend or hover label (Plotly renders a subset of HTML there).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from charts.format import format_count, format_flops, format_scientific
from charts.style import LEGEND_BELOW, base_layout, log_axis_dict

#: Sequential palette for groups ordered by budget (plasma without its pale yellow end).
_PALETTE = "Plasma"
FIT_COLOUR = "#d62728"
LOSS_TITLE = "loss (nats/token)"
#: Most markers drawn in one trace; beyond, evenly spaced rows are drawn (`thin`) and the
#: figure's title says how many of how many.  Keeps a 250,000-run upload's figures small (a
#: few hundred KB of JSON) and quick to draw in the browser.
MAX_POINTS = 2_000
#: Most learning curves drawn (evenly spaced by model size), each thinned to `MAX_POINTS`.
MAX_CURVES = 60


def _scatter(**trace: object) -> dict:
    """A scatter trace as a dict (the figure validates its traces once, when it is built)."""
    return {"type": "scatter", **trace}


def thin(n: int, cap: int = MAX_POINTS) -> np.ndarray:
    """Indices of at most ``cap`` of ``n`` rows, evenly spaced, first and last kept."""
    if n <= cap:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, cap).round().astype(int))


def drawn_title(title: str, shown: int, total: int, what: str = "runs") -> str:
    """``title`` with "(2,000 of 250,000 runs drawn)" when not every row is drawn."""
    return title if shown >= total else f"{title} ({shown:,} of {total:,} {what} drawn)"


@dataclass(frozen=True)
class RunGroup:
    """Runs sharing a compute budget (or token count, or tokens per parameter), with the fitted
    law along the group's line: ``curve_loss`` at ``curve_n`` parameters (None: no curve)."""

    label: str
    value: float
    n_params: np.ndarray
    loss: np.ndarray
    runs: list[str]
    used: np.ndarray
    curve_n: np.ndarray
    curve_loss: np.ndarray | None = None
    #: Runs in the group when only some are carried (``n_params``… thinned by the caller, see
    #: `thin`); None: all are.
    total: int | None = None
    #: Set when ``loss`` is each run's loss moved to the group's compute ``value`` (compute
    #: bins, whose runs do not share one): the measured losses, drawn in the hover.
    measured: np.ndarray | None = None


def group_label(value: float, kind: str) -> str:
    """Legend label of a group of runs: "C ≈ 3e19 FLOP", "D ≈ 320M tokens", "D/N ≈ 20", or a
    half-decade compute bin.  Numbers go through `format_count` / `format_scientific`; counts
    keep 2
    significant digits: a group's centre is rounded to 2 first (317M → "320M"), then written
    with 3 so a mantissa of 100-999 stays a number (``format_count(3.2e8, 2)`` gives
    "3.2e+02M")."""
    rounded = float(f"{value:.2g}") if np.isfinite(value) else value
    if kind == "compute":
        return f"C ≈ {format_flops(value)}"
    if kind == "tokens":
        return f"D ≈ {format_count(rounded)} tokens"
    if kind == "ratio":
        return f"D/N ≈ {format_count(rounded)}"
    if kind == "bins":
        return f"C ≈ {format_scientific(value, 2)} FLOP (±0.25 decade)"
    raise ValueError(f"unknown grouping: {kind!r}")


def escape(text: object) -> str:
    """Uploaded text made inert for Plotly's HTML-like labels."""
    return html.escape(str(text), quote=True)


def group_colours(n: int) -> list[str]:
    """``n`` colours from dark blue-purple to orange, in group order."""
    if n <= 1:
        return sample_colorscale(_PALETTE, [0.1])
    return sample_colorscale(_PALETTE, list(np.linspace(0.0, 0.82, n)))


def _positive_range(values: Sequence[np.ndarray], pad: float = 1.3) -> tuple[float, float]:
    flat = np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in values]) if values else []
    flat = np.asarray(flat, dtype=float)
    flat = flat[np.isfinite(flat) & (flat > 0)]
    if flat.size == 0:
        return 1.0, 10.0
    return float(flat.min()) / pad, float(flat.max()) * pad


def _loss_range(values: Sequence[np.ndarray], pad_fraction: float = 0.06) -> list[float]:
    flat = np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in values])
    flat = flat[np.isfinite(flat)]
    if flat.size == 0:
        return [0.0, 1.0]
    lo, hi = float(flat.min()), float(flat.max())
    pad = pad_fraction * max(hi - lo, 1e-3)
    return [lo - pad, hi + pad]


def isoflop_figure(
    groups: Sequence[RunGroup],
    *,
    title: str = "IsoFLOP view: loss against model size",
    law_label: str = "fitted law",
    mark_minimum: bool = True,
    height: int = 500,
) -> go.Figure:
    """Loss against parameters N (log axis) per group, with the fitted law along each group.

    Filled markers are runs the fit used, open markers runs it excluded; with
    ``mark_minimum`` a diamond marks the lowest point of each fitted curve (the fitted
    compute-optimal size of that budget).
    """
    traces: list[dict] = []  # one validation pass in go.Figure, not one per add_trace
    colours = group_colours(len(groups))
    ys: list[np.ndarray] = []
    xs: list[np.ndarray] = []
    any_excluded = False
    n_total = n_drawn = 0
    for group, colour in zip(groups, colours, strict=True):
        keep = thin(len(group.loss))
        n_total += group.total if group.total is not None else len(group.loss)
        n_drawn += len(keep)
        if len(keep) < len(group.loss):
            group = replace(
                group,
                n_params=group.n_params[keep],
                loss=group.loss[keep],
                runs=[group.runs[i] for i in keep],
                used=np.asarray(group.used, dtype=bool)[keep],
                measured=None if group.measured is None else group.measured[keep],
            )
        label = escape(group.label)
        names = [escape(r) for r in group.runs]
        used = np.asarray(group.used, dtype=bool)
        any_excluded |= bool((~used).any())
        xs.append(group.n_params)
        ys.append(group.loss)
        columns = [names, [format_count(n) for n in group.n_params]]
        hover = (
            "%{customdata[0]}<br>N %{customdata[1]} parameters<br>"
            f"loss %{{y:.4f}} nats/token<br>{label}<extra></extra>"
        )
        if group.measured is not None:
            columns.append([f"{m:.4f}" for m in group.measured])
            hover = (
                "%{customdata[0]}<br>N %{customdata[1]} parameters<br>"
                "measured loss %{customdata[2]} nats/token at its own C<br>"
                f"drawn at the bin's C: %{{y:.4f}} (moved by the fitted law)<br>{label}"
                "<extra></extra>"
            )
        custom = np.stack(columns, axis=-1)
        for kept in (True, False):
            mask = used == kept
            if not mask.any():
                continue
            traces.append(
                _scatter(
                    x=group.n_params[mask],
                    y=group.loss[mask],
                    mode="markers",
                    name=label if kept else f"{label} (excluded)",
                    legendgroup=label,
                    showlegend=kept or not used.any(),
                    marker={
                        "color": colour,
                        "size": 9,
                        "symbol": "circle" if kept else "circle-open",
                        "line": {"color": colour, "width": 1.5},
                    },
                    customdata=custom[mask],
                    hovertemplate=hover
                    if kept
                    else hover.replace("<extra>", "<br>excluded<extra>"),
                )
            )
        if group.curve_loss is None:
            continue
        curve = np.asarray(group.curve_loss, dtype=float)
        ok = np.isfinite(curve)
        if not ok.any():
            continue
        ys.append(curve[ok])
        xs.append(group.curve_n[ok])
        traces.append(
            _scatter(
                x=group.curve_n[ok],
                y=curve[ok],
                mode="lines",
                name=f"{law_label}, {label}",
                legendgroup=label,
                showlegend=False,
                line={"color": colour, "width": 2},
                customdata=[format_count(n) for n in group.curve_n[ok]],
                hovertemplate=(
                    f"{escape(law_label)}<br>{label}<br>N %{{customdata}}"
                    "<br>predicted loss %{y:.4f} nats/token<extra></extra>"
                ),
            )
        )
        if mark_minimum:
            best = int(np.argmin(np.where(ok, curve, np.inf)))
            if 0 < best < len(curve) - 1:
                traces.append(
                    _scatter(
                        x=[group.curve_n[best]],
                        y=[curve[best]],
                        mode="markers",
                        legendgroup=label,
                        showlegend=False,
                        name=f"fitted optimum, {label}",
                        marker={
                            "symbol": "diamond",
                            "size": 11,
                            "color": colour,
                            "line": {"color": "white", "width": 1},
                        },
                        hovertemplate=(
                            f"fitted optimum for {label}<br>N {format_count(group.curve_n[best])}"
                            f"<br>loss {curve[best]:.4f} nats/token<extra></extra>"
                        ),
                    )
                )
    # Legend keys for the line and marker styles (the law's only when a curve is drawn: a
    # failed fit has none).
    if any(t.get("mode") == "lines" for t in traces):
        traces.append(
            _scatter(
                x=[None],
                y=[None],
                mode="lines",
                line={"color": "#555", "width": 2},
                name=escape(law_label),
            )
        )
    if mark_minimum:
        traces.append(
            _scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker={"symbol": "diamond", "size": 11, "color": "#555"},
                name="fitted optimum of each budget",
            )
        )
    if any_excluded:
        traces.append(
            _scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker={"symbol": "circle-open", "size": 9, "color": "#555"},
                name="excluded from the fit",
            )
        )
    low, high = _positive_range(xs, pad=1.05)
    # The observed losses set the range (a fitted curve may leave it at the edges).
    observed = [g.loss for g in groups if len(g.loss)]
    yaxis: dict = {"title": {"text": LOSS_TITLE}}
    if observed:
        yaxis["range"] = _loss_range(observed, pad_fraction=0.12)
    layout = base_layout(title=drawn_title(title, n_drawn, n_total), height=height)
    layout.update(
        legend={"title": {"text": "runs grouped by"}, "itemsizing": "constant"},
        xaxis=log_axis_dict(low, high, "parameters N"),
        yaxis=yaxis,
    )
    return go.Figure(data=traces, layout=layout)


def residuals_figure(
    predictions: pd.DataFrame,
    group_index: np.ndarray | None = None,
    group_labels: Sequence[str] = (),
    *,
    height: int = 420,
) -> go.Figure:
    """Relative residual (predicted / observed − 1, %) against training compute C (log axis).

    ``predictions`` has run, n_params, n_tokens, compute_flops, observed_loss,
    predicted_loss, relative_error, used_in_fit; runs are coloured by ``group_index`` into
    ``group_labels`` when given.  Open grey markers are runs excluded from the fit.
    """
    traces: list[dict] = []  # one validation pass in go.Figure, not one per add_trace
    n_total = len(predictions)
    keep = thin(n_total)
    if len(keep) < n_total:
        predictions = predictions.iloc[keep]
        if group_index is not None:
            group_index = np.asarray(group_index)[keep]
    compute = predictions["compute_flops"].to_numpy(dtype=float)
    rel = 100 * predictions["relative_error"].to_numpy(dtype=float)
    used = predictions["used_in_fit"].to_numpy(dtype=bool)
    custom = np.stack(
        [
            [escape(r) for r in predictions["run"]],
            [format_count(n) for n in predictions["n_params"]],
            [format_count(d) for d in predictions["n_tokens"]],
            [format_flops(c) for c in compute],
            [f"{v:.4f}" for v in predictions["observed_loss"]],
            [f"{v:.4f}" for v in predictions["predicted_loss"]],
        ],
        axis=-1,
    )
    hover = (
        "%{customdata[0]}<br>N %{customdata[1]} · D %{customdata[2]} · C %{customdata[3]}"
        "<br>observed %{customdata[4]} · predicted %{customdata[5]} nats/token"
        "<br>residual %{y:+.2f}%<extra></extra>"
    )
    if group_index is None or not len(group_labels):
        group_index = np.zeros(len(predictions), dtype=int)
        group_labels = ["runs used in the fit"]
    colours = group_colours(len(group_labels))
    for g, (label, colour) in enumerate(zip(group_labels, colours, strict=True)):
        mask = (np.asarray(group_index) == g) & used
        if not mask.any():
            continue
        traces.append(
            _scatter(
                x=compute[mask],
                y=rel[mask],
                mode="markers",
                name=escape(label),
                marker={"color": colour, "size": 8},
                customdata=custom[mask],
                hovertemplate=hover,
            )
        )
    if (~used).any():
        traces.append(
            _scatter(
                x=compute[~used],
                y=rel[~used],
                mode="markers",
                name="excluded from the fit",
                marker={"color": "#777", "size": 9, "symbol": "circle-open"},
                customdata=custom[~used],
                hovertemplate=hover,
            )
        )
    title = drawn_title("Residuals: predicted / observed − 1", len(keep), n_total)
    low, high = _positive_range([compute], pad=1.3)
    span = float(np.nanmax(np.abs(rel))) if len(rel) else 1.0
    span = max(span * 1.15, 0.5)
    layout = base_layout(title=title, height=height)
    layout.update(
        xaxis=log_axis_dict(low, high, "training compute C (FLOP)", format_scientific),
        yaxis={
            "title": {"text": "residual (%)"},
            "range": [-span, span],
            "ticksuffix": "%",
            "zeroline": False,
        },
        shapes=[  # zero residual
            {"type": "line", "xref": "x domain", "yref": "y", "x0": 0, "x1": 1, "y0": 0, "y1": 0,
             "line": {"color": "#444", "width": 1, "dash": "dash"}}
        ],
    )  # fmt: skip
    return go.Figure(data=traces, layout=layout)


_BY_TITLES = {
    "compute_flops": ("training compute C (FLOP)", format_scientific, format_flops),
    "n_params": ("parameters N", format_count, format_count),
    "n_tokens": ("training tokens D", format_count, format_count),
}


def extrapolation_figure(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    *,
    by: str,
    threshold: float,
    x: str | None = None,
    height: int = 440,
) -> go.Figure:
    """Loss against ``x`` (log axis; default ``by``, the column the runs were split on): the
    runs fitted (grey), the held-out largest runs as observed (black) and as predicted by the
    fit of the rest (red ×), joined by a line.  A dotted line marks ``threshold`` when x is
    ``by``."""
    split_by = by
    by = x or by
    title, tick_format, hover_format = _BY_TITLES[by]
    n_total = len(train) + len(holdout)
    train, holdout = train.iloc[thin(len(train))], holdout.iloc[thin(len(holdout))]
    traces: list[dict] = []  # one validation pass in go.Figure, not one per add_trace

    def custom(frame: pd.DataFrame) -> np.ndarray:
        return np.stack(
            [[escape(r) for r in frame["run"]], [hover_format(v) for v in frame[by]]], axis=-1
        )

    traces.append(
        _scatter(
            x=train[by],
            y=train["loss"],
            mode="markers",
            name="fitted (smaller runs)",
            marker={"color": "#9aa0a6", "size": 7},
            customdata=custom(train),
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<br>loss %{y:.4f} nats/token"
            "<extra>fitted</extra>",
        )
    )
    x_lines, y_lines = [], []
    for x, obs, pred in zip(holdout[by], holdout["loss"], holdout["predicted"], strict=True):
        x_lines += [x, x, None]
        y_lines += [obs, pred, None]
    traces.append(
        _scatter(
            x=x_lines,
            y=y_lines,
            mode="lines",
            line={"color": FIT_COLOUR, "width": 1},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    traces.append(
        _scatter(
            x=holdout[by],
            y=holdout["loss"],
            mode="markers",
            name="held out: observed",
            marker={"color": "black", "size": 9},
            customdata=custom(holdout),
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<br>observed %{y:.4f} nats/token"
            "<extra>held out</extra>",
        )
    )
    rel = 100 * (holdout["predicted"] / holdout["loss"] - 1)
    traces.append(
        _scatter(
            x=holdout[by],
            y=holdout["predicted"],
            mode="markers",
            name="held out: predicted",
            marker={"color": FIT_COLOUR, "size": 11, "symbol": "x"},
            customdata=np.column_stack([custom(holdout), [f"{v:+.2f}%" for v in rel]]),
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<br>predicted %{y:.4f} nats/token"
            " (%{customdata[2]})<extra>held out</extra>",
        )
    )
    heading = "Extrapolation check: fit the smaller runs, predict the largest"
    heading = drawn_title(heading, len(train) + len(holdout), n_total)
    low, high = _positive_range([train[by].to_numpy(), holdout[by].to_numpy()], pad=1.3)
    losses = [train["loss"].to_numpy(), holdout["loss"].to_numpy(), holdout["predicted"].to_numpy()]
    layout = base_layout(title=heading, height=height)
    layout.update(  # one dict, one validation pass: updates of a built figure took 16 ms a rerun
        legend=LEGEND_BELOW,
        xaxis=log_axis_dict(low, high, title, tick_format),
        yaxis={"title": {"text": LOSS_TITLE}, "range": _loss_range(losses)},
    )
    if by == split_by:  # the budget (or size) the runs were split at
        layout["shapes"] = [
            {"type": "line", "xref": "x", "yref": "y domain", "x0": threshold, "x1": threshold,
             "y0": 0, "y1": 1, "line": {"color": "#666", "width": 1, "dash": "dot"}}
        ]  # fmt: skip
    return go.Figure(data=traces, layout=layout)


def learning_curves_figure(
    curves: pd.DataFrame, predicted: np.ndarray | None = None, *, height: int = 520
) -> go.Figure:
    """Loss against training tokens D (log axis) for every run, coloured by model size; the
    fitted law L(N, D) along each run as a dotted line when ``predicted`` (aligned with
    ``curves``) is given."""
    sizes = curves.groupby("run", sort=False)["n_params"].max().sort_values(kind="stable")
    n_runs, n_rows, n_drawn = len(sizes), len(curves), 0
    sizes = sizes.iloc[thin(n_runs, MAX_CURVES)]
    rows_of = curves.groupby("run", sort=False).indices
    colours = group_colours(len(sizes))
    # The two columns drawn as arrays, indexed per run: slicing the table per run copied
    # every column of a wide tracker export (0.14 s for the OLMo ladder's 42 runs).
    tokens, losses = curves["n_tokens"].to_numpy(), curves["loss"].to_numpy()
    pred_all = None if predicted is None else np.asarray(predicted, dtype=float)
    traces: list[dict] = []  # dicts, one validation pass in go.Figure, not one per add_trace
    for (run, n_params), colour in zip(sizes.items(), colours, strict=True):
        rows = rows_of[run]
        rows = rows[thin(len(rows))]
        n_drawn += len(rows)
        x = tokens[rows]
        name = f"{escape(run)} (N {format_count(n_params)})"
        tokens_text = [format_count(d) for d in x]
        traces.append(
            {
                "type": "scatter",
                "x": x,
                "y": losses[rows],
                "mode": "lines",
                "name": name,
                "legendgroup": name,
                "line": {"color": colour, "width": 2},
                "customdata": tokens_text,
                "hovertemplate": f"{name}<br>D %{{customdata}} tokens<br>loss %{{y:.4f}} "
                "nats/token<extra></extra>",
            }
        )
        if pred_all is not None:
            traces.append(
                {
                    "type": "scatter",
                    "x": x,
                    "y": pred_all[rows],
                    "mode": "lines",
                    "name": f"fit, {name}",
                    "legendgroup": name,
                    "showlegend": False,
                    "line": {"color": colour, "width": 1.5, "dash": "dot"},
                    "customdata": tokens_text,
                    "hovertemplate": f"fitted law, {name}<br>D %{{customdata}} tokens"
                    "<br>predicted %{y:.4f} nats/token<extra></extra>",
                }
            )
    if pred_all is not None:
        traces.append(
            {
                "type": "scatter",
                "x": [None],
                "y": [None],
                "mode": "lines",
                "name": "fitted law L(N, D)",
                "line": {"color": "#555", "dash": "dot"},
            }
        )
    title = "Learning curves"
    if len(sizes) < n_runs:
        title += f" ({len(sizes):,} of {n_runs:,} runs drawn)"
    title = drawn_title(title, n_drawn, n_rows, "points") if n_drawn < n_rows else title
    low, high = _positive_range([curves["n_tokens"].to_numpy()], pad=1.1)
    observed = curves["loss"].to_numpy(dtype=float)
    observed = observed[np.isfinite(observed) & (observed > 0)]
    yaxis: dict = {"title": {"text": LOSS_TITLE}, "type": "log"}
    if observed.size:  # the observed losses set the range; a poor fit may leave it
        yaxis["range"] = [np.log10(observed.min() / 1.05), np.log10(observed.max() * 1.05)]
    layout = base_layout(title=title, height=height)
    layout.update(xaxis=log_axis_dict(low, high, "training tokens seen D"), yaxis=yaxis)
    return go.Figure(data=traces, layout=layout)
