-- keydesk case store on PostgreSQL, migration 3: the clerk's queue read in order from an index
-- (as sqlite/003_queue_index.sql).

CREATE INDEX cases_queue ON cases (authority, (due_on IS NULL), due_on, id) WHERE closed = 0;
CREATE INDEX cases_queue_by_state ON cases (authority, state, (due_on IS NULL), due_on, id)
  WHERE closed = 0;
