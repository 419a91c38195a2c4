#include "engine/internal/postgres.h"

#include <cstdlib>
#include <iterator>
#include <map>
#include <vector>

#include <libpq-fe.h>

namespace keydesk::embedded {
extern const char migration_postgresql_001_sql[];
extern const char migration_postgresql_002_sql[];
extern const char migration_postgresql_003_sql[];
extern const char migration_postgresql_004_sql[];
extern const char migration_postgresql_005_sql[];
extern const char migration_postgresql_006_sql[];
extern const char migration_postgresql_007_sql[];
extern const char migration_postgresql_008_sql[];
extern const char migration_postgresql_009_sql[];
extern const char migration_postgresql_010_sql[];
extern const char migration_postgresql_011_sql[];
extern const char migration_postgresql_012_sql[];
extern const char migration_postgresql_013_sql[];
extern const char migration_postgresql_014_sql[];
}  // namespace keydesk::embedded

namespace keydesk::internal {

namespace {

const char* const kMigrations[] = {
    embedded::migration_postgresql_001_sql, embedded::migration_postgresql_002_sql,
    embedded::migration_postgresql_003_sql, embedded::migration_postgresql_004_sql,
    embedded::migration_postgresql_005_sql, embedded::migration_postgresql_006_sql,
    embedded::migration_postgresql_007_sql, embedded::migration_postgresql_008_sql,
    embedded::migration_postgresql_009_sql, embedded::migration_postgresql_010_sql,
    embedded::migration_postgresql_011_sql, embedded::migration_postgresql_012_sql,
    embedded::migration_postgresql_013_sql, embedded::migration_postgresql_014_sql};

// How long a connection waits for the database server to answer, in seconds (libpq's
// connect_timeout, per address tried).
const char* const kConnectTimeout = "10";

// The advisory lock every write transaction takes first ("keyd").
const char* const kBeginWrite = "BEGIN; SELECT pg_advisory_xact_lock(1801812324)";

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using PgConn = std::unique_ptr<PGconn, ConnDeleter>;

// An Error for a failed command: its kind and Chinese words from the SQLSTATE, PostgreSQL's own
// message in brackets.
Error pg_error(PGconn* conn, const PGresult* result, const std::string& what) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string code = state ? state : "";
  std::string message = result ? PQresultErrorMessage(result) : "";
  if (message.empty() && conn) message = PQerrorMessage(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  const std::string detail = "database: " + what + ": " + message;
  auto said = [&](ErrorKind kind, const std::string& words) {
    return error_of(kind, words + " (" + detail + ")");
  };
  if (code == "40001" || code == "40P01" || code == "55P03" || code == "57014")
    return said(ErrorKind::busy, "数据库正忙，请稍后重试");
  // 08: the connection failed; 57P01-57P03: the server is shutting down, crashed or still
  // starting (the connection's state is not always bad yet when the error is read).
  if (code.starts_with("08") || code.starts_with("57P0") ||
      (conn && PQstatus(conn) == CONNECTION_BAD))
    return said(ErrorKind::unavailable,
                "与数据库服务器的连接已断开，未保存任何内容：请稍后重试，仍不行请联系管理员检查数据"
                "库服务器");
  if (code == "53100")
    return said(ErrorKind::io,
                "数据库服务器磁盘已满，未保存任何内容：请联系管理员释放磁盘空间后重试");
  if (code.starts_with("XX"))
    return said(ErrorKind::corrupt, "数据库已损坏，请联系管理员从备份恢复");
  if (code == "42501" || code == "25006")
    return said(ErrorKind::io, "无权写入数据库（无权限或只读），未保存任何内容：请联系管理员");
  return said(ErrorKind::io, "数据库操作失败，未保存任何内容；请联系管理员");
}

// `sql` with its `?` placeholders numbered as PostgreSQL's $1, $2, …; `?` inside quotes stays.
std::string numbered(const std::string& sql, int& count) {
  std::string out;
  out.reserve(sql.size() + 16);
  char quote = 0;
  count = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += "$" + std::to_string(++count);
    } else {
      out += c;
    }
  }
  return out;
}

class PostgresConnection;

// How a statement is run: prepared once on the connection and reused, or sent with its values
// each time (planned for them).
enum class Sent { prepared, with_values };

