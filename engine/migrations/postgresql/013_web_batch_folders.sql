-- keydesk case store on PostgreSQL, migration 13: the submission folders a web batch checks, kept
-- with it, so that a batch its server left (interrupted) or that could not run (failed) is
-- continued under its own number, on any server that holds the folders (WebBatches::resume in
-- engine/web_batches.h). A JSON array of paths; '[]' for the batches started before, which are
-- started again instead.

ALTER TABLE web_batches ADD COLUMN folders TEXT NOT NULL DEFAULT '[]';
