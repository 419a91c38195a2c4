-- keydesk case store on SQLite, migration 12: one running web batch per issuing authority rather
-- than one across the database. On a national deployment every authority's clerks share the
-- database: a batch one authority's clerk started held back every other authority's (as
-- postgresql/012_web_batches_per_authority.sql).

DROP INDEX web_batches_one_running;
CREATE UNIQUE INDEX web_batches_one_running ON web_batches (authority) WHERE state = 'running';
