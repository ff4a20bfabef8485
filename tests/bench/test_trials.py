"""`zoo.bench.run.trials`: claims are given back however a run is interrupted."""

import pytest

from zoo.bench import expand, load_suite
from zoo.bench.output.store import Store
from zoo.bench.run.trials import run_trials


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_interrupt_right_after_a_claim_gives_it_back(tmp_path, monkeypatch, jobs):
    """Ctrl-C can land between any two statements: here just after a trial is claimed and
    before it is running. The claim must not outlive the run (a later run would otherwise
    wait on it as another live process's, were this process's PID reused)."""
    overrides = {"models": ["cnn_small"], "optimizers": ["adam"], "regularizers": ["none"]}
    trials = expand(load_suite("zoo"), "smoke", overrides)
    claim = Store.claim
    claimed = []

    def claim_then_interrupt(self, config_hash):
        assert claim(self, config_hash)
        claimed.append(config_hash)
        raise KeyboardInterrupt

    monkeypatch.setattr(Store, "claim", claim_then_interrupt)
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        run_trials(trials, out, progress=False, jobs=jobs)
    assert claimed  # the claim was made ...
    assert not [p for p in (out / "results").glob("*.claim") if not p.name.startswith(".")]
