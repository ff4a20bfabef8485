"""The schedules axis of a grid (`zoo.bench.plan.grid`): constant keeps every hash, schedule-free
pairs."""

import json
from pathlib import Path

import pytest

from zoo.bench import expand, load_suite
from zoo.bench.plan.trial import Trial
from zoo.errors import UsageError
from zoo.specs import (
    OptimizerSpec,
    parse_optimizer,
    parse_regularizer,
    parse_schedule,
)

REPORTS = Path(__file__).resolve().parents[2] / "reports"


def _as_recorded(label: str, kwargs: dict) -> OptimizerSpec:
    """The optimizer a label names, less Schedule-Free's `warmup` where the record is from
    before it (a default that changes the trial, hence its hash)."""
    spec = parse_optimizer(label)
    kept = {k: v for k, v in spec.kwargs.items() if k != "warmup" or k in kwargs}
    return OptimizerSpec(spec.name, kept)


def test_constant_schedule_leaves_existing_hashes_unchanged():
    """Trials rebuilt from committed records, with `constant` and without a schedule, hash
    to the records' own hashes; any other schedule makes a new trial."""
    paths = sorted((REPORTS / "quick" / "results").glob("*.json"))[:6]
    paths += sorted((REPORTS / "cnn_vgg-full-adam" / "results").glob("*.json"))
    assert len(paths) >= 5
    for path in paths:
        record = json.loads(path.read_text())
        c = record["config"]
        kwargs = dict(
            model=c["model"], dataset=c["dataset"],
            optimizer=_as_recorded(record["labels"]["optimizer"].split("/")[0],
                                   c["optimizer"]["kwargs"]),
            regularizer=parse_regularizer(record["labels"]["regularizer"]), seed=c["seed"],
            epochs=c["epochs"], batch_size=c["batch_size"], train_size=c["train_size"],
            val_size=c["val_size"], test_size=c["test_size"], jit_compile=c["jit_compile"],
            data_options=c["data_options"], versions=c["versions"],
            fid_samples=c.get("fid_samples"), model_options=c.get("model_options", {}),
            target=c.get("target"),
        )  # fmt: skip
        if "d_optimizer" in c:
            kwargs["d_optimizer"] = parse_optimizer(record["labels"]["optimizer"].split("/")[1])
        assert Trial(**kwargs).config_hash == record["config_hash"], path.name
        constant = Trial(**kwargs, schedule=parse_schedule("constant"))
        assert constant.config_hash == record["config_hash"]
        cosine = Trial(**kwargs, schedule=parse_schedule("cosine"))
        assert cosine.config_hash != constant.config_hash


def test_schedules_axis_and_schedule_free_pairs():
    suite = load_suite("zoo")
    notes: list[str] = []
    over = {"models": ["cnn_small"], "optimizers": ["adam", "schedule_free_adamw"],
            "schedules": ["constant", "cosine"], "regularizers": ["none"]}  # fmt: skip
    trials = expand(suite, "smoke", over, notes=notes)
    assert sorted(t.label for t in trials) == [
        "cnn_small adam cosine none seed=0",
        "cnn_small adam none seed=0",
        "cnn_small schedule_free_adamw none seed=0",
    ]
    assert "left out: cosine" in notes[0]
    with pytest.raises(UsageError, match="schedule_free_adamw takes no learning-rate schedule"):
        expand(suite, "smoke", {**over, "schedules": ["warmup_cosine"]})
