"""Pretrained models shipped inside the package: `zoo.build("cnn_vgg", pretrained=True)`.

A *tag* names one set of weights, timm style: `<model>.<data set>`, e.g. `cnn_vgg.fashion_mnist`;
`zoo.build("cnn_vgg", pretrained=True)` takes the model's default tag. Each tag has, in
`zoo/weights/pretrained/`, a `.weights.h5` file, for text models a `vocabulary.txt`, and a
card (`<tag>.json`, a `zoo.models.card.ModelCard`): data set and split, the test metrics the
project measured, the exact trial config and its hash, the command that reproduces it, git
commit, versions, and every file's size and SHA-256.

Loading is offline and safe: every file's SHA-256 is checked against the card first, the
architecture comes from the registered builder (code in this package, not from the file), and
`load_weights` reads arrays only, so nothing in a weights file can run code (the guarantee
Keras's `safe_mode` gives for `.keras` archives).

The weights are made by the project's own harness, above the model zoo: `make weights`
(`python -m zoo.tools.weights make`, `zoo.tools.weights`) trains each tag's recipe with
`zoo bench --save-weights` and writes the weights and cards; `python -m zoo.tools.weights
verify` re-measures every card's test metric on the full test set.
"""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import keras

from zoo.data.files import sha256_file
from zoo.errors import UsageError, ZooError, unknown_name
from zoo.models.card import ModelCard
from zoo.models.lstm import with_vectorizer
from zoo.models.registry import model_info

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights" / "pretrained"
FEATURES = "features"  # the layer `include_top=False` ends at


def cards(weights_dir: Path | None = None) -> dict[str, ModelCard]:
    """Every shipped card, by tag."""
    folder = Path(weights_dir or WEIGHTS_DIR)
    found = {}
    for path in sorted(folder.glob("*.json")):
        try:
            c = ModelCard.from_json(json.loads(path.read_text()))
        except (OSError, ValueError) as exc:
            raise ZooError(f"the model card {path} is unreadable ({exc}). Reinstall zoo.") from exc
        found[c.tag] = c
    return found


def list_pretrained(pattern: str = "*", weights_dir: Path | None = None) -> list[str]:
    """Tags of the shipped pretrained models matching a shell-style `pattern`, sorted.

    A pattern without a dot also matches by model name: `list_pretrained("cnn*")`.
    """
    return sorted(
        tag
        for tag, c in cards(weights_dir).items()
        if fnmatch.fnmatch(tag, pattern) or fnmatch.fnmatch(c.model, pattern)
    )


def card(name: str, weights_dir: Path | None = None) -> ModelCard:
    """The card of tag `name`, or of model `name`'s default tag."""
    found = cards(weights_dir)
    if name in found:
        return found[name]
    by_model = [c for c in found.values() if c.model == name]
    if by_model:
        return next((c for c in by_model if c.default), by_model[0])
    model_info(name.split(".")[0])  # an unknown model: the registry's error, with a hint
    raise unknown_name("pretrained model", name, sorted(found))


def verified_files(c: ModelCard, weights_dir: Path | None = None) -> dict[str, Path]:
    """The card's files, each checked against its recorded SHA-256; `ZooError` if not."""
    folder = Path(weights_dir or WEIGHTS_DIR)
    paths = {}
    for role, f in c.files.items():
        path = folder / f.file
        if not path.is_file():
            raise ZooError(
                f"the {role} file of pretrained model {c.tag!r} is missing: {path}. "
                "Reinstall zoo (pip install --force-reinstall zoo-bench), or retrain with "
                "`make weights`."
            )
        digest = sha256_file(path)
        if digest != f.sha256:
            raise ZooError(
                f"the {role} file of pretrained model {c.tag!r} is damaged or was replaced: "
                f"{path} has SHA-256 {digest}, its card says {f.sha256}. Nothing was loaded. "
                "Reinstall zoo (pip install --force-reinstall zoo-bench), or retrain with "
                "`make weights`."
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
    model = architecture(c.model, c.builder_kwargs)
    model.load_weights(paths["weights"])
    if c.text:
        vocabulary = read_vocabulary(paths["vocabulary"])
        if not include_top:
            raise UsageError(f"include_top=False applies to image classifiers, not {c.tag!r}.")
        return with_vectorizer(model, vocabulary, c.builder_kwargs["sequence_length"])
    if not include_top:
        names = [layer.name for layer in model.layers]
        if FEATURES not in names:
            raise UsageError(
                f"{c.tag!r} has no feature layer; include_top=False applies to: "
                + ", ".join(t for t, k in cards(weights_dir).items() if _has_features(k))
            )
        model = keras.Model(
            model.input, model.get_layer(FEATURES).output, name=f"{model.name}_features"
        )
    return model


def _has_features(c: ModelCard) -> bool:
    """An image classifier: its builder ends in a `features` layer before the classifier."""
    return not c.text and not c.task_info.generative


def architecture(model: str, builder_kwargs: dict[str, Any]) -> keras.Model:
    """The untrained model registered as `model`, built with a card's `builder_kwargs`."""
    kwargs = dict(builder_kwargs)
    if "input_shape" in kwargs:
        kwargs["input_shape"] = tuple(kwargs["input_shape"])
    return model_info(model).builder(**kwargs)


def read_vocabulary(path: Path) -> list[str]:
    """A vocabulary file as `zoo bench --save-weights` writes it: one token a line."""
    return path.read_text(encoding="utf-8").split("\n")[:-1]
