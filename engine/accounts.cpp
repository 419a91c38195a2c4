#include "engine/accounts.h"

#include <algorithm>
#include <cstring>

#include <sodium.h>

#include "common/utf8.h"
#include "engine/account_repository.h"
#include "engine/internal/sha256.h"
#include "engine/internal/sql.h"

namespace keydesk {

using internal::WriteScope;

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
  if (chars < 10)
    return Error{
        "密码太短，未做任何更改：请用至少 10 个字符的密码 (the password is too short: "
        "use at least 10 characters)"};
  if (password.size() > 1024)
    return Error{
        "密码太长，未做任何更改：请用不超过 1024 字节（约 340 个汉字）的密码 (the "
        "password is too long: use at most 1024 bytes)"};
  return internal::ok();
}

// Why the password library cannot be used: what the administrator does about it.
Error sodium_missing() {
  return error_of(ErrorKind::io,
                  "密码组件无法初始化，未做任何更改：请联系管理员检查 libsodium 的安装 (libsodium "
                  "could not be initialised)");
}

Result<std::string> hash_password(const std::string& password) {
  if (!sodium_ready()) return sodium_missing();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    return error_of(ErrorKind::busy,
                    "计算密码摘要时内存不足，未做任何更改：请稍后重试 (out of memory while "
                    "hashing the password)");
  return std::string(out);
}

