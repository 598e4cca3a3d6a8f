"""The loss guess for evaluations listed as JSON items (`scaling_core.runs.json_logs.
list_item_sets`): Gadre et al. 2024's run files give the final checkpoint's loss on eight
validation sets as ``results.0`` ... ``results.7``; each candidate is labelled with its set and
the largest set (C4 eval, the loss of the paper's Table 2 fits) is guessed."""

from __future__ import annotations

import json

import pytest

from scaling_core.cli import main
from scaling_core.runs import read_runs
from tests.conftest import REAL_LOGS

GADRE = REAL_LOGS / "gadre-2024" / "runs-json"

pytestmark = pytest.mark.skipif(not GADRE.exists(), reason=f"real logs not at {REAL_LOGS}")


def gadre_docs() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(GADRE.glob("*.json"))}


def c4_eval_index(doc: dict) -> int:
    """The results entry evaluated on C4 eval (``c4_val``), found by its val_data path."""
    return next(i for i, r in enumerate(doc["results"]) if "/c4_val/" in r["val_data"][0])


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_gadre_text_report_labels_each_loss_with_its_evaluation_set(capsys) -> None:
    status, out, err = cli(capsys, "read", str(GADRE), "--where", "dataset_name=rpj")
    assert status == 0, err
    doc = next(iter(gadre_docs().values()))
    for i, result in enumerate(doc["results"]):
        folder = result["val_data"][0].split("/")[-2]
        assert f"  results.{i}.loss ({folder}, {result['tokens']:,} tokens)" in out
    assert "loss: 'results.1.loss' [guessed] (c4_val, " in out
    assert "the largest of the 8 evaluation sets in results.*" in out
    assert "z_loss" not in out.split("Loss candidates")[1].split("Runs:")[0]


def test_gadre_final_loss_is_each_files_c4_eval_entry() -> None:
    docs = gadre_docs()
    read = read_runs([GADRE])
    assert read.mapping.columns["loss"] == "results.1.loss"
    assert read.mapping.given == set()
    final = read.per_run.set_index("run")["final_loss"]
    for doc in docs.values():
        assert final[doc["name"]] == doc["results"][c4_eval_index(doc)]["loss"]
    sizes = {i: r["tokens"] for i, r in enumerate(next(iter(docs.values()))["results"])}
    assert max(sizes, key=sizes.get) == c4_eval_index(next(iter(docs.values())))


def test_a_given_loss_column_drops_the_reason_but_keeps_the_labels() -> None:
    read = read_runs([GADRE], columns={"loss": "results.0.loss"})
    assert read.mapping.columns["loss"] == "results.0.loss"
    assert "loss" not in read.mapping.reasons
    assert read.mapping.labels["results.0.loss"] == "openlm, 245,760 tokens"
    (line,) = [ln for ln in read.mapping.describe() if ln.startswith("loss:")]
    assert line == "loss: 'results.0.loss' [given] (openlm, 245,760 tokens)"


def test_gadre_read_json_carries_the_labels_and_the_reason(capsys) -> None:
    status, out, err = cli(capsys, "read", str(GADRE), "--json")
    assert status == 0, err
    payload = json.loads(out)
    assert payload["roles"]["loss"] == "results.1.loss"
    assert payload["loss_labels"]["results.1.loss"].startswith("c4_val, ")
    assert payload["guess_reasons"]["loss"].startswith("the largest of the 8 evaluation sets")
