"""One window's engine configuration (the knobs a plan sets) and what it takes to simulate it.

The recommender writes these into plan.json; backtest and calibration read them back. Names
follow vLLM's flags; `replicas` copies of the deployment serve the window.
"""

from dataclasses import asdict, dataclass, fields

from profiles import Efficiency
from recommend.deployment import Deployment, deployment
from recommend.errors import RecommendError
from recommend.memory import kv_capacity_tokens
from recommend.roofline import StepModel
from recommend.simulate import EngineSpec


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineConfig:
    gpu: str
    tp: int
    weights: str  # bf16 | fp8 | int8 | int4
    kv: str  # bf16 | fp8
    max_model_len: int  # prompt + output tokens one request may hold
    max_num_seqs: int  # sequences batched per step
    max_num_batched_tokens: int  # token budget per step (chunked prefill)
    replicas: int = 1

    @classmethod
    def from_dict(cls, values: dict, where: str = "config") -> "EngineConfig":
        names = {f.name for f in fields(cls)}
        missing = sorted(names - set(values) - {"replicas"})
        if missing:
            raise RecommendError(f"{where}: missing {', '.join(missing)}")
        try:
            return cls(**{k: (v if k in ("gpu", "weights", "kv") else int(v)) for k, v in values.items() if k in names})
        except (TypeError, ValueError) as exc:
            raise RecommendError(f"{where}: {exc}") from exc

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def gpus(self) -> int:
        return self.tp * self.replicas

    def deployment(self, model: str, engine: str = "vllm") -> Deployment:
        return deployment(model=model, gpu=self.gpu, tp=self.tp, weights=self.weights, kv=self.kv, engine=engine)

    def engine_spec(self, dep: Deployment, efficiency: Efficiency | None = None) -> EngineSpec:
        """`efficiency`: the step model's (default the deployment's engine's), for its per-request overhead."""
        return EngineSpec(
            max_num_seqs=self.max_num_seqs,
            max_num_batched_tokens=self.max_num_batched_tokens,
            max_model_len=self.max_model_len,
            **engine_fields(dep, efficiency or dep.engine.efficiency),
        )

    def simulation_parts(
        self, model: str, engine: str = "vllm", step_model: StepModel | None = None
    ) -> tuple[EngineSpec, StepModel]:
        dep = self.deployment(model, engine)
        step_model = step_model or StepModel(dep)
        return self.engine_spec(dep, step_model.efficiency), step_model


def engine_fields(dep: Deployment, efficiency: Efficiency) -> dict:
    """The EngineSpec fields the deployment sets whatever the knobs: its KV cache, block size, how its engine
    schedules prefill (mixed, overlapped), and `efficiency`'s per-request overhead."""
    return dict(
        kv_capacity_tokens=kv_capacity_tokens(dep),
        block_tokens=dep.engine.kv_block_tokens,
        mixed_prefill=dep.engine.mixed_prefill,
        overlap_schedule=dep.engine.overlap_schedule,
        request_overhead_s=efficiency.request_overhead_s,
    )
