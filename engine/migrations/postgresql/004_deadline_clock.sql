-- keydesk case store on PostgreSQL, migration 4: deadlines that wait on the calendar, and the
-- clock they run on (as sqlite/004_deadline_clock.sql).

ALTER TABLE cases ADD COLUMN due_pending_year INTEGER;
ALTER TABLE cases ADD COLUMN clock_start TEXT;
ALTER TABLE cases ADD COLUMN clock_days INTEGER;

CREATE INDEX cases_pending ON cases (authority, id) WHERE closed = 0
  AND due_pending_year IS NOT NULL;
CREATE INDEX cases_clocked ON cases (id) WHERE closed = 0 AND clock_start IS NOT NULL;
