-- keydesk case store, migration 3: the clerk's queue (CaseStore::list: open cases of an
-- authority, no deadline last, then by due date and case number, first 200) read in order from
-- an index. Without it SQLite reads every open case of the authority and sorts them for each
-- page: 80 ms among 100,000 open cases (bench/run_serve.sh), and keydesk serve, one I/O thread,
-- answered 11 queue pages a second; read from the index, the 200 rows take under a millisecond.
-- Partial (open cases only): closed cases, most of the table in time, are never in the queue.
-- The second index keeps the queue filtered by state (the page's 状态 filter) as quick as it was
-- with cases_by_authority_state: without it SQLite walks the first index and skips the other
-- states, which for a rare state is most of the authority's open cases.
-- (due_on IS NULL) is an expression column; PostgreSQL takes the same definitions.

CREATE INDEX cases_queue ON cases (authority, (due_on IS NULL), due_on, id) WHERE closed = 0;
CREATE INDEX cases_queue_by_state ON cases (authority, state, (due_on IS NULL), due_on, id)
  WHERE closed = 0;
