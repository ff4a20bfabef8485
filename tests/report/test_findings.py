"""Findings (`zoo.report.findings`): sentences from the tables that claim only what the statistics
support."""

import re

import numpy as np
from helpers import fixture_record
from scipy import stats

from zoo.bench import Store
from zoo.bench.output.record import Labels
from zoo.metrics.stats import describe
from zoo.report import write_report

# Seeds of each cell, with known truths: l2 helps adam by 10 pp and cosine helps adam by 5 pp
# (both far beyond the noise); dropout under adam and l2 under sgd change nothing; one cell
# diverged. adamax + l2 is 0.9 pp better than adamax with p < 0.05 on its own, but not after
# Holm's correction over the table's comparisons.
CELLS = {
    ("adam", "none"): [0.800, 0.810, 0.800, 0.810, 0.805],
    ("adam", "l2"): [0.900, 0.910, 0.900, 0.910, 0.905],
    ("adam", "dropout"): [0.800, 0.830, 0.790, 0.820, 0.780],
    ("sgd", "none"): [0.700, 0.720, 0.710, 0.690, 0.730],
    ("sgd", "l2"): [0.705, 0.715, 0.690, 0.730, 0.710],
    ("adamax", "none"): [0.780, 0.790, 0.785, 0.775, 0.780],
    ("adamax", "l2"): [0.795, 0.795, 0.790, 0.790, 0.785],
    ("adam @ cosine", "none"): [0.850, 0.860, 0.850, 0.860, 0.855],
}


def _write(tmp_path):
    store = Store(tmp_path)
    for (row, reg), values in CELLS.items():
        opt, _, schedule = row.partition(" @ ")
        for seed, acc in enumerate(values):
            record = fixture_record(opt, reg, seed, acc)
            store.write(record.replace(
                config_hash=f"{record.config_hash}-{schedule or 'constant'}",
                labels=Labels(opt, reg, schedule or "constant"),
                data_sizes={"train": 100, "val": 10, "test": 10000},  # a ±0.6 pp noise floor
            ))  # fmt: skip
    for seed in range(3):
        record = fixture_record("sgd:lr=1000", "none", seed, 0.0, status="diverged")
        store.write(record)
    write_report(tmp_path)
    text = (tmp_path / "README.md").read_text()
    return [line for line in text.split("## Findings")[1].split("## About this run")[0]
            .splitlines() if line.startswith("- ")]  # fmt: skip


def test_findings_report_real_differences_and_nothing_else(tmp_path):
    lines = _write(tmp_path)
    assert all(line.startswith("- [cnn_small on fashion_mnist](#cnn_small-on-fashion_mnist): ")
               for line in lines)  # fmt: skip
    text = "\n".join(lines)
    lead = next(line for line in lines if "leads" in line or "tied" in line)
    assert "`adam` + `l2` (0.9050, 5 seeds) leads, separated from every other cell" in lead
    regs = next(line for line in lines if "regularizers against `none`" in line)
    assert "helped: `adam` + `l2` vs `adam` + `none` (+10.0 pp, 95% CI +" in regs
    assert "Holm-adjusted p < 0.001)" in regs
    # Noise is never a claim: neither dropout under adam, nor l2 under sgd, nor adamax's l2
    # (p < 0.05 alone, not after Holm's correction); each is listed, with its interval, as
    # not separated.
    claims, unsure = regs.split("helped: ")[1].split("not separated (inconclusive): ")
    assert "dropout" not in claims and "`sgd`" not in claims and "adamax" not in claims
    assert all(name in unsure for name in ("`adam` + `dropout`", "`sgd` + `l2`", "`adamax`"))
    sched = next(line for line in lines if "schedules against `constant`" in line
                 or "no schedule" in line)  # fmt: skip
    assert "helped: `adam @ cosine` + `none` vs `adam` + `none` (+5.0 pp" in sched
    assert "diverged: `sgd:lr=1000` + `none` (3/3 seeds)" in text


