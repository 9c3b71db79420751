"""Raw fields -> canonical request rows, rejecting bad rows with a reason.

Input: a batch with `__row`, optional `__invalid`, and raw fields (any dtype: CSV arrives as
strings). Output: (canonical rows, rejected rows, token latencies). Checks run in a fixed
order and the first failing one is the row's reason; the offending values are kept as JSON
(never text: raw fields hold no text by construction). A row's `itl_ms_list` (gaps between
output tokens, ms) becomes its token latencies, keyed by the row's (source, request_id).
"""

import json
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from ingest.containers import INVALID, ROW
from ingest.fields import UNIT_SCALE_TO_MS
from ingest.schema import REJECTED_SCHEMA, REQUEST_SCHEMA, STATUSES, TOKEN_LATENCY_SCHEMA

# status spellings -> canonical status; HTTP codes are mapped in `_status_expr`.
STATUS_WORDS = {
    "ok": "ok", "success": "ok", "succeeded": "ok", "completed": "ok", "complete": "ok",
    "done": "ok", "stop": "ok", "length": "ok", "finished": "ok", "true": "ok",
    "error": "error", "failed": "error", "failure": "error", "fail": "error", "false": "error",
    "timeout": "timeout", "timed_out": "timeout", "deadline_exceeded": "timeout",
    "rejected": "rejected", "throttled": "rejected", "rate_limited": "rejected",
    "overloaded": "rejected", "cancelled": "cancelled", "canceled": "cancelled",
    "abort": "cancelled", "aborted": "cancelled", "client_closed": "cancelled",
}
MAX_VALUE_CHARS = 200
EPOCH_S_MIN = 1e9  # numeric timestamps below this are offsets in seconds, not epochs
# UTC ISO-8601 with microseconds, as most loggers write it: parsed from fixed slices, ~3x cheaper
# than polars' general `str.to_datetime` (bench/RESULTS.md, ingest); anything else takes that path.
ISO_UTC_US = r"^\d{4}-\d\d-\d\d[T ]([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}(Z|\+00:?00)?$"


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    """What the file says about its rows beyond its columns."""

    source: str
    id_prefix: str  # synthesized request ids: f"{id_prefix}:{row}"
    anchor: datetime  # UTC; time zero for relative or missing timestamps
    offset_origin_s: float  # subtracted from offsets so the first request lands at `anchor`
    model: str
    model_override: bool
    tenant: str | None
    prompt_tokens: int | None = None  # fills a missing prompt token count


