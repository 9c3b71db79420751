"""Static-batch prediction: B prompts of I tokens submitted at once, each generating exactly O tokens.

This is the vLLM `benchmark_latency` / TensorRT-LLM `gptSessionBenchmark` setting: the whole batch is
prefilled (in chunks of the engine's token budget), then decodes O - 1 steps together. When the KV
cache cannot hold B sequences, the engine runs the batch in waves of `max_batch_kv` (reported with
`kv_fits: false` and a `reason`); when the weights or a single sequence do not fit, DoesNotFitError.
"""

from dataclasses import asdict, dataclass

from profiles.nccl import pcie_only
from recommend.deployment import Deployment
from recommend.errors import DoesNotFitError, RecommendError
from recommend.memory import kv_budget_bytes_per_gpu, kv_capacity_seqs, kv_capacity_tokens
from recommend.roofline import StepModel, StepTime, latency_floor_s_per_token

BREAKDOWN = ("weights_s", "kv_s", "attention_s", "communication_s", "overhead_s", "host_s")

# Where published measurements disagree with the model and no term explains why (bench/RESULTS.md 'Serving'):
# TensorRT-LLM v1.0's throughput tables (perf-overview.md) have 110 MoE rows (Qwen3-30B-A3B, Qwen3-235B-A22B,
# Llama 4 Scout and Maverick; H100, H200, B200, GB200; ten shapes) and 100 dense ones. With the PyTorch backend's
# host time a request (profiles.engines.TRTLLM_PYTORCH_PER_SEQ_S) 107 of the MoE rows still ran slower than
# simulated, median 1.47x, up to 2.2x (the other 3 are Llama 4 at 20K-token prompts, whose chunked attention is not
# modelled), while the dense rows are off by 6% median. The prediction is kept and the gap stated, not fitted away.
MOE_TRTLLM_CAVEAT = (
    "optimistic for MoE on TensorRT-LLM: 107 of its 110 published v1.0 MoE throughputs on H100-GB200 ran below "
    "this model, by a median 1.47x and up to 2.2x (its dense rows: 6% median error), most at short prompts and "
    "outputs (28 of a later table's 32 1K-in/1K-out MoE runs, median 1.21x); on RTX PRO 6000 one GPU holds and "
    "4-8 GPUs over PCIe run up to 1.6x below it; see bench/RESULTS.md 'Serving'"
)

# Tensor parallel over PCIe at 4-8 GPUs, never fitted (bench/RESULTS.md 'Serving', session 23): TensorRT-LLM's v0.17
# throughput table runs Llama-3.1-70B on 4 and 8 L40S 10-26% below the simulation at every shape (+18 / +24% signed
# median) and Mixtral-8x7B 8-21%; v0.12's 70B models at TP8 ran 31-93% below it; one L40S holds within 10%. A PCIe
# bus share measured on one 8-card server (NVIDIA/nccl#1639) closed them but moved the static tables away, so the
# gap is stated, not priced.
PCIE_TP_GPUS = 4  # from this many GPUs over PCIe
PCIE_TP_CAVEAT = (
    "optimistic for tensor parallel over PCIe: on 4 and 8 L40S, TensorRT-LLM's published throughputs ran 8-26% "
    "below this model (v0.17: Llama-3.1-70B, Mixtral) and up to 1.9x below it (v0.12: 70B models at TP8), where "
    "one L40S holds within 10%; see bench/RESULTS.md 'Serving'"
)

# A KV budget this small leaves the engine buffers the memory model does not count (activations, NCCL, CUDA
# graphs, the driver's share) a large part of it. On 4 x A100-40GB, 70B models whose batch needed over a quarter
# of their 2-5 GiB budget ran 1.5-4.6x slower than predicted, on vLLM and TensorRT-LLM alike: 16 of the 19 such
# LLM-Inference-Bench rows, median -56% (TensorRT-LLM) and -35% (vLLM), against 10% / 8% median error elsewhere
# (bench/RESULTS.md 'Predict'). A description of that evidence, not a term: predictions are left as they are.
TIGHT_KV_BUDGET_GIB = 8.0
TIGHT_KV_SHARE = 0.25


