"""Every code block of README.md runs as written, as a script, and prints what the README says
it prints (#33.2).

A block is Python (```python, run by this environment's `python` as a file) or shell (```sh
or ```bash, run by bash with this environment's `zoo` on the PATH), each in an empty folder.
What it prints is the fenced block after it, when a short paragraph ending with ':' leads
from one to the other ("It prints:"); display-only blocks (a diagram, lists of commands for
other machines) are fenced as ```text and are not run. Every block states its time on a
2-core CPU; one that takes a minute or more offers a quicker setting in a comment,
`# ... a quicker try: NAME = VALUE`, and is run with it (marked `readme_long`: its numbers
are then not compared, only the lines). Numbers printed by a block run as written must
match: integers exactly, decimals within 5% (another CPU's last digits).

Not run here, with the reason: the install lines of the first-report block (the package
test installs the wheel into a fresh environment; this checkout's environment stands in),
`make bench` and `make test` (10 and about 15 minutes; `make test` is this suite), and the
`zoo bench --model mymodels:build` block, whose files the text only describes
(tests/cli/test_own_model.py runs that command on the same kind of data).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.M | re.S)
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
QUICKER = re.compile(r"^(?P<name>[A-Z_]+) = .*a quicker try: (?P=name) = (?P<value>\S+)", re.M)
NOT_RUN = {  # a snippet of the block -> why it is not run here
    "make bench": "10 min (the quick profile); make test is this very suite",
    "zoo bench --model mymodels:build": "needs mymodels.py and blobs.npz, which the text "
    "describes; tests/cli/test_own_model.py runs it",
}
SKIPPED_LINES = ("python3 -m venv", "pip install")  # the install (tests/e2e/test_package.py)


@dataclass
class Block:
    line: int  # where it starts in the README
    language: str
    code: str
    before: str  # the paragraph before it
    after: str  # the text after it, up to the next block
    prints: str | None  # what the README says it prints

    @property
    def id(self) -> str:
        return f"line{self.line}-{self.language}"


def blocks() -> list[Block]:
    text = README.read_text()
    fences = list(FENCE.finditer(text))
    found = []
    for i, m in enumerate(fences):
        if m[1] not in ("python", "sh", "bash"):
            continue
        start = fences[i - 1].end() if i else 0
        before = text[start : m.start()].strip().split("\n\n")[-1]
        prints = None
        after = text[m.end() : fences[i + 1].start() if i + 1 < len(fences) else None].strip()
        lead = after.endswith(":") and "\n\n" not in after and len(after) < 400
        if i + 1 < len(fences) and fences[i + 1][1] in ("", "text") and lead:
            prints = fences[i + 1][2]
        line = text.count("\n", 0, m.start()) + 1
        found.append(Block(line, m[1], m[2], before, after if prints else "", prints))
    return found


def _runnable() -> list:
    params = []
    for b in blocks():
        if any(snippet in b.code for snippet in NOT_RUN):
            continue
        marks = [pytest.mark.readme_long] if QUICKER.search(b.code) else []
        params.append(pytest.param(b, id=b.id, marks=marks))
    return params


def test_the_readme_has_runnable_blocks_and_says_why_others_are_not_run():
    every = blocks()
    assert sum(b.language == "python" for b in every) >= 5
    for snippet in NOT_RUN:  # each exemption still names a block of the README
        assert any(snippet in b.code for b in every), snippet


@pytest.mark.parametrize("block", [p.values[0] for p in _runnable()], ids=lambda b: b.id)
def test_every_runnable_block_states_its_time(block):
    said = "\n".join([block.before, block.code, block.after])
    assert "2-core CPU" in said or "2-core\nCPU" in said, f"README line {block.line}"
    minutes = re.findall(r"~?(\d+) min\b", said)
    if any(int(m) >= 1 for m in minutes) and block.language == "python":
        assert QUICKER.search(block.code), f"README line {block.line}: a quicker try?"


def _masked(text: str) -> list[str]:
    return [NUMBER.sub("N", line.rstrip()) for line in text.strip().splitlines()]


def _numbers_agree(expected: str, printed: str) -> bool:
    for want, got in zip(NUMBER.findall(expected), NUMBER.findall(printed), strict=True):
        w, g = float(want.replace(",", "")), float(got.replace(",", ""))
        if "." in want and abs(g - w) > 0.05 * abs(w) or "." not in want and w != g:
            return False
    return True


@pytest.mark.parametrize("block", _runnable())
def test_block_runs_as_written_and_prints_what_the_readme_says(block, tmp_path):
    code, quicker = block.code, QUICKER.search(block.code)
    if quicker:  # the stated quicker setting
        code = code.replace(quicker[0], f"{quicker['name']} = {quicker['value']}", 1)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # as in a user's shell: zoo quiets TensorFlow
    if block.language == "python":
        (tmp_path / "block.py").write_text(code)
        command = [sys.executable, "block.py"]
    else:
        lines = [line for line in code.splitlines() if not line.startswith(SKIPPED_LINES)]
        command = ["bash", "-euo", "pipefail", "-c", "\n".join(lines)]
    run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=900)  # fmt: skip
    assert run.returncode == 0, f"README line {block.line}:\n{run.stdout}\n{run.stderr}"
    if block.language == "python":
        assert "absl::InitializeLog" not in run.stderr and "oneDNN" not in run.stderr
    if block.prints is None:
        return
    if block.language == "python":  # its whole output
        assert _masked(run.stdout) == _masked(block.prints), run.stdout
        if not quicker:
            assert _numbers_agree(block.prints, run.stdout), run.stdout
    else:  # the lines it ends with, among the command's output
        printed, expected = _masked(run.stdout + run.stderr), _masked(block.prints)
        assert any(printed[i : i + len(expected)] == expected for i in range(len(printed))), (
            run.stdout + run.stderr
        )
