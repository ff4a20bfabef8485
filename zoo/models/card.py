"""A pretrained model's card (`zoo/weights/pretrained/<tag>.json`) as one typed value.

Like timm's `PretrainedCfg`: what a tag's weights are (model, builder arguments, data set and
split, task), what the project measured with them (`test`, and a GAN's `fid` and `coverage`),
how they were made (the trial's config, hash and labels, the command, commit, versions,
hardware) and the files that hold them (name, size, SHA-256). `zoo.tools.weights` writes it,
`zoo.models.pretrained` reads it; this module is the only one that knows the JSON's keys:

    card = ModelCard.from_json(json.loads(path.read_text()))   # ValueError if not one
    card.task_info.metric, card.headline, card.files["weights"].sha256
    path.write_text(json.dumps(card.to_json(), indent=1) + "\\n")

`to_json` gives back the object `from_json` read, key for key and in the same order.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from zoo.specs.tasks import Task, task


@dataclass(frozen=True)
class CardFile:
    """One shipped file: its name in the weights folder, size and SHA-256."""

    file: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class CardTrial:
    """The trial that made the weights: its config hash, config and report labels
    (`optimizer`, `regularizer` and, where it has one, `schedule`)."""

    config_hash: str
    config: dict[str, Any]
    labels: dict[str, str]


OPTIONAL = ("coverage", "fid")  # left out of the JSON when None (only a GAN's card has them)


@dataclass(frozen=True, kw_only=True)
class ModelCard:
    """One tag's card. Fields are in the JSON's order."""

    tag: str  # `<model>.<data set>`, e.g. `cnn_vgg.fashion_mnist`
    model: str  # the registered builder
    builder_kwargs: dict[str, Any]  # the builder's arguments (JSON: lists, not tuples)
    default: bool = True  # the model's default tag (`zoo.build(model, pretrained=True)`)
    task: str  # its `zoo.specs.tasks.Task`'s name
    dataset: str
    description: str
    split: str  # the examples it was trained and tested on, in words
    test: dict[str, float]  # the test-split scores, the task's headline metric among them
    coverage: dict[str, Any] | None = None  # a generator's class coverage
    fid: dict[str, Any] | None = None  # a generator's FID: value, n_generated, n_real, ...
    params: int
    trial: CardTrial
    command: str | None  # the `zoo bench` command that trains it
    reproduce: str | None  # how to remake every tag (`make weights`)
    train_time_s: float
    git_commit: str | None
    git_dirty: bool | None
    keras: str | None
    backend: str  # `tensorflow 2.21.0`
    hardware: str
    files: dict[str, CardFile]  # by role: `weights`, and a text model's `vocabulary`

    # -- JSON ---------------------------------------------------------------------------

    @classmethod
    def from_json(cls, data: Any) -> ModelCard:
        """The card a JSON object holds; `ValueError` saying why if it is not one."""
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        names = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise ValueError(f"unknown fields {', '.join(unknown)}")
        values = dict(data)
        try:
            values["trial"] = CardTrial(**data["trial"])
            values["files"] = {role: CardFile(**f) for role, f in data["files"].items()}
            return cls(**values)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a model card: {exc}") from None

    def to_json(self) -> dict[str, Any]:
        """The JSON object `from_json` reads back (`coverage`, `fid`: only when set)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in OPTIONAL and value is None:
                continue
            if f.name == "trial":
                value = dataclasses.asdict(value)
            elif f.name == "files":
                value = {role: dataclasses.asdict(file) for role, file in value.items()}
            out[f.name] = value
        return out

    # -- what readers ask ----------------------------------------------------------------

    @property
    def task_info(self) -> Task:
        return task(self.task)

    @property
    def headline(self) -> float:
        """The task's headline test metric (`task_info.metric`: accuracy, FID)."""
        return float(self.test[self.task_info.metric])

    @property
    def text(self) -> bool:
        """A text model: it ships its vocabulary and takes raw strings."""
        return "vocabulary" in self.files

    @property
    def size_bytes(self) -> int:
        return sum(f.bytes for f in self.files.values())
