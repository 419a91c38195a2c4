#include "engine/internal/migrate.h"

#include <iterator>

namespace keydesk::embedded {
extern const char migration_sqlite_001_sql[];
extern const char migration_sqlite_002_sql[];
extern const char migration_sqlite_003_sql[];
extern const char migration_sqlite_004_sql[];
extern const char migration_sqlite_005_sql[];
extern const char migration_sqlite_006_sql[];
extern const char migration_sqlite_007_sql[];
extern const char migration_sqlite_008_sql[];
extern const char migration_sqlite_009_sql[];
extern const char migration_sqlite_010_sql[];
extern const char migration_sqlite_011_sql[];
extern const char migration_sqlite_012_sql[];
extern const char migration_sqlite_013_sql[];
extern const char migration_sqlite_014_sql[];
}  // namespace keydesk::embedded

namespace keydesk::internal {

namespace {

const char* const kMigrations[] = {
    embedded::migration_sqlite_001_sql, embedded::migration_sqlite_002_sql,
    embedded::migration_sqlite_003_sql, embedded::migration_sqlite_004_sql,
    embedded::migration_sqlite_005_sql, embedded::migration_sqlite_006_sql,
    embedded::migration_sqlite_007_sql, embedded::migration_sqlite_008_sql,
    embedded::migration_sqlite_009_sql, embedded::migration_sqlite_010_sql,
    embedded::migration_sqlite_011_sql, embedded::migration_sqlite_012_sql,
    embedded::migration_sqlite_013_sql, embedded::migration_sqlite_014_sql};

}  // namespace

std::vector<const char*> sqlite_migrations() {
  return {std::begin(kMigrations), std::end(kMigrations)};
}

namespace {

// PRAGMA user_version: the number of the migration applied last.
Result<std::int64_t> applied_version(Database& db) {
  auto st = db.prepare("PRAGMA user_version");
  if (!st) return st.error();
  auto row = st->step();
  if (!row) return row.error();
  auto applied = st->integer(0);
  st->reset();
  return applied;
}

}  // namespace

Status migrate(Database& db) {
  const auto count = static_cast<std::int64_t>(std::size(kMigrations));
  auto applied = applied_version(db);
  if (!applied) return applied.error();
  if (*applied == count) return ok();  // the usual case: no write transaction at all
  for (;;) {
    // Read again under the write lock: two processes opening a new file at once (a batch and
    // its workers) migrate it once.
    Transaction tx(db);
    if (!tx.begun()) return tx.begun().error();
    auto n = applied_version(db);
    if (!n) return n.error();
    if (*n > count) return newer_schema(db.path(), *n, count);
    if (*n == count) return tx.commit();
    auto run = db.exec(kMigrations[*n]);
    if (!run) return Error{"migration " + std::to_string(*n + 1) + ": " + run.error().message};
    auto version = db.exec("PRAGMA user_version = " + std::to_string(*n + 1));
    if (!version) return version.error();
    auto done = tx.commit();
    if (!done) return done.error();
  }
}

}  // namespace keydesk::internal
