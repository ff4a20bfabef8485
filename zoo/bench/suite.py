"""Suites: models x optimizers x regularizers x seeds under a profile, read from TOML.

A suite is a TOML file: the built-in ones ship inside the package (`zoo/suites/`, which
the repository's `benchmarks/suites/` links to, so there is one copy), and `--suite
my.toml` runs any other:

    description = "..."
    [defaults]                 # trial settings shared by every profile
    batch_size = 128
    [profiles.quick]           # a profile: settings plus one or more grids
    seeds = 2
    epochs = 3
    train_size = 6000
    [[profiles.quick.grid]]    # a grid: the cross product of its three lists
    models = ["cnn_small"]
    optimizers = ["adam", "sgd"]
    regularizers = ["none", "l2"]
    schedules = ["constant", "cosine"]   # optional; default: constant
    epochs = 4                 # a grid may override any setting
    target = 0.8               # classifiers: time-to-target validation accuracy
    tune = "lr:3"              # tune each optimizer's learning rate (zoo.bench.tune)

`expand()` turns a profile into a list of `Trial`s; command-line flags override the file.
"""

from __future__ import annotations

import itertools
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zoo.bench.trial import Trial
from zoo.errors import UsageError, unknown_key, unknown_name
from zoo.models import model_info
from zoo.specs import parse_optimizer_pair, parse_regularizer, parse_schedule
from zoo.specs.optimizers import SCHEDULE_FREE

SETTINGS: dict[str, Any] = {
    "seeds": 1,
    "epochs": 1,
    "batch_size": 128,
    "train_size": None,  # None: the whole train split less validation
    "val_size": 5000,
    "test_size": None,  # None: the whole test split
    "jit_compile": False,  # XLA measured 3x slower per trial on CPU (recompiles)
    "data_options": {},  # keyword options of the data set, e.g. vocab_size for imdb
    "fid_samples": 10000,  # GANs: generated and real images behind the FID and coverage
    "model_options": {},  # keyword arguments of the model builder, e.g. width for dcgan
    "target": None,  # classifiers: a validation accuracy; records store when it was reached
    "tune": None,  # "lr:K": tune each optimizer's learning rate with K trials (zoo.bench.tune)
    "backend": None,  # Keras backend(s): "jax" or ["tensorflow", "torch"]; None: this process's
}
AXES = ("models", "optimizers", "regularizers")
# Axes a grid may leave out, with their default (`datasets`: None is each model's own).
OPTIONAL_AXES = {"schedules": ["constant"], "datasets": [None]}
SUITE_KEYS = {"description", "defaults", "profiles"}
PROFILE_KEYS = set(SETTINGS) | {"description", "grid"}
GRID_KEYS = set(SETTINGS) | set(AXES) | set(OPTIONAL_AXES)


def suites_dirs() -> list[Path]:
    """Where suites are looked for by name: `$ZOO_SUITES_DIR`, `./benchmarks/suites`, and the
    package's own (`zoo/suites`, installed with it)."""
    dirs = []
    if os.environ.get("ZOO_SUITES_DIR"):
        dirs.append(Path(os.environ["ZOO_SUITES_DIR"]))
    dirs.append(Path.cwd() / "benchmarks" / "suites")
    dirs.append(Path(__file__).resolve().parents[1] / "suites")
    return list(dict.fromkeys(d.resolve() for d in dirs))


def list_suites() -> dict[str, Path]:
    """Suite name -> file, first folder wins."""
    found: dict[str, Path] = {}
    for d in suites_dirs():
        for path in sorted(d.glob("*.toml")):
            found.setdefault(path.stem, path)
    return found


@dataclass
class Suite:
    name: str
    path: Path
    description: str
    defaults: dict[str, Any]
    profiles: dict[str, dict[str, Any]]


def _check_keys(where: str, table: dict, valid: set[str]) -> None:
    for key in table:
        if key not in valid:
            raise unknown_key(where, key, valid)


def load_suite(name_or_path: str) -> Suite:
    """Read and validate a suite by name (see `list_suites`) or by path to a TOML file."""
    path = Path(name_or_path)
    if not (path.suffix == ".toml" and path.is_file()):
        suites = list_suites()
        if name_or_path not in suites:
            raise unknown_name("suite", name_or_path, suites)
        path = suites[name_or_path]
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"cannot read suite file {path}: {exc}") from exc
    _check_keys(str(path), data, SUITE_KEYS)
    defaults = data.get("defaults", {})
    _check_keys(f"{path} [defaults]", defaults, set(SETTINGS))
    profiles = data.get("profiles", {})
    if not profiles:
        raise UsageError(f"{path} defines no [profiles.NAME] table.")
    for pname, profile in profiles.items():
        _check_keys(f"{path} [profiles.{pname}]", profile, PROFILE_KEYS)
        grids = profile.get("grid", [])
        if not grids:
            raise UsageError(f"{path} [profiles.{pname}] has no [[profiles.{pname}.grid]].")
        for i, grid in enumerate(grids):
            _check_keys(f"{path} [[profiles.{pname}.grid]] #{i + 1}", grid, GRID_KEYS)
    return Suite(path.stem, path, data.get("description", ""), defaults, profiles)


