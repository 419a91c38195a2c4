-- keydesk case store on PostgreSQL, migration 7: the cases the vendor has handled (as
-- sqlite/007_vendor_handled.sql): the column, the trigger on events that sets it, and the tabs'
-- counts with vendor_handled in their key.

ALTER TABLE cases ADD COLUMN vendor_handled INTEGER NOT NULL DEFAULT 0;
UPDATE cases SET vendor_handled = 1
  WHERE id IN (SELECT case_id FROM events WHERE role = 'vendor_reviewer');

CREATE FUNCTION cases_vendor_handled() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE cases SET vendor_handled = 1 WHERE id = new.case_id AND vendor_handled = 0;
  RETURN NULL;
END
$$;
CREATE TRIGGER cases_vendor_handled AFTER INSERT ON events
  FOR EACH ROW WHEN (new.role = 'vendor_reviewer') EXECUTE FUNCTION cases_vendor_handled();

DROP TRIGGER case_counts_insert_delete ON cases;
DROP TRIGGER case_counts_update ON cases;
DROP TABLE case_counts;
CREATE TABLE case_counts (
  authority      TEXT NOT NULL,
  procedure      TEXT NOT NULL,
  state          TEXT NOT NULL,
  closed         INTEGER NOT NULL,
  pending_year   INTEGER NOT NULL,
  vendor_handled INTEGER NOT NULL,
  count          BIGINT NOT NULL,
  PRIMARY KEY (authority, procedure, state, closed, pending_year, vendor_handled)
);
INSERT INTO case_counts
  SELECT authority, procedure, state, closed, coalesce(due_pending_year, 0), vendor_handled,
         count(*)
  FROM cases GROUP BY authority, procedure, state, closed, coalesce(due_pending_year, 0),
                      vendor_handled;

-- One trigger function keeps the counts: a case's old row counted out, its new row counted in.
CREATE OR REPLACE FUNCTION case_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE case_counts SET count = count - 1
    WHERE authority = old.authority AND procedure = old.procedure AND state = old.state
      AND closed = old.closed AND pending_year = coalesce(old.due_pending_year, 0)
      AND vendor_handled = old.vendor_handled;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO case_counts VALUES (new.authority, new.procedure, new.state, new.closed,
                                    coalesce(new.due_pending_year, 0), new.vendor_handled, 1)
      ON CONFLICT (authority, procedure, state, closed, pending_year, vendor_handled) DO UPDATE
      SET count = case_counts.count + 1;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER case_counts_insert_delete AFTER INSERT OR DELETE ON cases
  FOR EACH ROW EXECUTE FUNCTION case_counts_keep();
CREATE TRIGGER case_counts_update
  AFTER UPDATE OF authority, procedure, state, closed, due_pending_year, vendor_handled ON cases
  FOR EACH ROW EXECUTE FUNCTION case_counts_keep();
SELECT store_generation_watch('case_counts');

CREATE INDEX cases_vendor_handled ON cases (updated_at, id) WHERE vendor_handled = 1;

DROP INDEX cases_tally;
CREATE INDEX cases_tally ON cases (authority, closed, procedure, state, due_pending_year,
                                   vendor_handled, search_text);
