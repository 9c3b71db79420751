"""SQL fragments over the raw relation's columns, by their DuckDB type: identifiers, literals, type
tests and a raw value as text. Names are the caller's (raw field names), quoted, never pasted."""

MAX_VALUE_CHARS = 200
WHITESPACE = "' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)"  # what polars' strip_chars() strips
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


def raw_value(name: str, t: dict[str, str]) -> str:
    """The raw value; nested values where a scalar belongs (malformed records) become JSON text."""
    col = ident(name)
    if (
        is_nested(t[name])
        and not (name == "prefix_block_ids" and is_int_list(t[name]))
        and not (name == "itl_ms_list" and is_number_list(t[name]))
    ):
        return f"CAST(to_json({col}) AS VARCHAR)"
    return col


def as_text(name: str, t: dict[str, str]) -> str:
    """A raw value as text for field_values: id and gap lists joined by ',', at most MAX_VALUE_CHARS."""
    raw = raw_value(name, t)
    text = f"array_to_string({raw}, ',')" if raw == ident(name) and is_nested(t[name]) else f"CAST({raw} AS VARCHAR)"
    return f"left({text}, {MAX_VALUE_CHARS})"


def quoted(name: str, t: dict[str, str]) -> str:
    return f"'''' || left(CAST({raw_value(name, t)} AS VARCHAR), {MAX_VALUE_CHARS}) || ''''"


def base_type(type_: str) -> str:
    return type_.upper()


def is_temporal(type_: str) -> bool:
    base = base_type(type_)
    return base.startswith("TIMESTAMP") or base == "DATE"


def is_nested(type_: str) -> bool:
    base = base_type(type_)
    return base.endswith("]") or base.startswith(("STRUCT", "MAP", "UNION"))


def is_int_list(type_: str) -> bool:
    base = base_type(type_)
    return base.endswith("[]") and (base[:-2] in INTEGER_TYPES or base[:-2] == '"NULL"')


def is_number_list(type_: str) -> bool:
    base = base_type(type_)
    return base.endswith("[]") and (base[:-2] in NUMERIC_TYPES - {"BOOLEAN"} or base[:-2] == '"NULL"')


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"
