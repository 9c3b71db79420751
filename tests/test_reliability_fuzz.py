"""Fuzz every reader: one seed file per format in FORMATS, mutated by hypothesis.

Mutations: truncation, re-encoding (latin-1, UTF-16), invalid UTF-8 bytes, a value of another
type, a multi-megabyte value, deep nesting and huge arrays. The oracle (`check_ingest`, through
the CLI): ingest never raises; a file that cannot be read or whose every row is rejected is
`failed` with exit 2, its message names the file, and nothing is stored; a `loaded` file exits 0
(`truncated`, cut mid-line: 2), holds a request (or no rows at all) and accounts for every row
(read = loaded + rejected + duplicate = what is stored); ingest_runs records the same status.
"""

import json
import random
from types import SimpleNamespace

import polars as pl
import pytest
from click.testing import CliRunner
from formats_fixtures import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import warehouse
from ingest.formats import FORMATS
from tracefit.cli import cli

# format -> (file name, seed text); the nested/gateway formats use the hand-written fixtures.
SEEDS = {
    "azure": (
        "azure.csv",
        "TIMESTAMP,ContextTokens,GeneratedTokens\n"
        "2023-11-16 18:15:46.6805900,374,44\n2023-11-16 18:15:50.9951690,396,109\n",
    ),
    "mooncake": (
        "trace.jsonl",
        '{"timestamp": 0, "input_length": 6955, "output_length": 52, "hash_ids": [0, 1]}\n'
        '{"timestamp": 27, "input_length": 1024, "output_length": 8, "hash_ids": [0, 2]}\n',
    ),
    "burstgpt": (
        "burst.csv",
        "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
        "5,ChatGPT,472,18,490,Conversation log\n45,GPT-4,1087,0,1087,Conversation log\n",
    ),
    "llmperf": (
        "llama_individual_responses.json",
        '[{"error_code": null, "ttft_s": 0.12, "inter_token_latency_s": 0.02, '
        '"end_to_end_latency_s": 1.5, "number_input_tokens": 512, "number_output_tokens": 64},'
        '{"error_code": 500, "ttft_s": 0, "inter_token_latency_s": 0, '
        '"end_to_end_latency_s": 0.1, "number_input_tokens": 300, "number_output_tokens": 0}]',
    ),
    "aibrix": (
        "output.jsonl",
        '{"input": "SECRET", "output": "SECRET", "prompt_tokens": 10, "output_tokens": 5, '
        '"start_time": 100.5, "end_time": 101.0, "latency": 0.5, "throughput": 10.0, '
        '"ttft": 0.1, "tpot": 0.08}\n',
    ),
    # the shapes of the real captures in tests/fixtures/real (one answered request, one HTTP 400)
    "inference-perf": (
        "per_request_lifecycle_metrics.json",
        '[{"start_time": 11605.1, "end_time": 11605.5, "info": {"request_metrics": {"text": {"input_tokens": 40}}, '
        '"response_metrics": {"output_tokens": 3, "output_token_times": [11605.13, 11605.14, 11605.15]}}, '
        '"error": null}, {"start_time": 11605.2, "end_time": 11605.21, "info": {"request_metrics": {"text": '
        '{"input_tokens": 0}}, "response_metrics": null}, "error": {"error_type": "HTTP Error 400", "error_msg": "x"}}]',
    ),
    "genai-bench": (
        "D100_100_text-to-text_num_concurrency_2_time_4s.json",
        '{"aggregated_metrics": {"num_concurrency": 2}, "_time_unit": "s", "individual_request_metrics": ['
        '{"ttft": 0.027, "tpot": 0.0099, "e2e_latency": 0.266, "num_input_tokens": 18, "num_output_tokens": 25, '
        '"error_code": null, "error_message": null}, {"ttft": null, "tpot": null, "e2e_latency": null, '
        '"num_input_tokens": null, "num_output_tokens": null, "error_code": 400, "error_message": "x"}]}',
    ),
    "generic": (
        "requests.csv",
        "request_id,timestamp,model,tenant,prompt_tokens,output_tokens,ttft_ms,status\n"
        "a,2025-01-01T00:00:00Z,m,t1,100,20,35.5,ok\nb,2025-01-01T00:00:01Z,m,t2,80,5,,429\n",
    ),
}
FIXTURE_OF = {
    "genai-perf": "genai_perf_profile_export.json",
    "aiperf": "aiperf_profile_export.jsonl",
    "vllm-bench": "vllm_bench_detailed.json",
    "sglang-bench": "sglang_bench_details.jsonl",
    "guidellm": "guidellm_benchmarks.json",
    "otel-genai": "otel_genai_spans.json",
    "litellm": "litellm_spend_logs.csv",
    "openai-usage": "openai_usage.jsonl",
}
OPTIONS = {"genai-perf": {"prompt_tokens": 128}}  # its export has no prompt token counts
MB = 1 << 20


