"""Starting the Keras backend: quietly, and with its threads capped when asked.

TensorFlow's C++ start-up prints CUDA-probing lines ("Could not find cuda drivers", oneDNN
notes) on machines without a GPU, which no environment variable silences; `start` mutes
native stderr while the backend starts (Python errors still raise). Worker processes pass
`threads` so that N workers on one machine share its cores instead of each taking them all:
TensorFlow's intra-/inter-op pools, OpenMP/oneDNN, XLA's CPU client (JAX) and torch.
"""

from __future__ import annotations

import os
import sys


def thread_env(threads: int) -> dict[str, str]:
    """Environment that caps every backend's thread pools at `threads` (read at start-up)."""
    return {
        "OMP_NUM_THREADS": str(threads),
        "MKL_NUM_THREADS": str(threads),
        "TF_NUM_INTRAOP_THREADS": str(threads),
        "TF_NUM_INTEROP_THREADS": "1",
        "XLA_FLAGS": f"--xla_cpu_multi_thread_eigen={'true' if threads > 1 else 'false'} "
        f"intra_op_parallelism_threads={threads}",
    }


def set_env(env: dict[str, str]) -> None:
    """Set `env` in this process (a worker's initializer: runs before Keras is imported)."""
    if "keras" in sys.modules and "KERAS_BACKEND" in env:
        raise RuntimeError("set the Keras backend before importing keras")
    os.environ.update(env)


def _cap(threads: int) -> None:
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    elif backend == "torch":
        import torch

        torch.set_num_threads(threads)


def start(threads: int | None = None) -> None:
    """Import Keras and start its backend with native stderr muted; cap its threads first."""
    if threads is not None:
        os.environ.update(thread_env(threads))
    saved, null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    sys.stderr.flush()
    os.dup2(null, 2)
    try:
        import keras

        if threads is not None:
            _cap(threads)
        keras.ops.convert_to_tensor([0.0])
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def start_worker(env: dict[str, str], threads: int) -> None:
    """A worker process's first act (before a trial's unpickling imports Keras): set `env`,
    then start the backend quietly with its threads capped."""
    set_env(env)
    start(threads)


def set_seed(seed: int) -> None:
    """`keras.utils.set_random_seed(seed)` (Python, NumPy, TensorFlow's global seed, Keras's
    seed generator) without the flush of TensorFlow's kernel cache that `tf.random.set_seed`
    does in eager mode. That flush made TensorFlow instantiate a reused model's compiled train
    and test functions again at the first step of every trial: 0.1-0.4 s, most of the
    first-epoch excess of a trial whose model was already traced. The flush resets the state
    of stateful random kernels cached from eager calls; a trial draws its random numbers from
    Keras's seed generators (stateless kernels) and from tf.data pipelines built anew per trial,
    so no cached kernel carries state into the next trial (tests/bench/test_reuse.py checks a
    trial's record does not depend on what its process ran before)."""
    import keras

    context = None
    if "tensorflow" in sys.modules:
        from tensorflow.python.eager import context as tf_context

        context = tf_context.context()
    handle = getattr(context, "_context_handle", None)
    if handle is not None:  # no handle: `_set_global_seed` skips the flush
        context._context_handle = None
    try:
        keras.utils.set_random_seed(seed)
    finally:
        if handle is not None:
            context._context_handle = handle
