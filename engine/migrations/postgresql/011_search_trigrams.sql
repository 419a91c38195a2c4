-- keydesk case store on PostgreSQL, migration 11: the queue's search through a trigram index (as
-- sqlite/011_search_trigrams.sql). pg_trgm (a trusted extension since PostgreSQL 13, so the
-- database's owner may create it; Debian's postgresql-15 ships it) indexes every run of three
-- characters of search_text in a GIN index, which the planner uses for search_text LIKE '%…%'
-- of three characters or more (not for strpos). What the index finds is checked against the
-- text: a case's runs are lowered and taken word by word there, so it finds more than the search,
-- never fewer. PostgreSQL keeps an index itself: no trigger, and keydesk db copy, which turns
-- the target's triggers off while it writes, leaves it whole.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX cases_search ON cases USING gin (search_text gin_trgm_ops);