def seed(fmt: str) -> tuple[str, bytes]:
    if fmt in FIXTURE_OF:
        return FIXTURE_OF[fmt], (FIXTURES / FIXTURE_OF[fmt]).read_bytes()
    name, text = SEEDS[fmt]
    return name, text.encode()


def test_every_format_has_a_seed():
    assert set(FORMATS) == set(SEEDS) | set(FIXTURE_OF)


# ---- mutations: each takes (bytes, rng) -> bytes ---------------------------------------------


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data))]


def latin1(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8").replace("a", "\u00e9", 3)
    return text.encode("latin-1", errors="replace")


def utf16(data: bytes, rng: random.Random) -> bytes:
    return data.decode("utf-8").encode(rng.choice(["utf-16", "utf-16-le", "utf-8-sig"]))


def invalid_utf8(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 5)):
        out.insert(rng.randrange(len(out) + 1), rng.choice([0x80, 0xC3, 0xFF, 0xFE, 0xED]))
    return bytes(out)


def _json_leaves(doc, path=()):
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _json_leaves(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _json_leaves(v, (*path, i))
    yield path


def _replace(doc, path, value):
    if not path:
        return value
    doc[path[0]] = _replace(doc[path[0]], path[1:], value)
    return doc


def _loads(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return text  # a line the fixture breaks on purpose: kept as it is


def _structured(data: bytes, rng: random.Random, make) -> bytes:
    """Replace one value (a JSON leaf or branch, or a CSV cell) by `make(rng)`."""
    text = data.decode("utf-8")
    if text.lstrip()[:1] in ("{", "["):
        whole = _loads(text)
        docs = [whole] if whole is not text else [_loads(ln) for ln in text.splitlines() if ln.strip()]
        k = rng.choice([i for i, d in enumerate(docs) if not isinstance(d, str)])
        docs[k] = _replace(docs[k], rng.choice(list(_json_leaves(docs[k]))), make(rng))
        lines = [d if isinstance(d, str) else json.dumps(d) for d in docs]
        return ("\n".join(lines) + "\n").encode()
    lines = text.splitlines()  # CSV: replace one cell (quoted, so commas inside are fine)
    i = rng.randrange(1, len(lines))
    cells = lines[i].split(",")
    cells[rng.randrange(len(cells))] = '"' + json.dumps(make(rng)).replace('"', '""') + '"'
    lines[i] = ",".join(cells)
    return ("\n".join(lines) + "\n").encode()


def _other_type(rng):
    return rng.choice([None, True, "12", "x", -1, 1e308, [], {}, [1, "a"], {"a": [None]}, 2**70])


def _huge(rng):
    return rng.choice(["7" * MB, "x" * (2 * MB), [1.5] * 100_000])


def _deep(rng):
    value = [1]
    for _ in range(rng.choice([50, 500])):
        value = {"a": value} if rng.random() < 0.5 else [value]
    return value


def mixed_type(data, rng):
    return _structured(data, rng, _other_type)


def huge_field(data, rng):
    return _structured(data, rng, _huge)


def deep_nesting(data, rng):
    return _structured(data, rng, _deep)


def huge_array(data, rng):
    return _structured(data, rng, lambda r: list(range(r.choice([10_000, 300_000]))))


MUTATIONS = [truncate, latin1, utf16, invalid_utf8, mixed_type, huge_field, deep_nesting, huge_array]


def check_ingest(path, **options):
    """The oracle, through the CLI as a user runs it: never raises; a file that gives no request
    (unreadable, or every row rejected) is `failed` with exit 2, names the file and stores
    nothing; a `loaded` file exits 0, loads a request (or holds no rows at all) and conserves rows."""
    db = path.parent / f"{path.name}.duckdb"
    db.unlink(missing_ok=True)
    args = ["ingest", str(path), "--db", str(db), "--json", "--source", "fuzz"]
    for name, value in options.items():
        args += [f"--{name.replace('_', '-')}", str(value)]
    run = CliRunner().invoke(cli, args, catch_exceptions=False)
    (result,) = json.loads(run.stdout)["files"]
    with warehouse.connect(db) as con:
        stored = con.execute("SELECT (SELECT count(*) FROM requests), (SELECT count(*) FROM rejected_rows)").fetchall()[
            0
        ]
        runs = [status for (status,) in con.execute("SELECT status FROM ingest_runs").fetchall()]
    assert result["rows_read"] == result["rows_loaded"] + result["rows_rejected"] + result["rows_duplicate"]
    if result["status"] == "failed":
        assert run.exit_code == 2, result
        assert str(path) in result["message"] and "Traceback" not in result["message"]
        assert stored == (0, 0) and result["rows_loaded"] == 0
        assert runs in ([], ["failed"])  # unreadable: no run; every row rejected: a failed run, not ingested
    else:  # a file cut mid-line loads its complete lines, and exits 2 (no --allow-truncated here)
        assert (run.exit_code, result["status"]) in ((0, "loaded"), (2, "truncated")), result
        assert result["rows_loaded"] + result["rows_duplicate"] > 0 or result["rows_read"] == 0, result
        assert stored == (result["rows_loaded"], result["rows_rejected"])
        assert runs == [result["status"]]  # the warehouse records what the command said
    return SimpleNamespace(**result)


SETTINGS = settings(
    max_examples=6,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", sorted(FORMATS))
@SETTINGS
@given(mutations=st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=2), seed_=st.integers(0, 2**32))
def test_fuzz_reader(tmp_path_factory, fmt, mutations, seed_):
    name, data = seed(fmt)
    rng = random.Random(seed_)
    for mutate in mutations:
        try:
            data = mutate(data, rng)
        except (UnicodeDecodeError, ValueError, IndexError):
            continue  # a structural mutation of an already-broken file: keep the bytes as they are
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_bytes(data)
    check_ingest(path)  # auto-detect on the mangled file
    check_ingest(path, format=fmt, **OPTIONS.get(fmt, {}))  # and the format the user said it is


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_seed_loads(tmp_path, fmt):
    name, data = seed(fmt)
    (tmp_path / name).write_bytes(data)
    result = check_ingest(tmp_path / name, format=fmt, **OPTIONS.get(fmt, {}))
    assert result.status == "loaded" and result.rows_loaded >= 1, result


@pytest.mark.parametrize("mutate", MUTATIONS, ids=lambda m: m.__name__)
def test_each_mutation_on_generic_csv(tmp_path, mutate):
    name, data = seed("generic")
    path = tmp_path / name
    path.write_bytes(mutate(data, random.Random(1)))
    result = check_ingest(path)
    if mutate is utf16:  # every row unreadable as UTF-8: failed, and the message says how to fix it
        assert result.status == "failed" and "UTF-16" in result.message


def test_parquet_truncated_and_mixed(tmp_path):
    frame = pl.DataFrame(
        {
            "request_id": ["a", "b"],
            "timestamp": ["2025-01-01T00:00:00Z", "soon"],
            "prompt_tokens": ["1", "x" * MB],
            "output_tokens": [1, 2],
        }
    )
    whole = tmp_path / "r.parquet"
    frame.write_parquet(whole)
    result = check_ingest(whole)
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)  # "soon" and the 1 MB count are rejected
    for cut in (4, 100, whole.stat().st_size - 9):
        part = tmp_path / f"cut{cut}.parquet"
        part.write_bytes(whole.read_bytes()[:cut])
        assert check_ingest(part).status == "failed"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("deep.json", b"[" * 100_000 + b"]" * 100_000),
        ("deep_spans.json", b'{"resourceSpans": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
        (
            "deep_line.jsonl",
            b'{"timestamp": 0, "input_length": 1, "output_length": 1}\n'
            + b'{"a": ' * 100_000
            + b"1"
            + b"}" * 100_000
            + b"\n",
        ),
        ("deep_doc.jsonl", b'{"metadata": {}, "metrics": {}}\n' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_000 + b"\n"),
    ],
)
def test_nesting_beyond_the_parser_limit(tmp_path, name, data):
    # found by fuzzing: json raised RecursionError (a traceback) past ~1000 levels
    path = tmp_path / name
    path.write_bytes(data)
    result = check_ingest(path)
    if name == "deep_line.jsonl":  # JSON Lines: the deep line alone is rejected
        assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == ("loaded", 2, 1, 1)
    elif name == "deep_doc.jsonl":  # the deep line and an empty aiperf record: no request, a failed file
        assert result.status == "failed" and "RecursionError" in result.message
    else:
        assert result.status == "failed" and "nested too deeply" in result.message
