"""bench/predict_accuracy.py's validation reader: which LLM-Inference-Bench rows it keeps and why."""

from tests.bench_modules import bench_module


def _module():
    return bench_module("predict_accuracy")


HEADER = "Hardware,Num of Hardware,Framework,Model,Input Output Length,Batch Size,Latency,Throughput\n"


def test_validation_rows_keeps_physical_rows_and_says_why_others_left(tmp_path):
    # Llama-2-7B fp16 on one A100-40GB: 32 layers x 202.4e6 params x 2 B + lm_head 32000 x 4096 x 2 B
    # = 13.21 GB per token at 1.555 TB/s = 8.50 ms, so 128 output tokens cannot take less than 1.09 s.
    path = tmp_path / "All_results.csv"
    path.write_text(
        HEADER
        + "Nvidia A100 GPU,1,vLLM,meta-llama/Llama-2-7b-hf,128,16,2.5,1638\n"  # kept
        + "Nvidia A100 GPU,1,vLLM,meta-llama/Llama-2-7b-hf,128,16,1.0,4096\n"  # < 1.09 s floor
        + "Nvidia A100 GPU,1,vLLM,Deci/DeciLM-7B,128,16,2.5,1638\n"  # not in the catalog
        + "AMD MI250 GPU,1,vLLM,meta-llama/Llama-2-7b-hf,128,16,2.5,1638\n"  # not NVIDIA: ignored
        + "Nvidia H100 GPU,2,TensorRT-LLM,meta-llama/Llama-2-7b-hf,256,1,3.0,170\n"
    )  # kept
    rows, dropped = _module().validation_rows(path)
    # the TensorRT-LLM harness copies one prompt batch_size times (run_power.py generate_input), vLLM's draws
    # random prompt ids per sequence (benchmark_throughput.py)
    assert [(r["gpu"], r["engine"], r["tp"], r["isl"], r["osl"], r["identical_prompts"]) for r in rows] == [
        ("a100-40gb-sxm", "vllm-v0.6", "1", "128", "128", "false"),
        ("h100-sxm", "trtllm-cpp", "2", "256", "256", "true"),
    ]
    assert dropped == {"faster than the weight-streaming floor": 1, "model not in the catalog": 1}
