"""Where a trial's time goes, and how much of it is steady-state training (pytest-benchmark).

    make microbench ARGS="-k trial_costs"

Each family runs a cell of the quick profile's shape (one optimizer, seeds 0..2, then two
more learning rates at seed 0, as tuning does) through `zoo.bench.run_trials`, once with
fresh models (`ZOO_REUSE=0`) and once reusing the compiled one (`zoo.bench.run.reuse`). From the
records, per trial: steady-state training (epochs at the median speed of those after the
first), the first epoch's excess (tracing), the rest of `fit` (checkpoints, callbacks),
evaluation (the test split, FID) and setup (data, model build, compile). The efficiency,
steady-state over total, is printed and saved in the JSON's `extra_info`. Measured, never
asserted.
"""

from __future__ import annotations

import statistics

import pytest

from zoo.bench import Store, expand, load_suite, reuse, run_trials
from zoo.bench.decide.tune import with_lr
from zoo.bench.output.record import TrialRecord

CELLS = {
    "cnn_small": {"train_size": 3000, "val_size": 1000, "test_size": 5000, "epochs": 3},
    "lstm": {"train_size": 2000, "val_size": 500, "test_size": 2000, "epochs": 2,
             "batch_size": 64, "data_options": {"vocab_size": 10000, "sequence_length": 128}},
    "dcgan": {"train_size": 3000, "val_size": 0, "test_size": 2000, "epochs": 2,
              "batch_size": 64, "fid_samples": 2000, "model_options": {"width": 32}},
}  # fmt: skip
_SEEN: dict[str, dict[str, float]] = {}


def _breakdown(records: list[TrialRecord]) -> dict[str, float]:
    parts = dict.fromkeys(["steady", "first_epoch_excess", "fit_other", "eval", "setup"], 0.0)
    for r in records:
        times = r.history["epoch_time_s"]
        median = statistics.median(times[1:] or times)
        parts["steady"] += len(times) * median
        parts["first_epoch_excess"] += times[0] - median
        parts["fit_other"] += r.fit_time_s - sum(times)
        parts["eval"] += r.eval_time_s or 0.0
        parts["setup"] += r.wall_time_s - r.fit_time_s - (r.eval_time_s or 0.0)
    total = sum(r.wall_time_s for r in records)
    return {k: v / len(records) for k, v in parts.items()} | {
        "wall": total / len(records),
        "efficiency": parts["steady"] / total,
    }


@pytest.mark.parametrize("reused", [False, True], ids=["fresh", "reused"])
@pytest.mark.parametrize("model", list(CELLS))
def test_trial_costs(benchmark, capsys, tmp_path, monkeypatch, model, reused):
    monkeypatch.setenv("ZOO_REUSE", "1" if reused else "0")
    reuse.clear()
    over = {"models": [model], "seeds": 3, "regularizers": ["none"], **CELLS[model],
            "optimizers": ["adam:lr=2e-4:beta_1=0.5" if model == "dcgan" else "adam"]}  # fmt: skip
    trials = expand(load_suite("zoo"), "smoke", over)
    if model != "dcgan":  # tuning's other candidates: the same shape, another rate
        rate = trials[0].optimizer.learning_rate
        trials += [with_lr(trials[0], rate * 3.16), with_lr(trials[0], rate / 3.16)]

    def run():
        run_trials(trials, tmp_path, progress=False)
        return Store(tmp_path).check()

    records = benchmark.pedantic(run, rounds=1, iterations=1)
    costs = _breakdown(records)
    benchmark.extra_info.update(costs)
    _SEEN[f"{model} {'reused' if reused else 'fresh'}"] = costs
    if model == list(CELLS)[-1] and reused:
        with capsys.disabled():
            print("\nseconds per trial (steady training, first-epoch excess, rest of fit, "
                  "evaluation, setup; wall) and efficiency:")  # fmt: skip
            for name, c in _SEEN.items():
                print(f"  {name:18s} " + " ".join(f"{c[k]:5.2f}" for k in (
                    "steady", "first_epoch_excess", "fit_other", "eval", "setup", "wall"))
                    + f"  efficiency {c['efficiency']:.2f}")  # fmt: skip
