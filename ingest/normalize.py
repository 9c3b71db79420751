"""Raw fields -> canonical request rows, as DuckDB SQL over a raw relation, rejecting bad rows with a reason.

The raw relation has `__row`, optional `__invalid` and raw fields of any type (CSV arrives as
strings; Parquet keeps its types, and typed columns skip the checks their type makes vacuous).
`Normalizer` renders three SELECTs over it — canonical rows, rejected rows (reason + offending
values as JSON, never text: raw fields hold no text by construction) and token latencies — so
that DuckDB reads, checks and loads in one parallel pipeline (bench/RESULTS.md, ingest). Checks
run in a fixed order and the first failing one is the row's reason. A row's `itl_ms_list` (gaps
between output tokens, ms) becomes its token latencies, keyed by the row's (source, request_id).
"""

from dataclasses import dataclass, field
from datetime import datetime

from ingest.arrival import ArrivalFacts, arrival_sql
from ingest.containers import INVALID, ROW
from ingest.fields import COUNT_FIELDS, UNIT_SCALE_TO_MS
from ingest.raw_sql import (
    INTEGER_TYPES,
    MAX_VALUE_CHARS,
    NUMERIC_TYPES,
    WHITESPACE,
    as_text,
    base_type,
    ident,
    is_int_list,
    is_number_list,
    literal,
    quoted,
    raw_value,
)
from ingest.schema import REQUEST_SCHEMA
from ingest.status_sql import status_sql

TPOT_SLACK = 1.5  # tpot x (output - 1) may exceed e2e by rounding and averaging, not by half again


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    """What the file says about its rows beyond its columns."""

    source: str
    anchor: datetime  # UTC; time zero for relative or missing timestamps
    model: str
    model_override: bool
    tenant: str | None
    prompt_tokens: int | None = None  # fills a missing prompt token count
    cut_row: int | None = None  # the row of a line the file's end cuts short (a truncated file)


