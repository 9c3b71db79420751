"""max_model_len from the window's lengths: the smallest multiple of 256 tokens that admits
`coverage` of the requests' prompt + output tokens; the rest are reported as rejected."""

import math
from dataclasses import dataclass

import numpy as np

GRID_TOKENS = 256  # vLLM accepts any value; 256 keeps configs readable and is a multiple of every block size


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelLen:
    max_model_len: int  # tokens, prompt + output
    admitted_share: float  # share of the window's requests with prompt + output <= max_model_len


def grid_counts(total_tokens) -> tuple[np.ndarray, np.ndarray]:
    """Request lengths -> (grid lengths, requests): ceil(total / 256) * 256 and how many need it."""
    grid = np.ceil(np.asarray(total_tokens, dtype=np.float64) / GRID_TOKENS).astype(np.int64) * GRID_TOKENS
    lengths, counts = np.unique(np.maximum(grid, GRID_TOKENS), return_counts=True)
    return lengths, counts


def choose_model_len(grid_len_tokens, grid_requests, coverage: float, cap_tokens: int | None = None) -> ModelLen:
    """Smallest grid length whose cumulative share >= coverage (capped at the model's context)."""
    lengths = np.asarray(grid_len_tokens, dtype=np.int64)
    counts = np.asarray(grid_requests, dtype=np.float64)
    if not lengths.size or counts.sum() <= 0:
        length = min(4096, cap_tokens or 4096)
        return ModelLen(max_model_len=length, admitted_share=1.0)
    order = np.argsort(lengths)
    lengths, counts = lengths[order], counts[order]
    share = np.cumsum(counts) / counts.sum()
    # 1e-12: a share of exactly `coverage` computed as 0.99899999... still counts
    i = int(np.searchsorted(share, coverage - 1e-12))
    i = min(i, lengths.size - 1)
    length = int(lengths[i])
    if cap_tokens is not None and length > cap_tokens:
        length = cap_tokens // GRID_TOKENS * GRID_TOKENS
        i = int(np.searchsorted(lengths, length, side="right")) - 1
    admitted = float(share[i]) if i >= 0 else 0.0
    return ModelLen(max_model_len=length, admitted_share=admitted)


def admitted(prompt_tokens, output_tokens, max_model_len: int) -> np.ndarray:
    return (np.asarray(prompt_tokens) + np.asarray(output_tokens)) <= max_model_len


def grid_ceil(tokens: float) -> int:
    return int(math.ceil(tokens / GRID_TOKENS) * GRID_TOKENS)
