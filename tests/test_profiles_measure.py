"""`tracefit profile measure` end to end on the CPU (tiny shapes, --quick), and on CUDA where there is one.

The CPU profile is measured once into the test's tmp dir; nothing here claims GPU numbers. No timing
assertions: only structure, counts and derivations (STYLE.md)."""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from profiles.measure import gemm_shapes
from profiles.models import get_model
from profiles.profile import load_profile
from tracefit.cli import cli

torch = pytest.importorskip("torch", reason="measuring needs torch: pip install -e '.[measure]'")

PREDICT = (
    "predict",
    "--model",
    "llama-3.1-8b",
    "--gpu",
    "h100",
    "--batch",
    "8",
    "--isl",
    "1024",
    "--osl",
    "64",
    "--json",
)


def run(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def cpu_profile(tmp_path_factory):
    path = tmp_path_factory.mktemp("profiles") / "cpu.json"
    run("profile", "measure", "--device", "cpu", "--quick", "--out", str(path))
    return path


def test_the_cpu_profile_records_the_device_and_what_was_skipped(cpu_profile):
    doc = load_profile(cpu_profile)
    assert doc["device"]["kind"] == "cpu" and doc["device"]["catalog_gpu"] is None
    assert doc["device"]["torch"] == torch.__version__ and doc["device"]["name"].startswith("cpu: ")
    assert "measured maxima" in doc["reference"]["source"]
    assert {s["what"] for s in doc["skipped"]} >= {"gemm fp8", "allreduce"}
    assert all(doc["measurements"][t] for t in ("hbm", "gemm", "attention_prefill", "attention_decode", "overhead"))
    assert doc["measurements"]["allreduce"] == []
    assert doc["command"].startswith("tracefit") and doc["settings"]["models"] == ["llama-3.1-8b"]


def test_every_row_is_identity_plus_consistent_stats(cpu_profile):
    doc = load_profile(cpu_profile)
    repeats = doc["settings"]["repeats"]
    for table in ("hbm", "gemm", "attention_prefill", "attention_decode", "overhead"):
        for row in doc["measurements"][table]:
            assert row["min_s"] <= row["median_s"] <= row["max_s"] and row["min_s"] > 0
            assert row["repeats"] == len(row["samples_s"]) == repeats
    for row in doc["measurements"]["gemm"] + doc["measurements"]["attention_decode"]:
        assert row["rotations"] >= 2  # never the same buffer twice in a row


def test_gemm_rows_are_the_model_shapes_over_m(cpu_profile):
    doc = load_profile(cpu_profile)
    # llama-3.1-8b widths / 8 on CPU quick: hidden 512, q 4096/8 = 512, kv 1024/8 = 128 -> qkv n = 768;
    # gate_up n = 2 x 14336/8 = 3584; lm_head n = 128256 / 8 = 16032 (multiple of 16)
    assert gemm_shapes(get_model("llama-3.1-8b"), 8) == [
        ("qkv", 768, 512, 32),
        ("o", 512, 512, 32),
        ("gate_up", 3584, 512, 32),
        ("down", 512, 1792, 32),
        ("lm_head", 16032, 512, 1),
    ]
    rows = doc["measurements"]["gemm"]
    assert {(r["shape"], r["m"]) for r in rows} == {
        (s, m) for s, *_ in gemm_shapes(get_model("llama-3.1-8b"), 8) for m in doc["settings"]["ms"]
    }
    for r in rows:
        assert r["flops"] == 2 * r["m"] * r["n"] * r["k"]
        assert r["tflops"] == pytest.approx(r["flops"] / r["median_s"] / 1e12)
        assert r["roofline_fraction"] > 0


def test_moe_models_measure_expert_shapes():
    names = [s for s, *_ in gemm_shapes(get_model("mixtral-8x7b"))]
    assert names == ["qkv", "o", "expert_gate_up", "expert_down", "lm_head"]


def test_show_and_list(cpu_profile, monkeypatch):
    shown = json.loads(run("profile", "show", str(cpu_profile), "--json").stdout)
    assert shown["gemm_fraction_by_m"]["bf16"] and shown["prefill_fraction_by_tokens"]
    assert shown["decode_hbm_fraction_by_kv_bytes"] and shown["hbm_fraction"] == pytest.approx(1.0)
    assert "GEMM bf16" in run("profile", "show", str(cpu_profile)).output
    monkeypatch.setenv("TRACEFIT_PROFILES", str(cpu_profile.parent))
    listed = json.loads(run("profile", "list", "--json").stdout)
    assert [r["path"] for r in listed if r["origin"] == "user"] == [str(cpu_profile)]


def test_predict_with_the_profile_is_different_and_sane(cpu_profile):
    default = json.loads(run(*PREDICT).stdout)
    profiled = json.loads(run(*PREDICT, "--profile", str(cpu_profile)).stdout)
    assert str(cpu_profile) in profiled["efficiency"] and str(cpu_profile) not in default["efficiency"]
    assert profiled["e2e_s"] != default["e2e_s"]
    for key in ("ttft_ms", "tpot_ms", "e2e_s"):  # same order of magnitude: a CPU's curve shapes, H100 peaks
        assert 0.1 < profiled[key] / default[key] < 10
    assert sum(profiled["breakdown"].values()) == pytest.approx(profiled["e2e_s"], rel=1e-4)
    # decode can never beat streaming the weights at datasheet bandwidth
    assert profiled["tpot_ms"] > profiled["latency_floor_ms_per_token"]
    report = json.loads(
        run("roofline", "--model", "llama-3.1-8b", "--gpu", "h100", "--profile", str(cpu_profile), "--json").stdout
    )
    assert str(cpu_profile) in report["efficiency"] and report["decode"][0]["step_ms"] > 0


def test_importing_the_measuring_modules_does_not_import_torch():
    code = "import sys, profiles.measure, profiles.measure_kernels; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.gpu
def test_quick_profile_on_cuda(tmp_path):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device: run on a GPU machine (`pytest -m gpu`)")
    from profiles.measure import measure

    doc = measure(models=["llama-3.1-8b"], device="cuda:0", quick=True, log=lambda _: None)
    assert doc["device"]["kind"] == "cuda" and doc["device"]["cuda"]
    assert all(r["m"] <= r["m_kernel"] for r in doc["measurements"]["gemm"])
    if torch.cuda.get_device_capability(0) >= (8, 9):
        assert any(r["dtype"] == "fp8" for r in doc["measurements"]["gemm"])
    if doc["device"]["catalog_gpu"]:
        assert doc["reference"]["source"].startswith("datasheet")


def test_allreduce_probe_runs_across_processes():
    # two gloo ranks on the CPU stand in for NCCL GPUs; ring bus bandwidth = alg x 2(n-1)/n = alg for n = 2
    from profiles.measure_allreduce import allreduce

    rows = allreduce(2, "cpu", (1 << 12, 1 << 16), warmup=1, repeats=3)
    assert [(r["ranks"], r["backend"], r["bytes"]) for r in rows] == [(2, "gloo", 1 << 12), (2, "gloo", 1 << 16)]
    assert all(r["bus_gb_s"] == pytest.approx(r["alg_gb_s"]) and r["repeats"] == 3 for r in rows)


def test_measuring_cuda_without_cuda_says_how_to_proceed():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    result = CliRunner().invoke(cli, ["profile", "measure", "--device", "cuda:0", "--out", "x.json"])
    assert result.exit_code == 1 and "--device cpu --quick" in result.output
