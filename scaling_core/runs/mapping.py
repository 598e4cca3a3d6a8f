"""Which column plays which role, guessed from the headers and overridable by the user.

Roles (the words of the CLI's ``--column ROLE=NAME``): ``run``, ``params``, ``tokens``,
``compute``, ``step``, ``tokens_per_step`` (batch × sequence length) and ``loss``. Tracker
exports name them in many ways (``parameter_count``, ``params_active_precise``,
``throughput/total_tokens``, ``num_input_tokens_seen``, ``eval/c4_en-validation/CrossEntropyLoss``,
``eval_loss``, ``final_loss``, ...); a header matches a role by its whole name or by its last
``/``- or ``.``-separated part, so nested and namespaced keys are recognised. Several columns can
look like a loss (one per validation set): all are listed as candidates, held-out ones first.
Perplexity columns (``ppl``, ``perplexity``) are offered as loss = log(ppl), the cross-entropy
in nats whose exponential perplexity is.

Losses that are items of one JSON list (``results.0.loss`` ... ``results.7.loss`` in Gadre et
al. 2024's run files, arXiv:2403.08540) are labelled with the evaluation set each item names
(`scaling_core.runs.json_logs.list_item_sets`).  When they tie as the best guess and each says
how many tokens it evaluated, the largest set is preferred: its loss has the least sampling
noise.  For Gadre et al.'s files that is C4 eval (``c4_val``, 174M tokens against at most 10M
for the seven others), the validation loss of the paper's Table 2 fits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scaling_core.runs.json_logs import ItemSet, list_item_sets
from scaling_core.runs.logscale import named_log, strip_log
from scaling_core.runs.numbers import _HEADER_UNIT, _parse_number_series
from scaling_core.runs.report import RunLogError, _list_headers, _show
from scaling_core.runs.roles import _SYNONYMS, _split_header

#: Role names, in the order they are shown.
ROLES = ("run", "params", "tokens", "compute", "step", "tokens_per_step", "loss")
#: The run role's value when runs are named after their file (or folder).
FROM_FILE = "(file name)"
#: Columns the reader adds to every table (never offered for a numeric role).
INTERNAL = ("__run__", "__source__", "__line__", "__format__")

_OLD_ROLE = {
    "n_params": "params",
    "n_tokens": "tokens",
    "compute_flops": "compute",
    "step": "step",
    "loss": "loss",
    "run": "run",
    "batch_tokens": "tokens_per_step",
}

# Normalised names (lower case letters and digits) -> (role, preference), beyond roles.py's.
_EXTRA: dict[str, tuple[str, int]] = {}


def _add(role: str, preference: int, names: Iterable[str]) -> None:
    for name in names:
        _EXTRA[name] = (role, preference)


_add(
    "params",
    0,
    [
        "parametercount",
        "paramsactiveprecise",
        "paramsactive",
        "activeparams",
        "numparams",
        "nparams",
        "modelparams",
        "numparameters",
        "totalparameters",
        "paramstotal",
        "modelnumparams",
        "numparametersprecise",
    ],
)
_add("params", 1, ["paramsnoembed", "paramsnonembedding", "nonembeddingparamcount"])
# Routed (mixture-of-experts) models: the parameters one token passes through are the N of a
# Chinchilla-form law (Clark et al. 2022's "dense parameter count" N beside the total P,
# google-deepmind/scaling_laws_for_routing); the total, experts included, only when alone.
_add("params", 0, ["denseparametercount", "activeparametercount", "activeparamcount"])
_add("params", 2, ["totalparametercount", "totalparamcount"])
_add(
    "tokens",
    0,
    [
        "totaltokens",
        "numinputtokensseen",
        "inputtokensseen",
        "tokensseen",
        "consumedtokens",
        "ntokens",
        "tokens",
        "trainedtokens",
        "cumulativetokens",
        "dtokens",
        "numtoken",
        "tokennum",
        "tokencount",
        "tokenct",
    ],
)
_add(
    "tokens_per_step",
    0,
    [
        "batchsizeintokens",
        "tokensperstep",
        "tokensperiter",
        "tokensperiteration",
        "globalbatchtokens",
        "batchtokens",
        "tokensperbatch",
    ],
)
_add("step", 0, ["step", "globalstep", "trainerglobalstep", "iteration", "iter", "steps"])
_add("compute", 0, ["totalflops", "trainingflops", "flops", "computeflops", "totalflos"])
# compute in other units (converted by `compute_unit`), and nominal budgets (IsoFLOP sweeps
# name each run's budget: apple/ml-scalefit's Chinchilla points, Marin's W&B exports)
_add(
    "compute",
    1,
    [
        "totalgflops",
        "totaltraininggflops",
        "traininggflops",
        "gflops",
        "tflops",
        "totaltflops",
        "pflops",
        "totalpflops",
        "gigaflops",
        "totalgigaflops",
        "teraflops",
        "totalteraflops",
        "petaflops",
        "totalpetaflops",
        "pfdays",
        "computepfdays",
        "petaflopdays",
        "budget",
        "nominalbudget",
        "isoflopbudget",
        "computebudgetflops",
    ],
)
_add("run", 0, ["run", "runid", "runname", "name", "experimentname"])
# the id of one setting of a sweep (a hyperparameter setting, a trial, a config) names a run
_add("run", 1, ["hyperid", "trialid", "configid", "experimentid", "sweeprunid"])
_add(
    "loss",
    0,
    [
        "crossentropyloss",
        "evalloss",
        "valloss",
        "validloss",
        "validationloss",
        "finalvalloss",
        "lossc4val",
        "c4loss",
    ],
)
_add("loss", 1, ["testloss"])
_add("loss", 2, ["loss", "finalloss", "lmloss"])
_add("loss", 3, ["trainloss", "trainingloss"])

_HELD_OUT = re.compile(r"(^|[^a-z])(val|valid|validation|eval|test|heldout)([^a-z]|$)", re.I)
_PERPLEXITY = re.compile(r"(^|[^a-z])(ppl|perplexity)([^a-z]|$)", re.I)
_NOT_A_LOSS = re.compile(
    r"(bpb|bits?_?per|acc|scale|_min$|_max$|__min$|__max$|lower|upper|std|(^|[^a-z])z_?loss)",
    re.I,
)  # z_loss: the auxiliary logit penalty (or its coefficient), not a cross-entropy


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _parts(header: str) -> list[str]:
    return [p for p in re.split(r"[/.]", header) if p.strip()]


def _role_of(header: str) -> tuple[str, int] | None:
    """(role, rank) a header suggests; lower rank is a better match.  A unit in brackets
    (``Params (M)``, ``C (PF-days)``) is set aside first."""
    match = _HEADER_UNIT.match(header.strip())
    if match and match.group(1).strip():
        return _role_of_name(match.group(1).strip()) or _role_of_name(header)
    return _role_of_name(header)


def header_scale(header: str) -> tuple[float, str]:
    """The scale a header's bracketed unit gives its values (``Tokens (B)``: 1e9) and the
    unit's text; (1.0, "") without one."""
    _, scale, unit = _split_header(header)
    return scale, unit


