"""GAN metrics: domain FID, class coverage, and a sample grid, all from fixed latent batches.

    fid = frechet_distance(feature_stats(f_real), feature_stats(f_fake))   # lower is better
    coverage = class_coverage(probs)  # classes covered, KL(p || uniform), per-class shares

`evaluate_generator` does all of it for a trained generator against real test images, using the
shipped Fashion-MNIST classifier (`zoo.metrics.classifier`) as the feature extractor.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from matplotlib import image as mpl_image  # writes PNGs; needs no plotting backend

from zoo.errors import UsageError
from zoo.metrics import classifier

SAMPLE_SEED = 0  # the latent batch behind every sample grid
FID_SEED = 1  # the latent batch behind every FID and coverage score
GRID = 8  # sample grids are GRID x GRID images
# A class counts as covered when it gets at least this share of its uniform share (1/K) of
# the generated images: with 10 classes, 1% of them. Mode collapse: at most half covered.
COVERED_FRACTION = 0.1
MIN_SAMPLES = 2  # images a side: a covariance needs two


def check_samples(num_samples: int, what: str = "num_samples") -> None:
    """`UsageError` unless an FID can be computed from `num_samples` images a side."""
    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 2:
        raise UsageError(
            f"{what} = {num_samples!r}: an FID needs at least {MIN_SAMPLES} images on each side "
            "(it compares their covariances); it is comparable between runs only with more "
            "images than the classifier's feature dimensions (128), and 10,000 is the usual "
            "count."
        )


def feature_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance (float64) of a (n, d) feature matrix."""
    f = np.asarray(features, dtype=np.float64)
    return f.mean(axis=0), np.cov(f, rowvar=False)


