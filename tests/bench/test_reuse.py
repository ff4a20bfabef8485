"""Reusing a compiled model between trials (`zoo.bench.run.reuse`): the same records as
fresh models."""

from zoo.bench import Store, expand, load_suite, run_trials


def test_reusing_a_compiled_model_gives_the_same_records(tmp_path, monkeypatch):
    """Trials that share a shape reuse one compiled model (zoo.bench.run.reuse): their records
    equal those of fresh models, classifiers and the GAN alike."""
    from zoo.bench.run import reuse

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
        records[flag] = {r.config_hash: r for r in Store(tmp_path / flag).check()}
    assert len(records["1"]) == len(trials) == 14
    for h, fresh in records["0"].items():
        reused = records["1"][h]
        for key in ("test", "test_last", "best_epoch", "fid", "coverage"):
            assert getattr(fresh, key) == getattr(reused, key), (fresh.labels, key)
        drop = {"epoch_time_s"}
        assert {k: v for k, v in fresh.history.items() if k not in drop} == {
            k: v for k, v in reused.history.items() if k not in drop}  # fmt: skip


def test_a_trial_does_not_depend_on_what_its_process_ran_before():
    """Workers run many trials in one process, reusing compiled models and TensorFlow's
    caches (`zoo.backend.set_seed` keeps them): a trial run again after others, its model
    reused, gives the record it gave first."""
    from zoo.bench.run import reuse
    from zoo.bench.run.runner import run_trial

    reuse.clear()
    suite = load_suite("zoo")
    first, other = expand(suite, "smoke", {"models": ["cnn_small"], "seeds": 2, "optimizers": [
        "adam"], "regularizers": ["dropout+augment"]})  # fmt: skip
    gan = expand(suite, "smoke", {"models": ["dcgan"], "seeds": 1, "regularizers": ["none"]})[0]
    runs = [run_trial(t) for t in (first, gan, other, first, gan)]
    assert runs[0].status == "ok" and runs[2].test != runs[0].test  # seeds differ
    for a, b in ((runs[0], runs[3]), (runs[1], runs[4])):
        assert a.test == b.test and a.fid == b.fid and a.test_last == b.test_last
        drop = {"epoch_time_s"}
        assert {k: v for k, v in a.history.items() if k not in drop} == {
            k: v for k, v in b.history.items() if k not in drop}  # fmt: skip
