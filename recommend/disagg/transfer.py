"""KV-cache transfer between a prefill and a decode pool: bytes per request and seconds over a link.

A request's prompt KV (every layer's K and V for every prompt token, the model's whole KV layout:
layers x KV heads x head dim x 2 x KV dtype bytes; recommend/memory.py) moves once from the prefill
replica to a decode replica. Each TP shard sends its own heads over its own GPU's link, so a split
moves over min(prefill TP, decode TP) links in parallel (the side with fewer shards has fewer NICs).
A shard holding a replicated KV head (TP > KV heads) sends no extra bytes: only one copy is needed.
MLA (DeepSeek-V3, Kimi-K2) caches one latent + rope key per layer, replicated on every shard
(recommend/memory.py): each decode rank reads the whole latent over its own link (vLLM's NixlConnector
compatibility matrix: "MLA KV cache is replicated across TP workers ... no head-splitting"), so more
links do not shorten it: one lane.

    seconds = latency + prompt_tokens x bytes_per_token / (link line rate x achieved fraction x lanes)

Link numbers and their sources: profiles/links.py.
"""

from dataclasses import dataclass

from profiles import get_gpu, get_model
from profiles.links import LINKS, NVLINK_OF_INTERCONNECT, LinkSpec, get_link
from recommend.errors import RecommendError
from recommend.memory import kv_bytes_per_token


@dataclass(frozen=True, slots=True, kw_only=True)
class KvTransfer:
    """The KV move of one prefill -> decode pair of deployments over one link."""

    link: LinkSpec
    bytes_per_token: float  # whole model, one copy
    lanes: int  # links used in parallel

    @property
    def bytes_s(self) -> float:
        return self.link.bytes_s(self.lanes)

    def seconds(self, prompt_tokens):
        """Seconds to move `prompt_tokens` tokens' KV (scalar or numpy array)."""
        return self.link.latency_us * 1e-6 + prompt_tokens * self.bytes_per_token / self.bytes_s

    def to_dict(self) -> dict:
        return {
            "link": self.link.name,
            "gb_s_per_gpu": self.link.gb_s_per_gpu,
            "achieved_fraction": self.link.achieved_fraction,
            "lanes": self.lanes,
            "latency_us": self.link.latency_us,
            "bytes_per_token": self.bytes_per_token,
            "source": self.link.source,
            "fraction_source": self.link.fraction_source,
        }


def kv_transfer(
    model: str, kv: str, *, prefill_gpu: str, prefill_tp: int, decode_gpu: str, decode_tp: int, link: str
) -> KvTransfer:
    """The transfer model for this pair; an NVLink link needs both pools on the same NVLink GPU type."""
    spec = get_link(link)
    if spec.same_node:
        p, d = get_gpu(prefill_gpu), get_gpu(decode_gpu)
        if p.name != d.name or NVLINK_OF_INTERCONNECT.get(p.interconnect) != spec.name:
            raise RecommendError(
                f"--kv-link {spec.name} joins GPUs of one NVLink domain; {p.name} -> {d.name} "
                f"({p.interconnect}) cannot use it: pick a network link ({', '.join(_network())})"
            )
    m = get_model(model)
    return KvTransfer(
        link=spec, bytes_per_token=kv_bytes_per_token(m, kv, 1), lanes=1 if m.is_mla else min(prefill_tp, decode_tp)
    )


def link_usable(link: str, prefill_gpu: str, decode_gpu: str) -> bool:
    try:
        kv_transfer(
            "llama-3-8b", "bf16", prefill_gpu=prefill_gpu, prefill_tp=1, decode_gpu=decode_gpu, decode_tp=1, link=link
        )
    except RecommendError:
        return False
    return True


def _network() -> list[str]:
    return [name for name, spec in LINKS.items() if not spec.same_node]