def test_every_claim_holds_under_scipy_and_holm(tmp_path):
    """An independent check: every pair the findings call helped or hurt passes scipy's paired
    t-test (the cells share seeds 0-4) after Holm's correction over its kind's comparisons,
    and every pair that does is named."""
    lines = _write(tmp_path)
    regs = next(line for line in lines if "regularizers against" in line)
    claims = regs.split("not separated (inconclusive)")[0]
    claimed = set(re.findall(r"`([^`]+)` \+ `([^`]+)` vs `[^`]+` \+ `none`", claims))
    pairs = [(row, reg) for row, reg in CELLS if reg != "none" and (row, "none") in CELLS]
    with np.errstate(all="ignore"):  # adam + l2 - none is exactly 0.1 on every seed: p = 0
        raw = {p: stats.ttest_rel(CELLS[p], CELLS[(p[0], "none")]).pvalue for p in pairs}
    order = sorted(raw, key=raw.get)
    adjusted, running = {}, 0.0
    for i, p in enumerate(order):
        running = max(running, min(1.0, (len(order) - i) * raw[p]))
        adjusted[p] = running
    assert raw[("adamax", "l2")] < 0.05 <= adjusted[("adamax", "l2")]
    assert claimed == {p for p, q in adjusted.items() if q < 0.05}
    assert adjusted[("adam", "l2")] < 0.001 and "Holm-adjusted p < 0.001" in regs


def test_two_seeds_of_noise_claim_nothing(tmp_path):
    store = Store(tmp_path)
    rng = np.random.default_rng(0)
    for opt in ("adam", "sgd", "nadam"):
        for reg in ("none", "l2", "dropout"):
            for seed in range(2):
                store.write(fixture_record(opt, reg, seed, float(0.8 + rng.normal(0, 0.01))))
    write_report(tmp_path)
    text = (tmp_path / "README.md").read_text().split("## About this run")[0]
    assert "helped" not in text and "hurt" not in text
    assert "regularizers against `none`" in text and "not separated (inconclusive)" in text
    assert "tied" not in text  # not separated is not equal
    assert "Not separated from it, and not shown equivalent (inconclusive)" in text


def test_statistics_hold_at_ties_and_low_power(tmp_path):
    """Identical cells are not separated (p = 1) and, their interval being zero, are
    equivalent; a low-power cell far below the leader is inconclusive, never equivalent; a
    small p is written as p < 0.001."""
    from zoo.metrics.stats import diff_ci, equivalent, fmt_p

    same = diff_ci(describe([0.9] * 7), describe([0.9] * 3))
    assert same == (0.0, 0.0, 0.0) and equivalent(same, 0.006)
    far = diff_ci(describe([0.77, 0.60, 0.86]), describe([0.877, 0.875, 0.879]))
    assert far[1] < -0.006 and not equivalent(far, 0.006)
    assert fmt_p(0.0004) == "p < 0.001"
    assert fmt_p(0.0123, adjusted=True) == "Holm-adjusted p = 0.012"
    store = Store(tmp_path)
    cells = {"adam": [0.877, 0.875, 0.879, 0.876], "nadam": [0.8770, 0.8760, 0.8780, 0.8765],
             "schedule_free_adamw": [0.77, 0.60, 0.86, 0.83]}  # fmt: skip
    for opt, values in cells.items():
        for seed, acc in enumerate(values):
            sizes = {"train": 100, "val": 10, "test": 10000}
            store.write(fixture_record(opt, "none", seed, acc).replace(data_sizes=sizes))
    write_report(tmp_path)
    lead = [line for line in (tmp_path / "README.md").read_text().splitlines()
            if line.startswith("- ") and "leads" in line][0]  # fmt: skip
    equal, unsure = lead.split("Equivalent to it within ")[1].split("Not separated from it")
    assert "adam` + `none` (0.87" in equal and "schedule_free_adamw" not in equal  # the other
    assert "schedule_free_adamw" in unsure and "(inconclusive)" in unsure


def test_one_seed_is_named_as_one(tmp_path):
    """A report of one seed per cell (a run in progress) says so, in the singular."""
    store = Store(tmp_path)
    for opt, acc in (("adam", 0.9), ("sgd", 0.8)):
        store.write(fixture_record(opt, "none", 0, acc))
    write_report(tmp_path)
    text = (tmp_path / "README.md").read_text()
    assert "`adam` + `none` (0.9000, 1 seed) leads, but one seed cannot separate it" in text
    assert "1 seeds" not in text


