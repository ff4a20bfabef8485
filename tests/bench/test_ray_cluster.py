"""A real multi-node Ray cluster on this machine (Ray's own `ray.cluster_utils.Cluster`): trials
spread over its nodes, each record names its node, the records equal a serial run's, and a node
removed while it runs a trial loses nothing: Ray runs that trial again on the node that is
left, and the driver stores every record once."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from datetime import UTC, datetime

import pandas as pd
import pytest

from zoo.cli import main

ray = pytest.importorskip("ray")


ARGS = ["bench", "--profile", "smoke", "--models", "cnn_small", "--optimizers", "adam,sgd",
        "--regularizers", "none,dropout", "--no-progress", "--no-report"]  # fmt: skip


METRICS = ["config_hash", "status", "test_accuracy", "test_loss", "final_val_accuracy"]


@pytest.fixture
def cluster():
    """A head that runs no trials (0 CPUs) and two worker nodes of one CPU each."""
    from ray.cluster_utils import Cluster

    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    nodes = [c.add_node(num_cpus=1) for _ in range(2)]
    c.wait_for_nodes()
    yield c, nodes
    ray.shutdown()
    c.shutdown()


def _records(out) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((out / "results").glob("*.json"))]


def _frame(out) -> pd.DataFrame:
    from zoo.bench import Store
    from zoo.report.frames import results_frame

    return results_frame(Store(out).check())[METRICS].sort_values("config_hash").reset_index(
        drop=True)  # fmt: skip


def test_trials_spread_over_nodes_and_equal_a_serial_run(cluster, tmp_path):
    c, nodes = cluster
    assert main([*ARGS, "--out", str(tmp_path / "serial")]) == 0
    out = tmp_path / "cluster"
    assert main([*ARGS, "--executor", "ray", "--address", c.address, "--jobs", "2",
                 "--out", str(out)]) == 0  # fmt: skip
    records = _records(out)
    worker_ids = {n.node_id for n in nodes}
    used = {r["env"]["node"]["id"] for r in records}
    assert len(records) == 4 and used <= worker_ids and len(used) == 2  # both nodes ran trials
    # Threads follow the node's reservation (1 CPU each), not the driver's 2 cores.
    assert {r["env"]["threads"] for r in records} == {1}
    assert {r["env"]["node"]["cpus"] for r in records} == {1.0}
    pd.testing.assert_frame_equal(_frame(out), _frame(tmp_path / "serial"))


def test_a_node_removed_mid_trial_loses_nothing(cluster, tmp_path):
    c, nodes = cluster
    out = tmp_path / "lost"
    args = [*ARGS, "--epochs", "4", "--executor", "ray", "--address", c.address, "--jobs", "2",
            "--out", str(out)]  # fmt: skip
    result = {}
    driver = threading.Thread(target=lambda: result.update(code=main(args)))
    driver.start()
    deadline = time.time() + 600
    removed = nodes[0].node_id

    def running_on_removed() -> list[str]:
        """Trials node 0 runs that have finished an epoch (each task notes its node)."""
        found = []
        for folder in (out / "checkpoints").glob("*"):
            with contextlib.suppress(OSError, ValueError):
                note = json.loads((folder / "node.json").read_text())
                done = (out / "results" / f"{folder.name}.json").exists()
                if note["id"] == removed and (folder / "history.csv").is_file() and not done:
                    found.append(folder.name)
        return found

    while not (victims := running_on_removed()) and time.time() < deadline:
        time.sleep(0.2)
    removed_at = datetime.now(UTC).replace(microsecond=0)
    c.remove_node(nodes[0])
    driver.join(timeout=900)
    assert victims and result.get("code") == 0
    records = {r["config_hash"]: r for r in _records(out)}
    assert len(records) == 4 and all(r["status"] == "ok" for r in records.values())
    # The trial that was on the removed node ran again, from its start or its last
    # checkpoint, on the node that was left; its record is stored once.
    again = records[victims[0]]
    assert again["env"]["node"]["id"] == nodes[1].node_id
    assert datetime.fromisoformat(again["started_at"]) >= removed_at
    assert not list((out / "results").glob("*.claim"))
