"""bench/serving_accuracy.py's rebuild of the published runs: ShareGPT lengths, token budgets, EP rows."""

import csv
from collections import defaultdict

import numpy as np
import pytest

from tests.bench_modules import bench_module


def _module():
    return bench_module("serving_accuracy")


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


def test_trtllm_bench_estimates_requests_as_its_heuristic_does():
    from recommend.deployment import deployment

    m = _module()
    dense = deployment(model="llama-3.1-8b", gpu="h100-sxm", tp=1, weights="fp8", kv="fp8", engine="trtllm")
    # checkpoint 8,030,261,248 params x 1 B = 7.4787 GiB of 80; 0.90 x 72.521 = 65.269 GiB for KV at
    # 2 x 32 layers x 8 heads x 128 x 1 B = 6.1035e-5 GiB a token, x (128 + 4096) = 0.25781 GiB a request
    assert m.trtllm_bench_requests(dense, 128, 4096) == pytest.approx(253.17, abs=0.01)
    moe = deployment(model="qwen3-30b-a3b", gpu="b200", tp=1, weights="nvfp4", kv="fp8", engine="trtllm")
    # NVFP4 elements: 30,532,110,336 params less 29,896,998,912 linear x (1 - 0.5625) = 17,452,173,312, x 0.5 B
    # = 8.1268 GiB of 180; 0.90 x 171.873 = 154.686 GiB at 2 x 48 x 4 x 128 x 1 B x 4224 = 0.193359 GiB a request
    assert m.trtllm_bench_requests(moe, 128, 4096) == pytest.approx(799.99, abs=0.01)


def test_trtllm_bench_limits_round_as_its_heuristic_does():
    m = _module()
    # 253.17 requests: < 256 -> 32 x ceil(7.91) = 256; tokens 253.17 x (1 + 128/4096) = 261 -> at least 2048
    assert m.trtllm_bench_limits(253.17, 128, 4096) == (256, 2048)
    # 811 requests: 128 x ceil(6.34) = 896; tokens 836 -> 2048
    assert m.trtllm_bench_limits(811.0, 128, 4096) == (896, 2048)
    # 13,390 requests capped at 4096; tokens 4096 x 2 = 8192 -> 1024 x 8; 8192 >= 128 + 4096
    assert m.trtllm_bench_limits(13_390.0, 128, 128) == (4096, 8192)
    # 150 requests -> 32 x 5 = 160; tokens 150 x 11 = 1650 -> 2048, but chunked prefill is off: 20000 + 160
    assert m.trtllm_bench_limits(150.0, 20_000, 2000) == (160, 20_160)
    # 40 requests -> the floor of 64; tokens 40 x 1.5 = 60 -> 2048, above 1000 + 64
    assert m.trtllm_bench_limits(40.0, 1000, 2000) == (64, 2048)
    # 3000 requests -> 256 x ceil(11.72) = 3072; tokens 3000 x 2 = 6000 -> 512 x 12 = 6144, above 2048 + 3072
    assert m.trtllm_bench_limits(3000.0, 2048, 2048) == (3072, 6144)


def test_trtllm_bench_runs_untuned_checkpoints_at_the_build_defaults():
    from recommend.deployment import deployment

    m = _module()
    row = {"version": "03e27c7 pytorch", "model": "gpt-oss-20b", "isl": "1024", "osl": "1024"}
    dep = deployment(model="gpt-oss-20b", gpu="b200", tp=1, weights="mxfp4", kv="fp8", engine="trtllm")
    # MXFP4 is not among the heuristic's tuned quantizations: BuildConfig's 2048 sequences and 8192 tokens
    assert m.trtllm_bench_settings(row, dep) == (2048, 8192)
    # chunked prefill off: at least the prompt beside a full batch, 32768 + 2048
    assert m.trtllm_bench_settings({**row, "isl": "32768"}, dep) == (2048, 34_816)
    with open(m.TABLE, newline="") as f:
        rows = list(csv.DictReader(f))
    # v0.20's table: its TP sweeps (Llama-3.3-70B at TP 1, 2, 4 and 8 on B200, H200 and H100)
    v020 = [r for r in rows if r["version"] == "v0.20 pytorch"]
    assert len(v020) == 180 and {r["tp"] for r in v020 if r["model"] == "llama-3.3-70b"} == {"1", "2", "4", "8"}
    later = [r for r in rows if r["version"] == "03e27c7 pytorch"]
    # 7 models' tables less the Hopper gpt-oss columns (their "FP8" names no checkpoint the runs could load),
    # and the RTX PRO 6000 tables' columns without pipeline parallelism (PP1: 16 runs)
    assert len(later) == 103 + 16 and {r["model"] for r in later if r["gpu"] in ("h100-sxm", "h200")} == {
        "deepseek-r1-0528",
        "llama-3.3-70b",
        "llama-4-maverick",
        "qwen3-235b-a22b",
    }


