"""The typed trial record (`zoo.bench.output.record`): every committed record loads, and
JSON goes through it and back unchanged."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from helpers import ZOO_0_1_0_RUN

from zoo.bench import Store
from zoo.bench.output.record import FID, SCHEMA, Labels, TimeToTarget, TrialRecord

REPORTS = Path(__file__).resolve().parents[2] / "reports"


def test_every_committed_record_loads_and_round_trips():
    folders = sorted(p.parent for p in REPORTS.glob("*/results"))
    assert {f.name for f in folders} >= {"quick", "standard"}
    loaded = 0
    for folder in folders:
        records = Store(folder).check()  # a file that is not a record would raise here
        assert records, folder
        for r in records:
            raw = json.loads((folder / "results" / f"{r.config_hash}.json").read_text())
            assert TrialRecord.from_json(r.to_json()) == r
            assert r.status == raw["status"] and r.config == raw["config"]
            assert r.headline == r.headline or r.status != "ok" or not r.test  # NaN: no result
            loaded += 1
    assert loaded >= 500


def test_typed_fields_and_what_readers_ask():
    record = TrialRecord(
        "abc", {"model": "cnn_small", "dataset": "fashion_mnist", "seed": 3, "epochs": 2,
                "optimizer": {"name": "adam", "kwargs": {"learning_rate": 0.001}}},
        Labels("adam", "l2", "cosine"), "ok", test={"accuracy": 0.9, "loss": 0.3},
        target=TimeToTarget("val_accuracy", 0.8, 2, 3.5),
        history={"val_accuracy": [0.7, 0.85]}, env={"backend": "jax"},
    )  # fmt: skip
    assert record.headline == 0.9 and record.row == "adam @ cosine" and record.seed == 3
    assert record.table == ("cnn_small", "fashion_mnist", "jax") and record.done
    assert record.learning_rate == 0.001 and record.curve("val_accuracy")[-1] == 0.85
    assert record.curve("val_loss") == []
    data = record.to_json()
    assert data["schema"] == SCHEMA and data["target"]["epoch"] == 2 and "fid" not in data
    assert TrialRecord.from_json(json.loads(json.dumps(data))) == record
    gan = record.replace(task="generation", test={"fid": 40.0}, fid=FID(40.0, 512, 512, "clf"))
    assert gan.headline == 40.0 and "untrained" not in gan.to_json()["fid"]
    assert math.isnan(record.replace(status="diverged").headline)


@pytest.mark.parametrize(
    "data, why",
    [
        ([1, 2], "not a JSON object"),
        ({"schema": 99, "config_hash": "a"}, "schema 99"),
        ({"schema": SCHEMA, "config_hash": "a", "colour": "red"}, "unknown fields colour"),
        ({"schema": SCHEMA, "config_hash": "a"}, "missing"),
    ],
)
def test_what_is_not_a_record_is_refused_with_the_reason(data, why):
    with pytest.raises(ValueError, match=why):
        TrialRecord.from_json(data)


def test_records_from_before_the_best_epoch_load_without_one():
    """Records written before the tested epoch was chosen on validation read as tested at
    their last epoch: no `best_epoch`, no `test_last`."""
    path = sorted((ZOO_0_1_0_RUN / "results").glob("*.json"))[0]
    data = json.loads(path.read_text())
    assert "best_epoch" not in data and "test_last" not in data
    record = TrialRecord.from_json(data)
    assert record.best_epoch is None and record.test_last is None
    chosen = record.replace(best_epoch=2, test_last={"accuracy": 0.8, "loss": 0.5})
    assert TrialRecord.from_json(json.loads(json.dumps(chosen.to_json()))) == chosen
