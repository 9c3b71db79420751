"""The mining SQL on Spark: one definition, transpiled (DuckDB SQL -> Spark SQL) at run time.

Why this way: the mining metrics are defined once, in `sql/mine_*.sql` and the DuckDB macros of the
migrations (`tf_scope`, `tf_how_cell`, `tf_quantile_cont_counts`, `tf_length_lists`, ...). A second hand-written copy
for Spark (SQL or dataframe code) would drift; an ibis rewrite would replace SQL that is tested,
benchmarked and documented column by column. So `to_spark(name)` reads the same file DuckDB runs,
expands every macro call with the macro's body from the migrations (the last `CREATE [OR REPLACE]
MACRO` wins, as in the database), and lets sqlglot (read="duckdb", write="spark") transpile it;
the few places where sqlglot's output differs in meaning on Spark are rewritten on the syntax tree,
generically (no per-query edits), each listed in `_rewrite`:

- `quantile_cont(x, p)` -> Spark's `percentile(x, p)`: exact, linear interpolation between the
  closest ranks, the same definition (no approximation: `percentile_approx` is never used);
  tests/test_warehouse_spark.py measures the largest relative difference (float rounding only).
- `list(v ORDER BY k)` -> `transform(array_sort(collect_list(struct(k, v))), s -> s.v)`
  (Spark's collect_list has no ORDER BY; sqlglot drops it).
- `x[i]` (1-based, negative from the end) -> `element_at(x, i)` (same convention).
- `len(list)` -> `size(list)`: the mining SQL calls len() on lists only.
- `epoch(ts)`, `epoch_us(ts)`, `to_timestamp(s)` -> `unix_micros(ts) / 1e6`, `unix_micros(ts)`,
  `timestamp_seconds(s)` (sqlglot's unix_timestamp/from_unixtime drop the fraction of a second).
- decimal literals (`60.0`) -> DOUBLE: DuckDB divides DECIMALs in DOUBLE, Spark in DECIMAL with
  a bounded scale (which would round rates to 6 digits).
- `any_value(x) IGNORE NULLS` -> `any_value(x, true)`; `CAST(unnest(list) AS T)` ->
  `explode(transform(list, e -> CAST(e AS T)))` (Spark allows no generator inside an expression);
  `AS NOT MATERIALIZED` dropped; `query_table('name')` (a table macro's table argument) -> `name`.

The Spark session must run with `spark.sql.ansi.enabled=false` (DuckDB's x/0 is NULL) and the UTC
session time zone (warehouse/spark.py sets both). Bound `$name` values become Spark's `:name`
parameter markers: values are always bound, never pasted into the text.
"""

from functools import cache

import sqlglot
from sqlglot import exp

from warehouse.db import migrations
from warehouse.query import sql_text


class DialectError(Exception):
    """A DuckDB construct in the mining SQL that the Spark transpiler does not handle."""


@cache
def macros() -> dict[str, tuple[list[str], exp.Expression, bool]]:
    """name -> (parameter names, body, is_table) of every DuckDB macro the migrations define."""
    found = {}
    for _, _, path in migrations():
        for statement in sqlglot.parse(path.read_text(), read="duckdb"):
            if isinstance(statement, exp.Create) and statement.args.get("kind") == "MACRO":
                udf = statement.this
                params = [p.name for p in udf.expressions]
                body = statement.expression
                found[udf.this.name.lower()] = (params, body, isinstance(body, exp.Query))
    return found


def expand_macros(tree: exp.Expression) -> exp.Expression:
    """Replace macro calls (scalar and table) by their bodies, repeatedly (macros call macros)."""
    defined = macros()
    for _ in range(10):
        changed = False

        def expand(node: exp.Expression) -> exp.Expression:
            nonlocal changed
            call = node.this if isinstance(node, exp.Table) else node
            if not isinstance(call, exp.Anonymous) or call.name.lower() not in defined:
                return node
            params, body, is_table = defined[call.name.lower()]
            if len(params) != len(call.expressions):
                raise DialectError(f"macro {call.name} takes {len(params)} arguments, got {len(call.expressions)}")
            changed = True
            bound = _substitute(body.copy(), dict(zip(params, call.expressions, strict=True)))
            if isinstance(node, exp.Table) and is_table:
                return exp.Subquery(this=bound, alias=node.args.get("alias"))
            return exp.Paren(this=bound)

        tree = tree.transform(expand)
        if not changed:
            return tree
    raise DialectError("macro expansion did not finish after 10 rounds (recursive macro?)")


