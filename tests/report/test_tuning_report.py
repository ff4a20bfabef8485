"""The tuning part of a report (`zoo.report.tuning`, `zoo.report.tuning_plots`): the fairness
ledger, the expected best score per tuning budget (Dodge et al. 2019) and the score per
learning rate, from a real tuned run and from a tuning.json written before bracketing."""

from __future__ import annotations

import itertools
import re
import shutil
from pathlib import Path

import pytest
from helpers import ZOO_0_1_0_RUN, check_text_fits

from zoo.bench import Store
from zoo.bench.decide.tune import candidate_score, edges, read_tuning
from zoo.cli import main
from zoo.metrics.stats import expected_max
from zoo.report import write_report
from zoo.report.tuning import chosen_text
from zoo.report.tuning_plots import RateLine, budget_figure, sensitivity_figure

REPORTS = Path(__file__).resolve().parents[2] / "reports"


@pytest.fixture(scope="module")
def tuned(tmp_path_factory) -> Path:
    """A real run: cnn_small, adam (lr searched) and adamw (lr and weight decay), 2 seeds."""
    out = tmp_path_factory.mktemp("tuned") / "run"
    args = ["bench", "--profile", "smoke", "--models", "cnn_small", "--optimizers", "adam,adamw",
            "--regularizers", "none", "--seeds", "2", "--tune", "lr+wd:12", "--out", str(out),
            "--no-progress"]  # fmt: skip
    assert main(args) == 0
    return out


def _rows(readme: str, first_header: str) -> dict[str, list[str]]:
    """The rows (by optimizer) of the Markdown table whose header has `first_header` in it."""
    lines = readme.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|") and first_header in line)
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    rows = {}
    for line in itertools.takewhile(lambda x: x.startswith("|"), lines[start + 2 :]):
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0].strip("`")] = dict(zip(header, cells, strict=True))
    return rows


def test_ledger_budget_and_sensitivity_from_a_real_tuned_run(tuned):
    tuning = read_tuning(tuned / "tuning.json")
    cells = {c["optimizer"]: c for c in tuning["cells"]}
    readme = (tuned / "README.md").read_text()
    html = (tuned / "index.html").read_text()
    store = Store(tuned)
    for png in ("cnn_small_tuning_budget.png", "cnn_small_lr_sensitivity.png"):
        assert (tuned / "plots" / png).stat().st_size > 10_000
        assert f"](plots/{png})" in readme
        assert f'<img alt="{png.removesuffix(".png")}" src="data:image/png' in html
    assert f'same search space, rule and cap: "{tuning["rule"]}"' in readme
    assert "Dodge et al. 2019" in readme and "not random draws" in readme
    assert "counts as 0" in readme
    ledger = _rows(readme, "tuning trial-seconds")
    budget = _rows(readme, "k = 1 (mean)")
    assert set(ledger) == set(budget) == {"adam", "adamw"}
    for name, cell in cells.items():
        records = [store.read(x["config_hash"]) for x in cell["candidates"]]
        assert ledger[name]["tuning trials"] == str(cell["trials"]) == str(len(records))
        seconds = sum(r.wall_time_s for r in records)
        assert float(ledger[name]["tuning trial-seconds"]) == pytest.approx(seconds, abs=0.051)
        assert ledger[name]["machine"].startswith(records[0].env["cpu"])
        assert ledger[name]["cap reached"] == ("yes" if cell["capped"] else "no")
        scores = [candidate_score(cell, x) or 0.0 for x in cell["candidates"]]
        assert budget[name]["trials K"] == str(len(scores))
        assert float(budget[name]["k = 1 (mean)"]) == pytest.approx(sum(scores) / len(scores),
                                                                    abs=6e-5)  # fmt: skip
        assert float(budget[name]["k = K"]) == pytest.approx(
            expected_max(scores, len(scores)), abs=6e-5)  # fmt: skip
        assert float(budget[name]["best tried"]) == pytest.approx(max(scores), abs=6e-5)
    assert "the star may lie off it" in readme  # adamw's weight decay was tuned too


