// keydesk db copy: a counter's case database copied whole into another, empty one: an SQLite file
// into PostgreSQL when a counter joins the national deployment, or back, or between two of a kind.
//
// Every table the store keeps is copied (kCopiedKinds in store_copy.cpp): the registry, procedure
// versions, cases with their events and the audit head, the outbox, accounts with their sessions
// (only the hashes of session tokens are kept, so a clerk logged in stays logged in on the copy),
// API tokens, failed logins, refusals, the scan cache with its batch runs, and the check-job
// queue. Rows are copied as stored, column by column, so every event hashes as it did and every
// id (an outbox message's, a job's) stays the same; what the database keeps itself (the queue's
// counts, the change mark, the schema version) is kept by the target's own triggers and
// migrations.
//
// Guarantees:
//  - The source is read as one snapshot (a read transaction): a keydesk still writing to it is
//    not half-seen.
//  - The target is written in one transaction, committed only once the copy, read back inside
//    it, holds as many rows of each kind as the source, its audit chain verifies
//    (verify_audit_chain) and it ends at the source's audit head. Otherwise nothing is left in it.
//  - A target that holds any data is refused before anything is written: nothing is merged or
//    overwritten.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "engine/case_store.h"

namespace keydesk {

// A case database named on the command line: an SQLite file or a PostgreSQL database.
struct StoreLocation {
  bool server = false;  // a PostgreSQL URI
  std::string target;   // as CaseStore::open takes it
  std::string shown;    // as messages name it (database_shown: no password)
};

// `text`, given as `argument` (e.g. "FROM"), as a store location: a "postgresql://" (or
// "postgres://") URI that libpq can read, or the path of an SQLite file whose folder exists;
// `existing`: the file must exist and be an SQLite database (a source). An Error naming the
// argument, in Chinese, otherwise (invalid_input; not_found for a missing file).
Result<StoreLocation> parse_store_location(const std::string& text, const std::string& argument,
                                           bool existing);

// One kind of data, counted in the source and, read back, in the target.
struct CopiedKind {
  std::string table;
  std::string title;  // 案件, 审计记录 …: what the summary calls it
  long source = 0, target = 0;
};

// What copy_store did.
struct StoreCopy {
  std::vector<CopiedKind> kinds;  // in the order copied
  AuditReport audit;              // the target's chain, read back before the commit
  bool head_matches = false;      // the target's chain ends at the source's audit head
  bool committed = false;         // verified and committed; false: the target was left empty

  // Counts equal kind by kind, the chain intact and ending where the source's does.
  bool verified() const;
  // The rows of `table` in the source (0 when it is not a copied kind).
  long source_count(const std::string& table) const;
};

// Copies every row of the store at `from` into the empty store at `to` (made and migrated when
// new), verifies the copy inside the target's transaction, and commits it only when verified()
// (see the guarantees above). `copied`, when given, is told of each kind once copied. An Error
// when either cannot be opened, `from` is no keydesk database, both name the same database, `to`
// holds data (invalid_input, naming it), or a write fails (nothing left in the target); a copy
// that does not verify is no Error: `committed` is false.
Result<StoreCopy> copy_store(const StoreLocation& from, const StoreLocation& to,
                             const std::function<void(const CopiedKind&)>& copied = {});

}  // namespace keydesk