def parse_seeds(value: Any) -> tuple[list[int], tuple[int, int] | None]:
    """The seeds a cell starts with, and its racing budget: `N` -> seeds 0..N-1 (no racing),
    a list -> those seeds, `"MIN..MAX"` -> seeds 0..MIN-1, racing up to MAX
    (`zoo.bench.racing`)."""
    if isinstance(value, str):
        low, sep, high = value.partition("..")
        if not (sep and low.strip().isdigit() and high.strip().isdigit()):
            raise UsageError(
                f"seeds {value!r}: write a count (3), or MIN..MAX for racing (3..8: every cell "
                "gets 3 seeds, contested cells up to 8)."
            )
        lo, hi = int(low), int(high)
        if not 2 <= lo <= hi:
            raise UsageError(
                f"seeds {value!r}: racing needs 2 <= MIN <= MAX (a t-test needs two seeds)."
            )
        return list(range(lo)), (lo, hi) if hi > lo else None
    if isinstance(value, bool) or not isinstance(value, int | list):
        raise UsageError(f"seeds must be a count, MIN..MAX or a list of integers, got {value!r}.")
    if isinstance(value, int):
        if value < 1:
            raise UsageError(f"seeds must be at least 1, got {value}.")
        return list(range(value)), None
    if not value or not all(isinstance(s, int) and not isinstance(s, bool) for s in value):
        raise UsageError(f"seeds must be a non-empty list of integers, got {value!r}.")
    return list(value), None


def _positive(key: str, value: Any, *, allow_none: bool = False, allow_zero: bool = False) -> None:
    if value is None and allow_none:
        return
    low = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise UsageError(f"{key} must be an integer >= {low}, got {value!r}.")


def _select_models(prof: dict[str, Any], models: list[str] | None) -> list[dict[str, Any]]:
    """The profile's grids restricted to `models` (all of them when None).

    A requested model keeps the settings of the grids that list it; a model no grid lists
    joins the first grid of its family (else the first grid), so it trains with the
    settings (data options, sizes) meant for its kind of model.
    """
    grids = [{"models": [], **g} for g in prof["grid"]]
    if models is None:
        return grids
    for m in models:
        model_info(m)  # unknown names fail here, with the closest match
    selected = []
    for g in grids:
        keep = [m for m in models if m in g["models"]]
        if keep:
            selected.append({**g, "models": keep})
    listed = {m for g in grids for m in g["models"]}
    for m in dict.fromkeys(models):
        if m in listed:
            continue
        family = model_info(m).family
        home = next(
            (g for g in grids if any(model_info(x).family == family for x in g["models"])),
            grids[0],
        )
        selected.append({**home, "models": [m]})
    return selected


def _versions_for(backend: str | None, versions: dict[str, str] | None) -> dict[str, str]:
    """The versions a trial under `backend` records (and is hashed with)."""
    if backend is None or (versions and versions.get("backend") == backend):
        return dict(versions or {})
    from zoo.bench.provenance import versions as backend_versions

    return backend_versions(backend)


def _dataset_version(name: str) -> str | None:
    """A TFDS data set's version (it changes the data, so it is part of the config)."""
    from zoo.data import dataset_info

    return dataset_info(name).version


def _schedule_pairs(optimizers, schedules, notes: list[str] | None):
    """(optimizer pair, schedule) combinations of a grid. A schedule-free optimizer takes
    only `constant`: its other pairs are left out (and said so in `notes`); one left with
    none at all is a usage error."""
    pairs = []
    for g, d in optimizers:
        free = g.name in SCHEDULE_FREE or (d is not None and d.name in SCHEDULE_FREE)
        kept = [s for s in schedules if s.constant or not free]
        if free and not kept:
            raise UsageError(
                f"{g.label}: schedule_free_adamw takes no learning-rate schedule (its iterate "
                "averaging replaces one; Defazio et al. 2024), and this grid gives it only "
                f"{', '.join(s.label for s in schedules)}. Add 'constant' to the schedules, "
                "or run it in a grid of its own."
            )
        if free and len(kept) < len(schedules) and notes is not None:
            dropped = ", ".join(s.label for s in schedules if s not in kept)
            notes.append(
                f"{g.label} runs with the constant schedule only (left out: {dropped}): "
                "schedule-free optimizers take no schedule."
            )
        pairs += [((g, d), s) for s in kept]
    return pairs


