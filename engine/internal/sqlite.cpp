#include "engine/internal/sqlite.h"

#include <sqlite3.h>

#include <chrono>
#include <thread>

namespace keydesk::internal {

namespace {
Error sql_error(sqlite3* db, const std::string& what) {
  const int code = db ? (sqlite3_extended_errcode(db) & 0xff) : SQLITE_NOMEM;
  // SQLITE_PROTOCOL: a WAL lock still not had after SQLite's own retries, i.e. busy.
  const ErrorKind kind = code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_PROTOCOL
                             ? ErrorKind::busy
                         : code == SQLITE_CORRUPT || code == SQLITE_NOTADB ? ErrorKind::corrupt
                                                                           : ErrorKind::io;
  const std::string detail =
      "database: " + what + ": " + (db ? sqlite3_errmsg(db) : "cannot allocate");
  auto said = [&](const std::string& words) { return error_of(kind, words + " (" + detail + ")"); };
  if (kind == ErrorKind::busy) return said("数据库正忙，请稍后重试");
  if (kind == ErrorKind::corrupt) return said("数据库文件已损坏，请联系管理员从备份恢复");
  switch (code) {
    case SQLITE_FULL:
      return said("磁盘已满，未保存任何内容：请释放磁盘空间后重试");
    case SQLITE_IOERR:
      return said("数据库文件读写出错，未保存任何内容：请重试，仍不行请联系管理员检查磁盘");
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return said("无法打开或写入数据库文件（无权限或只读），未保存任何内容：请联系管理员");
    default:
      return said("数据库操作失败，未保存任何内容；请联系管理员");
  }
}
}  // namespace

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), in_use_(other.in_use_) {
  other.stmt_ = nullptr;
  other.in_use_ = nullptr;
}

Statement::~Statement() {
  if (!stmt_) return;
  if (in_use_) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    *in_use_ = false;
  } else {
    sqlite3_finalize(stmt_);
  }
}

Statement& Statement::bind(int index, const std::string& value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, std::nullopt_t) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Statement& Statement::bind_optional(int index, const std::optional<std::string>& value) {
  return value ? bind(index, *value) : bind(index, std::nullopt);
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sql_error(db_, std::string("running '") + sqlite3_sql(stmt_) + "'");
}

Status Statement::run() { return run_to_end(*this); }

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
           : std::string();
}

std::optional<std::string> Statement::optional_text(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return text(column);
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

Result<Database> Database::open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, nullptr);
  if (rc != SQLITE_OK) {
    Error e = sql_error(db, "cannot open " + path);
    sqlite3_close(db);
    return e;
  }
  Database database(db, path);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  // Switching a new file to WAL takes its lock without SQLite's busy handler: connections opened
  // at once on a new database were told it was busy (a flaky test, 1 in 10). Tried again within
  // the same limit.
  Status st = std::monostate{};
  for (int waited = 0;; waited += 10) {
    st = database.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
    if (st || st.error().kind != ErrorKind::busy || waited >= kBusyTimeoutMs) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!st) return st.error();
  return database;
}

Database::Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

Database::Database(Database&& other) noexcept
    : db_(other.db_), path_(std::move(other.path_)), cache_(std::move(other.cache_)) {
  other.db_ = nullptr;
}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    close();
    db_ = other.db_;
    path_ = std::move(other.path_);
    cache_ = std::move(other.cache_);
    other.db_ = nullptr;
  }
  return *this;
}

void Database::close() {
  for (auto& [_, c] : cache_) sqlite3_finalize(c.stmt);
  cache_.clear();
  sqlite3_close(db_);
  db_ = nullptr;
}

Database::~Database() { close(); }

Status Database::exec(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    sqlite3_free(message);  // sqlite3_errmsg() says the same, and sql_error() adds it
    return sql_error(db_, "running '" + sql.substr(0, 200) + "'");
  }
  return ok();
}

Result<Statement> Database::prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK)
      return sql_error(db_, "preparing '" + sql + "'");
    it = cache_.emplace(sql, Cached{stmt}).first;
  }
  if (!*it->second.in_use) {
    *it->second.in_use = true;
    return Statement(db_, it->second.stmt, it->second.in_use.get());
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK)
    return sql_error(db_, "preparing '" + sql + "'");
  return Statement(db_, stmt);
}

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

int Database::changes() const { return sqlite3_changes(db_); }

std::int64_t Database::total_changes() const { return sqlite3_total_changes64(db_); }

Transaction::Transaction(Database& db) : db_(db), begun_(db.exec("BEGIN IMMEDIATE")) {
  if (!begun_) done_ = true;
}

Transaction::~Transaction() {
  if (!done_) (void)db_.exec("ROLLBACK");
}

Status Transaction::commit() {
  auto st = db_.exec("COMMIT");
  if (st) done_ = true;
  return st;
}

}  // namespace keydesk::internal
