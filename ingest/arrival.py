"""Arrival times: what a relation's arrival column holds (ArrivalFacts) and the SQL that makes it a
TIMESTAMPTZ, from timestamps, epoch numbers, ISO text or offsets from the file's anchor."""

from collections.abc import Callable
from dataclasses import dataclass

from ingest.raw_sql import base_type, ident, is_temporal, literal, quoted

EPOCH_S_MIN = 1e9  # numeric timestamps below this are offsets in seconds, not epochs
OFFSET_FIELDS = (("arrival_offset_s", 1.0), ("arrival_offset_ms", 1e-3))


@dataclass(frozen=True, slots=True, kw_only=True)
class ArrivalFacts:
    """Per relation (a batch, or a whole Parquet file): what numeric arrival values look like."""

    numeric: bool = False  # every non-null arrival_ts parses as a number
    biggest: float = 0.0  # max |value|: epoch unit by magnitude, offsets below EPOCH_S_MIN
    origin_s: float = 0.0  # smallest offset of the file's first relation, subtracted from offsets


def arrival_facts_sql(types: dict[str, str], relation: str) -> str | None:
    """SELECT numeric?, max |x|, min x over the arrival column of `relation` (the raw relation's name, the
    caller's identifier, never user input); None when there is nothing to learn."""
    name = arrival_field(types)
    if name is None or is_temporal(types[name]):
        return None
    x = f"TRY_CAST({ident(name)} AS DOUBLE)"
    if base_type(types[name]) == "VARCHAR":  # text: one non-number settles it (a full scan only when numbers)
        return (
            f"SELECT count(*) > 0 AND count({ident(name)}) = count({x}), max(abs({x})), min({x}) FROM {relation} WHERE "
            f"(SELECT {x} IS NOT NULL FROM {relation} WHERE {ident(name)} IS NOT NULL LIMIT 1)"
        )
    return f"SELECT count({ident(name)}) = count({x}), max(abs({x})), min({x}) FROM {relation}"


def arrival_facts(types: dict[str, str], row: tuple | None, origin_s: float | None) -> ArrivalFacts:
    """`row` from `arrival_facts_sql`; `origin_s` from the file's first relation (None: this is it)."""
    name = arrival_field(types)
    if row is None or name is None:
        return ArrivalFacts(origin_s=origin_s or 0.0)
    numeric, biggest, low = row
    scale = dict(OFFSET_FIELDS).get(name, 1.0)
    if origin_s is None:
        origin_s = low * scale if low is not None and abs(low) < EPOCH_S_MIN / scale else 0.0
    return ArrivalFacts(numeric=bool(numeric), biggest=biggest or 0.0, origin_s=origin_s)


def arrival_field(types: dict[str, str]) -> str | None:
    for name, _ in OFFSET_FIELDS:
        if name in types:
            return name
    return "arrival_ts" if "arrival_ts" in types else None


def arrival_sql(
    types: dict[str, str], facts: ArrivalFacts, anchor_us: int, parse: Callable[[str, str], str]
) -> tuple[str, list[tuple[str, str]]]:
    """arrival_ts as TIMESTAMPTZ and its checks: a timestamp column, epoch numbers (unit by magnitude),
    ISO text, or offsets from the anchor (`anchor_us`, epoch us); no arrival column: the anchor."""
    t = types
    name = arrival_field(t)
    if name is None:
        return f"make_timestamptz({anchor_us})", []
    if name != "arrival_ts" or (facts.numeric and facts.biggest < EPOCH_S_MIN and not is_temporal(t[name])):
        return _offset_sql(name, anchor_us, t, facts.origin_s, parse)
    col = ident(name)
    base = base_type(t[name])
    if base == "TIMESTAMP WITH TIME ZONE":
        value = col
    elif is_temporal(t[name]):
        value = f"make_timestamptz(epoch_us(CAST({col} AS TIMESTAMP)))"
    elif facts.numeric:
        # unit by magnitude of the largest value: s < 1e11 <= ms < 1e14 <= us < 1e17 <= ns
        b = facts.biggest
        per_us = 1e6 if b < 1e11 else 1e3 if b < 1e14 else 1.0 if b < 1e17 else 1e-3
        micros = f"round(TRY_CAST({col} AS DOUBLE) * {per_us!r})"
        value = f"CASE WHEN abs({micros}) < 4e18 THEN make_timestamptz(CAST({micros} AS BIGINT)) END"
    else:  # strings: ISO 8601 and its common spellings; no offset = UTC (the session zone)
        # trim() copies every string (~0.2 us/row, more than the cast): only where an edge is a space.
        # A fixed-slice ISO parse (substrings -> integers -> micros) costs ~0.6 us/row in DuckDB,
        # ~5x the cast, so the general cast serves every spelling (bench/RESULTS.md, ingest).
        text = f"CAST({col} AS VARCHAR)"
        value = parse(
            "__arrival",
            f"TRY_CAST(CASE WHEN {text} LIKE ' %' OR {text} LIKE '% ' "
            f"THEN trim({text}) ELSE {text} END AS TIMESTAMPTZ)",
        )
    return value, [
        (f"{col} IS NULL", literal("missing arrival timestamp")),
        (f"{value} IS NULL", f"{literal('unparsable arrival timestamp: ')} || {quoted(name, t)}"),
    ]


def _offset_sql(
    name: str, anchor_us: int, types: dict[str, str], origin_s: float, parse: Callable[[str, str], str]
) -> tuple[str, list[tuple[str, str]]]:
    scale = dict(OFFSET_FIELDS).get(name, 1.0)
    col = ident(name)
    seconds = parse("__seconds", f"(TRY_CAST({col} AS DOUBLE) * {scale!r} - {origin_s!r})")
    micros = f"round({seconds} * 1e6)"
    ok = f"abs({micros}) < 4e15"  # within ~127 years of the anchor
    value = f"CASE WHEN {ok} THEN make_timestamptz({anchor_us} + CAST({micros} AS BIGINT)) END"
    return value, [
        (f"{col} IS NULL", literal("missing arrival timestamp")),
        (
            f"{seconds} IS NULL OR isnan({seconds}) OR NOT ({ok})",
            f"{literal(f'unparsable arrival offset {name}: ')} || {quoted(name, types)}",
        ),
    ]
