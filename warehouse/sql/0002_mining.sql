-- 0002: what `tracefit mine` stores. Every mined_* table holds the latest mining of each model:
-- re-mining a model replaces its rows (one transaction). Units are in the column names;
-- "_real" = scaled to real traffic by 1 / ingest_runs.sample_rate of each request's run.
-- regime_id NULL = the whole mined range ("all hours"); regimes are numbered 0.. by mean rate.
-- Hour-of-week cells: 0 = Monday 00:00–01:00 UTC … 167 = Sunday 23:00–24:00 UTC.

-- Hour-of-week cell of a timestamp, in UTC whatever the session time zone.
CREATE MACRO tf_how_cell(ts) AS
    (isodow(ts AT TIME ZONE 'UTC') - 1) * 24 + hour(ts AT TIME ZONE 'UTC');

CREATE SEQUENCE IF NOT EXISTS mine_run_seq START 1;

CREATE TABLE mine_runs (
    mine_run_id        BIGINT PRIMARY KEY,
    model              VARCHAR NOT NULL,
    since_ts           TIMESTAMPTZ,            -- scope given on the command line (inclusive)
    until_ts           TIMESTAMPTZ,            -- (exclusive)
    first_arrival_ts   TIMESTAMPTZ,            -- data actually mined
    last_arrival_ts    TIMESTAMPTZ,
    requests           BIGINT NOT NULL,
    data_fingerprint   VARCHAR NOT NULL,       -- requests count + latest ingest run + params; same = skip
    params             VARCHAR NOT NULL,       -- JSON of the mining options
    regimes_k          INTEGER,                -- chosen number of regimes
    regimes_criterion  VARCHAR,                -- how K was chosen, e.g. "silhouette, K in 2..6"
    regimes_silhouette DOUBLE,
    has_latency        BOOLEAN NOT NULL,       -- any ttft_ms/e2e_ms in scope
    finished_at        TIMESTAMPTZ NOT NULL
);

-- {count, mean, min, p25 … p999, max} of one metric, continuous quantiles (quantile_cont).
-- metric: prompt_tokens | output_tokens | total_tokens (tokens) | ttft_ms | tpot_ms | e2e_ms
-- (ms, status 'ok' only). count 0 = no values (reported as null, never zeros).
CREATE TABLE mined_quantiles (
    model VARCHAR NOT NULL, regime_id INTEGER, metric VARCHAR NOT NULL,
    count BIGINT NOT NULL, mean DOUBLE, min DOUBLE, p25 DOUBLE, p50 DOUBLE, p75 DOUBLE,
    p90 DOUBLE, p95 DOUBLE, p99 DOUBLE, p999 DOUBLE, max DOUBLE
);

-- Joint prompt×output histogram; bins [lo, hi) in tokens (log2 bins: lo = 2^k; tokens 0 in [0, 1)).
CREATE TABLE mined_length_histogram (
    model VARCHAR NOT NULL, binning VARCHAR NOT NULL,   -- log2 | linear
    prompt_tokens_lo BIGINT NOT NULL, prompt_tokens_hi BIGINT NOT NULL,
    output_tokens_lo BIGINT NOT NULL, output_tokens_hi BIGINT NOT NULL,
    requests BIGINT NOT NULL
);

-- Query patterns: long_short = prompt >= prompt_long_tokens and output < output_long_tokens, etc.
CREATE TABLE mined_patterns (
    model VARCHAR NOT NULL, regime_id INTEGER, pattern VARCHAR NOT NULL,  -- long_short|long_long|short_long|short_short
    requests BIGINT NOT NULL, share DOUBLE NOT NULL                      -- share of the window's requests, 0..1
);

-- Arrivals per UTC minute over the mined range (minutes without requests included, as 0).
CREATE TABLE mined_minutes (
    model VARCHAR NOT NULL, minute_ts TIMESTAMPTZ NOT NULL, regime_id INTEGER,
    requests BIGINT NOT NULL, rps DOUBLE NOT NULL, rps_real DOUBLE NOT NULL,
    prompt_tokens_per_s DOUBLE NOT NULL, output_tokens_per_s DOUBLE NOT NULL,
    tokens_per_s_real DOUBLE NOT NULL, non_ok BIGINT NOT NULL, prompt_tokens_mean DOUBLE
);

