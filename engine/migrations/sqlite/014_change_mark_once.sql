-- keydesk case store on SQLite, migration 14: nothing to change. On PostgreSQL this migration
-- makes the change mark move once a transaction (postgresql/014_change_mark_once.sql); SQLite's
-- mark is read in the process, with no table to update (PRAGMA data_version for the commits of
-- other connections, the connection's total_changes for its own). Kept so that the two dialects' migrations stay numbered alike.

SELECT 1;
