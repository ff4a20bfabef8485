"""`zoo compare` (`zoo.report.compare`): which cells reproduce."""


def test_compare_says_which_cells_reproduce(fixture_dir, tmp_path):
    import json
    import shutil
    import subprocess
    import sys

    from zoo.report.compare import compare

    same = compare(fixture_dir, fixture_dir)
    assert same.verdict() == (
        "reproduced 4/4 cells within tolerance (accuracy ±1.5 pp, FID ±10%, MSE ±10%)"
    )
    assert same.ok and not same.differ
    other = tmp_path / "other"
    shutil.copytree(fixture_dir, other)
    for path in (other / "results").glob("*.json"):
        record = json.loads(path.read_text())
        labels = (record["labels"]["optimizer"], record["labels"]["regularizer"])
        if labels == ("adam", "none"):
            record["test"]["accuracy"] += 0.02  # mean 0.82 -> 0.84: 2 pp off
            path.write_text(json.dumps(record))
        if labels == ("sgd", "none"):
            path.unlink()  # a cell the new run lacks
    result = compare(fixture_dir, other)
    assert result.verdict().startswith("reproduced 2/3 cells")
    assert result.differ == ["cnn_small adam none: test accuracy 0.8200 vs 0.8400 (+2.00 pp)"]
    assert result.only_reference == ["cnn_small sgd none"] and not result.ok
    assert compare(fixture_dir, other, tolerance={"accuracy": 0.03}).reproduced == 3

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "zoo", "compare", *map(str, args)],
                              capture_output=True, text=True)  # fmt: skip

    run = cli(fixture_dir, other)
    assert run.returncode == 0 and run.stdout.startswith("reproduced 2/3 cells")
    assert "differs: cnn_small adam none" in run.stdout
    assert cli(fixture_dir, other, "--strict").returncode == 1
    assert cli(fixture_dir, fixture_dir, "--strict").returncode == 0
    assert cli(fixture_dir, tmp_path / "missing").returncode == 2


def test_a_cell_tuned_to_a_neighbouring_rate_is_still_the_same_cell(fixture_dir, tmp_path):
    """Another machine's tuning may choose a neighbouring rate (its validation scores differ
    in the last bits): the table's cell is matched by its optimizer's name and compared."""
    import json
    import shutil

    from zoo.report.compare import compare

    other = tmp_path / "other"
    shutil.copytree(fixture_dir, other)
    for path in (other / "results").glob("*.json"):
        record = json.loads(path.read_text())
        if record["labels"]["optimizer"] == "adam":
            record["labels"]["optimizer"] = "adam:lr=0.00178"  # as tuning names its choice
            path.write_text(json.dumps(record))
    result = compare(fixture_dir, other)
    assert result.ok and result.reproduced == result.cells == 4
