-- keydesk case store on PostgreSQL, migration 8: the batch's scan cache (as
-- sqlite/008_scan_cache.sql): scan results by content (key: the SHA-256 of a scan's bytes, its
-- material type and the analysis version) and the batch runs a killed batch resumes. Times are
-- UTC text as SQLite's datetime('now') writes them.

CREATE TABLE scan_results (
  key         TEXT PRIMARY KEY,
  sha256      TEXT NOT NULL,
  material    TEXT NOT NULL,
  result      TEXT NOT NULL,
  analysed_at TEXT NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
);
CREATE TABLE batch_runs (
  id          TEXT PRIMARY KEY,
  inputs      TEXT NOT NULL,
  started_at  TEXT NOT NULL,
  finished_at TEXT
);
SELECT store_generation_watch(t) FROM unnest(ARRAY['scan_results', 'batch_runs']) AS t;
