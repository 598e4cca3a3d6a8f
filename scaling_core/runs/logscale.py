"""Columns of base-10 logarithms: token counts, FLOP and parameter counts released as log10.

Collections of training trajectories store counts that span many decades as their logarithms:
IBM's ColPret (Choshen et al. 2024, arXiv:2410.11840) keeps OPT's tokens and FLOP as log10
(``num_token`` 9.0 for 10^9 tokens, ``flops`` 17.88 for 7.5e17 FLOP).  Read as counts they
would make a run of nine tokens.  Two rules recognise them, each stated in the reading report:

- By name: a role column whose header says log (``log_flops``, ``log10_tokens``,
  ``log10(params)``, ``tokens_log10``) holds base-10 logs when every value lies in
  (0, `MAX_LOG10`]: no count of tokens, FLOP or parameters passes 10^40.
- By the compute identity, for columns not named so: the tokens and compute columns are both
  base-10 logs when every value of both is at most `MAX_LOG10` (no training run sees 40 tokens
  or does 40 FLOP) and every row satisfies C = 6·N·D in log form,
  compute = log10(6·N) + tokens, within `IDENTITY_DEX` (Kaplan et al. 2020, sec. 2.1).
  Counts in other units (billions of tokens, PF-days) do not satisfy it.

>>> import numpy as np
>>> named_log("log10_tokens"), named_log("log_flops"), named_log("logits"), named_log("flops")
(True, True, False, False)
>>> n = np.array([1.25e8, 1.3e9])
>>> tokens, compute = np.array([9.0, 11.0]), np.log10(6 * n) + np.array([9.0, 11.0])
>>> log_by_identity(n, tokens, compute)
True
>>> log_by_identity(n, tokens, compute + 1.0)  # tenfold off C = 6ND: not logs of it
False
"""

from __future__ import annotations

import re

import numpy as np

#: No count of tokens, FLOP or parameters of a training run reaches 10^40.
MAX_LOG10 = 40.0
#: How far (in decades) a row may sit from C = 6ND for its columns to be read as logs: 0.05
#: decades is 12%, the spread of the 6ND approximation beside exact FLOP counts.
IDENTITY_DEX = 0.05

_LOG_WORD = re.compile(r"(^|[^a-z])log(10)?([^a-z]|$)|^log(10)?(?=[a-z])", re.I)
_NOT_LOG = re.compile(r"^log(its?|ged|ging|s)($|[^a-z])|^logit", re.I)


def named_log(header: str) -> bool:
    """Whether ``header`` says its values are logarithms (``log_``, ``log10``, ``_log10``)."""
    text = header.strip()
    return bool(_LOG_WORD.search(text)) and not _NOT_LOG.search(text)


def strip_log(key: str) -> str | None:
    """A normalised header key (letters and digits) without its log word, or None: the role
    of ``log10tokens`` is that of ``tokens``."""
    for word in ("log10", "log"):
        if key.startswith(word) and len(key) > len(word):
            return key[len(word) :]
        if key.endswith(word) and len(key) > len(word):
            return key[: -len(word)]
    return None


def _finite(values: np.ndarray) -> np.ndarray:
    return values[np.isfinite(values)]


def looks_like_log10(values: np.ndarray) -> bool:
    """Every finite value in (0, `MAX_LOG10`], and at least one."""
    finite = _finite(values)
    return bool(len(finite)) and bool(np.all((finite > 0) & (finite <= MAX_LOG10)))


def log_by_identity(params: np.ndarray, tokens: np.ndarray, compute: np.ndarray) -> bool:
    """Whether tokens and compute are both base-10 logs by C = 6ND (see the module)."""
    if not (looks_like_log10(tokens) and looks_like_log10(compute)):
        return False
    rows = np.isfinite(params) & (params > 0) & np.isfinite(tokens) & np.isfinite(compute)
    if rows.sum() < 2:
        return False
    gap = compute[rows] - (np.log10(6.0 * params[rows]) + tokens[rows])
    return bool(np.all(np.abs(gap) <= IDENTITY_DEX))


def read_log_columns(
    columns: dict[str, str | None], values: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], list[str]]:
    """``values`` (role -> numbers of its column) with base-10-log columns raised to counts,
    and the report's notes saying which and why.  Only params, tokens and compute are judged."""
    out = dict(values)
    notes: list[str] = []
    for role in ("params", "tokens", "compute"):
        header = columns.get(role)
        if not header or not named_log(header):
            continue
        if looks_like_log10(out[role]):
            out[role] = np.power(10.0, out[role])
            notes.append(
                f"{role} column {header!r} holds base-10 logs (its name says so; every value "
                f"is within 0-{MAX_LOG10:g}): read as 10^value"
            )
        else:
            notes.append(
                f"{role} column {header!r} is named like a logarithm but has values outside "
                f"0-{MAX_LOG10:g}: read as counts"
            )
    tokens, compute = columns.get("tokens"), columns.get("compute")
    unnamed = tokens and compute and not named_log(tokens) and not named_log(compute)
    if unnamed and log_by_identity(out["params"], out["tokens"], out["compute"]):
        out["tokens"] = np.power(10.0, out["tokens"])
        out["compute"] = np.power(10.0, out["compute"])
        notes.append(
            f"tokens {tokens!r} and compute {compute!r} hold base-10 logs: every value is at "
            f"most {MAX_LOG10:g} (no run sees only that many tokens or FLOP) and every row has "
            "compute = "
            f"log10(6·N) + tokens within {IDENTITY_DEX:g} decades (C = 6ND): read as 10^value"
        )
    return out, notes
