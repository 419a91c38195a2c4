-- keydesk case store on PostgreSQL, migration 5: the outbox is delivered (as
-- sqlite/005_outbox_delivery.sql).

ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'pending'
  CHECK (status IN ('pending', 'sent', 'failed'));
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;  -- Unix seconds
ALTER TABLE outbox ADD COLUMN last_error TEXT;
ALTER TABLE outbox ADD COLUMN message_id TEXT;
ALTER TABLE outbox ADD COLUMN digest_key TEXT;

UPDATE outbox SET status = 'sent' WHERE sent_at IS NOT NULL;

CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX outbox_by_case ON outbox (case_id, id);
CREATE UNIQUE INDEX outbox_digests ON outbox (digest_key) WHERE digest_key IS NOT NULL;
