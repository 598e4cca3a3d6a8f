"""The limits of one read (README, "Limits"), on what an input expands to: each row of the
table is enforced by the command line and by the page's reading step alike, with a message
that names it; the hostile inputs of issue 19 end in exit 2 (CLI) or a message (page), never a
traceback, within the memory they are allowed.

The expected values are the README's numbers written out here, not read from
`scaling_core.runs.limits`, so a changed limit fails until the README and this file agree."""

from __future__ import annotations

import os
import sys
import time
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hostile_files
from test_hostile import _child_peak

from dashboard import fit_mapping as fm
from dashboard import fit_session as fs
from dashboard.layout import RAISE_ENV
from scaling_core.runs import RunLogError
from scaling_core.runs.archive import expanded_size
from scaling_core.runs.formats import read_paths, read_sources
from scaling_core.runs.limits import LIMITS, LIMITS_TABLE, LimitExceeded, Limits, ReadBudget

ROOT = Path(__file__).resolve().parents[1]
MiB = 1024 * 1024
GiB = 1024 * MiB

README_LIMITS = {
    "file_bytes": 50 * MiB,
    "upload_bytes": 100 * MiB,
    "expanded_bytes": 200 * MiB,
    "files": 5_000,
    "member_ratio": 200,
    "rows": 250_000,
    "columns": 2_000,
    "cells": 5_000_000,
    "json_depth": 64,
    "number_chars": 100,
}


def _cli(args: list[str], timeout: float = 120) -> tuple[int, int, str, str]:
    """(exit status, peak RSS of the command in bytes, stdout, stderr)."""
    return _child_peak([sys.executable, "-m", "scaling_core", *args], timeout=timeout)


def _page_read(files: list[tuple[str, bytes]]) -> str:
    """What the fit page's reading step says of these files (its function, in this process)."""
    result = fm.load_or_message(tuple(files))
    assert isinstance(result, str), "expected a refusal"
    return result


def test_limits_are_the_readmes() -> None:
    assert {k: getattr(LIMITS, k) for k in README_LIMITS} == README_LIMITS
    readme = (ROOT / "README.md").read_text()
    for what, value in LIMITS_TABLE:
        assert f"| {what} | {value} |" in readme
    values = [value for _, value in LIMITS_TABLE]
    assert values == [
        "50 MiB", "100 MiB", "200 MiB", "200x", "5,000", "250,000", "250,000", "2,000",
        "5,000,000", "64 levels", "100 characters",
    ]  # fmt: skip


# ---------------------------------------------------------------- issue 19's acceptance (CLI)


def test_members_zip_exits_2_with_the_expanded_limit_named_under_1_5_gb(tmp_path: Path) -> None:
    path = tmp_path / "members.zip"
    path.write_bytes(hostile_files.members_zip())
    assert path.stat().st_size < 1.2 * MiB
    code, rss, out, err = _cli(["read", str(path)])
    assert code == 2 and out == ""
    assert err.startswith("error: members.zip: the files declare more than 200.0 MiB")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert rss < 1.5 * GiB


def test_rows_are_counted_across_archive_members(tmp_path: Path) -> None:
    path = tmp_path / "rows.zip"
    path.write_bytes(hostile_files.rows_zip())  # 15 members of 20,000 rows: 300,000 rows
    code, rss, _out, err = _cli(["fit", str(path)])
    assert code == 2
    assert "the limit is 250,000 rows per upload" in err
    assert "with the files before it" in err  # refused on the running total, not per member
    assert rss < 1.5 * GiB
    # the same on the page's reading step
    message = _page_read([("rows.zip", path.read_bytes())])
    assert "the limit is 250,000 rows per upload" in message