class PostgresQuery final : public Query::Backend {
 public:
  PostgresQuery(PostgresConnection& connection, std::string sql, int params, Sent sent)
      : connection_(connection),
        sql_(std::move(sql)),
        params_(static_cast<std::size_t>(params)),
        sent_(sent) {}
  void bind_text(int index, const std::string& value) override { param(index) = value; }
  void bind_integer(int index, std::int64_t value) override {
    param(index) = std::to_string(value);
  }
  void bind_null(int index) override { param(index).reset(); }
  Result<bool> step() override;
  void reset() override {
    result_.reset();
    row_ = -1;
    for (auto& p : params_) p.reset();
  }
  std::string text(int column) const override {
    return std::string(PQgetvalue(result_.get(), row_, column),
                       static_cast<std::size_t>(PQgetlength(result_.get(), row_, column)));
  }
  bool is_null(int column) const override { return PQgetisnull(result_.get(), row_, column); }
  std::int64_t integer(int column) const override {
    return std::strtoll(PQgetvalue(result_.get(), row_, column), nullptr, 10);
  }

 private:
  std::optional<std::string>& param(int index) {
    return params_.at(static_cast<std::size_t>(index - 1));
  }
  PostgresConnection& connection_;
  std::string sql_;
  std::vector<std::optional<std::string>> params_;
  Sent sent_;
  PgResult result_;
  int row_ = -1;
};

class PostgresConnection final : public Connection {
 public:
  PostgresConnection(PgConn conn, std::string name)
      : conn_(std::move(conn)), name_(std::move(name)) {}
  Dialect dialect() const override { return Dialect::postgresql; }
  const std::string& name() const override { return name_; }

  // The session's settings, on a new connection and again after a reconnection.
  Status configure() {
    // A writer waits for the writers' lock at most 5 s, then is told the database is busy
    // (55P03), as SQLite's busy timeout does.
    if (auto st = raw_exec("SET lock_timeout = '5s'"); !st) return st;
    if (PQsetClientEncoding(conn_.get(), "UTF8") != 0) {
      // A server stopped just after the connection was made fails the setting with the
      // connection lost: unavailable (a worker waits for it), not an encoding refused.
      if (PQstatus(conn_.get()) == CONNECTION_BAD)
        return pg_error(conn_.get(), nullptr, "setting the client encoding");
      return error_of(ErrorKind::io, "数据库 " + name_ + " 不支持 UTF-8 编码，请联系管理员 (" +
                                         PQerrorMessage(conn_.get()) + ")");
    }
    return ok();
  }

  Status exec(const std::string& sql) override {
    revive();
    auto st = raw_exec(sql);
    if (!st && again_on_new_connection(sql)) {
      revive();
      st = raw_exec(sql);
    }
    return st;
  }

  Result<Query> prepare(const std::string& sql) override {
    revive();
    auto prepared = prepared_statement(sql);
    if (!prepared && dropped_outside_transaction()) {  // preparing does nothing
      revive();
      prepared = prepared_statement(sql);
    }
    if (!prepared) return prepared.error();
    return Query(std::make_unique<PostgresQuery>(*this, sql, (*prepared)->params, Sent::prepared));
  }

  Result<Query> prepare_per_value(const std::string& sql) override {
    int params = 0;
    std::string text = numbered(sql, params);
    return Query(
        std::make_unique<PostgresQuery>(*this, std::move(text), params, Sent::with_values));
  }

  long changes() const override { return changes_; }
  Status begin_write() override {
    auto st = exec(kBeginWrite);
    if (!st) {
      rollback();  // BEGIN may have run and the lock not been had
      return st;
    }
    writing_ = true;
    return st;
  }
  Status begin_read() override {
    auto st = exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    if (st) writing_ = true;  // as a write transaction: never carried on over a new connection
    return st;
  }
  // Never on a new connection: a transaction lost with its connection is lost, not committed.
  Status commit() override {
    writing_ = false;
    return raw_exec("COMMIT");
  }
  void rollback() override {
    writing_ = false;
    (void)raw_exec("ROLLBACK");
  }

  Result<std::string> change_mark() override {
    revive();
    PgResult r(PQexec(conn_.get(), "SELECT n FROM store_generation"));
    if (!checked(r, "") && dropped_outside_transaction()) {
      revive();
      r.reset(PQexec(conn_.get(), "SELECT n FROM store_generation"));
    }
    if (auto st = checked(r, "reading store_generation"); !st) return st.error();
    if (PQntuples(r.get()) != 1)
      return error_of(ErrorKind::corrupt,
                      "数据库 " + name_ +
                          " 缺少变更计数，请联系管理员检查数据库 (store_generation "
                          "holds " +
                          std::to_string(PQntuples(r.get())) + " rows, not 1)");
    return std::string(PQgetvalue(r.get(), 0, 0));
  }

  Status migrate() override;

