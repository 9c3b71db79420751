"""One replica's vLLM-style scheduler, advanced event to event (see recommend/simulate/engine.py).

Decoding sequences all advance one token per step, so they are not stored token by token: a
decoder remembers the tick it started decoding (`t0`) and its known tokens then (`known0`);
everything else follows from the current tick. A decoder needs a new KV block on the steps
whose tick falls in its residue class mod block_tokens (`phase`), so `phase_count[tick % B]`
is the number of blocks the decoders need this step. Between events (an arrival, a completion,
a prefill chunk, the step whose allocation would fail) the replica runs a decode-only stretch:
one `step_s` call per step and nothing per sequence.
"""

import heapq
import math
from collections import deque

from recommend.simulate.decode import DecodeLines, block_seconds, steps_before

# An arrival at most 1 ns after a step's end ties with it: the clock moves to the arrival and the
# request is admitted at that step. The closed-form stretches and the step-by-step clock add the
# same step times in another order (~1e-16 s apart); without the tie a request arriving exactly at
# a step boundary could be admitted one step later by one than by the other.
ARRIVAL_TIE_S = 1e-9


class Requests:
    """Per-request inputs, working state and outcomes shared by one run's replicas.

    Plain lists indexed by request; each request belongs to one replica. Times are in s,
    -1.0 until set.
    """

    __slots__ = (
        "arrival_s",
        "prompt",
        "output",
        "sched_s",
        "first_s",
        "finish_s",
        "gen",
        "computed",
        "target",
        "t0",
        "known0",
        "phase",
        "epoch",
    )

    def __init__(self, arrival_s, prompt_tokens, output_tokens):
        n = len(arrival_s)
        self.arrival_s = [float(a) for a in arrival_s]
        self.prompt = [int(p) for p in prompt_tokens]
        self.output = [int(o) for o in output_tokens]
        self.sched_s = [-1.0] * n  # start of the first step that scheduled it
        self.first_s = [-1.0] * n  # end of the step that emitted the first token
        self.finish_s = [-1.0] * n
        self.gen = [0] * n  # tokens generated (for a decoder: at tick t0)
        self.computed = [0] * n  # tokens in KV while prefilling
        self.target = [0] * n  # tokens to prefill: prompt + generated at admission
        self.t0 = [-1] * n  # tick it became a decoder; -1 while not decoding
        self.known0 = [0] * n  # prompt + generated tokens at t0
        self.phase = [0] * n  # tick % block_tokens on which it needs a new block
        self.epoch = [0] * n  # bumped on preemption; invalidates its finish-heap entry


