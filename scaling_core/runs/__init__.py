"""Reading and validating training-run logs.

Layout: ``source`` (bytes to text) and ``delimited`` (CSV/TSV/semicolon cells) read a file;
one module per tracker format (``csv_logs`` with the W&B CSV exports, ``json_logs``,
``hf_trainer``, ``lightning``, ``tensorboard_logs``, ``mlflow_store``; ``archive`` for zips and
folders) returns `raw.RawTable` objects, chosen by ``formats``; ``mapping`` guesses (and takes
overrides of) each column's role; ``meta`` fills per-run params/tokens with their sources;
``collect`` (`read_runs`) combines all that and validates it through `read_run_log`;
``split`` keeps apart runs that share a name, ``factors`` sorts label columns into sweep
columns and run settings;
``roles`` (which column is what) and ``numbers`` (cell parsing) interpret it; ``reader``
(`read_run_log`) validates it into a tidy table with its ``report``; ``curves`` takes snapshots.
Researchers bring CSV/TSV exports from experiment trackers (W&B, TensorBoard,
spreadsheets). :func:`read_run_log` turns such a file into a tidy table with
canonical column names and a :class:`ValidationReport` that says what was read
as what, which rows were dropped (with their line numbers and the reason) and
which values were derived or rescaled.

Two shapes of file are understood:

* **finished runs** -- one row per run: parameters ``N``, tokens ``D`` (or
  training compute ``C``, from which ``D = C / (6 N)``) and the final loss;
* **learning curves** -- one row per logged step of each run; the finished-runs
  table is then the row at the largest token count of each run, and
  :func:`snapshot_losses` reads the loss of every run at chosen compute or
  token budgets (IsoFLOP snapshots).

Training compute, when not given, is the standard estimate ``C = 6 N D`` FLOP.

References
----------
Kaplan et al. (2020), "Scaling Laws for Neural Language Models", arXiv:2001.08361
(the ``C ≈ 6 N D`` estimate). Hoffmann et al. (2022), "Training
Compute-Optimal Large Language Models", arXiv:2203.15556 (IsoFLOP profiles).

Examples
--------
>>> log = read_run_log(b"params,tokens,loss\\n1.5B,30B,2.41\\n300M,6e9,2.9\\n")
>>> log.report.shape, log.report.n_rows_kept
('runs', 2)
>>> float(log.runs.loc[0, "compute_flops"])
2.7e+20
"""

from scaling_core.runs.collect import (
    Loaded,
    RunsRead,
    build_runs,
    load,
    mapping_for,
    melt_loaded,
    read_runs,
)
from scaling_core.runs.curves import snapshot_losses
from scaling_core.runs.formats import SourceSet, read_paths, read_sources
from scaling_core.runs.mapping import (
    FROM_FILE,
    ROLES,
    RoleMapping,
    apply_overrides,
    guess_roles,
    parse_column_flags,
)
from scaling_core.runs.meta import read_runs_meta, size_from_name
from scaling_core.runs.reader import read_run_log
from scaling_core.runs.report import (
    FLOP_PER_PARAM_TOKEN,
    MAX_STORED_DROPPED,
    ColumnMapping,
    DroppedRow,
    RunLog,
    RunLogError,
    ValidationReport,
)

__all__ = [
    "FLOP_PER_PARAM_TOKEN",
    "FROM_FILE",
    "MAX_STORED_DROPPED",
    "ROLES",
    "ColumnMapping",
    "DroppedRow",
    "Loaded",
    "RoleMapping",
    "RunLog",
    "RunLogError",
    "RunsRead",
    "SourceSet",
    "ValidationReport",
    "apply_overrides",
    "build_runs",
    "guess_roles",
    "load",
    "mapping_for",
    "melt_loaded",
    "parse_column_flags",
    "read_paths",
    "read_run_log",
    "read_runs",
    "read_runs_meta",
    "read_sources",
    "size_from_name",
    "snapshot_losses",
]