def _cell(optimizer: str, chosen: float, tried: dict[float, float | None]) -> dict:
    return {"model": "cnn_small", "optimizer": optimizer, "regularizer": "none",
            "chosen": {"lr": chosen}, "tuned": ["lr"], "trials": len(tried),
            "metric": "val_accuracy",
            "candidates": [{"lr": lr, "val_accuracy": v} for lr, v in tried.items()]}  # fmt: skip


def test_tuning_names_the_choices_at_an_edge_and_the_cells_at_chance():
    """A value chosen at the highest or lowest tried may not be the optimizer's best: the
    tuning finding counts and names those cells; bracketed choices are said to be. A cell at
    chance at every value tried has no optimum to bracket: named apart, never 'bracketed'."""
    import pandas as pd

    from zoo.bench.decide.tune import edges
    from zoo.report.claims import Table
    from zoo.report.findings import tuning_summary

    table = Table("cnn_small on fashion_mnist", pd.DataFrame(
        {"model": ["cnn_small"], "task": ["classification"], "dataset": ["fashion_mnist"],
         "val_size": [1000]}))  # fmt: skip
    high = _cell("adam", 3e-3, {3e-4: 0.80, 1e-3: 0.85, 3e-3: 0.88})
    low = _cell("lion", 3e-5, {3e-5: 0.86, 1e-4: 0.84, 3e-4: 0.83})
    inside = _cell("sgd", 1e-2, {3e-3: 0.70, 1e-2: 0.75, 3e-2: 0.72})
    failed = _cell("ftrl", 1e-3, {1e-4: None, 1e-3: 0.5, 1e-2: None})  # the others diverged
    flat = _cell("adagrad", 1e-3, {1e-4: 0.10, 1e-3: 0.11, 1e-2: 0.09})  # 10 classes: chance
    assert [edges(c) for c in (high, low, inside)] == [{"lr": "highest"}, {"lr": "lowest"}, {}]
    assert edges(failed) == {"lr": "only value tried"}
    text = tuning_summary({"budget": "lr", "cells": [high, low, inside, failed]}, table)
    assert "searched 4 cells on validation with 3..3 trials each" in text
    assert "3 of 4 choices lie at an edge of what was tried" in text
    assert "`adam` + `none` lr at the highest" in text and "at chance" not in text
    inside_only = tuning_summary({"budget": "lr", "cells": [inside]}, table)
    assert "bracketed" in inside_only and "edge" not in inside_only
    with_flat = tuning_summary({"budget": "lr", "cells": [inside, flat]}, table)
    assert "1 scored at chance at every value tried (`adagrad` + `none`)" in with_flat
    assert "every other chosen value has a worse tried value on either side" in with_flat
    only_flat = tuning_summary({"budget": "lr", "cells": [flat]}, table)
    assert only_flat.endswith("so its chosen value is arbitrary.") and "other" not in only_flat


def test_regularizers_compare_across_tuned_rates(tmp_path):
    """Cells tuned apart (`adam:lr=0.01` + none, `adam:lr=0.003` + l2) are the same optimizer:
    the regularizer's effect is measured between them, each at its own tuned rate."""
    store = Store(tmp_path)
    cells = {("adam:lr=0.01", "none"): [0.800, 0.810, 0.800, 0.810, 0.805],
             ("adam:lr=0.003", "l2"): [0.900, 0.910, 0.900, 0.910, 0.905]}  # fmt: skip
    for (opt, reg), values in cells.items():
        for seed, acc in enumerate(values):
            store.write(fixture_record(opt, reg, seed, acc))
    write_report(tmp_path)
    text = (tmp_path / "README.md").read_text()
    assert "helped: `adam:lr=0.003` + `l2` vs `adam:lr=0.01` + `none` (+10.0 pp" in text