  // Runs `sql` with `params`: prepared on this connection (`sql` as given to prepare()) or sent
  // with them (`sql` numbered already: an unnamed statement, planned for them). A command's row
  // count becomes changes(). A read outside a write transaction whose connection was dropped is
  // run once more on a new one.
  Result<PgResult> run(const std::string& sql,
                       const std::vector<std::optional<std::string>>& params, Sent sent) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    const int count = static_cast<int>(values.size());
    for (int attempt = 0;; ++attempt) {
      revive();
      PgResult r;
      if (sent == Sent::with_values) {
        r.reset(PQexecParams(conn_.get(), sql.c_str(), count, nullptr, values.data(), nullptr,
                             nullptr, 0));
      } else {
        auto prepared = prepared_statement(sql);
        if (!prepared) return prepared.error();
        r.reset(PQexecPrepared(conn_.get(), (*prepared)->name.c_str(), count, values.data(),
                               nullptr, nullptr, 0));
      }
      auto st = checked(r, "running '" + sql + "'");
      if (!st && attempt == 0 && again_on_new_connection(sql)) continue;
      if (!st) return st.error();
      if (PQresultStatus(r.get()) == PGRES_COMMAND_OK) changes_ = std::atol(PQcmdTuples(r.get()));
      return r;
    }
  }

 private:
  struct Prepared {
    std::string name;
    int params = 0;
  };

  Status raw_exec(const std::string& sql) {
    PgResult r(PQexec(conn_.get(), sql.c_str()));
    return checked(r, "running '" + sql.substr(0, 200) + "'");
  }

  // `sql` prepared on this connection (once).
  Result<const Prepared*> prepared_statement(const std::string& sql) {
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
      int params = 0;
      std::string text = numbered(sql, params);
      std::string name = "k" + std::to_string(prepared_.size() + 1);
      PgResult r(PQprepare(conn_.get(), name.c_str(), text.c_str(), 0, nullptr));
      if (auto st = checked(r, "preparing '" + sql + "'"); !st) return st.error();
      it = prepared_.emplace(sql, Prepared{name, params}).first;
    }
    return &it->second;
  }

  // Whether `sql`, just failed, is to run once more on a new connection: the connection the
  // server dropped since (a restart, a fail-over) was found only now, outside a transaction, and
  // `sql` begins one or only reads, so nothing was done (a write outside a transaction may have
  // been committed before the connection went: it is never repeated).
  bool again_on_new_connection(const std::string& sql) const {
    return dropped_outside_transaction() && (sql.starts_with("BEGIN") || sql.starts_with("SELECT"));
  }
  // The connection was found dropped, outside a transaction: a read or a statement's preparing
  // that just failed did nothing, and is run once more on a new connection.
  bool dropped_outside_transaction() const {
    return !writing_ && PQstatus(conn_.get()) == CONNECTION_BAD;
  }

  // A connection the server dropped is made again, outside a write transaction (inside one, the
  // transaction is lost and must fail); its prepared statements are gone with it.
  void revive() {
    if (writing_ || PQstatus(conn_.get()) != CONNECTION_BAD) return;
    PQreset(conn_.get());
    if (PQstatus(conn_.get()) != CONNECTION_OK) return;
    prepared_.clear();
    (void)configure();
  }

  Status checked(const PgResult& r, const std::string& what) {
    const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return ok();
    return pg_error(conn_.get(), r.get(), what);
  }
  // The schema version applied (0: none), read in the current transaction. pg_class is read as
  // a table (this statement's snapshot), not through to_regclass, whose catalog snapshot may
  // predate the writers' lock: a process that waited for another's migration saw no
  // keydesk_schema and made it again.
  Result<long> applied_version() {
    PgResult r(PQexec(conn_.get(),
                      "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN "
                      "pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = "
                      "'keydesk_schema' AND n.nspname = current_schema())"));
    if (auto st = checked(r, "reading the schema version"); !st) return st.error();
    if (std::string(PQgetvalue(r.get(), 0, 0)) != "t") return 0L;
    PgResult v(PQexec(conn_.get(), "SELECT version FROM keydesk_schema"));
    if (auto st = checked(v, "reading the schema version"); !st) return st.error();
    return PQntuples(v.get()) ? std::atol(PQgetvalue(v.get(), 0, 0)) : 0L;
  }

  PgConn conn_;
  std::string name_;
  std::map<std::string, Prepared> prepared_;
  long changes_ = 0;
  bool writing_ = false;  // between begin_write (or begin_read) and commit or rollback
};

Result<bool> PostgresQuery::step() {
  if (!result_) {
    auto r = connection_.run(sql_, params_, sent_);
    if (!r) return r.error();
    result_ = std::move(r).value();
    row_ = -1;
  }
  ++row_;
  return row_ < PQntuples(result_.get());
}

