-- keydesk case store on PostgreSQL, migration 6: the queue's tabs, sorting and search (as
-- sqlite/006_case_search.sql; its comments explain each part). SQLite's json_extract is the
-- jsonb path operator here, char() is chr(), and the triggers are PL/pgSQL functions.

ALTER TABLE cases ADD COLUMN enterprise_name TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

UPDATE cases SET
  enterprise_name = coalesce(data::jsonb #>> '{enterprise,name}', ''),
  search_text = lower(replace(replace(replace(replace(replace(
      id || '|' || uscc || '|' ||
      coalesce(data::jsonb #>> '{enterprise,name}', '') || '|' ||
      coalesce(data::jsonb #>> '{applicant,legal_representative}', '') || '|' ||
      coalesce(data::jsonb #>> '{applicant,authorized_user,name}', '') || '|' ||
      coalesce(data::jsonb #>> '{applicant,login_username}', ''),
    ' ', ''), '　', ''), chr(9), ''), chr(10), ''), chr(13), ''));

CREATE TABLE case_counts (
  authority    TEXT NOT NULL,
  procedure    TEXT NOT NULL,
  state        TEXT NOT NULL,
  closed       INTEGER NOT NULL,
  pending_year INTEGER NOT NULL,
  count        BIGINT NOT NULL,
  PRIMARY KEY (authority, procedure, state, closed, pending_year)
);
INSERT INTO case_counts
  SELECT authority, procedure, state, closed, coalesce(due_pending_year, 0), count(*)
  FROM cases GROUP BY authority, procedure, state, closed, coalesce(due_pending_year, 0);

-- One trigger function keeps the counts: a case's old row counted out, its new row counted in.
CREATE FUNCTION case_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE case_counts SET count = count - 1
    WHERE authority = old.authority AND procedure = old.procedure AND state = old.state
      AND closed = old.closed AND pending_year = coalesce(old.due_pending_year, 0);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO case_counts VALUES (new.authority, new.procedure, new.state, new.closed,
                                    coalesce(new.due_pending_year, 0), 1)
      ON CONFLICT (authority, procedure, state, closed, pending_year) DO UPDATE
      SET count = case_counts.count + 1;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER case_counts_insert_delete AFTER INSERT OR DELETE ON cases
  FOR EACH ROW EXECUTE FUNCTION case_counts_keep();
CREATE TRIGGER case_counts_update
  AFTER UPDATE OF authority, procedure, state, closed, due_pending_year ON cases
  FOR EACH ROW EXECUTE FUNCTION case_counts_keep();
SELECT store_generation_watch('case_counts');

DROP INDEX cases_queue;
CREATE INDEX cases_queue ON cases (authority, (due_on IS NULL), due_on, id, procedure, state)
  WHERE closed = 0;

CREATE INDEX cases_tally ON cases (authority, closed, procedure, state, due_pending_year,
                                   search_text);

CREATE INDEX cases_sorted_by_id ON cases (authority, closed, id);
CREATE INDEX cases_sorted_by_opened ON cases (authority, closed, opened_at, id);
CREATE INDEX cases_sorted_by_name ON cases (authority, closed, enterprise_name, id);
CREATE INDEX cases_sorted_by_update ON cases (authority, closed, updated_at, id);
