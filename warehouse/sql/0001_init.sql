-- 0001: the canonical request store and ingest bookkeeping.
CREATE SEQUENCE IF NOT EXISTS ingest_run_seq START 1;

CREATE TABLE ingest_runs (
    run_id            BIGINT PRIMARY KEY,
    path              VARCHAR NOT NULL,      -- as given on the command line, resolved
    sha256            VARCHAR NOT NULL,      -- content hash; a loaded hash is never loaded twice
    format            VARCHAR NOT NULL,
    source            VARCHAR NOT NULL,      -- de-duplication namespace
    sample_rate       DOUBLE NOT NULL,       -- fraction of real traffic the file holds (0, 1]
    timestamps        VARCHAR NOT NULL,      -- absolute | relative | missing
    anchor_ts         TIMESTAMPTZ,           -- time zero for relative/missing timestamps
    prefix_block_tokens INTEGER,             -- tokens per prefix_block_ids entry
    column_map        VARCHAR NOT NULL,      -- JSON {source column: field}
    status            VARCHAR NOT NULL,      -- loaded | failed
    error             VARCHAR,
    started_at        TIMESTAMPTZ NOT NULL,
    finished_at       TIMESTAMPTZ,
    rows_read         BIGINT NOT NULL DEFAULT 0,
    rows_loaded       BIGINT NOT NULL DEFAULT 0,
    rows_rejected     BIGINT NOT NULL DEFAULT 0,
    rows_duplicate    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE requests (
    ingest_run_id        BIGINT NOT NULL,
    source               VARCHAR NOT NULL,
    request_id           VARCHAR NOT NULL,
    arrival_ts           TIMESTAMPTZ NOT NULL,
    model                VARCHAR NOT NULL,
    tenant               VARCHAR,
    prompt_tokens        BIGINT NOT NULL,
    output_tokens        BIGINT NOT NULL,
    cached_prompt_tokens BIGINT,
    ttft_ms              DOUBLE,
    tpot_ms              DOUBLE,
    e2e_ms               DOUBLE,
    status               VARCHAR NOT NULL,
    error_code           VARCHAR,
    prefix_block_ids     BIGINT[],
    source_row           BIGINT NOT NULL
);

-- Inter-token latency by output-token position; token_index 1 = gap between tokens 0 and 1.
CREATE TABLE request_token_latencies (
    ingest_run_id BIGINT NOT NULL,
    source        VARCHAR NOT NULL,
    request_id    VARCHAR NOT NULL,
    token_index   INTEGER NOT NULL,
    itl_ms        DOUBLE NOT NULL
);

CREATE TABLE rejected_rows (
    ingest_run_id BIGINT NOT NULL,
    source_row    BIGINT NOT NULL,
    reason        VARCHAR NOT NULL,
    field_values  VARCHAR NOT NULL  -- JSON of the row's canonical fields; never prompt/response text
);
