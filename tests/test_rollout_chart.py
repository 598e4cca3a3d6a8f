"""`charts.rollout`: the rollout figure draws every prediction where it belongs, on a readable
log axis, and its caption quotes the summary."""

from __future__ import annotations

import numpy as np
import pandas as pd

from charts.rollout import rollout_caption, rollout_figure
from scaling_core.fit.rollout import rollout


def ladder() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = np.repeat([2e7, 5e7, 1.2e8, 3e8, 7e8, 1.5e9], 3)
    d = n * np.tile([5.0, 20.0, 80.0], 6)
    loss = (1.82 + 482 / n**0.35 + 2085 / d**0.37) * np.exp(rng.normal(0, 0.01, len(n)))
    return pd.DataFrame({"run": [f"r{i}" for i in range(len(n))], "n_params": n,
                         "n_tokens": d, "loss": loss})  # fmt: skip


def test_every_prediction_is_drawn_at_its_size_and_error() -> None:
    runs = ladder()
    card = rollout(runs, "chinchilla")
    table = card.predictions()
    fig = rollout_figure(table)
    (trace,) = [t for t in fig.data if t.type == "scatter"]
    # 9 + 6 + 3 predictions: the runs above 1.2e8, 3e8 and 7e8.
    assert len(trace.x) == 18
    sizes = runs.set_index("run")["n_params"]
    np.testing.assert_allclose(trace.x, sizes[table["run"]].to_numpy())
    observed = runs.set_index("run")["loss"][table["run"]].to_numpy()
    np.testing.assert_allclose(trace.y, 100 * (table["predicted"].to_numpy() / observed - 1))
    np.testing.assert_allclose(trace.marker.color, np.log10(table["fit_up_to"]))
    assert list(fig.layout.coloraxis.colorbar.ticktext or trace.marker.colorbar.ticktext) == [
        "120M", "300M", "700M"
    ]  # fmt: skip
    assert fig.layout.xaxis.type == "log"
    assert "1B" in fig.layout.xaxis.ticktext
    assert fig.layout.yaxis.ticksuffix == "%"


def test_caption_quotes_the_summary() -> None:
    card = rollout(ladder(), "gadre")
    s = card.summary()
    text = rollout_caption(card)
    assert f"mean |error| {s['mean_abs_error']:.1%}" in text
    assert f"{s['n_cutoffs']} sizes" in text and "α = β" in text
    assert "error = predicted / observed − 1" in text  # the chart's short axis title's meaning
