"""A raw status column -> the canonical status (ingest/schema.py STATUSES), as one SQL expression."""

from collections.abc import Callable

from ingest.raw_sql import WHITESPACE, literal, raw_value

# status spellings -> canonical status; HTTP codes are mapped in `status_sql`.
STATUS_WORDS = {
    "ok": "ok",
    "success": "ok",
    "succeeded": "ok",
    "completed": "ok",
    "complete": "ok",
    "done": "ok",
    "stop": "ok",
    "length": "ok",
    "finished": "ok",
    "true": "ok",
    "error": "error",
    "failed": "error",
    "failure": "error",
    "fail": "error",
    "false": "error",
    "timeout": "timeout",
    "timed_out": "timeout",
    "deadline_exceeded": "timeout",
    "rejected": "rejected",
    "throttled": "rejected",
    "rate_limited": "rejected",
    "overloaded": "rejected",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "abort": "cancelled",
    "aborted": "cancelled",
    "client_closed": "cancelled",
}


def status_sql(types: dict[str, str], parse: Callable[[str, str], str]) -> str:
    """Canonical status (NULL: unknown), computed once a row: a known word as written maps
    directly; other spellings are trimmed and lower-cased, then read as a word or an HTTP code."""
    t = types
    if "status" not in t:
        return "NULL"
    raw = f"CAST({raw_value('status', t)} AS VARCHAR)"
    # a CASE, not `raw IN (...)`: DuckDB plans a long IN list as a hash join
    whens = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in STATUS_WORDS.items())
    text = f"lower(trim({raw}, {WHITESPACE}))"
    # a failing cast is slow: only text starting with a digit can be an HTTP code
    code = f"CASE WHEN ascii({text}) BETWEEN 48 AND 57 THEN TRY_CAST({text} AS DOUBLE) END"
    http = (
        f"CASE WHEN {code} BETWEEN 200 AND 299 THEN 'ok' WHEN {code} IN (408, 504) THEN 'timeout' "
        f"WHEN {code} IN (429, 503) THEN 'rejected' WHEN {code} = 499 THEN 'cancelled' "
        f"WHEN {code} BETWEEN 400 AND 599 THEN 'error' END"
    )
    # the word as written first; only the rows it does not know reach the ELSE (CASE is lazy,
    # coalesce is not: lower(trim()) on every row costs ~0.3 us/row)
    return parse("__status", f"CASE {raw} {whens} ELSE coalesce(CASE {text} {whens} END, {http}) END")
