-- keydesk case store, migration 9: document checks as a queue of jobs (issue 23). One row per
-- scan a batch needs analysed; any number of `keydesk worker` processes claim them.
--
-- A job is pending until a worker claims it (claimed_by, lease_until in Unix seconds, attempts +
-- 1, all in one write transaction); the worker renews its lease while it works and ends the job
-- done (result_key: the scan_results row holding its result) or failed (error). A job whose lease
-- ran out is claimed again, so a worker killed mid-job loses nothing. Stage 2 jobs are claimed
-- only once no stage 1 job of their batch is pending or claimed: they read first where stage 1's
-- results (teachers: their scan_results keys, a JSON array) held what was looked for. key is the
-- scan cache's key, unique within a batch, so enqueueing a batch twice adds nothing.

CREATE TABLE check_jobs (
  id          INTEGER PRIMARY KEY,
  batch_id    TEXT NOT NULL,
  key         TEXT NOT NULL,
  submission  TEXT NOT NULL,   -- "<submission folder>/<file>", for progress and messages
  file        TEXT NOT NULL,   -- the material file, an absolute path workers read
  sha256      TEXT NOT NULL,   -- of the file's bytes when enqueued
  material    TEXT NOT NULL,
  pipeline    TEXT NOT NULL,   -- the analysis version the result must come from
  hints       TEXT NOT NULL,   -- the form's values to look for (JSON)
  stage       INTEGER NOT NULL CHECK (stage IN (1, 2)),
  teachers    TEXT NOT NULL DEFAULT '[]',
  state       TEXT NOT NULL DEFAULT 'pending'
              CHECK (state IN ('pending', 'claimed', 'done', 'failed')),
  claimed_by  TEXT,
  lease_until INTEGER,
  attempts    INTEGER NOT NULL DEFAULT 0,
  result_key  TEXT,
  error       TEXT,
  UNIQUE (batch_id, key)
);
CREATE INDEX check_jobs_open ON check_jobs (pipeline, state, id) WHERE state IN ('pending', 'claimed');