def test_rtx_pro_6000_runs_are_the_pp1_columns_of_both_tables():
    # v1.0: Llama-3.3-70B on 1 GPU (10 shapes) and Qwen3-30B-A3B on 1, 2, 4 and 8 GPUs (10 + 10 + 10 + 9); 03e27c7:
    # 16. Its TP x PP columns are left out: the simulator has no pipeline parallelism.
    with open(_module().TABLE, newline="") as f:
        rtx = [r for r in csv.DictReader(f) if r["gpu"] == "rtx-pro-6000"]
    assert len(rtx) == 65 and sum(r["version"] == "v1.0 pytorch" for r in rtx) == 49
    assert {(r["model"], r["tp"]) for r in rtx if r["version"] == "v1.0 pytorch"} == {
        ("meta-llama/Llama-3.3-70B-Instruct", "1"),
        *(("qwen3-30b-a3b", tp) for tp in "1248"),
    }
    # the per-GPU figures of 03e27c7 times its GPUs: Qwen3-235B-A22B DEP8 at 1000/1000, 969 x 8
    assert any(r["model"] == "qwen3-235b-a22b" and r["isl"] == "1000" and r["measured_value"] == "7752" for r in rtx)


def test_trtllm_bench_v012_runs_take_the_listed_engine_settings():
    from recommend.deployment import deployment

    m = _module()

    def settings(model, tp, isl, osl):
        row = {"version": "v0.12.0 tensorrt", "model": model, "isl": str(isl), "osl": str(osl)}
        dep = deployment(model=model, gpu="h100-sxm", tp=tp, weights="fp8", kv="fp8", engine="trtllm")
        return m.trtllm_bench_settings(row, dep)

    assert settings("llama-2-70b", 4, 128, 4096) == (256, 8192)  # listed for a 4224-token sequence
    assert settings("llama-2-70b", 4, 2048, 2048) == (4096, 8192)  # otherwise the model's "general"
    assert settings("gpt-j-6b", 1, 128, 128) == (2048, 2048)  # GPT-J at 256 tokens
    assert settings("llama-3-70b", 2, 128, 128) == (2048, 8192)  # not listed: trtllm-build's defaults
    with open(m.TABLE, newline="") as f:
        v012 = [r for r in csv.DictReader(f) if r["version"] == "v0.12.0 tensorrt"]
    # 56 cells a shape (the GH200 column left out), 55 at 2048/2048
    assert len(v012) == 279 and {r["metric"] for r in v012} == {"output_tok_s"}


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


def _vllm083_row(mod) -> dict:
    with open(mod.TABLE, newline="") as f:
        return [r for r in csv.DictReader(f) if r["dataset"] == "sharegpt-vllm083"][0]


