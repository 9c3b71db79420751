"""Mooncake trace JSONL per window, for AIPerf / GuideLLM replay against a real server.

Record (https://github.com/kvcache-ai/Mooncake FAST25 traces; AIPerf `--custom-dataset-type
mooncake_trace`): {"timestamp": ms offset, "input_length", "output_length", "hash_ids": [block ids]}.
Hour-of-week windows take every logged week's requests in their cells; time outside the window is cut
out, so hour k of the window starts at k x 3,600,000 ms and the replay has no overnight gaps.
hash_ids: the log's prefix block ids renumbered 0.. in first-seen order (shared prefixes keep shared
ids); rows without them get fresh ids, one per started 512-token block (Mooncake's block size), which
models no prefix reuse.
"""

import json
import math

import polars as pl

from recommend.export.options import ExportOptions
from recommend.plan import Plan, PlanError, Window

BLOCK_TOKENS = 512  # Mooncake / AIPerf hash_ids block size
HOUR_MS = 3_600_000
COLUMNS = ("arrival_ts", "prompt_tokens", "output_tokens", "prefix_block_ids")


def window_requests(requests: pl.DataFrame, w: Window) -> pl.DataFrame:
    """The window's requests, sorted, with `offset_ms` (window-active time since the first one)."""
    ts = pl.col("arrival_ts")
    frame = requests.with_columns(
        ts.dt.replace_time_zone("UTC")
        if requests["arrival_ts"].dtype.time_zone is None
        else ts.dt.convert_time_zone("UTC")
    )
    if w.hours is None:
        frame = frame.filter((ts >= w.start) & (ts < w.end))
        frame = frame.sort("arrival_ts").with_columns(offset_ms=(ts - ts.min()).dt.total_milliseconds())
        return frame
    cell = (ts.dt.weekday() - 1) * 24 + ts.dt.hour()
    frame = frame.filter(cell.is_in(list(w.hours))).sort("arrival_ts")
    if frame.is_empty():
        return frame.with_columns(offset_ms=pl.lit(0, pl.Int64))
    hour = ts.dt.truncate("1h")
    first, last = frame["arrival_ts"].min(), frame["arrival_ts"].max()
    calendar = pl.DataFrame(
        {
            "hour": pl.datetime_range(
                first.replace(minute=0, second=0, microsecond=0), last, "1h", time_zone="UTC", eager=True
            )
        }
    )
    calendar = calendar.filter(
        ((pl.col("hour").dt.weekday() - 1) * 24 + pl.col("hour").dt.hour()).is_in(list(w.hours))
    ).with_row_index("active_hour")
    frame = frame.with_columns(hour=hour).join(calendar, on="hour", how="left")
    offset = pl.col("active_hour").cast(pl.Int64) * HOUR_MS + (ts - pl.col("hour")).dt.total_milliseconds()
    return frame.with_columns(offset_ms=offset - offset.min()).drop("hour", "active_hour")


def records(frame: pl.DataFrame) -> tuple[list[dict], int]:
    """Mooncake records and how many rows had their hash_ids synthesized."""
    renumber: dict[int, int] = {}
    next_id, synthesized, out = 0, 0, []
    for offset, prompt, output, blocks in frame.select(
        "offset_ms", "prompt_tokens", "output_tokens", "prefix_block_ids"
    ).iter_rows():
        if blocks:
            ids = [renumber.setdefault(b, len(renumber) + next_id) for b in blocks]
        else:
            synthesized += 1
            ids = list(range(len(renumber) + next_id, len(renumber) + next_id + math.ceil(prompt / BLOCK_TOKENS)))
            next_id += len(ids)
        out.append(
            {"timestamp": int(offset), "input_length": int(prompt), "output_length": int(output), "hash_ids": ids}
        )
    return out, synthesized


def render(plan: Plan, options: ExportOptions, requests: pl.DataFrame | None = None) -> dict[str, str]:
    if requests is None:
        raise PlanError("mooncake export needs the logged requests (the CLI reads them with --db)")
    missing = [c for c in COLUMNS if c not in requests.columns]
    if missing:
        raise PlanError(f"mooncake export: request frame lacks column(s) {', '.join(missing)}")
    files, notes = {}, []
    for w in plan.windows:
        rows, synthesized = records(window_requests(requests, w))
        files[f"mooncake/{w.slug}.jsonl"] = "".join(json.dumps(r) + "\n" for r in rows)
        notes.append(f"| {w.label} | {w.slug}.jsonl | {len(rows)} | {synthesized} |")
    readme = [
        "# Mooncake traces",
        "",
        "Replay one window (AIPerf sends at the logged times):",
        "",
        f"    aiperf profile --model {plan.hf_id(options.model)} --endpoint-type chat --streaming "
        f"--url localhost:{options.port} --input-file <window>.jsonl --custom-dataset-type mooncake_trace "
        "--fixed-schedule",
        "",
        "These are the logged (possibly sampled) requests at their logged times; hash_ids with no prefix ids "
        f"in the log are synthesized as unique {BLOCK_TOKENS}-token blocks (no prefix reuse).",
        "",
        *_block_note(requests),
        "| window | file | requests | hash_ids synthesized |",
        "|---|---|---|---|",
        *notes,
    ]
    files["mooncake/README.md"] = "\n".join(readme) + "\n"
    return files


def _block_note(requests: pl.DataFrame) -> list[str]:
    if "prefix_block_tokens" not in requests.columns:
        return []
    sizes = sorted(set(requests["prefix_block_tokens"].drop_nulls().to_list()) - {BLOCK_TOKENS})
    return (
        [
            f"The log's prefix ids cover {', '.join(map(str, sizes))} tokens per block, not {BLOCK_TOKENS}: "
            "tell the replay tool the block size.",
            "",
        ]
        if sizes
        else []
    )