def _role_of_name(header: str) -> tuple[str, int] | None:
    key = _key(header)
    depth = len(_parts(header))
    hits: list[tuple[str, int]] = []
    if key in _EXTRA:
        hits.append((_EXTRA[key][0], _EXTRA[key][1] * 10))
    if key in _SYNONYMS and _SYNONYMS[key][0] in _OLD_ROLE:
        role = _OLD_ROLE[_SYNONYMS[key][0]]
        hits.append((role, _SYNONYMS[key][1] * 10 + 1))
    parts = _parts(header)
    if len(parts) > 1:
        last = _key(parts[-1])
        if last in _EXTRA:
            hits.append((_EXTRA[last][0], _EXTRA[last][1] * 10 + 2 + depth))
        elif last in _SYNONYMS and _SYNONYMS[last][0] in _OLD_ROLE:
            hits.append((_OLD_ROLE[_SYNONYMS[last][0]], _SYNONYMS[last][1] * 10 + 3 + depth))
    if not hits:
        return _role_of_log(header, key)
    return min(hits, key=lambda h: h[1])


def _role_of_log(header: str, key: str) -> tuple[str, int] | None:
    """The count role of a header that names the log of a count (``log10_tokens``,
    ``log_flops``): its values are raised to counts by `scaling_core.runs.logscale`."""
    stripped = strip_log(key)
    if stripped is None or not named_log(header):
        return None
    hit = _role_of_name(stripped)
    return hit if hit and hit[0] in ("params", "tokens", "compute") else None


