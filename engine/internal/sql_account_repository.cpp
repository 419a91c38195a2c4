// The web counter's accounts in SQL, on SQLite and PostgreSQL alike (internal/sql.h): every
// query is written once, in SQL both take (an upsert with ON CONFLICT, refusals numbered by
// AUTOINCREMENT or an identity column).
#include "engine/account_repository.h"
#include "engine/internal/sql.h"

namespace keydesk {

using internal::Connection;
using internal::Query;

namespace {

const char* const kAccountColumns = "name, display_name, role, authority, disabled, created_at";

Account read_account(const Query& q) {
  return {q.text(0), q.text(1), q.text(2), q.text(3), q.integer(4) != 0, q.text(5)};
}

Refusal read_refusal(const Query& q) {
  return {q.text(0), q.text(1), q.text(2), q.text(3), q.text(4), static_cast<int>(q.integer(5)),
          q.text(6)};
}

class SqlAccountRepository final : public AccountRepository {
 public:
  explicit SqlAccountRepository(std::unique_ptr<Connection> db) : db_(std::move(db)) {}

  Status begin_write() override { return db_->begin_write(); }
  Status commit() override { return db_->commit(); }
  void rollback() override { db_->rollback(); }

  Status insert_account(const StoredAccount& stored) override {
    const Account& a = stored.account;
    // A name taken, even by an add on another connection at the same moment, adds nothing rather
    // than failing the statement: the database's unique-key error would reach the person as a
    // database failure, and on PostgreSQL would abort the transaction the add is part of.
    auto ins = db_->prepare(
        "INSERT INTO accounts (name, display_name, role, authority, password_hash, disabled, "
        "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (name) DO NOTHING");
    if (!ins) return ins.error();
    ins->bind(1, a.name).bind(2, a.display_name).bind(3, a.role).bind(4, a.authority);
    ins->bind(5, stored.password_hash).bind(6, std::int64_t{a.disabled ? 1 : 0});
    ins->bind(7, a.created_at).bind(8, a.created_at);
    if (auto st = ins->run(); !st) return st;
    if (db_->changes() == 0)
      return error_of(ErrorKind::refused, "账户 " + a.name +
                                              " 已存在：请换一个名称；要改它的密码请用 keydesk "
                                              "users passwd (account '" +
                                              a.name + "' exists already)");
    return internal::ok();
  }

  Result<bool> set_password_hash(const std::string& name, const std::string& hash,
                                 const std::string& at) override {
    auto changed = run("UPDATE accounts SET password_hash = ?, updated_at = ? WHERE name = ?",
                       {hash, at, name});
    if (!changed) return changed.error();
    return *changed != 0;
  }

  Result<bool> set_disabled(const std::string& name, bool disabled,
                            const std::string& at) override {
    auto changed = run("UPDATE accounts SET disabled = ?, updated_at = ? WHERE name = ?",
                       {disabled ? "1" : "0", at, name});
    if (!changed) return changed.error();
    return *changed != 0;
  }

  Result<std::optional<Account>> find_account(const std::string& name) override {
    auto found = find_credentials(name, false);
    if (!found) return found.error();
    if (!*found) return std::optional<Account>();
    return std::optional<Account>(std::move((*found)->account));
  }

  Result<std::optional<StoredAccount>> find_credentials(const std::string& name) override {
    return find_credentials(name, true);
  }

  Result<std::vector<Account>> accounts() override {
    auto sel = db_->prepare(std::string("SELECT ") + kAccountColumns +
                            " FROM accounts ORDER BY role, authority, name");
    if (!sel) return sel.error();
    return internal::all_rows(*sel, read_account);
  }

  Status insert_session(const std::string& token_hash, const std::string& account,
                        const std::string& csrf, std::int64_t created_at,
                        std::int64_t expires_at) override {
    return done(
        run("INSERT INTO sessions (token_hash, account, csrf, created_at, expires_at) "
            "VALUES (?,?,?,?,?)",
            {token_hash, account, csrf, std::to_string(created_at), std::to_string(expires_at)}));
  }

  Result<std::optional<StoredSession>> find_session(const std::string& token_hash) override {
    return first(
        "SELECT a.name, a.display_name, a.role, a.authority, a.disabled, a.created_at, s.csrf, "
        "s.expires_at FROM sessions s JOIN accounts a ON a.name = s.account "
        "WHERE s.token_hash = ?",
        token_hash, [](const Query& q) {
          return StoredSession{q.text(6), q.integer(7), read_account(q)};
        });
  }

  Status delete_session(const std::string& token_hash) override {
    return done(run("DELETE FROM sessions WHERE token_hash = ?", {token_hash}));
  }

  Status delete_sessions_of(const std::string& account) override {
    return done(run("DELETE FROM sessions WHERE account = ?", {account}));
  }

  Status delete_expired_sessions(std::int64_t now) override {
    return done(run("DELETE FROM sessions WHERE expires_at <= ?", {std::to_string(now)}));
  }

  Status put_api_token(const std::string& token_hash, const std::string& label,
                       const std::string& authority, const std::string& at) override {
    return done(run(
        "INSERT INTO api_tokens (token_hash, label, authority, disabled, created_at) "
        "VALUES (?,?,?,0,?) ON CONFLICT (label) DO UPDATE SET token_hash = excluded.token_hash, "
        "authority = excluded.authority, disabled = 0, created_at = excluded.created_at",
        {token_hash, label, authority, at}));
  }

