"""Making and checking the shipped pretrained weights (`make weights`): above the harness.

    python -m zoo.tools.weights make      # train every recipe with `zoo bench --save-weights`
    python -m zoo.tools.weights verify    # load each tag as a user would, re-measure its card
    python -m zoo.tools.weights table     # the cards as the README's table

Loading them is `zoo.models.pretrained`'s job (no harness there); this module trains them with
the harness (`zoo.bench`), exports the trained weights and a card per tag into
`zoo/weights/pretrained/`, and re-measures every card on the full test set.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np

from zoo.bench import Store, expand, load_suite, run_trials
from zoo.bench.output.record import TrialRecord
from zoo.bench.run.provenance import versions
from zoo.data import load_dataset
from zoo.data.files import sha256_file
from zoo.data.text import imdb_folder, read_reviews
from zoo.errors import ZooError
from zoo.metrics.gan import evaluate_generator
from zoo.models.card import CardFile, CardTrial, ModelCard
from zoo.models.pretrained import (
    WEIGHTS_DIR,
    architecture,
    build_pretrained,
    card,
    cards,
    list_pretrained,
)
from zoo.models.registry import model_info

# How each tag is trained: `zoo bench --profile full` with these overrides, one seed.
PROFILE = "full"
RECIPES: dict[str, dict[str, Any]] = {
    "cnn_vgg.fashion_mnist": {
        "models": ["cnn_vgg"], "optimizers": ["adamw:lr=0.002"], "schedules": ["warmup_cosine"],
        "regularizers": ["dropout:0.2+batchnorm+augment:0.08+label_smoothing"], "seeds": 1,
        "epochs": 20, "batch_size": 128, "val_size": 0,
        "model_options": {"widths": [32, 64, 128], "dense_units": 256},
    },
    "bilstm.imdb": {
        "models": ["bilstm"], "optimizers": ["adamw:lr=0.002"], "schedules": ["warmup_cosine"],
        "regularizers": ["dropout:0.5+label_smoothing"], "seeds": 1, "epochs": 4,
        "batch_size": 64, "val_size": 0,
        "model_options": {"pooling": "max_mean", "embedding_dropout": 0.5},
        "data_options": {"vocab_size": 20000, "sequence_length": 400},
    },
    "dcgan.fashion_mnist": {
        "models": ["dcgan"], "optimizers": ["adam:lr=2e-4:beta_1=0.5"], "schedules": ["constant"],
        "regularizers": ["batchnorm"], "seeds": 1, "epochs": 30, "batch_size": 128,
    },
}  # fmt: skip


def _trial(tag: str):
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


def export(tag: str, results: Path, weights_dir: Path | None = None, trial=None) -> ModelCard:
    """Write `tag`'s shipped files and card from its trial's record in `results`.

    `trial`: the trial whose record to take; default: the one of `tag`'s recipe.
    """
    folder = Path(weights_dir or WEIGHTS_DIR)
    trial = trial or _trial(tag)
    store = Store(results)
    record = store.read(trial.config_hash)
    if record is None or record.status != "ok" or "weights.h5" not in record.files:
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
    model = architecture(trial.model, builder_kwargs)
    # The trial's file also holds the optimizer's state; ship the model's weights alone.
    model.load_weights(store.results / record.files["weights.h5"])
    folder.mkdir(parents=True, exist_ok=True)
    files = {"weights": folder / f"{tag}.weights.h5"}
    model.save_weights(str(files["weights"]))
    if "vocabulary.txt" in record.files:
        files["vocabulary"] = folder / f"{tag}.vocabulary.txt"
        shutil.copyfile(store.results / record.files["vocabulary.txt"], files["vocabulary"])
    env = record.env
    c = ModelCard(
        tag=tag,
        model=trial.model,
        builder_kwargs=builder_kwargs,
        default=True,
        task=record.task,
        dataset=trial.dataset,
        description=model_info(trial.model).description,
        split=_split(record),
        test=dict(record.test or {}),
        coverage=_plain(record.coverage),
        fid=_plain(record.fid),
        params=int(model.count_params()),
        trial=CardTrial(
            config_hash=trial.config_hash,
            config=record.config,
            labels=dataclasses.asdict(record.labels),
        ),
        command=command(tag) if tag in RECIPES else None,
        reproduce="make weights" if tag in RECIPES else None,
        # Every epoch's time: a trial resumed after an interruption spans several processes.
        train_time_s=round(sum(record.curve("epoch_time_s")) or record.fit_time_s or 0.0, 1),
        git_commit=env.get("git_commit"),
        git_dirty=env.get("git_dirty"),
        keras=env.get("keras"),
        backend=f"{env.get('backend')} {env.get(env.get('backend', ''), '')}".strip(),
        hardware=f"{env.get('cpu')} ({env.get('cpu_count')} cores), {platform.machine()}",
        files={
            role: CardFile(file=p.name, bytes=p.stat().st_size, sha256=sha256_file(p))
            for role, p in files.items()
        },
    )
    (folder / f"{tag}.json").write_text(json.dumps(c.to_json(), indent=1) + "\n")
    return c


def _plain(value: Any) -> dict[str, Any] | None:
    """A record's `FID` or `Coverage` as the card holds it: a JSON object, keys sorted, unset
    fields (an FID measured without the untrained generator's) left out."""
    if value is None:
        return None
    return {k: v for k, v in sorted(dataclasses.asdict(value).items()) if v is not None}


def _split(record: TrialRecord) -> str:
    sizes = record.data_sizes
    return (
        f"trained on {sizes['train']} examples"
        + (f" ({sizes['val']} held out for validation)" if sizes.get("val") else "")
        + f", tested on {sizes['test']}"
    )


def _accuracy(probs: np.ndarray, labels: np.ndarray) -> float:
    """Accuracy of a sigmoid's (n, 1) or a softmax's (n, k) outputs."""
    predicted = probs[:, 0] > 0.5 if probs.shape[-1] == 1 else probs.argmax(axis=1)
    return float((predicted == labels).mean())


def measure(tag: str, data_dir: str | None = None) -> dict[str, float]:
    """Load `tag` as a user would and measure its card's metric on the full test set."""
    c = card(tag)
    t = c.task_info
    model = build_pretrained(tag)
    if t.generative:
        ds = load_dataset(c.dataset, train_size=1, val_size=0, data_dir=data_dir)
        num_samples = c.trial.config.get("fid_samples") or 10000
        scores = evaluate_generator(model.generate, ds.x_test, num_samples=num_samples)
        coverage = scores["coverage"]["classes_covered"]
        return {t.metric: scores["fid"]["value"], "classes_covered": coverage}
    if c.text:  # the model takes raw strings: IMDB's reviews as they are
        _, _, texts, labels = read_reviews(imdb_folder(data_dir)[0])
        return {t.metric: _accuracy(model.predict(texts, batch_size=256, verbose=0), labels)}
    ds = load_dataset(c.dataset, train_size=1, val_size=0, data_dir=data_dir)
    return {t.metric: _accuracy(model.predict(ds.x_test, batch_size=512, verbose=0), ds.y_test)}


def verify(tags: list[str] | None = None, data_dir: str | None = None) -> bool:
    """Measure every card's metric again; print card vs measured; True if all agree.

    Agreement: within the task's `remeasure` tolerance (`zoo.specs.tasks`: accuracy within
    0.5 percentage points, FID within 10%).
    """
    ok = True
    for tag in tags or list_pretrained():
        c = card(tag)
        metric, expected = c.task_info.metric, c.headline
        got = measure(tag, data_dir)[metric]
        close = c.task_info.remeasure.allows(expected, got)
        ok &= close
        print(f"{tag:24s} {metric}: card {expected:.4f}, measured {got:.4f}  "
              f"{'ok' if close else 'DIFFERS'}")  # fmt: skip
    return ok


def markdown_table(weights_dir: Path | None = None) -> str:
    """The cards as the README's table: tag, data set, test metric, size, how it was made."""
    rows = ["| `zoo.build(...)` | data set | test metric (measured by the project) | size | "
            "trained with | card |", "|---|---|---|---|---|---|"]  # fmt: skip
    for tag, c in cards(weights_dir).items():
        t, value = c.task_info, c.headline
        if t.generative:
            fid, cov = c.fid or {}, c.coverage or {}
            least = min(cov["shares"])
            shown = (f"{t.label} {t.fmt(value)} ({fid['n_generated']:,} generated vs "
                     f"{fid['n_real']:,} test images), {cov.get('classes_covered')}/"
                     f"{cov.get('num_classes')} classes, each >= {least:.1%}")  # fmt: skip
        else:
            shown = f"{t.metric} {value:.4f} on the full test split"
        mb = c.size_bytes / 1e6
        cfg = c.trial.labels
        options = c.trial.config.get("model_options") or {}
        shown_options = "".join(f"`{k}={v}`, " for k, v in options.items())
        schedule = f"`{cfg['schedule']}`, " if cfg.get("schedule") else ""
        made = (f"`{cfg['optimizer']}`, {schedule}`{cfg['regularizer']}`, {shown_options}"
                f"{c.trial.config['epochs']} epochs, {c.train_time_s / 60:.0f} min on "
                f"{c.hardware}")  # fmt: skip
        rows.append(f"| `\"{tag}\"` | {c.dataset} ({c.split}) | {shown} | {mb:.1f} MB | "
                    f"{made} | [json](zoo/weights/pretrained/{tag}.json) |")  # fmt: skip
    return "\n".join(rows)


def make(out: str = "runs/weights", tags: list[str] | None = None) -> None:
    """Train every recipe (resuming, as `zoo bench` does) and write weights and cards."""
    for tag in tags or list(RECIPES):
        print(f"== {tag}: {command(tag, out)}", file=sys.stderr)
        run_trials([_trial(tag)], out, save_weights=True)
        c = export(tag, Path(out))
        print(f"   wrote {WEIGHTS_DIR / (tag + '.json')}: {c.task_info.metric} {c.headline}",
              file=sys.stderr)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m zoo.tools.weights", description=__doc__.split("\n")[0]
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
            c = export(tag, Path(args.results))
            print(json.dumps([c.task_info.metric, c.headline]))
    elif args.cmd == "table":
        print(markdown_table())
    else:
        return 0 if verify(args.tags or None) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
