import json

import pytest
from click.testing import CliRunner

from profiles import Efficiency
from recommend.deployment import deployment
from recommend.predict import predict_static
from recommend.roofline import StepModel
from tracefit.cli import cli

KEYS = {
    "ttft_ms",
    "tpot_ms",
    "e2e_s",
    "total_tok_s",
    "output_tok_s",
    "bound",
    "kv_fits",
    "max_batch_kv",
    "latency_floor_ms_per_token",
    "breakdown",
}


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_predict_json_has_the_issue_keys_and_consistent_rates():
    result = run(
        "predict",
        "--model",
        "meta-llama/Meta-Llama-3-8B",
        "--gpu",
        "h100",
        "--batch",
        "8",
        "--isl",
        "1024",
        "--osl",
        "128",
        "--json",
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert KEYS <= set(out)
    # total_tok_s = B x (I + O) / e2e_s; output_tok_s = B x O / e2e_s
    assert out["total_tok_s"] == pytest.approx(8 * 1152 / out["e2e_s"])
    assert out["output_tok_s"] == pytest.approx(8 * 128 / out["e2e_s"])
    assert out["e2e_s"] == pytest.approx(out["ttft_ms"] / 1e3 + out["tpot_ms"] * 127 / 1e3)
    assert out["bound"] == {"prefill": "compute", "decode": "memory"} and out["kv_fits"] is True
    assert set(out["breakdown"]) == {"weights_s", "kv_s", "attention_s", "communication_s", "overhead_s", "host_s"}
    assert sum(out["breakdown"].values()) == pytest.approx(out["e2e_s"], rel=1e-4)


def test_ideal_static_batch_matches_hand_sum():
    # osl 2 with ideal efficiencies: e2e = prefill step + one decode step; tpot is that decode step
    dep = deployment(model="llama-3-8b", gpu="h100")
    ideal = StepModel(
        dep,
        Efficiency(
            hbm_fraction=1,
            gemm_fraction=1,
            gemm_half_tokens=0,
            attention_fraction=1,
            step_overhead_s=0,
            layer_overhead_s=0,
        ),
    )
    pred = predict_static(dep, batch=4, isl=512, osl=2, model=ideal)
    prefill = ideal.step_s(4 * 512, 4 * 512, 0, 0, prefill_seqs=4)
    decode = ideal.step_s(0, 0, 4, 4 * 513)
    assert pred.e2e_s == pytest.approx(prefill + decode)
    assert pred.tpot_ms == pytest.approx(decode * 1e3)


def test_kv_overflow_exits_zero_with_reason():
    result = run(
        "predict", "--model", "llama-3-8b", "--gpu", "l4", "--batch", "64", "--isl", "4096", "--osl", "1024", "--json"
    )
    assert result.exit_code == 0
    out = json.loads(result.output)
    assert out["kv_fits"] is False and out["waves"] > 1 and "waves" in out["reason"]
    assert 0 < out["max_batch_kv"] < 64


def test_weights_that_do_not_fit_fail_with_one_line():
    result = run("predict", "--model", "llama-3-70b", "--gpu", "l4", "--batch", "1", "--isl", "10", "--osl", "10")
    assert result.exit_code == 1 and "raise --tp" in result.output


def test_unknown_gpu_is_a_one_line_error():
    result = run("predict", "--model", "llama-3-8b", "--gpu", "v100x", "--batch", "1", "--isl", "1", "--osl", "1")
    assert result.exit_code == 1 and "known GPUs" in result.output


def test_table_mode_is_json_lines_with_row_columns_and_errors(tmp_path):
    table = tmp_path / "runs.csv"
    table.write_text(
        "model,gpu,tp,weights,kv,engine,batch,isl,osl,e2e_s,note\n"
        "llama-3-8b,h100,1,bf16,bf16,vllm,8,1024,128,1.0,ok\n"
        "no-such-model,h100,1,bf16,bf16,vllm,8,1024,128,1.0,bad\n"
        "llama-3-70b,l4,1,bf16,bf16,vllm,1,10,10,1.0,too big\n"
    )
    result = run("predict", "--table", str(table))
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 3
    assert KEYS <= set(rows[0]) and rows[0]["note"] == "ok" and rows[0]["row_e2e_s"] == "1.0"
    assert "unknown model" in rows[1]["error"] and "raise --tp" in rows[2]["error"]


def test_predict_without_flags_is_a_usage_error():
    result = run("predict", "--model", "llama-3-8b")
    assert result.exit_code == 2 and "--gpu" in result.output


def test_roofline_json():
    result = run("roofline", "--model", "llama-3-8b", "--gpu", "h100", "--json")
    assert result.exit_code == 0
    out = json.loads(result.output)
    assert out["ridge_ops_per_byte"] == pytest.approx(295.37, abs=0.01)
    assert [r["batch"] for r in out["decode"]] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
    assert out["decode"][0]["bound"] == "memory" and out["decode"][-1]["bound"] == "compute"
    steps = [r["step_ms"] for r in out["decode"]]
    assert steps == sorted(steps)
    # vLLM's host (2 ms a step + 30 us a running sequence) against the whole step, batch 1 and 1024
    first, last = out["decode"][0], out["decode"][-1]
    assert first["host_share"] == pytest.approx((2e-3 + 30e-6) / (first["step_ms"] / 1e3), rel=1e-6)
    assert last["host_share"] == pytest.approx((2e-3 + 1024 * 30e-6) / (last["step_ms"] / 1e3), rel=1e-6)


def test_long_decode_sum_over_segments_equals_the_step_by_step_sum(monkeypatch):
    # a step's parts are linear in context between switch points, so the segment sum is exact here
    import recommend.predict as predict

    dep = deployment(model="llama-3-8b", gpu="h100")
    fast = predict_static(dep, batch=8, isl=128, osl=2048)
    monkeypatch.setattr(predict, "EXACT_DECODE_STEPS", 10**9)
    slow = predict_static(dep, batch=8, isl=128, osl=2048)
    assert fast.e2e_s == pytest.approx(slow.e2e_s, rel=1e-9)
    assert fast.breakdown == pytest.approx(slow.breakdown, rel=1e-6)


@pytest.mark.parametrize(
    "model,gpu,weights",
    [
        ("deepseek-r1", "b200", "nvfp4"),
        ("kimi-k2", "gb200", "nvfp4"),
        ("qwen3-235b-a22b", "mi355x", "mxfp4"),
        ("gpt-oss-120b", "h100", "mxfp4"),
        ("minimax-m2", "b300", "fp8"),
        ("qwen3-30b-a3b", "l40s", "fp8"),
        ("gpt-oss-20b", "l4", "mxfp4"),
        ("qwen3-235b-a22b", "mi325x", "fp8"),
        ("llama-4-scout", "h100", "fp8"),
        ("llama-4-maverick", "b200", "nvfp4"),
    ],
)
def test_predict_accepts_the_moe_models_and_gpus_deployed_now(model, gpu, weights):
    result = run(
        "predict",
        "--model",
        model,
        "--gpu",
        gpu,
        "--tp",
        "8" if gpu not in ("l40s", "l4") else "1",
        "--weights",
        weights,
        "--kv",
        "fp8",
        "--batch",
        "8",
        "--isl",
        "1024",
        "--osl",
        "64",
        "--json",
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["e2e_s"] > 0 and out["tpot_ms"] > 0


def test_chunked_attention_past_its_chunk_is_called_pessimistic():
    from recommend.predict import caveat

    scout = deployment(model="llama-4-scout", gpu="h200", tp=2, weights="fp8")
    assert caveat(scout, 8192) is None  # within one chunk every layer does read the whole context
    assert caveat(scout, 8193).startswith("pessimistic past 8192 tokens")
    both = caveat(deployment(model="llama-4-scout", gpu="h200", tp=2, weights="fp8", engine="trtllm"), 20000)
    assert both.startswith("optimistic for MoE on TensorRT-LLM") and "; pessimistic past 8192" in both
    assert caveat(deployment(model="llama-3.1-8b", gpu="h100"), 100_000) is None


def test_moe_on_tensorrt_llm_carries_the_published_caveat():
    args = ("--gpu", "b200", "--weights", "nvfp4", "--batch", "8", "--isl", "128", "--osl", "16")
    moe = run("predict", "--model", "llama-4-scout", "--engine", "trtllm", *args)
    assert moe.exit_code == 0 and "caveat: optimistic for MoE on TensorRT-LLM" in moe.output
    as_json = json.loads(run("predict", "--model", "llama-4-scout", "--engine", "trtllm", *args, "--json").output)
    assert "median 1.47x" in as_json["caveat"]
    for other in (("--model", "llama-3.1-8b", "--engine", "trtllm"), ("--model", "llama-4-scout", "--engine", "vllm")):
        assert "caveat" not in json.loads(run("predict", *other, *args, "--json").output)


def test_every_published_row_cites_its_source_and_resolves():
    import csv
    from pathlib import Path

    data = Path(__file__).resolve().parent.parent / "bench" / "data"
    for name in ("published_runs.csv", "published_serving.csv"):
        with open(data / name, newline="") as f:
            rows = list(csv.DictReader(f))
        assert rows and all(r["source"].startswith("https://") and r["measured"] for r in rows)
        for r in rows:  # every row names a catalog model, GPU, engine and dtypes
            deployment(
                model=r["model"], gpu=r["gpu"], tp=int(r["tp"]), weights=r["weights"], kv=r["kv"], engine=r["engine"]
            )


def test_expert_parallel_flag_and_table_column(tmp_path):
    # --ep on a MoE model: predicted as expert-parallel (more KV: whole-head KV per rank, no TP replicas of
    # Qwen3's 4 KV heads); on a dense model a one-line error; a table's `ep` column does the same
    args = (
        "predict",
        "--model",
        "qwen3-235b-a22b",
        "--gpu",
        "h200",
        "--tp",
        "8",
        "--weights",
        "fp8",
        "--batch",
        "64",
        "--isl",
        "1000",
        "--osl",
        "100",
        "--json",
    )
    tp, ep = json.loads(run(*args).output), json.loads(run(*args, "--ep").output)
    assert (tp["ep"], ep["ep"]) == (False, True) and ep["max_batch_kv"] > tp["max_batch_kv"]
    dense = CliRunner().invoke(
        cli,
        [
            "predict",
            "--model",
            "llama-3-8b",
            "--gpu",
            "h100",
            "--tp",
            "2",
            "--ep",
            "--batch",
            "1",
            "--isl",
            "8",
            "--osl",
            "8",
        ],
    )
    assert dense.exit_code != 0 and "mixture-of-experts" in dense.output
    table = tmp_path / "t.csv"
    table.write_text(
        "model,gpu,tp,weights,batch,isl,osl,ep\nqwen3-235b-a22b,h200,8,fp8,64,1000,100,1\n"
        "llama-3-8b,h100,2,bf16,1,8,8,yes\n"
    )
    rows = [json.loads(line) for line in run("predict", "--table", str(table)).output.splitlines()]
    assert rows[0]["e2e_s"] == pytest.approx(ep["e2e_s"]) and "mixture-of-experts" in rows[1]["error"]


def test_identical_prompts_flag_and_table_column(tmp_path):
    # a benchmark that copies one prompt (LLM-Inference-Bench's TensorRT-LLM harness): Mixtral's batch of 16
    # streams 2 experts a step instead of ~8, so it is predicted faster; dense models do not change; the flag
    # is for static batches only, and a table's identical_prompts column does the same as the flag
    args = ("predict", "--model", "mixtral-8x7b", "--gpu", "h100", "--tp", "4", "--weights", "fp16", "--engine")
    args += ("trtllm", "--batch", "16", "--isl", "128", "--osl", "128", "--json")
    plain, copies = json.loads(run(*args).output), json.loads(run(*args, "--identical-prompts").output)
    assert copies["identical_prompts"] is True and "identical_prompts" not in plain
    assert copies["e2e_s"] < 0.6 * plain["e2e_s"]
    dense = ("predict", "--model", "llama-3-8b", "--gpu", "h100", "--batch", "16", "--isl", "128", "--osl", "128")
    assert (
        json.loads(run(*dense, "--json").output)["e2e_s"]
        == json.loads(run(*dense, "--json", "--identical-prompts").output)["e2e_s"]
    )
    closed = CliRunner().invoke(cli, [*dense[:5], "--clients", "4", "--isl", "8", "--osl", "8", "--identical-prompts"])
    assert closed.exit_code == 2 and "static batch" in closed.output
    table = tmp_path / "runs.csv"
    table.write_text(
        "model,gpu,tp,weights,engine,batch,isl,osl,identical_prompts\n"
        "mixtral-8x7b,h100,4,fp16,trtllm,16,128,128,true\n"
        "mixtral-8x7b,h100,4,fp16,trtllm,16,128,128,false\n"
        "mixtral-8x7b,h100,4,fp16,trtllm,,128,128,true\n"
    )
    rows = [json.loads(line) for line in run("predict", "--table", str(table)).output.splitlines()]
    assert rows[0]["e2e_s"] == pytest.approx(copies["e2e_s"]) and rows[1]["e2e_s"] == pytest.approx(plain["e2e_s"])
    assert "batch, clients or rate" in rows[2]["error"]
    both = CliRunner().invoke(cli, ["predict", "--table", str(table), "--identical-prompts"])
    assert both.exit_code == 2 and "its column" in both.output


def test_a_batch_filling_a_tight_kv_budget_is_called_optimistic():
    # Llama-2-70B fp16 on 4 x A100-40GB (TensorRT-LLM): K and V of 80 layers x 2 of 8 KV heads x 128 dims x 2 B =
    # 81,920 B a token on each GPU. 32 x (512 + 512) tokens = 2.5 GiB, over a quarter of the ~5.4 GiB budget
    # (runs like it took 1.5-4.6x the prediction); 16 x (256 + 256) = 0.625 GiB is not; an H100's budget is not tight
    from recommend.memory import kv_budget_bytes_per_gpu
    from recommend.predict import caveat

    dep = deployment(model="llama-2-70b", gpu="a100-40gb-sxm", tp=4, weights="fp16", kv="fp16", engine="trtllm")
    assert 4 * 2**30 < kv_budget_bytes_per_gpu(dep) < 8 * 2**30
    tight = caveat(dep, 1024, 32)
    assert tight and "needs 2.5 GiB of KV a GPU" in tight and "1.5-4.6x" in tight
    assert caveat(dep, 512, 16) is None
    assert "optimistic" in predict_static(dep, batch=32, isl=512, osl=512).caveat
    h100 = deployment(model="llama-2-70b", gpu="h100", tp=4, weights="fp16", kv="fp16", engine="trtllm")
    assert caveat(h100, 4096, 64) is None


def test_table_num_prompts_column_predicts_a_bench_serve_run(tmp_path):
    # a row with clients and num_prompts is what `predict --clients N --num-prompts P` prints; with batch it is
    # an error row, the other rows still predicted
    flags = ("predict", "--model", "qwen2.5-3b", "--gpu", "gh200", "--engine", "sglang", "--isl", "512", "--osl", "128")
    one = json.loads(run(*flags, "--clients", "8", "--num-prompts", "50", "--json").output)
    table = tmp_path / "runs.csv"
    drawn = json.loads(run(*flags, "--clients", "8", "--num-prompts", "50", "--client", "sglang", "--json").output)
    table.write_text(
        "model,gpu,engine,clients,batch,num_prompts,client,isl,osl\n"
        "qwen2.5-3b,gh200,sglang,8,,50,,512,128\n"
        "qwen2.5-3b,gh200,sglang,,8,50,,512,128\n"
        "qwen2.5-3b,gh200,sglang,8,,50,sglang,512,128\n"
    )
    rows = [json.loads(line) for line in run("predict", "--table", str(table)).output.splitlines()]
    assert rows[0]["output_tok_s"] == pytest.approx(one["output_tok_s"])
    assert rows[0]["ttft_mean_ms"] == pytest.approx(one["ttft_mean_ms"])
    assert "num_prompts applies to clients" in rows[1]["error"]
    assert rows[2]["output_tok_s"] == pytest.approx(drawn["output_tok_s"])
    assert abs(drawn["output_tok_s"] / one["output_tok_s"] - 1) > 0.05  # uniform lengths are another run
