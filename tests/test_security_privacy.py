"""No prompt or response text anywhere tracefit writes: the database file, the ingest and nightly
logs (stdout and stderr), rejected rows and the dashboard site — a byte-level search for runs of
words from the AIBrix client log (which carries full prompts and responses)."""

import subprocess
import sys
from pathlib import Path

import pytest
from test_ingest_privacy import distinctive_snippets

TRACEFIT = str(Path(sys.executable).with_name("tracefit"))


@pytest.mark.slow
def test_no_text_in_db_logs_rejected_rows_or_site(shared_data, tmp_path):
    source = shared_data / "aibrix-client/output.jsonl"
    snippets = distinctive_snippets(source)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    lines = source.read_bytes().splitlines()
    # a copy whose last line is cut mid-prompt: a rejected row that held text
    (inbox / "output.jsonl").write_bytes(b"\n".join(lines) + b"\n" + lines[0][:400] + b"\n")
    db, out = tmp_path / "w.duckdb", tmp_path / "out"
    runs = [
        [TRACEFIT, "ingest", str(source), "--db", str(db), "--model", "m", "--source", "direct"],
        [TRACEFIT, "nightly", "--inbox", str(inbox), "--db", str(db), "--out", str(out), "--json"],
        [TRACEFIT, "sql", "SELECT * FROM rejected_rows", "--db", str(db), "--json"],
    ]
    logs = b""
    for argv in runs:
        done = subprocess.run(argv, capture_output=True, timeout=180)
        assert done.returncode == 0, done.stderr.decode()
        logs += done.stdout + done.stderr
    assert b"invalid JSON" in logs  # the cut line was rejected, and its row printed above
    written = [p for p in tmp_path.rglob("*") if p.is_file() and inbox not in p.parents]
    assert db in written and any(p.suffix == ".html" for p in written)
    data = b"".join(p.read_bytes() for p in written) + logs
    for snippet in snippets:
        assert snippet.encode() not in data, snippet
    assert all(s.encode() in source.read_bytes() for s in snippets)  # the search can fail