def test_a_choice_at_no_decay_shows_the_floor_not_an_edge():
    """The standard run chose weight decay 0 (no decay) for Schedule-Free AdamW with label
    smoothing on the CNN: nothing lies below it, so the table says so (not an empty bracket,
    not an edge); censored choices still read as edges."""
    tuning = read_tuning(REPORTS / "standard" / "tuning.json")
    cell = next(c for c in tuning["cells"] if c["model"] == "cnn_small"
                and c["optimizer"] == "schedule_free_adamw"
                and c["regularizer"] == "label_smoothing")  # fmt: skip
    assert cell["chosen"]["wd"] == 0 and edges(cell) == {}
    assert chosen_text("wd", 0.0, cell["bracket"]["wd"], None) == (
        "wd 0 (the space's floor; 3.16e-05 above)"
    )
    assert chosen_text("lr", 0.0178, [0.01, 0.0316], None) == "lr 0.0178 (0.01..0.0316)"
    assert chosen_text("lr", 100.0, [31.6, None], "highest") == "lr 100 (highest tried)"
    assert chosen_text("lr", 0.01, [None, None], "only value tried") == "lr 0.01 (only value tried)"


def test_a_tuning_file_from_before_bracketing_still_renders(tmp_path):
    """The first reports/standard (zoo 0.1.0): a fixed `lr:3` grid, candidates with a rate only, no
    phases, no cap."""
    out = tmp_path / "standard"
    shutil.copytree(ZOO_0_1_0_RUN, out)
    readme = write_report(out).read_text()
    tuning = read_tuning(out / "tuning.json")
    searched = [c for c in tuning["cells"] if c["model"] == "cnn_small" and c.get("candidates")]
    for png in ("cnn_small_tuning_budget.png", "cnn_small_lr_sensitivity.png"):
        assert (out / "plots" / png).is_file() and f"](plots/{png})" in readme
    ledger = _rows(readme, "tuning trial-seconds")  # cnn_small's, the first model's
    assert len(ledger) == len({c["optimizer"] for c in searched})
    assert all(row["tuning trials"] == "3" and row["cap reached"] == "—" for row in ledger.values())
    assert all(re.fullmatch(r"\d+\.\d", row["tuning trial-seconds"]) for row in ledger.values())


OPTIMIZERS = ["sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adadelta", "adam", "adamw",
              "nadam", "adamax", "lion", "lamb", "adafactor", "ftrl", "muon",
              "schedule_free_adamw", "adam @ cosine", "adam @ warmup_cosine", "adam @ linear",
              "momentum @ cosine", "momentum @ warmup_cosine",
              "adam:lr=0.0001:beta_1=0.5/adam:lr=0.0004:beta_1=0.5"]  # fmt: skip


@pytest.mark.parametrize(
    "cells",
    [[(o, "none") for o in OPTIMIZERS] + [("adam", r) for r in ("dropout", "mixup", "l2")],
     [("adam", "none")]],
    ids=["22 optimizers, 4 regularizers", "one cell"],
)  # fmt: skip
def test_tuning_figures_keep_their_text_inside_and_apart(cells, monkeypatch):
    rates = [10 ** (q / 4) for q in range(-16, -3)]
    lines, curves = {}, {}
    for i, cell in enumerate(cells):
        scores = [0.9 - 0.05 * abs(q - i % 5) for q in range(len(rates))]
        points = [(lr, None if j == len(rates) - 1 else v)
                  for j, (lr, v) in enumerate(zip(rates, scores, strict=True))]  # fmt: skip
        lines[cell] = RateLine(points[: 3 + i % 9], (points[1][0], scores[1]))
        curves[cell] = [v or 0.0 for _, v in points[: 3 + i % 9]]
    title = "cnn_small: expected best validation accuracy after k trials"
    check_text_fits(budget_figure(curves, True, "validation accuracy", title), monkeypatch)
    title = "cnn_small: validation accuracy per learning rate tried"
    check_text_fits(sensitivity_figure(lines, "validation accuracy", title), monkeypatch)
