from pathlib import Path

import click
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

import warehouse
from ingest import ReadOptions
from ingest.fields import parse_map
from ingest.formats import FORMATS
from ingest.reader import DEFAULT_START
from tracefit.options import TIMESTAMP, as_utc, db_option, json_option, print_json, print_table, stderr
from warehouse.load import ingest_paths

COUNTERS = ("rows_read", "rows_loaded", "rows_rejected", "rows_duplicate")


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    default="auto",
    show_default=True,
    type=click.Choice(["auto", *FORMATS]),
    help="Log format; auto detects from the header.",
)
@click.option(
    "--map",
    "column_map",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="Map a source column to a field, e.g. --map ttft_s=TimeToFirst (repeatable).",
)
@click.option(
    "--start",
    type=TIMESTAMP,
    default=DEFAULT_START.isoformat(timespec="seconds"),
    callback=as_utc,
    help="Time zero for relative or missing timestamps (UTC; default 2024-01-01, a Monday).",
)
@click.option("--model", help="Model name for files without a model column (default: the file name).")
@click.option("--tenant", help="Tenant for rows without one.")
@click.option(
    "--prompt-tokens",
    type=click.IntRange(min=0),
    help="Prompt token count for rows without one (e.g. a genai-perf run's fixed input length).",
)
@click.option("--source", help="De-duplication namespace: files of one log share it (default: file name).")
@click.option(
    "--sample-rate",
    type=float,
    default=1.0,
    show_default=True,
    help="Fraction of real traffic the files hold (0.01 = a 1%% sample).",
)
@click.option(
    "--force", is_flag=True, help="Load a file ingested before again, replacing its earlier rows (one transaction)."
)
@click.option(
    "--allow-truncated", is_flag=True, help="Exit 0 when a file ends mid-line (its complete lines load either way)."
)
@click.option(
    "--wait",
    "wait_s",
    type=float,
    default=0.0,
    show_default=True,
    help="Seconds to wait while another process writes the warehouse, instead of failing.",
)
@db_option
@json_option
def ingest(
    paths,
    fmt,
    column_map,
    start,
    model,
    tenant,
    prompt_tokens,
    source,
    sample_rate,
    force,
    allow_truncated,
    wait_s,
    db,
    as_json,
):
    """Load request logs into the warehouse.

    Every row is accounted for: read = loaded + rejected + duplicate. Rejected rows keep
    their reason in the `rejected_rows` table; prompt/response text is never stored.
    A file already ingested (same content) is skipped unless --force. A file whose every
    row is rejected fails (exit 2; nothing stored) with the likely cause: fix it (--map,
    --format, ...) and run again. A file cut mid-line (still being written) loads its
    complete lines with status `truncated` and exit 2 unless --allow-truncated; loading
    the complete file later stores each request once. A folder stands for the log files in it. gzip, bzip2, xz and zstd files are decompressed to $TMPDIR while they load.

    \b
    Examples:
      tracefit ingest AzureLLMInferenceTrace_code.csv --model azure-code
      tracefit ingest conversation_trace.jsonl --start 2024-06-03T00:00:00
      tracefit ingest logs/day-*.parquet --source prod-chat --sample-rate 0.01
      tracefit ingest gateway/2025-03/ --source gateway      # its *.jsonl.gz, *.csv, ...
      tracefit ingest export.csv --map ttft_s=first_token_seconds --map tenant=team
      tracefit ingest export.csv --map tenant=org --force    # reload, replacing its rows
    """
    options = ReadOptions(
        format=fmt,
        column_map=parse_map(column_map),
        start=start,
        model=model,
        tenant=tenant,
        prompt_tokens=prompt_tokens,
        source=source,
    )
    with warehouse.connect(db, wait_s=wait_s) as con, _progress() as progress:
        lines = _FileLines(progress)
        results = ingest_paths(con, list(paths), options, sample_rate, lines.rows, lines.reading, force=force)
    files = [r.to_dict() for r in results]
    totals = {k: sum(f[k] for f in files) for k in COUNTERS}
    if as_json:
        print_json({"files": files, "totals": totals})
    else:
        print_table(files, title="ingest", columns=["path", "format", "status", *COUNTERS, "message"])
    if any(r.status == "failed" or (r.status == "truncated" and not allow_truncated) for r in results):
        raise SystemExit(2)


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
        disable=not stderr.is_terminal,
    )


class _FileLines:
    """One progress line a file, one task a phase (hashing | decompressing | rows), so each bar and
    elapsed time starts with its phase; a file's line finishes when the next file starts."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, tuple[TaskID, str]] = {}  # path -> (task, phase)
        self.rows_done: dict[str, int] = {}
        self.current: str | None = None  # the file loading now

    def rows(self, path: str, rows: int) -> None:
        done = self.rows_done[path] = self.rows_done.get(path, 0) + rows
        self._show(path, "rows", completed=done, status=f"{done:,} rows")

    def reading(self, path: str, what: str, done: int, total: int) -> None:
        self._show(path, what, total=total, completed=done, status=f"{what} {done / 1e9:,.2f} / {total / 1e9:,.2f} GB")
        if done >= total:  # the rows come next (the first batch takes a moment): a live line
            self.rows(path, 0)

    def _show(self, path: str, phase: str, **fields) -> None:
        if path != self.current:  # files load one after another: the one before is done
            if self.current is not None and self.tasks[self.current][1] == "rows":
                self.progress.update(self.tasks[self.current][0], total=self.rows_done.get(self.current, 0))
            self.current = path
        task, shown = self.tasks.get(path, (None, None))
        if shown != phase:
            if task is not None:
                self.progress.remove_task(task)
            task = self.progress.add_task(Path(path).name, total=None, status="")
            self.tasks[path] = (task, phase)
        self.progress.update(task, **fields)
