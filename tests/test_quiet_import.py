"""`import zoo` keeps TensorFlow's start-up lines out of a user's script, as the `zoo` command
does, and lets every other line through (zoo.backend's filter), in fresh Python processes."""

from __future__ import annotations

import os
import subprocess
import sys

CHATTER = ["absl::InitializeLog", "oneDNN custom operations", "cuda drivers", "cudart"]


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**environ, **env}, timeout=300, check=True)  # fmt: skip


def test_a_script_that_builds_a_model_prints_no_start_up_lines():
    run = _python("import zoo\nm = zoo.build('cnn_small')\nprint('built', m.count_params())")
    assert run.stdout.strip() == "built 34826"
    assert not [line for line in run.stderr.splitlines() if any(c in line for c in CHATTER)]


def test_real_errors_and_warnings_still_show():
    """Lines written to native stderr while TensorFlow imports are held, then written out,
    all but the start-up chatter; a Python warning after the import is untouched."""
    code = (
        "import os, warnings\n"
        "from zoo.backend import filtered_stderr\n"
        "with filtered_stderr():\n"
        "    os.write(2, b'WARNING: All log messages before absl::InitializeLog() is called are "
        "written to STDERR\\n')\n"
        "    os.write(2, b'I0000 00:00:1796.5   42 port.cc:153] oneDNN custom operations on\\n')\n"
        "    os.write(2, b'E0000 00:00:1796.6   42 some_op.cc:7] a real failure\\n')\n"
        "    warnings.warn('a warning while importing')\n"
        "import keras\n"
        "warnings.warn('a warning of your own')\n"
    )
    err = _python(code).stderr
    assert "a real failure" in err and "a warning while importing" in err
    assert "a warning of your own" in err
    assert "oneDNN" not in err and "absl::InitializeLog" not in err


def test_asking_for_tensorflow_logs_turns_the_filter_off():
    run = _python("import zoo\nzoo.build('cnn_small')", TF_CPP_MIN_LOG_LEVEL="0")
    assert any(c in run.stderr for c in CHATTER)  # TensorFlow's own lines, as asked
