"""The planning page in AppTest (defaults, extremes, read-outs = core) and its chart builders."""

from __future__ import annotations

from pathlib import Path

import pytest
from page_charts import chart_json, chart_specs
from streamlit.testing.v1 import AppTest

from charts.format import format_compute_value, format_count, format_loss
from charts.plan import (
    allocation_figure,
    format_allocation_table,
    format_duration,
    format_training_table,
    inference_figure,
)
from dashboard.state import COMPARE_LAWS
from scaling_core.laws import ChinchillaLaw, Source
from scaling_core.planning import (
    budget_from_devices,
    budget_from_dollars,
    inference_alternative,
    inference_curve,
    plan_for_laws,
    plan_table,
)
from scaling_core.presets import PRESETS

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "5_Plan_a_run.py")
H100 = "NVIDIA H100 SXM"
DEFAULT_LAWS = list(COMPARE_LAWS.default)


def run_page(**session: object) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=30)
    for key, value in session.items():
        app.session_state[key] = value
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def shown_tables(app: AppTest):  # type: ignore[no-untyped-def]
    frames = [element.value.reset_index() for element in app.table]  # the law is the index
    assert len(frames) == 2
    return frames


def test_defaults_match_core() -> None:
    app = run_page()
    assert "Plan a run" in app.title[0].value
    budget = budget_from_devices(H100, 1024, 30, 0.4)
    shown = metrics(app)
    assert shown["Compute C (FLOP)"] == format_compute_value(budget.compute_flops) == "1.05e24"
    assert shown["Wall-clock"] == "30 days"
    assert shown["Device-hours"] == format_count(1024 * 30 * 24)

    plans = plan_for_laws([PRESETS[k] for k in DEFAULT_LAWS], budget, "porian")
    table = plan_table(plans)
    allocation, training = shown_tables(app)
    assert allocation.equals(format_allocation_table(table))
    assert training.equals(format_training_table(table))
    assert list(allocation["Expected loss (nats/token)"])[-1] == "—"  # Porian: no loss
    assert any("an allocation only" in info.value for info in app.info)

    losses = [p.loss for p in plans if p.has_loss]
    assert shown[f"Spread of expected loss ({len(losses)} laws)"] == (
        f"{max(losses) - min(losses):.3f} nats"
    )

    alternative = inference_alternative(PRESETS["epoch-2024"], budget.compute_flops, 2e12).plan
    assert shown["N (params)"] == format_count(alternative.n_params)
    assert shown["D_train (tokens)"] == format_count(alternative.n_tokens)
    assert shown["Training (FLOP)"] == format_compute_value(alternative.training_flops)
    assert shown["Lifetime (FLOP)"] == format_compute_value(alternative.total_flops)
    assert shown["Lifetime saving"] == f"{alternative.savings:.1%}"
    assert len(chart_json(app)) == 2


def test_dollar_budget_and_kaplan_batch_rule() -> None:
    app = run_page(p_mode="Dollars", p_usd=1e7, p_price=2.0, p_dev="4096", p_batch_rule="kaplan")
    budget = budget_from_dollars(H100, 1e7, 2.0, 4096, 0.4)
    shown = metrics(app)
    assert shown["Compute C (FLOP)"] == format_compute_value(budget.compute_flops)
    assert shown["Wall-clock"] == format_duration(budget.days)
    assert shown["Cost"] == "$10M"
    table = plan_table(plan_for_laws([PRESETS[k] for k in DEFAULT_LAWS], budget, "kaplan"))
    _, training = shown_tables(app)
    assert training.equals(format_training_table(table))
    assert list(training["Steps"])[-1] == "—"  # no loss → no B_crit → no step count
    assert any("step count under the B_crit rule" in info.value for info in app.info)


def test_pf_days_unit() -> None:
    app = run_page(unit="PF-days")
    budget = budget_from_devices(H100, 1024, 30, 0.4)
    shown = metrics(app)["Compute C (PF-days)"]
    assert shown == format_compute_value(budget.compute_flops, "PF-days")
    assert float(shown) == pytest.approx(budget.compute_flops / 8.64e19, rel=1e-2)


def test_slider_move_updates_compute() -> None:
    app = run_page()
    app.select_slider(key="w_p_days").set_value(100.0).run()
    assert not app.exception
    budget = budget_from_devices(H100, 1024, 100, 0.4)
    assert metrics(app)["Compute C (FLOP)"] == format_compute_value(budget.compute_flops)


def test_only_allocation_laws_selected() -> None:
    app = run_page(laws=["porian-2024-tuned", "chinchilla-2022-approach1"])
    assert any("None of the compared laws gives a loss" in info.value for info in app.info)
    assert metrics(app)["Spread of expected loss"] == "—"


def test_user_fit_appears_among_compared_laws() -> None:
    fit = ChinchillaLaw(
        key="your-fit-1",
        label="Your fit (test)",
        E=1.9,
        A=500.0,
        B=1500.0,
        alpha=0.35,
        beta=0.33,
        source=Source("your runs", "0000.00000", "this session"),
    )
    app = run_page(user_laws={"your-fit-1": fit}, laws=["epoch-2024", "your-fit-1"])
    allocation, _ = shown_tables(app)
    assert list(allocation["Law"]) == [PRESETS["epoch-2024"].label, "Your fit (test)"]
    budget = budget_from_devices(H100, 1024, 30, 0.4)
    table = plan_table(plan_for_laws([PRESETS["epoch-2024"], fit], budget))
    assert allocation.equals(format_allocation_table(table))


