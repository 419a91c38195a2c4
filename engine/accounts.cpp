#include "engine/accounts.h"

#include <algorithm>
#include <cstring>

#include <sodium.h>

#include "common/utf8.h"
#include "engine/internal/sha256.h"
#include "engine/internal/sql.h"

namespace keydesk {

using internal::Connection;
using internal::Query;
using internal::WriteTransaction;

namespace {

bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

// 32 random bytes as 64 hex digits.
std::string random_token() {
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char hex[2 * sizeof bytes + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

// Login names: letters, digits, . _ - (they appear in URLs, logs and the audit).
bool valid_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

Status check_password(const std::string& password) {
  // Characters, not bytes: a Chinese passphrase counts each character once.
  size_t chars = 0;
  for (unsigned char c : password) chars += (c & 0xC0) != 0x80 ? 1 : 0;
  if (chars < 10) return Error{"the password is too short: use at least 10 characters"};
  if (password.size() > 1024) return Error{"the password is too long: use at most 1024 bytes"};
  return internal::ok();
}

Result<std::string> hash_password(const std::string& password) {
  if (!sodium_ready()) return Error{"libsodium could not be initialised"};
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    return Error{"out of memory while hashing the password: try again"};
  return std::string(out);
}

const char* const kAccountColumns = "name, display_name, role, authority, disabled, created_at";

Account read_account(const Query& st) {
  return {st.text(0), st.text(1), st.text(2), st.text(3), st.integer(4) != 0, st.text(5)};
}

}  // namespace

std::string clip_utf8(std::string_view text, std::size_t max_bytes) {
  std::string whole = encode_utf8(decode_utf8_lossy(text));
  if (whole.size() <= max_bytes) return whole;
  std::size_t cut = max_bytes - 3;
  while (cut > 0 && (static_cast<unsigned char>(whole[cut]) & 0xC0) == 0x80) --cut;
  whole.resize(cut);
  return whole + "…";
}

bool is_account_role(const std::string& role) {
  return std::any_of(std::begin(kAccountRoles), std::end(kAccountRoles),
                     [&role](const char* r) { return role == r; });
}

struct Accounts::Impl {
  std::unique_ptr<Connection> db;
  explicit Impl(std::unique_ptr<Connection> d) : db(std::move(d)) {}

  // Runs one statement of `sql` with `args` bound in order; the number of rows it changed.
  Result<int> run(const std::string& sql, const std::vector<std::string>& args) {
    auto st = db->prepare(sql);
    if (!st) return st.error();
    int i = 1;
    for (const auto& a : args) st->bind(i++, a);
    if (auto done = st->run(); !done) return done.error();
    return static_cast<int>(db->changes());
  }

  Result<std::int64_t> count(const std::string& sql, const std::string& key, std::int64_t since) {
    auto st = db->prepare(sql);
    if (!st) return st.error();
    st->bind(1, key).bind(2, since);
    auto row = st->step();
    if (!row) return row.error();
    return *row ? st->integer(0) : 0;
  }
};

Accounts::Accounts(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Accounts::Accounts(Accounts&&) noexcept = default;
Accounts& Accounts::operator=(Accounts&&) noexcept = default;
Accounts::~Accounts() = default;

Result<Accounts> Accounts::open(const std::string& path) {
  auto db = internal::connect(path);
  if (!db) return db.error();
  return Accounts(std::make_unique<Impl>(std::move(db).value()));
}

Status Accounts::add(const Account& a, const std::string& password, const std::string& at) {
  if (!valid_name(a.name))
    return Error{"account name '" + a.name +
                 "': use 1 to 64 letters, digits, '.', '_' or '-' (e.g. zhang.wei)"};
  if (!is_account_role(a.role))
    return Error{"role '" + a.role +
                 "': say authority_clerk, vendor_reviewer, administrator or auditor"};
  if (a.role == "authority_clerk" && a.authority.empty())
    return Error{"a clerk acts for one authority: give it (--authority, e.g. 北京市商务局)"};
  if (auto st = check_password(password); !st) return st;
  auto hash = hash_password(password);
  if (!hash) return hash.error();
  if (auto existing = find(a.name); !existing)
    return existing.error();
  else if (*existing)
    return Error{"account '" + a.name + "' exists already: choose another name, or use passwd"};
  auto done = impl_->run(
      "INSERT INTO accounts (name, display_name, role, authority, password_hash, disabled, "
      "created_at, updated_at) VALUES (?,?,?,?,?,0,?,?)",
      {a.name, a.display_name, a.role,
       a.role == "authority_clerk" || a.role == "auditor" ? a.authority : std::string(), *hash, at,
       at});
  if (!done) return done.error();
  return internal::ok();
}

Status Accounts::set_password(const std::string& name, const std::string& password,
                              const std::string& at) {
  if (auto st = check_password(password); !st) return st;
  auto hash = hash_password(password);
  if (!hash) return hash.error();
  WriteTransaction tx(*impl_->db);
  if (!tx.begun()) return tx.begun().error();
  auto changed = impl_->run("UPDATE accounts SET password_hash = ?, updated_at = ? WHERE name = ?",
                            {*hash, at, name});
  if (!changed) return changed.error();
  if (*changed == 0) return Error{"no account '" + name + "': see 'keydesk users list'"};
  // A new password ends the sessions the old one opened.
  if (auto ended = impl_->run("DELETE FROM sessions WHERE account = ?", {name}); !ended)
    return ended.error();
  return tx.commit();
}

Status Accounts::set_disabled(const std::string& name, bool disabled, const std::string& at) {
  WriteTransaction tx(*impl_->db);
  if (!tx.begun()) return tx.begun().error();
  auto changed = impl_->run("UPDATE accounts SET disabled = ?, updated_at = ? WHERE name = ?",
                            {disabled ? "1" : "0", at, name});
  if (!changed) return changed.error();
  if (*changed == 0) return Error{"no account '" + name + "': see 'keydesk users list'"};
  if (auto ended = impl_->run("DELETE FROM sessions WHERE account = ?", {name}); !ended)
    return ended.error();
  return tx.commit();
}

Result<std::optional<Account>> Accounts::find(const std::string& name) {
  auto st = impl_->db->prepare(std::string("SELECT ") + kAccountColumns +
                               " FROM accounts WHERE name = ?");
  if (!st) return st.error();
  st->bind(1, name);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<Account>();
  return std::optional<Account>(read_account(*st));
}

Result<std::vector<Account>> Accounts::list() {
  auto st = impl_->db->prepare(std::string("SELECT ") + kAccountColumns +
                               " FROM accounts ORDER BY role, authority, name");
  if (!st) return st.error();
  return internal::all_rows(*st, read_account);
}

Result<Session> Accounts::log_in(const std::string& name, const std::string& password,
                                 const std::string& address, std::int64_t now, bool* locked_out) {
  const std::int64_t since = now - kFailureWindowSeconds;
  const std::string key = name.substr(0, 200);  // as failures keep it
  auto by_name =
      impl_->count("SELECT count(*) FROM login_failures WHERE account = ? AND at > ?", key, since);
  if (!by_name) return by_name.error();
  auto by_address = impl_->count("SELECT count(*) FROM login_failures WHERE address = ? AND at > ?",
                                 address, since);
  if (!by_address) return by_address.error();
  const bool locked = *by_name >= kFailuresPerName || *by_address >= kFailuresPerAddress;
  if (locked_out) *locked_out = locked;
  if (locked)
    return Error{"登录失败次数过多，请 15 分钟后再试 (too many failed logins: wait 15 minutes)"};
  auto st = impl_->db->prepare(std::string("SELECT ") + kAccountColumns +
                               ", password_hash FROM accounts WHERE name = ?");
  if (!st) return st.error();
  st->bind(1, name);
  auto row = st->step();
  if (!row) return row.error();
  std::optional<Account> account;
  std::string hash;
  if (*row) {
    account = read_account(*st);
    hash = st->text(6);
  }
  st->reset();
  const bool right = account && sodium_ready() &&
                     crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
  if (!right || account->disabled) {
    // Failures older than the window count for nothing: they go as new ones come, so names
    // sprayed from many addresses cannot grow the table without bound (a failure costs a
    // password hash, which bounds the rate).
    if (auto old = impl_->run("DELETE FROM login_failures WHERE at <= ?", {std::to_string(since)});
        !old)
      return old.error();
    auto failed = impl_->run("INSERT INTO login_failures (account, address, at) VALUES (?,?,?)",
                             {key, address.substr(0, 100), std::to_string(now)});
    if (!failed) return failed.error();
    // The same words whether the name exists or not.
    return Error{right ? "账户已停用，请联系管理员 (the account is disabled)"
                       : "用户名或密码错误 (wrong name or password)"};
  }
  Session session{random_token(), random_token(), now + kSessionSeconds, *account};
  WriteTransaction tx(*impl_->db);
  if (!tx.begun()) return tx.begun().error();
  // Done with old failures of this name, and with expired sessions of everyone.
  if (auto clear = impl_->run("DELETE FROM login_failures WHERE account = ?", {name}); !clear)
    return clear.error();
  if (auto old = impl_->run("DELETE FROM sessions WHERE expires_at <= ?", {std::to_string(now)});
      !old)
    return old.error();
  auto made = impl_->run(
      "INSERT INTO sessions (token_hash, account, csrf, created_at, expires_at) "
      "VALUES (?,?,?,?,?)",
      {internal::sha256_hex(session.token), name, session.csrf, std::to_string(now),
       std::to_string(session.expires_at)});
  if (!made) return made.error();
  if (auto done = tx.commit(); !done) return done.error();
  return session;
}

Result<std::optional<Session>> Accounts::session(const std::string& token, std::int64_t now) {
  if (token.size() != 64) return std::optional<Session>();
  auto st = impl_->db->prepare(
      "SELECT a.name, a.display_name, a.role, a.authority, a.disabled, a.created_at, s.csrf, "
      "s.expires_at FROM sessions s JOIN accounts a ON a.name = s.account "
      "WHERE s.token_hash = ?");
  if (!st) return st.error();
  st->bind(1, internal::sha256_hex(token));
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<Session>();
  Session s{token, st->text(6), st->integer(7), read_account(*st)};
  st->reset();
  if (s.expires_at <= now || s.account.disabled) return std::optional<Session>();
  return std::optional<Session>(std::move(s));
}

Status Accounts::log_out(const std::string& token) {
  auto done =
      impl_->run("DELETE FROM sessions WHERE token_hash = ?", {internal::sha256_hex(token)});
  if (!done) return done.error();
  return internal::ok();
}

Result<std::string> Accounts::issue_api_token(const std::string& label,
                                              const std::string& authority, const std::string& at) {
  if (!valid_name(label))
    return Error{"token label '" + label + "': use letters, digits, '.', '_' or '-'"};
  if (authority.empty()) return Error{"an API token opens cases of one authority: give it"};
  if (!sodium_ready()) return Error{"libsodium could not be initialised"};
  std::string token = random_token();
  auto done = impl_->run(
      "INSERT INTO api_tokens (token_hash, label, authority, disabled, created_at) "
      "VALUES (?,?,?,0,?) ON CONFLICT (label) DO UPDATE SET token_hash = excluded.token_hash, "
      "authority = excluded.authority, disabled = 0, created_at = excluded.created_at",
      {internal::sha256_hex(token), label, authority, at});
  if (!done) return done.error();
  return token;
}

Result<std::optional<ApiToken>> Accounts::api_token(const std::string& token) {
  if (token.size() != 64) return std::optional<ApiToken>();
  auto st = impl_->db->prepare(
      "SELECT label, authority FROM api_tokens WHERE token_hash = ? AND disabled = 0");
  if (!st) return st.error();
  st->bind(1, internal::sha256_hex(token));
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<ApiToken>();
  ApiToken t{st->text(0), st->text(1)};
  st->reset();
  return std::optional<ApiToken>(std::move(t));
}

Status Accounts::record_refusal(const Refusal& r) {
  WriteTransaction tx(*impl_->db);
  if (!tx.begun()) return tx.begun().error();
  auto st = impl_->db->prepare(
      "INSERT INTO refusals (at, account, role, method, target, status, reason) "
      "VALUES (?,?,?,?,?,?,?)");
  if (!st) return st.error();
  st->bind(1, r.at).bind(2, r.account).bind(3, r.role);
  st->bind(4, clip_utf8(r.method, kRefusalTextBytes));
  st->bind(5, clip_utf8(r.target, kRefusalTextBytes));
  st->bind(6, static_cast<std::int64_t>(r.status)).bind(7, clip_utf8(r.reason, kRefusalTextBytes));
  if (auto done = st->run(); !done) return done.error();
  // seq only grows (AUTOINCREMENT, an identity column, never reuses one), so the newest
  // kRefusalsKept rows are those above this row's seq - kRefusalsKept: one range of the primary
  // key, usually one row. This row's seq is the largest: writers queue (WriteTransaction).
  auto newest = impl_->db->prepare("SELECT max(seq) FROM refusals");
  if (!newest) return newest.error();
  auto row = newest->step();
  if (!row) return row.error();
  const std::int64_t seq = newest->integer(0);
  newest->reset();
  auto old = impl_->db->prepare("DELETE FROM refusals WHERE seq <= ?");
  if (!old) return old.error();
  old->bind(1, seq - kRefusalsKept);
  if (auto done = old->run(); !done) return done.error();
  if (r.account.empty()) {
    // Walks back at most the kRefusalsKept rows kept.
    auto anonymous = impl_->db->prepare(
        "DELETE FROM refusals WHERE account = '' AND seq <= (SELECT seq FROM refusals WHERE "
        "account = '' ORDER BY seq DESC LIMIT 1 OFFSET ?)");
    if (!anonymous) return anonymous.error();
    anonymous->bind(1, static_cast<std::int64_t>(kAnonymousRefusalsKept));
    if (auto done = anonymous->run(); !done) return done.error();
  }
  return tx.commit();
}

Result<std::vector<Refusal>> Accounts::refusals(int limit) {
  auto st = impl_->db->prepare(
      "SELECT at, account, role, method, target, status, reason FROM refusals "
      "ORDER BY seq DESC LIMIT ?");
  if (!st) return st.error();
  st->bind(1, static_cast<std::int64_t>(limit));
  return internal::all_rows(*st, [](const Query& s) {
    return Refusal{s.text(0), s.text(1), s.text(2),
                   s.text(3), s.text(4), static_cast<int>(s.integer(5)),
                   s.text(6)};
  });
}

}  // namespace keydesk
