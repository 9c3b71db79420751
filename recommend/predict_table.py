"""Evaluate many configurations: one dict per row in, one result dict per row out.

A row with a `batch` is a static batch (predict_static); one with `clients` instead is a closed loop of that
many clients (predict_serving.predict_closed_loop); with a `num_prompts` too, what `vllm bench serve` /
`sglang.bench_serving --max-concurrency clients --num-prompts P` report (an optional `client` column, vllm or
sglang, says whose random dataset the prompts follow); one with `rate` instead, requests arriving at that many a
second (`inf`: all at once), `num_prompts` of them (predict_rate.predict_rate). An optional `identical_prompts` column
(true/false) says a static batch copies one prompt and decodes greedily, as some benchmark harnesses do
(predict_static).
"""

import csv
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from profiles import Engine, ProfilesError
from recommend.deployment import deployment
from recommend.errors import RecommendError
from recommend.predict import predict_static
from recommend.predict_rate import DEFAULT_PROMPTS, predict_rate
from recommend.predict_serving import predict_closed_loop

DEFAULTS = {
    "tp": "1",
    "weights": "bf16",
    "kv": "bf16",
    "engine": "vllm",
    "ep": "",
    "identical_prompts": "",
    "num_prompts": "",
    "client": "vllm",
}
TRUE = ("1", "true", "yes", "ep")  # values of an `ep` or `identical_prompts` column that mean yes
REQUIRED = ("model", "gpu", "isl", "osl")  # and one of batch / clients / rate
LOADS = ("batch", "clients", "rate")


def predict_row(row: dict, engines: Mapping[str, Engine] | None = None) -> dict:
    """Prediction keys for one row (columns named like the CLI flags); raises on a bad row.
    `engines` replaces catalog engines by name (what bench/predict_accuracy.py's refits use)."""
    cfg = {k: (row.get(k) or DEFAULTS.get(k) or "") for k in (*REQUIRED, *LOADS, *DEFAULTS)}
    missing = [k for k in REQUIRED if not str(cfg[k]).strip()]
    load = [k for k in LOADS if str(cfg[k]).strip()]
    if len(load) != 1:
        missing.append("batch, clients or rate (one of them)")
    if missing:
        raise RecommendError(f"missing column(s) {', '.join(missing)}")
    dep = deployment(
        model=cfg["model"],
        gpu=cfg["gpu"],
        tp=int(cfg["tp"]),
        weights=cfg["weights"],
        kv=cfg["kv"],
        engine=cfg["engine"],
        ep=_yes(cfg["ep"]),
    ).with_engine_from(engines)
    isl, osl = int(cfg["isl"]), int(cfg["osl"])
    identical = _yes(cfg["identical_prompts"])
    prompts = str(cfg["num_prompts"]).strip()
    if identical and load != ["batch"]:
        raise RecommendError(f"identical_prompts applies to a static batch (batch), not to {load[0]}")
    if load == ["rate"]:
        return predict_rate(
            dep,
            rate_s=float(cfg["rate"]),
            isl=isl,
            osl=osl,
            prompts=int(prompts) if prompts else DEFAULT_PROMPTS,
            client=str(cfg["client"]).strip().lower(),
        ).to_dict()
    if load == ["clients"]:
        return predict_closed_loop(
            dep,
            clients=int(cfg["clients"]),
            isl=isl,
            osl=osl,
            prompts=int(prompts) if prompts else None,
            client=str(cfg["client"]).strip().lower(),
        ).to_dict()
    if prompts:
        raise RecommendError("num_prompts applies to clients (a vllm bench serve run), not to a static batch")
    return predict_static(dep, batch=int(cfg["batch"]), isl=isl, osl=osl, identical_prompts=identical).to_dict()


def _yes(value) -> bool:
    return str(value).strip().lower() in TRUE


def predict_rows(rows: Iterable[dict], engines: Mapping[str, Engine] | None = None) -> Iterator[dict]:
    """The row's own columns plus prediction keys, or plus `error` when the row cannot be evaluated.

    A row column whose name clashes with a prediction key (e.g. a measured `e2e_s`) is kept as `row_<name>`.
    """
    for row in rows:
        try:
            result = predict_row(row, engines)
        except (ProfilesError, RecommendError, ValueError) as exc:
            yield {**row, "error": str(exc)}
            continue
        own = {(f"row_{k}" if k in result else k): v for k, v in row.items()}
        yield {**own, **result}


def read_table(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return [{k.strip(): (v or "").strip() for k, v in r.items() if k} for r in csv.DictReader(f)]
