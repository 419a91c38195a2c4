#include "engine/internal/sql.h"

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "engine/internal/migrate.h"
#include "engine/internal/postgres.h"
#include "engine/internal/sqlite.h"

namespace keydesk::internal {

bool is_postgresql_uri(const std::string& target) {
  return target.starts_with("postgresql://") || target.starts_with("postgres://");
}

namespace {

class SqliteQuery final : public Query::Backend {
 public:
  explicit SqliteQuery(Statement statement) : st_(std::move(statement)) {}
  void bind_text(int index, const std::string& value) override { st_.bind(index, value); }
  void bind_integer(int index, std::int64_t value) override { st_.bind(index, value); }
  void bind_null(int index) override { st_.bind(index, std::nullopt); }
  Result<bool> step() override { return st_.step(); }
  void reset() override { st_.reset(); }
  std::string text(int column) const override { return st_.text(column); }
  bool is_null(int column) const override { return !st_.optional_text(column); }
  std::int64_t integer(int column) const override { return st_.integer(column); }

 private:
  Statement st_;
};

// The writers of one database file in this process queue here before BEGIN IMMEDIATE: woken as
// the one before commits, rather than each polling SQLite's lock in sleeps of up to 100 ms
// (sqlite3_busy_timeout), where with 16 writers the slowest waited past the 5 s timeout and were
// told the database was busy. Writers in other processes still meet SQLite's lock as before.
// Waiting here counts toward the same limit: a writer that cannot have it is busy.
std::shared_ptr<std::timed_mutex> writer_gate(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.starts_with("file::memory:") ||
      path.find("mode=memory") != std::string::npos)
    return nullptr;  // a database of this connection's own
  std::error_code ec;
  std::string key = std::filesystem::weakly_canonical(path, ec).string();
  if (ec || key.empty()) key = path;
  static std::mutex gates_mutex;
  static std::map<std::string, std::weak_ptr<std::timed_mutex>> gates;
  std::lock_guard lock(gates_mutex);
  std::shared_ptr<std::timed_mutex> gate = gates[key].lock();
  if (!gate) gates[key] = gate = std::make_shared<std::timed_mutex>();
  return gate;
}

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(Database db) : db_(std::move(db)), gate_(writer_gate(db_.path())) {}
  Dialect dialect() const override { return Dialect::sqlite; }
  const std::string& name() const override { return db_.path(); }
  Status exec(const std::string& sql) override { return db_.exec(sql); }
  Result<Query> prepare(const std::string& sql) override {
    auto st = db_.prepare(sql);
    if (!st) return st.error();
    return Query(std::make_unique<SqliteQuery>(std::move(st).value()));
  }
  Result<Query> prepare_per_value(const std::string& sql) override { return prepare(sql); }
  long changes() const override { return db_.changes(); }
  Status begin_write() override {
    // A thread that holds the gate already (writing through another connection to the same
    // file) does not wait for itself: its BEGIN meets SQLite's lock and busy timeout, as before.
    if (gate_ && !held_by_this_thread().count(gate_.get())) {
      writing_ = std::unique_lock(*gate_, std::defer_lock);
      if (!writing_.try_lock_for(std::chrono::milliseconds(kBusyTimeoutMs)))
        return error_of(ErrorKind::busy, "数据库正忙，请稍后重试 (" + db_.path() +
                                             ": another writer of this process held it for " +
                                             std::to_string(kBusyTimeoutMs / 1000) + " s)");
      held_by_this_thread().insert(gate_.get());
    }
    auto st = db_.exec("BEGIN IMMEDIATE");
    if (!st) release();
    return st;
  }
  Status begin_read() override { return db_.exec("BEGIN"); }
  Status commit() override {
    auto st = db_.exec("COMMIT");
    if (st) release();  // else the caller rolls back, which lets go
    return st;
  }
  void rollback() override {
    (void)db_.exec("ROLLBACK");
    release();
  }
  Result<std::string> change_mark() override {
    // data_version moves with every commit of another connection, never with this one's own
    // writes; those are counted by total_changes.
    auto st = db_.prepare("PRAGMA data_version");
    if (!st) return st.error();
    auto row = st->step();
    if (!row) return row.error();
    if (!*row)
      return error_of(ErrorKind::corrupt, "数据库文件 " + db_.path() +
                                              " 读不出变更计数，请联系管理员检查数据库 (PRAGMA "
                                              "data_version gave no value)");
    std::string mark = st->text(0) + "/" + std::to_string(db_.total_changes());
    st->reset();
    return mark;
  }
  Status migrate() override { return internal::migrate(db_); }

 private:
  void release() {
    if (!writing_.owns_lock()) return;
    held_by_this_thread().erase(gate_.get());
    writing_.unlock();
  }
  static std::set<const std::timed_mutex*>& held_by_this_thread() {
    static thread_local std::set<const std::timed_mutex*> held;
    return held;
  }

  Database db_;
  std::shared_ptr<std::timed_mutex> gate_;  // writer_gate(): null for an in-memory database
  std::unique_lock<std::timed_mutex> writing_;
};

}  // namespace

Result<std::unique_ptr<Connection>> open_unmigrated(const std::string& target) {
  if (is_postgresql_uri(target)) return open_postgresql(target);
  auto db = Database::open(target);
  if (!db) return db.error();
  return std::unique_ptr<Connection>(std::make_unique<SqliteConnection>(std::move(db).value()));
}

Result<std::unique_ptr<Connection>> connect(const std::string& target) {
  auto connection = open_unmigrated(target);
  if (!connection) return connection.error();
  if (auto st = (*connection)->migrate(); !st) return st.error();
  return connection;
}

Error newer_schema(const std::string& name, std::int64_t found, std::int64_t known) {
  return Error{"数据库 " + name +
               " 由更新版本的 keydesk 写入，本版本未改动它：请升级 keydesk (database " + name +
               " was written by a newer keydesk: schema " + std::to_string(found) +
               ", this one knows " + std::to_string(known) + ")"};
}

std::vector<const char*> migrations_of(Dialect dialect) {
  return dialect == Dialect::sqlite ? sqlite_migrations() : postgresql_migrations();
}

Result<long> count_of(Connection& db, const std::string& sql) {
  auto q = db.prepare(sql);
  if (!q) return q.error();
  auto row = q->step();
  if (!row) return row.error();
  const long n = *row ? static_cast<long>(q->integer(0)) : 0;
  q->reset();
  return n;
}

}  // namespace keydesk::internal
