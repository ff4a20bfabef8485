"""zoo outside its repository: the wheel, installed into a fresh virtual environment, runs a smoke
bench and loads a pretrained model from a folder that is not a checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(args, **kwargs):
    proc = subprocess.run(args, capture_output=True, text=True, timeout=900, **kwargs)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the fresh environment's python, a working folder outside the repository)."""
    base = tmp_path_factory.mktemp("package")
    source = base / "source"  # a copy: building writes build/ and *.egg-info beside the code
    shutil.copytree(ROOT / "zoo", source / "zoo", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
          "-w", str(base / "dist"), str(source)])  # fmt: skip
    (wheel,) = (base / "dist").glob("zoo_bench-*.whl")  # the distribution zoo-bench
    names = zipfile.ZipFile(wheel).namelist()
    assert "zoo/suites/zoo.toml" in names
    assert "zoo/weights/pretrained/cnn_vgg.fashion_mnist.weights.h5" in names
    _run([sys.executable, "-m", "venv", "--without-pip", str(base / "venv")])
    python = base / "venv" / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                      "['purelib'])"]).stdout.strip())  # fmt: skip
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
          "--no-index", "-q", str(wheel)])  # fmt: skip
    (site / "_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = base / "elsewhere"
    work.mkdir()
    return python, work


def test_the_wheel_runs_a_smoke_bench_outside_the_repository(installed):
    python, work = installed
    env = {**os.environ, "PYTHONPATH": ""}
    where = _run([str(python), "-c", "import zoo; print(zoo.__file__)"], cwd=work, env=env)
    assert str(python.parents[1]) in where.stdout  # the wheel's zoo, not the checkout's
    zoo = str(python.parent / "zoo")
    profiles = _run([zoo, "list", "profiles"], cwd=work, env=env)
    assert "smoke" in profiles.stdout and "quick" in profiles.stdout
    bench = [zoo, "bench", "--profile", "smoke", "--models", "cnn_small", "--optimizers",
             "adam", "--regularizers", "none", "--out", "run", "--no-progress"]  # fmt: skip
    _run(bench, cwd=work, env=env)
    (record,) = [json.loads(p.read_text()) for p in (work / "run" / "results").glob("*.json")]
    assert record["status"] == "ok" and record["env"]["git_commit"] is None
    assert record["env"]["zoo"]  # provenance: the package version stands in for the commit
    assert "installed package zoo" in (work / "run" / "README.md").read_text()


def test_the_wheel_loads_pretrained_models_and_runs_a_users_suite(installed):
    python, work = installed
    env = {**os.environ, "PYTHONPATH": ""}
    code = ("import zoo; m = zoo.build('cnn_vgg.fashion_mnist', pretrained=True); "
            "print(m.name, m.count_params())")  # fmt: skip
    out = _run([str(python), "-c", code], cwd=work, env=env)
    assert out.stdout.split()[0] == "cnn_vgg"
    suite = work / "mine.toml"
    suite.write_text(
        'description = "a user\'s own suite"\n[profiles.tiny]\nseeds = 1\nepochs = 1\n'
        "train_size = 256\nval_size = 64\ntest_size = 256\n[[profiles.tiny.grid]]\n"
        'models = ["cnn_small"]\noptimizers = ["sgd"]\nregularizers = ["none"]\n'
    )
    _run([str(python.parent / "zoo"), "bench", "--suite", "mine.toml", "--profile", "tiny",
          "--out", "mine", "--no-progress"], cwd=work, env=env)  # fmt: skip
    assert len(list((work / "mine" / "results").glob("*.json"))) == 1
