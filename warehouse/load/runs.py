"""A load's record in ingest_runs and what is settled once its rows are in: rejection reasons, swapped
length columns, --force replacing earlier runs, and the staged token gaps kept."""

import json

from ingest import LogFile
from warehouse.db import fetch_one


def insert_run(
    con, run_id: int, log: LogFile, sample_rate: float, status: str = "running", error: str | None = None
) -> None:
    con.execute(
        "INSERT INTO ingest_runs (run_id, path, sha256, format, source, sample_rate, timestamps, "
        "anchor_ts, prefix_block_tokens, column_map, status, error, started_at) VALUES "
        "($run, $path, $sha, $fmt, $source, $rate, $ts, $anchor, $block, $map, $status, $error, now())",
        {
            "run": run_id,
            "path": str(log.path.resolve()),
            "sha": log.sha256,
            "fmt": log.format.name,
            "source": log.source,
            "rate": sample_rate,
            "ts": log.timestamps,
            "anchor": log.anchor,
            "block": log.format.prefix_block_tokens,
            "map": json.dumps(log.mapping),
            "status": status,
            "error": error,
        },
    )


SWAP_MIN_ROWS = 20
SWAP_RATIO = 4.0  # median output / median prompt above which the columns look swapped


def swapped_lengths(con, run_id: int) -> list[str]:
    """A warning when prompt and output token columns look swapped: in serving logs the median output
    is shorter than the median prompt (Azure 2023 code 2,048 -> 28 tokens, conversation 1,020 -> 129;
    BurstGPT, Mooncake alike); a median output over SWAP_RATIO x the median prompt rarely is real."""
    n, prompt, output = fetch_one(
        con,
        "SELECT count(*), median(prompt_tokens), median(output_tokens) FROM requests "
        "WHERE ingest_run_id = $run AND status = 'ok'",
        {"run": run_id},
    )
    if n < SWAP_MIN_ROWS or not output or output <= SWAP_RATIO * max(prompt or 0, 1):
        return []
    return [
        f"warning: median output_tokens {output:,.0f} is {output / max(prompt, 1):,.0f}x the median "
        f"prompt_tokens {prompt:,.0f}: are the two columns swapped? (--map prompt_tokens=COLUMN "
        "--map output_tokens=COLUMN, then --force)"
    ]


def reasons(con, run_id: int) -> list[tuple[str, int]]:
    """This run's rejection reasons, most frequent first (read before the rollback drops them)."""
    return con.execute(
        "SELECT reason, count(*) AS n FROM rejected_rows WHERE ingest_run_id = $run "
        "GROUP BY reason ORDER BY n DESC, reason LIMIT 3",
        {"run": run_id},
    ).fetchall()


def replace_runs(con, runs: list[int], by: int) -> None:
    """Delete the rows of earlier loads of the same file (--force), inside the new load's transaction."""
    if not runs:
        return
    for table in ("requests", "request_token_latencies", "rejected_rows"):
        con.execute(f"DELETE FROM {table} WHERE list_contains($runs, ingest_run_id)", {"runs": runs})
    con.execute(
        "UPDATE ingest_runs SET status = 'replaced', error = $why WHERE list_contains($runs, run_id)",
        {"runs": runs, "why": f"replaced by run {by} (--force)"},
    )


def keep_token_latencies(con, run_id: int) -> None:
    """Store the staged gaps of the rows that survived de-duplication (matched by source_row)."""
    con.execute(
        """
        INSERT INTO request_token_latencies
        SELECT $run, t.source, t.request_id, t.token_index, t.itl_ms
        FROM tf_token_stage t
        SEMI JOIN (SELECT source, request_id, source_row FROM requests WHERE ingest_run_id = $run) r
          ON r.source = t.source AND r.request_id = t.request_id AND r.source_row = t.source_row
        ORDER BY t.source_row, t.token_index
        """,
        {"run": run_id},
    )
    con.execute("DROP TABLE tf_token_stage")
