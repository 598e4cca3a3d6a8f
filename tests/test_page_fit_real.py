"""Fit page with the real samples: picker order and labels, one sweep of a multi-sweep file."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard import fit_session as fs
from scaling_core.published import PUBLISHED_SWEEPS, SWEEPS_BY_KEY
from scaling_core.published.fits import fit_sweep, read_sweep, sweep_runs

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "6_Fit_your_runs.py")


def test_sample_names_list_real_sweeps_first_labelled_real() -> None:
    names = fs.sample_names()
    real = [s.path for s in PUBLISHED_SWEEPS]
    assert names[: len(real)] == real
    assert "isoflop_sweep.csv" in names[len(real) :]
    assert fs.sample_label(real[0]).startswith("Real · OLMo model ladder")
    assert fs.sample_label("isoflop_sweep.csv") == "Synthetic · isoflop_sweep.csv"
    for name in names:  # every real file has a descriptive name, not only its path
        if name.startswith("real/"):
            assert "(" in fs.sample_label(name) and "et al." in fs.sample_label(name), name
    assert fs.sample_bytes(real[0]).startswith(b"run,schedule,size")


def test_porian_sample_opens_on_one_sweep_and_the_pickers_change_it() -> None:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["f_sample"] = "real/porian-2024/porian2024_isoflop_points.csv"
    at.run()
    assert not at.exception
    pickers = {s.label: s for s in at.selectbox}
    assert pickers["dataset"].value == "rw" and pickers["loss_type"].value == "val"
    assert pickers["hparams"].value == "tuned"
    assert "This file holds several sweeps" in " ".join(m.value for m in at.markdown)
    captions = " ".join(c.value for c in at.caption)
    assert "Fitting the 121 of 1,745 runs where dataset = rw" in captions  # tuned RefinedWeb
    pickers["dataset"].set_value("owt2").run()
    assert "Fitting the 116 of 1,745 runs where dataset = owt2" in " ".join(
        c.value for c in at.caption
    )
    assert not at.exception


def test_olmo_ladder_sample_fits_the_cosine_runs_by_default() -> None:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["f_sample"] = "real/olmo-ladder/olmo_ladder_curves.csv"
    at.run()
    assert not at.exception
    assert {s.label: s.value for s in at.selectbox}["schedule"] == "cosine"
    captions = " ".join(c.value for c in at.caption)
    assert "Fitting the 30 of 60 runs where schedule = cosine" in captions
    assert "size" not in {s.label for s in at.selectbox}  # a size label is not a sweep factor


def test_olmo_ladder_default_fit_is_usable_and_agrees_with_the_published_sweeps_page() -> None:
    """The first sample with every control at its default: the cosine runs end at 0.5-10x
    Chinchilla tokens (D/N varies), so "automatic" fits their final points, as the Published
    sweeps page does; IsoFLOP snapshots would land on early-training points (alpha < 0)."""
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["f_sample"] = "real/olmo-ladder/olmo_ladder_curves.csv"
    at.run()
    assert not at.exception
    assert at.selectbox(key="w_f_points").value == "auto"
    assert any("Fit to (automatic): the last logged point" in c.value for c in at.caption)
    (law,) = at.session_state["user_laws"].values()
    assert "unreliable" not in law.label
    assert law.alpha > 0 and law.beta > 0
    sweep = SWEEPS_BY_KEY["olmo-ladder"]
    table = sweep_runs(read_sweep(sweep), dict(sweep.default_where))
    published = fit_sweep(table, n_boot=2, holdout_below=sweep.holdout_below)
    a = law.beta / (law.alpha + law.beta)
    assert abs(a - published.a) < 0.02, (a, published.a)


def test_olmo_ladder_sample_shows_the_rollout_scorecard_as_the_cli_computes_it() -> None:
    """The fit page's rollout of the default OLMo sample: the same cutoffs and summary as
    ``rollout --where schedule=cosine`` (tests/test_rollout_cli.py pins its last cutoff to the
    README's 3B leave-out check)."""
    from scaling_core.fit.rollout import rollout

    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["f_sample"] = "real/olmo-ladder/olmo_ladder_curves.csv"
    at.run()
    assert not at.exception
    (caption,) = [c.value for c in at.caption if c.value.startswith("Rollout scorecard")]
    sweep = SWEEPS_BY_KEY["olmo-ladder"]
    summary = rollout(sweep_runs(read_sweep(sweep), dict(sweep.default_where))).summary()
    assert f"up to each of {summary['n_cutoffs']} sizes" in caption
    assert f"mean |error| {summary['mean_abs_error']:.1%}" in caption
