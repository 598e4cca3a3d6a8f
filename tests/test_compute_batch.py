"""Parameter/FLOP counting, units and the batch-size trade-off."""

from __future__ import annotations

import numpy as np
import pytest

from scaling_core.batch import critical_batch_size, plan_steps, steps_tokens_tradeoff
from scaling_core.compute import (
    ACCELERATORS,
    TransformerShape,
    compute_from_budget,
    device_hours,
    training_cost,
    training_seconds,
)
from scaling_core.units import PF_DAY_FLOPS, QuantityError, flops_to_pf_days, parse_quantity


def test_kaplan_counting_12_layer_d_model_squared() -> None:
    shape = TransformerShape(n_layer=24, d_model=1024, vocab_size=50257, n_ctx=1024)
    assert shape.non_embedding_params() == 12 * 24 * 1024**2
    # forward FLOP per token: 2N + 2·n_layer·n_ctx·d_model (Kaplan eq. 2.2)
    assert shape.forward_flops_per_token() == 2 * 12 * 24 * 1024**2 + 2 * 24 * 1024 * 1024
    assert shape.training_flops_per_token(attention=False) == 6 * shape.non_embedding_params()


def test_porian_counting_adds_the_head() -> None:
    shape = TransformerShape(n_layer=12, d_model=768, vocab_size=50432)
    assert shape.params(head=True) == 12 * 768**2 * 12 + 50432 * 768
    assert (
        shape.params(embeddings=True, head=True) == shape.params(head=True) + (50432 + 2048) * 768
    )
    tied = TransformerShape(n_layer=12, d_model=768, vocab_size=50432, tied_embeddings=True)
    assert tied.params(embeddings=True, head=True) == tied.params(embeddings=True)
    assert shape.forward_flops_per_token(attention=False, head=True) == 2 * shape.params(head=True)


def test_gpt3_175b_shape_is_about_175b() -> None:
    shape = TransformerShape(n_layer=96, d_model=12288, n_ctx=2048)
    assert shape.params(embeddings=True) == pytest.approx(175e9, rel=0.01)


def test_units_and_time() -> None:
    assert PF_DAY_FLOPS == 8.64e19
    assert flops_to_pf_days(8.64e21) == pytest.approx(100.0)
    h100 = ACCELERATORS["NVIDIA H100 SXM"]
    # 1e24 FLOP on 1024 H100 at 40% MFU
    seconds = training_seconds(1e24, h100.peak_flops, 0.4, 1024)
    assert float(seconds) == pytest.approx(1e24 / (989e12 * 0.4 * 1024))
    hours = device_hours(1e24, h100.peak_flops, 0.4)
    assert float(training_cost(1e24, h100.peak_flops, 0.4, 2.0)) == pytest.approx(2 * float(hours))
    assert compute_from_budget(h100.peak_flops, 0.4, 1024, 30) == pytest.approx(
        989e12 * 0.4 * 1024 * 30 * 86400
    )
    with pytest.raises(ValueError, match="MFU"):
        training_seconds(1e24, h100.peak_flops, 1.5)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.5e9", 1.5e9),
        ("1.5B", 1.5e9),
        ("300M", 3e8),
        ("2T", 2e12),
        ("70k", 7e4),
        (" 1_000 ", 1e3),
    ],
)
def test_parse_quantity(text: str, value: float) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["abc", "1.5X", "", "nan", "inf", "1e999", "1,5", "10,00"])
def test_parse_quantity_rejects(text: str) -> None:
    with pytest.raises(QuantityError):
        parse_quantity(text, what="params")


def test_critical_batch_and_tradeoff_hyperbola() -> None:
    assert float(critical_batch_size(3.0)) == pytest.approx(1.069e6, rel=1e-3)
    b_crit = 2e6
    curve = steps_tokens_tradeoff(np.geomspace(1e4, 1e9, 50), b_crit)
    np.testing.assert_allclose((curve.steps_over_min - 1) * (curve.tokens_over_min - 1), 1.0)
    at_crit = steps_tokens_tradeoff(b_crit, b_crit)
    assert float(at_crit.steps_over_min) == pytest.approx(2.0)
    assert float(at_crit.tokens_over_min) == pytest.approx(2.0)


def test_plan_steps() -> None:
    plan = plan_steps(n_tokens=1e11, batch_tokens=1e6, loss=3.0)
    assert plan.steps == pytest.approx(1e5)
    assert plan.b_crit == pytest.approx(1.069e6, rel=1e-3)
    assert (plan.steps_over_min - 1) * (plan.tokens_over_min - 1) == pytest.approx(1.0)
