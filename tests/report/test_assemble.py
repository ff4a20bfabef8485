"""Report generation (`zoo.report.assemble`) from fixture records with known numbers."""

import pandas as pd
import pytest
from helpers import fixture_record

from zoo.bench import Store
from zoo.bench.output.record import TimeToTarget
from zoo.errors import UsageError
from zoo.report import write_report


def test_report_files_and_numbers(fixture_dir):
    readme = write_report(fixture_dir)
    text = readme.read_text()
    assert "## cnn_small on fashion_mnist" in text
    # mean ± 95% CI half-width (t with 1 df: 12.706 * std / sqrt(2)), the best cell in bold
    assert "**0.9100 ± 0.1271**" in text
    assert "0.8200 ± 0.2541" in text
    assert "diverged (2/2)" in text
    # The cells share seeds 0 and 1, so they are compared paired: two seeds cannot separate
    # 0.91 from 0.82 (differences 0.10 and 0.08: t = 9.0 on 1 df, p = 0.07), but they do
    # separate it from sgd's 0.71 (0.20 on both seeds: p = 0).
    lead = (
        "`adam` + `l2` (0.9100, 2 seeds) leads; separated from it: 1 of the other 3 cells "
        "(paired t on shared seeds, Holm-corrected over 2 comparisons, 5%; the intervals below "
        "are per comparison, not adjusted). Not separated from it, and not shown equivalent "
        "(inconclusive): `adam` + `none` (0.8200, 2 seeds; -9.0 pp, 95% CI"
    )
    assert lead in text
    assert "## Findings" in text.split("## cnn_small")[0]  # the findings come first
    scope = text.split("## Scope")[1].split("## Findings")[0]  # and before them, the scope
    assert "**cnn_small on fashion_mnist**: 4 cells" in scope and "2 seeds a cell" in scope
    assert "sequential testing" not in scope  # no racing here
    assert "| `adam` | +0.0900 |" in text  # l2's effect against none under adam
    results = pd.read_csv(fixture_dir / "results.csv")
    assert len(results) == 8 and set(results["status"]) == {"ok", "diverged"}
    summary = pd.read_csv(fixture_dir / "summary.csv")
    row = summary[(summary.optimizer == "adam") & (summary.regularizer == "l2")].iloc[0]
    assert row["test_accuracy_mean"] == pytest.approx(0.91)
    assert row["seeds"] == 2 and row["ok"] == 2
    # canonical optimizer order: sgd before adam
    assert list(summary["optimizer"]) == ["sgd", "sgd", "adam", "adam"]
    for name in ("summary", "heatmap", "learning_curves"):
        png = fixture_dir / "plots" / f"cnn_small_{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
        assert f"(plots/{png.name})" in text


def test_learning_curves_without_validation_use_training_accuracy(tmp_path):
    from zoo.report.plots import learning_curves

    rec = fixture_record("adam", "none", 0, 0.8)
    rec = rec.replace(history={k: v for k, v in rec.history.items() if not k.startswith("val_")})
    fig = learning_curves([rec], "cnn_small", tmp_path / "curves.png")
    assert fig.stat().st_size > 5000
    Store(tmp_path).write(rec)
    assert "cnn_small" in write_report(tmp_path).read_text()


def test_report_keeps_to_the_last_runs_trials(fixture_dir):
    import json

    run = {
        "command": "zoo bench ...",
        "trial_hashes": ["cnn_small-adam-l2-0", "cnn_small-adam-l2-1"],
    }
    (fixture_dir / "run.json").write_text(json.dumps(run))
    notes = []
    write_report(fixture_dir, warn=notes.append)
    assert len(pd.read_csv(fixture_dir / "results.csv")) == 2
    assert notes and "6 record(s)" in notes[0] and "left out of the report" in notes[0]


