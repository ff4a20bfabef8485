"""Reusing a compiled model between trials (`zoo.bench.reuse`): the same records as fresh models."""

from zoo.bench import Store, expand, load_suite, run_trials


def test_reusing_a_compiled_model_gives_the_same_records(tmp_path, monkeypatch):
    """Trials that share a shape reuse one compiled model (zoo.bench.reuse): their records
    equal those of fresh models, classifiers and the GAN alike."""
    from zoo.bench import reuse

    suite = load_suite("zoo")
    trials = expand(suite, "smoke", {"models": ["cnn_small"], "seeds": 2, "optimizers": [
        "adam", "adam:lr=0.003", "schedule_free_adamw"], "regularizers": [
        "dropout+batchnorm", "augment+label_smoothing"]})  # fmt: skip
    trials += expand(suite, "smoke", {"models": ["dcgan"], "seeds": 2,
                                      "regularizers": ["none"]})  # fmt: skip
    records = {}
    for flag in ("0", "1"):
        monkeypatch.setenv("ZOO_REUSE", flag)
        reuse.clear()
        run_trials(trials, tmp_path / flag, progress=False)
        records[flag] = {r["config_hash"]: r for r in Store(tmp_path / flag).check()}
    assert len(records["1"]) == len(trials) == 14
    for h, fresh in records["0"].items():
        reused = records["1"][h]
        for key in ("test", "fid", "coverage"):
            assert fresh.get(key) == reused.get(key), (fresh["labels"], key)
        drop = {"epoch_time_s"}
        assert {k: v for k, v in fresh["history"].items() if k not in drop} == {
            k: v for k, v in reused["history"].items() if k not in drop}  # fmt: skip
