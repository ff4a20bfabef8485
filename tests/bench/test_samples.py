"""Every GAN trial keeps its sample grid beside its record (`results/<hash>.samples.png`),
and a results folder that lost one says so when it is read (`load_records`)."""

from __future__ import annotations

import io
import json

from PIL import Image

from zoo.bench import Store
from zoo.bench.campaign import load_records
from zoo.cli import main


def test_each_gan_trial_writes_its_sample_grid_and_a_lost_one_is_reported(tmp_path):
    out = tmp_path / "gan"
    args = ["bench", "--profile", "smoke", "--models", "dcgan", "--regularizers", "none",
            "--seeds", "2", "--out", str(out), "--no-progress", "--no-report"]  # fmt: skip
    assert main(args) == 0
    run = json.loads((out / "run.json").read_text())
    store = Store(out)
    records = [store.read(h) for h in run["trial_hashes"]]
    assert len(records) == 2
    for r in records:
        png = store.results / r.files["samples.png"]
        assert png.name == f"{r.config_hash}.samples.png"
        image = Image.open(io.BytesIO(png.read_bytes()))
        assert image.format == "PNG" and min(image.size) >= 28  # a grid of 28x28 samples
    pngs = [store.results / r.files["samples.png"] for r in records]
    assert pngs[0].read_bytes() != pngs[1].read_bytes()  # each seed's own samples
    notes: list[str] = []
    load_records(out, warn=notes.append)
    assert not notes
    pngs[0].unlink()
    load_records(out, warn=notes.append)
    (note,) = notes
    assert f"{records[0].config_hash}: {pngs[0].name}" in note and "copy a results" in note
