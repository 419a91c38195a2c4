// The case store: enterprises and their keys, procedure versions, cases, the audit chain and the
// outbox, in SQLite (a file: the embedded default for one counter) or PostgreSQL (a server that
// several keydesk processes share: the national deployment), the same operations on both
// (internal/sql.h; migrations per dialect in migrations/<dialect>/, numbered alike; every write
// one transaction, writers queued one after the other).
//
// Guarantees:
//  - An action is applied at most once: it names the case version it saw, and a stale version is
//    refused inside the write transaction (a double click cannot act twice).
//  - A case stays on the procedure version it was opened with; new cases take the newest loaded.
//  - Every change of a case appends one event whose hash chains to the previous event;
//    verify_audit() finds any edited, inserted or deleted event.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "engine/calendar.h"
#include "engine/procedure.h"
#include "engine/registry.h"
#include "engine/workflow.h"

namespace keydesk {

struct CaseRecord {
  std::string id;
  std::string procedure;
  std::string procedure_version;
  std::string authority;
  std::string uscc;
  std::string state;
  long version = 0;
  std::optional<Date> due;
  // No due date yet: the calendar has no data for this year (办结期限待定). 0: not pending.
  int due_pending_year = 0;
  // The clock the deadline runs on (nullopt: no deadline runs, or the case predates migration 4).
  std::optional<DeadlineClock> clock;
  bool clock_stopped = false;
  bool closed = false;
  std::string opened_at;
  std::string updated_at;
  nlohmann::json data;  // the submission (DESIGN.md format)
  // A vendor reviewer has acted on it (kept by the store, migration 7): the vendor's staff keep
  // sight of it once it has left them.
  bool vendor_handled = false;
};

struct AuditEvent {
  long seq = 0;
  std::string case_id, at, user, role, authority, action, from, to, outcome, remark;
  nlohmann::json data;
  std::string prev_hash, hash;
};

// A document check of a case's submission (keydesk batch verify), kept in the audit chain as a
// `document_check` event that changes neither the state nor the version.
struct CheckRecord {
  std::string batch;            // B-…
  std::string verdict;          // pass | fail | review
  std::string submission_hash;  // check_hash of the submission that was checked
  nlohmann::json findings = nlohmann::json::array();  // as in report.json (masked)
  // The scans checked, as in report.json ({material, file, detected_type, page, preview}), with
  // `preview` (the normalised page the findings' boxes are drawn on) an absolute path or null.
  nlohmann::json materials = nlohmann::json::array();
  std::string at;
  // Whether it speaks of the case's submission now (not of one replaced by a resubmission).
  bool current = false;

