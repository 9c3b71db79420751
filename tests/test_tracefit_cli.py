"""The CLI as a user drives it: ingest, sql, summary, demo."""

import io
import json

import click
from click.testing import CliRunner

from tracefit.cli import COMMANDS, cli

CSV = "request_id,timestamp,model,prompt_tokens,output_tokens\nr1,2025-03-03T10:00:00Z,m,100,20\nr2,bad,m,5,5\n"


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_ingest_json_summary(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(CSV)
    result = invoke("ingest", path, "--db", tmp_path / "w.duckdb", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["totals"] == {"rows_read": 2, "rows_loaded": 1, "rows_rejected": 1, "rows_duplicate": 0}
    (file,) = out["files"]
    assert {k: file[k] for k in ("format", "status", "rows_read")} == {
        "format": "generic",
        "status": "loaded",
        "rows_read": 2,
    }


def test_ingest_failure_exits_2_but_loads_the_rest(tmp_path):
    good = tmp_path / "log.csv"
    good.write_text(CSV)
    result = invoke("ingest", tmp_path / "nope.csv", good, "--db", tmp_path / "w.duckdb", "--json")
    assert result.exit_code == 2
    assert [f["status"] for f in json.loads(result.stdout)["files"]] == ["failed", "loaded"]


def test_bad_map_is_a_clear_error(tmp_path):
    result = invoke("ingest", tmp_path / "x.csv", "--map", "bogus=col", "--db", tmp_path / "w.duckdb")
    assert result.exit_code == 1 and "unknown field 'bogus'" in result.output


def test_sql_json_csv_and_read_only(tmp_path):
    db = tmp_path / "w.duckdb"
    path = tmp_path / "log.csv"
    path.write_text(CSV)
    invoke("ingest", path, "--db", db)
    rows = json.loads(invoke("sql", "SELECT request_id, prompt_tokens FROM requests", "--db", db, "--json").stdout)
    assert rows == [{"request_id": "r1", "prompt_tokens": 100}]
    csv_out = invoke("sql", "SELECT reason FROM rejected_rows", "--db", db, "--csv").output
    assert csv_out.splitlines() == ["reason", "unparsable arrival timestamp: 'bad'"]
    write = invoke("sql", "DELETE FROM requests", "--db", db)
    assert write.exit_code == 1 and "read-only" in write.output.lower()
    assert json.loads(invoke("sql", "SELECT count(*) AS n FROM requests", "--db", db, "--json").stdout) == [{"n": 1}]


def test_sql_bad_query_is_one_line_error(tmp_path):
    db = tmp_path / "w.duckdb"
    invoke("summary", "--db", db)
    result = invoke("sql", "SELEC nonsense", "--db", db)
    assert result.exit_code == 1 and result.output.startswith("Error: query failed")


def test_summary_json(tmp_path):
    db = tmp_path / "w.duckdb"
    path = tmp_path / "log.csv"
    path.write_text(CSV)
    invoke("ingest", path, "--db", db)
    out = json.loads(invoke("summary", "--db", db, "--json").stdout)
    assert out["models"][0]["model"] == "m" and out["models"][0]["requests"] == 1
    assert out["runs"][0]["rows_rejected"] == 1


def test_demo_runs_the_nightly_job(tmp_path):
    result = invoke("demo", "--out", tmp_path / "demo", "--days", 1, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    (run,) = out["report"]["ingest"]
    assert run["status"] == "loaded" and run["rows_loaded"] + run["rows_rejected"] == run["rows_read"] > 10_000
    assert {m["model"] for m in out["report"]["mine"]} == {"llama-3.1-70b", "llama-3.1-8b", "qwen2.5-7b"}
    assert (tmp_path / "demo" / "site" / "index.html").is_file()


def test_timestamp_options_take_what_people_type():
    from datetime import UTC, datetime

    from tracefit.options import TIMESTAMP, as_utc

    want = datetime(2025, 3, 9, 10, 0, tzinfo=UTC)
    for text in (
        "2025-03-09T10:00:00",
        "2025-03-09 10:00:00",
        "2025-03-09T10:00",
        "2025-03-09 10:00",
        "2025-03-09T10:00:00+0000",
    ):
        assert as_utc(None, None, TIMESTAMP.convert(text, None, None)) == want, text


def test_help_lists_every_command_with_its_own_summary():
    # `tracefit --help` reads summaries from the registry so as not to import every command
    ctx = click.Context(cli)
    for name, (_, summary) in COMMANDS.items():
        assert cli.get_command(ctx, name).get_short_help_str(limit=1000) == summary, name
    out = CliRunner().invoke(cli, ["--help"]).output
    listed = [line.split()[0] for line in out.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == list(COMMANDS)


def test_ingest_progress_lines_follow_each_file_through_its_phases():
    """One line a file: bytes while hashing or decompressing, then rows (live from 0); the line
    finishes when the next file starts."""
    from rich.console import Console
    from rich.progress import Progress

    from tracefit.commands.ingest import _FileLines

    progress = Progress(console=Console(file=io.StringIO()), auto_refresh=False)
    lines = _FileLines(progress)

    def line(path):
        (task,) = [t for t in progress.tasks if t.description == path]
        return task.fields["status"], task.completed, task.total, task.finished

    lines.rows("a.csv.gz", 0)
    lines.reading("a.csv.gz", "decompressing", 4_000_000_000, 8_000_000_000)
    assert line("a.csv.gz") == ("decompressing 4.00 / 8.00 GB", 4_000_000_000, 8_000_000_000, False)
    lines.reading("a.csv.gz", "decompressing", 8_000_000_000, 8_000_000_000)
    assert line("a.csv.gz") == ("0 rows", 0, None, False)  # loading its rows next: not finished
    lines.rows("a.csv.gz", 1_000_000)
    lines.rows("a.csv.gz", 234)
    assert line("a.csv.gz") == ("1,000,234 rows", 1_000_234, None, False)
    lines.rows("b.csv", 0)
    assert line("a.csv.gz")[1:] == (1_000_234, 1_000_234, True)
    assert line("b.csv") == ("0 rows", 0, None, False)
