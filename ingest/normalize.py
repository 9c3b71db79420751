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

from ingest.containers import INVALID, ROW
from ingest.fields import COUNT_FIELDS, UNIT_SCALE_TO_MS
from ingest.schema import REQUEST_SCHEMA, STATUSES

# status spellings -> canonical status; HTTP codes are mapped in `_status`.
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
MAX_VALUE_CHARS = 200
TPOT_SLACK = 1.5  # tpot x (output - 1) may exceed e2e by rounding and averaging, not by half again
EPOCH_S_MIN = 1e9  # numeric timestamps below this are offsets in seconds, not epochs
WHITESPACE = "' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)"  # what polars' strip_chars() strips
OFFSET_FIELDS = (("arrival_offset_s", 1.0), ("arrival_offset_ms", 1e-3))
INTEGER_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
}
NUMERIC_TYPES = INTEGER_TYPES | {"FLOAT", "DOUBLE", "BOOLEAN"}


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
class ArrivalFacts:
    """Per relation (a batch, or a whole Parquet file): what numeric arrival values look like."""

    numeric: bool = False  # every non-null arrival_ts parses as a number
    biggest: float = 0.0  # max |value|: epoch unit by magnitude, offsets below EPOCH_S_MIN
    origin_s: float = 0.0  # smallest offset of the file's first relation, subtracted from offsets


def arrival_facts_sql(types: dict[str, str], relation: str) -> str | None:
    """SELECT numeric?, max |x|, min x over the arrival column of `relation` (the raw relation's name, the
    caller's identifier, never user input); None when there is nothing to learn."""
    name = _arrival_field(types)
    if name is None or _temporal(types[name]):
        return None
    x = f"TRY_CAST({_q(name)} AS DOUBLE)"
    if _base(types[name]) == "VARCHAR":  # text: one non-number settles it (a full scan only when numbers)
        return (
            f"SELECT count(*) > 0 AND count({_q(name)}) = count({x}), max(abs({x})), min({x}) FROM {relation} WHERE "
            f"(SELECT {x} IS NOT NULL FROM {relation} WHERE {_q(name)} IS NOT NULL LIMIT 1)"
        )
    return f"SELECT count({_q(name)}) = count({x}), max(abs({x})), min({x}) FROM {relation}"


