"""Per-run values that logs often lack -- parameters, tokens, tokens per step -- filled in from
what is there, each with its source named, and overridable by a small per-run table.

Sources, in order of preference: the user's per-run table (``--runs-meta FILE`` or the page's
editor), a column of the log, the run's config (layers × width × vocabulary counted through
`scaling_core.compute.TransformerShape`: N = 12·n_layer·d_model² after Kaplan et al. 2020,
eq. 2.1, plus V·d_model for the input embedding and V·d_model for an untied output head when
embeddings are counted, as in Hoffmann et al. 2022's totals), and a size in the run's name
(``190M``, ``1.4b``, ``7B``; marked nominal: OLMo's "1B" has 1.28B parameters).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from scaling_core.compute import TransformerShape
from scaling_core.runs.numbers import _parse_number_series
from scaling_core.runs.report import RunLogError, _list_headers, _show

#: Columns a per-run table may have (besides ``run``).
META_COLUMNS = ("params", "tokens", "tokens_per_step")

_SIZE_IN_NAME = re.compile(r"(?<![A-Za-z0-9.])(\d+(?:\.\d+)?)\s?([mMbB])(?![A-Za-z0-9])")
_LAYERS = {"nlayer", "nlayers", "numlayers", "numhiddenlayers", "depth", "layers"}
_WIDTH = {"dmodel", "hiddensize", "nembd", "width", "dim", "modeldim", "embeddim", "nembed"}
_VOCAB = {"vocabsize", "nvocab", "paddedvocabsize", "vocab"}
_FF = {"dff", "ninner", "intermediatesize", "ffndim", "ffdim", "mlphiddensize", "ffnhiddensize"}
_TIED = {"tiewordembeddings", "weighttying", "tieembeddings", "tiedembeddings"}
_BATCH = {"globalbatchsize", "globalbs", "trainbatchsize", "batchsize", "globaltrainbatchsize"}
_SEQ = {
    "seqlen",
    "maxseqlen",
    "sequencelength",
    "maxsequencelength",
    "blocksize",
    "contextlength",
    "nctx",
    "maxseqlength",
    "seqlength",
}


def size_from_name(name: str) -> float | None:
    """A model size written in a run name (``190M-1xC`` -> 1.9e8, ``pythia-1.4b`` -> 1.4e9)."""
    match = _SIZE_IN_NAME.search(name)
    if not match:
        return None
    scale = 1e6 if match.group(2).lower() == "m" else 1e9
    return float(match.group(1)) * scale


#: A compute budget written in a run name in scientific notation (``isoflop-6e+19-d1024``,
#: ``C=1e20``, ``3e18_flops``): FLOP, 1e15 or more (a smaller number is a learning rate or the
#: like, not a budget).
_BUDGET_IN_NAME = re.compile(r"(?<![0-9.])(\d+(?:\.\d+)?)[eE]\+?(\d{2})(?![0-9])")


def budgets_in_names(names: np.ndarray) -> np.ndarray:
    """The nominal compute budget each run name carries (NaN where none):
    ``isoflop-6e+19-d1024`` -> 6e19; names with two such numbers are left alone."""
    unique, inverse = np.unique(np.asarray(names, dtype=str), return_inverse=True)
    out = np.full(len(unique), np.nan)
    for i, name in enumerate(unique):
        found = [float(f"{m[0]}e{m[1]}") for m in _BUDGET_IN_NAME.findall(name)]
        found = [f for f in found if f >= 1e15]
        if len(found) == 1:
            out[i] = found[0]
    return out[inverse]


def _last_key(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", re.split(r"[/.]", key)[-1].lower())


def _config_number(config: Mapping[str, Any], names: set[str]) -> tuple[float, str] | None:
    for key, value in config.items():
        if _last_key(str(key)) in names:
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue
            if np.isfinite(number) and number > 0:
                return number, str(key)
    return None


def params_from_config(
    config: Mapping[str, Any], *, count_embeddings: bool
) -> tuple[float, str] | None:
    """Parameters counted from layers, width (and vocabulary) in a run's config, with the source."""
    layers = _config_number(config, _LAYERS)
    width = _config_number(config, _WIDTH)
    if layers is None or width is None:
        return None
    ff = _config_number(config, _FF)
    shape = TransformerShape(
        n_layer=int(layers[0]), d_model=int(width[0]), d_ff=int(ff[0]) if ff else None
    )
    n = shape.non_embedding_params()
    what = f"{layers[1]}={layers[0]:g}, {width[1]}={width[0]:g}"
    counted = "12·L·d²"
    if str(config.get("model_type", "")).lower() == "gpt2":
        # GPT-2's blocks tensor by tensor, as the Trainer's total_flos counts N (its
        # num_parameters(exclude_embeddings=True)): per block two layer norms (2·2d), attention
        # (4d² + 4d), MLP (2·d·d_ff + d_ff + d); then the final layer norm (2d). 12·L·d² alone
        # was 2.4% under the 56,640 of the real-logs' d=48, L=2 run.
        d, blocks = int(width[0]), int(layers[0])
        inner = int(ff[0]) if ff else 4 * d
        n = float(blocks * (4 * d * d + 2 * d * inner + inner + 9 * d) + 2 * d)
        counted = "GPT-2 blocks counted tensor by tensor (12·L·d² with biases and layer norms)"
    vocab = _config_number(config, _VOCAB)
    if count_embeddings and vocab is not None:
        tied = any(
            _last_key(str(k)) in _TIED and str(v).lower() in ("true", "1")
            for k, v in config.items()
        )
        n += vocab[0] * width[0] * (1 if tied else 2)
        what += f", {vocab[1]}={vocab[0]:g}" + (" (tied)" if tied else "")
        return n, f"config ({what}): {counted} + {'' if tied else '2·'}V·d"
    note = (
        ""
        if count_embeddings
        else "; embeddings not counted, as Kaplan et al. 2020 sec. 2.1 count N"
    )
    if count_embeddings and vocab is None:
        note = "; no vocabulary size, so embeddings not counted"
    return n, f"config ({what}): {counted} non-embedding{note}"


