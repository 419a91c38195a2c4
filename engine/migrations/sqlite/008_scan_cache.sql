-- keydesk case store, migration 8: the batch's scan cache (engine/internal/scan_store.h), which
-- made its own tables (CREATE TABLE IF NOT EXISTS) beside the case tables before: scan results by
-- content, kept so that a killed batch resumes without redoing a finished scan, and the batch runs
-- it resumes. IF NOT EXISTS here too: databases that a batch has used have them already, as
-- below.

CREATE TABLE IF NOT EXISTS scan_results (
  key TEXT PRIMARY KEY, sha256 TEXT NOT NULL, material TEXT NOT NULL,
  result TEXT NOT NULL, analysed_at TEXT NOT NULL DEFAULT (datetime('now')));
CREATE TABLE IF NOT EXISTS batch_runs (
  id TEXT PRIMARY KEY, inputs TEXT NOT NULL, started_at TEXT NOT NULL,
  finished_at TEXT);