def expand(
    suite: Suite,
    profile: str,
    overrides: dict[str, Any] | None = None,
    versions: dict[str, str] | None = None,
    notes: list[str] | None = None,
) -> list[Trial]:
    """The trials of `profile`, with `overrides` (CLI flags) replacing the file's values.

    `notes`, if given, collects what the expansion left out and why (for the user to see).
    """
    if profile not in suite.profiles:
        raise unknown_name(
            f"profile of suite {suite.name!r}",
            profile,
            suite.profiles,
            plural=f"profiles of suite {suite.name!r}",
        )
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    prof = suite.profiles[profile]
    grids = _select_models(prof, overrides.pop("models", None))
    trials: dict[str, Trial] = {}
    for grid in grids:
        s = {**SETTINGS, **suite.defaults}
        s.update({k: v for k, v in prof.items() if k in SETTINGS})
        s.update({k: v for k, v in grid.items() if k in SETTINGS})
        for k, v in overrides.items():
            if k in ("data_options", "model_options"):  # a flag adds to the file's table
                s[k] = {**s[k], **v} if isinstance(s[k], dict) else v
            elif k in SETTINGS:
                s[k] = v
        axes = {a: overrides.get(a, grid.get(a)) for a in AXES}
        for a, default in OPTIONAL_AXES.items():
            axes[a] = overrides.get(a, grid.get(a, default))
        for a, values in axes.items():
            if a == "datasets" and values == [None]:
                continue
            if not values or not isinstance(values, list):
                raise UsageError(f"profile {profile!r}: a grid needs a non-empty list {a} = [...].")
        for key in ("epochs", "batch_size"):
            _positive(key, s[key])
        _positive("train_size", s["train_size"], allow_none=True)
        _positive("test_size", s["test_size"], allow_none=True)
        _positive("val_size", s["val_size"], allow_zero=True)
        _positive("fid_samples", s["fid_samples"])
        target = s["target"]
        if target is not None and (
            isinstance(target, bool) or not isinstance(target, int | float) or not 0 < target <= 1
        ):
            raise UsageError(f"target must be a validation accuracy in (0, 1], got {target!r}.")
        if s["tune"] is not None and s["tune"] != "off":
            from zoo.bench.tune import parse_budget

            parse_budget(s["tune"])
        for key in ("data_options", "model_options"):
            if not isinstance(s[key], dict):
                raise UsageError(f"{key} must be a table, got {s[key]!r}.")
        seeds, race = parse_seeds(s["seeds"])
        backends = s["backend"] if isinstance(s["backend"], list) else [s["backend"]]
        if any(b is not None and not isinstance(b, str) for b in backends) or not backends:
            raise UsageError(f"backend must be a name or a list of names, got {s['backend']!r}.")
        runtimes = [_versions_for(b, versions) for b in backends]
        infos = [model_info(m) for m in axes["models"]]
        optimizers = [parse_optimizer_pair(o) for o in axes["optimizers"]]
        regularizers = [parse_regularizer(r) for r in axes["regularizers"]]
        schedules = list(dict.fromkeys(parse_schedule(x) for x in axes["schedules"]))
        pairs = _schedule_pairs(optimizers, schedules, notes)
        for info in infos:
            gan = info.task == "generation"
            if gan and target is not None:
                raise UsageError(
                    f"target = {target}: a target validation accuracy applies to classifiers, "
                    f"and {info.name} is a GAN (it has no validation metric)."
                )
            if target is not None and not s["val_size"]:
                raise UsageError(f"target = {target} needs a validation split: set val_size > 0.")
            info.check_options(s["model_options"])
            for reg in regularizers:
                info.check_regularizer(reg)
            for g, d in optimizers:
                if d is not None and not gan:
                    raise UsageError(
                        f"optimizer pair {g.label}/{d.label}: a generator/discriminator pair "
                        f"applies only to GANs, and {info.name} is not one."
                    )
        datasets = {}
        for info in infos:
            names = [d or info.dataset for d in axes["datasets"]]
            for name in names:
                info.check_dataset(name)
            datasets[info.name] = list(dict.fromkeys(names))
        combos = itertools.product(runtimes, infos, pairs, regularizers, seeds)
        combos = [(r, i, d, p, g, s_) for r, i, p, g, s_ in combos for d in datasets[i.name]]
        for runtime, info, dataset, ((opt, d_opt), schedule), reg, seed in combos:
            t = Trial(
                model=info.name,
                dataset=dataset,
                dataset_version=_dataset_version(dataset),
                optimizer=opt,
                regularizer=reg,
                seed=seed,
                epochs=s["epochs"],
                batch_size=s["batch_size"],
                train_size=s["train_size"],
                val_size=s["val_size"],
                test_size=s["test_size"],
                jit_compile=bool(s["jit_compile"]),
                data_options=dict(s["data_options"]),
                versions=dict(runtime),
                d_optimizer=d_opt,
                fid_samples=s["fid_samples"] if info.task == "generation" else None,
                model_options=dict(s["model_options"]),
                target=float(target) if target is not None else None,
                tune=s["tune"] if s["tune"] != "off" else None,
                schedule=schedule,
                race=race,
            )
            trials.setdefault(t.config_hash, t)
    return list(trials.values())