def tokens_per_step_from_config(config: Mapping[str, Any]) -> tuple[float, str] | None:
    """Batch size × sequence length from a run's config."""
    batch = _config_number(config, _BATCH)
    seq = _config_number(config, _SEQ)
    if batch is None or seq is None:
        return None
    return batch[0] * seq[0], f"config {batch[1]} × {seq[1]} ({batch[0]:g} × {seq[0]:g})"


def _full_run_name(name: str, runs: list[str], where: str) -> str:
    """A per-run table's run as the read names it: itself, or the one run whose path ends in it
    (``version_0`` for Lightning's ``lightning_logs/version_0``); several such runs are an error
    naming them."""
    if name in runs:
        return name
    ends = [r for r in runs if r.rsplit("/", 1)[-1] == name or r.endswith("/" + name)]
    if len(ends) > 1:
        raise RunLogError(
            f"{where}: run {name!r} could be any of {_list_headers(sorted(ends), 5)}; give the "
            "full name"
        )
    return ends[0] if ends else name


def read_runs_meta(
    source: str | bytes | pd.DataFrame, runs: list[str] | None = None
) -> pd.DataFrame:
    """A per-run table (``run`` plus any of params, tokens, tokens_per_step; ``1.28B`` allowed).

    Unknown columns, runs that are not in ``runs`` and unreadable numbers are errors naming them.
    """
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
        where = "per-run table"
    else:
        import io

        where = "runs-meta" if isinstance(source, bytes) else repr(str(source))
        try:
            frame = pd.read_csv(
                io.BytesIO(source) if isinstance(source, bytes) else source,
                dtype=str,
                keep_default_na=False,
                sep=None,
                engine="python",
            )
        except (OSError, pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
            raise RunLogError(f"cannot read the per-run table {where}: {exc}") from exc
    frame.columns = [str(c).strip().lower().replace("-", "_") for c in frame.columns]
    frame = frame.rename(columns={"n_params": "params", "n_tokens": "tokens", "name": "run"})
    if "run" not in frame.columns:
        raise RunLogError(
            f"{where}: needs a 'run' column; columns are {_list_headers(list(frame.columns))}"
        )
    extra = [
        c for c in frame.columns if c not in ("run", *META_COLUMNS, "source", "needs", "final_loss")
    ]
    if extra:
        raise RunLogError(
            f"{where}: unknown column {extra[0]!r}; use run, {', '.join(META_COLUMNS)}"
        )
    out = pd.DataFrame({"run": frame["run"].astype(str).str.strip()})
    for column in META_COLUMNS:
        values = np.full(len(frame), np.nan)
        if column in frame.columns:
            raw = frame[column].astype(object).where(frame[column].notna(), "")
            parsed = _parse_number_series(pd.Series(raw.astype(str).to_numpy(), dtype=object))
            bad = parsed.unparsed | (~parsed.missing & ~(parsed.values > 0))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise RunLogError(
                    f"{where}: row {i + 2}, {column} {_show(raw.iloc[i])!r} is not a positive number"
                )
            values = np.where(parsed.missing, np.nan, parsed.values)
        out[column] = values
    if runs is not None:
        out["run"] = [_full_run_name(name, runs, where) for name in out["run"]]
        unknown = sorted(set(out["run"]) - set(runs))
        if unknown:
            raise RunLogError(
                f"{where}: run {unknown[0]!r} is not among the runs read; runs are "
                f"{_list_headers(sorted(runs), 15)}"
            )
    return out.drop_duplicates("run", keep="last").reset_index(drop=True)
