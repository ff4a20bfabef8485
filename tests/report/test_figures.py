"""The report's figures (`zoo.report.plots`, `zoo.report.summary_plot`) keep every text inside
what is saved and apart from every other text, with long labels (tuned rates, two-time-scale
pairs, many optimizers), one epoch or several, one seed or several; and they show what they
claim: the summary's axis starts at zero or is visibly broken, one-epoch curves are points."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from helpers import check_text_fits, fixture_record

from zoo.report import plots, summary_plot
from zoo.report.frames import results_frame, summary_frame

LONG = ["sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adadelta", "adam", "adamw",
        "nadam", "adamax", "lion", "lamb", "adafactor", "ftrl",
        "muon:lr=0.0178:adam_weight_decay=0.1:wd=0.1", "schedule_free_adamw:lr=0.0316:wd=0.01",
        "adam @ warmup_cosine", "momentum @ cosine",
        "adam:lr=0.0001:beta_1=0.5/adam:lr=0.0004:beta_1=0.5"]  # fmt: skip
CLOSE = plt.close  # `kept` replaces plt.close while a test runs
REGS = ["none", "dropout", "batchnorm", "label_smoothing", "random_erasing"]


@pytest.fixture
def kept(monkeypatch):
    """The figures `plots` makes, kept open (it closes each after saving)."""
    figures = []
    monkeypatch.setattr(plots.plt, "close", lambda fig=None: figures.append(fig))
    return figures


def _records(optimizers, regularizers, seeds=3, epochs=2, model="cnn_small"):
    rng = np.random.default_rng(0)
    out = []
    for i, opt in enumerate(optimizers):
        for reg in regularizers:
            for seed in range(seeds):
                acc = float(0.9 - 0.01 * i + rng.normal(0, 0.005))
                curve = list(np.linspace(0.5, acc, epochs))
                r = fixture_record(opt, reg, seed, acc, model=model)
                history = {**r.history, "val_accuracy": curve, "accuracy": curve,
                           "loss": [1.0] * epochs, "g_loss": list(np.linspace(2, 1, epochs)),
                           "d_loss": list(np.linspace(1, 0.5, epochs))}  # fmt: skip
                out.append(r.replace(history=history))
    return out


@pytest.mark.parametrize(
    ("optimizers", "regularizers", "seeds", "epochs"),
    [(LONG, REGS, 3, 6), (["adam", "sgd"], ["none", "dropout"], 1, 1), (["adam"], ["none"], 2, 2)],
    ids=["19 optimizers x 5 regularizers", "smoke: one seed, one epoch", "one cell"],
)  # fmt: skip
def test_every_figure_keeps_its_text_inside_and_apart(
    optimizers, regularizers, seeds, epochs, kept, monkeypatch, tmp_path
):
    records = _records(optimizers, regularizers, seeds, epochs)
    results = results_frame(records)
    summary = summary_frame(results)
    monkeypatch.setattr(plots.plt, "close", lambda fig=None: kept.append(fig))
    leader = (summary.iloc[0]["optimizer"], summary.iloc[0]["regularizer"])
    summary_plot.summary_dots(summary, "cnn_small", leader, set(), tmp_path / "a.png")
    plots.heatmap(summary, "cnn_small", tmp_path / "b.png")
    plots.learning_curves(records, "cnn_small", tmp_path / "c.png")
    plots.gan_losses(records, "cnn_small", tmp_path / "d.png")
    times = pd.DataFrame({o: [1.0 + i, 2.0 + i] for i, o in enumerate(optimizers)},
                         index=["p1", "p2"])  # fmt: skip
    plots.performance_profiles(times, tmp_path / "e.png")
    monkeypatch.undo()
    assert len(kept) == 5
    for fig in kept:
        check_text_fits(fig, monkeypatch, tight=True)


def test_the_summary_axis_starts_at_zero_or_is_broken(kept, tmp_path):
    """Accuracies far above zero get a broken axis whose first panel starts at 0; cells far
    apart get one axis from 0; each cell is a dot with a whisker (its 95% CI)."""
    near = summary_frame(results_frame(_records(["adam", "sgd"], ["none"], seeds=3)))
    near["chance"] = np.nan  # no chance line to pull the axis down
    summary_plot.summary_dots(near, "cnn_small", ("adam", "none"), set(), tmp_path / "a.png")
    far = summary_frame(results_frame(_records(["adam", "sgd"], ["none"], seeds=3)))
    summary_plot.summary_dots(far, "cnn_small", ("adam", "none"), set(), tmp_path / "b.png")
    broken, whole = kept
    assert len(broken.axes) == 2 and broken.axes[0].get_xlim()[0] == 0
    assert broken.axes[1].get_xlim()[0] > 0.5  # the data's range, after the break
    assert len(whole.axes) == 1 and whole.axes[0].get_xlim()[0] == 0  # chance 0.1: from 0
    assert len(whole.axes[0].containers) == 2  # errorbars: the leader's group and the rest
    for fig in kept[:]:
        CLOSE(fig)


def test_one_epoch_curves_are_points_on_whole_epochs(kept, tmp_path):
    records = _records(["adam", "sgd"], ["none"], seeds=1, epochs=1)
    plots.learning_curves(records, "cnn_small", tmp_path / "c.png")
    (fig,) = kept
    ax = fig.axes[0]
    assert all(line.get_linestyle() == "None" for line in ax.lines)  # markers, no lines
    assert list(ax.get_xticks()) == [1] and ax.get_xlim() == (0.5, 1.5)
    low, high = ax.get_ylim()
    assert high - low >= 0.1 - 1e-9  # not 0.96..1.04 around one value
    CLOSE(fig)