@dataclass(frozen=True, slots=True, kw_only=True)
class Normalizer:
    """SQL over the raw relation named `relation` (raw field -> DuckDB type in `types`)."""

    relation: str  # the raw relation's name, the caller's identifier (never user input)
    types: dict[str, str]
    ctx: Context
    facts: ArrivalFacts
    parsed: dict[str, str] = field(default_factory=dict)  # alias -> parse of raw fields, computed once a row

    def requests_sql(self) -> str:
        """Canonical rows (REQUEST_SCHEMA's columns, in order) of the rows that pass every check."""
        values = self._values()
        cols = ", ".join(f"{values[name]} AS {name}" for name in REQUEST_SCHEMA.names())
        failed = self._failed()
        return f"SELECT {cols} FROM {self._source()} WHERE NOT {failed}"

    def rejected_sql(self) -> str:
        """source_row, reason, field_values of the rows that fail a check."""
        checks = self._checks()
        reason = "CASE " + " ".join(f"WHEN {c} THEN {m}" for c, m in checks) + " END" if checks else "NULL"
        fields = [n for n in self.types if n not in (ROW, INVALID)]
        values = (
            (
                "to_json(struct_pack("
                + ", ".join(f"{ident(n)} := {as_text(n, self.types)}" for n in fields)
                + "))::VARCHAR"
            )
            if fields
            else "'{}'"
        )
        failed = self._failed()
        return (
            f"SELECT {ROW} AS source_row, left({reason}, 500) AS reason, {values} AS field_values "
            f"FROM {self._source()} WHERE {failed}"
        )

    def token_latencies_sql(self) -> str | None:
        """source, request_id, token_index, itl_ms, source_row of the passing rows' gaps; None without gaps."""
        gaps = self._gaps()[0]
        if gaps is None:
            return None
        values, failed = self._values(), self._failed()
        return (
            f"SELECT source, request_id, CAST(generate_subscripts(g, 1) AS INTEGER) AS token_index, "
            f"unnest(g) AS itl_ms, source_row FROM (SELECT {values['source']} AS source, "
            f"{values['request_id']} AS request_id, {gaps} AS g, {ROW} AS source_row FROM {self._source()} "
            f"WHERE NOT {failed} AND len({gaps}) > 0)"
        )

    def _source(self) -> str:
        """The raw relation plus the parses the values and checks share, so each runs once a row."""
        extra = "".join(f", {expr} AS {ident(alias)}" for alias, expr in self.parsed.items())
        return f"(SELECT *{extra} FROM {self.relation})"

    def _p(self, alias: str, expr: str) -> str:
        self.parsed[alias] = expr
        return ident(alias)

    def _failed(self) -> str:
        checks = self._checks()
        return "coalesce(" + " OR ".join(f"({c})" for c, _ in checks) + ", false)" if checks else "false"

    def _values(self) -> dict[str, str]:
        ctx = self.ctx
        row = ident(ROW)
        status, error_code = self._status(), self._short_text("error_code")
        itl = self._gaps()[0]
        tpot = self._duration("tpot")[0]
        model = self._short_text("model")
        return {
            "source": literal(ctx.source),
            "request_id": f"coalesce({self._id()}, {self._synthesized_id(row)})",
            "arrival_ts": self._arrival()[0],
            "model": literal(ctx.model)
            if ctx.model_override or model == "NULL"
            else f"coalesce({model}, {literal(ctx.model)})",
            "tenant": f"coalesce({self._short_text('tenant')}, {literal(ctx.tenant)})",
            "prompt_tokens": self._count("prompt_tokens")[0],
            "output_tokens": self._count("output_tokens")[0],
            "cached_prompt_tokens": self._count("cached_prompt_tokens")[0],
            "ttft_ms": self._duration("ttft")[0],
            "tpot_ms": tpot if itl is None else f"coalesce({tpot}, list_avg({itl}))",  # mean gap after token 0
            "e2e_ms": self._duration("e2e")[0],
            # no status (no column, or empty): ok unless an error code other than 0 / none / null
            "status": f"CASE WHEN {status} IS NOT NULL THEN {status} WHEN {error_code} IS NOT NULL AND "
            f"lower({error_code}) NOT IN ('0', 'none', 'null') THEN 'error' ELSE 'ok' END",
            "error_code": f"CAST({error_code} AS VARCHAR)",
            "prefix_block_ids": self._prefix()[0],
            "source_row": f"CAST({row} AS BIGINT)",
        }

    def _synthesized_id(self, row: str) -> str:
        """A row without an id: its row number, arrival (us) and token counts. Not the file's hash, so
        a truncated file and its complete copy, or overlapping exports, give each request once; not the
        row alone, so files sharing a --source keep their different requests."""
        parts = [
            f"CAST({row} AS VARCHAR)",
            f"CAST(epoch_us({self._arrival()[0]}) AS VARCHAR)",
            f"CAST({self._count('prompt_tokens')[0]} AS VARCHAR)",
            f"CAST({self._count('output_tokens')[0]} AS VARCHAR)",
        ]
        return "concat_ws(':', " + ", ".join(parts) + ")"

    def _checks(self) -> list[tuple[str, str]]:
        """(condition, reason) in the order reasons are given; NULL conditions count as false."""
        t = self.types
        checks = (
            [
                (
                    f"{ident(ROW)} = {int(self.ctx.cut_row)}",
                    literal("line cut short: the file ends in the middle of it (truncated)"),
                )
            ]
            if self.ctx.cut_row is not None
            else []
        )
        checks += [(f"{ident(INVALID)} IS NOT NULL", ident(INVALID))] if INVALID in t else []
        checks += self._arrival()[1]
        for name in COUNT_FIELDS:
            checks += self._count(name)[1]
        cached, prompt = self._count("cached_prompt_tokens")[0], self._count("prompt_tokens")[0]
        if cached != "NULL":
            checks.append((f"{cached} > {prompt}", literal("cached_prompt_tokens > prompt_tokens")))
        for stem in ("ttft", "tpot", "e2e"):
            checks += self._duration(stem)[1]
        checks += self._gaps()[1]
        ttft, e2e = self._duration("ttft")[0], self._duration("e2e")[0]
        if "NULL" not in (ttft, e2e):
            checks.append((f"{ttft} > {e2e}", literal("ttft_ms > e2e_ms")))
        tpot, output = self._duration("tpot")[0], self._count("output_tokens")[0]
        if "NULL" not in (tpot, e2e, output):  # decoding alone cannot take far longer than the whole request
            checks.append(
                (
                    f"{tpot} * ({output} - 1) > {TPOT_SLACK} * {e2e} + 1",
                    f"'tpot_ms x (output_tokens - 1) = ' || round({tpot} * ({output} - 1), 1) || "
                    f"' ms is over {TPOT_SLACK:g}x e2e_ms = ' || round({e2e}, 1) || ' ms'",
                )
            )
        if "status" in t:
            checks.append(
                (
                    f"{raw_value('status', t)} IS NOT NULL AND {self._status()} IS NULL",
                    f"{literal('unknown status ')} || {quoted('status', t)}",
                )
            )
        checks += self._prefix()[1]
        return checks

    def _count(self, name: str) -> tuple[str, list[tuple[str, str]]]:
        t, fill = self.types, self.ctx.prompt_tokens if name == "prompt_tokens" else None
        if name not in t:
            if fill is not None:
                return str(int(fill)), []
            missing = ("true", literal(f"missing {name}: map a column with --map {name}=COLUMN"))
            return "NULL", [missing] if name != "cached_prompt_tokens" else []
        raw = raw_value(name, t)
        if fill is not None:
            given = raw if base_type(t[name]) in NUMERIC_TYPES else f"CAST({raw} AS VARCHAR)"
            value = int(fill) if given == raw else literal(str(int(fill)))
            raw = f"coalesce({given}, {value})"
            if "prompt_tokens_estimated" in t:  # a count given on the command line beats an estimate
                raw = f"CASE WHEN {ident('prompt_tokens_estimated')} THEN {value} ELSE {raw} END"
        required = [(f"{raw} IS NULL", literal(f"missing {name}"))] if name != "cached_prompt_tokens" else []
        if base_type(t[name]) in INTEGER_TYPES:  # a typed integer column can only be negative or too big
            return f"TRY_CAST({raw} AS BIGINT)", required + [
                (f"{raw} < 0", f"{literal(name + ' is negative: ')} || {quoted(name, t)}"),
                (f"{raw} > {2**31}", f"{literal(name + ' is implausibly large: ')} || {quoted(name, t)}"),
            ]
        x = self._p(f"__x_{name}", f"TRY_CAST({raw} AS DOUBLE)")
        return f"TRY_CAST({x} AS BIGINT)", required + [
            (f"{raw} IS NOT NULL AND {x} IS NULL", f"{literal(name + ' is not a number: ')} || {quoted(name, t)}"),
            (f"isnan({x}) OR isinf({x})", literal(f"{name} is not finite")),
            (f"{x} < 0", f"{literal(name + ' is negative: ')} || {quoted(name, t)}"),
            (f"{x} <> floor({x})", f"{literal(name + ' is not an integer: ')} || {quoted(name, t)}"),
            (f"{x} > {2**31}", f"{literal(name + ' is implausibly large: ')} || {quoted(name, t)}"),
        ]

    def _duration(self, stem: str) -> tuple[str, list[tuple[str, str]]]:
        t = self.types
        for unit, scale in UNIT_SCALE_TO_MS.items():
            name = f"{stem}_{unit}"
            if name not in t:
                continue
            raw = raw_value(name, t)
            x = (
                f"CAST({raw} AS DOUBLE)"
                if base_type(t[name]) in NUMERIC_TYPES
                else self._p(f"__x_{name}", f"TRY_CAST({raw} AS DOUBLE)")
            )
            checks = (
                []
                if base_type(t[name]) in NUMERIC_TYPES
                else [
                    (
                        f"{raw} IS NOT NULL AND {x} IS NULL",
                        f"{literal(name + ' is not a number: ')} || {quoted(name, t)}",
                    )
                ]
            )
            checks += [
                (f"isinf({x})", literal(f"{name} is not finite")),
                (f"{x} < 0", f"{literal(name + ' is negative: ')} || {quoted(name, t)}"),
            ]
            return f"CASE WHEN isnan({x}) THEN NULL ELSE {x} * {scale!r} END", checks
        return "NULL", []

    def _gaps(self) -> tuple[str | None, list[tuple[str, str]]]:
        """`itl_ms_list`: gaps between consecutive output tokens, ms; element i is token i+1's gap."""
        t = self.types
        if "itl_ms_list" not in t:
            return None, []
        col = ident("itl_ms_list")
        if not is_number_list(t["itl_ms_list"]):
            return None, [(f"{col} IS NOT NULL", literal("itl_ms_list is not a list of numbers"))]
        gaps = f"CAST({col} AS DOUBLE[])"
        bad = f"list_bool_or(list_transform({gaps}, lambda x: x IS NULL OR isnan(x) OR isinf(x) OR x < 0))"
        return gaps, [(bad, literal("itl_ms_list has a negative, missing or non-finite gap"))]

    def _prefix(self) -> tuple[str, list[tuple[str, str]]]:
        t = self.types
        if "prefix_block_ids" not in t:
            return "CAST(NULL AS BIGINT[])", []
        col = ident("prefix_block_ids")
        if is_int_list(t["prefix_block_ids"]):
            return f"CAST({col} AS BIGINT[])", []
        return "CAST(NULL AS BIGINT[])", [(f"{col} IS NOT NULL", literal("prefix_block_ids is not a list of integers"))]

    def _arrival(self) -> tuple[str, list[tuple[str, str]]]:
        return arrival_sql(self.types, self.facts, round(self.ctx.anchor.timestamp() * 1e6), self._p)

    def _status(self) -> str:
        return status_sql(self.types, self._p)

    def _short_text(self, name: str) -> str:
        """Trimmed text, '' -> NULL, at most MAX_VALUE_CHARS characters."""
        if name not in self.types:
            return "NULL"
        text = f"CAST({raw_value(name, self.types)} AS VARCHAR)"
        # the full trim only where an edge is whitespace or the text is long: most values are clean
        odd = f"strlen({text}) > {MAX_VALUE_CHARS} OR ascii({text}) <= 32 OR ascii(right({text}, 1)) <= 32"
        full = f"left(nullif(trim({text}, {WHITESPACE}), ''), {MAX_VALUE_CHARS})"
        return self._p(f"__t_{name}", f"CASE WHEN {odd} THEN {full} ELSE nullif({text}, '') END")

    def _id(self) -> str:
        """Ids are nearly all distinct: only '' -> NULL and the length cap (no trimming)."""
        if "request_id" not in self.types:
            return "NULL"
        text = f"CAST({raw_value('request_id', self.types)} AS VARCHAR)"
        return self._p(
            "__id",
            f"CASE WHEN {text} = '' THEN NULL WHEN strlen({text}) > {MAX_VALUE_CHARS} "
            f"THEN left({text}, {MAX_VALUE_CHARS}) ELSE {text} END",
        )
