// Where the case store keeps its data: the registry, procedure versions, cases, the audit chain
// and the outbox. Storage only: a repository checks no rule, computes no hash, decides no state.
// CaseStore (case_store.h) applies the rules and calls these operations inside one write
// transaction per change; every backend gives the same answers to the same calls, which
// tests/engine/store_contract_test.cpp checks on each.
//
// Backends (open_case_repository): SQLite, a file, the embedded default for one counter; and
// PostgreSQL, a server that several keydesk processes share. Both are the SQL repository over a
// connection of their dialect (internal/sql.h), with migrations per dialect, numbered alike
// (migrations/sqlite/, migrations/postgresql/).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "engine/case_store.h"

namespace keydesk {

namespace internal {
class Connection;
}

// The newest event of the chain, kept apart from the events (deleting the last ones is found).
struct AuditHead {
  long seq = 0;
  std::string hash;
};

class CaseRepository {
 public:
  virtual ~CaseRepository() = default;

  // --- transactions: one writer at a time; reads between begin and commit see its writes ---
  virtual Status begin_write() = 0;
  virtual Status commit() = 0;
  virtual void rollback() = 0;

  // --- registry: stored as given (CaseStore validates first) ---
  virtual Status store_enterprise(const Enterprise& enterprise) = 0;
  virtual Result<std::optional<Enterprise>> enterprise(const std::string& uscc) = 0;
  virtual Status store_key(const KeyRecord& key) = 0;
  virtual Result<std::optional<KeyRecord>> key(const std::string& login_username) = 0;
  // By login name.
  virtual Result<std::vector<KeyRecord>> keys_of(const std::string& uscc) = 0;

  // --- procedure versions ---
  // Keeps `procedure`'s source under its id and version unless that version is kept already.
  virtual Status add_procedure_version(const Procedure& procedure,
                                       const std::string& loaded_at) = 0;
  struct ProcedureSource {
    std::string file, source;
  };
  virtual Result<std::optional<ProcedureSource>> procedure_source(const std::string& id,
                                                                  const std::string& version) = 0;

  // --- cases ---
  virtual Result<std::optional<CaseRecord>> find_case(const std::string& id) = 0;
  // A new case (its search text and enterprise name kept from its data).
  virtual Status insert_case(const CaseRecord& c) = 0;
  // Writes `c`'s state, deadline, flags, updated_at and data, and version `seen + 1`, only if the
  // stored version is still `seen`: false when it is not (nothing written). `resubmitted`: the
  // data is a new submission, whose search text and enterprise name are kept anew.
  virtual Result<bool> update_case(const CaseRecord& c, long seen, bool resubmitted) = 0;
  // Sets a deadline only if the case is open and still at `version`: false when not.
  virtual Result<bool> set_deadline(const std::string& id, long version,
                                    const std::optional<Date>& due, int pending_year) = 0;
  virtual Result<std::vector<CaseRecord>> list(const CaseFilter& filter) = 0;
  virtual Result<std::vector<CaseTally>> tally(const CaseFilter& filter) = 0;
  // Open cases whose due date is before (`before`) or on `day`, of one authority or all ("").
  virtual Result<std::vector<CaseRecord>> by_due_date(bool before, Date day,
                                                      const std::string& authority, int limit) = 0;
  virtual Result<std::map<int, long>> pending_years(const std::string& authority) = 0;
  virtual Result<std::vector<CaseRecord>> clocked() = 0;

  // --- audit chain: events as given, the head beside them ---
  virtual Result<std::optional<AuditHead>> audit_head() = 0;
  // Inserts `event` (seq, hashes and all) and makes it the head.
  virtual Status append_event(const AuditEvent& event) = 0;
  // A case's events, oldest first; from its newest document check on (every event when none).
  virtual Result<std::vector<AuditEvent>> events_of(const std::string& case_id) = 0;
  virtual Result<std::vector<AuditEvent>> events_since_check(const std::string& case_id) = 0;
  // Every event in seq order, one at a time; stops at the first error `visit` returns.
  virtual Status each_event(const std::function<Status(const AuditEvent&)>& visit) = 0;

  // --- outbox ---
  virtual Status add_outbox(const std::string& case_id, long event_seq,
                            const std::vector<OutboxMessage>& messages,
                            const std::string& created_at) = 0;
  virtual Result<std::vector<OutboxItem>> outbox(bool unsent_only) = 0;
  virtual Result<std::vector<OutboxItem>> outbox_of(const std::string& case_id) = 0;
  virtual Result<std::optional<OutboxItem>> outbox_item(const std::string& case_id, long id) = 0;
  virtual Result<long> outbox_pending() = 0;
  virtual Result<std::vector<OutboxItem>> outbox_due(std::int64_t now, int limit) = 0;
  // As CaseStore::claim_outbox, in the current transaction.
  virtual Result<std::optional<OutboxItem>> claim_outbox(long id, std::int64_t now,
                                                         std::int64_t retry_at,
                                                         const std::string& message_id) = 0;
  virtual Status mark_outbox_sent(long id, const std::string& at_text) = 0;
  virtual Status mark_outbox_retry(long id, const std::string& error) = 0;
  virtual Status mark_outbox_failed(long id, const std::string& error) = 0;
  // A failed message pending again at `now`: false when it was not failed.
  virtual Result<bool> reopen_outbox(long id, std::int64_t now) = 0;
  virtual Result<bool> add_digest(const OutboxMessage& message, const std::string& digest_key,
                                  const std::string& created_at) = 0;

  // A mark that differs whenever committed data may have changed since it was last taken,
  // through any connection, this one's included (CaseStore::generation()).
  virtual Result<std::string> change_mark() = 0;
};

// The audit chain of `repo` walked from its first event: each event's hash computed again and
// its link to the one before checked, and the head compared with the last (CaseStore::verify_audit,
// and keydesk db copy on the copy, inside its transaction).
Result<AuditReport> verify_audit_chain(CaseRepository& repo);

// A deadline clock's start as stored and recorded in events: counter-local, to the minute.
std::string clock_text(const LocalTime& start);

// The repository of `target`: a "postgresql://" URI, else an SQLite path (CaseStore::open),
// migrated to the newest schema of its dialect.
Result<std::unique_ptr<CaseRepository>> open_case_repository(const std::string& target);
// The repository over `connection`, already migrated (internal/sql.h), which it then owns.
std::unique_ptr<CaseRepository> case_repository_on(
    std::unique_ptr<internal::Connection> connection);

}  // namespace keydesk
