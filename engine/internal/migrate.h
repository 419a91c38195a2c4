// The database's schema: numbered migrations (engine/migrations/sqlite/NNN_*.sql), applied in
// order, each in one transaction; PRAGMA user_version is the number applied last. Every store on
// the database file (cases, accounts) migrates through here, so the numbering is one sequence.
#pragma once

#include <vector>

#include "engine/internal/sqlite.h"

namespace keydesk::internal {

// Applies the migrations `db` lacks. An Error when one fails (nothing of it is left behind) or
// the database was written by a newer keydesk.
Status migrate(Database& db);

// The SQLite migrations, in order.
std::vector<const char*> sqlite_migrations();

}  // namespace keydesk::internal
