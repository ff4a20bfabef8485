"""`zoo list`, in process: optimizers, schedules, and a regularizer a model lacks."""

from zoo.cli import main
from zoo.specs import (
    OPTIMIZERS,
    SCHEDULES,
)


def test_list_optimizers_and_schedules(capsys):
    assert main(["list", "optimizers"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if not line.startswith(" ")]
    assert [line.split()[0] for line in lines] == list(OPTIMIZERS)
    assert main(["list", "schedules"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0].split()[0] for line in out] == list(SCHEDULES)


def test_unsupported_regularizer_exits_2(capsys):
    code = main(["bench", "--profile", "smoke", "--models", "lstm", "--regularizers", "augment",
                 "--dry-run"])  # fmt: skip
    assert code == 2
    assert "does not apply to model 'lstm'" in capsys.readouterr().err
