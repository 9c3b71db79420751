-- 0005: what a loaded file's numbers rest on beyond its columns (issue #19), e.g.
-- "prompt_tokens estimated from prompt text (characters / 4) for 2 rows"; NULL = nothing to say.
ALTER TABLE ingest_runs ADD COLUMN notes VARCHAR;
