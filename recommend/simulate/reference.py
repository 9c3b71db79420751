"""The naive simulator: the same scheduler, stepped one step at a time, sequence by sequence.

It follows vLLM v1's `Scheduler.schedule()` literally (running requests in admission order
under a token budget; when a request cannot allocate, pop the newest running request and retry;
admit waiting requests only in steps without preemption). It is the oracle that tests hold
`Replica` to and the baseline of bench/simulate.py; nothing in the product uses it.
"""

from collections import deque

from recommend.simulate.replica import ARRIVAL_TIE_S


class ReferenceReplica:
    """Same interface as `replica.Replica`; O(running sequences) work per step."""

    def __init__(self, spec, step_s, req, prefill_seqs=False):
        self.step_s = step_s
        self.prefill_seqs = prefill_seqs
        self.req = req
        self.max_seqs = spec.max_num_seqs
        self.max_tokens = spec.max_num_batched_tokens
        self.block = spec.block_tokens
        self.total_blocks = spec.kv_capacity_tokens // spec.block_tokens
        self.window = spec.num_scheduler_steps
        self.mixed = spec.mixed_prefill
        self.reserve = spec.reserve_full_length
        self.overlap = spec.overlap_schedule
        self.reserved = 0  # sum of running requests' prompt + output blocks (reserve_full_length)
        self.tick = self.win0 = 0  # steps run; the step the current multi-step window started at
        self.incoming, self.ptr = [], 0
        self.waiting = deque()
        self.running = []  # admission order
        self.computed, self.blocks, self.prefill = {}, {}, {}  # per running request
        self.now = 0.0
        self.last_start = 0.0  # start of the last step run (overlap_schedule: its plan saw arrivals until then)
        self.used_blocks = self.peak_blocks = 0
        self.steps = self.batch_seqs = self.preemptions = self.recomputed_tokens = 0
        self.prefill_tokens = self.decode_tokens = self.generated_tokens = 0
        self.block_s = 0.0
        self.last_finished = 0  # requests finished by the last step run

    def load(self, at_s):
        in_flight = self.last_finished if self.now > at_s else 0
        return len(self.running) + len(self.waiting) + len(self.incoming) - self.ptr + in_flight

    def advance(self, until_s):
        arrival, incoming = self.req.arrival_s, self.incoming
        while True:
            seen = self.last_start if self.overlap else self.now  # arrivals this step's plan can see
            while self.ptr < len(incoming) and arrival[incoming[self.ptr]] <= seen + ARRIVAL_TIE_S:
                self.waiting.append(incoming[self.ptr])
                self.now = max(self.now, arrival[incoming[self.ptr]])
                self.ptr += 1
            if not self.running and not self.waiting:
                if self.ptr == len(incoming) or arrival[incoming[self.ptr]] >= until_s:
                    return
                self.now = max(self.now, arrival[incoming[self.ptr]])  # idle: the next arrival is seen at once
                self.last_start = self.now
                continue
            if self.now >= until_s:
                return
            self._step(self._schedule())

    def _known(self, i):
        return self.req.prompt[i] + self.req.gen[i]

    def _schedule(self):
        """[(request, new tokens)] for one step, preempting as vLLM v1 does. Unmixed (vLLM V0, SGLang
        defaults): while a prefill can be scheduled, the step holds prefills only."""
        decoding = any(not self.prefill[i] for i in self.running)
        gate = self.window == 1 or not decoding or (self.tick - self.win0) % self.window == 0
        alone = (
            not self.mixed
            and decoding
            and (
                any(self.prefill[i] for i in self.running)
                or bool(self.waiting and gate and len(self.running) < self.max_seqs)
            )
        )
        scheduled = self._schedule_as(alone)
        return scheduled if scheduled or not alone else self._schedule_as(False)

    def _schedule_as(self, alone):
        budget, scheduled, preempted, idx = self.max_tokens, [], False, 0
        while idx < len(self.running) and budget > 0:
            i = self.running[idx]
            if alone and not self.prefill[i]:  # decodes wait for the next step
                idx += 1
                continue
            n = min(self._known(i) - self.computed[i], budget)
            need = -(-(self.computed[i] + n) // self.block) - self.blocks[i]
            while need > self.total_blocks - self.used_blocks:
                victim = self.running.pop()
                self._evict(victim)
                preempted = True
                if victim == i:
                    break
            else:
                self.blocks[i] += need
                self.used_blocks += need
                scheduled.append((i, n))
                budget -= n
                idx += 1
                continue
            break  # i itself was evicted
        decoding = any(not self.prefill[i] for i in self.running)
        gate = self.window == 1 or not decoding or (self.tick - self.win0) % self.window == 0
        while gate and not preempted and self.waiting and budget > 0 and len(self.running) < self.max_seqs:
            i = self.waiting[0]
            n = min(self._known(i), budget)
            need = -(-n // self.block)
            if need > self.total_blocks - self.used_blocks:
                break
            if self.reserve:  # TensorRT-LLM GUARANTEED_NO_EVICT
                full = self._full(i)
                if self.reserved + full > self.total_blocks:
                    break
                self.reserved += full
            self.waiting.popleft()
            self.running.append(i)
            self.computed[i], self.blocks[i], self.prefill[i] = 0, need, True
            self.used_blocks += need
            if self.req.sched_s[i] < 0:
                self.req.sched_s[i] = self.now
            scheduled.append((i, n))
            budget -= n
        return scheduled

    def _evict(self, i):
        self.used_blocks -= self.blocks.pop(i)
        self.recomputed_tokens += self.computed.pop(i)
        del self.prefill[i]
        self.preemptions += 1
        self.waiting.appendleft(i)

    def _step(self, scheduled):
        pf_tokens = pf_ctx = pf_seqs = dec_seqs = dec_ctx = 0
        for i, n in scheduled:
            if self.prefill[i]:
                pf_seqs += 1
                pf_tokens += n
                pf_ctx += self.computed[i] + n
            else:
                dec_seqs += 1
                dec_ctx += self.computed[i] + n
        if self.prefill_seqs and pf_seqs:
            d = self.step_s(pf_tokens, pf_ctx, dec_seqs, dec_ctx, pf_seqs)
        else:
            d = self.step_s(pf_tokens, pf_ctx, dec_seqs, dec_ctx)
        self.peak_blocks = max(self.peak_blocks, self.used_blocks)
        self.block_s += self.used_blocks * d
        self.last_start = self.now
        self.now += d
        self.tick += 1
        if pf_seqs:
            self.win0 = self.tick
        self.steps += 1
        self.batch_seqs += len(scheduled)
        self.prefill_tokens += pf_tokens
        self.decode_tokens += dec_seqs
        self.last_finished = 0
        for i, n in scheduled:
            self.computed[i] += n
            if self.computed[i] == self._known(i):
                self._emit(i)

    def _emit(self, i):
        req = self.req
        req.gen[i] += 1
        self.generated_tokens += 1
        self.prefill[i] = False
        if req.gen[i] == 1:
            req.first_s[i] = self.now
        if req.gen[i] == req.output[i]:
            self.running.remove(i)
            self.used_blocks -= self.blocks.pop(i)
            del self.computed[i], self.prefill[i]
            req.finish_s[i] = self.now
            self.last_finished += 1
            if self.reserve:
                self.reserved -= self._full(i)

    def _full(self, i):
        """Blocks of request i's prompt and all its output."""
        return -(-(self.req.prompt[i] + self.req.output[i]) // self.block)