def _numeric_share(values: pd.Series) -> float:
    """Share of non-blank values (of a sample) that read as numbers."""
    sample = values.dropna()
    if sample.empty:
        return 0.0
    sample = sample.iloc[:: max(1, len(sample) // 200)][:200]
    if pd.api.types.is_numeric_dtype(sample.dtype) and not pd.api.types.is_bool_dtype(sample.dtype):
        return 1.0
    parsed = _parse_number_series(sample.astype("str").reset_index(drop=True))
    ok = ~parsed.missing & ~parsed.unparsed
    return float(ok.mean()) if len(ok) else 0.0


@dataclass
class RoleMapping:
    """One column per role (or none), the candidates for each, and how each was chosen.

    ``columns[role]`` is a header, `FROM_FILE` for the run role, or ``None``.
    ``candidates[role]`` lists every header that could play the role, best first.
    ``perplexity`` holds the loss candidates that are perplexities (read as log(ppl)).
    ``given`` holds the roles the user set.  ``labels`` says which evaluation set a loss
    candidate is (``results.1.loss``: ``c4_val, 174,077,952 tokens``); ``reasons`` why a role's
    guess was preferred over equally named columns.
    """

    columns: dict[str, str | None]
    candidates: dict[str, list[str]]
    perplexity: set[str] = field(default_factory=set)
    given: set[str] = field(default_factory=set)
    labels: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)

    def shown(self, header: str) -> str:
        """A candidate with its label: ``results.1.loss (c4_val, 174,077,952 tokens)``."""
        label = self.labels.get(header)
        return f"{header} ({label})" if label else header

    @property
    def loss_is_perplexity(self) -> bool:
        """Whether the chosen loss column is a perplexity (loss = log of it)."""
        return self.columns.get("loss") in self.perplexity

    def describe(self) -> list[str]:
        """One line per role: its column and whether it was guessed or given."""
        lines = []
        for role in ROLES:
            column = self.columns.get(role)
            how = "given" if role in self.given else "guessed"
            if column is None:
                lines.append(f"{role}: (none)")
                continue
            shown = "run names from file names" if column == FROM_FILE else repr(column)
            extra = (
                " (perplexity: loss = log(ppl))"
                if role == "loss" and self.loss_is_perplexity
                else ""
            )
            if column in self.labels:
                extra += f" ({self.labels[column]})"
            if role in self.reasons and role not in self.given:
                extra += f": {self.reasons[role]}"
            lines.append(f"{role}: {shown} [{how}]{extra}")
        return lines


def guess_roles(frame: pd.DataFrame, *, has_file_runs: bool = True) -> RoleMapping:
    """Guess a column for each role from ``frame``'s headers and values."""
    headers = [str(c) for c in frame.columns if c not in INTERNAL]
    ranked: dict[str, list[tuple[int, int, str]]] = {role: [] for role in ROLES}
    perplexity: set[str] = set()
    numeric_cache: dict[str, float] = {}

    def numeric(header: str) -> float:
        if header not in numeric_cache:
            numeric_cache[header] = _numeric_share(frame[header])
        return numeric_cache[header]

    for position, header in enumerate(headers):
        hit = _role_of(header)
        if _PERPLEXITY.search(header) and not _NOT_A_LOSS.search(header):
            if numeric(header) > 0.5:
                perplexity.add(header)
                ranked["loss"].append((60, position, header))
            continue
        if hit is None:
            lossy = re.search(r"loss|nll", header, re.I) and not _NOT_A_LOSS.search(header)
            if lossy and numeric(header) > 0.5:
                held = 45 if _HELD_OUT.search(header) else 55
                ranked["loss"].append((held, position, header))
            continue
        role, rank = hit
        if role == "loss":
            if _NOT_A_LOSS.search(header):
                continue
            if _HELD_OUT.search(header) and rank >= 20:
                rank -= 15  # "eval/loss" before "train/loss"
        if role == "run":
            # numbers rarely name runs, except in a column named as an id (hyper_id, run_id)
            numbers = numeric(header) > 0.99 and not pd.api.types.is_object_dtype(
                frame[header].dtype
            )
            if numbers and not _key(header).endswith("id"):
                continue
        elif numeric(header) <= 0.5:
            if not (rank % 10 <= 1 and role in ("params", "tokens", "loss")):
                continue
            rank += 100  # named exactly for its role but not numbers: last resort, so that
            # validation names the bad cells instead of the column being ignored
        ranked[role].append((rank, position, header))
    sets = list_item_sets(frame, [h for _, _, h in ranked["loss"]])
    reasons: dict[str, str] = {}
    ranked["loss"], why = _largest_set_first(ranked["loss"], sets)
    if why:
        reasons["loss"] = why
    columns: dict[str, str | None] = {}
    candidates: dict[str, list[str]] = {}
    for role in ROLES:
        options = [h for _, _, h in sorted(ranked[role])]
        candidates[role] = options
        columns[role] = options[0] if options else None
    if columns["run"] is None and has_file_runs:
        columns["run"] = FROM_FILE
    candidates["run"] = [*candidates["run"], FROM_FILE] if has_file_runs else candidates["run"]
    if columns["loss"] in perplexity and len(candidates["loss"]) > 1:
        # a cross-entropy column before a perplexity; only perplexities: the first of them
        columns["loss"] = next(
            (c for c in candidates["loss"] if c not in perplexity), columns["loss"]
        )
    labels = {h: s.label for h, s in sets.items()}
    return RoleMapping(columns, candidates, perplexity, labels=labels, reasons=reasons)


def _largest_set_first(
    ranked: list[tuple[int, int, str]], sets: Mapping[str, ItemSet]
) -> tuple[list[tuple[int, int, str]], str]:
    """Loss candidates tied for the best rank that are items of one list, each naming its
    evaluation set and its token count, reordered largest set first; and why (or "")."""
    if not ranked:
        return ranked, ""
    best = min(rank for rank, _, _ in ranked)
    tied = [item for item in ranked if item[0] == best]
    known = [sets.get(h) for _, _, h in tied]
    if len(tied) < 2 or any(s is None or not np.isfinite(s.tokens) for s in known):
        return ranked, ""
    lists = {s.field.rsplit(".", 2)[0] for s in known if s is not None}
    if len(lists) != 1:
        return ranked, ""
    order = sorted(range(len(tied)), key=lambda k: -known[k].tokens)  # type: ignore[union-attr]
    top, runner_up = known[order[0]], known[order[1]]
    if top is None or runner_up is None or top.tokens <= runner_up.tokens:
        return ranked, ""
    first = tied[order[0]]
    moved = [(first[0], -1, first[2]), *(item for item in ranked if item is not first)]
    why = (
        f"the largest of the {len(tied)} evaluation sets in {lists.pop()}.* (next: "
        f"{runner_up.name}, {runner_up.tokens:,.0f} tokens), so the least noisy loss"
    )
    return moved, why


def parse_column_flags(flags: Sequence[str]) -> dict[str, str]:
    """``["loss=eval/x", "params=N"]`` -> ``{"loss": "eval/x", "params": "N"}``; unknown roles refused."""
    out: dict[str, str] = {}
    for flag in flags:
        role, sep, name = flag.partition("=")
        role = role.strip().replace("-", "_")
        if not sep or not role:
            raise RunLogError(f"--column takes ROLE=NAME, got {_show(flag, 80)!r}")
        if role not in ROLES:
            raise RunLogError(f"unknown role {role!r} in --column; roles are: {', '.join(ROLES)}")
        out[role] = name.strip()
    return out


def apply_overrides(
    mapping: RoleMapping, overrides: Mapping[str, str | None], headers: Sequence[str]
) -> RoleMapping:
    """A copy of ``mapping`` with the user's choices; a name that is not a column is an error
    naming the columns that exist. ``None`` or ``""`` (or ``"none"``) clears a role."""
    columns = dict(mapping.columns)
    given = set(mapping.given)
    available = [h for h in headers if h not in INTERNAL]
    for role, name in overrides.items():
        if role not in ROLES:
            raise RunLogError(f"unknown role {role!r}; roles are: {', '.join(ROLES)}")
        if name is None or name == "" or name.lower() == "none":
            columns[role] = None
        elif role == "run" and name == FROM_FILE:
            columns[role] = FROM_FILE
        elif name not in available:
            close = [h for h in available if _key(name) and _key(name) in _key(h)]
            hint = f"; did you mean {_list_headers(close, 5)}" if close else ""
            raise RunLogError(
                f"no column {_show(name, 80)!r} for {role}{hint}; columns are: "
                f"{_list_headers(available, 30)}"
            )
        else:
            columns[role] = name
        given.add(role)
    candidates = {r: list(c) for r, c in mapping.candidates.items()}
    for role, name in columns.items():
        if name is not None and name not in candidates.setdefault(role, []):
            candidates[role].insert(0, name)
    reasons = {r: why for r, why in mapping.reasons.items() if r not in given}
    return RoleMapping(
        columns, candidates, set(mapping.perplexity), given, dict(mapping.labels), reasons
    )


#: Units a compute column's name can carry, as (pattern in the lower-cased name, FLOP per unit,
#: unit): ``total_gflops`` (Marin's W&B exports), ``train_Gflops`` (OLMo), ``C (PF-days)``
#: (Kaplan et al. 2020 count compute in PF-days: 1 PF-day = 1e15 × 86,400 FLOP), the unit
#: spelled out (``throughput/total petaflops``, the OLMo-core ladder's W&B summary).
_COMPUTE_UNITS = (
    (re.compile(r"pf-?s?[_ -]?days?|peta-?flop[_ -]?s?[_ -]?days?"), 8.64e19, "PF-days"),
    (re.compile(r"gflop|giga-?flop"), 1e9, "GFLOP"),
    (re.compile(r"tflop|tera-?flop"), 1e12, "TFLOP"),
    (re.compile(r"(?<![a-z])pflop|peta-?flop"), 1e15, "PFLOP"),
    (re.compile(r"eflop|(?<![a-z])exa-?flop"), 1e18, "EFLOP"),
)


def compute_unit(name: str) -> tuple[float, str] | None:
    """(FLOP per unit, unit) when a compute column's name says its unit, else None (FLOP).

    >>> compute_unit("throughput/total_gflops"), compute_unit("C (PF-days)"), compute_unit("flops")
    ((1000000000.0, 'GFLOP'), (8.64e+19, 'PF-days'), None)
    """
    lower = name.lower()
    for pattern, scale, unit in _COMPUTE_UNITS:
        if pattern.search(lower):
            return scale, unit
    return None


def numeric_column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Values of a column as floats (``1.5B``, quoted thousands read; text becomes NaN)."""
    series = frame[name]
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.to_numpy(dtype=float, na_value=np.nan)
    parsed = _parse_number_series(series.astype("object").reset_index(drop=True))
    values = parsed.values.astype(float).copy()
    values[parsed.missing | parsed.unparsed] = np.nan
    return values
