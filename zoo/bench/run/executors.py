"""Where trials run: in this process, in N local worker processes, or as Ray tasks.

`zoo bench --jobs N` starts N worker processes (spawned, so each has its own backend
runtime), each capped to `cpu_count // N` threads so that N workers do not oversubscribe the
cores. `zoo bench --executor ray [--address ADDR]` sends each trial to a Ray cluster (a local
one when no address is given) as a task that declares `num_cpus` (and `num_gpus` where the
workers have GPUs; on a cluster, `--address`, one CPU per trial unless
`ZOO_CPUS_PER_TRIAL` says more). A Ray task's threads are the CPUs Ray reserved for it on
the node it landed on (capped by that node's CPUs), not the driver's, and its record names
the node (`env.node`). Ray re-runs a task whose node died (`max_retries`), so a trial on a
lost node runs again elsewhere (resuming from its checkpoint where the nodes share the
output folder's disk). Either way the driver claims each trial, gathers the records and writes
them into the same store, so the folder, resuming and the report are the same as for a serial
run. A worker's thread cap is set before its backend runs anything: TensorFlow's intra- and
inter-op pools, OpenMP/oneDNN (`OMP_NUM_THREADS`), XLA's CPU client for JAX and
`torch.set_num_threads`.
"""

from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import os
from pathlib import Path
from typing import Any

from zoo.backend import start, start_worker, thread_env
from zoo.bench.output.record import TrialRecord
from zoo.bench.run.reuse import trial_key
from zoo.bench.run.runner import run_trial
from zoo.errors import UsageError

EXECUTORS = ("local", "ray")


def threads_per_worker(jobs: int) -> int:
    """Cores per worker when `jobs` workers share this machine (at least one)."""
    return max(1, (os.cpu_count() or 1) // max(1, jobs))


def _ray_placement(requested: int) -> tuple[int, dict[str, Any]]:
    """Inside a Ray task: the threads it may use (the CPUs Ray reserved for it, at most its
    node's) and which node it runs on."""
    import ray

    context = ray.get_runtime_context()
    node = context.get_node_id()
    assigned = context.get_assigned_resources().get("CPU", requested)
    node_cpus = next((n["Resources"].get("CPU", assigned) for n in ray.nodes()
                      if n["NodeID"] == node), assigned)  # fmt: skip
    threads = max(1, int(min(assigned, node_cpus)))
    return threads, {"id": node, "ip": ray.util.get_node_ip_address(), "cpus": node_cpus}


def run_in_worker(trial, threads: int | None, data_dir: str | None, checkpoint_dir: str | None,
                  save_weights: bool, tensorboard_dir: str | None = None,
                  ) -> TrialRecord:  # fmt: skip
    """Run one trial in a worker (a local process, or a Ray task: `threads` None) and return
    its record."""
    node = None
    if threads is None:
        threads, node = _ray_placement(1)
        if checkpoint_dir:  # where a trial is running, for whoever watches a cluster's run
            Path(checkpoint_dir).mkdir(parents=True, exist_ok=True)
            (Path(checkpoint_dir) / "node.json").write_text(json.dumps(node))
    start(threads)
    record = run_trial(
        trial,
        data_dir=data_dir,
        checkpoint_dir=Path(checkpoint_dir) if checkpoint_dir else None,
        save_weights=save_weights,
        tensorboard_dir=Path(tensorboard_dir) if tensorboard_dir else None,
    )
    if node is not None:
        record = record.replace(env={**record.env, "node": node})
    return record


def worker_env(threads: int, backend: str | None) -> dict[str, str]:
    """What a worker's environment must say before it imports Keras."""
    env = thread_env(threads)
    if backend:
        env["KERAS_BACKEND"] = backend
    return env


class LocalPool:
    """`jobs` spawned worker processes on this machine, under Keras `backend`.

    Each worker is an executor of its own, so that a trial can go to the worker that has
    already traced its model's shape (`zoo.bench.run.reuse`): `pick` chooses, for the free
    worker, the queued trial of a shape it has run, else one of a shape no other worker has
    (quick profile: 22 shapes, traced once each instead of once per worker).
    """

    def __init__(self, jobs: int, backend: str | None = None) -> None:
        self.jobs = jobs
        self.threads = threads_per_worker(jobs)
        # Each worker sets its environment and starts its backend first thing, before a
        # trial's unpickling imports Keras (whose start-up would print to the terminal).
        self.workers = [
            concurrent.futures.ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=start_worker,
                initargs=(worker_env(self.threads, backend), self.threads),
            )
            for _ in range(jobs)
        ]
        self.running: list[concurrent.futures.Future | None] = [None] * jobs
        self.shapes: list[set[str]] = [set() for _ in range(jobs)]

    def _free(self) -> int | None:
        return next((i for i, f in enumerate(self.running) if f is None or f.done()), None)

    def pick(self, queue: list) -> int:
        """The index in `queue` of the trial to submit next (to the first free worker)."""
        w = self._free()
        if w is None or len(queue) < 2:
            return 0
        keys = [trial_key(t) for t in queue]
        others = set().union(*(s for i, s in enumerate(self.shapes) if i != w))
        return next((i for i, k in enumerate(keys) if k in self.shapes[w]),
                    next((i for i, k in enumerate(keys) if k not in others), 0))  # fmt: skip

    def submit(self, trial, **kwargs) -> concurrent.futures.Future:
        w = self._free()
        if w is None:
            raise RuntimeError("every worker is busy: submit at most `jobs` trials at a time")
        self.shapes[w].add(trial_key(trial))
        self.running[w] = self.workers[w].submit(run_in_worker, trial, self.threads, **kwargs)
        return self.running[w]

    def shutdown(self, cancel: bool = False) -> None:
        for worker in self.workers:
            worker.shutdown(wait=not cancel, cancel_futures=cancel)