def tight_kv_note(dep: Deployment, kv_tokens: int) -> str | None:
    """The warning for a batch holding `kv_tokens` of KV on a deployment whose KV budget per GPU is tight."""
    budget = kv_budget_bytes_per_gpu(dep)
    share = kv_tokens / kv_capacity_tokens(dep)
    if budget >= TIGHT_KV_BUDGET_GIB * 2**30 or share <= TIGHT_KV_SHARE:
        return None
    need = share * budget
    return (
        f"optimistic: this batch needs {need / 2**30:.1f} GiB of KV a GPU, over a quarter of its "
        f"{budget / 2**30:.1f} GiB KV budget; engine buffers this model does not count take part of so small a "
        "budget, and such runs of 70B models on 4 x A100-40GB took 1.5-4.6x the predicted time; see "
        "bench/RESULTS.md 'Predict'"
    )


def caveat(dep: Deployment, seq_tokens: int = 0, seqs: int = 0) -> str | None:
    """Where the model is known to miss for predictions of this kind: what published evidence says, and
    what it leaves out for this model at `seq_tokens` (prompt + output) per sequence and `seqs` at once."""
    notes = [MOE_TRTLLM_CAVEAT] if dep.model.is_moe and dep.engine.name == "trtllm" else []
    if dep.tp >= PCIE_TP_GPUS and not dep.ep and pcie_only(dep.gpu, dep.tp):
        notes.append(PCIE_TP_CAVEAT)
    if seqs and (tight := tight_kv_note(dep, seq_tokens * seqs)):
        notes.append(tight)
    chunk = dep.model.attention_chunk_tokens
    if chunk and seq_tokens > chunk:
        notes.append(
            f"pessimistic past {chunk} tokens: this model's chunked attention (layers that read only their own "
            f"{chunk}-token chunk; Llama 4: 3 in 4) is not modelled, every layer is priced reading the whole context"
        )
    return "; ".join(notes) or None


@dataclass(frozen=True, slots=True, kw_only=True)
class Prediction:
    ttft_ms: float  # until every request of the (first) wave has its first token
    tpot_ms: float  # mean time per output token after the first
    e2e_s: float  # until the whole batch is done
    total_tok_s: float
    output_tok_s: float
    bound: dict  # {"prefill": "compute" | "memory", "decode": ...}
    kv_fits: bool
    max_batch_kv: int
    waves: int
    latency_floor_ms_per_token: float
    breakdown: dict  # seconds by cause over the whole run, keys BREAKDOWN
    reason: str | None = None
    caveat: str | None = None  # see `caveat`

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None or k not in ("reason", "caveat")}


def _add(total: dict, step: StepTime, times: int = 1) -> None:
    for key in BREAKDOWN:
        total[key] += getattr(step, key) * times


