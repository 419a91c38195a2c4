// Where the web counter's accounts live (migration 2): accounts with their password hashes, login
// sessions and API tokens under the SHA-256 of their tokens, failed logins, refused requests.
// Storage only: the repository hashes nothing, checks no name, role or password, and decides no
// lock, no expiry and no cap on refusals; Accounts (accounts.h) does, and calls these operations
// inside one write transaction where a change must land whole. Every backend gives the same
// answers to the same calls (tests/engine/store_contract_test.cpp runs them on each).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "engine/accounts.h"

namespace keydesk {

// An account as stored, with its password's Argon2id string.
struct StoredAccount {
  Account account;
  std::string password_hash;
};

// A login session as stored: its token is not (only its hash, by which it is found).
struct StoredSession {
  std::string csrf;
  std::int64_t expires_at = 0;  // Unix seconds
  Account account;
};

class AccountRepository {
 public:
  virtual ~AccountRepository() = default;

  // --- transactions: one writer at a time; reads between begin and commit see its writes ---
  virtual Status begin_write() = 0;
  virtual Status commit() = 0;
  virtual void rollback() = 0;

  // --- accounts, by name ---
  // Adds `stored` as given (disabled or not), created and updated at its account's created_at.
  // Refused (ErrorKind::refused, saying in Chinese that the name exists) when the name is taken,
  // also by another connection's add at the same moment; a write transaction goes on after it.
  virtual Status insert_account(const StoredAccount& stored) = 0;
  // Account `name`'s password hash, and its updated_at: false when there is no such account.
  virtual Result<bool> set_password_hash(const std::string& name, const std::string& hash,
                                         const std::string& at) = 0;
  // Account `name` disabled or enabled, and its updated_at: false when there is no such account.
  virtual Result<bool> set_disabled(const std::string& name, bool disabled,
                                    const std::string& at) = 0;
  virtual Result<std::optional<Account>> find_account(const std::string& name) = 0;
  // The same with its password hash (for a login).
  virtual Result<std::optional<StoredAccount>> find_credentials(const std::string& name) = 0;
  // Every account, by role, authority and name.
  virtual Result<std::vector<Account>> accounts() = 0;

  // --- login sessions, by the hash of their token ---
  virtual Status insert_session(const std::string& token_hash, const std::string& account,
                                const std::string& csrf, std::int64_t created_at,
                                std::int64_t expires_at) = 0;
  // The session of `token_hash` with its account as it is now, expired or disabled alike;
  // nullopt when there is none.
  virtual Result<std::optional<StoredSession>> find_session(const std::string& token_hash) = 0;
  virtual Status delete_session(const std::string& token_hash) = 0;
  // Every session of account `account`.
  virtual Status delete_sessions_of(const std::string& account) = 0;
  // Every session whose expires_at is `now` or before.
  virtual Status delete_expired_sessions(std::int64_t now) = 0;

  // --- API tokens, by the hash of their token ---
  // Token `token_hash` of `label` for `authority`, enabled, created at `at`; it replaces the
  // label's token if it had one.
  virtual Status put_api_token(const std::string& token_hash, const std::string& label,
                               const std::string& authority, const std::string& at) = 0;
  // The token of `token_hash` unless it is disabled; nullopt when there is none.
  virtual Result<std::optional<ApiToken>> find_api_token(const std::string& token_hash) = 0;

  // --- failed logins: a name and an address, at a time (Unix seconds) ---
  virtual Status add_login_failure(const std::string& account, const std::string& address,
                                   std::int64_t at) = 0;
  // How many failures of name `account`, or from `address`, are later than `since`.
  virtual Result<long> login_failures_of(const std::string& account, std::int64_t since) = 0;
  virtual Result<long> login_failures_from(const std::string& address, std::int64_t since) = 0;
  // Every failure of name `account`.
  virtual Status clear_login_failures_of(const std::string& account) = 0;
  // Every failure at `until` or before.
  virtual Status delete_login_failures_until(std::int64_t until) = 0;

  // --- refused requests, numbered as they come: a number only grows and is never reused ---
  // Adds `refusal`, its texts as given.
  virtual Status add_refusal(const Refusal& refusal) = 0;
  // Deletes the refusals numbered `keep` or more below the newest: at most `keep` stay, fewer
  // when some of those numbers were deleted before.
  virtual Status prune_refusals(int keep) = 0;
  // Deletes the refusals of nobody logged in (account '') but the newest `keep` of them.
  virtual Status prune_anonymous_refusals(int keep) = 0;
  // The newest `limit` refusals, newest first.
  virtual Result<std::vector<Refusal>> refusals(int limit) = 0;
};

// The accounts in the case database `target`: a "postgresql://" URI, else an SQLite path,
// migrated to the newest schema of its dialect.
Result<std::unique_ptr<AccountRepository>> open_account_repository(const std::string& target);

}  // namespace keydesk
