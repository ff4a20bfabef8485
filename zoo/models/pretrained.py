"""Pretrained models shipped inside the package: `zoo.build("cnn_vgg", pretrained=True)`.

A *tag* names one set of weights, timm style: `<model>.<data set>`, e.g. `cnn_vgg.fashion_mnist`;
`zoo.build("cnn_vgg", pretrained=True)` takes the model's default tag. Each tag has, in
`zoo/weights/pretrained/`, a `.weights.h5` file, for text models a `vocabulary.txt`, and a
card (`<tag>.json`): data set and split, the test metrics the project measured, the exact
trial config and its hash, the command that reproduces it, git commit, versions, and every
file's size and SHA-256.

Loading is offline and safe: every file's SHA-256 is checked against the card first, the
architecture comes from the registered builder (code in this package, not from the file), and
`load_weights` reads arrays only, so nothing in a weights file can run code (the guarantee
Keras's `safe_mode` gives for `.keras` archives).

The weights are made by the project's own harness: `make weights` (`python -m
zoo.models.pretrained make`) trains each tag's recipe with `zoo bench --save-weights` and
writes the weights and cards; `python -m zoo.models.pretrained verify` re-measures every card's
test metric on the full test set.
"""

from __future__ import annotations

import fnmatch
import json
import math
import platform
import shutil
import sys
from pathlib import Path
from typing import Any

import keras

from zoo.data.files import sha256_file
from zoo.errors import UsageError, ZooError, unknown_name
from zoo.models.registry import model_info

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights" / "pretrained"
FEATURES = "features"  # the layer `include_top=False` ends at

# How each tag is trained: `zoo bench --profile full` with these overrides, one seed.
PROFILE = "full"
RECIPES: dict[str, dict[str, Any]] = {
    "cnn_vgg.fashion_mnist": {
        "models": ["cnn_vgg"], "optimizers": ["adam"], "schedules": ["constant"],
        "regularizers": ["dropout+batchnorm"], "seeds": 1, "epochs": 12,
    },
    "bilstm.imdb": {
        "models": ["bilstm"], "optimizers": ["adam"], "schedules": ["constant"],
        "regularizers": ["dropout:0.5"], "seeds": 1, "epochs": 4, "batch_size": 32, "val_size": 0,
        "model_options": {"pooling": "max_mean", "embedding_dropout": 0.5},
    },
    "dcgan.fashion_mnist": {
        "models": ["dcgan"], "optimizers": ["adam:lr=2e-4:beta_1=0.5"], "schedules": ["constant"],
        "regularizers": ["batchnorm"], "seeds": 1, "epochs": 30, "batch_size": 128,
    },
}  # fmt: skip


