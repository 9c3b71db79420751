"""The plan JSON that `tracefit recommend` writes (recommend/plan_doc.py makes it): the one reader and
writer of plan files, and the plan read into the fields exporters and the backtest need (parse_plan:
strict, an incomplete plan is a PlanError) or that the site and the plan table draw (window_views: lenient,
a missing key reads as None).

Shape (issue 6, "Output"; more keys allowed and ignored):
{"model", "gpu", "slo", "windows": [{"window": {"label", "hours": [0..167] | "start"/"end"},
 "traffic": {...}, "config": {"gpu", "tp", "weights", "kv", "max_model_len", "max_num_seqs",
 "max_num_batched_tokens", "replicas"}, ...}], "summary": {...}}
Hour-of-week cells: 0 = Monday 00:00–01:00 UTC … 167 = Sunday 23:00–24:00 UTC.
Replica scaler (recommend/autoscale.py; absent in older plans): plan-level "autoscale" policy and per
window "autoscale": {"min_replicas", "max_replicas", "rps_per_replica"} (and the engine-load keys of
recommend/autoscale.py WindowScaling when the plan scales on load); plans made with --scale-seasonal also
"autoscale" -> "floor" (recommend/seasonal.py SeasonalFloor.to_dict).
"""

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from profiles import CatalogError, get_model
from recommend.autoscale import AutoscalePolicy, WindowScaling
from recommend.errors import RecommendError
from recommend.seasonal import SeasonalFloor

CONFIG_KEYS = ("tp", "weights", "kv", "max_model_len", "max_num_seqs", "max_num_batched_tokens", "replicas")
DEFAULT_GPU_MEMORY_UTILIZATION = 0.90  # vLLM's default; the plan may carry its own


class PlanError(RecommendError):
    """The plan file is missing a key or holds a value an exporter cannot use."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineConfig:
    gpu: str
    tp: int
    weights: str  # bf16 | fp16 | fp8 | int8 | int4
    kv: str  # bf16 | fp16 | fp8
    max_model_len: int  # tokens, prompt + output
    max_num_seqs: int
    max_num_batched_tokens: int  # token budget per step (chunked prefill when < max_model_len)
    replicas: int
    gpu_memory_utilization: float = DEFAULT_GPU_MEMORY_UTILIZATION

    @property
    def chunked_prefill(self) -> bool:
        return self.max_num_batched_tokens < self.max_model_len

    @property
    def gpus(self) -> int:
        return self.tp * self.replicas


@dataclass(frozen=True, slots=True, kw_only=True)
class Window:
    index: int
    label: str
    hours: tuple[int, ...] | None  # hour-of-week cells, or None for a start/end window
    start: datetime | None
    end: datetime | None
    config: EngineConfig
    traffic: dict = field(default_factory=dict)
    scaling: WindowScaling | None = None  # the scaler's replica range; None = config.replicas always
    disagg: dict | None = None  # the window's "disagg" when it runs disaggregated (recommend/disagg/pick.py), else None

    @property
    def slug(self) -> str:
        """File-name and DNS-1123 safe id, unique in a plan: "w00-weekdays-09-18"."""
        words = re.sub(r"[^a-z0-9]+", "-", self.label.lower()).strip("-")[:40].strip("-")
        return f"w{self.index:02d}" + (f"-{words}" if words else "")

    def quantile(self, metric: str, q: str) -> float | None:
        """traffic[metric][q], e.g. ("prompt_tokens", "p95"); None when the plan has no such quantile."""
        value = (self.traffic.get(metric) or {}).get(q) if isinstance(self.traffic.get(metric), dict) else None
        return float(value) if isinstance(value, (int, float)) else None


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    model: str
    gpu: str | None
    slo: dict
    windows: tuple[Window, ...]
    source: str = "plan"
    autoscale: AutoscalePolicy | None = None  # None: fixed replicas per window
    floor: SeasonalFloor | None = None  # the scaler's seasonal floor (recommend/seasonal.py); None: none

    @property
    def scaled(self) -> bool:
        """A measured scaler policy (ratio not null): exporters may write a reactive autoscaler."""
        return self.autoscale is not None and self.autoscale.measured

    def hf_id(self, override: str | None = None) -> str:
        """A Hugging Face id `vllm serve` can load: the override, the plan's id, or the catalog's first id."""
        if override:
            return override
        if "/" in self.model:
            return self.model
        try:
            return get_model(self.model).hf_ids[0]
        except (CatalogError, IndexError):
            return self.model


def read_plan_json(path: str | Path) -> dict:
    """The plan file's JSON object; PlanError when it cannot be read or holds something else."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise PlanError(
            f"{path}: cannot read the plan ({exc}); pass the JSON written by `tracefit recommend --out plan.json`"
        ) from exc
    if not isinstance(data, dict):
        raise PlanError(f"{path}: a plan is a JSON object, this file holds a {type(data).__name__}")
    return data


