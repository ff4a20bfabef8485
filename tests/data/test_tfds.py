"""TFDS data sets by name (`tfds:NAME`, `zoo.data.tfds`), tested offline with TFDS's own mock
data."""

import pytest

from zoo.bench import Store, expand, load_suite, run_trials
from zoo.cli import main
from zoo.data import dataset_info, load_dataset
from zoo.data.datasets import _raw
from zoo.errors import DataError, UsageError

tfds = pytest.importorskip("tensorflow_datasets")


@pytest.fixture
def mock():
    _raw.cache_clear()
    with tfds.testing.mock_data(num_examples=96):
        yield
    _raw.cache_clear()


def test_image_and_text_sets_load_as_arrays(mock):
    ds = load_dataset("tfds:kmnist", train_size=60, val_size=20, test_size=40, seed=0)
    assert ds.x_train.shape == (60, 28, 28, 1) and ds.x_val.shape == (20, 28, 28, 1)
    assert ds.x_train.dtype == "float32" and ds.x_train.min() >= 0 and ds.x_train.max() <= 1
    assert ds.model_kwargs == {"input_shape": (28, 28, 1), "num_classes": 10}
    text = load_dataset("tfds:imdb_reviews", train_size=50, val_size=10, seed=0,
                        vocab_size=500, sequence_length=32)  # fmt: skip
    assert text.x_train.shape == (50, 32) and text.x_train.dtype == "int32"
    assert text.vocabulary[:2] == ["", "[UNK]"] and text.num_classes == 2
    info = dataset_info("tfds:cifar10")
    assert (info.kind, info.num_classes, info.version) == ("image", 10, "3.0.2")


def test_a_dataset_axis_trains_on_tfds_and_records_name_and_version(mock, tmp_path):
    suite = load_suite("zoo")
    over = {"models": ["cnn_small", "lstm"], "optimizers": ["adam"], "regularizers": ["none"],
            "datasets": ["tfds:kmnist", "tfds:imdb_reviews"], "train_size": 64,
            "val_size": 16, "test_size": 32}  # fmt: skip
    with pytest.raises(UsageError, match="it reads image and tfds:imdb_reviews is text"):
        expand(suite, "smoke", over)
    trials = expand(suite, "smoke", {**over, "models": ["cnn_small"], "datasets": [
        "tfds:kmnist", "fashion_mnist"]})  # fmt: skip
    assert [(t.dataset, t.dataset_version) for t in trials] == [
        ("tfds:kmnist", "3.0.1"), ("fashion_mnist", None)]  # fmt: skip
    assert "dataset_version" not in trials[1].config()  # built-in trials keep their hashes
    text = expand(suite, "smoke", {**over, "models": ["lstm"], "datasets": [
        "tfds:imdb_reviews"]})  # fmt: skip
    run_trials([trials[0], *text], tmp_path, progress=False)
    records = {r.dataset: r for r in Store(tmp_path).check()}
    assert set(records) == {"tfds:kmnist", "tfds:imdb_reviews"}
    kmnist = records["tfds:kmnist"]
    assert kmnist.status == "ok" and kmnist.config["dataset_version"] == "3.0.1"
    assert kmnist.data_sizes == {"train": 64, "val": 16, "test": 32}
    assert records["tfds:imdb_reviews"].status == "ok"


@pytest.mark.parametrize(
    "model, dataset, message",
    [
        ("lstm", "tfds:kmnist", "it reads text and tfds:kmnist is image"),
        ("cnn_small", "tfds:ag_news_subset", "not an image or text classification data set"),
        ("dcgan", "tfds:kmnist", "trains on fashion_mnist only"),
        ("cnn_small", "tfds:kmnsit", "unknown TFDS data set 'tfds:kmnsit'"),
        ("cnn_small", "cifar", "Did you mean 'cifar10'?"),
    ],
)
def test_data_sets_that_do_not_fit_are_usage_errors(model, dataset, message, capsys):
    code = main(["bench", "--profile", "smoke", "--models", model, "--datasets", dataset,
                 "--dry-run"])  # fmt: skip
    assert code == 2
    assert message in capsys.readouterr().err


def test_a_missing_tfds_set_offline_is_a_clear_data_error(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    _raw.cache_clear()
    with pytest.raises(DataError) as err:
        load_dataset("tfds:kmnist", data_dir=tmp_path)  # ZOO_OFFLINE: no download
    text = str(err.value)
    assert "tfds:kmnist: its 'train' split is not prepared" in text
    assert str(tmp_path) in text and "downloads are off" in text
    assert "With internet access TFDS downloads" in text


def test_images_of_varying_size_are_refused_before_anything_is_made(mock, tmp_path):
    """tf_flowers' images vary in size (None, None, 3): a clear exit 2 from the dry run and
    from a run, no folder made (not TensorFlow's "Cannot batch tensors" from training)."""
    _refused_before_anything(tmp_path, "tfds:tf_flowers", "images of varying size")


def _refused_before_anything(tmp_path, dataset: str, message: str) -> None:
    """`zoo bench` on `dataset` exits 2 with `message`, from the dry run and from a run, and
    makes no output folder."""
    from helpers import cli

    out = tmp_path / "out"
    for extra in (["--dry-run"], []):
        run = cli("bench", "--profile", "smoke", "--models", "cnn_small", "--datasets", dataset,
                  "--out", str(out), *extra)  # fmt: skip
        assert run.returncode == 2 and message in run.stderr
        assert "Traceback" not in run.stderr and not out.exists()


# Tiny images with a `train` split only, as eurosat has: prepared for real, offline, in a
# process of its own (TFDS looks for a builder's code beside its module).
TRAIN_ONLY = """
import sys
import numpy as np
import tensorflow_datasets as tfds

class TrainOnlyImages(tfds.core.GeneratorBasedBuilder):
    VERSION = tfds.core.Version("1.0.0")

    def _info(self):
        features = tfds.features.FeaturesDict({
            "image": tfds.features.Image(shape=(8, 8, 1)),
            "label": tfds.features.ClassLabel(num_classes=2)})
        return tfds.core.DatasetInfo(builder=self, features=features,
                                     supervised_keys=("image", "label"))

    def _split_generators(self, dl_manager):
        return {"train": self._generate_examples()}

    def _generate_examples(self):
        rng = np.random.default_rng(0)
        for i in range(16):
            yield i, {"image": rng.integers(0, 255, (8, 8, 1), dtype="uint8"), "label": i % 2}

TrainOnlyImages(data_dir=sys.argv[1]).download_and_prepare()
"""


def test_a_set_without_a_test_split_is_refused_before_anything_is_made(tmp_path):
    """A prepared TFDS set with no `test` split: exit 2 naming the splits it has, from the
    dry run and from a run (no folder made), not "not prepared ... could not be downloaded"."""
    import subprocess
    import sys

    prepared = subprocess.run([sys.executable, "-c", TRAIN_ONLY, str(tmp_path / "tfds")],
                              capture_output=True, text=True, timeout=300)  # fmt: skip
    assert prepared.returncode == 0, prepared.stderr[-2000:]
    tfds.core.add_data_dir(str(tmp_path / "tfds"))
    _refused_before_anything(tmp_path, "tfds:train_only_images",
                             "has no test split (its splits: train)")  # fmt: skip
