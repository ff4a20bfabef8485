"""The result store: one JSON record per trial in `<out>/results/<config_hash>.json`.

Records are written atomically (a temporary file in the same folder, flushed and fsynced,
then renamed over the target), so a reader never sees half a record and a killed run leaves
no damaged file behind. A record (`zoo.bench.output.record.TrialRecord`) may carry
attachments (`{"samples.png": bytes}`, e.g. a GAN's sample grid): they are written first, as
`<config_hash>.<name>`, and the JSON (the commit point) then lists them in `files`.

Several processes may share one folder: before running a trial a process *claims* it by
writing `<config_hash>.claim` (its PID, host and start time) while holding the folder's
`flock`, so checking and taking a claim is one step. Another process skips a claimed trial
while its claimant lives; a claim left by a killed process (its PID gone, or reused by a
process that started later) is taken over.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

from zoo.bench.output.layout import Layout
from zoo.bench.output.record import TrialRecord
from zoo.errors import UsageError

TMP_PREFIX = ".tmp-"  # temporary files of atomic writes; renamed into place when complete
CLAIMS_LOCK = ".claims.lock"  # flock'd while a process checks and takes a claim


class Store:
    """Reads and writes the trial records under `<out>/results/`."""

    def __init__(self, out: str | os.PathLike):
        self.out = Path(out)
        self.results = Layout(out).results

    def path(self, config_hash: str) -> Path:
        return self.results / f"{config_hash}.json"

    def read(self, config_hash: str) -> TrialRecord | None:
        """The record for `config_hash`, or None if there is none or it is unreadable."""
        try:
            return TrialRecord.from_json(json.loads(self.path(config_hash).read_text()))
        except (OSError, ValueError):
            return None

    def is_done(self, config_hash: str) -> bool:
        record = self.read(config_hash)
        return record is not None and record.done

    def write(self, record: TrialRecord) -> Path:
        """Write `record` atomically under its `config_hash`, its attachments first; return
        its path."""
        try:
            self.results.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(
                f"cannot create the results folder {self.results}: {exc.strerror}. "
                "Choose a writable --out folder."
            ) from exc
        files = dict(record.files)
        for name, content in record.attachments.items():
            path = self.results / f"{record.config_hash}.{name}"
            atomic_write(path, content)
            files[name] = path.name
        record = record.replace(files=files, attachments={})
        target = self.path(record.config_hash)
        text = json.dumps(record.to_json(), indent=1, sort_keys=True, allow_nan=True) + "\n"
        atomic_write(target, text.encode())
        return target

    # -- claims: one process per trial --------------------------------------------------

    def claim_path(self, config_hash: str) -> Path:
        return self.results / f"{config_hash}.claim"

    @contextlib.contextmanager
    def _claims_locked(self):
        """Hold the folder's claim lock: checking and taking a claim is one step for every
        zoo process on this machine (`flock`; processes on other hosts rely on the claim
        files alone)."""
        self.results.mkdir(parents=True, exist_ok=True)
        with open(self.results / CLAIMS_LOCK, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def claim(self, config_hash: str) -> bool:
        """Claim a trial for this process; False if a live process holds it already.

        A claim left by a dead process is replaced. Claim files are written atomically,
        so a reader never sees half of one.
        """
        me = _process_identity(os.getpid())
        with self._claims_locked():
            if self.claimant(config_hash) is not None:
                return False
            atomic_write(self.claim_path(config_hash), json.dumps(me).encode())
            return True

    def claimant(self, config_hash: str) -> dict[str, Any] | None:
        """Who holds the claim on a trial, if a live process does (else None)."""
        try:
            holder = json.loads(self.claim_path(config_hash).read_text())
        except (OSError, ValueError):
            return None  # no claim (or a file that is not one)
        if holder.get("host") != socket.gethostname():
            return holder  # cannot check another machine's processes: assume it is alive
        if _process_identity(int(holder.get("pid", -1))) != holder:
            return None
        return holder

    def release(self, config_hash: str) -> None:
        """Drop this process's claim on a trial."""
        with self._claims_locked():
            holder = None
            with contextlib.suppress(OSError, ValueError):
                holder = json.loads(self.claim_path(config_hash).read_text())
            if holder and holder.get("pid") == os.getpid():
                self.claim_path(config_hash).unlink(missing_ok=True)

    def drop_stale_claims(self, done: set[str]) -> None:
        """Delete the claims a killed process left on trials whose record it had stored (a
        kill between storing a record and giving its claim back)."""
        with self._claims_locked():
            for path in self.results.glob("*.claim"):
                if path.stem in done and self.claimant(path.stem) is None:
                    path.unlink(missing_ok=True)

    # -- reading everything ------------------------------------------------------------

    def remove_stale_temporaries(self, older_than_s: float = 600.0) -> None:
        """Delete temporary files left by writes that a kill cut off (none is in flight for
        minutes: a write takes milliseconds)."""
        now = time.time()
        for path in self.results.glob(f"{TMP_PREFIX}*"):
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > older_than_s:
                    path.unlink()

    def check(self) -> list[TrialRecord]:
        """Every record; `UsageError` if `results/` holds a file that is not a readable record.

        Records are written atomically, so a damaged or foreign `.json` there was put or
        changed by something else; zoo neither overwrites nor silently ignores it.
        """
        records, problems = self.load_all()
        if problems:
            raise UsageError(
                f"{self.results} holds {len(problems)} file(s) that are not zoo trial records:\n"
                + "\n".join(f"  - {p}" for p in problems)
                + "\nzoo writes records atomically, so these were damaged or put there by "
                "something else. Move them out of the folder (or delete them) and run the "
                "command again; nothing was changed."
            )
        return records

    def done_hashes(self) -> set[str]:
        """The configuration hashes of the finished trials recorded here (none where the folder
        does not exist); unreadable files are left to `check`."""
        return {r.config_hash for r in self.load_all()[0] if r.done}

    def load_all(self) -> tuple[list[TrialRecord], list[str]]:
        """Every readable record, and a warning for each file that could not be used."""
        records, warnings = [], []
        for path in sorted(self.results.glob("*.json")):
            if path.name.startswith(TMP_PREFIX):  # a write in flight, or cut off by a kill
                continue
            try:
                data = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                warnings.append(f"{path.name}: not readable JSON ({exc}), e.g. truncated")
                continue
            try:
                record = TrialRecord.from_json(data)
            except ValueError as exc:
                warnings.append(f"{path.name}: not a zoo trial record ({exc})")
                continue
            if record.config_hash != path.stem:
                warnings.append(f"{path.name}: not a zoo trial record (named by its hash)")
                continue
            records.append(record)
        return records, warnings


def atomic_write(target: Path, content: bytes) -> None:
    """Write `content` to `target` through a flushed, fsynced temporary file and a rename."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=TMP_PREFIX, suffix=target.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _process_identity(pid: int) -> dict[str, Any]:
    """pid, host and (on Linux) the process's start time, which tells a reused PID apart."""
    identity: dict[str, Any] = {"pid": pid, "host": socket.gethostname()}
    if pid <= 0:
        return {**identity, "alive": False}
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return {**identity, "alive": False}
    except PermissionError:
        pass  # alive, owned by another user
    except OSError:
        return {**identity, "alive": False}
    try:  # field 22 of /proc/PID/stat; the command name (field 2) may contain spaces
        stat = Path(f"/proc/{pid}/stat").read_text()
        identity["start"] = int(stat.rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        pass
    return identity