class Replica:
    """Scheduler state of one engine replica.

    The router appends request indices in arrival order to `incoming`; `advance(until_s)`
    runs every step that starts before until_s.
    """

    def __init__(self, spec, step_s, req, prefill_seqs=False, exact_steps=False):
        self.step_s = step_s
        self.prefill_seqs = prefill_seqs  # pass step_s the number of prefilling sequences
        self.lines = None if exact_steps else DecodeLines(step_s)
        self.req = req
        self.max_seqs = spec.max_num_seqs
        self.max_tokens = spec.max_num_batched_tokens
        self.block = spec.block_tokens
        self.total_blocks = spec.kv_capacity_tokens // spec.block_tokens
        self.window = spec.num_scheduler_steps
        self.mixed = spec.mixed_prefill
        self.reserve = spec.reserve_full_length
        self.overlap = spec.overlap_schedule
        self.last_start = 0.0  # start of the last step run (overlap_schedule: its plan saw arrivals until then)
        self.reserved = 0  # blocks the running requests hold or will need (reserve_full_length only)
        self.win0 = 0  # tick the current multi-step window started at
        self.incoming, self.ptr = [], 0
        self.waiting = deque()
        self.running = {}  # request -> None, in admission order (popitem() = newest)
        self.prefilling = []  # running requests still prefilling, admission order
        self.heap = []  # (finish tick, request, epoch) of decoders
        self.phase_count = [0] * spec.block_tokens
        self.now, self.tick = 0.0, 0
        self.n_dec = 0
        self.dec_ctx = 0  # sum of known tokens over decoders = context of this step's decodes
        self.used_blocks = self.peak_blocks = 0
        self.steps = self.batch_seqs = self.preemptions = self.recomputed_tokens = 0
        self.prefill_tokens = self.decode_tokens = self.generated_tokens = 0
        self.block_s = 0.0  # integral of used blocks over time
        self.last_finished = 0  # requests finished by the last step run

    def load(self, at_s):
        """Outstanding requests at at_s, counting those whose last step is still in flight."""
        in_flight = self.last_finished if self.now > at_s else 0
        return len(self.running) + len(self.waiting) + len(self.incoming) - self.ptr + in_flight

    def advance(self, until_s):
        # One loop with the hot state in locals: per-event attribute and call traffic, not the
        # scheduling itself, is what costs (bench/simulate.py). Rare paths are methods.
        # Split into named steps it gave identical results but cost more CPU (bench/simulate.py --replica,
        # bench/RESULTS.md "today's Replica vs a candidate"): +9% with admissions, the end of prefills and
        # the decode-only stretch as methods taking and returning the hot locals, +36% with every step a
        # method over the replica's attributes. So it stays one loop, its steps named by the comments in it.
        req, B, lines = self.req, self.block, self.lines
        arrival, prompt, output, gen = req.arrival_s, req.prompt, req.output, req.gen
        computed, target, t0s, known0s = req.computed, req.target, req.t0, req.known0
        phases, epoch, sched_s = req.phase, req.epoch, req.sched_s
        incoming, waiting, running, prefilling = (self.incoming, self.waiting, self.running, self.prefilling)
        heap, pc, step_s = self.heap, self.phase_count, self.step_s
        max_seqs, max_tokens, total = self.max_seqs, self.max_tokens, self.total_blocks
        now, tick, n_dec, dec_ctx, used, ptr = self._load()
        steps = batch = pf_tokens = dec_tokens = gen_tokens = 0
        block_s, peak, n_in = 0.0, self.peak_blocks, len(incoming)
        window, win0, mixed, replan = self.window, self.win0, self.mixed, False
        reserve, reserved = self.reserve, self.reserved
        overlap, last_start = self.overlap, self.last_start
        while True:
            seen = last_start if overlap else now  # arrivals this step's plan can see
            while ptr < n_in and arrival[incoming[ptr]] <= seen + ARRIVAL_TIE_S:
                waiting.append(incoming[ptr])
                now = max(now, arrival[incoming[ptr]])  # a tie: the step ends as it arrives
                ptr += 1
            next_s = arrival[incoming[ptr]] if ptr < n_in else math.inf
            if not running and not waiting:
                if next_s >= until_s:
                    break
                if next_s > now:
                    now = next_s  # idle until the next arrival
                last_start = now  # an idle scheduler sees an arrival at once
                continue
            if now >= until_s:
                break
            done_now = 0
            # Plan: decodes first, then running prefills, then FCFS admissions. Unmixed engines (vLLM V0
            # without chunked prefill, SGLang without --enable-mixed-chunk) run a step of prefills alone,
            # decodes waiting, whenever a prefill can be scheduled.
            gate = window == 1 or n_dec == 0 or (tick - win0) % window == 0  # multi-step: window ends
            alone = (
                not mixed
                and not replan
                and n_dec > 0
                and bool(prefilling or (waiting and gate and len(running) < max_seqs))
            )
            replan = False
            need = 0 if alone else pc[tick % B]
            budget = max_tokens if alone else max_tokens - n_dec  # >= 0: max_num_batched_tokens >= max_num_seqs
            chunks = []
            for i in prefilling:
                if budget == 0:
                    break
                done = computed[i]
                c = target[i] - done
                if c > budget:
                    c = budget
                nb = -(-(done + c) // B) + done // -B  # ceil((done + c) / B) - ceil(done / B)
                chunks.append((i, c, nb))
                budget -= c
                need += nb
            preempted = need > total - used
            if preempted:
                self._save(now, tick, n_dec, dec_ctx, used, ptr)
                need = self._preempt(chunks, need, total - used, decodes=not alone)
                now, tick, n_dec, dec_ctx, used, ptr = self._load()
                gate = window == 1 or n_dec == 0 or (tick - win0) % window == 0
            while gate and not preempted and waiting and budget > 0 and len(running) < max_seqs:
                i = waiting[0]
                tgt = prompt[i] + gen[i]
                c = tgt if tgt < budget else budget
                nb = -(-c // B)
                if nb > total - used - need:
                    break  # FCFS: the head blocks everyone behind it
                if reserve:  # no-evict: its whole prompt + output beside the running reservations
                    full = -(-(prompt[i] + output[i]) // B)
                    if reserved + full > total:
                        break
                    reserved += full
                waiting.popleft()
                running[i] = None
                prefilling.append(i)
                computed[i], target[i] = 0, tgt
                if sched_s[i] < 0:
                    sched_s[i] = now
                chunks.append((i, c, nb))
                budget -= c
                need += nb
            if alone and not chunks:  # no prefill fits after all: plan the decodes' step instead
                replan = True
                continue
            if chunks:  # one step with prefill; a chunk attends over its whole prefix
                tokens = ctx = 0
                for i, c, _ in chunks:
                    tokens += c
                    ctx += computed[i] + c
                stepping = 0 if alone else n_dec  # decoders advanced by this step
                if self.prefill_seqs:
                    d = step_s(tokens, ctx, stepping, dec_ctx if stepping else 0, len(chunks))
                else:
                    d = step_s(tokens, ctx, stepping, dec_ctx if stepping else 0)
                used += need
                if used > peak:
                    peak = used
                block_s += used * d
                last_start = now
                now += d
                if not alone:
                    tick += 1  # ticks count the steps that decode: a decoder's tokens follow them
                win0 = tick
                steps += 1
                batch += stepping + len(chunks)
                pf_tokens += tokens
                dec_tokens += stepping
                dec_ctx += stepping
                for i, c, _ in chunks:
                    computed[i] += c
                    if computed[i] < target[i]:
                        continue
                    prefilling.remove(i)  # the step that ends a prefill emits a token
                    g = gen[i] = gen[i] + 1
                    gen_tokens += 1
                    if g == 1:
                        req.first_s[i] = now
                    if g == output[i]:
                        used -= -(-target[i] // B)
                        if reserve:
                            reserved -= -(-(prompt[i] + output[i]) // B)
                        del running[i]
                        req.finish_s[i] = now
                        done_now += 1
                        continue
                    known = target[i] + 1
                    t0s[i], known0s[i] = tick, known
                    ph = phases[i] = (tick - known + 1) % B  # computed = known - 1 + ticks since
                    pc[ph] += 1
                    n_dec += 1
                    dec_ctx += known
                    heapq.heappush(heap, (tick + output[i] - g, i, epoch[i]))
            elif n_dec:  # decode-only steps until an event
                while heap[0][2] != epoch[heap[0][1]]:
                    heapq.heappop(heap)
                k = 1 if preempted or (overlap and not waiting and next_s <= now) else heap[0][0] - tick
                if waiting and window > 1:  # run to the window's end, where the scheduler admits
                    k = min(k, window - (tick - win0) % window)
                if n_dec * -(-k // B) > total - used:  # <= one new block per decoder per B steps
                    k = min(k, self._kv_steps(total - used, n_dec, tick))
                stop_s = until_s if waiting else min(until_s, next_s - ARRIVAL_TIE_S)
                line = None
                if k > 3 and lines:
                    line = lines.known.get(n_dec)  # (a, b, lo, hi); else fit one
                    if line is None or dec_ctx < line[2] or dec_ctx + (k - 1) * n_dec > line[3]:
                        line = lines.fit(n_dec, dec_ctx, dec_ctx + (k - 1) * n_dec)
                if line is None:
                    s, bs, now, dec_ctx, used, last_start = self._decode_steps(
                        k, stop_s, now, n_dec, dec_ctx, used, tick
                    )
                else:
                    first_s, growth_s = line[0] + line[1] * dec_ctx, line[1] * n_dec
                    dur = k * first_s + growth_s * (k * (k - 1) / 2)
                    s = k
                    if now + dur >= stop_s:
                        s = steps_before(k, stop_s - now, first_s, growth_s)
                        dur = s * first_s + growth_s * (s * (s - 1) / 2)
                    now += dur
                    last_start = now - (first_s + growth_s * (s - 1))
                    rem, r0 = s % B, tick % B
                    new = n_dec * (s // B) + sum(pc[r0 : r0 + rem])
                    if r0 + rem > B:
                        new += sum(pc[: r0 + rem - B])
                    bs = block_seconds(s, used, new / s, first_s, growth_s)
                    used += new
                    dec_ctx += n_dec * s
                tick += s
                block_s += bs
                steps += s
                batch += n_dec * s
                dec_tokens += n_dec * s
                if used > peak:
                    peak = used
            else:
                raise RuntimeError("scheduler stalled: nothing schedulable")
            while heap and heap[0][0] <= tick:  # decoders that emitted their last token
                _, i, e = heapq.heappop(heap)
                if e != epoch[i]:
                    continue
                known = known0s[i] + tick - t0s[i]
                used -= -(-(known - 1) // B)
                if reserve:
                    reserved -= -(-(prompt[i] + output[i]) // B)
                n_dec -= 1
                dec_ctx -= known
                pc[phases[i]] -= 1
                del running[i]
                gen[i] = output[i]
                t0s[i] = -1
                req.finish_s[i] = now
                done_now += 1
            self.last_finished = done_now
        self._save(now, tick, n_dec, dec_ctx, used, ptr)
        self.win0, self.reserved, self.last_start = win0, reserved, last_start
        self.steps += steps
        self.batch_seqs += batch
        self.prefill_tokens += pf_tokens
        self.decode_tokens += dec_tokens
        self.generated_tokens += dec_tokens + gen_tokens
        self.block_s += block_s
        self.peak_blocks = peak

    def _load(self):
        return self.now, self.tick, self.n_dec, self.dec_ctx, self.used_blocks, self.ptr

    def _save(self, now, tick, n_dec, dec_ctx, used, ptr):
        self.now, self.tick, self.n_dec, self.dec_ctx, self.used_blocks, self.ptr = (
            now,
            tick,
            n_dec,
            dec_ctx,
            used,
            ptr,
        )

    def _preempt(self, chunks, need, free, decodes=True):
        """Recompute preemption: evict the newest running request until the step fits (`decodes`:
        the step's need counts the decoders' new blocks)."""
        req, B, t = self.req, self.block, self.tick
        while need > free:
            i, _ = self.running.popitem()
            if req.t0[i] >= 0:
                dt = t - req.t0[i]
                known = req.known0[i] + dt
                computed = known - 1
                req.gen[i] += dt
                self.n_dec -= 1
                self.dec_ctx -= known
                self.phase_count[req.phase[i]] -= 1
                if decodes:
                    need -= req.phase[i] == t % B
                req.epoch[i] += 1
                req.t0[i] = -1
            else:
                computed = req.computed[i]
                self.prefilling.remove(i)
                for chunk in chunks:
                    if chunk[0] == i:
                        chunks.remove(chunk)
                        need -= chunk[2]
                        break
            blocks = -(-computed // B)
            free += blocks
            self.used_blocks -= blocks
            self.recomputed_tokens += computed
            self.preemptions += 1
            self.waiting.appendleft(i)
        return need

    def _kv_steps(self, free, n, tick):
        """Decode steps (>= 1: the plan checked the first) before the blocks run out."""
        pc, B = self.phase_count, self.block
        full = free // n  # B steps take exactly one block per decoder
        spare, k = free - full * n, full * B
        for s in range(B):
            spare -= pc[(tick + s) % B]
            if spare < 0:
                break
            k += 1
        return k

    def _decode_steps(self, k, stop_s, now, n, ctx, used, tick):
        """Up to k decode-only steps, one step_s call each (where step_s is not affine); also the last one's start."""
        step_s, pc, B = self.step_s, self.phase_count, self.block
        end, block_s, start = tick + k, 0.0, now
        while tick < end:
            used += pc[tick % B]
            d = step_s(0, 0, n, ctx)
            block_s += used * d
            start = now
            now += d
            ctx += n
            tick += 1
            if now >= stop_s:
                break
        return k - (end - tick), block_s, now, ctx, used, start
