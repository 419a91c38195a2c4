// One shape over the two databases the case store runs on: SQLite (a file, the embedded default)
// and PostgreSQL (a server, the national deployment). A Connection prepares SQL written with `?`
// placeholders, runs write transactions in which writers queue for each other, and keeps the
// schema at the newest migration of its dialect (engine/migrations/<dialect>/NNN_*.sql, numbered
// alike). SQL that the dialects spell differently is chosen by dialect() where it is written.
// Errors are values whose message, in Chinese, says what to do; the database's words follow in
// brackets.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/result.h"

namespace keydesk::internal {

inline Status ok() { return std::monostate{}; }

enum class Dialect { sqlite, postgresql };

// Whether `target` names a PostgreSQL database ("postgresql://…" or "postgres://…") rather than
// an SQLite file.
bool is_postgresql_uri(const std::string& target);

// Steps `statement` (a Query, a Database's Statement) to its end, then resets it.
template <class Stmt>
Status run_to_end(Stmt& statement) {
  for (;;) {
    auto more = statement.step();
    if (!more) return more.error();
    if (!*more) break;
  }
  statement.reset();
  return ok();
}

// A prepared statement with its parameters (1-based) and, once stepped, its current row.
class Query {
 public:
  class Backend {
   public:
    virtual ~Backend() = default;
    virtual void bind_text(int index, const std::string& value) = 0;
    virtual void bind_integer(int index, std::int64_t value) = 0;
    virtual void bind_null(int index) = 0;
    virtual Result<bool> step() = 0;
    virtual void reset() = 0;
    virtual std::string text(int column) const = 0;
    virtual bool is_null(int column) const = 0;
    virtual std::int64_t integer(int column) const = 0;
  };

  explicit Query(std::unique_ptr<Backend> backend) : backend_(std::move(backend)) {}

  Query& bind(int index, const std::string& value) {
    backend_->bind_text(index, value);
    return *this;
  }
  Query& bind(int index, std::int64_t value) {
    backend_->bind_integer(index, value);
    return *this;
  }
  Query& bind(int index, std::nullopt_t) {
    backend_->bind_null(index);
    return *this;
  }
  Query& bind_optional(int index, const std::optional<std::string>& value) {
    return value ? bind(index, *value) : bind(index, std::nullopt);
  }

  // Steps once: true with a row, false when done.
  Result<bool> step() { return backend_->step(); }
  // Steps to completion (for statements without rows), then resets.
  Status run() { return run_to_end(*this); }
  // Ready to run again; the parameters are cleared.
  void reset() { backend_->reset(); }

  std::string text(int column) const { return backend_->text(column); }
  std::optional<std::string> optional_text(int column) const {
    if (backend_->is_null(column)) return std::nullopt;
    return backend_->text(column);
  }
  std::int64_t integer(int column) const { return backend_->integer(column); }

 private:
  std::unique_ptr<Backend> backend_;
};

// Every row of `statement` (a Query, a Database's Statement), each turned into a value by
// `read(const Stmt&)`.
template <class Stmt, class Read>
auto all_rows(Stmt& statement, Read read)
    -> Result<std::vector<decltype(read(std::declval<const Stmt&>()))>> {
  std::vector<decltype(read(std::declval<const Stmt&>()))> out;
  for (;;) {
    auto row = statement.step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(read(statement));
  }
}

namespace detail {
// What a row reader gives: T, or Result<T> when reading may find the row damaged.
template <class T>
struct RowValue {
  using type = T;
};
template <class T>
struct RowValue<Result<T>> {
  using type = T;
};
template <class Stmt, class Read>
using RowOf = typename RowValue<decltype(std::declval<Read&>()(std::declval<const Stmt&>()))>::type;
}  // namespace detail

// The first row of `statement` (a Query, a Database's Statement; parameters bound), turned into a
// value by `read(const Stmt&)`; nullopt when there is none. `read` may give a Result: its Error is
// returned. The statement is reset after, ready to run again.
template <class Stmt, class Read>
auto first_row(Stmt& statement, Read read) -> Result<std::optional<detail::RowOf<Stmt, Read>>> {
  using Row = detail::RowOf<Stmt, Read>;
  auto row = statement.step();
  if (!row) return row.error();
  std::optional<Row> found;
  if (*row) {
    auto value = read(std::as_const(statement));
    if constexpr (std::is_same_v<decltype(value), Row>) {
      found = std::move(value);
    } else {
      if (!value) {
        statement.reset();
        return value.error();
      }
      found = std::move(value).value();
    }
  }
  statement.reset();
  return found;
}

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  // The file or the database as messages name it (a URI without its password).
  virtual const std::string& name() const = 0;