def _prefill(model: StepModel, batch: int, isl: int, total: dict) -> tuple[float, bool]:
    """Prefill `batch` prompts in chunks of the engine's token budget; returns (seconds, compute-bound)."""
    # every data-parallel attention rank (expert parallelism) schedules its own token budget
    budget = model.deployment.engine.max_batched_tokens * model.deployment.attention_ranks
    seconds, compute = 0.0, False
    if isl <= budget:  # whole prompts packed k to a chunk
        per_chunk = max(1, min(batch, budget // isl))
        groups = [(per_chunk, batch // per_chunk)] + ([(batch % per_chunk, 1)] if batch % per_chunk else [])
        for seqs, times in groups:
            step = model.step(seqs * isl, seqs * isl, 0, 0, prefill_seqs=seqs)
            seconds, compute = seconds + step.total_s * times, compute or step.linear_compute_bound
            _add(total, step, times)
        return seconds, compute
    done = 0
    while done < isl:  # long prompts: one sequence in budget-sized chunks, same for every sequence
        chunk = min(budget, isl - done)
        step = model.step(chunk, done + chunk, 0, 0)
        seconds, compute = seconds + step.total_s * batch, compute or step.linear_compute_bound
        _add(total, step, batch)
        done += chunk
    return seconds, compute


EXACT_DECODE_STEPS = 256  # longer decodes are summed over DECODE_SEGMENTS straight pieces
DECODE_SEGMENTS = 64


def _decode(model: StepModel, batch: int, isl: int, osl: int, total: dict) -> tuple[float, bool]:
    """Decode steps 1..osl-1 (token j+1 attends over isl + j cached tokens). A step's parts are linear
    in its context (KV bytes, attention pairs) between the few points where a max() switches, so past
    EXACT_DECODE_STEPS the sum runs over straight segments: n points from a to b sum to n x (f(a) + f(b)) / 2.
    """
    if osl - 1 <= EXACT_DECODE_STEPS:
        seconds, compute_steps = 0.0, 0
        for j in range(1, osl):
            step = model.step(0, 0, batch, batch * (isl + j))
            seconds += step.total_s
            compute_steps += step.linear_compute_bound
            _add(total, step)
        return seconds, compute_steps * 2 > max(osl - 1, 1)
    edges = [1 + round(k * (osl - 2) / DECODE_SEGMENTS) for k in range(DECODE_SEGMENTS + 1)]
    steps = {j: model.step(0, 0, batch, batch * (isl + j)) for j in edges}
    seconds, compute_steps = 0.0, 0.0
    for k, (a, b) in enumerate(zip(edges, edges[1:])):
        first = a if k == 0 else a + 1  # each segment owns (a, b]; the first also owns a
        n = b - first + 1
        for step in (steps[first] if first in steps else model.step(0, 0, batch, batch * (isl + first)), steps[b]):
            seconds += step.total_s * n / 2
            compute_steps += step.linear_compute_bound * n / 2
            _add(total, step, n / 2)
    return seconds, compute_steps * 2 > osl - 1


def kv_fit_seqs(dep: Deployment, seq_tokens: int) -> int:
    """Sequences of `seq_tokens` (prompt + output) the KV cache holds at once; DoesNotFitError if not one."""
    seqs = kv_capacity_seqs(dep, seq_tokens)
    if seqs < 1:
        raise DoesNotFitError(
            f"one sequence of {seq_tokens} tokens needs more KV cache than "
            f"{dep.tp} x {dep.gpu.name} have left after weights; raise --tp or use --kv fp8"
        )
    return seqs


def predict_static(
    dep: Deployment,
    *,
    batch: int,
    isl: int,
    osl: int,
    model: StepModel | None = None,
    identical_prompts: bool = False,
) -> Prediction:
    """`batch` requests of `isl` prompt tokens submitted at once, each generating `osl` tokens. `identical_prompts`:
    the batch is one prompt copied `batch` times and decoded greedily (what some benchmark harnesses do), so an
    MoE model's sequences all route to the same experts (StepModel `identical_sequences`)."""
    if batch < 1 or isl < 1 or osl < 1:
        raise RecommendError(f"batch, isl and osl must be >= 1 (got {batch}, {isl}, {osl})")
    if model is not None and identical_prompts:
        raise RecommendError("give a StepModel built with identical_sequences, or identical_prompts, not both")
    model = model or StepModel(dep, identical_sequences=identical_prompts)
    max_batch = kv_fit_seqs(dep, isl + osl)
    waves = [max_batch] * (batch // max_batch) + ([batch % max_batch] if batch % max_batch else [])
    total = dict.fromkeys(BREAKDOWN, 0.0)
    e2e_s = ttft_s = decode_s = 0.0
    for i, wave in enumerate(waves):
        prefill_s, prefill_compute = _prefill(model, wave, isl, total)
        wave_decode_s, decode_compute = _decode(model, wave, isl, osl, total)
        ttft_s = prefill_s if i == 0 else ttft_s
        decode_s += wave_decode_s / len(waves)
        e2e_s += prefill_s + wave_decode_s
    fits = len(waves) == 1
    return Prediction(
        ttft_ms=ttft_s * 1e3,
        tpot_ms=decode_s / (osl - 1) * 1e3 if osl > 1 else 0.0,
        e2e_s=e2e_s,
        total_tok_s=batch * (isl + osl) / e2e_s,
        output_tok_s=batch * osl / e2e_s,
        bound={
            "prefill": "compute" if prefill_compute else "memory",
            "decode": "compute" if decode_compute else "memory",
        },
        kv_fits=fits,
        max_batch_kv=max_batch,
        waves=len(waves),
        latency_floor_ms_per_token=latency_floor_s_per_token(dep) * 1e3,
        breakdown={k: round(v, 6) for k, v in total.items()},
        reason=None
        if fits
        else (f"KV cache holds {max_batch} sequences of {isl + osl} tokens, not {batch}; ran in {len(waves)} waves"),
        caveat=caveat(dep, isl + osl, batch),
    )
