"""Deployable exports of a plan: engine configs, replica schedules, replay traces, second opinions.

files = export(load_plan("plan.json"), "vllm")   # {relative path: text}, pure
write_files(files, "deploy/")
"""

import polars as pl

from recommend.export.options import ExportOptions
from recommend.export.registry import FORMATS, ExportFormat
from recommend.export.writer import write_files
from recommend.plan import EngineConfig, Plan, PlanError, Window, load_plan, parse_plan


def export(
    plan: Plan, to: str, options: ExportOptions | None = None, requests: pl.DataFrame | None = None
) -> dict[str, str]:
    if to not in FORMATS:
        raise PlanError(f"unknown export format {to!r}; formats: {', '.join(FORMATS)}")
    return FORMATS[to].render(plan, options or ExportOptions(), requests)


__all__ = [
    "FORMATS",
    "EngineConfig",
    "ExportFormat",
    "ExportOptions",
    "Plan",
    "PlanError",
    "Window",
    "export",
    "load_plan",
    "parse_plan",
    "write_files",
]
