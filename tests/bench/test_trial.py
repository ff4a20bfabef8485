"""A trial's config hash (`zoo.bench.plan.trial`): pinned, and covering everything that changes a
result."""

from zoo.bench.plan.trial import Trial
from zoo.specs import parse_optimizer, parse_regularizer

PINNED_HASH = "50a474474f46293b"  # _trial()'s hash since the first release


def _trial(**kw):
    base = dict(
        model="cnn_small",
        dataset="fashion_mnist",
        optimizer=parse_optimizer("adam"),
        regularizer=parse_regularizer("none"),
        seed=0,
        epochs=1,
        batch_size=32,
        train_size=100,
        val_size=10,
        test_size=10,
        versions={"keras": "3"},
    )
    base.update(kw)
    return Trial(**base)


def test_config_hash_of_an_existing_trial_is_unchanged():
    # Pinned: a change here silently orphans every stored result (they would all re-run).
    assert _trial().config_hash == PINNED_HASH


def test_config_hash_covers_everything_that_changes_results():
    h = _trial().config_hash
    assert _trial(optimizer=parse_optimizer("adam:lr=0.001")).config_hash == h
    changed = [
        _trial(optimizer=parse_optimizer("adam:lr=3e-4")),
        _trial(regularizer=parse_regularizer("l2")),
        _trial(seed=1),
        _trial(epochs=2),
        _trial(batch_size=64),
        _trial(train_size=200),
        _trial(val_size=20),
        _trial(test_size=None),
        _trial(versions={"keras": "4"}),
        _trial(data_options={"vocab_size": 100}),
        _trial(d_optimizer=parse_optimizer("adam:lr=4e-4")),
        _trial(fid_samples=1000),
    ]
    hashes = {t.config_hash for t in changed}
    assert h not in hashes and len(hashes) == len(changed)