@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        ("deep.jsonl", lambda: b"[" * 100_000 + b"]" * 100_000 + b"\n", "nested more than 64"),
        ("deep.json", lambda: b"[" * 100_000 + b"]" * 100_000, "nested more than 64"),
        ("huge.json", lambda: hostile_files.long_number_json(100_000), "a number of 100,000"),
    ],
)
def test_deep_and_long_inputs_exit_2_with_a_message(
    tmp_path: Path, name: str, make, expected: str
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_bytes(make())
    code, rss, _out, err = _cli(["read", str(path)])
    assert code == 2 and expected in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1
    assert rss < 1.5 * GiB
    assert expected in _page_read([(name, make())])


def test_a_million_one_row_runs_end_within_90_s_under_1_5_gb(tmp_path: Path) -> None:
    path = tmp_path / "million.csv"
    chunk = hostile_files.finished_runs_frame(100_000).drop(columns=["flops"])
    header, body = chunk.to_csv(index=False, float_format="%.6g").split("\n", 1)
    path.write_text(header + "\n" + body * 10)
    start = time.perf_counter()
    code, rss, _out, err = _cli(["fit", str(path), "--json"], timeout=120)
    assert code in (0, 2) and time.perf_counter() - start < 90 and rss < 1.5 * GiB
    assert code == 2 and "1,000,000 data rows; the limit is 250,000 rows per upload" in err


# ---------------------------------------------------------------- each row of the table


def test_one_file_past_50_mib_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:  # sparse: the limit is checked on the size, not the bytes
        handle.truncate(50 * MiB + 1)
    with pytest.raises(LimitExceeded, match=r"the limit is 50\.0 MiB per file"):
        read_paths([path])
    assert fs.upload_refusal([("big.csv", 50 * MiB + 1)]) is not None
    assert fs.upload_refusal([("ok.csv", 50 * MiB)]) is None


def test_files_together_past_100_mib_are_refused(tmp_path: Path) -> None:
    paths = []
    for i in range(3):
        path = tmp_path / f"part{i}.csv"
        with path.open("wb") as handle:
            handle.truncate(40 * MiB)
        paths.append(path)
    with pytest.raises(LimitExceeded, match=r"more than 100\.0 MiB .*per upload"):
        read_paths(paths)
    # the page refuses six 39.5 MB files on their sizes, before a byte is copied
    message = fs.upload_refusal([(f"f{i}.csv", 39_500_000) for i in range(6)])
    assert message is not None and "100.0 MiB per upload" in message
    assert fs.upload_refusal([(f"f{i}.csv", 39_500_000) for i in range(2)]) is None


def test_expanded_bytes_count_every_archive_of_one_upload() -> None:
    # The running total over archives, with the expanded limit scaled down to 1 MiB (the
    # 200 MiB itself is pinned above; reaching it for real needs 100 MiB of incompressible
    # zips): two zips declaring 0.6 MiB each pass alone and are refused together.
    def zip_of(n_bytes: int) -> bytes:
        buffer = BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr("m.csv", b"params,tokens,loss,note\n1e8,2e9,3.1," + b"x" * n_bytes)
        return buffer.getvalue()

    one = zip_of(int(0.6 * MiB))
    assert expanded_size([("a.zip", one)]) >= 0.6 * MiB
    small = Limits(expanded_bytes=MiB)
    assert read_sources([("a.zip", one)], ReadBudget(small)).problems == []
    with pytest.raises(LimitExceeded) as caught:
        read_sources([("a.zip", one), ("b.zip", one)], ReadBudget(small))
    assert caught.value.limit == "expanded_bytes" and str(caught.value).startswith("b.zip")


def test_a_member_past_the_expansion_ratio_is_refused() -> None:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.csv", b"params,tokens,loss\n" + b"1e8,2e9,3.1\n" * 30_000)
    with pytest.raises(LimitExceeded, match=r"likely zip bomb \(limit 200x"):
        read_sources([("b.zip", buffer.getvalue())])


def test_more_than_5000_files_are_refused() -> None:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(5_001):
            archive.writestr(f"r{i}.csv", "params,tokens,loss\n1e8,2e9,3.1\n")
    with pytest.raises(LimitExceeded, match="5,001 members; the limit is 5,000 files"):
        read_sources([("many.zip", buffer.getvalue())])


def test_rows_limit_is_exact_at_250000() -> None:
    def runs(n: int) -> bytes:
        return b"params,tokens,loss\n" + b"1e8,2e9,3.1\n" * n

    assert len(read_sources([("ok.csv", runs(250_000))]).tables[0].frame) == 250_000
    with pytest.raises(LimitExceeded, match="250,001 data rows; the limit is 250,000"):
        read_sources([("over.csv", runs(250_001))])
    # two files of 150,000: each is fine, together they are not
    with pytest.raises(LimitExceeded, match=r"\(300,000 with the files before it\)"):
        read_sources([("a.csv", runs(150_000)), ("b.csv", runs(150_000))])


def test_cells_limit_counts_rows_times_columns() -> None:
    header = ",".join(["params", "tokens", "loss"] + [f"m{i}" for i in range(22)])
    row = ",".join(["1e8", "2e9", "3.1"] + ["1"] * 22)
    data = (header + "\n" + (row + "\n") * 200_001).encode()  # 200,001 x 25 > 5,000,000
    with pytest.raises(LimitExceeded, match="5,000,025 cells; the limit is 5,000,000"):
        read_sources([("wide.csv", data)])
    assert "5,000,000 cells per upload" in _page_read([("wide.csv", data)])


def test_columns_limit() -> None:
    data = hostile_files.wide_csv(2_001, 3)
    with pytest.raises(LimitExceeded, match="2,001 columns; the limit is 2,000"):
        read_sources([("w.csv", data)])


def test_one_object_json_files_count_their_keys_as_columns_and_cells() -> None:
    # A JSON file of one run's object is one row whose columns are its (flattened) keys,
    # counted before any frame is built (`RecordTable.shape`).
    import json

    wide = json.dumps({f"k{i}": i for i in range(2_001)}).encode()
    with pytest.raises(LimitExceeded, match="2,001 columns; the limit is 2,000"):
        read_sources([("wide.json", wide)])
    run = json.dumps({"params": 1e8, "tokens": 2e9, "loss": 3.1, "nested": {"a": 1, "b": 2}})
    files = [(f"r{i}.json", run.encode()) for i in range(4)]
    with pytest.raises(LimitExceeded, match=r"r3.json: 1 rows x 5 columns = 5 cells \(20 with"):
        read_sources(files, ReadBudget(Limits(cells=19)))
    assert len(read_sources(files, ReadBudget(Limits(cells=20))).tables) == 4


def test_json_depth_64_reads_and_65_is_refused() -> None:
    assert read_sources([("ok.json", hostile_files.nested_json(64))]).tables
    refused = read_sources([("deep.json", hostile_files.nested_json(65))])
    assert not refused.tables and "nested more than 64 levels" in refused.problems[0][1]
    lines = read_sources([("deep.jsonl", hostile_files.nested_json(65, lines=True))])
    assert "deep.jsonl line 1: nested more than 64 levels" in lines.problems[0][1]


def test_number_of_100_characters_reads_and_101_is_refused() -> None:
    assert read_sources([("ok.json", hostile_files.long_number_json(100))]).tables
    refused = read_sources([("long.json", hostile_files.long_number_json(101))])
    assert "a number of 101 characters" in refused.problems[0][1]


def test_a_refused_file_among_good_ones_is_listed_and_the_others_read() -> None:
    good = b"params,tokens,loss\n1e8,2e9,3.1\n2e8,4e9,2.9\n"
    out = read_sources([("good.csv", good), ("deep.json", hostile_files.nested_json(65))])
    assert len(out.tables) == 1 and out.problems[0][0] == "deep.json"


def test_a_yaml_alias_bomb_beside_lightning_metrics_is_refused() -> None:
    yaml_text = "x0: &x0 [1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 9) + "]\n" for i in range(1, 30)
    )
    out = read_sources(
        [
            ("lightning_logs/version_0/hparams.yaml", yaml_text.encode()),
            ("lightning_logs/version_0/metrics.csv", b"step,val_loss\n1,3.0\n2,2.9\n"),
        ]
    )
    assert any("5,000,000 values" in message for _, message in out.problems)


