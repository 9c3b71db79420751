"""Run the tracefit CLI from a benchmark as a user does: the venv's console script, from the repo root;
a failing command stops the benchmark with its stderr."""

import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRACEFIT = Path(sys.executable).with_name("tracefit")


def tracefit_timed(*args: str) -> tuple[str, float, float]:
    """(stdout, wall s, CPU s of the child) of one tracefit command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run([str(TRACEFIT), *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        sys.exit(f"tracefit {' '.join(args)} failed:\n{out.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return out.stdout, time.perf_counter() - start, cpu_s


def tracefit(*args: str) -> str:
    """stdout of one tracefit command."""
    return tracefit_timed(*args)[0]
