"""A trial's run (`zoo.bench.run.runner`): `--tensorboard` writes Keras's TensorBoard logs per
trial, outside the config hash."""

import json

from zoo.cli import main

ARGS = ["bench", "--profile", "smoke", "--models", "cnn_small", "--optimizers", "adam,sgd",
        "--regularizers", "none", "--epochs", "2", "--no-progress", "--no-report"]  # fmt: skip


def test_tensorboard_logs_one_run_per_trial(tmp_path):
    assert main([*ARGS, "--out", str(tmp_path / "plain")]) == 0
    assert not (tmp_path / "plain" / "tensorboard").exists()  # off by default
    out = tmp_path / "tb"
    assert main([*ARGS, "--out", str(out), "--tensorboard"]) == 0
    records = [json.loads(p.read_text()) for p in (out / "results").glob("*.json")]
    assert [r["status"] for r in records] == ["ok", "ok"]
    hashes = {r["config_hash"] for r in records}
    assert hashes == {p.stem for p in (tmp_path / "plain" / "results").glob("*.json")}
    runs = {p.name for p in (out / "tensorboard").iterdir() if p.is_dir()}
    assert runs == hashes  # `tensorboard --logdir OUT/tensorboard` compares them
    # Beside the runs, the HParams experiment summary (zoo.bench.output.hparams) and nothing else.
    rest = [p.name for p in (out / "tensorboard").iterdir() if not p.is_dir()]
    assert all(name.startswith("events.out.tfevents.") for name in rest)
    for run in runs:
        events = list((out / "tensorboard" / run).glob("*/events.out.tfevents.*"))
        assert {e.parent.name for e in events} == {"train", "validation"}
        assert all(e.stat().st_size > 0 for e in events)
    assert "tensorboard" not in json.dumps(records[0]["config"])


def test_a_ctrl_c_converted_by_a_library_still_stops_the_run():
    """An interrupt that TensorFlow re-raises as another error is not a failed trial."""
    from zoo.bench.run.runner import _interrupted

    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise RuntimeError("cancelled") from exc
    except RuntimeError as converted:
        assert _interrupted(converted)
    assert not _interrupted(ValueError("a real failure"))