@pytest.mark.parametrize(
    "session",
    [
        {"p_days": 0.1, "p_dev": "1", "p_mfu": 0.05, "p_inf": 1e9, "p_acc": "NVIDIA A10G"},
        {"p_days": 1000.0, "p_dev": "65536", "p_mfu": 0.8, "p_inf": 1e16, "p_acc": "NVIDIA B200"},
        {"p_mode": "Dollars", "p_usd": 1e3, "p_price": 15.0, "p_dev": "65536"},
        {"p_mode": "Dollars", "p_usd": 1e10, "p_price": 0.25, "p_dev": "1", "law": "kaplan-2020"},
        {"p_batch_rule": "deepseek", "law": "chinchilla-2022", "p_inf": 1e16},
    ],
)
def test_extremes_render_without_exceptions(session: dict) -> None:
    app = run_page(**session)
    assert len(chart_json(app)) >= 1
    assert not app.error


# ------------------------------------------------------------------------------ chart builders
def test_allocation_figure() -> None:
    budget = budget_from_devices(H100, 1024, 30, 0.4)
    plans = plan_for_laws([PRESETS[k] for k in DEFAULT_LAWS], budget)
    fig = allocation_figure(plans, compute_label="1.05e24 FLOP")
    names = [trace.name for trace in fig.data]
    for plan in plans:
        assert plan.label in names
    assert {"D/N = 20"} <= set(names)
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert fig.layout.xaxis.title.text == "parameters N"
    assert fig.layout.yaxis.title.text == "training tokens D"
    epoch = next(t for t in fig.data if t.name == PRESETS["epoch-2024"].label)
    epoch_plan = next(p for p in plans if p.key == "epoch-2024")
    assert epoch.x[0] == pytest.approx(epoch_plan.n_params)
    assert "D/N" in epoch.customdata[0] and format_loss(epoch_plan.loss) in epoch.customdata[0]
    porian = next(t for t in fig.data if t.name == PRESETS["porian-2024-tuned"].label)
    assert "no loss law" in porian.customdata[0]
    assert all(isinstance(text, str) for text in fig.layout.xaxis.ticktext)


def test_inference_figure() -> None:
    law = PRESETS["epoch-2024"]
    plan = inference_alternative(law, 1e23, 1e13).plan
    fig = inference_figure(inference_curve(law, plan), plan, law_label=law.label, law_key=law.key)
    names = [trace.name for trace in fig.data]
    assert names[0].startswith("lifetime FLOP") and names[1].startswith("training FLOP")
    assert any(name.startswith("compute-optimal") for name in names)
    star = next(t for t in fig.data if t.name.startswith("inference-aware"))
    assert star.x[0] == pytest.approx(plan.n_params) and star.y[0] == pytest.approx(
        plan.total_flops
    )
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert "FLOP" in fig.layout.yaxis.title.text
    assert fig.layout.xaxis.title.text == "parameters N"
    low, high = (10**v for v in fig.layout.yaxis.range)
    assert low <= plan.total_flops <= high


def test_default_budget_warns_that_kaplans_frontier_is_past_its_breakdown() -> None:
    """1024 H100 × 30 days ≈ 1.05e24 FLOP > C* ≈ 1e4 PF-days (Kaplan et al. 2020, eq. 6.8):
    Kaplan's frontier is not compared by default; chosen, it carries the warning."""
    assert "kaplan-2020-frontier" not in DEFAULT_LAWS
    app = run_page(laws=["kaplan-2020-frontier", *DEFAULT_LAWS])
    texts = [w.value for w in app.warning]
    assert any("1e4 PF-days" in text and "Kaplan" in text for text in texts)
    assert not any("Kaplan" in w.value for w in run_page().warning)


def test_sardana_frankle_example_opens_by_link() -> None:
    """?p_sf=1 opens Sardana & Frankle's Figure 1 example with the numbers of their code."""
    app = AppTest.from_file(PAGE, default_timeout=30)
    app.query_params["p_sf"] = "1"
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    shown = metrics(app)
    assert shown["Chinchilla-optimal N"] == "13B"
    assert shown["Chinchilla-optimal D"] == "576.5B"
    assert shown["Loss both reach (nats/token)"] == "2.04528"
    assert shown["Inference-aware N"] == "6.97B"
    assert shown["Inference-aware D"] == "1.248T"
    assert shown["Lifetime FLOP saved"] == "1.69e22 FLOP"
    assert shown["Saving in the example"] == "17.4%"
    assert any("?p_sf=1" in m.value for m in app.markdown)
    off = run_page()
    assert "Inference-aware N" not in metrics(off)


def test_the_inference_chart_reads_in_the_sidebars_compute_unit() -> None:
    """With PF-days chosen, the inference-aware chart's compute axis is in PF-days, and its
    star (the inference-aware plan) sits at the lifetime compute the metric above it states."""
    app = AppTest.from_file(PAGE, default_timeout=30)
    app.query_params["unit"] = "PF-days"
    app.run()
    assert not app.exception
    lifetime = float(metrics(app)["Lifetime (PF-days)"].replace(",", ""))
    spec = next(
        s for s in chart_specs(app) if "lifetime cost against size" in s["layout"]["title"]["text"]
    )
    assert spec["layout"]["yaxis"]["title"]["text"] == "training or lifetime compute (PF-days)"
    (star,) = [t for t in spec["data"] if t["name"].startswith("inference-aware")]
    assert star["y"][0] == pytest.approx(lifetime, rel=1e-3)
