"""Why a file gave no request: its encoding, a format it is not, or the required columns it lacks.

A file whose every row is rejected is a failed file, not a loaded one (issue #19): the message
names the likeliest cause first — text that is not UTF-8 (UTF-16 exports, binary data), then
required fields no column maps to (with the columns found), then the rows' own reasons.
"""

from ingest.reader import LogFile

REQUIRED = ("prompt_tokens", "output_tokens")  # what every stored request needs (arrival may be anchored)
SHOWN_COLUMNS = 12


def missing_required(log: LogFile) -> list[str]:
    """Required fields no column (nor an option such as --prompt-tokens) gives."""
    raws = set(log.mapping.values())
    given = {"prompt_tokens"} if log.options.prompt_tokens is not None else set()
    return [name for name in REQUIRED if name not in raws | given]


def encoding_problem(head: bytes) -> str | None:
    """What is wrong with the first bytes as UTF-8 text; None when they read as UTF-8."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) > 8 and head.count(b"\x00") * 4 > len(head)):
        return (
            "the file is UTF-16 text (or binary), not UTF-8: re-encode it, "
            "e.g. iconv -f UTF-16 -t UTF-8 FILE > FILE.utf8"
        )
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            share = sum(b >= 0x80 or (b < 0x20 and b not in b"\t\r\n") for b in head) / max(1, len(head))
            if share > 0.3:
                return "the file is binary data, not a text log (CSV, JSON Lines, JSON) or Parquet"
            return (
                f"the file is not UTF-8 text (byte {exc.start + 1} is not): re-encode it, "
                "e.g. iconv -f LATIN1 -t UTF-8 FILE > FILE.utf8"
            )
    return None


def nothing_loaded(log: LogFile, rows_read: int, reasons: list[tuple[str, int]]) -> str:
    """The message of a file that gave no request: `reasons` are (reason, rows), most frequent first."""
    what = f"no request loaded: all {rows_read:,} rows rejected" if rows_read else "no request rows"
    if log.container != "parquet":
        with open(log.data, "rb") as fh:
            problem = encoding_problem(fh.read(1 << 16))
        if problem:
            return f"{log.path}: {what}; {problem}"
    missing = missing_required(log)
    if missing and (not reasons or reasons[0][0].startswith("missing ")):
        found = ", ".join(repr(c) for c in log.columns[:SHOWN_COLUMNS]) or "none"
        more = f" (+{len(log.columns) - SHOWN_COLUMNS} more)" if len(log.columns) > SHOWN_COLUMNS else ""
        fmt = (
            "no known format recognised, read as generic"
            if log.format.name == "generic"
            else f"read as --format {log.format.name}"
        )
        return (
            f"{log.path}: {what}; {fmt} {log.container}: no column for {', '.join(missing)}; "
            f"columns found: {found}{more}. Map one with --map {missing[0]}=COLUMN, or name the "
            "right --format"
        )
    named = "; ".join(f"{reason} ({count:,} rows)" for reason, count in reasons[:3])
    hint = (
        "; pass --prompt-tokens N when the run sent a fixed prompt length"
        if reasons and reasons[0][0].startswith("missing prompt_tokens")
        else ""
    )
    return f"{log.path}: {what} as {log.format.name} {log.container}: {named}{hint}"