// Commits the change `changed` made to account `name` in the write transaction `tx` of `repo`,
// with the end of the account's sessions; refused when there is no account `name`.
Status end_sessions_with(AccountRepository& repo, WriteScope<AccountRepository>& tx,
                         const Result<bool>& changed, const std::string& name) {
  if (!changed) return changed.error();
  if (!*changed)
    return error_of(ErrorKind::not_found,
                    "没有账户 " + name +
                        "，未做任何更改：请用 keydesk users list 查看已有账户的名称 (no account '" +
                        name + "')");
  if (auto ended = repo.delete_sessions_of(name); !ended) return ended;
  return tx.commit();
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

std::string account_role_title(const std::string& role) {
  // In the order of kAccountRoles.
  static const char* const titles[] = {"发证机构经办人", "服务商复核人员", "管理员", "审计员"};
  static_assert(std::size(titles) == std::size(kAccountRoles));
  for (std::size_t i = 0; i < std::size(kAccountRoles); ++i)
    if (role == kAccountRoles[i]) return titles[i];
  return role;
}

struct Accounts::Impl {
  std::unique_ptr<AccountRepository> repo;
  explicit Impl(std::unique_ptr<AccountRepository> r) : repo(std::move(r)) {}
};

Accounts::Accounts(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Accounts::Accounts(Accounts&&) noexcept = default;
Accounts& Accounts::operator=(Accounts&&) noexcept = default;
Accounts::~Accounts() = default;

Result<Accounts> Accounts::open(const std::string& path) {
  auto repo = open_account_repository(path);
  if (!repo) return repo.error();
  return Accounts(std::make_unique<Impl>(std::move(repo).value()));
}

Status Accounts::add(const Account& a, const std::string& password, const std::string& at) {
  if (!valid_name(a.name))
    return Error{"账户名 '" + a.name +
                 "' 不可用：请用 1 到 64 个英文字母、数字或 . _ -，如 zhang.wei (account name: "
                 "1 to 64 letters, digits, '.', '_' or '-')"};
  if (!is_account_role(a.role)) {
    std::string roles;
    for (const char* r : kAccountRoles)
      roles += std::string(roles.empty() ? "" : "、") + r + "（" + account_role_title(r) + "）";
    return Error{"没有角色 '" + a.role + "'：请用 " + roles +
                 " 之一 (role: authority_clerk, vendor_reviewer, administrator or auditor)"};
  }
  if (a.role == "authority_clerk" && a.authority.empty())
    return Error{
        "发证机构经办人只为一个发证机构办理：请用 --authority 给出，如 --authority "
        "北京市商务局 (a clerk acts for one authority: --authority)"};
  if (auto st = check_password(password); !st) return st;
  auto hash = hash_password(password);
  if (!hash) return hash.error();
  // A name taken is refused by the insert, also when another add takes it at the same moment.
  StoredAccount stored{a, std::move(hash).value()};
  if (a.role != "authority_clerk" && a.role != "auditor") stored.account.authority.clear();
  stored.account.disabled = false;
  stored.account.created_at = at;
  return impl_->repo->insert_account(stored);
}

Status Accounts::set_password(const std::string& name, const std::string& password,
                              const std::string& at) {
  if (auto st = check_password(password); !st) return st;
  auto hash = hash_password(password);
  if (!hash) return hash.error();
  WriteScope<AccountRepository> tx(*impl_->repo);
  if (!tx.begun()) return tx.begun().error();
  // A new password ends the sessions the old one opened.
  return end_sessions_with(*impl_->repo, tx, impl_->repo->set_password_hash(name, *hash, at), name);
}

Status Accounts::set_disabled(const std::string& name, bool disabled, const std::string& at) {
  WriteScope<AccountRepository> tx(*impl_->repo);
  if (!tx.begun()) return tx.begun().error();
  return end_sessions_with(*impl_->repo, tx, impl_->repo->set_disabled(name, disabled, at), name);
}

Result<std::optional<Account>> Accounts::find(const std::string& name) {
  return impl_->repo->find_account(name);
}

Result<std::vector<Account>> Accounts::list() { return impl_->repo->accounts(); }

Result<Session> Accounts::log_in(const std::string& name, const std::string& password,
                                 const std::string& address, std::int64_t now, bool* locked_out) {
  AccountRepository& repo = *impl_->repo;
  const std::int64_t since = now - kFailureWindowSeconds;
  const std::string key = name.substr(0, 200);  // as failures keep it
  {
    // Counted, and recorded as a failure before the password is checked, in one write
    // transaction: wrong passwords sent at the same moment each see the others' attempts, so no
    // more than the limit are ever checked. A right password clears the record below. (Checking
    // the password inside the transaction would hold every writer for its hashing.)
    WriteScope<AccountRepository> tx(repo);
    if (!tx.begun()) return tx.begun().error();
    auto by_name = repo.login_failures_of(key, since);
    if (!by_name) return by_name.error();
    auto by_address = repo.login_failures_from(address, since);
    if (!by_address) return by_address.error();
    const bool locked = *by_name >= kFailuresPerName || *by_address >= kFailuresPerAddress;
    if (locked_out) *locked_out = locked;
    if (locked)
      return Error{"登录失败次数过多，请 15 分钟后再试 (too many failed logins: wait 15 minutes)"};
    // Failures older than the window count for nothing: they go as new ones come, so names
    // sprayed from many addresses cannot grow the table without bound (a failure costs a
    // password hash, which bounds the rate).
    if (auto old = repo.delete_login_failures_until(since); !old) return old.error();
    if (auto failed = repo.add_login_failure(key, address.substr(0, 100), now); !failed)
      return failed.error();
    if (auto done = tx.commit(); !done) return done.error();
  }
  auto stored = repo.find_credentials(name);
  if (!stored) return stored.error();
  const std::optional<StoredAccount>& found = *stored;
  const bool right =
      found && sodium_ready() &&
      crypto_pwhash_str_verify(found->password_hash.c_str(), password.data(), password.size()) == 0;
  if (!right || found->account.disabled) {
    // The same words whether the name exists or not.
    return Error{right ? "账户已停用，请联系管理员 (the account is disabled)"
                       : "用户名或密码错误 (wrong name or password)"};
  }
  Session session{random_token(), random_token(), now + kSessionSeconds, found->account};
  WriteScope<AccountRepository> tx(repo);
  if (!tx.begun()) return tx.begun().error();
  // Done with the failures of this name (this attempt's record among them), and with expired
  // sessions of everyone.
  if (auto clear = repo.clear_login_failures_of(name); !clear) return clear.error();
  if (auto old = repo.delete_expired_sessions(now); !old) return old.error();
  if (auto made = repo.insert_session(internal::sha256_hex(session.token), name, session.csrf, now,
                                      session.expires_at);
      !made)
    return made.error();
  if (auto done = tx.commit(); !done) return done.error();
  return session;
}

Result<std::optional<Session>> Accounts::session(const std::string& token, std::int64_t now) {
  if (token.size() != 64) return std::optional<Session>();
  auto stored = impl_->repo->find_session(internal::sha256_hex(token));
  if (!stored) return stored.error();
  if (!*stored) return std::optional<Session>();
  StoredSession& s = **stored;
  if (s.expires_at <= now || s.account.disabled) return std::optional<Session>();
  return std::optional<Session>(
      Session{token, std::move(s.csrf), s.expires_at, std::move(s.account)});
}

Status Accounts::log_out(const std::string& token) {
  return impl_->repo->delete_session(internal::sha256_hex(token));
}

Result<std::string> Accounts::issue_api_token(const std::string& label,
                                              const std::string& authority, const std::string& at) {
  if (!valid_name(label))
    return Error{"令牌标签 '" + label +
                 "' 不可用：请用 1 到 64 个英文字母、数字或 . _ -，如 online-filing (token "
                 "label: 1 to 64 letters, digits, '.', '_' or '-')"};
  if (authority.empty())
    return Error{
        "每个 API 令牌只为一个发证机构受理案件：请用 --authority 给出 (an API token opens "
        "cases of one authority: --authority)"};
  if (!sodium_ready()) return sodium_missing();
  std::string token = random_token();
  if (auto done = impl_->repo->put_api_token(internal::sha256_hex(token), label, authority, at);
      !done)
    return done.error();
  return token;
}

Result<std::optional<ApiToken>> Accounts::api_token(const std::string& token) {
  if (token.size() != 64) return std::optional<ApiToken>();
  return impl_->repo->find_api_token(internal::sha256_hex(token));
}

Status Accounts::record_refusal(const Refusal& r) {
  AccountRepository& repo = *impl_->repo;
  WriteScope<AccountRepository> tx(repo);
  if (!tx.begun()) return tx.begun().error();
  if (auto added =
          repo.add_refusal({r.at, r.account, r.role, clip_utf8(r.method, kRefusalTextBytes),
                            clip_utf8(r.target, kRefusalTextBytes), r.status,
                            clip_utf8(r.reason, kRefusalTextBytes)});
      !added)
    return added;
  // Numbers only grow, so the newest kRefusalsKept rows are those of the last kRefusalsKept
  // numbers, and this row's number is the newest: writers queue (the write transaction).
  if (auto pruned = repo.prune_refusals(kRefusalsKept); !pruned) return pruned;
  if (r.account.empty()) {
    if (auto pruned = repo.prune_anonymous_refusals(kAnonymousRefusalsKept); !pruned) return pruned;
  }
  return tx.commit();
}

Result<std::vector<Refusal>> Accounts::refusals(int limit) { return impl_->repo->refusals(limit); }

}  // namespace keydesk
