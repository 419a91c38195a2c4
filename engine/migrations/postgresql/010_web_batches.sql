-- keydesk case store on PostgreSQL, migration 10: batch checks started from the web counter (as
-- sqlite/010_web_batches.sql). Not watched by the change mark: a batch's progress and heartbeat
-- are no change a queue page shows.

CREATE TABLE web_batches (
  id           TEXT PRIMARY KEY,
  started_by   TEXT NOT NULL,
  role         TEXT NOT NULL,
  authority    TEXT NOT NULL,
  state        TEXT NOT NULL DEFAULT 'running'
               CHECK (state IN ('running', 'done', 'failed', 'interrupted')),
  cases        INTEGER NOT NULL,
  done         INTEGER NOT NULL DEFAULT 0,
  total        INTEGER NOT NULL DEFAULT 0,
  current      TEXT NOT NULL DEFAULT '',
  error        TEXT NOT NULL DEFAULT '',
  report_batch TEXT NOT NULL DEFAULT '',
  submissions  TEXT NOT NULL DEFAULT '[]',
  started_at   TEXT NOT NULL,
  finished_at  TEXT,
  server       TEXT NOT NULL,
  heartbeat_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX web_batches_one_running ON web_batches (state) WHERE state = 'running';
