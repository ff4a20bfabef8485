"""Where and with what a trial ran: library versions, backend, git commit, CPU and GPU."""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import zoo
from zoo.data.files import DATA_VERSION
from zoo.errors import UsageError, unknown_name

REPO = Path(__file__).resolve().parents[3]


BACKENDS = ("tensorflow", "jax", "torch")


@functools.cache
def versions(backend: str | None = None) -> dict[str, str]:
    """Versions that change results: they are part of every trial's config hash.

    `backend`: a Keras backend other than this process's (trials run under it in worker
    processes); its version is read from the installed package, without importing it.
    """
    import keras

    current = keras.backend.backend()
    backend = backend or current
    if backend not in BACKENDS:
        raise unknown_name("backend", backend, BACKENDS)
    if backend == current:
        version = getattr(importlib.import_module(backend), "__version__", "unknown")
    else:
        try:
            version = importlib.metadata.version(backend)
        except importlib.metadata.PackageNotFoundError:
            raise UsageError(
                f"the {backend} backend is not installed: pip install 'zoo-bench[{backend}]', "
                "then run again."
            ) from None
    return {
        "zoo": zoo.__version__,
        "data": str(DATA_VERSION),
        "keras": keras.__version__,
        "backend": backend,
        backend: version,
    }


def _git(*args: str) -> str | None:
    if not (REPO / ".git").exists():
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO), *args], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _cpuinfo() -> dict[str, str]:
    """The first processor's fields in /proc/cpuinfo (empty where there is none)."""
    try:
        first = Path("/proc/cpuinfo").read_text().split("\n\n", 1)[0]
    except OSError:
        return {}
    pairs = (line.split(":", 1) for line in first.splitlines() if ":" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def _cpu_model() -> str:
    return _cpuinfo().get("model name") or platform.processor() or platform.machine()


def cpu_id() -> str:
    """What decides which floating-point kernels oneDNN/Eigen run, so whether two machines
    give bit-identical numbers: the CPU's vendor, family and model and its vector extensions.
    The model name alone does not: "AMD EPYC" named two machines here whose records of the
    same trials differed in the last bits (one of them without AVX-512)."""
    fields = _cpuinfo()
    if not fields:
        return f"{platform.machine()} {platform.processor()}".strip()
    vector = sorted(
        f for f in fields.get("flags", "").split() if f.startswith(("avx", "fma", "amx"))
    )
    return (f"{fields.get('vendor_id', '?')} family {fields.get('cpu family', '?')} model "
            f"{fields.get('model', '?')}: {' '.join(vector) or 'no AVX'}")  # fmt: skip


def _gpus() -> list[str]:
    import keras

    try:
        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            return [
                tf.config.experimental.get_device_details(d).get("device_name", d.name)
                for d in tf.config.list_physical_devices("GPU")
            ]
        if keras.backend.backend() == "jax":
            import jax

            return [d.device_kind for d in jax.devices() if d.platform == "gpu"]
        if keras.backend.backend() == "torch":
            import torch

            return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    except Exception:  # device queries are best-effort provenance
        return []
    return []


def _threads() -> int:
    """The compute threads this process's backend uses (its cap, else the core count)."""
    import re

    import keras

    cores = os.cpu_count() or 1
    backend = keras.backend.backend()
    if backend == "torch":
        import torch

        return torch.get_num_threads()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.config.threading.get_intra_op_parallelism_threads() or cores
    match = re.search(r"intra_op_parallelism_threads=(\d+)", os.environ.get("XLA_FLAGS", ""))
    return int(match.group(1)) if match else cores


@functools.cache
def environment() -> dict[str, Any]:
    """Provenance recorded with every trial (computed once per process)."""
    import numpy as np

    # Uncommitted changes to tracked files, outside the reports (benchmark output, not code).
    status = _git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)reports")
    return {
        **versions(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_id": cpu_id(),
        "cpu_count": os.cpu_count(),
        "threads": _threads(),
        "gpu": _gpus(),
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(status) if status is not None else None,
    }
