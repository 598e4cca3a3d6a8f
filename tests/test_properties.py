"""Property tests: monotonicity, shapes and finiteness over N, D in [1e3, 1e15]."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scaling_core.allocation import compute_optimal
from scaling_core.presets import PRESETS

LOSS_LAWS = [law for law in PRESETS.values() if law.has_loss]
ALL_LAWS = list(PRESETS.values())
log_size = st.floats(min_value=3.0, max_value=15.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(LOSS_LAWS), log_size, log_size, st.floats(1.01, 100.0))
def test_loss_finite_positive_and_decreasing(law, log_n, log_d, factor) -> None:
    n, d = 10.0**log_n, 10.0**log_d
    loss = float(law.loss(n, d))
    assert np.isfinite(loss) and loss > 0
    assert float(law.loss(n * factor, d)) < loss
    assert float(law.loss(n, d * factor)) < loss
    assert float(law.loss_infinite_data(n)) <= loss


@settings(max_examples=50, deadline=None)
@given(
    st.sampled_from(LOSS_LAWS),
    st.lists(log_size, min_size=1, max_size=30),
    st.lists(log_size, min_size=1, max_size=30),
)
def test_loss_broadcasts_over_grids(law, log_ns, log_ds) -> None:
    n = 10.0 ** np.array(log_ns)[:, None]
    d = 10.0 ** np.array(log_ds)[None, :]
    surface = law.loss(n, d)
    assert surface.shape == (len(log_ns), len(log_ds))
    assert np.all(np.isfinite(surface))


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(ALL_LAWS), st.floats(15.0, 28.0), st.floats(0.01, 3.0))
def test_allocation_grows_with_compute_and_spends_it(law, log_c, step) -> None:
    compute = np.array([10.0**log_c, 10.0 ** (log_c + step)])
    opt = compute_optimal(law, compute)
    np.testing.assert_allclose(6 * opt.n_params * opt.n_tokens, compute, rtol=1e-9)
    assert opt.n_params[1] > opt.n_params[0]
    assert opt.n_tokens[1] > opt.n_tokens[0]
    if law.has_loss:
        assert opt.loss[1] < opt.loss[0]


def _group_run_by_run(compute: list[float], tolerance: float) -> list[int]:
    """The grouping rule of `group_isoflop` applied one run at a time, in order of compute."""
    c = np.asarray(compute, dtype=float)
    labels = [0] * len(c)
    group, start = -1, -np.inf
    for i in np.argsort(c, kind="stable"):
        if c[i] > start * (1.0 + tolerance):
            group, start = group + 1, c[i]
        labels[i] = group
    return labels


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(min_value=1e15, max_value=1e24),
            st.sampled_from([1e18, 1.05e18, 1.1e18, 3e18, 0.0, -1.0, float("inf"), float("nan")]),
        ),
        max_size=60,
    ),
    st.sampled_from([0.0, 0.05, 0.1, 0.5]),
)
def test_group_isoflop_follows_its_rule_run_by_run(compute: list[float], tolerance: float) -> None:
    from scaling_core.fit import group_isoflop

    assert group_isoflop(compute, tolerance).tolist() == _group_run_by_run(compute, tolerance)