def test_vllm083_measured_latencies_are_the_runs_own():
    mod = _module()
    arrival, prompt, output, ms = mod.vllm083_measured(_vllm083_row(mod))
    # the file's own summary: median TTFT 56.372 ms, p99 143.80 ms; 42,659 prompt / 42,722 output tokens
    assert np.median(ms["ttft"]) == pytest.approx(56.372, abs=1e-3)
    assert np.percentile(ms["ttft"], 99) == pytest.approx(143.80, abs=0.01)
    assert (prompt.sum(), output.sum(), arrival.size) == (42_659, 42_722, 200)
    # E2E = TTFT + the inter-token gaps, TPOT = gaps / (output - 1): (e2e - ttft) / (output - 1) = tpot
    many = output > 1  # 14 one-token answers have no TPOT
    assert np.isnan(ms["tpot"][~many]).sum() == 14
    np.testing.assert_allclose((ms["e2e"] - ms["ttft"])[many] / (output[many] - 1), ms["tpot"][many], rtol=1e-12)
    # benchmark_serving's TPOT uses the request latency, not the gaps' sum: median 24.54 ms there
    assert np.nanmedian(ms["tpot"]) == pytest.approx(24.54, rel=0.01)


def test_held_out_prediction_uses_the_fit_on_the_other_half():
    mod = _module()
    row = _vllm083_row(mod)
    first = np.arange(200) < 100
    base, base_errors = mod.held_out_errors(row, first, True, ())
    assert base["request_overhead_s"] == 0.0  # uncalibrated: the catalog default
    got, errors = mod.held_out_errors(row, first, True, ("request_overhead_s",))
    assert got["request_overhead_s"] > 0  # the simulator's TTFT is low on this run (bench/RESULTS.md)
    # the constant moves TTFT and E2E only: the held-out TPOT p50 is the uncalibrated one
    assert errors[2] == pytest.approx(base_errors[2], abs=1e-9)
    assert errors[0] > base_errors[0]


def test_moe_caveat_states_what_the_trtllm_v1_rows_measure():
    # recommend/predict.py's MOE_TRTLLM_CAVEAT quotes these rows (the data-center GPUs': H100, H200, B200, GB200;
    # the RTX PRO 6000 columns are quoted apart): 107 of the 110 MoE throughputs ran below the
    # simulation, median 1.47x, up to 2.2x, while the dense rows of the same tables are off by 6% median. If the
    # model moves, the caveat's numbers must move with it.
    from profiles import get_model
    from recommend.predict import MOE_TRTLLM_CAVEAT

    m = _module()
    with open(m.TABLE) as f:
        rows = [
            r
            for r in csv.DictReader(f)
            if r["version"] == "v1.0 pytorch" and r["metric"] == "output_tok_s" and r["gpu"] != "rtx-pro-6000"
        ]
    ratio = {"moe": [], "dense": []}
    for r in rows:
        kind = "moe" if get_model(r["model"]).is_moe else "dense"
        ratio[kind].append(m.simulated(r, None)["output_tok_s"] / float(r["measured_value"]))
    moe, dense = np.array(ratio["moe"]), np.array(ratio["dense"])
    assert len(moe) == 110 and len(dense) == 100
    assert (moe > 1).sum() == 107 and round(float(np.median(moe)), 2) == 1.47 and round(float(moe.max()), 1) == 2.2
    assert round(float(np.median(np.abs(dense - 1))), 2) == 0.06
    # the later table (03e27c7): 28 of the 32 MoE runs at 1000/1000 and 1024/1024 ran below the simulation
    with open(m.TABLE) as f:
        short = [
            r
            for r in csv.DictReader(f)
            if r["version"] == "03e27c7 pytorch"
            and r["isl"] in ("1000", "1024")
            and r["osl"] == r["isl"]
            and r["gpu"] != "rtx-pro-6000"
        ]
    later = np.array(
        [
            m.simulated(r, None)["output_tok_s"] / float(r["measured_value"])
            for r in short
            if get_model(r["model"]).is_moe
        ]
    )
    assert len(later) == 32 and (later > 1).sum() == 28 and round(float(np.median(later)), 2) == 1.21
    for quoted in ("107 of its 110", "median 1.47x and up to 2.2x", "dense rows: 6% median", "28 of", "median 1.21x"):
        assert quoted in MOE_TRTLLM_CAVEAT