def test_report_of_empty_or_missing_folder(tmp_path):
    with pytest.raises(UsageError, match="has no results/ folder"):
        write_report(tmp_path)
    (tmp_path / "results").mkdir()
    with pytest.raises(UsageError, match="holds no trial records"):
        write_report(tmp_path)


def test_report_says_which_trials_came_from_which_commit(fixture_dir):
    """A run resumed at another commit or on another machine mixes code or hardware: the
    report counts each one's trials, gives the trials' busy time beside the last call's wall
    time, and the profile's notes (what it chose and why) appear under "About this run"."""
    import json

    paths = sorted((fixture_dir / "results").glob("*.json"))
    for i, path in enumerate(paths):
        record = json.loads(path.read_text())
        record["env"].update(cpu="AMD EPYC", cpu_count=2, gpu=[])
        record["env"]["cpu_id"] = f"AuthenticAMD family 25 model {1 if i < 2 else 17}: avx"
        if i < 3:
            record["env"]["git_commit"] = "cafe" * 10
        path.write_text(json.dumps(record))
    run = {"command": "zoo bench ...", "notes": "Why 5 epochs:\nthe CNN is near its ceiling.\n\n"
           "Second paragraph.", "ran": 4, "skipped": 2, "wall_time_s": 600}  # fmt: skip
    (fixture_dir / "run.json").write_text(json.dumps(run))
    text = write_report(fixture_dir).read_text()
    assert f"Git commit: deadbeefdead ({len(paths) - 3} trials); cafecafecafe (3 trials)" in text
    machine = "AMD EPYC [AuthenticAMD family 25 model {}: avx] (2 cores), no GPU"
    assert (f"Hardware: {machine.format(17)} ({len(paths) - 2} trials); {machine.format(1)} "
            "(2 trials)") in text  # fmt: skip
    assert (
        "start-to-finish spans, across resumed calls); the last `zoo bench` call ran 4 of "
        "them in 10.0 min" in text
    )
    (fixture_dir / "run.json").write_text(json.dumps({**run, "ran": 0, "skipped": 6}))
    again = write_report(fixture_dir).read_text()
    assert "the last `zoo bench` call found every trial done and wrote this report" in again
    assert "Keras 3" in text and "(3 trials)" not in text.split("Keras 3")[1].split("\n")[0]
    about = text.split("## About this run")[1]
    assert "Why 5 epochs: the CNN is near its ceiling.\n\nSecond paragraph." in about


def test_busy_time_is_the_union_of_the_trials_spans():
    """Two trials at once count once; a gap between sessions does not count."""
    from zoo.report.assemble import busy_time

    def rec(start: str | None, finish: str | None):
        return fixture_record("adam", "none", 0, 0.9).replace(
            started_at=start and f"2026-11-24T{start}:00+00:00",
            finished_at=finish and f"2026-11-24T{finish}:00+00:00",
        )

    records = [rec("10:00", "10:10"), rec("10:05", "10:20"), rec("10:12", "10:15"),
               rec("14:00", "14:30"), rec(None, None)]  # fmt: skip
    assert busy_time(records) == (20 + 30) * 60
    assert busy_time([]) == 0


def _gan_record(opt: str, seed: int, fid: float, png: bytes):
    return fixture_record(
        opt, "batchnorm", seed, 0.0, model="dcgan",
        task="generation",
        test={"fid": fid, "classes_covered": 10, "kl_uniform": 0.03},
        history={"g_loss": [1.0, 0.9], "d_loss": [1.2, 1.1], "epoch_time_s": [1.0, 1.0]},
        attachments={"samples.png": png},
    )  # fmt: skip


