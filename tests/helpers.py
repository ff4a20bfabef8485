"""Helpers the tests share: hand-made trial records with known numbers, and the `zoo` command
run in this process (fast: no new Python, no second TensorFlow start-up)."""

from __future__ import annotations

import contextlib
import io
import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.text import Text

from zoo.bench.output.record import TrialRecord

# A whole run made by zoo 0.1.0 (the first reports/standard: a fixed `lr:3` grid, racing on
# the test split, no best epoch, schedule-free AdamW without warmup), kept so that the tests
# of reading old records outlive the report it was.
ZOO_0_1_0_RUN = Path(__file__).parent / "fixtures" / "standard-0.1.0"


@dataclass
class Ran:
    """What a `zoo` command printed and returned."""

    returncode: int
    stdout: str
    stderr: str


def cli(*args: str) -> Ran:
    """Run `zoo ARGS` in this process, as `python -m zoo ARGS` would (argparse's usage errors
    included: exit code 2)."""
    from zoo.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    return Ran(code, out.getvalue(), err.getvalue())


def fixture_record(opt, reg, seed, acc, status="ok", model="cnn_small", **changes) -> TrialRecord:
    """A finished trial's record with test accuracy `acc` (other fields: `changes`)."""
    h = f"{model}-{opt}-{reg}-{seed}"
    hist = {
        "loss": [1.0, 0.5],
        "accuracy": [0.6, 0.8],
        "val_loss": [0.9, 0.6],
        "val_accuracy": [0.55, acc - 0.01],
        "epoch_time_s": [1.0, 0.5],
    }
    return TrialRecord.from_json(
        {
            "schema": 1,
            "config_hash": h,
            "status": status,
            "config": {
                "model": model,
                "dataset": "fashion_mnist",
                "seed": seed,
                "epochs": 2,
                "batch_size": 32,
                "train_size": 100,
                "val_size": 10,
                "test_size": 50,
                "optimizer": {"name": opt, "kwargs": {"learning_rate": 0.01}},
            },
            "labels": {"optimizer": opt, "regularizer": reg},
            "history": hist if status == "ok" else {**hist, "loss": [1.0, math.nan]},
            "test": {"accuracy": acc, "loss": 0.5} if status == "ok" else None,
            "diverged_epoch": 2 if status == "diverged" else None,
            "data_sizes": {"train": 100, "val": 10, "test": 50},
            "params": 1234,
            "wall_time_s": 2.0,
            "fit_time_s": 1.5,
            "throughput_samples_per_s": 200.0,
            "peak_memory_mb": 500.0,
            "env": {
                "keras": "3.15",
                "backend": "tensorflow",
                "tensorflow": "2.21",
                "git_commit": "deadbeef" * 5,
                "cpu": "test cpu",
                "cpu_count": 2,
                "gpu": [],
            },
        }
    ).replace(**changes)


def check_text_fits(fig, monkeypatch, *, tight: bool = False) -> None:
    """Every text `fig` draws lies inside the figure and overlaps no other; `tight`: inside
    what `savefig(bbox_inches="tight")` keeps (legends placed beside the axes), with no text
    clipped by its axes. Closes `fig`."""
    drawn = []
    draw = Text.draw

    def spy(text, renderer):  # Text.draw runs for the texts that are drawn, and only those
        if text.get_visible() and text.get_text().strip():
            drawn.append(text)
        return draw(text, renderer)

    with monkeypatch.context() as m:
        m.setattr(Text, "draw", spy)
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.get_tightbbox(renderer).transformed(fig.dpi_scale_trans) if tight else fig.bbox
    extents = [(t.get_text(), t.get_window_extent(renderer), t) for t in drawn]
    assert len(extents) > 5
    for text, e, artist in extents:
        assert box.x0 - 1 <= e.x0 and e.x1 <= box.x1 + 1, f"{text!r} sticks out sideways"
        assert box.y0 - 1 <= e.y0 and e.y1 <= box.y1 + 1, f"{text!r} sticks out up or down"
        clip = artist.get_clip_box() if artist.get_clip_on() else None
        if clip is not None:
            inside = clip.x0 - 1 <= e.x0 and e.x1 <= clip.x1 + 1
            assert inside and clip.y0 - 1 <= e.y0 and e.y1 <= clip.y1 + 1, f"{text!r} clipped"
    for (a, ea, _), (b, eb, _) in itertools.combinations(extents, 2):
        inter = ea.intersection(ea, eb)
        assert inter is None or inter.width * inter.height < 1, f"{a!r} overlaps {b!r}"
    plt.close(fig)