def test_time_claims_count_epochs_and_compare_seconds_on_one_cpu_kind_only(tmp_path):
    """Time-to-target is ranked in epochs and steps; seconds appear only where every trial
    ran on one kind of CPU, and no finding compares seconds across kinds."""
    from zoo.bench.output.record import TimeToTarget

    def write(folder, kinds):
        store = Store(folder)
        for (opt, epoch, seconds), kind in zip([("adam", 1, 9.0), ("sgd", 2, 3.0)], kinds,
                                               strict=True):  # fmt: skip
            for seed in range(2):
                r = fixture_record(opt, "none", seed, 0.8)
                store.write(r.replace(target=TimeToTarget("val_accuracy", 0.5, epoch, seconds),
                                      env={**r.env, "cpu_id": kind}))  # fmt: skip
        write_report(folder)
        return (folder / "README.md").read_text()

    one = write(tmp_path / "one", ["cpu A", "cpu A"])
    # adam is fastest in epochs (1 against 2) although its seconds are larger (a slower CPU
    # would do that): epochs decide.
    assert (
        "fastest to 0.5 validation accuracy: `adam` + `none` (1.0 epochs, 4 optimizer steps, "
        "mean over its 2 seeds" in one
    )
    assert "The next, `sgd` + `none`, took 2.0 epochs over 2 seeds" in one
    assert "9.0 s of training, every trial on one CPU kind" in one
    two = write(tmp_path / "two", ["cpu A", "cpu B"])
    assert "seconds not compared: the trials ran on more than one kind of CPU" in two
    assert "seconds (one CPU kind)" not in two and "9.0 s" not in two


def test_every_finding_carries_a_robustness_verdict(tmp_path):
    """Would it flip? A claim that one seed decides says which seed; one that survives each
    seed left out (and the last epoch) is marked robust."""
    store = Store(tmp_path)
    cells = {("adam", "none"): [0.800, 0.802, 0.801, 0.799],
             ("adam", "l2"): [0.810, 0.812, 0.811, 0.700],  # seed 3 hides a clear gain
             ("sgd", "none"): [0.500, 0.510, 0.505, 0.495]}  # fmt: skip
    sizes = {"train": 100, "val": 10, "test": 10000}  # a noise floor of ±0.8 pp
    for (opt, reg), values in cells.items():
        for seed, acc in enumerate(values):
            store.write(fixture_record(opt, reg, seed, acc).replace(data_sizes=sizes))
    write_report(tmp_path)
    lines = [line for line in (tmp_path / "README.md").read_text().splitlines()
             if line.startswith("- [")]  # fmt: skip
    regs = next(line for line in lines if "regularizers against" in line)
    assert "not separated (inconclusive)" in regs
    assert "Not robust: it changes with seed 3 left out." in regs
    lead = next(line for line in lines if "leads" in line)
    assert "Robust: it holds with each seed left out in turn" in lead or "Not robust" in lead


def test_a_declared_margin_replaces_the_noise_floor(tmp_path):
    """`zoo report --margin 0.05`: equivalence within ±5 pp, said to be the margin given; a
    margin that is not a positive number is a usage error (exit 2)."""
    from helpers import cli

    store = Store(tmp_path)
    cells = {"adam": [0.877, 0.875, 0.879, 0.876], "rmsprop": [0.86, 0.87, 0.88, 0.87]}
    for opt, values in cells.items():
        for seed, acc in enumerate(values):
            store.write(fixture_record(opt, "none", seed, acc))
    assert cli("report", str(tmp_path), "--margin", "0.05").returncode == 0
    text = (tmp_path / "README.md").read_text()
    assert "Equivalent to it within ±5.0 pp (the margin given" in text and "`rmsprop`" in text
    write_report(tmp_path)  # the default: 50 test images, a floor of about ±11 pp
    assert "the margin given" not in (tmp_path / "README.md").read_text()
    for bad in ("0", "-1", "x", "inf"):
        assert cli("report", str(tmp_path), "--margin", bad).returncode == 2