def normalize(raw: pl.DataFrame, ctx: Context) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(canonical rows, rejected rows, token latencies of the canonical rows)."""
    raw = _fill_prompt_tokens(_flatten_nested(raw), ctx.prompt_tokens)
    cols = set(raw.columns)
    exprs, checks = {}, []
    if INVALID in cols:
        checks.append((pl.col(INVALID).is_not_null(), pl.col(INVALID)))

    arrival, arrival_checks = _arrival(raw, ctx)
    exprs["arrival_ts"] = arrival
    checks += arrival_checks

    for name in ("prompt_tokens", "output_tokens", "cached_prompt_tokens"):
        value, field_checks = _count(name, cols, required=name != "cached_prompt_tokens")
        exprs[name] = value
        checks += field_checks
    checks.append((pl.col("__cached_prompt_tokens") > pl.col("__prompt_tokens"),
                   pl.lit("cached_prompt_tokens > prompt_tokens")))

    for name in ("ttft", "tpot", "e2e"):
        value, field_checks = _duration_ms(name, cols)
        exprs[f"{name}_ms"] = value
        checks += field_checks
    itl, itl_checks = _itl(raw)
    exprs["tpot_ms"] = pl.coalesce(exprs["tpot_ms"], itl.list.mean())  # mean gap after token 0
    checks += itl_checks
    checks.append((pl.col("__ttft_ms") > pl.col("__e2e_ms"), pl.lit("ttft_ms > e2e_ms")))

    status = _by_value(raw, "status", _status_expr(cols))
    error_code = _by_value(raw, "error_code", _text_or_null("error_code", cols))
    # an empty status means ok, unless the row carries an error code
    exprs["status"] = pl.when(status.is_not_null()).then(status) \
        .when(error_code.is_not_null()).then(pl.lit("error")).otherwise(pl.lit("ok"))
    if "status" in cols:
        checks.append((pl.col("status").is_not_null() & status.is_null(),
                       pl.lit("unknown status ") + _quoted("status")))
    exprs["error_code"] = error_code

    prefix, prefix_checks = _prefix(raw)
    exprs["prefix_block_ids"] = prefix
    checks += prefix_checks

    row = pl.col(ROW)
    rid = _id_or_null("request_id", cols)
    exprs["request_id"] = pl.coalesce(rid, pl.lit(ctx.id_prefix + ":") + row.cast(pl.String))
    model = _by_value(raw, "model", _text_or_null("model", cols))
    exprs["model"] = pl.lit(ctx.model) if ctx.model_override else pl.coalesce(model, pl.lit(ctx.model))
    tenant = _by_value(raw, "tenant", _text_or_null("tenant", cols))
    exprs["tenant"] = pl.coalesce(tenant, pl.lit(ctx.tenant, pl.String))
    exprs["source"] = pl.lit(ctx.source)
    exprs["source_row"] = row

    staged = _stage(raw, {f"__{k}": v for k, v in exprs.items()}, [c for c, _ in checks])

    any_failed = staged.get_column("__failed").any()
    good = staged.filter(~pl.col("__failed")) if any_failed else staged  # clean batches: no copy
    kept = good
    good = good.select(pl.col(f"__{k}").alias(k) for k in REQUEST_SCHEMA.names()).cast(REQUEST_SCHEMA)
    bad = staged.filter(pl.col("__failed")) if any_failed else staged.clear()
    rejected = bad.select(
        pl.col(ROW).alias("source_row"),
        _first_reason(checks).str.slice(0, 500).alias("reason"),
        _values_json(raw.schema).alias("field_values"),
    ).cast(REJECTED_SCHEMA)
    if "itl_ms_list" not in raw.columns:
        return good, rejected, TOKEN_LATENCY_SCHEMA.to_frame()
    kept = kept.select(
        pl.col("__source").alias("source"), pl.col("__request_id").alias("request_id"),
        itl.alias("itl_ms"), pl.col(ROW).alias("source_row"))
    return good, rejected, _token_latencies(kept)


def _stage(raw: pl.DataFrame, exprs: dict[str, pl.Expr], conditions: list[pl.Expr]) -> pl.DataFrame:
    """Raw + canonical columns + `__failed`, in one lazy context so that a parse shared by a
    value and its checks runs once (CSE). Reason strings are built later, for failing rows only."""
    staged_names = set(exprs)
    cross = [c for c in conditions if staged_names & set(c.meta.root_names())]
    own = [c for c in conditions if not staged_names & set(c.meta.root_names())]
    any_of = lambda cs: pl.any_horizontal(c.fill_null(False) for c in cs) if cs else pl.lit(False)  # noqa: E731
    return (raw.lazy().with_columns(**exprs, __failed=any_of(own))
            .with_columns(__failed=pl.col("__failed") | any_of(cross)).collect())


def _fill_prompt_tokens(raw: pl.DataFrame, fill: int | None) -> pl.DataFrame:
    if fill is None:
        return raw
    if "prompt_tokens" not in raw.columns:
        return raw.with_columns(prompt_tokens=pl.lit(fill, pl.Int64))
    given = pl.col("prompt_tokens")
    return raw.with_columns(prompt_tokens=pl.coalesce(given, pl.lit(fill).cast(raw.schema["prompt_tokens"])))


def _itl(raw: pl.DataFrame):
    """`itl_ms_list`: gaps between consecutive output tokens, ms; element i is token i+1's gap."""
    if "itl_ms_list" not in raw.columns:
        return pl.lit(None, pl.List(pl.Float64)), []
    col = pl.col("itl_ms_list")
    if not isinstance(raw.schema["itl_ms_list"], pl.List):
        return pl.lit(None, pl.List(pl.Float64)), [
            (col.is_not_null(), pl.lit("itl_ms_list is not a list of numbers"))]
    gaps = col.cast(pl.List(pl.Float64))
    bad = gaps.list.eval(pl.element().is_null() | pl.element().is_nan() | pl.element().is_infinite()
                         | (pl.element() < 0)).list.any()
    return gaps, [(bad, pl.lit("itl_ms_list has a negative, missing or non-finite gap"))]


