"""A file that gives no request is a failed file; a fixed re-run loads it; --force replaces a load.

Issue #19 item 6: binary garbage, a UTF-16 CSV, a header with renamed columns and a YAML file
each reported `loaded` with exit 0 while storing nothing.
"""

import json

import pytest
from click.testing import CliRunner

from tracefit.cli import cli

CSV = (
    "request_id,timestamp,model,prompt_tokens,output_tokens\n"
    "r1,2025-03-03T10:00:00Z,m,100,20\nr2,2025-03-03T10:00:01Z,m,5,5\nr3,soon,m,7,7\n"
)
RENAMED = CSV.replace("prompt_tokens", "n_in").replace("output_tokens", "n_out")


def ingest(db, *args):
    result = CliRunner().invoke(cli, ["ingest", *map(str, args), "--db", str(db), "--json"], catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)["files"]


def stored(db) -> dict:
    import warehouse

    with warehouse.connect(db) as con:
        return dict(
            zip(
                ["requests", "rejected", "runs"],
                con.execute(
                    "SELECT (SELECT count(*) FROM requests), (SELECT count(*) FROM rejected_rows), "
                    "(SELECT list(status ORDER BY run_id) FROM ingest_runs)"
                ).fetchall()[0],
            )
        )


@pytest.mark.parametrize(
    ("name", "data", "cause"),
    [
        ("garbage.csv", bytes(range(256)) * 20 + b"\n" + bytes(range(255, -1, -1)) * 20, "binary data"),
        ("utf16.csv", CSV.encode("utf-16"), "UTF-16"),
        (
            "latin1.csv",
            CSV.replace("m,", "caf\u00e9,").encode("latin-1").replace(b"prompt_tokens", b"n_in"),
            "not UTF-8",
        ),
        (
            "renamed.csv",
            RENAMED.encode(),
            "no column for prompt_tokens, output_tokens; columns found: "
            "'request_id', 'timestamp', 'model', 'n_in', 'n_out'",
        ),
        ("config.yaml", b"inbox:\n  - /var/log/a.csv\ndb: x.duckdb\nkeep: 3\n", "no known format recognised"),
    ],
)
def test_a_file_whose_every_row_is_rejected_fails(tmp_path, name, data, cause):
    path = tmp_path / name
    path.write_bytes(data)
    code, (file,) = ingest(tmp_path / "w.duckdb", path)
    assert code == 2 and file["status"] == "failed", file
    assert cause in file["message"] and str(path) in file["message"]
    assert file["rows_loaded"] == 0 and file["rows_read"] == file["rows_rejected"]
    assert stored(tmp_path / "w.duckdb") == {"requests": 0, "rejected": 0, "runs": ["failed"]}


def test_a_fixed_rerun_loads_and_is_not_already_ingested(tmp_path):
    path, db = tmp_path / "renamed.csv", tmp_path / "w.duckdb"
    path.write_text(RENAMED)
    assert ingest(db, path)[0] == 2
    code, (file,) = ingest(db, path, "--map", "prompt_tokens=n_in", "--map", "output_tokens=n_out")
    # r1 and r2 load; r3's timestamp "soon" is rejected
    assert (code, file["status"], file["rows_loaded"], file["rows_rejected"]) == (0, "loaded", 2, 1)
    assert stored(db) == {"requests": 2, "rejected": 1, "runs": ["failed", "loaded"]}


def test_an_empty_recognised_file_still_loads_nothing_quietly(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text(CSV.splitlines()[0] + "\n")  # the header of a file rotated before its first request
    code, (file,) = ingest(tmp_path / "w.duckdb", path)
    assert (code, file["status"], file["rows_read"]) == (0, "loaded", 0)


def test_force_replaces_the_earlier_rows_in_one_transaction(tmp_path):
    path, db = tmp_path / "log.csv", tmp_path / "w.duckdb"
    path.write_text(CSV)
    assert ingest(db, path, "--tenant", "a")[0] == 0
    code, (file,) = ingest(db, path, "--tenant", "b")
    assert file["status"] == "skipped" and "--force" in file["message"]
    code, (file,) = ingest(db, path, "--tenant", "b", "--force")
    assert (code, file["status"], file["rows_loaded"], file["rows_duplicate"]) == (0, "loaded", 2, 0)
    assert stored(db) == {"requests": 2, "rejected": 1, "runs": ["replaced", "loaded"]}
    import warehouse

    with warehouse.connect(db) as con:
        assert con.execute("SELECT DISTINCT tenant FROM requests").fetchall() == [("b",)]


def test_a_forced_reload_that_fails_keeps_the_earlier_rows(tmp_path):
    path, db = tmp_path / "log.csv", tmp_path / "w.duckdb"
    path.write_text(CSV)
    ingest(db, path)
    code, (file,) = ingest(db, path, "--force", "--map", "prompt_tokens=model")  # "m" is not a count
    assert (code, file["status"]) == (2, "failed") and "prompt_tokens is not a number" in file["message"]
    assert stored(db) == {"requests": 2, "rejected": 1, "runs": ["loaded", "failed"]}
