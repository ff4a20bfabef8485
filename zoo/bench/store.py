"""The result store: one JSON record per trial in `<out>/results/<config_hash>.json`.

Records are written atomically (a temporary file in the same folder, flushed and fsynced,
then renamed over the target), so a reader never sees half a record and a killed run leaves
no damaged file behind. A record may carry files (`record["files"] = {"samples.png": bytes}`,
e.g. a GAN's sample grid): they are written first, as `<config_hash>.<name>`, and the JSON
(the commit point) then lists them by file name.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from zoo.errors import UsageError

SCHEMA = 1
DONE = ("ok", "diverged")  # statuses that count as finished; "failed" trials are retried


class Store:
    """Reads and writes the trial records under `<out>/results/`."""

    def __init__(self, out: str | os.PathLike):
        self.out = Path(out)
        self.results = self.out / "results"

    def path(self, config_hash: str) -> Path:
        return self.results / f"{config_hash}.json"

    def read(self, config_hash: str) -> dict[str, Any] | None:
        """The record for `config_hash`, or None if there is none or it is unreadable."""
        try:
            return json.loads(self.path(config_hash).read_text())
        except (OSError, ValueError):
            return None

    def is_done(self, config_hash: str) -> bool:
        record = self.read(config_hash)
        return bool(record) and record.get("status") in DONE

    def write(self, record: dict[str, Any]) -> Path:
        """Write `record` atomically under its `config_hash`; return its path."""
        try:
            self.results.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(
                f"cannot create the results folder {self.results}: {exc.strerror}. "
                "Choose a writable --out folder."
            ) from exc
        record = dict(record)
        files = {}
        for name, content in (record.pop("files", None) or {}).items():
            path = self.results / f"{record['config_hash']}.{name}"
            self._atomic_write(path, content)
            files[name] = path.name
        if files:
            record["files"] = files
        target = self.path(record["config_hash"])
        text = json.dumps(record, indent=1, sort_keys=True, allow_nan=True) + "\n"
        self._atomic_write(target, text.encode())
        return target

    def _atomic_write(self, target: Path, content: bytes) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.results, prefix=".tmp-", suffix=target.suffix)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def load_all(self) -> tuple[list[dict[str, Any]], list[str]]:
        """Every readable record, and a warning for each file that could not be used."""
        records, warnings = [], []
        for path in sorted(self.results.glob("*.json")):
            try:
                record = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                warnings.append(f"skipped {path}: not a readable JSON record ({exc}).")
                continue
            if not isinstance(record, dict) or record.get("schema") != SCHEMA:
                warnings.append(f"skipped {path}: not a zoo trial record (schema {SCHEMA}).")
                continue
            records.append(record)
        return records, warnings
