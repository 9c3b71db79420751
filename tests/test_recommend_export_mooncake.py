"""Mooncake traces: window selection, gap-free timestamps, hash_ids (kept or synthesized), and the CLI
reading requests from a warehouse."""

import json
from datetime import UTC, datetime

import polars as pl
import pytest
from click.testing import CliRunner
from export_fixtures import HOUR_OF_WEEK, START_END

import warehouse
from recommend.export import PlanError, export, load_plan
from tracefit.cli import cli


def ts(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, second, tzinfo=UTC)  # 2025-03-03 is a Monday


# (arrival, prompt_tokens, output_tokens, prefix_block_ids)
ROWS = [
    (ts(3, 9, 30), 700, 50, [111, 222]),  # Mon 09:30 → weekdays cell 9
    (ts(3, 17, 59, 59), 1025, 10, None),  # Mon 17:59:59 → cell 17, no prefix ids: 3 blocks of 512
    (ts(3, 20), 300, 30, None),  # Mon 20:00 → nights and weekends
    (ts(4, 9), 900, 70, [111, 333]),  # Tue 09:00 → cell 33, shares block 111
    (ts(10, 10), 512, 5, None),  # next Monday 10:00 → cell 10 of week 2
]


def frame(rows=ROWS) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "arrival_ts": pl.Datetime("us", "UTC"),
            "prompt_tokens": pl.Int64,
            "output_tokens": pl.Int64,
            "prefix_block_ids": pl.List(pl.Int64),
        },
        orient="row",
    )


def trace(files: dict, path: str) -> list[dict]:
    return [json.loads(line) for line in files[path].splitlines()]


def test_hour_of_week_window_hand_checked():
    files = export(load_plan(HOUR_OF_WEEK), "mooncake", requests=frame())
    office = trace(files, "mooncake/w00-weekdays-09-18.jsonl")
    # Window-active hours from Mon 09:00: Mon 09–17 are k = 0..8, Tue 09 is k = 9, Wed–Fri k = 18..44,
    # next Mon 09 k = 45, 10 k = 46. offset = k·3.6e6 + ms into the hour, minus the first (09:30 = 1.8e6):
    assert [r["timestamp"] for r in office] == [
        0,
        8 * 3_600_000 + 3_599_000 - 1_800_000,
        9 * 3_600_000 - 1_800_000,
        46 * 3_600_000 - 1_800_000,
    ]
    # prefix ids renumbered in first-seen order; missing ones synthesized as fresh ids per 512 tokens
    assert [r["hash_ids"] for r in office] == [[0, 1], [2, 3, 4], [0, 5], [6]]
    assert [(r["input_length"], r["output_length"]) for r in office] == [(700, 50), (1025, 10), (900, 70), (512, 5)]
    (night,) = trace(files, "mooncake/w01-nights-and-weekends.jsonl")
    assert night == {"timestamp": 0, "input_length": 300, "output_length": 30, "hash_ids": [0]}
    assert "| weekdays 09–18 | w00-weekdays-09-18.jsonl | 4 | 2 |" in files["mooncake/README.md"]


def test_start_end_windows_and_naive_timestamps():
    naive = frame().with_columns(pl.col("arrival_ts").dt.replace_time_zone(None))  # read as UTC
    files = export(load_plan(START_END), "mooncake", requests=naive)
    peak = trace(files, "mooncake/w00-peak-mon.jsonl")  # [Mon 09:00, 18:00)
    assert [r["timestamp"] for r in peak] == [0, 8 * 3_600_000 + 3_599_000 - 1_800_000]
    assert len(trace(files, "mooncake/w01-evening.jsonl")) == 1  # Mon 20:00
    assert trace(files, "mooncake/w02-night.jsonl") == []  # Tue 09:00 is the end, exclusive


def test_needs_requests():
    with pytest.raises(PlanError, match="needs the logged requests"):
        export(load_plan(HOUR_OF_WEEK), "mooncake")
    with pytest.raises(PlanError, match="prefix_block_ids"):
        export(load_plan(HOUR_OF_WEEK), "mooncake", requests=frame().drop("prefix_block_ids"))


def load_requests(db_path, model: str) -> None:
    with warehouse.connect(db_path) as con:
        con.execute(
            "INSERT INTO ingest_runs (run_id, path, sha256, format, source, sample_rate, timestamps, "
            "prefix_block_tokens, column_map, status, started_at) VALUES (1, 'x', 'h', 'jsonl', 's', 1.0, "
            "'absolute', 256, '{}', 'loaded', now())"
        )
        for i, (arrival, prompt, output, blocks) in enumerate(ROWS):
            con.execute(
                "INSERT INTO requests (ingest_run_id, source, request_id, arrival_ts, model, prompt_tokens, "
                "output_tokens, status, prefix_block_ids, source_row) VALUES (1, 's', $id, $ts, $m, $p, $o, "
                "'ok', $b, $i)",
                {"id": str(i), "ts": arrival, "m": model, "p": prompt, "o": output, "b": blocks, "i": i},
            )


def test_cli_reads_the_warehouse(tmp_path, db_path):
    load_requests(db_path, "meta-llama/Llama-3.1-8B-Instruct")  # logged name; the plan says llama-3.1-8b
    out = tmp_path / "traces"
    result = CliRunner().invoke(
        cli,
        [
            "export",
            "--plan",
            str(HOUR_OF_WEEK),
            "--to",
            "mooncake",
            "--out",
            str(out),
            "--db",
            str(db_path),
            "--until",
            "2025-03-08",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout[result.stdout.index("{") :])
    assert report["format"] == "mooncake" and len(report["files"]) == 3
    office = [json.loads(x) for x in (out / "mooncake" / "w00-weekdays-09-18.jsonl").read_text().splitlines()]
    assert len(office) == 3  # --until drops next Monday's request
    assert "256 tokens per block" in (out / "mooncake" / "README.md").read_text()


def test_cli_unknown_model_says_what_is_logged(tmp_path, db_path):
    load_requests(db_path, "mistral-7b")
    result = CliRunner().invoke(
        cli, ["export", "--plan", str(HOUR_OF_WEEK), "--to", "mooncake", "--out", str(tmp_path), "--db", str(db_path)]
    )
    assert result.exit_code == 1 and "logged: mistral-7b" in result.output and "--log-model" in result.output


def test_cli_table_output(tmp_path):
    result = CliRunner().invoke(cli, ["export", "--plan", str(HOUR_OF_WEEK), "--to", "k8s", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "keda-scaledobject.yaml" in result.output and (tmp_path / "k8s" / "cronjobs.yaml").is_file()
