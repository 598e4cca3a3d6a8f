"""Column roles: header synonyms for run, params, tokens, compute, step, loss and the optional
hyperparameters, units in headers such as ``Params (M)``, and the choice of one column per role.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from scaling_core.runs.numbers import _HEADER_UNIT, _UNIT_SCALES, _parse_number_series
from scaling_core.runs.report import _show

_OPTIONAL_NUMERIC = ("batch_size", "batch_tokens", "seq_len", "learning_rate", "n_layer", "d_model")

# Normalised header (lower case, letters and digits only) -> (role, preference);
# a lower preference number wins when several headers could play one role.
_SYNONYMS: dict[str, tuple[str, int]] = {}


def _add_synonyms(role: str, names_by_preference: Sequence[Sequence[str]]) -> None:
    for preference, names in enumerate(names_by_preference):
        for name in names:
            _SYNONYMS[name] = (role, preference)


_add_synonyms(
    "n_params",
    [
        [
            "params",
            "nparams",
            "n",
            "numparams",
            "parameters",
            "modelsize",
            "nparameters",
            "numparameters",
            "paramcount",
            "totalparams",
        ],
        ["nonembeddingparams", "nonembeddingparameters", "nparamsnonembedding", "nonembparams"],
    ],
)
_add_synonyms(
    "n_tokens",
    [
        [
            "tokens",
            "d",
            "ntokens",
            "trainingtokens",
            "traintokens",
            "tokensseen",
            "numtokens",
            "data",
            "totaltokens",
            "tokenstrained",
            "trainedtokens",
            "datasize",
            "dtokens",
        ]
    ],
)
_add_synonyms(
    "compute_flops",
    [
        [
            "flops",
            "compute",
            "c",
            "trainingflop",
            "trainingflops",
            "trainflops",
            "computeflops",
            "flop",
            "totalflops",
            "trainingcompute",
            "flopsbudget",
            "flopbudget",
            "computebudget",
        ]
    ],
)
_add_synonyms(
    "loss",
    [
        [
            "valloss",
            "validloss",
            "validationloss",
            "evalloss",
            "finalvalloss",
            "vallossfinal",
            "evallossfinal",
            "finalevalloss",
        ],
        ["testloss"],
        ["loss", "finalloss", "lossfinal"],
        ["trainloss", "trainingloss", "finaltrainloss"],
    ],
)
_add_synonyms(
    "run",
    [
        ["run", "runid", "runname"],
        ["name", "id"],
        ["experiment", "experimentname"],
        ["model", "modelname"],
    ],
)
_add_synonyms("step", [["step", "globalstep", "iteration", "iter", "steps", "trainerglobalstep"]])
_add_synonyms(
    "batch_tokens", [["batchtokens", "tokensperbatch", "batchsizetokens", "tokensperstep"]]
)
_add_synonyms("batch_size", [["batchsize", "bs"]])
_add_synonyms(
    "seq_len",
    [["seqlen", "sequencelength", "contextlength", "nctx", "blocksize", "ctxlen", "contextlen"]],
)
_add_synonyms("learning_rate", [["lr", "learningrate"], ["maxlr", "peaklr"]])
_add_synonyms("n_layer", [["nlayer", "nlayers", "layers", "depth", "numlayers"]])
_add_synonyms("d_model", [["dmodel", "width", "hiddensize", "nembd"]])


def _split_header(header: str) -> tuple[str, float, str]:
    """Normalised name, unit scale and unit text of a header like ``Params (M)``."""
    name, unit = header.strip(), ""
    match = _HEADER_UNIT.match(name)
    if match and match.group(1).strip():
        name, unit = match.group(1), match.group(2).strip()
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    scale = 1.0
    if unit:
        unit_key = re.sub(r"[^a-z0-9%]", "", unit.lower())
        first_word = re.split(r"[\s\-_]+", unit.lower().strip())[0]
        numeric = re.fullmatch(r"(?:x|×)?\s*(1e[+-]?\d+|10\^[+-]?\d+)", unit.lower().strip())
        if unit_key in _UNIT_SCALES:
            scale = _UNIT_SCALES[unit_key]
        elif numeric:
            scale = float(numeric.group(1).replace("10^", "1e"))
        elif first_word in _UNIT_SCALES and first_word not in ("%",):
            scale = _UNIT_SCALES[first_word]
    return key, scale, unit


@dataclass
class _Column:
    index: int
    header: str
    role: str
    scale: float
    unit: str


def _text_only(index: int, sample_rows: Sequence[Sequence[str]]) -> bool:
    """Whether the sample has values in column ``index`` and none of them is a number."""
    cells = pd.Series(
        [row[index] for row in sample_rows if index < len(row) and row[index].strip()]
    )
    if cells.empty:
        return False
    return bool(_parse_number_series(cells.astype(str)).unparsed.all())


def _resolve_columns(
    headers: list[str], notes: list[str], sample_rows: Sequence[Sequence[str]] = ()
) -> tuple[dict[str, _Column], list[int]]:
    """Pick one column per role; return the chosen columns and the unused indices.

    With ``sample_rows`` (the first data rows as text), a name match for a numeric role whose
    sampled values are all text is passed over while another candidate remains: Porian et
    al.'s file has ``param_count`` (kaplan, standard, …) beside ``N``.
    """
    seen: dict[str, int] = {}
    for i, header in enumerate(headers):
        if header in seen:
            notes.append(
                f"header {_show(header)!r} appears more than once (columns {seen[header] + 1} "
                f"and {i + 1}); used the first"
            )
        else:
            seen[header] = i
    candidates: dict[str, list[tuple[int, int, _Column]]] = {}
    for i, header in enumerate(headers):
        if seen.get(header) != i:
            continue
        key, scale, unit = _split_header(header)
        if key in _SYNONYMS:
            role, preference = _SYNONYMS[key]
            column = _Column(i, header, role, scale, unit)
            candidates.setdefault(role, []).append((preference, i, column))
    chosen: dict[str, _Column] = {}
    for role, options in candidates.items():
        options.sort(key=lambda item: (item[0], item[1]))
        if role != "run" and sample_rows and len(options) > 1:
            numeric = [o for o in options if not _text_only(o[1], sample_rows)]
            for passed in (o for o in options if o not in numeric):
                i = passed[1]  # the first sampled row may be short: show the first that has it
                example = next(r[i] for r in sample_rows if i < len(r) and r[i].strip())
                notes.append(
                    f"column {_show(passed[2].header)!r} is named like {role} but holds text "
                    f"(e.g. {_show(example)!r}); not used as {role}"
                )
            options = numeric or options
        chosen[role] = options[0][2]
        if len(options) > 1:
            others = ", ".join(repr(_show(o[2].header)) for o in options[1:])
            held_out = role == "loss" and options[0][0] <= 1
            why = " (held-out loss preferred)" if held_out else ""
            notes.append(
                f"several columns could be {role}: used {_show(chosen[role].header)!r}{why}; "
                f"not used: {others}"
            )
    used = {c.index for c in chosen.values()}
    unused = [i for i in range(len(headers)) if i not in used]
    return chosen, unused
