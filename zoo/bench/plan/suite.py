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
    tune = "lr+wd"             # tune learning rate and decoupled weight decay (decide.tune)
    notes = '''...'''          # optional: what the profile chose and why (the report shows it)
    name = "opt"               # roles (`zoo.bench.plan.roles`): a name other grids refer to;
                               # optimizers = { best = 2, of = "opt" }: that grid's 2 best,
                               # chosen on validation; budget_of = "opt": its table at other
                               # epochs; ruleset = "self-tuning": fixed settings, not tuned

`zoo.bench.plan.grid.expand` turns a profile into a list of `Trial`s; command-line flags
override the file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zoo.errors import UsageError, unknown_key, unknown_name

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
    "tune": None,  # "lr" or "lr+wd", optionally ":CAP": the tuning budget (decide.tune)
    "backend": None,  # Keras backend(s): "jax" or ["tensorflow", "torch"]; None: this process's
}
AXES = ("models", "optimizers", "regularizers")
# Axes a grid may leave out, with their default (`datasets`: None is each model's own).
OPTIONAL_AXES = {"schedules": ["constant"], "datasets": [None]}
SUITE_KEYS = {"description", "defaults", "profiles"}
PROFILE_KEYS = set(SETTINGS) | {"description", "notes", "grid"}  # notes: the report's "why"
GRID_KEYS = set(SETTINGS) | set(AXES) | set(OPTIONAL_AXES) | {"name", "budget_of", "ruleset"}


def suites_dirs() -> list[Path]:
    """Where suites are looked for by name: `$ZOO_SUITES_DIR`, `./benchmarks/suites`, and the
    package's own (`zoo/suites`, installed with it)."""
    dirs = []
    if os.environ.get("ZOO_SUITES_DIR"):
        dirs.append(Path(os.environ["ZOO_SUITES_DIR"]))
    dirs.append(Path.cwd() / "benchmarks" / "suites")
    dirs.append(Path(__file__).resolve().parents[2] / "suites")
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