  // Runs `sql`, one statement or several separated by ';', without parameters.
  virtual Status exec(const std::string& sql) = 0;
  // A statement for `sql` (placeholders `?`), prepared once per connection and reused.
  virtual Result<Query> prepare(const std::string& sql) = 0;
  // A statement for `sql` planned afresh for the values bound each time it runs: for a query
  // whose best plan depends on them (a search: a text few cases hold is found through an index,
  // one every case holds by reading them all). PostgreSQL: sent with its values, never prepared
  // (a statement kept prepared is planned, after five runs, once for any value); SQLite, which
  // plans without the values bound: as prepare().
  virtual Result<Query> prepare_per_value(const std::string& sql) = 0;
  // Rows inserted, updated or deleted by the statement run last.
  virtual long changes() const = 0;

  // A write transaction: writers queue for each other rather than deadlock (SQLite: BEGIN
  // IMMEDIATE; PostgreSQL: BEGIN and a transaction-scoped advisory lock that every writer takes
  // first). Used through WriteTransaction.
  virtual Status begin_write() = 0;
  // A read transaction: every read until commit or rollback sees the database as one snapshot,
  // whatever other connections commit meanwhile (SQLite: BEGIN, in WAL mode; PostgreSQL: BEGIN
  // ISOLATION LEVEL REPEATABLE READ, READ ONLY). Ended with rollback().
  virtual Status begin_read() = 0;
  virtual Status commit() = 0;
  virtual void rollback() = 0;

  // A mark that differs whenever committed data may have changed since it was last taken: a
  // commit through any connection, this one's included. Equal marks: nothing changed.
  virtual Result<std::string> change_mark() = 0;

  // Applies the migrations of this dialect the database lacks, each in one transaction. An Error
  // when one fails (nothing of it is left behind) or the database was written by a newer keydesk.
  virtual Status migrate() = 0;
};

// The count (the first column of the first row, 0 when there is none) that `sql`, a query
// without parameters, answers on `db`.
Result<long> count_of(Connection& db, const std::string& sql);

// Opens the case database `target`: a PostgreSQL URI (is_postgresql_uri), else an SQLite path
// (":memory:", a file name, or a "file:" URI as Database::open takes it), and migrates it.
Result<std::unique_ptr<Connection>> connect(const std::string& target);
// The same, its schema left as it is (tests build older schemas with it).
Result<std::unique_ptr<Connection>> open_unmigrated(const std::string& target);

// A repository `Sql` (implementing `Interface`, made from a connection) over connect(target).
template <class Interface, class Sql>
Result<std::unique_ptr<Interface>> open_repository(const std::string& target) {
  auto db = connect(target);
  if (!db) return db.error();
  return std::unique_ptr<Interface>(std::make_unique<Sql>(std::move(db).value()));
}

// The refusal of a database whose schema `found` is newer than the `known` migrations.
Error newer_schema(const std::string& name, std::int64_t found, std::int64_t known);

// The migrations of `dialect`, in order: the SQL of number N at [N - 1].
std::vector<const char*> migrations_of(Dialect dialect);

// BEGIN on construction (`Store::begin_write`: a Connection, a CaseRepository); ROLLBACK on
// destruction unless commit() succeeded: an error anywhere leaves nothing half-written.
template <class Store>
class WriteScope {
 public:
  explicit WriteScope(Store& store) : store_(store), begun_(store.begin_write()) {
    if (!begun_) done_ = true;
  }
  ~WriteScope() {
    if (!done_) store_.rollback();
  }
  WriteScope(const WriteScope&) = delete;
  WriteScope& operator=(const WriteScope&) = delete;

  const Status& begun() const { return begun_; }
  Status commit() {
    auto st = store_.commit();
    if (st) done_ = true;
    return st;
  }

 private:
  Store& store_;
  Status begun_;
  bool done_ = false;
};
using WriteTransaction = WriteScope<Connection>;

}  // namespace keydesk::internal