class RayPool:
    """Trials as Ray tasks on the cluster at `address` (a new local one when None)."""

    def __init__(self, jobs: int, address: str | None = None, backend: str | None = None) -> None:
        try:
            import ray
        except ImportError as exc:
            raise UsageError(
                "--executor ray needs Ray: pip install 'zoo-bench[ray]' (or pip install ray)."
            ) from exc
        self.ray = ray
        self.jobs = jobs
        # A local instance shares this machine's cores; a cluster's nodes have their own.
        default = threads_per_worker(jobs) if address is None else 1
        self.threads = int(os.environ.get("ZOO_CPUS_PER_TRIAL", default))
        env = {k: v for k, v in os.environ.items()
               if k.startswith(("ZOO_", "KERAS_", "TF_CPP")) or k == "PYTHONPATH"}  # fmt: skip
        env.update(worker_env(self.threads, backend))
        package_root = str(Path(__file__).resolve().parents[3])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        self._started = not ray.is_initialized() and address is None
        if not ray.is_initialized():
            ray.init(
                address=address,
                num_cpus=None if address else os.cpu_count(),
                include_dashboard=False,
                log_to_driver=False,
            )
        # The environment goes with each task: Ray starts workers per runtime environment,
        # so trials under different backends never share a worker.
        # A task whose node dies is run again on another (Ray's default for system failures).
        self.task = ray.remote(num_cpus=self.threads, max_retries=3,
                               runtime_env={"env_vars": env})(run_in_worker)  # fmt: skip

    def submit(self, trial, **kwargs) -> concurrent.futures.Future:
        ref = self.task.remote(trial, None, **kwargs)  # threads: what Ray reserved on its node
        return ref.future()

    def shutdown(self, cancel: bool = False) -> None:
        if self._started:
            self.ray.shutdown()


def make_pool(
    executor: str,
    jobs: int,
    address: str | None = None,
    backend: str | None = None,
    check_only: bool = False,
):
    """The worker pool for `--executor` and `--jobs`, its workers under Keras `backend`
    (`check_only`: just raise `UsageError` for bad settings)."""
    if executor not in EXECUTORS:
        raise UsageError(f"unknown executor {executor!r}; valid: {', '.join(EXECUTORS)}.")
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}.")
    if address and executor != "ray":
        raise UsageError("--address applies to --executor ray only.")
    if executor == "ray" and check_only:
        try:
            import ray  # noqa: F401
        except ImportError as exc:
            raise UsageError(
                "--executor ray needs Ray: pip install 'zoo-bench[ray]' (or pip install ray)."
            ) from exc
    if check_only:
        return None
    return RayPool(jobs, address, backend) if executor == "ray" else LocalPool(jobs, backend)


class Pools:
    """The worker pools of one campaign, one per Keras backend, started when first needed and
    kept through its tuning phase and every racing round: workers keep their started backend
    and their compiled models (`zoo.bench.run.reuse`) from one batch of trials to the next
    (a pool per batch paid both again: ~1 s of tracing a trial in the quick profile)."""

    def __init__(self, executor: str = "local", jobs: int = 1, address: str | None = None):
        self.executor, self.jobs, self.address = executor, jobs, address
        self._pools: dict[str | None, Any] = {}

    def get(self, backend: str | None):
        if backend not in self._pools:
            self._pools[backend] = make_pool(self.executor, self.jobs, self.address, backend)
        return self._pools[backend]

    def shutdown(self, cancel: bool = False) -> None:
        """Stop every pool (`cancel`: without waiting for the trials in flight)."""
        while self._pools:
            self._pools.popitem()[1].shutdown(cancel=cancel)

    def __enter__(self) -> Pools:
        return self

    def __exit__(self, kind, error, tb) -> None:
        self.shutdown(cancel=kind is not None)  # an error or Ctrl-C: don't wait
