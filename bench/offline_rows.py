"""Write bench/data/published_offline.csv from dstack's vLLM `benchmark_throughput.py` result files (JSON).

The files are comparison/h100sxm5_vs_mi300x/raw_data/*-throughput*/ of github.com/dstackai/benchmarks at SOURCE's
commit (runs of November 2024; the folder's README states every command and `collect_env` output): Llama-3.1-405B
in FP8 with tensor parallelism over one node, all prompts handed to vLLM at once (`benchmark_throughput.py
--input-len I --output-len O --num-prompts B --max-model-len 91680`, fixed lengths, outputs forced to length),
each file's `elapsed_time` the whole batch's wall time. Three deployments, as the README has them:
- 8 x H100 SXM5 (NVIDIA H100 80GB HBM3, NVLink), vLLM 0.6.3.post2.dev308, meta-llama/Llama-3.1-405B-FP8,
  `--num-scheduler-step 1`, CUDA graphs (no --enforce-eager);
- 8 x MI300X and 4 x MI300X (ROCm 6.2), vLLM 0.6.4.dev4 (ROCm build), amd/Llama-3.1-405B-Instruct-FP8-KV,
  `--enforce-eager --num-scheduler-step 1`.
Meta's checkpoint keeps attention, the first and last layers and the embeddings in bf16 (only the other layers'
MLPs are FP8): the README's own gpu-usage.md has vLLM loading 56.7677 GB a GPU, where an all-linear FP8 405B
would be 47.7 GiB (the catalog's `llama-3.1-405b-fp8-meta`, which Meta's ids resolve to). AMD's Quark checkpoint
quantizes every linear layer and the KV cache to FP8 (`llama-3.1-405b`). Usage (the
folders from a clone at SOURCE's commit, or its mirror):
  .venv/bin/python bench/offline_rows.py DSTACK_CLONE > bench/data/published_offline.csv
"""

import csv
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# bench/recommend.py would shadow the `recommend` package: keep this folder off the path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

from profiles import get_model  # noqa: E402

SOURCE = "https://github.com/dstackai/benchmarks/blob/06c957a/"
FOLDER = "comparison/h100sxm5_vs_mi300x/raw_data"
# folder -> (gpu, tp, vLLM version, checkpoint, weights, kv, enforce_eager, file name pattern of isl, osl, batch)
H100 = ("0.6.3.post2.dev308", "meta-llama/Llama-3.1-405B-FP8", "fp8", "bf16", 0)
MI300X = ("0.6.4.dev4 rocm", "amd/Llama-3.1-405B-Instruct-FP8-KV", "fp8", "fp8", 1)
H100_FILE = r"nvidia-throughput_test_ip(?P<isl>\d+)_op(?P<osl>\d+)_np(?P<batch>\d+)\.json"
MI300X_FILE = r".*_throughput_req(?P<batch>\d+)_in(?P<isl>\d+)_out(?P<osl>\d+)_\.json"
RUNS = {
    "8xH100SXM5-throughput": ("h100-sxm", 8, *H100, H100_FILE),
    "8Mi300x-throughput-quark": ("mi300x", 8, *MI300X, MI300X_FILE),
    "4Mi300x-throughput-quark": ("mi300x", 4, *MI300X, MI300X_FILE),
}
MAX_MODEL_LEN = 91680  # every command's --max-model-len
COLUMNS = [
    "engine",
    "version",
    "model",
    "checkpoint",
    "gpu",
    "tp",
    "weights",
    "kv",
    "enforce_eager",
    "max_model_len",
    "batch",
    "isl",
    "osl",
    "e2e_s",
    "source",
]


def rows(clone: Path) -> list[dict]:
    out = []
    for folder, (gpu, tp, version, checkpoint, weights, kv, eager, pattern) in RUNS.items():
        for path in sorted((clone / FOLDER / folder).glob("*throughput*.json")):
            m = re.fullmatch(pattern, path.name)
            if not m:
                raise SystemExit(f"{path}: not a throughput result file name this script knows")
            result = json.loads(path.read_text())
            batch, isl, osl = int(m["batch"]), int(m["isl"]), int(m["osl"])
            if result["num_requests"] != batch or result["total_num_tokens"] != batch * (isl + osl):
                raise SystemExit(f"{path}: its request and token counts do not match its name")
            out.append(
                dict(
                    engine="vllm",
                    version=version,
                    model=get_model(checkpoint).name,  # the catalog entry the checkpoint's id resolves to
                    checkpoint=checkpoint,
                    gpu=gpu,
                    tp=tp,
                    weights=weights,
                    kv=kv,
                    enforce_eager=eager,
                    max_model_len=MAX_MODEL_LEN,
                    batch=batch,
                    isl=isl,
                    osl=osl,
                    e2e_s=f"{result['elapsed_time']:.3f}",
                    source=f"{SOURCE}{FOLDER}/{folder}/{path.name}",
                )
            )
    return sorted(out, key=lambda r: (r["gpu"], -r["tp"], r["isl"], r["batch"]))


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    w = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows(Path(sys.argv[1])))


if __name__ == "__main__":
    main()