def _token_latencies(kept: pl.DataFrame) -> pl.DataFrame:
    rows = kept.filter(pl.col("itl_ms").list.len() > 0)
    rows = rows.with_columns(token_index=pl.int_ranges(1, pl.col("itl_ms").list.len() + 1))
    return rows.explode("itl_ms", "token_index").select(TOKEN_LATENCY_SCHEMA.names()).cast(TOKEN_LATENCY_SCHEMA)


def _flatten_nested(raw: pl.DataFrame) -> pl.DataFrame:
    """Nested values where a scalar belongs (malformed records) become JSON text, then fail checks."""
    nested = [c for c, t in raw.schema.items() if t.is_nested()
              and not _int_list(c, t) and not _number_list(c, t)]
    return raw.with_columns(
        pl.Series(c, [None if v is None else json.dumps(v, default=str) for v in raw[c].to_list()],
                  pl.String) for c in nested)


def _int_list(name: str, dtype: pl.DataType) -> bool:
    return name == "prefix_block_ids" and isinstance(dtype, pl.List) \
        and (dtype.inner.is_integer() or dtype.inner == pl.Null)


def _number_list(name: str, dtype: pl.DataType) -> bool:
    return name == "itl_ms_list" and isinstance(dtype, pl.List) \
        and (dtype.inner.is_numeric() or dtype.inner == pl.Null)


def _first_reason(checks: list[tuple[pl.Expr, pl.Expr]]) -> pl.Expr:
    if not checks:
        return pl.lit(None, pl.String)
    cond, msg = checks[0]
    expr = pl.when(cond.fill_null(False)).then(msg)
    for cond, msg in checks[1:]:
        expr = expr.when(cond.fill_null(False)).then(msg)
    return expr.otherwise(pl.lit(None, pl.String))


def _quoted(name: str) -> pl.Expr:
    text = pl.col(name).cast(pl.String).str.slice(0, MAX_VALUE_CHARS)
    return pl.lit("'") + text + pl.lit("'")


def _text_or_null(name: str, cols: set[str]) -> pl.Expr:
    if name not in cols:
        return pl.lit(None, pl.String)
    text = pl.col(name).cast(pl.String).str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text.str.slice(0, MAX_VALUE_CHARS))


def _id_or_null(name: str, cols: set[str]) -> pl.Expr:
    """Ids are nearly all distinct: only empty -> null and the length cap (no stripping)."""
    if name not in cols:
        return pl.lit(None, pl.String)
    text = pl.col(name).cast(pl.String)
    capped = pl.when(text.str.len_bytes() > MAX_VALUE_CHARS).then(text.str.slice(0, MAX_VALUE_CHARS)).otherwise(text)
    return pl.when(text.str.len_bytes() == 0).then(None).otherwise(capped)


def _by_value(raw: pl.DataFrame, name: str, expr: pl.Expr) -> pl.Expr:
    """`expr` of column `name`, evaluated once per distinct value and mapped back: status,
    model and tenant columns have few distinct values, so string work drops from rows to values."""
    if name not in raw.columns:
        return expr
    column = raw.get_column(name)
    values = column.unique()
    if values.len() * 4 > max(column.len(), 4096):
        return expr
    table = pl.DataFrame({name: values}).select(pl.col(name).alias("key"), expr.alias("value"))
    return pl.col(name).replace_strict(table["key"], table["value"], default=None,
                                       return_dtype=table.schema["value"])


