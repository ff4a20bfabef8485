"""The `standard` profile (`make standard`, `reports/standard/`): full data sets, every
optimizer Keras ships for both classifiers, and its dry run's trial counts."""

from zoo.bench import expand, load_suite
from zoo.cli import main
from zoo.specs import OPTIMIZERS


def _cells(trials, model):
    return {(t.model, t.label.split(" seed=")[0]) for t in trials if t.model == model}


def test_standard_is_full_data_with_every_optimizer():
    trials = expand(load_suite("zoo"), "standard")
    assert {t.model for t in trials} == {"cnn_small", "lstm", "dcgan"}
    for t in trials:  # whole splits: only the validation set is carved from the training set
        assert t.train_size is None and t.test_size is None
    assert {t.val_size for t in trials if t.model == "cnn_small"} == {5000}
    assert {t.val_size for t in trials if t.model == "lstm"} == {2500}
    gan = [t for t in trials if t.model == "dcgan"]
    assert {(t.val_size, t.fid_samples) for t in gan} == {(0, 10000)}
    for model in ("cnn_small", "lstm"):
        names = {t.optimizer.name for t in trials if t.model == model}
        assert set(OPTIMIZERS) <= names, set(OPTIMIZERS) - names
        assert all(t.tune == "lr+wd" for t in trials if t.model == model)
    assert len(_cells(trials, "cnn_small")) == 30  # 16 optimizers, 8 regularizers, 2 x 3 schedules
    assert len(_cells(trials, "lstm")) == 20  # 16 optimizers, 2 schedules x 2 regularizers
    assert len(_cells(trials, "dcgan")) == 4


def test_standard_dry_run_counts_and_makes_nothing(tmp_path, capsys):
    out = tmp_path / "standard"
    assert main(["bench", "--profile", "standard", "--out", str(out), "--dry-run"]) == 0
    printed = capsys.readouterr().out
    # 50 tuned cells x 3 seeds and 4 DCGAN cells x 3 seeds are listed. Tuning adds 7
    # candidates per cell (11 with weight decay: 5 optimizers x 2 tables + their regularizer
    # cells none) up to the cap of 24; racing takes tuned cells to 6 seeds, not the DCGAN's
    # (no validation metric to race on).
    assert "162 trials" in printed
    assert "tuning lr+wd: 50 cells, 7/11 to 24 candidates each" in printed
    assert "racing: between 552 and 1512 trials in all" in printed  # 40x10+10x14+12 .. 50x30+12
    assert not out.exists()