  // Whether it holds back an action marked requires_check: current, and not a pass.
  bool blocks() const { return current && verdict != "pass"; }
  // The remarks of its findings of `severity` (empty: fail and review), numbered, one per line.
  // Those of the failures are a 备注 as the enterprise will read it; what needs a person's look
  // is the clerk's to settle.
  std::string remarks(const std::string& severity = "") const;
};

// The hash a check is tied to: of the submission's content, not of its file's bytes.
std::string check_hash(const nlohmann::json& submission);
// The check an audit event records (nullopt unless it is a document_check); `current` is left
// false: only the case's submission can say.
std::optional<CheckRecord> check_in(const AuditEvent& event);

// What the document-check gate weighs, read from a case's events (oldest first): its latest
// check, `current` when it checked the submission the case has now and no resubmission came
// after it; and whether a resubmission replaced the materials with none checked since.
struct CheckStanding {
  std::optional<CheckRecord> check;
  bool unchecked_resubmission = false;
};
CheckStanding check_standing(const std::vector<AuditEvent>& events,
                             const nlohmann::json& submission);

// The inputs recorded on a case by its actions, later ones over earlier ones: what the registry
// effects of a later action read (the serial given when the key shipped, at hand-over).
nlohmann::json recorded_inputs(const std::vector<AuditEvent>& events);

struct AuditReport {
  long events = 0;
  std::vector<std::string> problems;  // empty: the chain is intact
};

// The orders a listing can be read in; each ends on the case number, so a page is stable.
enum class CaseOrder { due, opened, updated, id, enterprise, procedure, state };

struct CaseFilter {
  std::string authority;
  std::string procedure;
  std::string state;
  std::string uscc;
  bool include_closed = false;
  bool closed_only = false;  // only closed cases (已办结)
  int limit = 200;
  long offset = 0;                   // rows skipped before the first one listed (paging)
  CaseOrder order = CaseOrder::due;  // due: soonest deadline first, no deadline last
  bool descending = false;           // the order reversed (no deadline still last)
  // Only cases of one of these (procedure, state) pairs (empty: any), e.g. those at the vendor.
  // `restricted` with no pair: nothing at all (a tab no state belongs to).
  std::vector<std::pair<std::string, std::string>> procedure_states;
  bool restricted = false;
  // Cases of none of procedure_states, rather than one of them (`restricted` is then not set).
  bool pairs_excluded = false;
  bool vendor_handled = false;  // only cases a vendor reviewer has acted on
  // Part of a case number, a USCC, the enterprise's name, a person's name on the form (legal
  // representative, authorised user) or the login name; spaces and letter case do not count
  // (search_text(), kept with each case).
  std::string search;
  // Only cases whose deadline waits on a year's holiday arrangement (办结期限待定).
  bool deadline_pending = false;
  // For listings: each case's `data` holds only {"enterprise": {"name"}}, not the whole
  // submission (parsing 200 submissions is most of a queue page's cost).
  bool summary = false;
};

// How many cases of a filter (its pairs, limit, offset and order left aside) stand in each
// (procedure, state), open and closed and deadline-pending years apart: what a queue's tabs
// count.
struct CaseTally {
  std::string procedure, state;
  bool closed = false;
  int pending_year = 0;  // the year their deadline waits on (0: none)
  bool vendor_handled = false;
  long count = 0;
};

// What a case is found by (CaseFilter::search): its number, USCC, the enterprise's name, the
// names on the form and the login name, with spaces (also U+3000) dropped and ASCII lowered,
// '|' between them.
std::string search_text(const std::string& case_id, const std::string& uscc,
                        const nlohmann::json& submission);
// A search as it is compared with search_text(): spaces dropped, ASCII lowered.
std::string search_key(const std::string& search);

// A deadline computed again on another calendar arrangement (deadlines.h): the case, what its
// deadline was, and what it becomes.
struct DeadlineChange {
  std::string case_id;
  long version = 0;  // the case version it was computed for; a case that moved on is left alone
  std::string state;
  std::optional<Date> old_due, new_due;
  int old_pending_year = 0, new_pending_year = 0;
  DeadlineClock clock;
  std::string calendar, calendar_version;  // the arrangement the new deadline is computed on
  std::string explanation;  // for the history: 办结期限重新计算：… → …（…）
};

// A message of the outbox: a case's notice (activation, unlock e-mail) or a morning digest.
//
//   status    meaning                                       next
//   --------  --------------------------------------------  -------------------------------
//   pending   to be sent at next_attempt_at (0: at once)    sent, failed, or tried again
//   sent      the mail server took it at sent_at            never sent again
//   failed    refused for good (last_error says why), or    pending again when a person
//             given up after too many attempts              sends it again (resend_outbox)
struct OutboxItem {
  long id = 0;
  std::string case_id;  // "" for a digest
  long event_seq = 0;   // the event whose action put it here (0 for a digest)
  OutboxMessage message;
  std::string created_at;
  std::optional<std::string> sent_at;
  std::string status = "pending";
  int attempts = 0;
  std::int64_t next_attempt_at = 0;  // Unix seconds
  std::string last_error;            // English, as the server or curl said it; "" when none
  std::string message_id;            // "" until the first attempt
  std::string digest_key;            // "" for a case's notice
};

// Whether `db` (--db) names a database server (a "postgresql://" URI) rather than an SQLite file.
bool is_database_server(const std::string& db);
// `db` as messages and logs show it: a URI's password, if any, replaced by "***".
std::string database_shown(const std::string& db);

// The rules of storing cases (the guarantees above), applied over a CaseRepository
// (case_repository.h) that only keeps the data: one write transaction per change, in which the
// workflow's plan is checked against the stored version, the events are chained and the effects
// applied.
class CaseStore : public Registry {
 public:
  // Opens or creates the database at `path` (":memory:" for tests) and migrates it. A `path`
  // starting "file:" is an SQLite URI ("file:/srv/k.db?vfs=NAME": the fault tests open the store
  // on a VFS that fails on demand, tests/fault_vfs.h); one starting "postgresql://" (or
  // "postgres://") is a PostgreSQL database, which must exist (its tables are made here).
  static Result<CaseStore> open(const std::string& path);
  CaseStore(CaseStore&&) noexcept;
  CaseStore& operator=(CaseStore&&) noexcept;
  ~CaseStore() override;

  // --- registry (registry.h) ---
  Status put_enterprise(const Enterprise& enterprise) override;
  Result<std::optional<Enterprise>> enterprise(const std::string& uscc) override;
  Status put_key(const KeyRecord& key) override;
  Result<std::optional<KeyRecord>> key(const std::string& login_username) override;
  Result<std::vector<KeyRecord>> keys_of(const std::string& uscc) override;
  // record_pin_entry (registry.h) in one transaction.
  Result<KeyRecord> pin_entry(const std::string& login_username, bool correct);
  // import_registry (registry.h) in one transaction: all entries or none.
  Status import(const nlohmann::json& entries);

