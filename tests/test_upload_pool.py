"""A large upload's steps in the pooled job processes (`dashboard.jobs`) give what the same
steps give in this process: the OLMo ladder's 42 W&B history files (large once expanded, so
the page sends every step to a job), read, mapped, fitted, checked and rolled out both ways."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import fit_mapping as fm
from dashboard import fit_session as fs
from dashboard.fit_rollout import page_rollout
from scaling_core.runs.archive import expanded_size
from tests.conftest import olmo_histories_zip


@pytest.fixture(scope="module")
def olmo_zip() -> tuple[tuple[str, bytes], ...]:
    return (("olmo.zip", olmo_histories_zip()),)


def _heavy(func, *args):  # type: ignore[no-untyped-def]
    return fs.run_heavy(func, *args, what="test", too_large=lambda m: pytest.fail(m))


def test_every_step_of_a_large_upload_in_a_job_equals_the_step_here(olmo_zip) -> None:  # type: ignore[no-untyped-def]
    assert expanded_size(olmo_zip) > fs.HEAVY_BYTES  # the page sends it to the jobs
    here = fm.load_or_message(olmo_zip)
    pooled = _heavy(fm.load_or_message, olmo_zip)
    pd.testing.assert_frame_equal(pooled.frame, here.frame)

    read_here = fm.read_or_message(here, {}, None, False)
    read_pooled = _heavy(fm.read_or_message, pooled, {}, None, False)
    pd.testing.assert_frame_equal(read_pooled.log.runs, read_here.log.runs)

    options = fs.FitOptions()
    fit_here = fs.fit_log(read_here.log, options)
    fit_pooled = _heavy(fs.fit_log, read_pooled.log, options)
    assert fit_here.result is not None and fit_here.result.n_runs == len(read_here.log.runs)
    assert fit_pooled.result.params == fit_here.result.params
    assert fit_pooled.result.objective == fit_here.result.objective

    check_here = fs.extrapolation(fit_here.table, options, "compute_flops", 0.8)
    check_pooled = _heavy(fs.extrapolation, fit_pooled.table, options, "compute_flops", 0.8)
    assert check_pooled.fit.params == check_here.fit.params
    assert check_pooled.mean_abs_relative_error == check_here.mean_abs_relative_error

    resolved = fs.FitOptions(form=fit_here.result.form)
    card_here = page_rollout(fit_here.table, resolved)
    card_pooled = _heavy(page_rollout, fit_pooled.table, resolved)
    pd.testing.assert_frame_equal(card_pooled.predictions(), card_here.predictions())
