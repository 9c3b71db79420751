"""Decode-only stretches in closed form: k steps cost O(1), not k calls of step_s.

In a stretch the batch is fixed (n decoders) and the context grows by n tokens per step, so
step s lasts step_s(0, 0, n, ctx0 + s*n). Where that is affine in the context over the stretch,
a + b*ctx, the stretch's duration and the step at which it crosses a deadline are sums of an
arithmetic series. Affinity is proven, not assumed, for step functions convex in the decode
context (the roofline is: constants plus the max of two lines): a convex function that agrees
with a line at three points is that line between the outer two. Lines are cached per batch size.
"""

import math

REL_TOL = 1e-9  # agreement that counts as "on the line"; far below any timing we report


class DecodeLines:
    """Per batch size n: (a, b, lo, hi) with step_s(0, 0, n, ctx) = a + b*ctx on [lo, hi]."""

    def __init__(self, step_s):
        self.step_s = step_s
        self.known = {}

    def fit(self, n, lo_ctx, hi_ctx):
        """[a, b, lo, hi] covering [lo_ctx, hi_ctx] (hi_ctx - lo_ctx >= 2), or None where
        step_s is not affine there."""
        line = self.known.get(n)
        if line is not None:
            a, b, lo, hi = line
            if lo <= lo_ctx and hi_ctx <= hi:
                return line
            if (lo <= lo_ctx or self._on(n, a, b, lo_ctx)) and (hi_ctx <= hi or self._on(n, a, b, hi_ctx)):
                line[2], line[3] = min(lo, lo_ctx), max(hi, hi_ctx)  # lo < hi: three points
                return line
        f_lo, f_hi = self.step_s(0, 0, n, lo_ctx), self.step_s(0, 0, n, hi_ctx)
        b = (f_hi - f_lo) / (hi_ctx - lo_ctx)
        a = f_lo - b * lo_ctx
        if not self._on(n, a, b, (lo_ctx + hi_ctx) // 2):
            return None
        line = self.known[n] = [a, b, lo_ctx, hi_ctx]
        return line

    def _on(self, n, a, b, ctx):
        f = self.step_s(0, 0, n, ctx)
        return abs(f - (a + b * ctx)) <= REL_TOL * abs(f)


def duration_s(j, first_s, growth_s):
    """Seconds of j steps lasting first_s, first_s + growth_s, first_s + 2*growth_s, ..."""
    return j * first_s + growth_s * (j * (j - 1) / 2)


def steps_before(k, budget_s, first_s, growth_s):
    """Steps (1..k) that start before budget_s has elapsed: the first always runs."""
    if budget_s == math.inf:
        return k
    if growth_s > 0:
        # smallest real j with duration_s(j) >= budget_s: growth/2 j^2 + (first - growth/2) j
        half = first_s - growth_s / 2
        j = math.ceil((-half + math.sqrt(half * half + 2 * growth_s * budget_s)) / growth_s)
    else:
        j = math.ceil(budget_s / first_s) if first_s > 0 else k
    j = min(max(j, 1), k)
    while j > 1 and duration_s(j - 1, first_s, growth_s) >= budget_s:
        j -= 1
    while j < k and duration_s(j, first_s, growth_s) < budget_s:
        j += 1
    return j


def block_seconds(j, used_blocks, new_per_step, first_s, growth_s):
    """Integral of used KV blocks over j steps, the stretch's new blocks spread evenly.

    Real allocation is a staircase (a decoder takes a block every block_tokens steps); the
    even spread is within 2 blocks per decoder of it at every step and ends where it ends.
    """
    u0 = used_blocks + new_per_step  # during step 0, after its allocation
    s1 = j * (j - 1) / 2  # sum of s over 0..j-1
    s2 = (j - 1) * j * (2 * j - 1) / 6  # sum of s^2
    return u0 * first_s * j + (u0 * growth_s + new_per_step * first_s) * s1 + new_per_step * growth_s * s2
