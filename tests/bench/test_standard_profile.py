"""The `standard` profile (`make standard`, `reports/standard/`): full data sets, every
optimizer Keras ships for both classifiers, grids that choose the two best of a table, a
budget axis, the self-tuning arm at the values its sources give, and its dry run's counts."""

import math

import keras

from zoo.bench import expand, load_suite
from zoo.cli import main
from zoo.specs import OPTIMIZERS, parse_schedule


def _cells(trials, model):
    return {(t.cell, t.role.pick) for t in trials if t.model == model}


def test_standard_is_full_data_with_every_optimizer():
    trials = expand(load_suite("zoo"), "standard")
    assert {t.model for t in trials} == {"cnn_small", "lstm", "dcgan"}
    for t in trials:  # whole splits: only the validation set is carved from the training set
        assert t.train_size is None and t.test_size is None
    assert {t.val_size for t in trials if t.model == "cnn_small"} == {5000}
    assert {t.val_size for t in trials if t.model == "lstm"} == {2500}
    gan = [t for t in trials if t.model == "dcgan"]
    assert {(t.val_size, t.fid_samples, t.epochs) for t in gan} == {(0, 10000, 10)}
    assert {t.seed for t in gan} == {0, 1, 2}  # 3 seeds: no validation metric to race on
    for model, grid in (("cnn_small", "cnn-optimizers"), ("lstm", "lstm-optimizers")):
        table = [t for t in trials if t.role.grid == grid]
        assert {t.optimizer.name for t in table} == set(OPTIMIZERS)
        assert all(t.tune == "lr+wd" and t.race == (3, 4) for t in table)
        # The regularizers and schedules under the table's two best (stand-ins until then).
        picks = {t.role.pick for t in trials if t.model == model and t.role.pick
                 and not t.role.budget_of}  # fmt: skip
        assert {(p.of, p.best) for p in picks} == {(grid, 2)}
        # The budget axis: the five best again at 1 epoch, apart from the tables.
        axis = [t for t in trials if t.role.budget_of == grid]
        assert {t.epochs for t in axis} == {1} and {t.role.pick.best for t in axis} == {5}
    assert len(_cells(trials, "cnn_small")) == 16 + 2 * 2 + 2 + 2 + 5
    assert len(_cells(trials, "lstm")) == 16 + 2 + 2 + 2 + 5
    assert len(_cells(trials, "dcgan")) == 2


def test_self_tuning_configurations_are_their_sources_values():
    """AlgoPerf's NadamW baseline point and Schedule-Free AdamW at its authors' defaults
    (facebookresearch/schedule_free, AdamWScheduleFree: lr 0.0025, betas (0.9, 0.999), eps
    1e-8, weight decay 0, no warmup), fixed on both classifiers, never tuned."""
    fixed = [t for t in expand(load_suite("zoo"), "standard") if t.role.ruleset]
    assert {t.model for t in fixed} == {"cnn_small", "lstm"} and not any(t.tune for t in fixed)
    by_name = {t.optimizer.name: t for t in fixed}
    nadam = by_name["nadam"]
    kw = nadam.optimizer.kwargs
    assert (kw["learning_rate"], kw["beta_1"], kw["beta_2"], kw["epsilon"], kw["weight_decay"]) \
        == (0.00175, 0.9327, 0.99552, 1e-8, 0.0812)  # fmt: skip
    schedule = nadam.schedule.build(1.0, 1000)  # 2% linear warmup, then cosine to zero
    lr = [float(schedule(s)) for s in (0, 10, 20, 510, 1000)]
    assert lr[0] == 0 and math.isclose(lr[1], 0.5) and math.isclose(lr[2], 1.0)
    assert math.isclose(lr[3], 0.5, abs_tol=1e-6) and abs(lr[4]) < 1e-6
    assert nadam.schedule == parse_schedule("warmup_cosine:warmup=0.02:alpha=0")
    # Decoupled decay as AlgoPerf's NAdamW, w <- w (1 - lr wd), with no gradient to follow.
    w = keras.Variable([1.0, -2.0])
    opt = nadam.optimizer.build()
    opt.apply_gradients([(keras.ops.zeros(2), w)])
    assert keras.ops.convert_to_numpy(w).tolist() == [
        float(keras.ops.convert_to_numpy(keras.ops.cast(x * (1 - 0.00175 * 0.0812), "float32")))
        for x in (1.0, -2.0)]  # fmt: skip
    sf = by_name["schedule_free_adamw"].optimizer.build(total_steps=1000)
    assert (sf.learning_rate.numpy(), sf.beta_1, sf.beta_2, sf.epsilon, sf.warmup_steps) == (
        0.0025, 0.9, 0.999, 1e-8, 0)  # fmt: skip
    assert not sf.weight_decay and by_name["schedule_free_adamw"].schedule is None


def test_standard_dry_run_counts_and_makes_nothing(tmp_path, capsys):
    out = tmp_path / "standard"
    assert main(["bench", "--profile", "standard", "--out", str(out), "--dry-run"]) == 0
    printed = capsys.readouterr().out
    # 52 tuned cells (32 of the tables, 10 chosen later under their regularizers and
    # schedules, 10 of the budget axis) x 3 seeds, 4 fixed cells x 3 and the DCGAN's 2 x 3.
    assert "174 trials" in printed
    assert "tuning lr+wd: 52 cells, 7/11 to 24 candidates each" in printed
    assert "cnn-regularizers (cnn_small): the best 2 of 'cnn-optimizers'" in printed
    assert "budget axis: 10 cells" in printed and "self-tuning: 4 cells" in printed
    # Fewest: 7 or 11 candidates and 3 seeds a tuned cell; most: 24 and 4 (not the DCGAN's).
    assert "racing: between 658 and 1478 trials in all" in printed
    assert not out.exists()