def test_cells_at_chance_are_flagged_in_the_table(tmp_path):
    """A cell not better than chance (1/10 on Fashion-MNIST) beyond its 95% interval says so
    in the table and in summary.csv; a cell far above chance does not."""
    import pandas as pd

    store = Store(tmp_path)
    cells = {"adam": [0.90, 0.91], "sgd": [0.10, 0.12], "nadam": [0.13, 0.14, 0.135]}
    for opt, values in cells.items():
        for seed, acc in enumerate(values):
            store.write(fixture_record(opt, "none", seed, acc))
    write_report(tmp_path)
    table = (tmp_path / "README.md").read_text().split("## cnn_small on fashion_mnist")[1]
    rows = {}
    for line in table.splitlines():
        if line.startswith("| `"):
            rows.setdefault(line.split(" | ")[0], line)  # the first table: test accuracy
    assert "(at chance)" in rows["| `sgd`"]
    assert "(at chance)" not in rows["| `adam`"] and "(at chance)" not in rows["| `nadam`"]
    summary = pd.read_csv(tmp_path / "summary.csv").set_index("optimizer")
    assert summary.loc["sgd", "at_chance"] and summary.loc["sgd", "chance"] == 0.1
    assert not summary.loc["nadam", "at_chance"]  # 0.135 +- 0.012: its interval is above 0.1
    assert "0.1350 ± 0.0124 (3)" in rows["| `nadam`"]  # the seed count where counts differ


def test_untuned_rates_are_settings_not_matched_as_one_optimizer(tmp_path):
    """A GAN's rates are not tuned: `adam:lr=0.0002` + batchnorm is another setting, not
    `adam` + none tuned elsewhere, so no regularizer effect is measured between them; the
    same pair in a tuned classifier table is (test_regularizers_compare_across_tuned_rates)."""
    store = Store(tmp_path)
    cells = {("adam:beta_1=0.5", "none"): [50.0, 52.0, 51.0],
             ("adam:beta_1=0.5", "batchnorm"): [49.0, 51.0, 52.0],
             ("adam:lr=0.0002:beta_1=0.5", "batchnorm"): [60.0, 61.0, 62.0]}  # fmt: skip
    for (opt, reg), values in cells.items():
        for seed, fid in enumerate(values):
            store.write(fixture_record(opt, reg, seed, 0.0, model="dcgan").replace(
                task="generation", test={"fid": fid}))  # fmt: skip
    write_report(tmp_path)
    text = (tmp_path / "README.md").read_text()
    effects = next(line for line in text.splitlines() if "regularizers against" in line)
    assert "`adam:beta_1=0.5` + `batchnorm` vs `adam:beta_1=0.5` + `none`" in effects
    assert "lr=0.0002" not in effects and "1 comparison" in effects


def test_an_effect_inside_the_margin_is_equivalent(tmp_path):
    """A regularizer whose effect's 95% CI lies inside the noise floor (±0.8 pp at 10,000
    test images near 0.8) is called equivalent to `none`, not inconclusive."""
    store = Store(tmp_path)
    base = [0.800, 0.810, 0.800, 0.810, 0.805]
    shifts = [0.001, -0.001, 0.002, 0.0, 0.001]  # +0.06 pp, 95% CI -0.08 to +0.2 pp
    cells = {("adam", "none"): base,
             ("adam", "l2"): [v + d for v, d in zip(base, shifts, strict=True)]}  # fmt: skip
    for (opt, reg), values in cells.items():
        for seed, acc in enumerate(values):
            store.write(fixture_record(opt, reg, seed, acc).replace(
                data_sizes={"train": 100, "val": 10, "test": 10000}))  # fmt: skip
    write_report(tmp_path)
    text = (tmp_path / "README.md").read_text()
    regs = next(line for line in text.splitlines() if "regularizers against" in line)
    assert "equivalent within ±0.8 pp (the 95% CI inside it): `adam` + `l2` vs" in regs
    assert "inconclusive" not in regs


def test_a_leader_one_seed_decides_says_so(tmp_path):
    """With seed 3 left out `adam` leads instead of `nadam`: the sentence says the leader
    itself changes, not only that the claim does."""
    store = Store(tmp_path)
    cells = {"adam": [0.810, 0.812, 0.811, 0.700], "nadam": [0.800, 0.801, 0.799, 0.800]}
    for opt, values in cells.items():
        for seed, acc in enumerate(values):
            store.write(fixture_record(opt, "none", seed, acc).replace(
                data_sizes={"train": 100, "val": 10, "test": 10000}))  # fmt: skip
    write_report(tmp_path)
    lead = next(line for line in (tmp_path / "README.md").read_text().splitlines()
                if line.startswith("- ") and "leads" in line)  # fmt: skip
    assert lead.startswith("- [cnn_small on fashion_mnist](#cnn_small-on-fashion_mnist): `nadam`")
    assert "The leader itself changes with seed 3 left out." in lead