# ---------------------------------------------------------------- the page


def test_an_upload_large_once_expanded_goes_to_the_worker() -> None:
    small_on_the_wire = hostile_files.members_zip(30, 1_000_000)  # ~62 KB, 30 MB expanded
    assert len(small_on_the_wire) < fs.HEAVY_BYTES
    assert expanded_size([("m.zip", small_on_the_wire)]) > fs.HEAVY_BYTES


def _fit_page_with(files: list[tuple[str, bytes]]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "6_Fit_your_runs.py"), default_timeout=120)
    at.session_state["fit_upload_files"] = files
    return at.run()


def test_members_zip_on_the_page_gives_a_message_and_no_exception() -> None:
    at = _fit_page_with([("members.zip", hostile_files.members_zip())])
    assert not at.exception
    shown = " ".join(e.value for e in at.error).replace("\\", "")
    assert "declare more than 200.0 MiB once unpacked" in shown


def test_an_unexpected_failure_shows_a_short_message_not_a_traceback(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv(RAISE_ENV, raising=False)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded in a secret place")

    monkeypatch.setattr(fm, "load_or_message", broken)
    at = _fit_page_with([("a.csv", b"params,tokens,loss\n1e8,2e9,3.1\n")])
    assert not at.exception
    shown = " ".join(e.value for e in at.error).replace("\\", "")
    assert "Something went wrong while drawing the Fit your runs page (RecursionError)" in shown
    assert "secret place" not in shown and "Traceback" not in shown


def test_the_cli_turns_an_unexpected_failure_into_one_line(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from scaling_core.cli import main
    from scaling_core.cli import read as read_cli

    def broken(*_args: object, **_kwargs: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(read_cli, "read_from_args", broken)
    monkeypatch.delenv("SCALING_CORE_TRACEBACK", raising=False)
    assert main(["read", os.fspath(ROOT / "sample_data" / "isoflop_sweep.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: `read` failed unexpectedly (KeyError: 'boom')")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_refusals_are_run_log_errors() -> None:
    assert issubclass(LimitExceeded, RunLogError)


# ---------------------------------------------------------------- nothing dropped in silence


def test_a_repeated_csv_header_keeps_both_columns_and_says_so() -> None:
    data = b"params,tokens,loss,loss\n1e8,2e9,3.1,9\n2e8,4e9,2.9,9\n"
    (table,) = read_sources([("dup.csv", data)]).tables
    assert list(table.frame["loss"]) == [3.1, 2.9] and list(table.frame["loss.1"]) == [9, 9]
    assert table.notes == [
        "dup.csv: the header repeats 'loss' ('loss', 'loss.1'): each is kept as a column of its "
        "own, pick the one to use"
    ]


@pytest.mark.parametrize("name", ["dup.json", "dup.jsonl"])
def test_a_repeated_json_key_keeps_every_value_and_says_so(name: str) -> None:
    record = '{"params": 1e8, "tokens": 2e9, "loss": 3.1, "loss": 9}'
    data = (f"[{record}]" if name.endswith(".json") else record + "\n").encode()
    (table,) = read_sources([(name, data)]).tables
    # json.loads alone keeps the last value (9) in silence
    assert table.frame["loss"].tolist() == [3.1] and table.frame["loss.1"].tolist() == [9]
    assert any("repeats the key 'loss'" in note for note in table.notes)
