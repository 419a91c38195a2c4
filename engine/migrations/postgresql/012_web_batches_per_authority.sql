-- keydesk case store on PostgreSQL, migration 12: one running web batch per issuing authority
-- rather than one across the database (as sqlite/012_web_batches_per_authority.sql).

DROP INDEX web_batches_one_running;
CREATE UNIQUE INDEX web_batches_one_running ON web_batches (authority) WHERE state = 'running';
