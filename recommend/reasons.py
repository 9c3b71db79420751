"""One sentence per knob, each citing its evidence: which percentile, which bottleneck (weight
bandwidth, KV bandwidth, compute, or KV capacity) and what the next-best choice would cost."""

from dataclasses import dataclass

from profiles import get_gpu
from recommend.model_len import ModelLen
from recommend.queueing import Workload, chunks
from recommend.screen import Screened
from recommend.verify import Verified


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    chosen: Screened
    verified: Verified | None  # None: no traffic, nothing simulated
    workload: Workload
    model_len: ModelLen
    coverage: float
    ranked: list  # every screened candidate, meeting ones first by cost
    slo: dict
    plan_note: str  # where the planned rate comes from, e.g. "busiest 15 min from 2025-03-04T14:00Z"


def operating_batch(s: Screened, w: Workload) -> float:
    """Sequences running at the planned rate: N = lam * O * T with T = a / (1 - lam * c) (Little)."""
    lam = w.rps_real / s.config.replicas
    u = lam * (s.prefill_s + s.step_b_s * w.output_mean)
    step_s = s.step_a_s / (1 - u) if u < 1 else float("inf")
    return min(float(s.batch), lam * w.output_mean * step_s)


def bottleneck(s: Screened, w: Workload) -> tuple[str, float]:
    """(what bounds the decode step at the operating batch, its share of the step)."""
    n = max(1, round(operating_batch(s, w)))
    t = s.dep.step.step(0, 0, n, int(n * w.decode_ctx_tokens))
    parts = {
        "compute" if t.linear_compute_bound else "weight bandwidth": t.weights_s,
        "KV bandwidth": t.kv_s,
        "compute (attention)": t.attention_s,
    }
    name = max(parts, key=parts.get)
    return name, parts[name] / t.total_s


def fixed_share(s: Screened, w: Workload) -> tuple[float, float]:
    """Shares of the decode step that are fixed costs (the GPU's per-step overhead, the host's time and TP
    all-reduces: no roofline term) and, of those, the engine's host alone (StepTime.host_s)."""
    n = max(1, round(operating_batch(s, w)))
    t = s.dep.step.step(0, 0, n, int(n * w.decode_ctx_tokens))
    return (t.overhead_s + t.host_s + t.communication_s) / t.total_s, t.host_s / t.total_s


def _cheapest(ranked, chosen: Screened, differs) -> Screened | None:
    return next((s for s in ranked if s.meets and differs(s.config, chosen.config)), None)


def _vs(other: Screened | None, what: str) -> str:
    if other is None:
        return f"no candidate with {what} meets the SLO"
    c = other.config
    return f"best with {what}: tp={c.tp} {c.weights}/{c.kv} x {c.replicas} at ${other.usd_per_hour:,.0f}/h"


def reasons(e: Evidence) -> list[str]:
    s, c, w = e.chosen, e.chosen.config, e.workload
    gpu = get_gpu(c.gpu)
    neck, share = bottleneck(s, w)
    n_run = operating_batch(s, w)
    lam = w.rps_real / c.replicas
    fixed, host = fixed_share(s, w)
    out = [
        f"gpu={c.gpu}, tp={c.tp}: {c.weights} weights take {s.dep.weight_gb:.0f} GB ({s.dep.weight_gb / c.tp:.0f} GB "
        f"per GPU of {gpu.mem_gib:.0f} GiB) at ${s.usd_per_hour:,.0f}/h for {c.replicas} replicas; "
        + _vs(_cheapest(e.ranked, s, lambda a, b: (a.gpu, a.tp) != (b.gpu, b.tp)), "another GPU/TP"),
        f"weights={c.weights}: decode at the operating batch of {n_run:.0f} is {neck} bound ({share:.0%} of the "
        f"step; fixed per-step costs {fixed:.0%}, of which the engine's host {host:.0%}); "
        + _vs(_cheapest(e.ranked, s, lambda a, b: a.weights != b.weights), "other weights"),
        f"kv={c.kv}: the KV cache holds {s.dep.kv_capacity_tokens:,} tokens = "
        f"{s.dep.kv_capacity_tokens / max(w.decode_ctx_tokens, 1):.0f} sequences at the time-weighted decode "
        f"context of {w.decode_ctx_tokens:,.0f} tokens"
        + ("; KV capacity, not max_num_seqs, bounds the batch" if s.kv_bound else ", more than max_num_seqs")
        + "; "
        + _vs(_cheapest(e.ranked, s, lambda a, b: a.kv != b.kv), "another KV dtype"),
        f"max_model_len={c.max_model_len:,}: the smallest 256-token multiple admitting {e.coverage:.1%} of this "
        f"window's prompt + output lengths; {1 - e.model_len.admitted_share:.2%} of requests are longer and "
        f"would be rejected",
        f"max_num_seqs={c.max_num_seqs}: about {n_run:.0f} sequences run at once at {lam:.2f} req/s per replica "
        f"(rate x mean output {w.output_mean:.0f} tokens x step time; Little's law); the replica can hold "
        f"{s.batch} ({'KV capacity' if s.kv_bound else 'max_num_seqs'}); at that batch the step is {neck} bound",
        f"max_num_batched_tokens={c.max_num_batched_tokens:,}: the p95 prompt ({w.prompt_q[95.0]:,.0f} tokens) "
        f"prefills in {chunks(w.prompt_q[95.0], c.max_num_batched_tokens)} chunk(s) interleaved with decodes "
        f"(chunked prefill), a mean prompt adds {s.prefill_s * 1e3:.0f} ms of prefill work",
        f"replicas={c.replicas}: planned {w.rps_real:,.1f} req/s ({e.plan_note}) over an analytic capacity of "
        f"{s.capacity_rps:.2f} req/s per replica = {lam / s.capacity_rps:.0%} utilisation; " + _simulated(e),
    ]
    return out


def _slo_text(values: dict, slo: dict) -> str:
    return ", ".join(f"{k} {values[k]:,.0f} vs {slo[k]:,.0f}" for k in slo if k in values)


def _simulated(e: Evidence) -> str:
    v = e.verified
    if v is None:
        return "no requests logged in this window, one replica kept warm (not simulated)"
    text = f"simulated one replica's share ({v.requests:,} requests over {v.span_s:,.0f} s): " + _slo_text(
        v.slo_ms, e.slo
    )
    if not v.meets:
        text = f"NO candidate meets the SLO; closest miss (x{v.miss_ratio:.2f} of the limit): " + text
    return text
