"""The shipped weights (made by `zoo.tools.weights`): cards match files, metrics reproduce on the
full test sets, every backend predicts alike."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import zoo
from zoo.data import load_dataset
from zoo.data.files import sha256_file
from zoo.metrics import classifier
from zoo.models import pretrained
from zoo.tools import weights

SHIPPED = ["bilstm.imdb", "cnn_vgg.fashion_mnist", "dcgan.fashion_mnist"]


PROBE = """
import json, sys
import numpy as np
import zoo
from zoo.data import load_dataset
out = {}
x = load_dataset("fashion_mnist", train_size=1, val_size=0, test_size=64).x_test
for tag in zoo.list_models(pretrained=True):
    model = zoo.build(tag, pretrained=True)
    if tag.startswith("dcgan"):
        out[tag] = model.generate(8, seed=0).tolist()
    elif tag.startswith("bilstm"):
        out[tag] = model.predict(REVIEWS, verbose=0).tolist()
    else:
        out[tag] = model.predict(x, verbose=0).tolist()
print("RESULT" + json.dumps(out))
"""


REVIEWS = [
    "A wonderful film with superb acting.",
    "Dull, predictable and far too long.",
    "Not bad at all, though the ending drags.",
    "The worst script I have seen in years.",
]


def _probe(backend: str) -> dict:
    env = dict(os.environ, KERAS_BACKEND=backend, ZOO_OFFLINE="1")
    code = PROBE.replace("REVIEWS", repr(REVIEWS))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(line for line in proc.stdout.splitlines() if line.startswith("RESULT"))
    return {k: np.asarray(v) for k, v in json.loads(line[6:]).items()}


def test_shipped_tags_are_listed():
    assert zoo.list_models(pretrained=True) == SHIPPED
    assert zoo.list_models("cnn*", pretrained=True) == ["cnn_vgg.fashion_mnist"]


def test_every_card_matches_its_files_and_the_total_fits_the_budget():
    total = 0
    for tag, card in pretrained.cards().items():
        for role, f in card.files.items():
            path = pretrained.WEIGHTS_DIR / f.file
            assert sha256_file(path) == f.sha256, f"{tag} {role}"
            assert path.stat().st_size == f.bytes
            total += f.bytes
        assert card.command.startswith("zoo bench --profile full")

        # The recipe is the trial that made the weights, but for the versions in its hash
        # (zoo 0.1.0 made the shipped ones; `make weights` re-makes them under this one).
        def settings(config):
            return {k: v for k, v in config.items() if k != "versions"}

        assert settings(card.trial.config) == settings(weights._trial(tag).config())
    fid = classifier.card()
    assert sha256_file(classifier.WEIGHTS) == fid["sha256"]
    total += fid["bytes"]
    assert total <= 25e6, f"{total / 1e6:.1f} MB of weights in the package"


def test_shipped_cnn_reproduces_its_card_on_the_full_test_set():
    model = zoo.build("cnn_vgg", pretrained=True)
    card = pretrained.card("cnn_vgg")
    ds = load_dataset("fashion_mnist", train_size=1, val_size=0)
    assert len(ds.x_test) == 10000
    acc = float((model.predict(ds.x_test, batch_size=512, verbose=0).argmax(1) == ds.y_test).mean())
    assert acc >= 0.94  # the target for the shipped CNN
    assert card.task_info.remeasure.allows(card.headline, acc)  # within 0.5 pp
    features = zoo.build("cnn_vgg", pretrained=True, include_top=False)
    width = card.builder_kwargs["dense_units"]  # the layer before the classifier
    assert features.predict(ds.x_test[:4], verbose=0).shape == (4, width) == (4, 256)


def test_shipped_sentiment_model_takes_raw_strings():
    model = zoo.build("bilstm.imdb", pretrained=True)
    assert pretrained.card("bilstm.imdb").headline >= 0.88  # verify re-measures it
    reviews = [
        "A wonderful film. The acting is superb and the story moved me; one of the best this year.",
        "Awful. Boring, badly acted and far too long, a complete waste of time. Avoid it.",
    ]
    probs = model.predict(reviews, verbose=0)
    assert probs.shape == (2, 1)
    assert probs[0, 0] > 0.8 and probs[1, 0] < 0.2
    assert model.predict("a wonderful film", verbose=0).shape == (1, 1)


def test_shipped_generator_output():
    gan = zoo.build("dcgan.fashion_mnist", pretrained=True)
    a, b = gan.generate(16, seed=3), gan.generate(16, seed=3)
    assert a.shape == (16, 28, 28, 1)
    assert a.min() >= 0.0 and a.max() <= 1.0
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, gan.generate(16, seed=4))
    assert a.std() > 0.1  # images, not a constant


def test_the_readme_shows_the_cards_table():
    readme = Path(weights.__file__).resolve().parents[2] / "README.md"
    assert weights.markdown_table() in readme.read_text()


def test_verify_holds_each_card_to_its_tasks_remeasure_tolerance(monkeypatch, capsys):
    """Accuracy within 0.5 percentage points, FID within 10% (`Task.remeasure`)."""
    shift = {"cnn_vgg.fashion_mnist": 0.004, "bilstm.imdb": -0.006, "dcgan.fashion_mnist": 3.0}

    def measure(tag, data_dir=None):
        card = pretrained.card(tag)
        return {card.task_info.metric: card.headline + shift[tag]}

    monkeypatch.setattr(weights, "measure", measure)
    assert weights.verify(["cnn_vgg.fashion_mnist", "dcgan.fashion_mnist"])
    assert not weights.verify(["bilstm.imdb"])
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[-1] for line in out] == ["ok", "ok", "DIFFERS"]
    assert out[1].startswith("dcgan.fashion_mnist      fid: card 34.2315, measured 37.2315")


def test_cards_metrics_reproduce_in_a_fresh_process():
    """`python -m zoo.tools.weights verify`: every card's metric on its full test set
    (CNN accuracy on 10,000 images, LSTM on 25,000 raw reviews, FID of 10,000 samples)."""
    env = dict(os.environ, ZOO_OFFLINE="1")
    proc = subprocess.run(
        [sys.executable, "-m", "zoo.tools.weights", "verify"],
        capture_output=True,
        text=True,
        env=env,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == len(SHIPPED) and all(line.endswith("ok") for line in lines), proc.stdout


def test_shipped_weights_give_the_same_predictions_under_every_backend():
    reference = _probe("tensorflow")
    assert sorted(reference) == SHIPPED
    for backend in ("jax", "torch"):
        got = _probe(backend)
        for tag, expected in reference.items():
            np.testing.assert_allclose(got[tag], expected, atol=2e-4, err_msg=f"{tag} {backend}")


def test_cli_lists_the_pretrained_tags(capsys):
    from zoo.cli import main

    assert main(["list", "models", "--pretrained"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out] == SHIPPED
    cnn = out[SHIPPED.index("cnn_vgg.fashion_mnist")]
    assert "test accuracy 0.94" in cnn and "MB" in cnn


TEXTS = ["", "?!... --", "A wonderful, moving film.", "a wonderful moving film", "GREAT acting!!!",
         "great acting", "Loved it.<br /><br />Would watch again.", "word " * 5000,
         "Überraschend GUT, très émouvant"]  # fmt: skip
TEXT_PROBE = """
import json, numpy as np, zoo
model = zoo.build("bilstm.imdb", pretrained=True)
out = [model.predict(t, verbose=0)[:, 0].tolist() for t in ([""], ["?!... --"], TEXTS)]
print("RESULT" + json.dumps(out))
"""


@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_any_text_scores_on_every_backend(backend):
    """Empty and punctuation-only reviews (no token: an all-padding input), markup, a very
    long review and non-ASCII letters give an (n, 1) array of probabilities on every backend;
    texts the vectorizer's standardization (lower case, no punctuation) makes equal score
    equal."""
    env = dict(os.environ, KERAS_BACKEND=backend, ZOO_OFFLINE="1")
    proc = subprocess.run([sys.executable, "-c", TEXT_PROBE.replace("TEXTS", repr(TEXTS))],
                          capture_output=True, text=True, env=env, timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(line for line in proc.stdout.splitlines() if line.startswith("RESULT"))
    empty, punctuation, batch = json.loads(line[6:])
    assert len(batch) == len(TEXTS) and all(0 <= p <= 1 for p in batch)
    assert empty == punctuation == [pytest.approx(batch[0])] and batch[0] == batch[1]
    assert batch[2] == pytest.approx(batch[3]) and batch[4] == pytest.approx(batch[5])
