"""Shared helpers for the export tests: plan fixtures, and shell lines parsed with shlex."""

import shlex
from pathlib import Path

from recommend.export import load_plan

FIXTURES = Path(__file__).parent / "fixtures"
HOUR_OF_WEEK = FIXTURES / "plan_hour_of_week.json"  # 2 windows over all 168 cells, llama-3.1-8b on h100
START_END = FIXTURES / "plan_start_end.json"  # 3 dated windows, HF id model, h200, int8/int4, extra keys


def plans():
    return [load_plan(HOUR_OF_WEEK), load_plan(START_END)]


def commands(text: str) -> list[list[str]]:
    """Every command line of a shell script (comments and blank lines skipped), split like sh would."""
    return [shlex.split(line) for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def options_of(argv: list[str]) -> dict[str, str | bool]:
    """--flag value pairs (bare flags → True) of one command line."""
    found, i = {}, 0
    while i < len(argv):
        if argv[i].startswith("--"):
            bare = i + 1 >= len(argv) or argv[i + 1].startswith("--")
            found[argv[i]] = True if bare else argv[i + 1]
            i += 1 if bare else 2
        else:
            i += 1
    return found
