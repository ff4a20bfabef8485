"""TensorBoard's HParams table of a run, read back with TensorBoard's own reader: the
experiment's hyperparameters and metrics at the root, each trial's values in its folder, and
a second write replacing the first (a resumed run shows each trial once)."""

from __future__ import annotations

import pytest
from helpers import fixture_record

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.plugins.hparams import metadata  # noqa: E402
from tensorboard.util.tensor_util import make_ndarray  # noqa: E402

from zoo.bench.output.hparams import write_hparams  # noqa: E402


def _plugin(folder) -> tuple[EventAccumulator, bytes]:
    """The folder's events and the content of its one HParams summary."""
    acc = EventAccumulator(str(folder))
    acc.Reload()
    content = acc.PluginTagToContent(metadata.PLUGIN_NAME)
    assert len(content) == 1, content
    return acc, next(iter(content.values()))


def test_each_trial_is_a_row_of_hyperparameters_and_metrics(tmp_path):
    records = [fixture_record("adam", "none", 0, 0.81), fixture_record("sgd", "l2", 1, 0.74)]
    for _ in range(2):  # written twice: the second replaces the first
        root = write_hparams(tmp_path, records, tuning={records[1].config_hash})
    _, content = _plugin(root)
    experiment = metadata.parse_experiment_plugin_data(content)
    names = {h.name for h in experiment.hparam_infos}
    assert {"optimizer", "schedule", "regularizer", "learning_rate", "seed", "phase"} <= names
    tags = {m.name.tag for m in experiment.metric_infos}
    assert tags == {"test_accuracy", "best_val_accuracy", "wall_time_s"}
    for r in records:
        acc, content = _plugin(root / r.config_hash)
        start = metadata.parse_session_start_info_plugin_data(content)
        values = {k: v.WhichOneof("kind") and getattr(v, v.WhichOneof("kind"))
                  for k, v in start.hparams.items()}  # fmt: skip
        assert values["optimizer"] == r.labels.optimizer
        assert values["regularizer"] == r.labels.regularizer
        assert values["seed"] == r.seed and values["learning_rate"] == pytest.approx(0.01)
        assert values["phase"] == ("tuning" if r is records[1] else "table")
        scalars = {t: acc.Tensors(t)[-1] for t in acc.Tags()["tensors"] if t in tags}
        assert set(scalars) == tags
        test = float(make_ndarray(scalars["test_accuracy"].tensor_proto))
        assert test == pytest.approx(r.headline) and scalars["test_accuracy"].step == 2