Status PostgresConnection::migrate() {
  revive();
  const long count = static_cast<long>(std::size(kMigrations));
  auto applied = applied_version();
  if (!applied) return applied.error();
  if (*applied == count) return ok();  // the usual case: no write transaction at all
  for (;;) {
    // Under the writers' lock, so that two keydesk processes started at once migrate once.
    WriteTransaction tx(*this);
    if (!tx.begun()) return tx.begun().error();
    auto n = applied_version();
    if (!n) return n.error();
    if (*n > count) return newer_schema(name_, *n, count);
    if (*n == count) return tx.commit();
    if (*n == 0)
      if (auto st = exec("CREATE TABLE keydesk_schema (version INTEGER NOT NULL); "
                         "INSERT INTO keydesk_schema VALUES (0)");
          !st)
        return st;
    if (auto st = exec(kMigrations[*n]); !st)
      return Error{
          "migration " + std::to_string(*n + 1) + ": " + st.error().message, {}, st.error().kind};
    if (auto st = exec("UPDATE keydesk_schema SET version = " + std::to_string(*n + 1)); !st)
      return st;
    if (auto st = tx.commit(); !st) return st;
  }
}

}  // namespace

std::vector<const char*> postgresql_migrations() {
  return {std::begin(kMigrations), std::end(kMigrations)};
}

std::string postgresql_uri_problem(const std::string& uri) {
  char* message = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &message);
  if (options) {
    PQconninfoFree(options);
    return "";
  }
  std::string why = message ? message : "out of memory";
  PQfreemem(message);
  while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
  return why;
}

std::string redacted_uri(const std::string& given) {
  std::string uri = given;
  // A password in the query (…?host=db1&password=…), each one given.
  for (std::size_t at = uri.find('?'); at != std::string::npos; at = uri.find('&', at + 1)) {
    if (uri.compare(at + 1, 9, "password=") != 0) continue;
    const std::size_t value = at + 10, end = uri.find('&', value);
    uri.replace(value, (end == std::string::npos ? uri.size() : end) - value, "***");
  }
  // A password in the user information (postgresql://user:…@host/db).
  const auto scheme = uri.find("://");
  if (scheme == std::string::npos) return uri;
  const auto start = scheme + 3;
  const auto at = uri.find('@', start);
  const auto slash = uri.find('/', start);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return uri;
  const auto colon = uri.find(':', start);
  if (colon == std::string::npos || colon > at) return uri;
  return uri.substr(0, colon + 1) + "***" + uri.substr(at);
}

Result<std::unique_ptr<Connection>> open_postgresql(const std::string& uri) {
  const std::string name = redacted_uri(uri);
  auto refused = [](const PgConn& c) { return !c || PQstatus(c.get()) != CONNECTION_OK; };
  // libpq waits for a server without end by default: a host that takes the connection and never
  // answers (a hung server, a firewall that drops) would hold a reconnect, and the worker or the
  // request behind it, for good. kConnectTimeout seconds unless the URI says otherwise: its own
  // connect_timeout, expanded after this one, wins.
  const char* const keywords[] = {"connect_timeout", "dbname", nullptr};
  const char* const values[] = {kConnectTimeout, uri.c_str(), nullptr};
  auto connect = [&] { return PgConn(PQconnectdbParams(keywords, values, 1)); };
  PgConn conn = connect();
  // A server that cannot be reached, or that refuses connections while it starts or stops, may
  // be back soon (unavailable: a worker waits for it); one that answers and refuses this
  // database, user or password will not be (io). One that answers now may have come up just
  // after the attempt: asked once more.
  PGPing ping = PQPING_OK;
  if (refused(conn) && (ping = PQpingParams(keywords, values, 1)) == PQPING_OK) conn = connect();
  if (refused(conn)) {
    std::string why = conn ? PQerrorMessage(conn.get()) : "out of memory";
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    const bool away = ping == PQPING_NO_RESPONSE || ping == PQPING_REJECT;
    return error_of(
        away ? ErrorKind::unavailable : ErrorKind::io,
        "无法连接数据库 " + name +
            "：请检查 --db 的地址、数据库服务器是否已启动、数据库是否已建立，以及用户名和密码 "
            "(cannot connect to " +
            name + ": " + why + ")");
  }
  // Notices (an IF NOT EXISTS that found its table) are not for the counter's staff.
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);
  auto connection = std::make_unique<PostgresConnection>(std::move(conn), name);
  if (auto st = connection->configure(); !st) return st.error();
  return std::unique_ptr<Connection>(std::move(connection));
}

}  // namespace keydesk::internal
