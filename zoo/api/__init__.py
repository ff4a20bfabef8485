"""Python entry points that span the harness and the report: benchmark your own Keras model
on your own data (`Benchmark`, `benchmark`, and the `BenchmarkResult` they return).

    >>> result = zoo.benchmark(build_model, x, y, optimizers=["adam", "sgd"], epochs=3)
"""

from zoo.api.benchmark import Benchmark, benchmark
from zoo.api.result import BenchmarkResult

__all__ = ["Benchmark", "BenchmarkResult", "benchmark"]
