"""Reference points for reading the domain FID: what an untrained DCGAN generator, uniform
noise and real images score against the Fashion-MNIST test split.

    python benchmarks/fid_references.py [--samples 10000] [--seed 0] [--regularizer batchnorm]
                                        [--width 32]

Real training images (a floor: what a perfect generator would score) and an untrained
generator (the starting point) bracket every GAN result; the numbers are quoted in the README.
"""

from __future__ import annotations

import argparse
import json

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--regularizer", default="none", help="of the untrained generator")
    parser.add_argument("--width", type=int, default=64, help="of the untrained generator")
    args = parser.parse_args()

    import keras

    import zoo
    from zoo.data import load_dataset
    from zoo.metrics.gan import evaluate_generator

    ds = load_dataset("fashion_mnist", val_size=0, seed=args.seed)
    keras.utils.set_random_seed(args.seed)
    untrained = zoo.build(
        "dcgan", **ds.model_kwargs, regularizer=args.regularizer, width=args.width
    )
    rng = np.random.default_rng(args.seed)
    sources = {
        "real training images": lambda n, seed: ds.x_train[:n],
        "untrained dcgan generator": untrained.generate,
        "uniform noise": lambda n, seed: rng.random((n, 28, 28, 1)).astype("float32"),
    }
    out = {}
    for name, generate in sources.items():
        scores = evaluate_generator(generate, ds.x_test, num_samples=args.samples)
        cov = scores["coverage"]
        out[name] = {
            "fid": round(scores["fid"]["value"], 2),
            "n": scores["fid"]["n_generated"],
            "classes_covered": cov["classes_covered"],
            "min_class_share": min(cov["shares"]),
        }
        print(f"{name:28s} FID {out[name]['fid']:8.2f}  classes {cov['classes_covered']}/10"
              f"  smallest share {min(cov['shares']):.3f}")  # fmt: skip
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
