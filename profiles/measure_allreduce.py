"""All-reduce bandwidth across the visible GPUs (NCCL), or across CPU processes (gloo) for the suite.

One process per rank (torch.multiprocessing spawn) with a file-store rendezvous in a temp dir; each
size is all-reduced warm-up + repeats times on random data; rank 0 writes its rows. Bus GB/s =
bytes x 2(n-1)/n / seconds (nccl-tests' busbw: what each link carries in a ring), the quantity the
roofline's all-reduce term divides by. torch is imported inside the functions only.
"""

import json
import tempfile
from pathlib import Path

from profiles.measure_kernels import stats, time_calls


def allreduce(ranks: int, device_type: str, sizes: tuple[int, ...], *, warmup: int, repeats: int) -> list[dict]:
    """Rows {ranks, backend, dtype, bytes, stats, alg_gb_s, bus_gb_s} for each size in bytes."""
    import torch.multiprocessing as mp

    with tempfile.TemporaryDirectory() as tmp:
        mp.spawn(_rank, args=(ranks, device_type, sizes, warmup, repeats, tmp), nprocs=ranks, join=True)
        return json.loads((Path(tmp) / "rows.json").read_text())


def _rank(rank: int, ranks: int, device_type: str, sizes, warmup: int, repeats: int, tmp: str) -> None:
    import torch
    import torch.distributed as dist

    cuda = device_type == "cuda"
    if cuda:
        torch.cuda.set_device(rank)
    device = torch.device("cuda", rank) if cuda else torch.device("cpu")
    dtype = torch.bfloat16 if cuda else torch.float32  # gloo reduces fp32; engines all-reduce bf16 activations
    dist.init_process_group("nccl" if cuda else "gloo", init_method=f"file://{tmp}/store", rank=rank, world_size=ranks)
    try:
        generator, rows = torch.Generator(device=device).manual_seed(42 + rank), []
        for size in sizes:
            element = torch.empty((), dtype=dtype).element_size()
            buffers = [
                (torch.randn(size // element, generator=generator, device=device, dtype=dtype),) for _ in range(2)
            ]
            st = stats(time_calls(dist.all_reduce, buffers, device=device, warmup=warmup, repeats=repeats))
            moved = buffers[0][0].numel() * element
            alg = moved / st["median_s"] / 1e9
            rows.append(
                {
                    "ranks": ranks,
                    "backend": dist.get_backend(),
                    "dtype": str(dtype).removeprefix("torch."),
                    "bytes": moved,
                    **st,
                    "alg_gb_s": alg,
                    "bus_gb_s": alg * 2 * (ranks - 1) / ranks,
                }
            )
        if rank == 0:
            (Path(tmp) / "rows.json").write_text(json.dumps(rows))
    finally:
        dist.destroy_process_group()
