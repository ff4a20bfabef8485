"""Expanding a suite's profile into trials: its grids' cross products (models x optimizers x
schedules x regularizers x data sets x seeds), with command-line flags overriding the file,
every name and value checked before anything runs.
"""

from __future__ import annotations

import itertools
from typing import Any

from zoo.bench.plan import roles
from zoo.bench.plan.suite import AXES, OPTIONAL_AXES, SETTINGS, Suite
from zoo.bench.plan.trial import Trial
from zoo.bench.run.provenance import versions as backend_versions
from zoo.data import dataset_info
from zoo.errors import UsageError, unknown_name
from zoo.metrics.gan import check_samples
from zoo.models import model_info
from zoo.specs import parse_optimizer_pair, parse_regularizer, parse_schedule
from zoo.specs.optimizers import SCHEDULE_FREE
from zoo.specs.search import parse_budget
from zoo.specs.tasks import task


def parse_seeds(value: Any) -> tuple[list[int], tuple[int, int] | None]:
    """The seeds a cell starts with, and its racing budget: `N` -> seeds 0..N-1 (no racing),
    a list -> those seeds, `"MIN..MAX"` -> seeds 0..MIN-1, racing up to MAX
    (`zoo.bench.decide.racing`)."""
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
    return backend_versions(backend)


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
    roles.check_roles(f"{suite.path} [profiles.{profile}]", prof["grid"])
    planned = []
    for grid in _select_models(prof, overrides.pop("models", None)):
        s = roles.settings(grid, _settings(suite, prof, grid, overrides))
        planned.append((grid, s, _axes(grid, overrides, profile)))
    named = {g["name"]: (g, s, a) for g, s, a in planned if "name" in g}
    # Named grids first (a trial two grids share keeps the named grid's role), grids that
    # pick another's optimizers last: their stand-ins never replace a real trial.
    planned.sort(key=lambda p: (isinstance(p[2]["optimizers"], dict), "name" not in p[0]))
    trials: dict[Any, Trial] = {}
    for grid, s, axes in planned:
        stand = roles.stand_ins(grid, axes, named) if isinstance(axes["optimizers"], dict) else None
        if "budget_of" in grid:
            roles.check_budget(grid, s, named)
        grid_axes = {**axes, "optimizers": stand} if stand is not None else axes
        for t in roles.with_roles(_grid_trials(s, grid_axes, versions, notes), grid, stand):
            trials.setdefault((t.config_hash, t.role.pick), t)
    return list(trials.values())


def _settings(suite: Suite, prof: dict, grid: dict, overrides: dict) -> dict[str, Any]:
    """A grid's settings: the defaults, the suite's, the profile's, the grid's and the
    flags', each over the one before; checked."""
    s = {**SETTINGS, **suite.defaults}
    s.update({k: v for k, v in prof.items() if k in SETTINGS})
    s.update({k: v for k, v in grid.items() if k in SETTINGS})
    for k, v in overrides.items():
        if k in ("data_options", "model_options"):  # a flag adds to the file's table
            s[k] = {**s[k], **v} if isinstance(s[k], dict) else v
        elif k in SETTINGS:
            s[k] = v
    for key in ("epochs", "batch_size"):
        _positive(key, s[key])
    _positive("train_size", s["train_size"], allow_none=True)
    _positive("test_size", s["test_size"], allow_none=True)
    _positive("val_size", s["val_size"], allow_zero=True)
    _positive("fid_samples", s["fid_samples"])
    check_samples(s["fid_samples"], "fid_samples")
    target = s["target"]
    if target is not None and (isinstance(target, bool) or not isinstance(target, int | float)):
        raise UsageError(f"target must be a number (a validation score), got {target!r}.")
    if s["tune"] is not None and s["tune"] != "off":
        parse_budget(s["tune"])
    for key in ("data_options", "model_options"):
        if not isinstance(s[key], dict):
            raise UsageError(f"{key} must be a table, got {s[key]!r}.")
    if any(b is not None and not isinstance(b, str) for b in _backends(s)) or not _backends(s):
        raise UsageError(f"backend must be a name or a list of names, got {s['backend']!r}.")
    return s


