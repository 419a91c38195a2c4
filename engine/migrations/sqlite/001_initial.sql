-- keydesk case store, migration 1: registry, procedure versions, cases, audit chain, outbox.
-- Portable SQL (SQLite now, PostgreSQL for a national deployment): TEXT dates as ISO 8601.

CREATE TABLE enterprises (
  uscc            TEXT PRIMARY KEY,                -- 统一社会信用代码 (18)
  name            TEXT NOT NULL,
  kind            TEXT NOT NULL CHECK (kind IN ('domestic', 'foreign_invested')),
  code13          TEXT,                            -- 13-digit import/export code
  filing_has_uscc INTEGER NOT NULL DEFAULT 0       -- the MOFCOM filing carries the 18-digit code
);

CREATE TABLE keys (
  login_username    TEXT PRIMARY KEY,              -- 登录系统用户名: unique across enterprises
  uscc              TEXT NOT NULL REFERENCES enterprises (uscc),
  serial            TEXT,
  status            TEXT NOT NULL CHECK (status IN ('active', 'lost', 'locked', 'revoked')),
  expires_on        TEXT,
  has_18_digit_code INTEGER NOT NULL DEFAULT 0,
  wrong_pin_entries INTEGER NOT NULL DEFAULT 0     -- consecutive; a date never resets it
);
CREATE INDEX keys_by_enterprise ON keys (uscc);

CREATE TABLE procedure_versions (
  procedure TEXT NOT NULL,
  version   TEXT NOT NULL,                         -- SHA-256 of the rule file
  loaded_at TEXT NOT NULL,
  file      TEXT NOT NULL,
  source    TEXT NOT NULL,
  PRIMARY KEY (procedure, version)
);

CREATE TABLE cases (
  id                TEXT PRIMARY KEY,
  procedure         TEXT NOT NULL,
  procedure_version TEXT NOT NULL,
  authority         TEXT NOT NULL,
  uscc              TEXT NOT NULL,
  state             TEXT NOT NULL,
  version           INTEGER NOT NULL,
  due_on            TEXT,                          -- NULL: no deadline, or the clock is stopped
  clock_stopped     INTEGER NOT NULL DEFAULT 0,
  closed            INTEGER NOT NULL DEFAULT 0,
  opened_at         TEXT NOT NULL,
  updated_at        TEXT NOT NULL,
  data              TEXT NOT NULL,                 -- the submission, JSON
  FOREIGN KEY (procedure, procedure_version) REFERENCES procedure_versions (procedure, version)
);
CREATE INDEX cases_open_by_due ON cases (due_on) WHERE closed = 0 AND due_on IS NOT NULL;
CREATE INDEX cases_by_authority_state ON cases (authority, state);
CREATE INDEX cases_by_enterprise ON cases (uscc);

-- Append-only; each row's hash covers its fields and the previous row's hash.
CREATE TABLE events (
  seq        INTEGER PRIMARY KEY,
  case_id    TEXT NOT NULL,
  at         TEXT NOT NULL,
  user_name  TEXT NOT NULL,
  role       TEXT NOT NULL,
  authority  TEXT NOT NULL,
  action     TEXT NOT NULL,
  from_state TEXT NOT NULL,
  to_state   TEXT NOT NULL,
  outcome    TEXT NOT NULL,
  remark     TEXT NOT NULL,
  data       TEXT NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
CREATE INDEX events_by_case ON events (case_id, seq);

-- The newest event, written in the same transaction: deleting the last rows is detected too.
CREATE TABLE audit_head (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  seq  INTEGER NOT NULL,
  hash TEXT NOT NULL
);

CREATE TABLE outbox (
  id         INTEGER PRIMARY KEY,
  case_id    TEXT NOT NULL,
  event_seq  INTEGER NOT NULL,
  notice     TEXT NOT NULL,
  channel    TEXT NOT NULL,
  recipient  TEXT NOT NULL,
  subject    TEXT NOT NULL,
  body       TEXT NOT NULL,
  created_at TEXT NOT NULL,
  sent_at    TEXT
);
