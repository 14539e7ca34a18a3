"""The signed checkpoint of the audit chain's head, in a file the database cannot rewrite.

After each commit that appends events the head (the last event's id and hash) is written to
the file, signed with the chain's key: whoever holds only the database can neither forge a
checkpoint nor move it back, so events deleted from the end of the chain (or the whole table
truncated) and a rewritten head show against it. Several workers, and several processes, may
write the same file: under an exclusive lock on a neighbouring lock file, a checkpoint only ever
moves forward, and each write goes to a temporary file renamed over the old one, so a reader
never sees half a checkpoint.
"""

from __future__ import annotations

import contextlib
import fcntl
import hmac
import json
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_FORMAT = 1


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head as it stood after a commit: the last event's id and hash."""

    seq: int
    hash: str
    written_at: float  # seconds since the epoch (signed with the rest)


# Which file a checkpoint was read from: every write renames a new file into place.
Stamp = tuple[int, int, int]


class CheckpointInvalid(Exception):
    """The file is there but is not a checkpoint signed with this key."""


def _signature(*, key: bytes, seq: int, digest: str, written_at: float) -> str:
    message = json.dumps(
        {"format": _FORMAT, "hash": digest, "seq": seq, "written_at": written_at},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hmac.digest(key, b"golden-thread audit checkpoint\n" + message.encode(), "sha256").hex()


class CheckpointFile:
    def __init__(self, path: Path, *, key: bytes) -> None:
        self.path = path
        self._key = key
        self._lock_path = path.with_name(path.name + ".lock")

    def read(self) -> Checkpoint | None:
        """The checkpoint, or None when none was ever written; CheckpointInvalid when the file
        was altered, or signed with another key."""
        return self.read_stamped()[0]

    def stamp(self) -> Stamp | None:
        """Which file is in place now (None: none), to tell later whether it was replaced."""
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (status.st_ino, status.st_mtime_ns, status.st_size)

    def read_stamped(self) -> tuple[Checkpoint | None, Stamp | None]:
        """The checkpoint and the stamp of the very file it was read from."""
        try:
            with self.path.open("rb") as source:
                status = os.fstat(source.fileno())
                raw = source.read()
        except FileNotFoundError:
            return None, None
        return self._parse(raw), (status.st_ino, status.st_mtime_ns, status.st_size)

    def _parse(self, raw: bytes) -> Checkpoint:
        try:
            document = json.loads(raw)
            checkpoint = Checkpoint(
                seq=int(document["seq"]),
                hash=str(document["hash"]),
                written_at=float(document["written_at"]),
            )
            signature = str(document["signature"])
            valid = document.get("format") == _FORMAT and hmac.compare_digest(
                signature,
                _signature(
                    key=self._key,
                    seq=checkpoint.seq,
                    digest=checkpoint.hash,
                    written_at=checkpoint.written_at,
                ),
            )
        except (ValueError, TypeError, KeyError) as exc:
            raise CheckpointInvalid(f"{self.path} is not a checkpoint") from exc
        if not valid:
            raise CheckpointInvalid(f"{self.path} is not signed with the audit key")
        return checkpoint

    def advance(self, *, seq: int, digest: str) -> bool:
        """Record the head unless the file already holds a later one; True when written.

        An existing file that does not verify is left alone for someone to look at (verify
        reports it), never silently replaced.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._locked():
            current = self.read()
            if current is not None and current.seq >= seq:
                return False
            written_at = time.time()
            document = {
                "format": _FORMAT,
                "seq": seq,
                "hash": digest,
                "written_at": written_at,
                "signature": _signature(
                    key=self._key, seq=seq, digest=digest, written_at=written_at
                ),
            }
            self._replace(json.dumps(document, indent=2).encode() + b"\n")
        return True

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock_path.open("a+b") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _replace(self, content: bytes) -> None:
        handle, temporary = tempfile.mkstemp(
            dir=self.path.parent, prefix=self.path.name + ".", suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
                out.flush()
                # On disk before the rename: a crash leaves the old checkpoint or the new one,
                # never an empty file that verify would have to call invalid.
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
