"""`zoo.bench.output.layout`: the output folder's paths, and its write check."""

import threading

from zoo.bench.output.layout import Layout


def test_runs_starting_on_one_folder_at_once_all_pass_the_write_check(tmp_path):
    """`zoo bench` checks that --out is writable with a probe file; two runs starting on one
    folder together (two terminals, cluster nodes) must not delete each other's probe."""
    errors = []

    def start():
        for _ in range(100):
            try:
                Layout(tmp_path / "shared").create()
            except Exception as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]
    assert not list((tmp_path / "shared").iterdir())  # no probe left behind