def test_b200_tensor_parallel_runs_hold_with_the_pytorch_backends_host_time():
    # v0.20's Llama-3.3-70B rows on B200 drifted optimistic with the TP degree (signed median +6% at TP1 to +38% at
    # TP8) while every TP degree of the same sweep on Hopper held: the replica's batch grows with TP (its KV cache
    # grows with the GPUs) and the PyTorch backend's host time a request does not shrink with it
    # (profiles.engines.TRTLLM_PYTORCH_PER_SEQ_S). With it the drift is gone: every degree within +12% signed
    # median, the long-output runs at TP 2-8 within +4..+26% (+25..+52% before), and no caveat is given
    from recommend.deployment import deployment
    from recommend.predict import caveat

    m = _module()
    with open(m.TABLE, newline="") as f:
        rows = [
            r
            for r in csv.DictReader(f)
            if r["version"] == "v0.20 pytorch" and r["model"] == "llama-3.3-70b" and r["gpu"] == "b200"
        ]
    runs = [
        (int(r["tp"]), int(r["isl"]), int(r["osl"]), m.simulated(r, None)["output_tok_s"] / float(r["measured_value"]))
        for r in rows
    ]
    signed = {tp: float(np.median([ratio - 1 for t, _, _, ratio in runs if t == tp])) for tp in (1, 2, 4, 8)}
    assert all(-0.05 < v < 0.12 for v in signed.values()) and signed[8] < 0.1
    long_out = [ratio for tp, isl, osl, ratio in runs if osl >= 2000 and isl < osl and tp > 1]
    assert (round(min(long_out) - 1, 2), round(max(long_out) - 1, 2)) == (0.04, 0.26)
    dep = deployment(model="llama-3.3-70b", gpu="b200", tp=8, weights="nvfp4", kv="fp8", engine="trtllm")
    assert caveat(dep) is None


def test_v012_rows_run_as_the_cpp_executor_and_per_seq_fit_replaces_its_cost():
    m = _module()
    with open(m.TABLE, newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["version"] == "v0.12.0 tensorrt" and r["model"] == "llama-3-8b")
    assert m.row_deployment(row).engine.name == "trtllm-cpp"
    shipped = m.simulated(row, None)["output_tok_s"]
    assert m.simulated(row, None, per_seq_s=7.5e-6)["output_tok_s"] == pytest.approx(shipped)
    assert m.simulated(row, None, per_seq_s=0.0)["output_tok_s"] > shipped  # no per-request cost: faster


def test_per_seq_fit_holds_out_each_pytorch_table_in_turn(monkeypatch):
    # the trtllm profile's per-request cost is checked on its three tables: each table's rows are scored at the value
    # the other two pick. Qwen3-30B-A3B's v1.0 and 03e27c7 rows and Llama-3.3-70B's v0.20 ones at 0 and 10 us: the
    # MoE rows run far below the simulation without the host's cost, so the folds that keep them pick 10 us
    m = _module()
    monkeypatch.setattr(m, "PER_SEQ_GRID_US", (0.0, 10.0))
    with open(m.TABLE, newline="") as f:
        rows = [
            r
            for r in csv.DictReader(f)
            if r["metric"] == "output_tok_s"
            and r["isl"] == "1000"
            and r["osl"] in ("1000", "2000")
            and (
                (
                    r["version"] in ("v1.0 pytorch", "03e27c7 pytorch")
                    and r["model"] == "qwen3-30b-a3b"
                    and r["gpu"] == "b200"
                )
                or (r["version"] == "v0.20 pytorch" and r["model"] == "llama-3.3-70b" and r["gpu"] == "h200")
            )
        ]
    assert {r["version"] for r in rows} == set(m.PER_SEQ_TABLES["trtllm"])
    out = m.per_seq_fit(rows, "trtllm")
    held = {line.split(" | ")[0].strip("| "): line.split(" | ")[1] for line in out.splitlines() if "pytorch |" in line}
    assert held == {"v0.20 pytorch": "10.0", "v1.0 pytorch": "10.0", "03e27c7 pytorch": "10.0"}
    assert f"({len(rows)} runs)" in out and "| 10.0 |" in out