def _substitute(body: exp.Expression, args: dict[str, exp.Expression]) -> exp.Expression:
    def put(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table and node.name in args:
            return exp.Paren(this=args[node.name].copy())
        return node

    return body.transform(put)


def _double(node: exp.Expression) -> exp.Expression:
    return exp.Cast(this=node, to=exp.DataType.build("DOUBLE"))


def _rewrite(node: exp.Expression) -> exp.Expression:
    """DuckDB-meaning-preserving rewrites for Spark (see the module docstring)."""
    if isinstance(node, exp.PercentileCont):
        return exp.Anonymous(this="PERCENTILE", expressions=[node.this, node.expression])
    if isinstance(node, exp.ArrayAgg) and isinstance(node.this, exp.Order):
        order = node.this
        keys = [o.this for o in order.expressions]
        if any(o.args.get("desc") for o in order.expressions):
            raise DialectError("list(... ORDER BY ... DESC) is not handled")
        fields = [exp.PropertyEQ(this=exp.to_identifier(f"k{i}"), expression=k.copy()) for i, k in enumerate(keys)]
        fields.append(exp.PropertyEQ(this=exp.to_identifier("v"), expression=order.this.copy()))
        collected = exp.Anonymous(this="COLLECT_LIST", expressions=[exp.Struct(expressions=fields)])
        sorted_ = exp.Anonymous(this="ARRAY_SORT", expressions=[collected])
        pick = exp.Lambda(
            this=exp.Dot(this=exp.to_identifier("s"), expression=exp.to_identifier("v")),
            expressions=[exp.to_identifier("s")],
        )
        return exp.Anonymous(this="TRANSFORM", expressions=[sorted_, pick])
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
        # sqlglot holds the index 0-based (DuckDB's i as i - 1, -1 as -2): element_at takes DuckDB's i
        index = exp.Add(this=node.expressions[0].copy(), expression=exp.Literal.number(1))
        return exp.Anonymous(this="ELEMENT_AT", expressions=[node.this, _fold(index)])
    if isinstance(node, exp.Length):
        return exp.Anonymous(this="SIZE", expressions=[node.this])
    if isinstance(node, exp.TimeToUnix):
        return exp.Div(
            this=exp.Anonymous(this="UNIX_MICROS", expressions=[node.this]),
            expression=_double(exp.Literal.number(1_000_000)),
        )
    if isinstance(node, exp.Anonymous) and node.name.lower() == "epoch_us":
        return exp.Anonymous(this="UNIX_MICROS", expressions=node.expressions)
    if isinstance(node, exp.UnixToTime):
        if node.args.get("scale") or node.args.get("format"):
            raise DialectError("to_timestamp with a scale or format is not handled")
        return exp.Anonymous(this="TIMESTAMP_SECONDS", expressions=[node.this])
    if isinstance(node, exp.Literal) and not node.is_string and any(c in node.this for c in ".eE"):
        return _double(node.copy())
    if isinstance(node, exp.IgnoreNulls) and isinstance(node.this, exp.AnyValue):
        return exp.Anonymous(this="ANY_VALUE", expressions=[node.this.this, exp.true()])
    if isinstance(node, exp.Cast) and isinstance(node.this, exp.Explode):
        element = exp.to_identifier("e")
        cast = exp.Lambda(this=exp.Cast(this=element.copy(), to=node.to), expressions=[element])
        return exp.Explode(this=exp.Anonymous(this="TRANSFORM", expressions=[node.this.this, cast]))
    if isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous) and node.this.name.lower() == "query_table":
        name = node.this.expressions[0].unnest() if len(node.this.expressions) == 1 else None
        if name is None or not name.is_string:
            raise DialectError("query_table takes one table name as a string literal")
        return exp.Table(this=exp.to_identifier(name.name), alias=node.args.get("alias"))
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node.set("materialized", None)
    return node


def _fold(index: exp.Add) -> exp.Expression:
    left = index.this
    value = _int(left)
    if value is not None:
        return exp.Literal.number(value + 1)
    if isinstance(left, exp.Add) and _int(left.expression) == 0:
        return exp.Add(this=left.this, expression=exp.Literal.number(1))
    return index


def _int(node: exp.Expression) -> int | None:
    if isinstance(node, exp.Neg):
        inner = _int(node.this)
        return None if inner is None else -inner
    return int(node.name) if isinstance(node, exp.Literal) and node.is_int else None


def _bottom_up(tree: exp.Expression, fn) -> exp.Expression:
    """Apply `fn` to every node, children before parents (sqlglot's transform skips the children of
    a node it replaced)."""
    for node in reversed(list(tree.dfs())):
        new = fn(node)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return tree


def transpile(text: str) -> str:
    """DuckDB SQL text (one statement, macros allowed) -> Spark SQL text."""
    tree = sqlglot.parse_one(text, read="duckdb")
    tree = _bottom_up(expand_macros(tree), _rewrite)
    return tree.sql(dialect="spark", comments=False)


@cache
def to_spark(name: str) -> str:
    """`sql/<name>.sql` as Spark SQL."""
    return transpile(sql_text(name))


def used_tables(text: str) -> set[str]:
    """Tables a Spark SQL text reads (after macro expansion), lower-case, CTE names excluded."""
    tree = sqlglot.parse_one(text, read="spark")
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    return {t.name.lower() for t in tree.find_all(exp.Table) if t.name and t.name.lower() not in ctes}
