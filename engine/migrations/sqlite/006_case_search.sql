-- keydesk case store, migration 6: the queue's tabs, sorting and search (issue 21), fast among
-- 100,000 open cases and as many closed (bench/run_serve.sh).
--
-- enterprise_name: the enterprise's name out of the submission, to sort by without reading JSON.
-- search_text: what a clerk finds a case by (CaseStore's search_text()): the case number, the
-- USCC, the enterprise's name, the legal representative, the authorised user and the login
-- name, '|' between them, spaces (also the ideographic U+3000) dropped and ASCII lowered, so
-- that 张伟 finds 张　伟 and ab12 finds AB12. A search is instr() over this column (a plain
-- substring search: 40 % quicker than LIKE '%…%', and nothing in the key is a wildcard).
-- Filled here for the cases already stored; every insert and every change of the submission
-- writes both afterwards.

ALTER TABLE cases ADD COLUMN enterprise_name TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

UPDATE cases SET
  enterprise_name = coalesce(json_extract(data, '$.enterprise.name'), ''),
  search_text = lower(replace(replace(replace(replace(replace(
      id || '|' || uscc || '|' ||
      coalesce(json_extract(data, '$.enterprise.name'), '') || '|' ||
      coalesce(json_extract(data, '$.applicant.legal_representative'), '') || '|' ||
      coalesce(json_extract(data, '$.applicant.authorized_user.name'), '') || '|' ||
      coalesce(json_extract(data, '$.applicant.login_username'), ''),
    ' ', ''), '　', ''), char(9), ''), char(10), ''), char(13), ''));
  -- as search_key(): no spaces, tabs or line breaks ('|' inside a name is kept here, dropped
  -- there: such a name is found by its other characters)

-- The tabs' counts (CaseStore::tally). Unfiltered, from case_counts: one row per authority,
-- procedure, state, closed and the year a deadline waits on, kept by the triggers below in the
-- transaction that changes a case, so the queue counts 100,000 cases without reading them.
-- Filtered (a search, a procedure, a state), from cases_tally: every column the count reads is
-- in the index, so a search reads the index, not the cases' JSON.
CREATE TABLE case_counts (
  authority    TEXT NOT NULL,
  procedure    TEXT NOT NULL,
  state        TEXT NOT NULL,
  closed       INTEGER NOT NULL,
  pending_year INTEGER NOT NULL,  -- 0: not waiting on a year's calendar
  count        INTEGER NOT NULL,
  PRIMARY KEY (authority, procedure, state, closed, pending_year)
);
INSERT INTO case_counts
  SELECT authority, procedure, state, closed, coalesce(due_pending_year, 0), count(*)
  FROM cases GROUP BY authority, procedure, state, closed, coalesce(due_pending_year, 0);

CREATE TRIGGER case_counts_insert AFTER INSERT ON cases BEGIN
  INSERT INTO case_counts VALUES (new.authority, new.procedure, new.state, new.closed,
                                  coalesce(new.due_pending_year, 0), 1)
    ON CONFLICT (authority, procedure, state, closed, pending_year) DO UPDATE
    SET count = count + 1;
END;
CREATE TRIGGER case_counts_delete AFTER DELETE ON cases BEGIN
  UPDATE case_counts SET count = count - 1
  WHERE authority = old.authority AND procedure = old.procedure AND state = old.state
    AND closed = old.closed AND pending_year = coalesce(old.due_pending_year, 0);
END;
CREATE TRIGGER case_counts_update
  AFTER UPDATE OF authority, procedure, state, closed, due_pending_year ON cases BEGIN
  UPDATE case_counts SET count = count - 1
  WHERE authority = old.authority AND procedure = old.procedure AND state = old.state
    AND closed = old.closed AND pending_year = coalesce(old.due_pending_year, 0);
  INSERT INTO case_counts VALUES (new.authority, new.procedure, new.state, new.closed,
                                  coalesce(new.due_pending_year, 0), 1)
    ON CONFLICT (authority, procedure, state, closed, pending_year) DO UPDATE
    SET count = count + 1;
END;

-- A tab is a set of (procedure, state) pairs: with them in the queue's index (migration 3), a
-- tab's page is found in the index without reading the cases it passes over (the 等待企业 tab,
-- a fifth of the cases and none with a deadline: 267 ms before, 40 ms after, among 100,000).
DROP INDEX cases_queue;
CREATE INDEX cases_queue ON cases (authority, (due_on IS NULL), due_on, id, procedure, state)
  WHERE closed = 0;

CREATE INDEX cases_tally ON cases (authority, closed, procedure, state, due_pending_year,
                                   search_text);

-- The sortable columns, open and closed cases alike, read in order from an index (the deadline
-- and the state have theirs from migration 3).
CREATE INDEX cases_sorted_by_id ON cases (authority, closed, id);
CREATE INDEX cases_sorted_by_opened ON cases (authority, closed, opened_at, id);
CREATE INDEX cases_sorted_by_name ON cases (authority, closed, enterprise_name, id);
CREATE INDEX cases_sorted_by_update ON cases (authority, closed, updated_at, id);