  Result<std::optional<ApiToken>> find_api_token(const std::string& token_hash) override {
    return first("SELECT label, authority FROM api_tokens WHERE token_hash = ? AND disabled = 0",
                 token_hash, [](const Query& q) {
                   return ApiToken{q.text(0), q.text(1)};
                 });
  }

  Status add_login_failure(const std::string& account, const std::string& address,
                           std::int64_t at) override {
    return done(run("INSERT INTO login_failures (account, address, at) VALUES (?,?,?)",
                    {account, address, std::to_string(at)}));
  }

  Result<long> login_failures_of(const std::string& account, std::int64_t since) override {
    return count("SELECT count(*) FROM login_failures WHERE account = ? AND at > ?", account,
                 since);
  }

  Result<long> login_failures_from(const std::string& address, std::int64_t since) override {
    return count("SELECT count(*) FROM login_failures WHERE address = ? AND at > ?", address,
                 since);
  }

  Status clear_login_failures_of(const std::string& account) override {
    return done(run("DELETE FROM login_failures WHERE account = ?", {account}));
  }

  Status delete_login_failures_until(std::int64_t until) override {
    return done(run("DELETE FROM login_failures WHERE at <= ?", {std::to_string(until)}));
  }

  Status add_refusal(const Refusal& r) override {
    auto ins = db_->prepare(
        "INSERT INTO refusals (at, account, role, method, target, status, reason) "
        "VALUES (?,?,?,?,?,?,?)");
    if (!ins) return ins.error();
    ins->bind(1, r.at).bind(2, r.account).bind(3, r.role).bind(4, r.method).bind(5, r.target);
    ins->bind(6, static_cast<std::int64_t>(r.status)).bind(7, r.reason);
    return ins->run();
  }

  Status prune_refusals(int keep) override {
    // One range of the primary key below the newest number: usually one row.
    auto newest = db_->prepare("SELECT max(seq) FROM refusals");
    if (!newest) return newest.error();
    auto row = newest->step();
    if (!row) return row.error();
    const std::int64_t seq = newest->integer(0);
    newest->reset();
    auto old = db_->prepare("DELETE FROM refusals WHERE seq <= ?");
    if (!old) return old.error();
    old->bind(1, seq - keep);
    return old->run();
  }

  Status prune_anonymous_refusals(int keep) override {
    // Walks back at most the rows the table holds.
    auto old = db_->prepare(
        "DELETE FROM refusals WHERE account = '' AND seq <= (SELECT seq FROM refusals WHERE "
        "account = '' ORDER BY seq DESC LIMIT 1 OFFSET ?)");
    if (!old) return old.error();
    old->bind(1, static_cast<std::int64_t>(keep));
    return old->run();
  }

  Result<std::vector<Refusal>> refusals(int limit) override {
    auto sel = db_->prepare(
        "SELECT at, account, role, method, target, status, reason FROM refusals "
        "ORDER BY seq DESC LIMIT ?");
    if (!sel) return sel.error();
    sel->bind(1, static_cast<std::int64_t>(limit));
    return internal::all_rows(*sel, read_refusal);
  }

 private:
  // Runs one statement of `sql` with `args` bound in order; the number of rows it changed.
  Result<long> run(const std::string& sql, const std::vector<std::string>& args) {
    auto st = db_->prepare(sql);
    if (!st) return st.error();
    int i = 1;
    for (const auto& a : args) st->bind(i++, a);
    if (auto ran = st->run(); !ran) return ran.error();
    return db_->changes();
  }

  static Status done(const Result<long>& ran) {
    if (!ran) return ran.error();
    return internal::ok();
  }

  // The count `sql` answers with `key` and `since` bound.
  Result<long> count(const std::string& sql, const std::string& key, std::int64_t since) {
    auto sel = db_->prepare(sql);
    if (!sel) return sel.error();
    sel->bind(1, key).bind(2, since);
    auto row = sel->step();
    if (!row) return row.error();
    const long n = *row ? static_cast<long>(sel->integer(0)) : 0;
    sel->reset();
    return n;
  }

  // Account `name`, with its password hash when `with_hash`.
  Result<std::optional<StoredAccount>> find_credentials(const std::string& name, bool with_hash) {
    return first(std::string("SELECT ") + kAccountColumns + (with_hash ? ", password_hash" : "") +
                     " FROM accounts WHERE name = ?",
                 name, [with_hash](const Query& q) {
                   return StoredAccount{read_account(q), with_hash ? q.text(6) : std::string()};
                 });
  }

  // The first row `sql` selects with `key` bound to its one ?, as `read` reads it; nullopt when
  // there is none.
  template <class Read>
  auto first(const std::string& sql, const std::string& key, Read read)
      -> decltype(internal::first_row(std::declval<Query&>(), read)) {
    auto sel = db_->prepare(sql);
    if (!sel) return sel.error();
    sel->bind(1, key);
    return internal::first_row(*sel, read);
  }

  std::unique_ptr<Connection> db_;
};

}  // namespace

Result<std::unique_ptr<AccountRepository>> open_account_repository(const std::string& target) {
  return internal::open_repository<AccountRepository, SqlAccountRepository>(target);
}

}  // namespace keydesk
