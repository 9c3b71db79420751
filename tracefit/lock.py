"""One nightly run at a time per warehouse: an flock on `<db>.lock` holding who took it.

The kernel drops an flock when its process dies (even by kill -9), so a lock file whose lock
is free is a stale one: the next run says whose it was, takes it and goes on.
"""

import fcntl
import json
import os
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


class LockBusy(Exception):
    """Another run holds the lock; the message names it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Held:
    path: Path
    fd: int
    stale_holder: dict | None  # the previous holder when its lock was left behind by a dead run

    def release(self) -> None:
        os.ftruncate(self.fd, 0)
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def acquire(path: Path, wait_s: float = 0.0, poll_s: float = 0.5) -> Held:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = _holder(fd)
                os.close(fd)
                raise LockBusy(
                    f"another tracefit run holds {path} ({_describe(holder)}); wait for it, or pass --wait SECONDS"
                ) from None
            time.sleep(poll_s)
    stale = _holder(fd)
    me = {"pid": os.getpid(), "host": socket.gethostname(), "started": datetime.now(UTC).isoformat(timespec="seconds")}
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(me).encode(), 0)
    os.fsync(fd)
    return Held(path=path, fd=fd, stale_holder=stale)


def _holder(fd: int) -> dict | None:
    raw = os.pread(fd, 4096, 0)
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return {"unreadable": raw[:80].decode(errors="replace")}


def _describe(holder: dict | None) -> str:
    if not holder:
        return "holder unknown"
    return f"pid {holder.get('pid')} on {holder.get('host')} since {holder.get('started')}"
