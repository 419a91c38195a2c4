-- keydesk case store on PostgreSQL, migration 14: the change mark (store_generation, migration 1)
-- moves once a transaction rather than once a statement. An action writes the case, its event,
-- the audit head, the tabs' counts and, on some, the key, the outbox and the search columns:
-- the statement triggers ran the UPDATE of the mark's one row 8.5 times an action (78 µs of the
-- server's ~300 µs of execution, README: issue 23), each a new version of the row that every
-- writer updates. A reader needs the mark to move when the writes it stands for commit, not
-- once for each of them.
--
-- keydesk.change_mark_moved is set local to the transaction (set_config's third argument): it
-- goes back at COMMIT or ROLLBACK, and with a savepoint rolled back to, together with the UPDATE
-- made under it, so a transaction whose first write was undone moves the mark at its next one.

CREATE OR REPLACE FUNCTION store_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('keydesk.change_mark_moved', true) IS DISTINCT FROM 'yes' THEN
    PERFORM set_config('keydesk.change_mark_moved', 'yes', true);
    UPDATE store_generation SET n = n + 1;
  END IF;
  RETURN NULL;
END
$$;