def test_rtx_pro_6000_runs_hold_on_one_gpu_and_run_below_the_model_over_pcie():
    # What MOE_TRTLLM_CAVEAT and bench/RESULTS.md say of the 65 never-fitted RTX PRO 6000 runs: on one GPU
    # (Llama-3.3-70B, Qwen3-30B-A3B) within 5% at the median and none over 25% off; expert parallel over PCIe,
    # faster than measured more as the GPUs grow (signed medians +10%, +21%, +36% at 2, 4, 8), up to 1.6x.
    from recommend.predict import MOE_TRTLLM_CAVEAT

    m = _module()
    with open(m.TABLE, newline="") as f:
        rtx = [r for r in csv.DictReader(f) if r["gpu"] == "rtx-pro-6000"]
    ratio = defaultdict(list)
    for r in rtx:
        ratio[int(r["tp"])].append(m.simulated(r, None)["output_tok_s"] / float(r["measured_value"]))
    one = np.array(ratio[1])
    assert len(one) == 28 and np.median(np.abs(one - 1)) < 0.05 and np.abs(one - 1).max() < 0.25
    signed = [round(float(np.median(ratio[n])) - 1, 2) for n in (2, 4, 8)]
    assert signed == [0.10, 0.21, 0.36] and round(max(max(ratio[n]) for n in (2, 4, 8)), 1) == 1.6
    assert "on RTX PRO 6000 one GPU holds and 4-8 GPUs over PCIe run up to 1.6x below it" in MOE_TRTLLM_CAVEAT


def test_trtllm_bench_v017_engines_take_the_pre_nvfp4_heuristic():
    from recommend.deployment import deployment

    m = _module()
    row = {"version": m.V017, "gpu": "h200", "model": "llama-3.1-70b", "isl": "20000", "osl": "2000"}
    dep = deployment(model="llama-3.1-70b", gpu="h200", tp=1, weights="fp8", kv="fp8", engine="trtllm-cpp")
    # checkpoint 70,553,706,496 / 1000**3 x 1 B = 70.554 "GB" of 141 GiB; 0.95 x 70.446 = 66.924 at
    # 2 x 80 x 8 x 128 x 1 B = 1.5259e-4 GiB a token x 22,000 = 3.3569 GiB a request: 19.94 requests -> the floor
    # of 64; tokens 19.94 x 11 = 219 -> 2048, but no chunking: the prompt beside the batch, 20000 + 64
    assert m.trtllm_bench_settings(row, dep) == (64, 20_064)
    # GH200 ran gptManagerBenchmark with --enable_chunked_context: (96 - 70.554) x 0.95 / 3.3569 = 7.2 -> 64, 2048
    gh200 = deployment(model="llama-3.1-70b", gpu="gh200", tp=1, weights="fp8", kv="fp8", engine="trtllm-cpp")
    assert m.trtllm_bench_settings({**row, "gpu": "gh200"}, gh200) == (64, 2048)
    # Mixtral-8x7B fp16 on 2 x A100-80GB: 46,702,792,704 x 2 B = 93.406 of 160; 0.95 x 66.594 = 63.265 GiB at
    # 2 x 32 x 8 x 128 x 2 B x 256 = 0.03125 GiB a request: 2024.5 -> 256 x 8 = 2048; tokens 4049 -> 4096
    a100 = deployment(model="mixtral-8x7b", gpu="a100-80gb-sxm", tp=2, weights="fp16", kv="fp16", engine="trtllm-cpp")
    assert m.trtllm_bench_settings({**row, "gpu": "a100-80gb-sxm", "isl": "128", "osl": "128"}, a100) == (2048, 4096)
    # the runs' --kv_cache_free_gpu_mem_fraction 0.95, on the C++ executor
    ran = m.row_deployment(
        {
            "model": "llama-3.1-8b",
            "gpu": "h200",
            "tp": "1",
            "weights": "fp8",
            "kv": "fp8",
            "engine": "trtllm",
            "version": m.V017,
            "ep": "",
        }
    )
    assert (ran.engine.name, ran.engine.memory_fraction) == ("trtllm-cpp", 0.95)
    with open(m.TABLE, newline="") as f:
        v017 = [r for r in csv.DictReader(f) if r["version"] == m.V017]
    # 6 models x 9 shapes over 5 GPU columns, the cells the table leaves empty left out
    assert len(v017) == 373 and {r["gpu"] for r in v017} == {"h200", "h100-sxm", "gh200", "l40s", "a100-80gb-sxm"}


