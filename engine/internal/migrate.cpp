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
}  // namespace keydesk::embedded

namespace keydesk::internal {

namespace {

const char* const kMigrations[] = {
    embedded::migration_sqlite_001_sql, embedded::migration_sqlite_002_sql,
    embedded::migration_sqlite_003_sql, embedded::migration_sqlite_004_sql,
    embedded::migration_sqlite_005_sql, embedded::migration_sqlite_006_sql,
    embedded::migration_sqlite_007_sql, embedded::migration_sqlite_008_sql,
    embedded::migration_sqlite_009_sql};

}  // namespace

std::vector<const char*> sqlite_migrations() {
  return {std::begin(kMigrations), std::end(kMigrations)};
}

Status migrate(Database& db) {
  auto st = db.prepare("PRAGMA user_version");
  if (!st) return st.error();
  auto row = st->step();
  if (!row) return row.error();
  auto applied = st->integer(0);
  st->reset();
  const auto count = static_cast<std::int64_t>(std::size(kMigrations));
  if (applied > count) return newer_schema(db.path(), applied, count);
  for (auto n = applied; n < count; ++n) {
    Transaction tx(db);
    if (!tx.begun()) return tx.begun().error();
    auto run = db.exec(kMigrations[n]);
    if (!run) return Error{"migration " + std::to_string(n + 1) + ": " + run.error().message};
    auto version = db.exec("PRAGMA user_version = " + std::to_string(n + 1));
    if (!version) return version.error();
    auto done = tx.commit();
    if (!done) return done.error();
  }
  return ok();
}

}  // namespace keydesk::internal
