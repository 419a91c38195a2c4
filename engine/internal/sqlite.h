// RAII over sqlite3: a connection, prepared statements and transactions. Errors are values that
// name the SQL that failed and SQLite's message; SQLITE_BUSY waits up to the busy timeout first.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/result.h"
#include "engine/internal/sql.h"

struct sqlite3;
struct sqlite3_stmt;

namespace keydesk::internal {

class Statement {
 public:
  // `cached`: the statement belongs to the Database's cache; this handle only borrows it and
  // resets it when done, and `in_use` marks it busy meanwhile.
  Statement(sqlite3* db, sqlite3_stmt* stmt, bool* in_use = nullptr)
      : db_(db), stmt_(stmt), in_use_(in_use) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  // Binds by 1-based index; returns *this for chaining.
  Statement& bind(int index, const std::string& value);
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::nullopt_t);
  Statement& bind_optional(int index, const std::optional<std::string>& value);

  // Steps once: true with a row, false when done. Errors end the statement.
  Result<bool> step();
  // Steps to completion (for statements without rows).
  Status run();
  void reset();

  std::string text(int column) const;
  std::optional<std::string> optional_text(int column) const;
  std::int64_t integer(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool* in_use_;
};

// How long a writer waits for the database file's lock (SQLite's busy handler, and the
// process's own queue of writers: sql.cpp) before it is told the database is busy.
constexpr int kBusyTimeoutMs = 5000;

class Database {
 public:
  // Opens (creating) `path`; ":memory:" for a private in-memory database. WAL mode, foreign
  // keys on, 5 s busy timeout. A `path` starting "file:" is an SQLite URI, e.g.
  // "file:/srv/k.db?vfs=NAME" to open it on a VFS the caller registered (the fault tests' one);
  // any other path is a file name as it is.
  static Result<Database> open(const std::string& path);
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  ~Database();

  Status exec(const std::string& sql);
  // A statement for `sql`, prepared once and reused (SQL text is the cache key); a fresh one
  // when the cached one is still in use.
  Result<Statement> prepare(const std::string& sql);
  std::int64_t last_insert_rowid() const;
  int changes() const;
  // Rows inserted, updated or deleted through this connection since it was opened.
  std::int64_t total_changes() const;
  const std::string& path() const { return path_; }

 private:
  Database(sqlite3* db, std::string path);
  void close();
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    std::unique_ptr<bool> in_use = std::make_unique<bool>(false);
  };
  sqlite3* db_ = nullptr;
  std::string path_;
  std::map<std::string, Cached> cache_;
};

// BEGIN IMMEDIATE on construction (so two writers queue instead of deadlocking); ROLLBACK on
// destruction unless commit() succeeded: an error anywhere leaves nothing half-written.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  const Status& begun() const { return begun_; }
  Status commit();

 private:
  Database& db_;
  Status begun_;
  bool done_ = false;
};

}  // namespace keydesk::internal