def write_plan_json(path: str | Path, plan: dict) -> None:
    Path(path).write_text(json.dumps(plan, indent=1) + "\n")


def load_plan(path: str | Path) -> Plan:
    return parse_plan(read_plan_json(path), source=str(path))


def parse_plan(data: dict, *, source: str = "plan") -> Plan:
    obj = _require(data, dict, "the plan", source)
    windows = _require(_key(obj, "windows", "plan", source), list, "plan.windows", source)
    if not windows:
        raise PlanError(f"{source}: plan.windows is empty; nothing to export")
    gpu = obj.get("gpu")
    return Plan(
        model=str(_key(obj, "model", "plan", source)),
        gpu=gpu,
        slo=dict(obj.get("slo") or {}),
        windows=tuple(_window(w, i, gpu, source) for i, w in enumerate(windows)),
        source=source,
        autoscale=_scaler(AutoscalePolicy.from_dict, "plan.autoscale", source, obj.get("autoscale")),
        floor=_scaler(
            SeasonalFloor.from_dict, "plan.autoscale.floor", source, (obj.get("autoscale") or {}).get("floor")
        ),
    )


def _window(raw, i: int, plan_gpu: str | None, source: str) -> Window:
    where = f"windows[{i}]"
    raw = _require(raw, dict, where, source)
    win = _require(_key(raw, "window", where, source), dict, f"{where}.window", source)
    label = str(_key(win, "label", f"{where}.window", source))
    hours, start, end = None, None, None
    if "hours" in win:
        hours = tuple(sorted({_cell(h, f"{where}.window.hours", source) for h in win["hours"]}))
        if not hours:
            raise PlanError(f"{source}: {where}.window.hours is empty")
    elif "start" in win or "end" in win:
        start = _ts(_key(win, "start", f"{where}.window", source), f"{where}.window.start", source)
        end = _ts(_key(win, "end", f"{where}.window", source), f"{where}.window.end", source)
    else:
        raise PlanError(f"{source}: missing key 'hours' (or 'start'/'end') in {where}.window")
    cfg = _require(_key(raw, "config", where, source), dict, f"{where}.config", source)
    values = {k: _key(cfg, k, f"{where}.config", source) for k in CONFIG_KEYS}
    gpu = cfg.get("gpu") or plan_gpu
    if not gpu:
        raise PlanError(f"{source}: missing key 'gpu' in {where}.config (and no plan-level 'gpu')")
    try:
        config = EngineConfig(
            gpu=str(gpu),
            weights=str(values.pop("weights")),
            kv=str(values.pop("kv")),
            **{k: int(v) for k, v in values.items()},
            gpu_memory_utilization=float(cfg.get("gpu_memory_utilization", DEFAULT_GPU_MEMORY_UTILIZATION)),
        )
    except (TypeError, ValueError) as exc:
        raise PlanError(f"{source}: {where}.config has a non-numeric value ({exc})") from exc
    traffic = raw.get("traffic") if isinstance(raw.get("traffic"), dict) else {}
    scaling = _scaler(WindowScaling.from_dict, f"{where}.autoscale", source, raw.get("autoscale"), config.replicas)
    disagg = raw.get("disagg") if raw.get("deployment") == "disaggregated" else None
    return Window(
        index=i,
        label=label,
        hours=hours,
        start=start,
        end=end,
        config=config,
        traffic=traffic,
        scaling=scaling,
        disagg=disagg if isinstance(disagg, dict) else None,
    )


def _scaler(from_dict, where: str, source: str, *args):
    try:
        return from_dict(*args)
    except (AttributeError, KeyError, TypeError, ValueError, RecommendError) as exc:
        raise PlanError(f"{source}: {where} is not a scaler policy ({exc}); re-run `tracefit recommend`") from exc


def _key(obj: dict, key: str, where: str, source: str):
    if key not in obj or obj[key] is None:
        raise PlanError(f"{source}: missing key '{key}' in {where}")
    return obj[key]


def _require(value, kind: type, where: str, source: str):
    if not isinstance(value, kind):
        raise PlanError(f"{source}: {where} must be a JSON {'object' if kind is dict else 'list'}")
    return value