def arrival_facts(types: dict[str, str], row: tuple | None, origin_s: float | None) -> ArrivalFacts:
    """`row` from `arrival_facts_sql`; `origin_s` from the file's first relation (None: this is it)."""
    name = _arrival_field(types)
    if row is None or name is None:
        return ArrivalFacts(origin_s=origin_s or 0.0)
    numeric, biggest, low = row
    scale = dict(OFFSET_FIELDS).get(name, 1.0)
    if origin_s is None:
        origin_s = low * scale if low is not None and abs(low) < EPOCH_S_MIN / scale else 0.0
    return ArrivalFacts(numeric=bool(numeric), biggest=biggest or 0.0, origin_s=origin_s)


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
            ("to_json(struct_pack(" + ", ".join(f"{_q(n)} := {_text(n, self.types)}" for n in fields) + "))::VARCHAR")
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
        extra = "".join(f", {expr} AS {_q(alias)}" for alias, expr in self.parsed.items())
        return f"(SELECT *{extra} FROM {self.relation})"

    def _p(self, alias: str, expr: str) -> str:
        self.parsed[alias] = expr
        return _q(alias)

    def _failed(self) -> str:
        checks = self._checks()
        return "coalesce(" + " OR ".join(f"({c})" for c, _ in checks) + ", false)" if checks else "false"

    def _values(self) -> dict[str, str]:
        ctx = self.ctx
        row = _q(ROW)
        status, error_code = self._status(), self._short_text("error_code")
        itl = self._gaps()[0]
        tpot = self._duration("tpot")[0]
        model = self._short_text("model")
        return {
            "source": _lit(ctx.source),
            "request_id": f"coalesce({self._id()}, {self._synthesized_id(row)})",
            "arrival_ts": self._arrival()[0],
            "model": _lit(ctx.model)
            if ctx.model_override or model == "NULL"
            else f"coalesce({model}, {_lit(ctx.model)})",
            "tenant": f"coalesce({self._short_text('tenant')}, {_lit(ctx.tenant)})",
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
                    f"{_q(ROW)} = {int(self.ctx.cut_row)}",
                    _lit("line cut short: the file ends in the middle of it (truncated)"),
                )
            ]
            if self.ctx.cut_row is not None
            else []
        )
        checks += [(f"{_q(INVALID)} IS NOT NULL", _q(INVALID))] if INVALID in t else []
        checks += self._arrival()[1]
        for name in COUNT_FIELDS:
            checks += self._count(name)[1]
        cached, prompt = self._count("cached_prompt_tokens")[0], self._count("prompt_tokens")[0]
        if cached != "NULL":
            checks.append((f"{cached} > {prompt}", _lit("cached_prompt_tokens > prompt_tokens")))
        for stem in ("ttft", "tpot", "e2e"):
            checks += self._duration(stem)[1]
        checks += self._gaps()[1]
        ttft, e2e = self._duration("ttft")[0], self._duration("e2e")[0]
        if "NULL" not in (ttft, e2e):
            checks.append((f"{ttft} > {e2e}", _lit("ttft_ms > e2e_ms")))
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
                    f"{_raw('status', t)} IS NOT NULL AND {self._status()} IS NULL",
                    f"{_lit('unknown status ')} || {_quoted('status', t)}",
                )
            )
        checks += self._prefix()[1]
        return checks

    def _count(self, name: str) -> tuple[str, list[tuple[str, str]]]:
        t, fill = self.types, self.ctx.prompt_tokens if name == "prompt_tokens" else None
        if name not in t:
            if fill is not None:
                return str(int(fill)), []
            missing = ("true", _lit(f"missing {name}: map a column with --map {name}=COLUMN"))
            return "NULL", [missing] if name != "cached_prompt_tokens" else []
        raw = _raw(name, t)
        if fill is not None:
            given = raw if _base(t[name]) in NUMERIC_TYPES else f"CAST({raw} AS VARCHAR)"
            value = int(fill) if given == raw else _lit(str(int(fill)))
            raw = f"coalesce({given}, {value})"
            if "prompt_tokens_estimated" in t:  # a count given on the command line beats an estimate
                raw = f"CASE WHEN {_q('prompt_tokens_estimated')} THEN {value} ELSE {raw} END"
        required = [(f"{raw} IS NULL", _lit(f"missing {name}"))] if name != "cached_prompt_tokens" else []
        if _base(t[name]) in INTEGER_TYPES:  # a typed integer column can only be negative or too big
            return f"TRY_CAST({raw} AS BIGINT)", required + [
                (f"{raw} < 0", f"{_lit(name + ' is negative: ')} || {_quoted(name, t)}"),
                (f"{raw} > {2**31}", f"{_lit(name + ' is implausibly large: ')} || {_quoted(name, t)}"),
            ]
        x = self._p(f"__x_{name}", f"TRY_CAST({raw} AS DOUBLE)")
        return f"TRY_CAST({x} AS BIGINT)", required + [
            (f"{raw} IS NOT NULL AND {x} IS NULL", f"{_lit(name + ' is not a number: ')} || {_quoted(name, t)}"),
            (f"isnan({x}) OR isinf({x})", _lit(f"{name} is not finite")),
            (f"{x} < 0", f"{_lit(name + ' is negative: ')} || {_quoted(name, t)}"),
            (f"{x} <> floor({x})", f"{_lit(name + ' is not an integer: ')} || {_quoted(name, t)}"),
            (f"{x} > {2**31}", f"{_lit(name + ' is implausibly large: ')} || {_quoted(name, t)}"),
        ]

    def _duration(self, stem: str) -> tuple[str, list[tuple[str, str]]]:
        t = self.types
        for unit, scale in UNIT_SCALE_TO_MS.items():
            name = f"{stem}_{unit}"
            if name not in t:
                continue
            raw = _raw(name, t)
            x = (
                f"CAST({raw} AS DOUBLE)"
                if _base(t[name]) in NUMERIC_TYPES
                else self._p(f"__x_{name}", f"TRY_CAST({raw} AS DOUBLE)")
            )
            checks = (
                []
                if _base(t[name]) in NUMERIC_TYPES
                else [
                    (f"{raw} IS NOT NULL AND {x} IS NULL", f"{_lit(name + ' is not a number: ')} || {_quoted(name, t)}")
                ]
            )
            checks += [
                (f"isinf({x})", _lit(f"{name} is not finite")),
                (f"{x} < 0", f"{_lit(name + ' is negative: ')} || {_quoted(name, t)}"),
            ]
            return f"CASE WHEN isnan({x}) THEN NULL ELSE {x} * {scale!r} END", checks
        return "NULL", []

    def _gaps(self) -> tuple[str | None, list[tuple[str, str]]]:
        """`itl_ms_list`: gaps between consecutive output tokens, ms; element i is token i+1's gap."""
        t = self.types
        if "itl_ms_list" not in t:
            return None, []
        col = _q("itl_ms_list")
        if not _number_list(t["itl_ms_list"]):
            return None, [(f"{col} IS NOT NULL", _lit("itl_ms_list is not a list of numbers"))]
        gaps = f"CAST({col} AS DOUBLE[])"
        bad = f"list_bool_or(list_transform({gaps}, lambda x: x IS NULL OR isnan(x) OR isinf(x) OR x < 0))"
        return gaps, [(bad, _lit("itl_ms_list has a negative, missing or non-finite gap"))]

    def _prefix(self) -> tuple[str, list[tuple[str, str]]]:
        t = self.types
        if "prefix_block_ids" not in t:
            return "CAST(NULL AS BIGINT[])", []
        col = _q("prefix_block_ids")
        if _int_list(t["prefix_block_ids"]):
            return f"CAST({col} AS BIGINT[])", []
        return "CAST(NULL AS BIGINT[])", [(f"{col} IS NOT NULL", _lit("prefix_block_ids is not a list of integers"))]

    def _arrival(self) -> tuple[str, list[tuple[str, str]]]:
        t, facts = self.types, self.facts
        anchor_us = round(self.ctx.anchor.timestamp() * 1e6)
        name = _arrival_field(t)
        if name is None:
            return f"make_timestamptz({anchor_us})", []
        if name != "arrival_ts" or (facts.numeric and facts.biggest < EPOCH_S_MIN and not _temporal(t[name])):
            return self._offset(name, anchor_us)
        col = _q(name)
        base = _base(t[name])
        if base == "TIMESTAMP WITH TIME ZONE":
            value = col
        elif _temporal(t[name]):
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
            value = self._p(
                "__arrival",
                f"TRY_CAST(CASE WHEN {text} LIKE ' %' OR {text} LIKE '% ' "
                f"THEN trim({text}) ELSE {text} END AS TIMESTAMPTZ)",
            )
        return value, [
            (f"{col} IS NULL", _lit("missing arrival timestamp")),
            (f"{value} IS NULL", f"{_lit('unparsable arrival timestamp: ')} || {_quoted(name, t)}"),
        ]

    def _offset(self, name: str, anchor_us: int) -> tuple[str, list[tuple[str, str]]]:
        scale = dict(OFFSET_FIELDS).get(name, 1.0)
        col = _q(name)
        seconds = self._p("__seconds", f"(TRY_CAST({col} AS DOUBLE) * {scale!r} - {self.facts.origin_s!r})")
        micros = f"round({seconds} * 1e6)"
        ok = f"abs({micros}) < 4e15"  # within ~127 years of the anchor
        value = f"CASE WHEN {ok} THEN make_timestamptz({anchor_us} + CAST({micros} AS BIGINT)) END"
        return value, [
            (f"{col} IS NULL", _lit("missing arrival timestamp")),
            (
                f"{seconds} IS NULL OR isnan({seconds}) OR NOT ({ok})",
                f"{_lit(f'unparsable arrival offset {name}: ')} || {_quoted(name, self.types)}",
            ),
        ]

    def _status(self) -> str:
        """Canonical status (NULL: unknown), computed once a row: a known word as written maps
        directly; other spellings are trimmed and lower-cased, then read as a word or an HTTP code."""
        t = self.types
        if "status" not in t:
            return "NULL"
        raw = f"CAST({_raw('status', t)} AS VARCHAR)"
        # a CASE, not `raw IN (...)`: DuckDB plans a long IN list as a hash join
        whens = " ".join(f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in STATUS_WORDS.items())
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
        return self._p("__status", f"CASE {raw} {whens} ELSE coalesce(CASE {text} {whens} END, {http}) END")

    def _short_text(self, name: str) -> str:
        """Trimmed text, '' -> NULL, at most MAX_VALUE_CHARS characters."""
        if name not in self.types:
            return "NULL"
        text = f"CAST({_raw(name, self.types)} AS VARCHAR)"
        # the full trim only where an edge is whitespace or the text is long: most values are clean
        odd = f"strlen({text}) > {MAX_VALUE_CHARS} OR ascii({text}) <= 32 OR ascii(right({text}, 1)) <= 32"
        full = f"left(nullif(trim({text}, {WHITESPACE}), ''), {MAX_VALUE_CHARS})"
        return self._p(f"__t_{name}", f"CASE WHEN {odd} THEN {full} ELSE nullif({text}, '') END")

    def _id(self) -> str:
        """Ids are nearly all distinct: only '' -> NULL and the length cap (no trimming)."""
        if "request_id" not in self.types:
            return "NULL"
        text = f"CAST({_raw('request_id', self.types)} AS VARCHAR)"
        return self._p(
            "__id",
            f"CASE WHEN {text} = '' THEN NULL WHEN strlen({text}) > {MAX_VALUE_CHARS} "
            f"THEN left({text}, {MAX_VALUE_CHARS}) ELSE {text} END",
        )


