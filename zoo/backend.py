"""Starting the Keras backend: quietly, and with its threads capped when asked.

TensorFlow's C++ start-up prints CUDA-probing lines ("Could not find cuda drivers", oneDNN
notes) on machines without a GPU, which no environment variable silences; `start` mutes
native stderr while the backend starts (Python errors still raise). Worker processes pass
`threads` so that N workers on one machine share its cores instead of each taking them all:
TensorFlow's intra-/inter-op pools, OpenMP/oneDNN, XLA's CPU client (JAX) and torch.

In a user's own script, importing this module (as `import zoo` does) filters those start-up
lines out of the first `import tensorflow`, wherever it happens (`zoo.build`, `zoo.data`,
your own `import keras`): native stderr is held while TensorFlow imports, and every line
that is not known start-up chatter (`is_chatter`) is written out after it, so real errors
and warnings still show. `TF_CPP_MIN_LOG_LEVEL` set below 3 turns the filter off.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import os
import re
import sys
import tempfile


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


# TensorFlow's start-up lines on a machine without a GPU: absl's notice, its INFO lines
# (oneDNN, CUDA probing, CPU features) and the CUDA-absence warnings. Nothing else is dropped.
_CHATTER = re.compile(
    r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|I\d{4} [\d:.]+ +\d+ \S+:\d+\] .*"
    r"|[WE]\d{4} [\d:.]+ +\d+ \S+:\d+\] (failed call to cuInit|Unable to register cu\w+ "
    r"factory|TF-TRT Warning|Could not find cuda).*"
    r"|To enable the following instructions: .* with the appropriate compiler flags\."
)


def is_chatter(line: str) -> bool:
    """Whether `line` is one of TensorFlow's harmless start-up lines (see `_CHATTER`)."""
    return _CHATTER.fullmatch(line.rstrip()) is not None


@contextlib.contextmanager
def filtered_stderr():
    """Hold native stderr (fd 2) while the block runs; then write out every line of it that
    is not start-up chatter, in order. Python exceptions pass through unchanged."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to filter
        yield
        return
    sys.stderr.flush()
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            lines = held.read().decode(errors="replace").splitlines()
            kept = [line for line in lines if not is_chatter(line)]
            if kept:
                sys.stderr.write("\n".join(kept) + "\n")
                sys.stderr.flush()


class _QuietTensorFlowImport(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds `tensorflow` once, with the real finders, and runs its import inside
    `filtered_stderr` (only while TF_CPP_MIN_LOG_LEVEL is 3, as zoo sets it by default)."""

    def find_spec(self, fullname, path, target=None):
        if fullname != "tensorflow":
            return None
        sys.meta_path.remove(self)  # once; the real finders find it
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        if os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0") == "3":
            self.loader, spec.loader = spec.loader, self
        return spec

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        module.__loader__ = module.__spec__.loader = self.loader  # the real one from now on
        with filtered_stderr():
            self.loader.exec_module(module)


if "tensorflow" not in sys.modules:
    sys.meta_path.insert(0, _QuietTensorFlowImport())