def _count(name: str, cols: set[str], required: bool):
    if name not in cols:
        missing = [(pl.lit(True), pl.lit(f"missing {name}: map a column with --map {name}=COLUMN"))]
        return pl.lit(None, pl.Int64), missing if required else []
    value = pl.col(name).cast(pl.Float64, strict=False)
    checks = [
        (pl.col(name).is_not_null() & value.is_null(), pl.lit(f"{name} is not a number: ") + _quoted(name)),
        (value.is_nan() | value.is_infinite(), pl.lit(f"{name} is not finite")),
        (value < 0, pl.lit(f"{name} is negative: ") + _quoted(name)),
        (value != value.floor(), pl.lit(f"{name} is not an integer: ") + _quoted(name)),
        (value > 2**31, pl.lit(f"{name} is implausibly large: ") + _quoted(name)),
    ]
    if required:
        checks.insert(0, (pl.col(name).is_null(), pl.lit(f"missing {name}")))
    return value.cast(pl.Int64, strict=False), checks


def _duration_ms(stem: str, cols: set[str]):
    for unit, scale in UNIT_SCALE_TO_MS.items():
        name = f"{stem}_{unit}"
        if name in cols:
            value = pl.col(name).cast(pl.Float64, strict=False)
            checks = [
                (pl.col(name).is_not_null() & value.is_null(),
                 pl.lit(f"{name} is not a number: ") + _quoted(name)),
                (value.is_infinite(), pl.lit(f"{name} is not finite")),
                (value < 0, pl.lit(f"{name} is negative: ") + _quoted(name)),
            ]
            return pl.when(value.is_nan()).then(None).otherwise(value * scale), checks
    return pl.lit(None, pl.Float64), []


def _status_expr(cols: set[str]) -> pl.Expr:
    if "status" not in cols:
        return pl.lit("ok")
    text = pl.col("status").cast(pl.String).str.strip_chars().str.to_lowercase()
    code = text.cast(pl.Float64, strict=False)
    http = (
        pl.when(code.is_between(200, 299)).then(pl.lit("ok"))
        .when(code.is_in([408.0, 504.0])).then(pl.lit("timeout"))
        .when(code.is_in([429.0, 503.0])).then(pl.lit("rejected"))
        .when(code == 499).then(pl.lit("cancelled"))
        .when(code.is_between(400, 599)).then(pl.lit("error"))
    )
    words = text.replace_strict(STATUS_WORDS, default=None, return_dtype=pl.String)
    return pl.when(code.is_not_null()).then(http).otherwise(words)


def _arrival(raw: pl.DataFrame, ctx: Context):
    cols = set(raw.columns)
    anchor = pl.lit(ctx.anchor).cast(pl.Datetime("us", "UTC"))
    for name, scale in (("arrival_offset_s", 1.0), ("arrival_offset_ms", 1e-3)):
        if name in cols:
            return _offset(name, scale, ctx, anchor)
    if "arrival_ts" not in cols:
        return anchor, []
    dtype = raw.schema["arrival_ts"]
    col = pl.col("arrival_ts")
    if dtype.is_temporal():
        value = col.cast(pl.Datetime("us", dtype.time_zone if isinstance(dtype, pl.Datetime) else None))
        value = value.dt.convert_time_zone("UTC") if getattr(dtype, "time_zone", None) \
            else value.dt.replace_time_zone("UTC")
    else:
        numbers = col.cast(pl.Float64, strict=False)
        if dtype.is_numeric() or raw.select(col.is_not_null().sum() == numbers.is_not_null().sum()).item():
            biggest = raw.select(numbers.abs().max()).item() or 0.0
            if biggest < EPOCH_S_MIN:
                return _offset("arrival_ts", 1.0, ctx, anchor)
            value = _epoch(numbers, biggest)
        elif dtype == pl.String and raw.select((col.is_null() | col.str.contains(ISO_UTC_US)).all()).item():
            value = _iso_utc_us(col)
        else:
            value = col.cast(pl.String).str.strip_chars().str.to_datetime(
                strict=False, time_unit="us", time_zone="UTC")
    checks = [
        (col.is_null(), pl.lit("missing arrival timestamp")),
        (value.is_null(), pl.lit("unparsable arrival timestamp: ") + _quoted("arrival_ts")),
    ]
    return value, checks