def test_v017_l40s_runs_hold_on_one_gpu_and_run_slower_over_pcie_tensor_parallel():
    # never fitted: v0.17's L40S column. One GPU (Llama-3.1-8B, Mistral-7B) within 10% of the simulation; Llama-3.1-70B
    # at TP 4 and 8 over PCIe 10-26% slower than simulated at every shape, Mixtral 8-21% (bench/RESULTS.md 'Serving',
    # session 23); v0.12's 70B models at TP8 up to 1.93x. predict's caveat quotes these, and only over PCIe at 4+ GPUs.
    from recommend.deployment import deployment
    from recommend.predict import PCIE_TP_CAVEAT, caveat

    m = _module()
    with open(m.TABLE, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["gpu"] == "l40s" and r["version"] in (m.V017, m.V012)]

    def ratio(r):
        return m.simulated(r, None)["output_tok_s"] / float(r["measured_value"])

    one = [ratio(r) - 1 for r in rows if r["version"] == m.V017 and r["model"] in ("llama-3.1-8b", "mistral-7b")]
    assert len(one) == 18 and all(abs(v) < 0.10 for v in one)
    tp = {
        model: [ratio(r) - 1 for r in rows if r["version"] == m.V017 and r["model"] == model and r["tp"] != "1"]
        for model in ("llama-3.1-70b", "mixtral-8x7b")
    }
    assert len(tp["llama-3.1-70b"]) == 18 and 0.10 < min(tp["llama-3.1-70b"]) and max(tp["llama-3.1-70b"]) < 0.26
    assert round(min(tp["mixtral-8x7b"]) * 100) == 8 and round(max(tp["mixtral-8x7b"]) * 100) == 21
    v012 = [ratio(r) for r in rows if r["version"] == m.V012 and r["tp"] == "8" and "70b" in r["model"]]
    assert round(max(v012), 1) == 1.9
    assert "8-26%" in PCIE_TP_CAVEAT and "1.9x" in PCIE_TP_CAVEAT
    assert PCIE_TP_CAVEAT in caveat(deployment(model="llama-3.1-70b", gpu="l40s", tp=4, weights="fp8"))
    for gpu, tp_ in (("l40s", 2), ("h100", 8)):
        assert PCIE_TP_CAVEAT not in (caveat(deployment(model="llama-3.1-70b", gpu=gpu, tp=tp_, weights="fp8")) or "")


def test_v014_triton_runs_are_the_uniform_shapes_at_trtllm_builds_defaults():
    # the v0.14 online table: Llama-3.1-8B TP1 and 70B TP4 on H100 and H200, 467/256 and 467/16 at QPS 2-32 and all at
    # once: mean TTFT and mean ITL at every level, output tok/s at saturation (2 x 2 x 2 x (6 x 2 + 1) = 104)
    m = _module()
    with open(m.TABLE, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["version"] == m.V014_TRITON]
    assert len(rows) == 104 and {r["isl"] for r in rows} == {"467"}
    assert sum(r["metric"] == "output_tok_s" for r in rows) == 8
    assert m.row_deployment(rows[0]).engine.name == "trtllm-cpp" and m.ENGINE_BUILDS[m.V014_TRITON] == (2048, 8192)
    light = next(
        r
        for r in rows
        if (r["model"], r["gpu"], r["osl"], r["request_rate"], r["metric"])
        == ("llama-3.1-8b", "h100-sxm", "256", "2", "ttft_mean_ms")
    )
    got = m.simulated(light, None)
    # never fitted: the step time holds (ITL 8 ms measured) and the first token comes 3-6 ms early (23 ms measured),
    # the per-request time Triton's path adds that `--calibrated` (c) takes from this level
    assert 7.0 < got["itl_mean_ms"] < 8.5 and 17.0 < got["ttft_mean_ms"] < 20.0
    assert m.simulated(light, None, request_overhead_s=4.4e-3)["ttft_mean_ms"] == pytest.approx(
        got["ttft_mean_ms"] + 4.4
    )
