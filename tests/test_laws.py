"""Published and computed check values of the law presets (see shared REFERENCE and the papers)."""

from __future__ import annotations

import numpy as np
import pytest

from scaling_core.laws import ChinchillaLaw, LawUnavailable
from scaling_core.presets import (
    CHINCHILLA_APPROACH3,
    CHINCHILLA_APPROACH3_UNROUNDED,
    EPOCH_2024,
    KAPLAN,
    PRESETS,
    UnknownLaw,
    get_law,
)


def test_kaplan_eq_1_1_data_unlimited() -> None:
    # (8.8e13 / N)^0.076
    assert KAPLAN.loss_data_unlimited(1.5e9) == pytest.approx(2.3036, abs=1e-4)
    assert KAPLAN.loss_data_unlimited(1e8) == pytest.approx(2.8300, abs=1e-4)


def test_kaplan_eq_1_2_and_1_3() -> None:
    assert KAPLAN.loss_tokens(1e9) == pytest.approx(2.8156, abs=1e-4)
    # 1 PF-day = 8.64e19 FLOP
    assert KAPLAN.loss_compute_min(8.64e19) == pytest.approx(2.6581, abs=1e-4)


def test_kaplan_eq_1_5_section4_constants() -> None:
    assert KAPLAN.loss(1e9, 2e10) == pytest.approx(2.3739, abs=1e-4)
    assert KAPLAN.loss(1e9, 1e30) == pytest.approx(2.3188, abs=1e-4)
    assert KAPLAN.loss_infinite_data(1e9) == pytest.approx(2.3188, abs=1e-4)


def test_kaplan_critical_batch_eq_1_4() -> None:
    assert KAPLAN.critical_batch_size(3.0) == pytest.approx(1.069e6, rel=1e-3)
    assert KAPLAN.critical_batch_size(2.0) == pytest.approx(7.371e6, rel=1e-3)


def test_kaplan_data_requirement_eq_4_4() -> None:
    assert KAPLAN.data_requirement(1e9) == pytest.approx(2.285e10, rel=1e-3)


def test_overfitting_rule_keeps_penalty_near_seed_noise() -> None:
    """Eq. 4.4 was chosen so that the eq. 4.3 penalty stays at the ~2% seed-to-seed variation."""
    n = np.geomspace(1e7, 1e11, 9)
    penalty = KAPLAN.overfitting(n, KAPLAN.data_requirement(n))
    assert np.all(penalty < 0.03)
    assert np.all(penalty > 0.005)
    # Far less data overfits much more
    assert np.all(KAPLAN.overfitting(n, KAPLAN.data_requirement(n) / 30) > 0.1)


def test_overfitting_equals_ratio_of_losses() -> None:
    n, d = 3e8, 5e9
    ratio = KAPLAN.loss(n, d) / KAPLAN.loss_infinite_data(n) - 1
    assert KAPLAN.overfitting(n, d) == pytest.approx(ratio, rel=1e-12)


def test_tokens_for_overfitting_inverts_eq_4_3() -> None:
    n = np.array([1e7, 1e9, 1e11])
    d = KAPLAN.tokens_for_overfitting(n, 0.02)
    np.testing.assert_allclose(KAPLAN.overfitting(n, d), 0.02, rtol=1e-10)


def test_kaplan_learning_curve_eq_1_6() -> None:
    # (6.5e13/1e9)^0.077 + (2.1e3/1e5)^0.76
    expected = (6.5e13 / 1e9) ** 0.077 + (2.1e3 / 1e5) ** 0.76
    assert KAPLAN.loss_steps(1e9, 1e5) == pytest.approx(expected, rel=1e-12)


def test_chinchilla_form_value_and_limit() -> None:
    law = CHINCHILLA_APPROACH3
    assert law.loss(70e9, 1.4e12) == pytest.approx(
        1.69 + 406.4 / 70e9**0.34 + 410.7 / 1.4e12**0.28, rel=1e-12
    )
    assert law.loss_data_unlimited(1e30) == pytest.approx(1.69, abs=1e-6)


def test_tokens_for_loss_inverts_both_families() -> None:
    n = np.array([1e8, 1e9, 1e10])
    for law in (CHINCHILLA_APPROACH3, EPOCH_2024, KAPLAN):
        target = law.loss(n, 5e10)
        np.testing.assert_allclose(law.tokens_for_loss(n, target), 5e10, rtol=1e-8)
    assert np.isinf(CHINCHILLA_APPROACH3.tokens_for_loss(1e9, 1.7))


def test_allocation_exponents_table2() -> None:
    """Hoffmann et al. 2022, Table 2, Approach 3: a = 0.46 (interval 0.454-0.455), b = 0.54.

    Only the unrounded constants give it: a = 0.4565, which rounds to 0.46 but lies outside
    the table's own interval; the rounded eq. 10 gives 0.452 (0.45).
    """
    a, b = CHINCHILLA_APPROACH3_UNROUNDED.allocation_exponents
    assert a == pytest.approx(0.4565, abs=5e-5)
    assert round(a, 2) == 0.46 and round(b, 2) == 0.54
    assert not 0.454 <= a <= 0.455  # Table 2's interval misses its own point estimate
    a_rounded, b_rounded = CHINCHILLA_APPROACH3.allocation_exponents
    assert a_rounded == pytest.approx(0.4516, abs=1e-4)
    assert round(a_rounded, 2) == 0.45
    assert a_rounded + b_rounded == pytest.approx(1.0)
    a_epoch, _ = EPOCH_2024.allocation_exponents
    assert a_epoch == pytest.approx(0.5126, abs=1e-4)


def test_presets_have_stable_keys_and_sources() -> None:
    for key in (
        "kaplan-2020",
        "chinchilla-2022",
        "chinchilla-2022-unrounded",
        "sardana-frankle-2023",
        "epoch-2024",
    ):
        law = get_law(key)
        assert law.key == key
        assert "arxiv.org/abs/" in law.source.url
    assert any(key.startswith("porian-2024-") for key in PRESETS)


def test_unknown_law_lists_choices() -> None:
    with pytest.raises(UnknownLaw, match="known laws: kaplan-2020"):
        get_law("chinchila")


def test_presets_are_immutable() -> None:
    with pytest.raises(AttributeError):
        CHINCHILLA_APPROACH3.E = 2.0  # type: ignore[misc]


def test_invalid_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="n_params"):
        CHINCHILLA_APPROACH3.loss(-1.0, 1e9)
    with pytest.raises(ValueError, match="alpha"):
        ChinchillaLaw("x", "x", 1.0, 1.0, 1.0, -0.1, 0.3, CHINCHILLA_APPROACH3.source)
    allocation_only = get_law("chinchilla-2022-approach1")
    with pytest.raises(LawUnavailable):
        allocation_only.loss(1e9, 1e10)


def test_source_without_arxiv_id_has_no_url() -> None:
    from scaling_core.laws import Source

    source = Source("Your runs", "", "Approach-3 fit")
    assert source.url == ""
    assert str(source) == "Your runs, Approach-3 fit"
