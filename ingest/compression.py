"""A log's bytes as they are read: their SHA-256 and, for a compressed log, a decompressed copy.

gzip, bzip2, xz and zstd are recognised by the first bytes, whatever the file's name. A compressed
log is decompressed, streaming, to a temporary file (in $TMPDIR) that is then read like any other,
so memory stays bounded and every reader — polars, DuckDB, the JSON parsers — sees plain text. The
content hash is taken of the decompressed bytes, so `day-1.jsonl` and `day-1.jsonl.gz` are the same
log and the second is skipped. The copy is deleted when the file is loaded; one left by a killed run
(it may hold prompt text) is deleted by the next run that decompresses. zstd, which Python's
standard library cannot read, goes through pyarrow's codec (a dependency already); a frame's
checksum, when the file has one, is verified. Hashing and decompressing report their progress in
bytes (a 20 GB log takes ~15 s to hash).
"""

import bz2
import contextlib
import gzip
import hashlib
import lzma
import os
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa

from ingest.errors import IngestError


def _zstd_open(raw, _mode: str = "rb") -> pa.NativeFile:
    return pa.input_stream(raw, compression="zstd")


OPENERS = {
    b"\x1f\x8b": ("gzip", gzip.open),
    b"BZh": ("bzip2", bz2.open),
    b"\xfd7zXZ\x00": ("xz", lzma.open),
    b"\x28\xb5\x2f\xfd": ("zstd", _zstd_open),
}
SUFFIXES = frozenset({".gz", ".gzip", ".bz2", ".xz", ".zst", ".zstd"})
CHUNK_BYTES = 1 << 22
Report = Callable[[str, int, int], None]  # (what: "hashing" | "decompressing", bytes done, bytes in all)


def plain_name(path: Path) -> str:
    """The file's name without a compression suffix: `day-1.jsonl.gz` -> `day-1.jsonl`."""
    return path.stem if path.suffix.lower() in SUFFIXES else path.name


def sha256_of(path: Path, report: Report | None = None) -> str:
    """The SHA-256 of the file's bytes, read in 4 MiB chunks."""
    total = path.stat().st_size
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            digest.update(chunk)
            if report:
                report("hashing", fh.tell(), total)
    return digest.hexdigest()


@contextlib.contextmanager
def readable(path: Path, report: Report | None = None) -> Iterator[tuple[Path, str | None]]:
    """(`path` itself, its SHA-256), or while the block runs, (a decompressed copy named
    `plain_name(path)`, the SHA-256 of its content, taken while it was written: no second pass over
    the copy). The hash is None when the file cannot be read: `open_log` then names the problem."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(6)
    except OSError:  # missing or unreadable
        head = b""
    kind = next((found for magic, found in OPENERS.items() if head.startswith(magic)), None)
    if kind is None:
        try:
            sha = sha256_of(path, report)
        except OSError:  # open_log names the problem
            sha = None
        yield path, sha
        return
    name, opener = kind
    _sweep()
    total = path.stat().st_size
    with tempfile.TemporaryDirectory(prefix=f"tracefit-{os.getpid()}-") as folder:
        plain = Path(folder) / plain_name(path)
        digest = hashlib.sha256()
        try:
            with open(path, "rb") as raw, opener(raw, "rb") as source, open(plain, "wb") as target:
                while chunk := source.read(CHUNK_BYTES):
                    digest.update(chunk)
                    target.write(chunk)
                    if report:
                        report("decompressing", raw.tell(), total)
        except (OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
            if isinstance(exc, OSError) and exc.errno is not None:  # writing the copy (e.g. disk full)
                raise IngestError(
                    f"{path}: cannot decompress it into {folder} ({exc}); set TMPDIR to a disk "
                    "with room for it decompressed"
                ) from exc
            raise IngestError(
                f"{path}: cannot decompress ({name}: {exc}); the file is damaged or truncated, check it is complete"
            ) from exc
        yield plain, digest.hexdigest()


def _sweep() -> None:
    """Delete the copies of runs that were killed (`tracefit-<pid>-*` of a pid no longer running)."""
    for folder in Path(tempfile.gettempdir()).glob("tracefit-*-*"):
        pid = folder.name.split("-")[1]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # another user's process (or no such pid number)
        pass
    return True