def test_gan_report_passes_over_sample_grids_that_were_not_kept(tmp_path):
    import io

    import matplotlib.pyplot as plt
    import numpy as np

    buf = io.BytesIO()
    plt.imsave(buf, np.eye(28), format="png")
    store = Store(tmp_path)
    for seed, (best, worst) in enumerate([(50.0, 110.0), (52.0, 112.0)]):
        store.write(_gan_record("adam", seed, best, buf.getvalue()))
        store.write(_gan_record("sgd", seed, worst, buf.getvalue()))
    # Only adam's seed-1 grid stays beside its record: the others were lost (say, records
    # copied without their PNGs).
    kept = tmp_path / "results" / "dcgan-adam-batchnorm-1.samples.png"
    for png in (tmp_path / "results").glob("*.samples.png"):
        if png != kept:
            png.unlink()
    text = write_report(tmp_path).read_text()
    assert "(plots/dcgan_samples.png)" in text
    assert "The sample grids of 3 of these 4 trials are not in `results/`" in text
    assert (tmp_path / "plots" / "dcgan_samples.png").stat().st_size > 1000
    kept.unlink()
    (tmp_path / "plots" / "dcgan_samples.png").unlink()
    text = write_report(tmp_path).read_text()  # no grid at all: no samples figure, no error
    assert "dcgan_samples.png" not in text and "## dcgan on fashion_mnist" in text


@pytest.mark.parametrize("failed_seeds", [[0], [0, 1]])
def test_failed_trials_in_any_position_do_not_stop_the_report(tmp_path, failed_seeds):
    """A failed trial (no parameters, sizes, history or test scores) first in its table, or
    every trial of a model failed: the report is written and lists them with their errors."""
    store = Store(tmp_path)
    for opt in ("adam", "sgd"):
        for seed in (0, 1):
            rec = fixture_record(opt, "none", seed, 0.8 + seed / 100)
            if opt == "adam" and seed in failed_seeds:
                rec = rec.replace(status="failed", error="ValueError: bad factor", test=None,
                                  history={}, params=None, data_sizes={})  # fmt: skip
            store.write(rec)
    failing = fixture_record("adam", "none", 0, 0.0, model="cnn_vgg", status="failed")
    store.write(failing.replace(error="ValueError: bad factor", test=None, history={},
                                params=None, data_sizes={}))  # fmt: skip
    text = write_report(tmp_path).read_text()
    assert "## cnn_small on fashion_mnist" in text and "1,234 parameters" in text
    assert "## cnn_vgg on fashion_mnist" in text and "? parameters" in text
    assert "## Failed trials" in text and text.count("ValueError: bad factor") == 1 + len(
        failed_seeds)  # fmt: skip
    assert (tmp_path / "index.html").is_file()


def test_a_rewritten_report_drops_the_figures_it_no_longer_shows(fixture_dir):
    """Figures an older version wrote (a renamed plot) go; the ones the report shows stay."""
    (fixture_dir / "plots").mkdir()
    stale = fixture_dir / "plots" / "cnn_small_final_accuracy.png"
    stale.write_bytes(b"\x89PNG")
    text = write_report(fixture_dir).read_text()
    assert not stale.exists()
    shown = sorted(p.name for p in (fixture_dir / "plots").glob("*.png"))
    assert shown and all(f"plots/{name}" in text for name in shown)


def test_time_to_target_counts_a_cell_whose_every_seed_diverged(tmp_path):
    store = Store(tmp_path)
    for seed, acc in ((0, 0.80), (1, 0.84)):  # reaches 0.7 at epoch 2 on both seeds
        reached = TimeToTarget("val_accuracy", 0.7, epoch=2, seconds=1.5)
        store.write(fixture_record("adam", "none", seed, acc, target=reached))
    for seed in (0, 1):  # no seed finished: nothing to average, and 0 of 2 reached it
        missed = TimeToTarget("val_accuracy", 0.7)
        store.write(fixture_record("sgd", "none", seed, 0.0, status="diverged", target=missed))
    text = write_report(tmp_path).read_text()
    table = text.split("Time to target")[1]
    assert "| `adam + none` | 2.0 |" in table and "| 2/2 |" in table
    assert "| `sgd + none` | not reached | — |" in table and "| 0/2 |" in table
