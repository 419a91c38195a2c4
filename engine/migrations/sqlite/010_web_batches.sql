-- keydesk case store, migration 10: batch checks started from the web counter (issue 23), kept in
-- the case database so that every `keydesk serve` on it shows every batch (engine/web_batches.h).
--
-- id is the 批次号 shown to clerks (W-<counter date>-<8 random hex digits>: no two servers give
-- the same one). A batch runs on one server (`server`), which writes its progress (done, total,
-- current) as it goes and a heartbeat (heartbeat_at, Unix seconds) every few seconds; one whose
-- heartbeat has stopped is shown interrupted and is marked so by the next start. It ends done
-- (report_batch: the batch report's id, submissions: the per-submission results as JSON text,
-- [{id, verdict, findings, recorded, detail}]), failed (error) or interrupted (error). At most
-- one batch runs at a time (the unique index; starts decide it in one write transaction).

CREATE TABLE web_batches (
  id           TEXT PRIMARY KEY,
  started_by   TEXT NOT NULL,   -- the clerk's login name
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
  started_at   TEXT NOT NULL,   -- counter time, ISO 8601
  finished_at  TEXT,
  server       TEXT NOT NULL,   -- the process that runs it (host/pid)
  heartbeat_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX web_batches_one_running ON web_batches (state) WHERE state = 'running';