def _arrival_field(types: dict[str, str]) -> str | None:
    for name, _ in OFFSET_FIELDS:
        if name in types:
            return name
    return "arrival_ts" if "arrival_ts" in types else None


def _raw(name: str, t: dict[str, str]) -> str:
    """The raw value; nested values where a scalar belongs (malformed records) become JSON text."""
    col = _q(name)
    if (
        _nested(t[name])
        and not (name == "prefix_block_ids" and _int_list(t[name]))
        and not (name == "itl_ms_list" and _number_list(t[name]))
    ):
        return f"CAST(to_json({col}) AS VARCHAR)"
    return col


def _text(name: str, t: dict[str, str]) -> str:
    """A raw value as text for field_values: id and gap lists joined by ',', at most MAX_VALUE_CHARS."""
    raw = _raw(name, t)
    text = f"array_to_string({raw}, ',')" if raw == _q(name) and _nested(t[name]) else f"CAST({raw} AS VARCHAR)"
    return f"left({text}, {MAX_VALUE_CHARS})"


def _quoted(name: str, t: dict[str, str]) -> str:
    return f"'''' || left(CAST({_raw(name, t)} AS VARCHAR), {MAX_VALUE_CHARS}) || ''''"


def _base(type_: str) -> str:
    return type_.upper()


def _temporal(type_: str) -> bool:
    base = _base(type_)
    return base.startswith("TIMESTAMP") or base == "DATE"


def _nested(type_: str) -> bool:
    base = _base(type_)
    return base.endswith("]") or base.startswith(("STRUCT", "MAP", "UNION"))


def _int_list(type_: str) -> bool:
    base = _base(type_)
    return base.endswith("[]") and (base[:-2] in INTEGER_TYPES or base[:-2] == '"NULL"')


def _number_list(type_: str) -> bool:
    base = _base(type_)
    return base.endswith("[]") and (base[:-2] in NUMERIC_TYPES - {"BOOLEAN"} or base[:-2] == '"NULL"')


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


__all__ = ["ArrivalFacts", "Context", "Normalizer", "STATUSES", "arrival_facts", "arrival_facts_sql"]
