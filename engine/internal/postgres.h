// RAII over libpq: a connection to a PostgreSQL database as an internal::Connection (sql.h).
// Statements are prepared once per connection on the server and run with text parameters; each
// result is read whole (so each_event holds every event of a verify_audit in memory). Writers
// queue on one transaction-scoped advisory lock, as SQLite's BEGIN IMMEDIATE makes them queue on
// the file, waiting at most 5 s (lock_timeout) before they are told the database is busy. A
// connection the server dropped is made again outside a write transaction; inside one, the
// transaction fails (COMMIT never runs on a new connection). The schema's version is kept in the
// table keydesk_schema, the change mark (Connection::change_mark) in store_generation, which a
// statement trigger on every table moves on in the transaction that writes it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/internal/sql.h"

namespace keydesk::internal {

// A connection to `uri` ("postgresql://[user[:password]@][host][:port]/dbname?host=/socket/dir"),
// not migrated (connect() in sql.h migrates).
Result<std::unique_ptr<Connection>> open_postgresql(const std::string& uri);

// The PostgreSQL migrations, in order.
std::vector<const char*> postgresql_migrations();

// Whether libpq reads `uri` as a connection string, without connecting: "" when it does, else
// libpq's words on what is wrong with it.
std::string postgresql_uri_problem(const std::string& uri);

// `uri` with its password, if any, replaced by "***", for messages and logs.
std::string redacted_uri(const std::string& uri);

}  // namespace keydesk::internal
