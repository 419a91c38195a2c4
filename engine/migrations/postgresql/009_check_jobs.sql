-- keydesk case store on PostgreSQL, migration 9: document checks as a queue of jobs (as
-- sqlite/009_check_jobs.sql). Workers claim with FOR UPDATE SKIP LOCKED, so two never wait for
-- or take the same row. Not watched by the change mark: lease renewals are no change a page shows.

CREATE TABLE check_jobs (
  id          BIGSERIAL PRIMARY KEY,
  batch_id    TEXT NOT NULL,
  key         TEXT NOT NULL,
  submission  TEXT NOT NULL,
  file        TEXT NOT NULL,
  sha256      TEXT NOT NULL,
  material    TEXT NOT NULL,
  pipeline    TEXT NOT NULL,
  hints       TEXT NOT NULL,
  stage       INTEGER NOT NULL CHECK (stage IN (1, 2)),
  teachers    TEXT NOT NULL DEFAULT '[]',
  state       TEXT NOT NULL DEFAULT 'pending'
              CHECK (state IN ('pending', 'claimed', 'done', 'failed')),
  claimed_by  TEXT,
  lease_until BIGINT,
  attempts    INTEGER NOT NULL DEFAULT 0,
  result_key  TEXT,
  error       TEXT,
  UNIQUE (batch_id, key)
);
CREATE INDEX check_jobs_open ON check_jobs (pipeline, state, id) WHERE state IN ('pending', 'claimed');
