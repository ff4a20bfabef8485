"""GAN metrics (`zoo.metrics.gan`, `zoo.metrics.classifier`): the Frechet distance, class
coverage, sample grids, the shipped classifier."""

import shutil

import numpy as np
import pytest

from zoo.data.files import sha256_file
from zoo.errors import ZooError
from zoo.metrics import classifier
from zoo.metrics.gan import (
    class_coverage,
    evaluate_generator,
    feature_stats,
    frechet_distance,
    image_grid,
    png_bytes,
)


def test_frechet_distance_matches_the_closed_form_for_diagonal_gaussians():
    mu_a, mu_b = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    sd_a, sd_b = np.array([1.0, 2.0, 0.5]), np.array([2.0, 2.0, 1.5])
    fid = frechet_distance((mu_a, np.diag(sd_a**2)), (mu_b, np.diag(sd_b**2)))
    # For diagonal covariances: |mu_a - mu_b|^2 + sum (sd_a - sd_b)^2.
    assert fid == pytest.approx(np.sum((mu_a - mu_b) ** 2) + np.sum((sd_a - sd_b) ** 2))


def test_frechet_distance_is_symmetric_and_zero_on_itself():
    rng = np.random.default_rng(1)
    a, b = feature_stats(rng.normal(size=(500, 6))), feature_stats(rng.gamma(2, size=(500, 6)))
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-9)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-9)


def test_frechet_distance_of_samples_is_near_zero_for_one_distribution():
    rng = np.random.default_rng(0)
    cov = np.array([[2.0, 0.8], [0.8, 1.0]])
    a = rng.multivariate_normal([1, -1], cov, size=20000)
    b = rng.multivariate_normal([1, -1], cov, size=20000)
    c = rng.multivariate_normal([3, -1], cov, size=20000)
    same = frechet_distance(feature_stats(a), feature_stats(b))
    shifted = frechet_distance(feature_stats(a), feature_stats(c))
    assert same < 0.01 and shifted == pytest.approx(4.0, rel=0.05)


def test_class_coverage_flags_mode_collapse():
    k = 10
    uniform = np.eye(k)[np.arange(1000) % k]
    cov = class_coverage(uniform)
    assert cov["classes_covered"] == k and cov["kl_uniform"] == pytest.approx(0.0, abs=1e-12)
    assert not cov["mode_collapse"] and sum(cov["shares"]) == pytest.approx(1.0)
    collapsed = np.eye(k)[np.zeros(1000, dtype=int)]
    cov = class_coverage(collapsed)
    assert cov["classes_covered"] == 1 and cov["kl_uniform"] == pytest.approx(np.log(k))
    assert cov["mode_collapse"]
    # A class under 1% of the images (a tenth of its uniform share) is not covered.
    labels = np.r_[np.arange(990) % 9, np.full(10 - 1, 9)]
    assert class_coverage(np.eye(k)[labels])["classes_covered"] == 9


def test_image_grid_and_png():
    images = np.random.default_rng(0).random((10, 5, 6, 1)).astype("float32")
    grid = image_grid(images, cols=4, pad=1)
    assert grid.shape == (3 * 6 + 1, 4 * 7 + 1)
    np.testing.assert_array_equal(grid[1:6, 1:7], images[0, ..., 0])
    assert png_bytes(grid).startswith(b"\x89PNG")
    assert image_grid(np.zeros((2, 4, 4, 3)), cols=2).shape[-1] == 3


def test_shipped_classifier_matches_its_card_and_classifies_fashion_mnist():
    card = classifier.card()
    assert sha256_file(classifier.WEIGHTS) == card["sha256"]
    assert classifier.WEIGHTS.stat().st_size == card["bytes"]
    assert card["test_accuracy"] >= 0.9
    from zoo.data import load_dataset

    ds = load_dataset("fashion_mnist", train_size=10, val_size=0, test_size=1000)
    clf, features = classifier.load()
    acc = np.mean(clf.predict(ds.x_test, verbose=0).argmax(1) == ds.y_test)
    assert acc >= 0.88  # on a 1,000-image subset of the test split
    feats, probs = features.predict(ds.x_test[:3], verbose=0)
    assert feats.shape == (3, 128) and probs.shape == (3, 10)


def test_a_damaged_classifier_is_refused(tmp_path, monkeypatch):
    bad = tmp_path / "fid.weights.h5"
    shutil.copy(classifier.WEIGHTS, bad)
    data = bytearray(bad.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    monkeypatch.setattr(classifier, "WEIGHTS", bad)
    classifier.load.cache_clear()
    try:
        with pytest.raises(ZooError, match="damaged or were replaced"):
            classifier.load()
    finally:
        classifier.load.cache_clear()


def test_evaluate_generator_scores_real_images_better_than_noise():
    from zoo.data import load_dataset

    ds = load_dataset("fashion_mnist", train_size=2000, val_size=0, test_size=2000)
    rng = np.random.default_rng(0)

    def real(n, seed):  # a "generator" that returns held-out real images
        return ds.x_train[:n]

    def noise(n, seed):
        return rng.random((n, 28, 28, 1)).astype("float32")

    good = evaluate_generator(real, ds.x_test, num_samples=2000)
    bad = evaluate_generator(noise, ds.x_test, num_samples=2000)
    assert good["fid"]["n_generated"] == good["fid"]["n_real"] == 2000
    assert good["fid"]["value"] * 10 < bad["fid"]["value"]
    assert good["coverage"]["classes_covered"] == 10 and not good["coverage"]["mode_collapse"]
    assert good["sample_grid_png"].startswith(b"\x89PNG")


def test_fid_is_never_negative_even_at_rounding():
    """FID(s, s) is 0: rounding left -2.8e-14 (shown as "-0.0") before it was clamped."""
    rng = np.random.default_rng(3)
    found = [frechet_distance(s, s) for s in (feature_stats(rng.normal(size=(300, 128)))
                                               for _ in range(20))]  # fmt: skip
    assert min(found) == 0.0 and all(f >= 0 for f in found)


def test_fid_below_two_samples_is_refused_and_below_the_feature_dimension_flagged():
    """Fewer than 2 images a side: no covariance, a UsageError (no LinAlgError). Not more
    images than the classifier's 128 feature dimensions: a singular covariance, the FID is
    flagged as not comparable; more: comparable."""
    from zoo.bench import expand, load_suite
    from zoo.errors import UsageError

    rng = np.random.default_rng(0)
    real = rng.random((300, 28, 28, 1)).astype("float32")

    def generate(n, seed):
        return np.random.default_rng(seed).random((n, 28, 28, 1)).astype("float32")

    for bad in (1, 0):
        with pytest.raises(UsageError, match="at least 2 images on each side"):
            evaluate_generator(generate, real, num_samples=bad)
    with pytest.raises(UsageError, match="the number of real images"):
        evaluate_generator(generate, real[:1], num_samples=64)
    few = evaluate_generator(generate, real, num_samples=64)
    assert few["fid"]["comparable"] is False and "not comparable" in few["fid_note"]
    assert few["fid"]["value"] >= 0
    enough = evaluate_generator(generate, real, num_samples=200)
    assert enough["fid"]["comparable"] is True and "fid_note" not in enough
    for setting in ({"fid_samples": 1}, {"test_size": 1}):  # refused before any training
        with pytest.raises(UsageError, match="at least 2 images on each side"):
            expand(load_suite("zoo"), "smoke", {"models": ["dcgan"], **setting})