def _cell(value, where: str, source: str) -> int:
    if not isinstance(value, int) or not 0 <= value <= 167:
        raise PlanError(f"{source}: {where} holds {value!r}; cells are integers 0..167 (0 = Monday 00:00 UTC)")
    return value


def _ts(value, where: str, source: str) -> datetime:
    try:
        ts = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise PlanError(f"{source}: {where} is not an ISO-8601 timestamp: {value!r}") from exc
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


# The plan as the site and the plan table read it: lenient, a missing or odd key reads as None (or empty),
# so an incomplete plan is drawn with explanations where parse_plan would reject it.


def quantile(value, q: str = "p95") -> float | None:
    """value[q] as a float, a bare number read as every quantile; None when absent or not a number."""
    if isinstance(value, dict):
        value = value.get(q)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@dataclass(frozen=True, slots=True)
class Priced:
    """A config the plan priced (the window's chosen one or an alternative), read on demand."""

    raw: dict

    @property
    def usd_per_hour(self):
        """cost.usd_per_hour as written; None when absent."""
        return (self.raw.get("cost") or {}).get("usd_per_hour")

    @property
    def predicted(self) -> dict:
        return self.raw.get("predicted") or {}

    def p(self, metric: str, q: str = "p95") -> float | None:
        """predicted[metric][q], e.g. ("ttft_ms", "p95")."""
        return quantile(self.predicted.get(metric), q)


# the config keys a plan table shows per window, in its column order
CONFIG_KEYS = ("tp", "weights", "kv", "max_model_len", "max_num_seqs", "max_num_batched_tokens", "replicas")


@dataclass(frozen=True, slots=True)
class WindowView(Priced):
    """One window of a possibly incomplete plan: each key is read when asked for, as written (None or empty
    where absent), so an odd value only affects what reads it."""

    index: int
    plan_gpu: object  # the plan-level "gpu"

    @property
    def label(self) -> str:
        """window.label; "window 1" … when the plan gives none."""
        return str((self.raw.get("window") or {}).get("label") or f"window {self.index + 1}")

    @property
    def config(self) -> dict:
        return self.raw.get("config") or {}

    def setting(self, key: str):
        """config[key], e.g. "replicas", "max_num_seqs", "kv_capacity_tokens"; None when absent."""
        return self.config.get(key)

    def settings(self) -> dict:
        """The engine knobs a table shows, in CONFIG_KEYS order (None where absent)."""
        return {key: self.config.get(key) for key in CONFIG_KEYS}

    @property
    def gpu(self):
        """config.gpu, else the plan's gpu."""
        return self.config.get("gpu", self.plan_gpu)

    @property
    def cells(self) -> tuple[int, ...]:
        """Hour-of-week cells of window.hours, or of window.start/end; () when neither reads."""
        return _lenient_cells(self.raw)

    @property
    def traffic(self) -> dict:
        return self.raw.get("traffic") or {}

    @property
    def alternatives(self) -> tuple[Priced, ...]:
        return tuple(Priced(a) for a in self.raw.get("alternatives") or [] if isinstance(a, dict))

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(str(r) for r in self.raw.get("reasons") or [])

    @property
    def meets_slo(self):
        return self.raw.get("meets_slo")

    @property
    def deployment(self) -> str:
        """ "aggregated" | "disaggregated"."""
        return self.raw.get("deployment") or "aggregated"

    @property
    def disagg(self) -> dict:
        """window.disagg, {} when absent."""
        return self.raw.get("disagg") if isinstance(self.raw.get("disagg"), dict) else {}


def window_views(plan: dict) -> list[WindowView]:
    """The plan's windows read leniently (entries that are not objects skipped)."""
    return [
        WindowView(w, i, plan.get("gpu"))
        for i, w in enumerate(x for x in plan.get("windows") or [] if isinstance(x, dict))
    ]


def _lenient_cells(window: dict) -> tuple[int, ...]:
    spec = window.get("window") or {}
    if spec.get("hours"):
        return tuple(sorted({int(h) % 168 for h in spec["hours"]}))
    try:
        start, end = datetime.fromisoformat(spec["start"]), datetime.fromisoformat(spec["end"])
    except (KeyError, TypeError, ValueError):
        return ()
    hours = min(int((end - start).total_seconds() // 3600), 168)
    return tuple(
        sorted(
            {((start + timedelta(hours=k)).weekday() * 24 + (start + timedelta(hours=k)).hour) for k in range(hours)}
        )
    )
