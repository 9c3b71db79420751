"""De-duplication at scale compares a new file only with stored rows inside its arrival span."""

import warehouse
from ingest import ReadOptions
from warehouse.load import ingest_paths


def write(path, rows):
    path.write_text(
        "request_id,timestamp,prompt_tokens,output_tokens\n" + "".join(f"{rid},{ts},10,2\n" for rid, ts in rows)
    )
    return path


def test_duplicates_inside_the_span_only(tmp_path):
    day1 = write(tmp_path / "a.csv", [("r1", "2025-03-03T10:00:00Z"), ("r2", "2025-03-03T11:00:00Z")])
    # r1 again at its stored time (inside this file's span 09:00-12:00): a duplicate;
    # r2 again twice in this file: one copy is a within-file repeat, the other a duplicate of the stored r2
    day1_again = write(
        tmp_path / "b.csv",
        [
            ("r1", "2025-03-03T10:00:00Z"),
            ("r2", "2025-03-03T11:00:00Z"),
            ("r2", "2025-03-03T11:00:00Z"),
            ("r3", "2025-03-03T09:00:00Z"),
            ("r4", "2025-03-03T12:00:00Z"),
        ],
    )
    # r1 re-logged on another day: outside this file's span, kept as a new request (the stated cost)
    day2 = write(tmp_path / "c.csv", [("r1", "2025-03-04T10:00:00Z"), ("r5", "2025-03-04T11:00:00Z")])
    with warehouse.connect(":memory:") as con:
        results = ingest_paths(con, [day1, day1_again, day2], ReadOptions(source="prod"))
        stored = con.execute("SELECT count(*) FROM requests").fetchall()[0][0]
    assert [(r.rows_loaded, r.rows_duplicate) for r in results] == [(2, 0), (2, 3), (2, 0)]
    assert stored == 6
