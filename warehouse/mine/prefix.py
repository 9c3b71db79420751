"""What an LRU prefix cache of N blocks would have hit, replaying prefix_block_ids in arrival order.

A request's blocks are looked up in order; a block counts as a hit only while every earlier
block of the same request also hit (prefix caching reuses the longest cached prefix, as vLLM's
automatic prefix caching and Mooncake do). Then all its blocks are inserted/refreshed as most
recently used, and the least recently used blocks are evicted down to N.
"""

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class PrefixHits:
    cache_blocks: int
    window: int | None  # regime id, None = all
    lookup_blocks: int
    hit_blocks: int

    @property
    def hit_rate(self) -> float | None:
        return self.hit_blocks / self.lookup_blocks if self.lookup_blocks else None


def simulate(requests: Iterable[tuple[int | None, list[int]]], cache_blocks: int) -> list[PrefixHits]:
    """`requests`: (regime id, block ids) in arrival order -> hits overall and per regime."""
    cache: OrderedDict[int, None] = OrderedDict()
    lookups: dict[int | None, int] = {}
    hits: dict[int | None, int] = {}
    for window, blocks in requests:
        hit = 0
        while hit < len(blocks) and blocks[hit] in cache:
            hit += 1
        for block in blocks:
            cache[block] = None
            cache.move_to_end(block)
        while len(cache) > cache_blocks:
            cache.popitem(last=False)
        for key in (None,) if window is None else (None, window):
            lookups[key] = lookups.get(key, 0) + len(blocks)
            hits[key] = hits.get(key, 0) + hit
    return [
        PrefixHits(cache_blocks=cache_blocks, window=key, lookup_blocks=lookups[key], hit_blocks=hits[key])
        for key in sorted(lookups, key=lambda k: -1 if k is None else k)
    ]
