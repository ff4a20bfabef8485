"""The result store (`zoo.bench.output.store`): atomic records, their files, failed and
damaged ones."""

import json

import pytest

from zoo.bench import Store
from zoo.bench.output.record import Labels, TrialRecord


def _record(h="abc123", status="ok"):
    return TrialRecord(h, {}, Labels("adam", "none"), status)


def test_files_of_a_record_are_written_beside_it(tmp_path):
    store = Store(tmp_path)
    record = _record("g1").replace(attachments={"samples.png": b"\x89PNG fake"})
    store.write(record)
    assert (store.results / "g1.samples.png").read_bytes() == b"\x89PNG fake"
    assert store.read("g1").files == {"samples.png": "g1.samples.png"}
    assert not record.files and record.attachments["samples.png"] == b"\x89PNG fake"  # untouched
    assert sorted(p.name for p in store.results.iterdir()) == ["g1.json", "g1.samples.png"]


def test_atomic_write_and_read(tmp_path):
    store = Store(tmp_path / "out")
    path = store.write(_record())
    assert path == tmp_path / "out" / "results" / "abc123.json"
    assert json.loads(path.read_text())["status"] == "ok"
    assert [p.name for p in store.results.iterdir()] == ["abc123.json"]  # no temp files left
    assert store.is_done("abc123") and not store.is_done("other")


def test_failed_write_leaves_old_record_and_no_temp_file(tmp_path):
    store = Store(tmp_path)
    store.write(_record())
    bad = _record().replace(env={"unserializable": object()})
    with pytest.raises(TypeError):
        store.write(bad)
    assert store.read("abc123").status == "ok"
    assert [p.name for p in store.results.iterdir()] == ["abc123.json"]


def test_failed_trials_are_not_done_and_bad_files_are_skipped(tmp_path):
    store = Store(tmp_path)
    store.write(_record("f1", status="failed"))
    store.write(_record("d1", status="diverged"))
    assert not store.is_done("f1") and store.is_done("d1")
    (store.results / "truncated.json").write_text('{"schema": 1, "conf')
    (store.results / "foreign.json").write_text('{"hello": "world"}')
    (store.results / ".tmp-cut-off-by-a-kill.json").write_text('{"sche')
    records, warnings = store.load_all()
    assert sorted(r.config_hash for r in records) == ["d1", "f1"]
    assert len(warnings) == 2 and any("truncated.json" in w for w in warnings)


def test_a_claim_a_kill_left_on_a_stored_record_is_dropped(tmp_path):
    """Killed between storing its record and giving its claim back, a process leaves a claim
    on a finished trial, which no later run would ever take: the next run deletes it. A live
    claim, and a dead one on a trial not done, are left to the claim logic."""
    import subprocess
    import sys

    store = Store(tmp_path)
    store.write(_record("done1"))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    (store.results / "done1.claim").write_text(json.dumps({"pid": int(dead), "host": "x"}))
    assert store.claim("live1") and store.claim_path("live1").is_file()  # this process's
    store.write(_record("live1"))
    holder = json.loads(store.claim_path("live1").read_text())
    (store.results / "done1.claim").write_text(json.dumps({**holder, "pid": int(dead)}))
    store.drop_stale_claims({"done1", "live1"})
    assert not (store.results / "done1.claim").exists()
    assert store.claim_path("live1").is_file()  # its process lives: it gives it back itself
