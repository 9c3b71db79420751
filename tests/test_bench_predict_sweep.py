"""bench/predict_sweep.py: which runs of NVIDIA's v0.9.0 sweep it predicts, and why it leaves the others out."""

import pytest

from tests.bench_modules import bench_module

COLUMNS = (
    "Batch Size,Precision,Input/Output Lengths,Tensor Model Parallel Size,Pipeline Model Parallel Size,Model,GPU,"
    "1st Token Latency (ms),Latency (ms)"
)


def test_sweep_rows_keep_predictable_runs_and_count_the_rest(tmp_path):
    sweep = tmp_path / "sweep.csv"
    sweep.write_text(
        COLUMNS
        + "\n"
        + "\n".join(
            (
                '1,FP8,"128,128",1,1,LLaMA v2 7B,H100 80GB HBM3,6.36,526.76',  # kept: 0.52676 s, 6.36 ms
                '1024,FP8,"128,128",1,1,GPTJ 6B,H200 141GB HBM3,900.0,4800.5',  # kept; the v0.9.0 table has it
                '8,Mixed,"128,2048",2,1,LLaMA v2 70B,A100-SXM4-80GB,,',  # failed run
                '4,FP8,"128,128",1,1,LLaMA v2 13B,L40,80.42,3006.62',  # L40: not in the catalog
                '4,Mixed,"128,128",1,1,Mixtral 8x7B,H100 80GB HBM3,20.0,900.0',  # MoE with fake weights
                '4,FP8,"128,128",4,2,Falcon 180B,H100 80GB HBM3,50.0,3000.0',  # pipeline parallel
            )
        )
        + "\n"
    )
    mod = bench_module("predict_sweep")
    rows, left = mod.sweep_rows(sweep)
    assert dict(left) == {
        "no latency (the run failed)": 1,
        "L40 not in the catalog": 1,
        "Mixtral 8x7B (MoE with fake weights)": 1,
        "pipeline parallel": 1,
    }
    first = rows[0]
    assert (first["model"], first["gpu"], first["tp"], first["dtype"], first["batch"]) == (
        "llama-2-7b",
        "h100-sxm",
        1,
        "fp8",
        1,
    )
    assert (first["isl"], first["osl"], first["e2e_s"], first["first_token_ms"]) == (
        128,
        128,
        pytest.approx(0.52676),
        6.36,
    )
    done, unfit = mod.predicted(rows)
    assert unfit == 0 and [r["in_table"] for r in done] == [False, True]
    assert done[0]["e2e_err"] == pytest.approx(done[0]["predicted_e2e_s"] / 0.52676 - 1)


def test_fit_recovers_planted_fixed_costs_and_holds_out_each_gpu():
    # runs priced by the model itself with 70 us a generation layer, 70 + 50 us a context layer, 10 us a sequence:
    # the grid point with zero error is the planted one, on all runs and on every GPU's leave-one-out fold
    from recommend.predict import predict_static

    mod = bench_module("predict_sweep")
    planted = {"layer_overhead_s": 70e-6, "context_layer_extra_s": 50e-6, "step_overhead_per_seq_s": 10e-6}
    engine = mod.static_engines(planted)["trtllm-xqa"]
    rows = []
    for gpu, model, batch, isl, osl in (
        ("h100-sxm", "llama-2-7b", 1, 128, 128),
        ("h100-sxm", "llama-2-13b", 64, 128, 2048),
        ("a100-80gb-sxm", "llama-2-7b", 8, 2048, 128),
        ("a100-80gb-sxm", "gpt-j-6b", 256, 128, 128),
        ("l40s", "mistral-7b", 1, 2048, 2048),
        ("l40s", "llama-2-7b", 32, 128, 128),
    ):
        dep = mod.deployment(model=model, gpu=gpu, weights="fp8", kv="fp8", engine="trtllm-xqa")
        p = predict_static(mod.dataclasses.replace(dep, engine=engine), batch=batch, isl=isl, osl=osl)
        rows.append(
            {"model": model, "gpu": gpu, "tp": 1, "dtype": "fp8", "batch": batch, "isl": isl, "osl": osl}
            | {"e2e_s": p.e2e_s, "first_token_ms": p.ttft_ms}
        )
    grid = {
        "layer_overhead_s": (60e-6, 70e-6, 80e-6),
        "context_layer_extra_s": (30e-6, 50e-6),
        "step_overhead_per_seq_s": (0.0, 10e-6),
    }
    full, per_gpu, held = mod.fit(rows, grid, table=[])
    assert full == pytest.approx(planted)
    assert set(per_gpu) == {"h100-sxm", "a100-80gb-sxm", "l40s"}
    assert all(p == pytest.approx(planted) for p in per_gpu.values())
    assert held == pytest.approx([0.0] * 6, abs=1e-9)
