// Accounts of the web counter (keydesk serve): people with a role and, for clerks and auditors,
// an authority; their login sessions; API tokens for machine intake; failed logins; refused
// requests. Kept in the case database (migration 002) through an AccountRepository
// (account_repository.h, storage only): the rules below are Accounts' own.
//
// Guarantees:
//  - Passwords are stored only as Argon2id strings (libsodium crypto_pwhash_str); session and API
//    tokens only as their SHA-256. A copy of the database lets nobody log in.
//  - A name or an address with too many failed logins in the last 15 minutes is refused before
//    its password is even checked, with the minutes to wait.
//  - A disabled account cannot log in, and its sessions end at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"

namespace keydesk {

// The roles of the web counter. An administrator manages rules and accounts and never decides
// cases; an auditor reads everything of their authority (every authority when they have none)
// and changes nothing.
inline constexpr const char* kAccountRoles[] = {"authority_clerk", "vendor_reviewer",
                                                "administrator", "auditor"};
bool is_account_role(const std::string& role);
// The role's Chinese name (发证机构经办人 for authority_clerk), as `keydesk users` prints it and
// the pages show it (the server sends it as account.role_title); `role` itself when it is none of
// kAccountRoles.
std::string account_role_title(const std::string& role);

struct Account {
  std::string name;
  std::string display_name;
  std::string role;
  std::string authority;  // clerks and auditors; empty for vendor staff and administrators
  bool disabled = false;
  std::string created_at;
};

struct Session {
  std::string token;  // the cookie's value (only known when the session is made)
  std::string csrf;   // to be sent back with every state-changing request
  std::int64_t expires_at = 0;
  Account account;
};

struct ApiToken {
  std::string label;
  std::string authority;
};

// `text` as well-formed UTF-8 of at most `max_bytes` bytes (REQUIRES: max_bytes >= 3): each
// byte that starts no well-formed sequence becomes U+FFFD, and a longer text is cut at a
// character boundary with "…" (3 bytes) in place of the rest.
std::string clip_utf8(std::string_view text, std::size_t max_bytes);

// A refused request, for the audit.
struct Refusal {
  std::string at, account, role, method, target;
  int status = 0;
  std::string reason;
};

class Accounts {
 public:
  // Opens or creates the database at `path` (":memory:" for tests; a "file:" URI or a
  // "postgresql://" URI as for CaseStore::open) and migrates it.
  static Result<Accounts> open(const std::string& path);
  Accounts(Accounts&&) noexcept;
  Accounts& operator=(Accounts&&) noexcept;
  ~Accounts();

  // Adds an account. Refused: a name taken (ErrorKind::refused, the same answer when another add
  // of the name lands at the same moment) or malformed, an unknown role, a clerk without an
  // authority, a password shorter than 10 characters.
  Status add(const Account& account, const std::string& password, const std::string& at);
  Status set_password(const std::string& name, const std::string& password, const std::string& at);
  // Disables (or enables again) an account; its sessions end.
  Status set_disabled(const std::string& name, bool disabled, const std::string& at);
  Result<std::optional<Account>> find(const std::string& name);
  Result<std::vector<Account>> list();

  // Logs in `name` from `address` at `now` (Unix seconds). The Error says why, in words fit for
  // the login page; it never says whether the name exists. *locked_out (when given) is set when
  // the refusal is the failed-login limit rather than the password. The limit holds for logins
  // at the same moment too: each is counted and recorded before its password is checked.
  Result<Session> log_in(const std::string& name, const std::string& password,
                         const std::string& address, std::int64_t now, bool* locked_out = nullptr);
  // The session of a cookie's token, unless it expired, was ended, or its account is disabled.
  Result<std::optional<Session>> session(const std::string& token, std::int64_t now);
  Status log_out(const std::string& token);

  // A new API token for machine intake into `authority`'s cases; the token is returned once and
  // only its hash kept. A label may be reissued: the old token stops working.
  Result<std::string> issue_api_token(const std::string& label, const std::string& authority,
                                      const std::string& at);
  Result<std::optional<ApiToken>> api_token(const std::string& token);

  // Records a refused request. Requests of anyone, logged in or not, land here, so the table is
  // capped as each row goes in: it keeps the newest kRefusalsKept rows, and of those at most
  // kAnonymousRefusalsKept refusals of nobody logged in (account ''). A flood of unauthenticated
  // requests thus pushes out only older unauthenticated rows, never the refusals of accounts,
  // which name who tried what and are the audit's point; an account flooding it is named in
  // every row it leaves. Newest rows, not a rate per address: rows carry no address, and the
  // newest are what an auditor looks at. Method, target and reason are kept to
  // kRefusalTextBytes each, as well-formed UTF-8 (see clip_utf8).
  Status record_refusal(const Refusal& refusal);
  // The newest `limit` refusals, newest first.
  Result<std::vector<Refusal>> refusals(int limit = 100);

  // A counter refuses tens of requests a day (lapsed sessions, a clerk trying another authority's
  // case), so 10 000 rows are months of them, and at most about 30 MB (3 texts of 1 KB a row).
  static constexpr int kRefusalsKept = 10000;
  static constexpr int kAnonymousRefusalsKept = 1000;
  static constexpr std::size_t kRefusalTextBytes = 1024;

  static constexpr int kSessionSeconds = 12 * 3600;      // a working day and then some
  static constexpr int kFailureWindowSeconds = 15 * 60;  // failed logins counted over this
  static constexpr int kFailuresPerName = 5;
  static constexpr int kFailuresPerAddress = 20;

 private:
  struct Impl;
  explicit Accounts(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace keydesk