  // --- procedure versions ---
  // Records `procedure`'s version (its content hash) if new; cases opened later use it.
  Status remember(const Procedure& procedure, const std::string& loaded_at);
  // The procedure a case runs on: its own version, parsed from the stored source.
  Result<std::shared_ptr<const Procedure>> procedure_at(const std::string& id,
                                                        const std::string& version);

  // --- cases ---
  struct OpenRequest {
    std::string case_id;  // e.g. the submission id; a second open of the same id is refused
    std::string authority;
    nlohmann::json submission;
    Actor actor;
    LocalTime at;
    std::string at_text;  // ISO timestamp recorded in the audit
  };
  Result<CaseRecord> open_case(const Procedure& procedure, const Workflow& workflow,
                               const OpenRequest& request);
  Result<CaseRecord> act(const std::string& case_id, const Workflow& workflow,
                         const ActionRequest& request, const std::string& at_text);
  Result<CaseRecord> get(const std::string& case_id);
  Result<std::vector<CaseRecord>> list(const CaseFilter& filter);
  // The cases of `filter` counted by procedure, state and closed (CaseTally).
  Result<std::vector<CaseTally>> tally(const CaseFilter& filter);
  // Open cases whose due date is before `today`, most overdue first.
  Result<std::vector<CaseRecord>> overdue(Date today, const std::string& authority = "",
                                          int limit = 1000);
  // Open cases due exactly on `day`.
  Result<std::vector<CaseRecord>> due_on(Date day, const std::string& authority = "",
                                         int limit = 1000);
  // How many open cases wait on each year without calendar data.
  Result<std::map<int, long>> pending_years(const std::string& authority = "");
  // Every open case whose deadline runs on a recorded clock (to re-project), in case order.
  Result<std::vector<CaseRecord>> clocked();
  // Applies `changes` in one transaction, each an audit event (action `deadline_reprojected`,
  // by `actor`) that changes neither state nor version. A case that moved on since its change
  // was computed (another version, or closed) is skipped; the ids of those applied are returned.
  Result<std::vector<std::string>> reproject(const std::vector<DeadlineChange>& changes,
                                             const Actor& actor, const std::string& at_text);
  Result<std::vector<AuditEvent>> history(const std::string& case_id);
  // Records a document check on the case (an audit event); the case is not otherwise changed.
  Status record_check(const std::string& case_id, const CheckRecord& check, const Actor& actor,
                      const std::string& at_text);
  // The newest document check of the case, if any.
  Result<std::optional<CheckRecord>> latest_check(const std::string& case_id);
  Result<AuditReport> verify_audit();

  // --- outbox (outbox.h delivers it) ---
  // Every message (or those not sent), oldest first.
  Result<std::vector<OutboxItem>> outbox(bool unsent_only);
  // The messages of one case, oldest first.
  Result<std::vector<OutboxItem>> outbox_of(const std::string& case_id);
  // How many e-mails are pending (due now or later).
  Result<long> outbox_pending();
  // Pending e-mails due at `now` (Unix seconds), soonest first, at most `limit`.
  Result<std::vector<OutboxItem>> outbox_due(std::int64_t now, int limit);
  // Claims message `id` for one attempt at `now`, in its own transaction: attempts + 1, the
  // next attempt moved to `retry_at` (where it stays should this process die before marking),
  // and its Message-ID fixed to `message_id` unless it has one. nullopt when it is no longer
  // pending and due (another process took it); else the row as claimed.
  Result<std::optional<OutboxItem>> claim_outbox(long id, std::int64_t now, std::int64_t retry_at,
                                                 const std::string& message_id);
  // The outcome of a claimed attempt: sent (at `at_text`), tried again at the claimed time with
  // `error` kept, or failed for good with `error`.
  Status mark_outbox_sent(long id, const std::string& at_text);
  Status mark_outbox_retry(long id, const std::string& error);
  Status mark_outbox_failed(long id, const std::string& error);
  // A failed message of case `case_id` made pending again at `now`, by `actor` (an audit event
  // `notice_resent` on the case). not_found when the case has no such message; refused unless it
  // failed.
  Result<OutboxItem> resend_outbox(const std::string& case_id, long id, const Actor& actor,
                                   std::int64_t now, const std::string& at_text);
  // Adds a digest under `digest_key`; false when that key is already in the outbox.
  Result<bool> add_digest(const OutboxMessage& message, const std::string& digest_key,
                          const std::string& created_at);

  // A number that moves on whenever the database may have changed since it was last asked: a
  // write through this store, or a commit through any other connection to the file (another
  // keydesk process, the server's accounts). What was built from the store under the same number
  // is still right.
  Result<std::int64_t> generation();

 private:
  struct Impl;
  explicit CaseStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace keydesk