def _backends(s: dict[str, Any]) -> list:
    return s["backend"] if isinstance(s["backend"], list) else [s["backend"]]


def _axes(grid: dict, overrides: dict, profile: str) -> dict[str, list]:
    """A grid's axes (models, optimizers, ...), flags over the file's."""
    axes = {a: overrides.get(a, grid.get(a)) for a in AXES}
    for a, default in OPTIONAL_AXES.items():
        axes[a] = overrides.get(a, grid.get(a, default))
    for a, values in axes.items():
        if a == "datasets" and values == [None]:
            continue
        if a == "optimizers" and isinstance(values, dict) and roles.picks(grid):
            continue  # the best of a named grid (`zoo.bench.plan.roles`)
        if not values or not isinstance(values, list):
            raise UsageError(f"profile {profile!r}: a grid needs a non-empty list {a} = [...].")
    return axes


def _check_models(infos, s: dict[str, Any], optimizers, regularizers) -> None:
    """Each model takes the grid's settings, regularizers and optimizers, or `UsageError`."""
    target = s["target"]
    for info in infos:
        t = task(info.task)
        if target is not None and t.validation is None:
            raise UsageError(
                f"target = {target}: a target validation score applies to models with a "
                f"validation metric, and {info.name} has none (its task: {t.name})."
            )
        if target is not None and t.percent and not 0 < target <= 1:
            raise UsageError(
                f"target must be a validation {t.metric} in (0, 1] for {info.name}, got {target!r}."
            )
        if target is not None and not s["val_size"]:
            raise UsageError(f"target = {target} needs a validation split: set val_size > 0.")
        if t.generative and s["test_size"] is not None:  # the real images of its FID
            check_samples(s["test_size"], f"test_size of {info.name}")
        info.check_options(s["model_options"])
        for reg in regularizers:
            info.check_regularizer(reg)
        for g, d in optimizers:
            if d is not None and not t.generative:
                raise UsageError(
                    f"optimizer pair {g.label}/{d.label}: a generator/discriminator pair "
                    f"applies only to GANs, and {info.name} is not one."
                )


def _datasets(infos, names: list) -> dict[str, list[str]]:
    """Each model's data sets (None: its own), checked against the model."""
    datasets = {}
    for info in infos:
        mine = [d or info.dataset for d in names]
        for name in mine:
            info.check_dataset(name)
        datasets[info.name] = list(dict.fromkeys(mine))
    return datasets


def _grid_trials(s: dict[str, Any], axes: dict[str, list], versions, notes) -> list[Trial]:
    """The cross product of one grid's axes, as trials with its settings."""
    seeds, race = parse_seeds(s["seeds"])
    runtimes = [_versions_for(b, versions) for b in _backends(s)]
    infos = [model_info(m) for m in axes["models"]]
    optimizers = [parse_optimizer_pair(o) for o in axes["optimizers"]]
    regularizers = [parse_regularizer(r) for r in axes["regularizers"]]
    schedules = list(dict.fromkeys(parse_schedule(x) for x in axes["schedules"]))
    pairs = _schedule_pairs(optimizers, schedules, notes)
    _check_models(infos, s, optimizers, regularizers)
    datasets = _datasets(infos, axes["datasets"])
    combos = itertools.product(runtimes, infos, pairs, regularizers, seeds)
    combos = [(r, i, d, p, g, s_) for r, i, p, g, s_ in combos for d in datasets[i.name]]
    target = s["target"]
    return [
        Trial(
            model=info.name,
            dataset=dataset,
            dataset_version=dataset_info(dataset).version,
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
            fid_samples=s["fid_samples"] if task(info.task).generative else None,
            model_options=dict(s["model_options"]),
            target=float(target) if target is not None else None,
            tune=s["tune"] if s["tune"] != "off" else None,
            schedule=schedule,
            race=race,
        )
        for runtime, info, dataset, ((opt, d_opt), schedule), reg, seed in combos
    ]