def _iso_utc_us(text: pl.Expr) -> pl.Expr:
    """Strings matching ISO_UTC_US -> Datetime(us, UTC); an impossible date (Feb 30) -> null."""
    part = lambda start, length: text.str.slice(start, length).cast(pl.Int64)  # noqa: E731
    day = text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us", "UTC"))
    return day + pl.duration(hours=part(11, 2), minutes=part(14, 2), seconds=part(17, 2),
                             microseconds=part(20, 6))


def _epoch(numbers: pl.Expr, biggest: float) -> pl.Expr:
    # unit by magnitude of the batch's largest value: s < 1e11 <= ms < 1e14 <= us < 1e17 <= ns
    per_us = 1e6 if biggest < 1e11 else 1e3 if biggest < 1e14 else 1.0 if biggest < 1e17 else 1e-3
    micros = (numbers * per_us).round(0)
    return pl.when(micros.abs() < 4e18).then(micros).cast(pl.Int64).cast(pl.Datetime("us", "UTC"))


def _offset(name: str, scale: float, ctx: Context, anchor: pl.Expr):
    seconds = pl.col(name).cast(pl.Float64, strict=False) * scale - ctx.offset_origin_s
    micros = (seconds * 1e6).round(0)
    ok = micros.abs() < 4e15  # within ~127 years of the anchor
    value = anchor + pl.duration(microseconds=pl.when(ok).then(micros).cast(pl.Int64))
    checks = [
        (pl.col(name).is_null(), pl.lit("missing arrival timestamp")),
        (seconds.is_null() | seconds.is_nan() | ~ok,
         pl.lit(f"unparsable arrival offset {name}: ") + _quoted(name)),
    ]
    return value, checks


def _prefix(raw: pl.DataFrame):
    if "prefix_block_ids" not in raw.columns:
        return pl.lit(None, pl.List(pl.Int64)), []
    dtype = raw.schema["prefix_block_ids"]
    col = pl.col("prefix_block_ids")
    if _int_list("prefix_block_ids", dtype):
        return col.cast(pl.List(pl.Int64)), []
    bad = (col.is_not_null(), pl.lit("prefix_block_ids is not a list of integers"))
    return pl.lit(None, pl.List(pl.Int64)), [bad]


def _values_json(schema: pl.Schema) -> pl.Expr:
    fields = [c for c in schema.names() if c not in (ROW, INVALID)]
    if not fields:
        return pl.lit("{}")
    return pl.struct([_as_text(c, schema[c]).alias(c) for c in fields]).struct.json_encode()


def _as_text(name: str, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    text = col.cast(pl.List(pl.String)).list.join(",") if isinstance(dtype, pl.List) else col.cast(pl.String)
    return text.str.slice(0, MAX_VALUE_CHARS)


def origin_seconds(raw: pl.DataFrame) -> float:
    """Smallest offset in a batch, in seconds: where relative timestamps start."""
    for name, scale in (("arrival_offset_s", 1.0), ("arrival_offset_ms", 1e-3), ("arrival_ts", 1.0)):
        if name in raw.columns and not raw.schema[name].is_temporal():
            low = raw.select(pl.col(name).cast(pl.Float64, strict=False).min()).item()
            if low is not None and abs(low) < EPOCH_S_MIN / scale:
                return low * scale
    return 0.0


__all__ = ["Context", "STATUSES", "normalize", "origin_seconds"]
