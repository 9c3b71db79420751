"""The nightly job's settings: a TOML file whose every key is also a command-line flag."""

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path


class ConfigError(Exception):
    """The configuration is wrong; the message names the key and how to fix it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NightlyConfig:
    inbox: tuple[str, ...] = ()  # folders or globs of new log files
    db: str = "tracefit.duckdb"
    out: str = "tracefit-out"  # site/, runs/<stamp>/ (report.json, plan.json)
    source: str | None = None  # de-duplication namespace for the inbox files
    format: str = "auto"
    sample_rate: float = 1.0
    models: tuple[str, ...] = ()  # empty: every model in the warehouse
    model_specs: dict[str, str] = field(default_factory=dict)  # logged name -> catalog model
    gpus: tuple[str, ...] = ("h100-sxm",)
    slo: dict[str, float] = field(default_factory=lambda: {"ttft_p95_ms": 1000.0, "tpot_p95_ms": 100.0})
    allow_quant: tuple[str, ...] = ("bf16", "fp8")
    max_gpus: int = 8
    prices: dict[str, float] = field(default_factory=dict)  # GPU -> USD per GPU-hour
    windows: str = "regimes"  # regimes | hour-of-week | fixed:<N>h
    recommend: bool = True
    keep: int = 14  # run reports and plans kept
    dashboard: bool = True

    @property
    def out_path(self) -> Path:
        return Path(self.out)


TUPLE_KEYS = {f.name for f in fields(NightlyConfig) if str(f.type).startswith("tuple")}


def load(path: Path | None, overrides: dict) -> NightlyConfig:
    """Defaults < TOML file < flags given (None means 'not given')."""
    values: dict = {}
    if path is not None:
        try:
            values = tomllib.loads(Path(path).read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the config ({exc})") from exc
        values = values.get("tracefit", values)
    values |= {k: v for k, v in overrides.items() if v not in (None, ())}
    known = {f.name for f in fields(NightlyConfig)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"unknown config keys {unknown}; known keys: {', '.join(sorted(known))}")
    for key in TUPLE_KEYS & set(values):
        value = values[key]
        values[key] = (value,) if isinstance(value, str) else tuple(value)
    config = replace(NightlyConfig(), **values)
    if not config.inbox:
        raise ConfigError('no inbox: set `inbox = ["/var/log/llm/*.parquet"]` in the config or pass --inbox')
    if not 0 < config.sample_rate <= 1:
        raise ConfigError(f"sample_rate {config.sample_rate}: must be in (0, 1]")
    if config.keep < 1:
        raise ConfigError(f"keep {config.keep}: keep at least 1 run")
    return config