def _sqrtm_psd(a: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((a + a.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(
    stats_a: tuple[np.ndarray, np.ndarray], stats_b: tuple[np.ndarray, np.ndarray]
) -> float:
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^1/2), the Fréchet distance of Gaussians.

    Tr((S_a S_b)^1/2) is computed as Tr((A S_b A)^1/2) with A = S_a^1/2, which is symmetric
    positive semi-definite, so it needs only `numpy.linalg.eigh` (no scipy).
    """
    (mu_a, s_a), (mu_b, s_b) = stats_a, stats_b
    root_a = _sqrtm_psd(s_a)
    middle = root_a @ s_b @ root_a
    eig = np.linalg.eigvalsh((middle + middle.T) / 2)
    tr_covmean = float(np.sqrt(np.clip(eig, 0, None)).sum())
    diff = mu_a - mu_b
    # A distance: rounding can leave -1e-14 where the two are the same (FID(s, s) = 0).
    return max(0.0, float(diff @ diff + np.trace(s_a) + np.trace(s_b) - 2 * tr_covmean))


def class_coverage(probs: np.ndarray) -> dict[str, Any]:
    """How generated images spread over the classifier's classes (mode collapse shows here).

    Returns `shares` (per class, argmax of `probs`), `classes_covered` (classes with at least
    COVERED_FRACTION of the uniform share), `num_classes`, `kl_uniform` (KL(shares || uniform)
    in nats: 0 for a perfect spread, log K when every image is one class) and `mode_collapse`
    (at most half the classes covered).
    """
    probs = np.asarray(probs)
    k = probs.shape[1]
    counts = np.bincount(probs.argmax(axis=1), minlength=k)
    shares = counts / counts.sum()
    nonzero = shares[shares > 0]
    kl = float(np.sum(nonzero * np.log(nonzero * k)))
    covered = int(np.sum(shares >= COVERED_FRACTION / k))
    return {
        "shares": [round(float(s), 4) for s in shares],
        "classes_covered": covered,
        "num_classes": k,
        "kl_uniform": kl,
        "mode_collapse": covered <= k // 2,
    }


def image_grid(images: np.ndarray, cols: int = GRID, pad: int = 2) -> np.ndarray:
    """Tile (n, h, w, c) images in [0, 1] into one (H, W) or (H, W, 3) image, white gaps."""
    n, h, w, c = images.shape
    rows = math.ceil(n / cols)
    grid = np.ones((rows * (h + pad) + pad, cols * (w + pad) + pad, c), dtype=np.float32)
    for i, img in enumerate(images):
        r, q = divmod(i, cols)
        top, left = pad + r * (h + pad), pad + q * (w + pad)
        grid[top : top + h, left : left + w] = img
    return grid[..., 0] if c == 1 else grid


def png_bytes(image: np.ndarray, scale: int = 3) -> bytes:
    """Encode a grid from `image_grid` as PNG (nearest-neighbour upscaled `scale` times)."""
    big = np.repeat(np.repeat(image, scale, axis=0), scale, axis=1)
    buf = io.BytesIO()
    cmap = "gray" if big.ndim == 2 else None
    mpl_image.imsave(buf, np.clip(big, 0, 1), cmap=cmap, vmin=0, vmax=1, format="png")
    return buf.getvalue()


_REAL_STATS: dict[str, tuple[np.ndarray, np.ndarray]] = {}


def _real_stats(images: np.ndarray, features: Callable) -> tuple[np.ndarray, np.ndarray]:
    """Feature statistics of real images, computed once per process per image set."""
    key = hashlib.sha1(np.ascontiguousarray(images).tobytes()).hexdigest()
    if key not in _REAL_STATS:
        _REAL_STATS[key] = feature_stats(features(images))
    return _REAL_STATS[key]


def evaluate_generator(
    generate: Callable[[int, int], np.ndarray],
    real_images: np.ndarray,
    *,
    num_samples: int = 10000,
) -> dict[str, Any]:
    """FID, class coverage and a sample grid for `generate(n, seed) -> images in [0, 1]`.

    `num_samples` images are generated from latent seed FID_SEED and compared with up to as
    many `real_images` (the test split). The numbers of images are returned with the score;
    FIDs from different sample counts are not comparable (FID is biased upwards for small n),
    and one from fewer images a side than feature dimensions (a singular covariance) is
    flagged `comparable: False` with the reason in `fid_note`. Fewer than 2 images a side:
    `UsageError`.
    Only 28x28x1 images can be scored (the shipped classifier is Fashion-MNIST's); for other
    shapes `fid` and `coverage` are None with the reason in `fid_note`.
    """
    check_samples(num_samples)
    check_samples(len(real_images), "the number of real images")
    samples = generate(GRID * GRID, SAMPLE_SEED)
    out: dict[str, Any] = {"sample_grid_png": png_bytes(image_grid(samples))}
    if tuple(real_images.shape[1:]) != (28, 28, 1):
        out.update(fid=None, coverage=None, fid_note="no shipped classifier for this shape")
        return out
    _, feat = classifier.load()

    def features(x: np.ndarray) -> np.ndarray:
        return feat.predict(x, batch_size=1000, verbose=0)[0]

    real = real_images[:num_samples]
    fake = generate(num_samples, FID_SEED)
    if not np.all(np.isfinite(fake)):
        out.update(fid=None, coverage=None, fid_note="generated images are not finite")
        return out
    fake_features, fake_probs = feat.predict(fake, batch_size=1000, verbose=0)
    fake_stats = feature_stats(fake_features)
    out["fid"] = {
        "value": frechet_distance(_real_stats(real, features), fake_stats),
        "n_generated": int(num_samples),
        "n_real": len(real),
        "features": f"{classifier.NAME} ({classifier.card()['sha256'][:12]})",
    }
    dim, n = fake_features.shape[1], min(len(real), int(num_samples))
    out["fid"]["comparable"] = n > dim
    if n <= dim:
        out["fid_note"] = (f"not comparable: {n} images a side, not more than the {dim} "
                           "feature dimensions (a singular covariance)")  # fmt: skip
    out["coverage"] = class_coverage(fake_probs)
    return out
