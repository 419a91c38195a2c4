-- keydesk case store, migration 2: accounts of the web counter (keydesk serve), their sessions,
-- API tokens for machine intake, failed logins (rate limiting) and refused requests (audit).
-- Secrets are never stored: passwords as Argon2id strings (libsodium), tokens as SHA-256.

CREATE TABLE accounts (
  name          TEXT PRIMARY KEY,                  -- login name
  display_name  TEXT NOT NULL DEFAULT '',
  role          TEXT NOT NULL CHECK (role IN ('authority_clerk', 'vendor_reviewer', 'administrator', 'auditor')),
  authority     TEXT NOT NULL DEFAULT '',          -- a clerk's (and an auditor's) authority
  password_hash TEXT NOT NULL,                     -- crypto_pwhash_str, Argon2id
  disabled      INTEGER NOT NULL DEFAULT 0,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,                     -- SHA-256 of the cookie's token
  account    TEXT NOT NULL REFERENCES accounts (name),
  csrf       TEXT NOT NULL,                        -- sent back on every state-changing request
  created_at TEXT NOT NULL,
  expires_at INTEGER NOT NULL                      -- Unix seconds
);
CREATE INDEX sessions_by_account ON sessions (account);

CREATE TABLE api_tokens (
  token_hash TEXT PRIMARY KEY,
  label      TEXT NOT NULL UNIQUE,                 -- e.g. the online filing system's name
  authority  TEXT NOT NULL,                        -- the cases it opens belong to this authority
  disabled   INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);

CREATE TABLE login_failures (
  account TEXT NOT NULL,
  address TEXT NOT NULL,
  at      INTEGER NOT NULL                         -- Unix seconds
);
CREATE INDEX login_failures_by_account ON login_failures (account, at);
CREATE INDEX login_failures_by_address ON login_failures (address, at);

CREATE TABLE refusals (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  at      TEXT NOT NULL,
  account TEXT NOT NULL,                           -- '' when nobody was logged in
  role    TEXT NOT NULL,
  method  TEXT NOT NULL,
  target  TEXT NOT NULL,
  status  INTEGER NOT NULL,
  reason  TEXT NOT NULL
);