def cards(weights_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    """Every shipped card, by tag."""
    folder = Path(weights_dir or WEIGHTS_DIR)
    found = {}
    for path in sorted(folder.glob("*.json")):
        try:
            card = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ZooError(f"the model card {path} is unreadable ({exc}). Reinstall zoo.") from exc
        found[card["tag"]] = card
    return found


def list_pretrained(pattern: str = "*", weights_dir: Path | None = None) -> list[str]:
    """Tags of the shipped pretrained models matching a shell-style `pattern`, sorted.

    A pattern without a dot also matches by model name: `list_pretrained("cnn*")`.
    """
    return sorted(
        tag
        for tag in cards(weights_dir)
        if fnmatch.fnmatch(tag, pattern) or fnmatch.fnmatch(tag.split(".")[0], pattern)
    )


def card(name: str, weights_dir: Path | None = None) -> dict[str, Any]:
    """The card of tag `name`, or of model `name`'s default tag."""
    found = cards(weights_dir)
    if name in found:
        return found[name]
    by_model = [c for c in found.values() if c["model"] == name]
    if by_model:
        return next((c for c in by_model if c.get("default")), by_model[0])
    model_info(name.split(".")[0])  # an unknown model: the registry's error, with a hint
    raise unknown_name("pretrained model", name, sorted(found))


def verified_files(c: dict[str, Any], weights_dir: Path | None = None) -> dict[str, Path]:
    """The card's files, each checked against its recorded SHA-256; `ZooError` if not."""
    folder = Path(weights_dir or WEIGHTS_DIR)
    paths = {}
    for role, f in c["files"].items():
        path = folder / f["file"]
        if not path.is_file():
            raise ZooError(
                f"the {role} file of pretrained model {c['tag']!r} is missing: {path}. "
                "Reinstall zoo (pip install --force-reinstall zoo), or retrain with `make weights`."
            )
        digest = sha256_file(path)
        if digest != f["sha256"]:
            raise ZooError(
                f"the {role} file of pretrained model {c['tag']!r} is damaged or was replaced: "
                f"{path} has SHA-256 {digest}, its card says {f['sha256']}. Nothing was loaded. "
                "Reinstall zoo (pip install --force-reinstall zoo), or retrain with `make weights`."
            )
        paths[role] = path
    return paths


def build_pretrained(
    name: str, *, include_top: bool = True, weights_dir: Path | None = None
) -> keras.Model:
    """The model of tag (or model) `name` with its shipped weights, after checking them.

    Text models take raw strings (their vectorizer is part of the model). `include_top=False`
    gives a classifier's feature extractor: the model up to its `features` layer.
    """
    c = card(name, weights_dir)
    paths = verified_files(c, weights_dir)
    model = architecture(c)
    model.load_weights(paths["weights"])
    if "vocabulary" in paths:
        from zoo.models.lstm import with_vectorizer

        vocabulary = read_vocabulary(paths["vocabulary"])
        if not include_top:
            raise UsageError(f"include_top=False applies to image classifiers, not {c['tag']!r}.")
        return with_vectorizer(model, vocabulary, c["builder_kwargs"]["sequence_length"])
    if not include_top:
        names = [layer.name for layer in model.layers]
        if FEATURES not in names:
            raise UsageError(
                f"{c['tag']!r} has no feature layer; include_top=False applies to: "
                + ", ".join(
                    t for t, k in cards(weights_dir).items() if k["task"] == "classification"
                )
            )
        model = keras.Model(
            model.input, model.get_layer(FEATURES).output, name=f"{model.name}_features"
        )
    return model


def architecture(c: dict[str, Any]) -> keras.Model:
    """The untrained model a card describes (its registered builder with the card's kwargs)."""
    kwargs = dict(c["builder_kwargs"])
    if "input_shape" in kwargs:
        kwargs["input_shape"] = tuple(kwargs["input_shape"])
    return model_info(c["model"]).builder(**kwargs)


def read_vocabulary(path: Path) -> list[str]:
    """A vocabulary file as `zoo bench --save-weights` writes it: one token a line."""
    return path.read_text(encoding="utf-8").split("\n")[:-1]


# --- Making and checking the weights (`make weights`) -----------------------------------


def _trial(tag: str):
    from zoo.bench import expand, load_suite
    from zoo.bench.provenance import versions

    trials = expand(load_suite("zoo"), PROFILE, RECIPES[tag], versions=versions())
    assert len(trials) == 1, f"the recipe of {tag} must be one trial, not {len(trials)}"
    return trials[0]


def command(tag: str, out: str = "runs/weights") -> str:
    """The `zoo bench` command that trains `tag`'s weights."""
    args = [f"--profile {PROFILE}"]
    for key, value in RECIPES[tag].items():
        if isinstance(value, dict):
            value = ",".join(
                f"{k}={'/'.join(map(str, v)) if isinstance(v, list | tuple) else v}"
                for k, v in value.items()
            )
        elif isinstance(value, list):
            value = ",".join(value)
        args.append(f"--{key.replace('_', '-')} {value}")
    return "zoo bench " + " ".join(args) + f" --save-weights --out {out}"


def export(tag: str, results: Path, weights_dir: Path | None = None, trial=None) -> dict[str, Any]:
    """Write `tag`'s shipped files and card from its trial's record in `results`.

    `trial`: the trial whose record to take; default: the one of `tag`'s recipe.
    """
    from zoo.bench.store import Store
    from zoo.data import load_dataset

    folder = Path(weights_dir or WEIGHTS_DIR)
    trial = trial or _trial(tag)
    store = Store(results)
    record = store.read(trial.config_hash)
    if not record or record.get("status") != "ok" or "weights.h5" not in record.get("files", {}):
        raise ZooError(
            f"no finished trial with saved weights for {tag} in {results} (config hash "
            f"{trial.config_hash}). Train it first with `zoo bench ... --save-weights`"
            + (f": {command(tag, str(results))}" if tag in RECIPES else ".")
        )
    ds = load_dataset(trial.dataset, train_size=1, val_size=0, test_size=1,
                      seed=trial.seed, **trial.data_options)  # fmt: skip
    builder_kwargs = {
        **ds.model_kwargs,
        **trial.model_options,
        "regularizer": trial.regularizer.label,
    }
    if "input_shape" in builder_kwargs:
        builder_kwargs["input_shape"] = list(builder_kwargs["input_shape"])
    c: dict[str, Any] = {"tag": tag, "model": trial.model, "builder_kwargs": builder_kwargs}
    model = architecture(c)
    # The trial's file also holds the optimizer's state; ship the model's weights alone.
    model.load_weights(store.results / record["files"]["weights.h5"])
    folder.mkdir(parents=True, exist_ok=True)
    files = {"weights": folder / f"{tag}.weights.h5"}
    model.save_weights(str(files["weights"]))
    if "vocabulary.txt" in record["files"]:
        files["vocabulary"] = folder / f"{tag}.vocabulary.txt"
        shutil.copyfile(store.results / record["files"]["vocabulary.txt"], files["vocabulary"])
    env = record["env"]
    c.update(
        default=True,
        task=record["task"],
        dataset=trial.dataset,
        description=model_info(trial.model).description,
        split=_split(record),
        test=record["test"],
        **({"coverage": record["coverage"]} if record.get("coverage") else {}),
        **({"fid": record["fid"]} if record.get("fid") else {}),
        params=int(model.count_params()),
        trial={"config_hash": trial.config_hash, "config": record["config"],
               "labels": record["labels"]},
        command=command(tag) if tag in RECIPES else None,
        reproduce="make weights" if tag in RECIPES else None,
        train_time_s=round(record["fit_time_s"], 1),
        git_commit=env.get("git_commit"),
        git_dirty=env.get("git_dirty"),
        keras=env.get("keras"),
        backend=f"{env.get('backend')} {env.get(env.get('backend', ''), '')}".strip(),
        hardware=f"{env.get('cpu')} ({env.get('cpu_count')} cores), {platform.machine()}",
        files={role: {"file": p.name, "bytes": p.stat().st_size, "sha256": sha256_file(p)}
               for role, p in files.items()},
    )  # fmt: skip
    (folder / f"{tag}.json").write_text(json.dumps(c, indent=1) + "\n")
    return c


def _split(record: dict[str, Any]) -> str:
    sizes = record["data_sizes"]
    return (
        f"trained on {sizes['train']} examples"
        + (f" ({sizes['val']} held out for validation)" if sizes.get("val") else "")
        + f", tested on {sizes['test']}"
    )


def headline(c: dict[str, Any]) -> tuple[str, float]:
    """A card's main test metric: (name, value)."""
    return ("fid", c["test"]["fid"]) if "fid" in c["test"] else ("accuracy", c["test"]["accuracy"])


def measure(tag: str, data_dir: str | None = None) -> dict[str, float]:
    """Load `tag` as a user would and measure its card's metric on the full test set."""
    from zoo.data import load_dataset

    c = card(tag)
    trial = c["trial"]["config"]
    model = build_pretrained(tag)
    if c["task"] == "generation":
        from zoo.metrics.gan import evaluate_generator

        ds = load_dataset(c["dataset"], train_size=1, val_size=0, data_dir=data_dir)
        scores = evaluate_generator(
            model.generate, ds.x_test, num_samples=trial.get("fid_samples") or 10000
        )
        return {
            "fid": scores["fid"]["value"],
            "classes_covered": scores["coverage"]["classes_covered"],
        }
    if "vocabulary" in c["files"]:
        from zoo.data.text import imdb_folder, read_reviews

        _, _, texts, labels = read_reviews(imdb_folder(data_dir)[0])
        probs = model.predict(texts, batch_size=256, verbose=0)[:, 0]
        return {"accuracy": float(((probs > 0.5) == labels).mean())}
    ds = load_dataset(c["dataset"], train_size=1, val_size=0, data_dir=data_dir)
    probs = model.predict(ds.x_test, batch_size=512, verbose=0)
    return {"accuracy": float((probs.argmax(axis=1) == ds.y_test).mean())}


def verify(tags: list[str] | None = None, data_dir: str | None = None) -> bool:
    """Measure every card's metric again; print card vs measured; True if all agree.

    Agreement: accuracy within 0.5 percentage points, FID within 10%.
    """
    ok = True
    for tag in tags or list_pretrained():
        c = card(tag)
        metric, expected = headline(c)
        got = measure(tag, data_dir)[metric]
        close = abs(got - expected) <= 0.005 if metric == "accuracy" else (
            math.isfinite(got) and abs(got - expected) <= 0.10 * expected)  # fmt: skip
        ok &= close
        print(f"{tag:24s} {metric}: card {expected:.4f}, measured {got:.4f}  "
              f"{'ok' if close else 'DIFFERS'}")  # fmt: skip
    return ok


def markdown_table(weights_dir: Path | None = None) -> str:
    """The cards as the README's table: tag, data set, test metric, size, how it was made."""
    rows = ["| `zoo.build(...)` | data set | test metric (measured by the project) | size | "
            "trained with | card |", "|---|---|---|---|---|---|"]  # fmt: skip
    for tag, c in cards(weights_dir).items():
        metric, value = headline(c)
        if metric == "fid":
            cov = c.get("coverage") or {}
            least = min(cov["shares"])
            shown = (f"FID {value:.1f} ({c['fid']['n_generated']:,} generated vs "
                     f"{c['fid']['n_real']:,} test images), {cov.get('classes_covered')}/"
                     f"{cov.get('num_classes')} classes, each >= {least:.1%}")  # fmt: skip
        else:
            shown = f"accuracy {value:.4f} on the full test split"
        mb = sum(f["bytes"] for f in c["files"].values()) / 1e6
        cfg = c["trial"]["labels"]
        options = c["trial"]["config"].get("model_options") or {}
        shown_options = "".join(f"`{k}={v}`, " for k, v in options.items())
        made = (f"`{cfg['optimizer']}`, `{cfg['regularizer']}`, {shown_options}"
                f"{c['trial']['config']['epochs']} epochs, {c['train_time_s'] / 60:.0f} min on "
                f"{c['hardware']}")  # fmt: skip
        rows.append(f"| `\"{tag}\"` | {c['dataset']} ({c['split']}) | {shown} | {mb:.1f} MB | "
                    f"{made} | [json](zoo/weights/pretrained/{tag}.json) |")  # fmt: skip
    return "\n".join(rows)


def make(out: str = "runs/weights", tags: list[str] | None = None) -> None:
    """Train every recipe (resuming, as `zoo bench` does) and write weights and cards."""
    from zoo.bench import run_trials

    for tag in tags or list(RECIPES):
        print(f"== {tag}: {command(tag, out)}", file=sys.stderr)
        run_trials([_trial(tag)], out, save_weights=True)
        c = export(tag, Path(out))
        print(f"   wrote {WEIGHTS_DIR / (tag + '.json')}: {headline(c)}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m zoo.models.pretrained", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("make", help="train the recipes and write weights + cards (make weights)")
    p.add_argument("tags", nargs="*", help=f"default: all of {', '.join(RECIPES)}")
    p.add_argument("--out", default="runs/weights", help="where the trials' records go")
    p = sub.add_parser("export", help="write weights + cards from trials already run")
    p.add_argument("results", help="a `zoo bench --save-weights` output folder")
    p.add_argument("tags", nargs="+", choices=list(RECIPES))
    p = sub.add_parser("verify", help="re-measure every card's test metric on the full test set")
    p.add_argument("tags", nargs="*")
    sub.add_parser("table", help="print the cards as the README's Markdown table")
    args = parser.parse_args(argv)
    tags = getattr(args, "tags", [])
    unknown = [t for t in tags if t not in (RECIPES if args.cmd != "verify" else cards())]
    if unknown:
        parser.error(f"unknown tag {unknown[0]!r}; valid: {', '.join(RECIPES)}")
    if args.cmd == "make":
        make(args.out, args.tags or None)
    elif args.cmd == "export":
        for tag in args.tags:
            print(json.dumps(headline(export(tag, Path(args.results)))))
    elif args.cmd == "table":
        print(markdown_table())
    else:
        return 0 if verify(args.tags or None) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
