"""Disaggregated prefill/decode (`recommend --disagg`): per window, the best xPyD split next to the
aggregated plan, and the pick.

    plan = add_disagg(plan, windows, model="qwen2.5-72b", space=space, options=options, link="ib-ndr")

pick.py (the split per window and the plan keys it adds), screen.py (prefill x decode pools screened
analytically), verify.py (the best splits simulated), transfer.py (KV bytes and seconds on a link),
breakeven.py (the long-prompt share above which a split would screen cheaper).
"""

from recommend.disagg.pick import add_disagg, window_disagg
from recommend.disagg.screen import Split, screen_disagg
from recommend.disagg.transfer import KvTransfer, kv_transfer, link_usable

__all__ = ["KvTransfer", "Split", "add_disagg", "kv_transfer", "link_usable", "screen_disagg", "window_disagg"]
