-- keydesk case store, migration 11: the queue's search through a trigram index (issue 23).
--
-- A search (CaseFilter::search) is a substring of search_text (migration 6). Read with instr()
-- from cases_tally, every case of the authority is read for it: 82-205 ms among 200,000. Here
-- cases_search, an FTS5 index of every run of three characters of search_text, finds the cases
-- holding the run of a search of three characters or more (a phrase: each run of the search at
-- its place) without reading the others; instr() then decides, as before, on those alone.
-- Searches of one or two characters hold no run of three and are read with instr() as before.
--
-- The index holds no copy of the text (content = 'cases': the text is read from the case, by
-- rowid) and is kept by the triggers below in the transaction that writes search_text, as the
-- tabs' counts are. `case_sensitive 1`: runs are compared as stored, as instr() compares (the
-- text and a search are lowered in ASCII only: a folding index would find Ａ for ａ, instr() does
-- not). No column sizes: nothing ranks the matches.
-- It is tied to the cases by rowid: VACUUM keeps the rowids of a table with indexes (cases has
-- its primary key's), and anything that renumbered them would have to end with
-- INSERT INTO cases_search (cases_search) VALUES ('rebuild').

CREATE VIRTUAL TABLE cases_search USING fts5(
  search_text, content = 'cases', content_rowid = 'rowid',
  tokenize = 'trigram case_sensitive 1', columnsize = 0);
INSERT INTO cases_search (cases_search) VALUES ('rebuild');

CREATE TRIGGER cases_search_insert AFTER INSERT ON cases BEGIN
  INSERT INTO cases_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
CREATE TRIGGER cases_search_delete AFTER DELETE ON cases BEGIN
  INSERT INTO cases_search (cases_search, rowid, search_text)
    VALUES ('delete', old.rowid, old.search_text);
END;
CREATE TRIGGER cases_search_update AFTER UPDATE OF search_text ON cases BEGIN
  INSERT INTO cases_search (cases_search, rowid, search_text)
    VALUES ('delete', old.rowid, old.search_text);
  INSERT INTO cases_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