-- The hour-of-week profile: one row per observed cell (0..167) and its regime.
CREATE TABLE mined_hour_of_week (
    model VARCHAR NOT NULL, how_cell INTEGER NOT NULL, weekday VARCHAR NOT NULL, hour INTEGER NOT NULL,
    hours_observed INTEGER NOT NULL,          -- how many calendar hours of this cell the range covers
    requests BIGINT NOT NULL, rps_real DOUBLE NOT NULL, tokens_per_s_real DOUBLE NOT NULL,
    prompt_tokens_p50 DOUBLE, prompt_tokens_p90 DOUBLE, output_tokens_p50 DOUBLE, output_tokens_p90 DOUBLE,
    regime_id INTEGER NOT NULL
);

-- Seasonal regimes (clusters of hour-of-week cells) with their traffic statistics.
CREATE TABLE mined_regimes (
    model VARCHAR NOT NULL, regime_id INTEGER NOT NULL,
    label VARCHAR NOT NULL,                   -- e.g. "weekdays 09–18; Sat 12–14"
    cells INTEGER[] NOT NULL,                 -- hour-of-week cells
    hours_per_week INTEGER NOT NULL,
    requests BIGINT NOT NULL, request_share DOUBLE NOT NULL,
    rps_mean_real DOUBLE NOT NULL, rps_p50_real DOUBLE NOT NULL,   -- over the regime's minutes
    rps_peak_real DOUBLE NOT NULL,            -- busiest minute
    tokens_per_s_mean_real DOUBLE NOT NULL,
    interarrival_cv DOUBLE,                   -- std/mean of gaps between consecutive arrivals
    peak_over_mean DOUBLE                     -- busiest minute rate / mean minute rate
);

-- Contiguous pieces of each regime: runs of consecutive hour-of-week cells, grouped by start hour.
CREATE TABLE mined_regime_spans (
    model VARCHAR NOT NULL, regime_id INTEGER NOT NULL, label VARCHAR NOT NULL,  -- e.g. "weekdays 09–18"
    days VARCHAR[] NOT NULL,                  -- start days, e.g. [Mon, Tue, Wed, Thu, Fri]
    start_hour INTEGER NOT NULL, hours INTEGER NOT NULL   -- run length (may cross midnight)
);

-- In-flight requests and KV tokens (prompt + tokens generated so far, from first token on),
-- sampled every step_s; per minute here, per regime in mined_concurrency_windows.
CREATE TABLE mined_concurrency (
    model VARCHAR NOT NULL, minute_ts TIMESTAMPTZ NOT NULL,
    in_flight_requests_mean DOUBLE NOT NULL, in_flight_requests_max BIGINT NOT NULL,
    in_flight_kv_tokens_mean DOUBLE NOT NULL, in_flight_kv_tokens_max DOUBLE NOT NULL
);
CREATE TABLE mined_concurrency_windows (
    model VARCHAR NOT NULL, regime_id INTEGER, samples BIGINT NOT NULL,
    in_flight_requests_p50 DOUBLE, in_flight_requests_p95 DOUBLE, in_flight_requests_max DOUBLE,
    in_flight_kv_tokens_p50 DOUBLE, in_flight_kv_tokens_p95 DOUBLE, in_flight_kv_tokens_max DOUBLE,
    sample_rate DOUBLE NOT NULL               -- values are as logged; divide by this for real scale
);

