-- keydesk case store, migration 5: the outbox is delivered (keydesk outbox send, keydesk serve).
--
-- Each message is pending until the mail server takes it (sent) or refuses it for good (failed,
-- with the server's answer in last_error; a clerk may send it again from the case page). An
-- attempt first claims the row in its own transaction: attempts + 1 and next_attempt_at moved to
-- when a retry is due, so a process that dies between sending and marking leaves the message to
-- be sent again at that time, with the same Message-ID, and two processes never send it at once.
-- Delays grow with every failed attempt. Rows sent before this migration are marked sent.
-- The morning digests travel the same way: case_id '' and a digest_key (the day, whose digest,
-- the address) that makes a second run of the same day's digest add nothing.

ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'pending'
  CHECK (status IN ('pending', 'sent', 'failed'));
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at INTEGER NOT NULL DEFAULT 0;  -- Unix seconds
ALTER TABLE outbox ADD COLUMN last_error TEXT;
ALTER TABLE outbox ADD COLUMN message_id TEXT;  -- set at the first attempt, kept for retries
ALTER TABLE outbox ADD COLUMN digest_key TEXT;

UPDATE outbox SET status = 'sent' WHERE sent_at IS NOT NULL;

CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX outbox_by_case ON outbox (case_id, id);
CREATE UNIQUE INDEX outbox_digests ON outbox (digest_key) WHERE digest_key IS NOT NULL;
