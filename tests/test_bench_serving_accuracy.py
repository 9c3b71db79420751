"""bench/serving_accuracy.py's rebuild of the published runs: ShareGPT lengths, token budgets, EP rows."""

import csv
import importlib.util
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "serving_accuracy.py"


def _module():
    spec = importlib.util.spec_from_file_location("serving_accuracy", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_first_turn_lengths_are_the_vllm083_sample_scaled_to_the_sglang_means():
    prompt, output = _module().sharegpt_lengths()
    assert len(prompt) == len(output) == 200
    # means scaled to 269,081 / 1200 = 224.23 and 226,901 / 1200 = 189.08 (rounding to whole tokens moves them <0.1)
    assert prompt.mean() == pytest.approx(224.23, abs=0.1)
    assert output.mean() == pytest.approx(189.08, abs=0.1)
    # raw outputs: sum 42,722 (mean 213.61), middle two sorted 154 and 159; x 189.08 / 213.61 = 0.8852:
    # 136.3 -> 136 and 140.7 -> 141, median 138.5. Prompts: sum 42,659 (213.30), middle 82 and 93;
    # x 224.23 / 213.30 = 1.0513: 86.2 -> 86 and 97.8 -> 98, median 92.
    assert np.median(output) == 138.5
    assert np.median(prompt) == 92.0


def test_multi_turn_lengths_are_vidurs_filtered_sample():
    prompt, output = _module().sharegpt_lengths(multi_turn=True)
    # 11,035 of vidur's 30,731 turns pass 4 <= prompt <= 1024, output >= 4, prompt + output <= 2048; their
    # median output 402 (mean 418.90) x 189.08 / 418.90 = 181.45 -> 181: 1.55x the ~117 tokens that the SGLang
    # 8B rate-4 run's own medians imply ((1564.2 - 32.0) / 13.2 + 1 = 117.1)
    assert len(output) == 11_035
    assert np.median(output) == 181


def test_token_budget_is_each_versions_default():
    m = _module()
    row = {"version": "v0.6.0", "engine": "vllm", "mixed_prefill": "0"}
    assert m.token_budget(row, 8192) == 4096  # vLLM V0, chunked prefill off: max(max_model_len 4096, 2048)
    assert m.token_budget({**row, "version": "v0.8.3", "mixed_prefill": ""}, 8192) == 2048  # V1, < 70 GiB GPU
    assert m.token_budget({**row, "engine": "sglang", "version": "v0.3.0"}, 8192) == 8192  # chunked_prefill_size
    assert m.token_budget({**row, "engine": "trtllm", "version": "v1.0", "mixed_prefill": ""}, 1 << 30) == 8192


def test_ep_rows_run_expert_parallel_unless_asked_for_tp():
    m = _module()
    row = {
        "model": "qwen3-235b-a22b",
        "gpu": "h200",
        "tp": "8",
        "weights": "fp8",
        "kv": "fp8",
        "engine": "trtllm",
        "ep": "1",
    }
    as_run = m.row_deployment(row)
    assert as_run.ep and as_run.attention_ranks == 8  # attention data-parallel over the 8 GPUs, as it ran
    as_tp = m.row_deployment(row, as_tp=True)
    assert not as_tp.ep and as_tp.attention_ranks == 1
    assert not m.row_deployment({**row, "ep": ""}).ep  # dense / non-EP rows stay TP


def test_eager_bound_floors_prefill_steps_only():
    eager = _module().eager_prefill(lambda *args: 5e-3, 32)  # a 5 ms step however it is filled
    # 32 layers: host floor 32 x 8.23 ms / 32 = 8.23 ms beats 5 ms + 32 x (8.23 - 7.35) / 32 = 5.88 ms
    assert eager(92, 92, 0, 0, 1) == pytest.approx(8.23e-3)
    assert eager(0, 0, 30, 12_000) == 5e-3  # decode-only steps replay CUDA graphs: unchanged
    slow = _module().eager_prefill(lambda *args: 20e-3, 32)
    # 20 ms of GPU work hides the 8.23 ms of launches; the launch gaps (0.88 ms) still add
    assert slow(92, 92, 0, 0, 1) == pytest.approx(20.88e-3)


def test_line_fit_recovers_an_exact_line():
    # y = 3 + 2x at x = 0, 1, 2, 5 -> intercept 3, slope 2
    x = np.array([0, 1, 2, 5])
    assert _module().line_fit(3 + 2 * x, x) == pytest.approx((3.0, 2.0))


def test_ttft_split_fits_every_request_of_the_vllm083_run():
    mod = _module()
    with open(mod.TABLE, newline="") as f:
        rows = list(csv.DictReader(f))
    text = mod.ttft_split(rows, resamples=20)
    assert text.startswith("vLLM 0.8.3 TTFT per request: measured ") and text.endswith("; 200 requests")