-- Latency per UTC day (status ok) and the robust TTFT-vs-prompt slope.
CREATE TABLE mined_latency_daily (
    model VARCHAR NOT NULL, day DATE NOT NULL, requests_ok BIGINT NOT NULL,
    ttft_ms_p50 DOUBLE, ttft_ms_p95 DOUBLE, ttft_ms_p99 DOUBLE, tpot_ms_p50 DOUBLE, tpot_ms_p95 DOUBLE,
    ttft_ms_per_1k_prompt_tokens DOUBLE,      -- Huber regression slope
    ttft_ms_at_zero_prompt DOUBLE             -- its intercept
);
CREATE TABLE mined_change_points (
    model VARCHAR NOT NULL, metric VARCHAR NOT NULL,   -- a mined_latency_daily column
    day DATE NOT NULL, kind VARCHAR NOT NULL,          -- spike (one day) | step (level shift from day on)
    value DOUBLE NOT NULL, baseline DOUBLE NOT NULL, ratio DOUBLE NOT NULL,  -- value / baseline
    robust_z DOUBLE NOT NULL, method VARCHAR NOT NULL
);
-- Inter-token latency by output-token position (log2 buckets [lo, hi)), from request_token_latencies.
CREATE TABLE mined_itl_position (
    model VARCHAR NOT NULL, token_index_lo INTEGER NOT NULL, token_index_hi INTEGER NOT NULL,
    samples BIGINT NOT NULL, itl_ms_p50 DOUBLE, itl_ms_p95 DOUBLE, itl_ms_p99 DOUBLE
);

-- Non-ok shares per window, and their rank correlation with load and prompt length.
CREATE TABLE mined_errors (
    model VARCHAR NOT NULL, regime_id INTEGER, requests BIGINT NOT NULL,
    error_share DOUBLE NOT NULL, timeout_share DOUBLE NOT NULL, rejected_share DOUBLE NOT NULL,
    cancelled_share DOUBLE NOT NULL, non_ok_share DOUBLE NOT NULL
);
CREATE TABLE mined_error_correlations (
    model VARCHAR NOT NULL,
    versus VARCHAR NOT NULL,                  -- rps (per minute) | prompt_tokens (per request)
    spearman_rho DOUBLE,                      -- null when either side is constant
    samples BIGINT NOT NULL
);

-- LRU prefix-cache simulation over prefix_block_ids in arrival order.
CREATE TABLE mined_prefix (
    model VARCHAR NOT NULL, regime_id INTEGER, cache_blocks BIGINT NOT NULL,
    cache_tokens BIGINT,                      -- cache_blocks * prefix_block_tokens when known
    lookup_blocks BIGINT NOT NULL, hit_blocks BIGINT NOT NULL, hit_rate DOUBLE
);

-- Tenants: volume, KV-token-seconds, share of the peak regime, and outlier flags.
CREATE TABLE mined_tenants (
    model VARCHAR NOT NULL, tenant VARCHAR NOT NULL, requests BIGINT NOT NULL,
    prompt_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL,
    kv_token_seconds DOUBLE,                  -- ∫ KV tokens dt from first to last token; null without latencies
    prompt_tokens_p50 DOUBLE, prompt_tokens_p99 DOUBLE, output_tokens_p50 DOUBLE,
    rps_peak_real DOUBLE,                     -- tenant's busiest minute
    peak_regime_request_share DOUBLE,         -- its share of the busiest regime's requests
    peak_regime_token_share DOUBLE,
    prompt_robust_z DOUBLE, rate_robust_z DOUBLE,  -- modified z-scores against the other tenants
    outlier VARCHAR                           -- null | length | rate | length+rate
);

-- The requests a mining run reads: one model, arrival in [since_ts, until_ts) (NULL = open),
-- with weight = 1 / sample_rate (real requests per logged one) and the hour-of-week cell.
CREATE MACRO tf_scope(m, since_ts, until_ts) AS TABLE
    SELECT r.*, 1.0 / i.sample_rate AS weight, tf_how_cell(r.arrival_ts) AS how_cell
    FROM requests r JOIN ingest_runs i ON i.run_id = r.ingest_run_id
    WHERE r.model = m
      AND (since_ts IS NULL OR r.arrival_ts >= since_ts)
      AND (until_ts IS NULL OR r.arrival_ts < until_ts);

-- tf_scope plus the regime of each request's hour-of-week cell (after regimes are stored).
CREATE MACRO tf_scope_regimes(m, since_ts, until_ts) AS TABLE
    SELECT s.*, h.regime_id
    FROM tf_scope(m, since_ts, until_ts) s
    LEFT JOIN mined_hour_of_week h ON h.model = s.model AND h.how_cell = s.how_cell;
