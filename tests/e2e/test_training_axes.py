"""The new training axes end to end: every new optimizer on every family, the issue's command,
augmentation never reaching evaluation, schedules as table rows."""

import math

import numpy as np
import pytest

import zoo
from zoo.bench import Store, expand, load_suite, run_trials
from zoo.bench.run.provenance import versions
from zoo.cli import main

NEW = ["lamb", "adafactor", "ftrl", "muon", "schedule_free_adamw"]


@pytest.fixture(scope="module")
def acceptance_run(tmp_path_factory):
    """The issue's command: two new optimizers x two schedules x two regularizers."""
    out = tmp_path_factory.mktemp("axes")
    code = main(["bench", "--profile", "smoke", "--optimizers", "muon,schedule_free_adamw",
                 "--schedules", "constant,cosine", "--regularizers",
                 "none,augment+label_smoothing", "--models", "cnn_small", "--out", str(out),
                 "--no-progress"])  # fmt: skip
    assert code == 0
    return out


def test_every_new_optimizer_trains_every_family(tmp_path):
    suite = load_suite("zoo")
    trials = expand(suite, "smoke", {"optimizers": NEW, "regularizers": ["none"]})
    assert {t.model for t in trials} == {"cnn_small", "lstm", "dcgan"}
    assert len(trials) == 3 * len(NEW)
    run_trials(trials, tmp_path, progress=False)
    records = Store(tmp_path).check()
    assert len(records) == len(trials)
    for r in records:
        assert r.status == "ok", (r.labels, r.error)
        assert all(math.isfinite(v) for v in r.test.values()), r.labels


def test_augmented_trial_is_evaluated_on_untouched_images(acceptance_run, tmp_path):
    """The test accuracy of an augmented trial is that of its weights on the plain test
    images: augmentation never reaches evaluation."""
    by_label = {(r.labels.optimizer, r.labels.schedule, r.labels.regularizer): r
                for r in Store(acceptance_run).check()}  # fmt: skip
    assert len(by_label) == 6 and ("schedule_free_adamw", "cosine", "none") not in by_label
    record = by_label[("muon", "cosine", "augment+label_smoothing")]
    assert record.status == "ok"
    trial = next(t for t in expand(load_suite("zoo"), "smoke", {
        "models": ["cnn_small"], "optimizers": ["muon"], "schedules": ["cosine"],
        "regularizers": ["augment+label_smoothing"]}, versions=versions()))  # fmt: skip
    assert trial.config_hash == record.config_hash
    run_trials([trial], tmp_path, progress=False, save_weights=True)
    again = Store(tmp_path).read(trial.config_hash)
    assert again.test == record.test  # reruns are identical, augmentation included
    from zoo.data import load_dataset

    ds = load_dataset("fashion_mnist", train_size=512, val_size=256, test_size=512, seed=0)
    model = zoo.build("cnn_small", regularizer="augment+label_smoothing")
    model.load_weights(tmp_path / "results" / f"{trial.config_hash}.weights.h5")
    accuracy = float(np.mean(np.argmax(model.predict(ds.x_test, verbose=0), 1) == ds.y_test))
    assert accuracy == pytest.approx(record.test["accuracy"], abs=1e-6)


def test_report_shows_schedules_as_rows(acceptance_run):
    text = (acceptance_run / "README.md").read_text()
    for row in ("| `muon` |", "| `muon @ cosine` |", "| `schedule_free_adamw` |"):
        assert row in text
    assert "schedule_free_adamw @ cosine" not in text
    assert "augment+label_smoothing" in text
