"""Hostile uploads, generated on demand (tests/test_hostile.py and benchmarks/bench_load.py).

Each function returns the bytes of one file a visitor of a public demo might upload; the two
files of issue 9 are `finished_runs_csv` (250,000 rows, 13.7 MB) and `wide_csv` (20,000
columns × 5 rows, about 330 KB).  Losses follow Hoffmann et al. 2022's eq. 10 constants.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd


def finished_runs_frame(n_rows: int, seed: int = 0) -> pd.DataFrame:
    """Finished runs: run, params, tokens, flops, loss, with 1% multiplicative noise on loss."""
    rng = np.random.default_rng(seed)
    n_params = 10 ** rng.uniform(7, 10, n_rows)
    n_tokens = 10 ** rng.uniform(9, 12, n_rows)
    loss = (1.69 + 406.4 / n_params**0.34 + 410.7 / n_tokens**0.28) * np.exp(
        rng.normal(0, 0.01, n_rows)
    )
    return pd.DataFrame(
        {
            "run": [f"r{i}" for i in range(n_rows)],
            "params": n_params,
            "tokens": n_tokens,
            "flops": 6 * n_params * n_tokens,
            "loss": loss,
        }
    )


def finished_runs_csv(n_rows: int = 250_000, seed: int = 0) -> bytes:
    """The finished-runs CSV (250,000 rows: 13.7 MB)."""
    buffer = io.StringIO()
    finished_runs_frame(n_rows, seed).to_csv(buffer, index=False, float_format="%.6g")
    return buffer.getvalue().encode()


def wide_csv(n_columns: int = 20_000, n_rows: int = 5) -> bytes:
    """A header of ``n_columns`` columns (params, tokens, loss, then fillers) and ``n_rows`` rows."""
    header = ["params", "tokens", "loss"] + [f"metric_{i}" for i in range(n_columns - 3)]
    lines = [",".join(header)]
    for r in range(n_rows):
        cells = [f"{1e8 * (r + 1):g}", f"{2e9 * (r + 1):g}", f"{3 / (1 + 0.01 * r):.6g}"]
        lines.append(",".join(cells + ["1"] * (n_columns - 3)))
    return ("\n".join(lines) + "\n").encode()


def curves_csv(n_rows: int = 1_000_000, n_runs: int = 100, seed: int = 0) -> bytes:
    """Learning curves: run, step, tokens, params, loss; ``n_rows`` logged points in all."""
    rng = np.random.default_rng(seed)
    steps = n_rows // n_runs
    run = np.repeat(np.arange(n_runs), steps)
    step = np.tile(np.arange(1, steps + 1), n_runs)
    n_params = np.repeat(10 ** rng.uniform(7, 9.5, n_runs), steps)
    tokens = step * 65_536.0
    loss = 1.69 + 406.4 / n_params**0.34 + 410.7 / tokens**0.28
    frame = pd.DataFrame(
        {"run": run, "step": step, "tokens": tokens, "params": n_params, "loss": loss}
    )
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, float_format="%.6g")
    return buffer.getvalue().encode()


def one_huge_cell_csv(cell_bytes: int = 10 * 1024 * 1024) -> bytes:
    """Nine runs (a 3 × 3 grid of N and D) and a ``note`` column whose first cell is
    ``cell_bytes`` long."""
    rows = ["params,tokens,loss,note"]
    for i, (n, d) in enumerate((n, d) for n in (1e8, 3e8, 1e9) for d in (2e9, 6e9, 2e10)):
        loss = 1.69 + 406.4 / n**0.34 + 410.7 / d**0.28
        rows.append(f"{n:g},{d:g},{loss:.5f},{'x' * cell_bytes if i == 0 else 'ok'}")
    return ("\n".join(rows) + "\n").encode()


def nested_quotes_csv(depth: int = 200_000) -> bytes:
    """A run name of ``depth`` doubled quotes inside quotes, and one unterminated quote."""
    name = '"' + '""' * depth + '"'
    rows = [
        "run,params,tokens,loss",
        f"{name},1e8,2e9,3.1",
        "b,2e8,4e9,2.9",
        "c,4e8,8e9,2.7",
        '"unterminated,8e8,1.6e10,2.5',
    ]
    return ("\n".join(rows) + "\n").encode()


def odd_numbers_csv() -> bytes:
    """Numbers at the edges of float parsing: 1e400 (overflows), -0, 1e-400, NaN, inf."""
    rows = [
        "run,params,tokens,loss",
        "a,1e8,2e9,3.1",
        "b,1e400,4e9,2.9",
        "c,-0,8e9,2.7",
        "d,4e8,1e-400,2.6",
        "e,8e8,1.6e10,NaN",
        "f,1.6e9,3.2e10,inf",
        "g,3.2e9,6.4e10,2.3",
        "h,6.4e9,1.28e11,2.2",
    ]
    return ("\n".join(rows) + "\n").encode()


def mixed_encodings_csv() -> bytes:
    """UTF-8 rows with one Latin-1 run name and a UTF-16 fragment in another."""
    head = b"run,params,tokens,loss\n"
    utf8 = "α-run,1e8,2e9,3.1\n".encode()
    latin1 = "café,2e8,4e9,2.9\n".encode("latin-1")
    utf16 = "x,4e8,8e9,2.7\n".encode("utf-16-le")
    tail = b"d,8e8,1.6e10,2.5\n"
    return head + utf8 + latin1 + utf16 + tail


def members_zip(n_members: int = 500, member_bytes: int = 1 << 20) -> bytes:
    """Issue 19's zip: ``n_members`` CSVs of ``member_bytes`` identical rows each (75,000-87,000
    rows a member), which compress about 500x: 500 MiB of tables in about 1 MB."""
    import zipfile

    row = b"1e8,2e9,3.1\n"
    header = b"params,tokens,loss\n"
    member = header + row * ((member_bytes - len(header)) // len(row))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for i in range(n_members):
            archive.writestr(f"runs_{i:03d}.csv", member)
    return buffer.getvalue()


def rows_zip(n_members: int = 15, rows_per_member: int = 20_000) -> bytes:
    """Members small enough to pass the expansion-ratio check (about 240 KB each) whose rows
    together pass the rows of one upload: 15 x 20,000 = 300,000 rows."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(n_members):
            lines = ["params,tokens,loss"] + [
                f"{1e8 + j},{2e9 + i},{3.1 + j * 1e-7:.7f}" for j in range(rows_per_member)
            ]
            archive.writestr(f"part_{i:02d}.csv", "\n".join(lines) + "\n")
    return buffer.getvalue()


def nested_json(depth: int, lines: bool = False) -> bytes:
    """A JSON document (or one JSON Lines record) holding a loss ``depth`` levels deep."""
    text = '{"a": ' * (depth - 1) + '{"loss": 3.1}' + "}" * (depth - 1)
    return (text + "\n").encode() if lines else text.encode()


def long_number_json(digits: int) -> bytes:
    """Runs as JSON records, the first with a params value of ``digits`` digits."""
    return (
        '[{"params": ' + "1" * digits + ', "tokens": 2e9, "loss": 3.1},'
        ' {"params": 2e8, "tokens": 4e9, "loss": 2.9}]'
    ).encode()
