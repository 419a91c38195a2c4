#include "engine/case_store.h"

#include <cstdio>

#include "engine/case_repository.h"
#include "engine/internal/postgres.h"
#include "engine/internal/sha256.h"
#include "engine/internal/sql.h"
#include "engine/submission.h"

namespace keydesk {

namespace {

const std::string kGenesisHash(64, '0');

// What an event's hash covers: every field but the hash, in a fixed order.
std::string event_hash(const AuditEvent& e) {
  nlohmann::json fields = {e.seq,    e.case_id, e.at, e.user,    e.role,   e.authority,
                           e.action, e.from,    e.to, e.outcome, e.remark, e.data.dump()};
  return internal::sha256_hex(e.prev_hash + "\n" + fields.dump());
}

Error no_case(const std::string& case_id) {
  return error_of(ErrorKind::not_found,
                  "没有案件 " + case_id + "，请核对案件编号 (no case " + case_id + ")");
}

}  // namespace

std::string clock_text(const LocalTime& t) {
  char hm[32];
  std::snprintf(hm, sizeof hm, "T%02d:%02d", t.minutes / 60, t.minutes % 60);
  return format_date(t.date) + hm;
}

bool is_database_server(const std::string& db) { return internal::is_postgresql_uri(db); }

std::string database_shown(const std::string& db) {
  return is_database_server(db) ? internal::redacted_uri(db) : db;
}

// One write transaction of the repository (rolled back unless committed).
using Writing = internal::WriteScope<CaseRepository>;

struct CaseStore::Impl {
  std::unique_ptr<CaseRepository> repo;
  std::map<std::string, std::shared_ptr<const Procedure>> procedures;  // "id@version"
  // generation(): the number, and the change mark it was last taken at.
  std::int64_t generation = 0;
  std::string seen_mark;

  explicit Impl(std::unique_ptr<CaseRepository> r) : repo(std::move(r)) {}

  // Appends an event to the chain, after its head; returns its seq.
  Result<long> append_event(AuditEvent e) {
    auto head = repo->audit_head();
    if (!head) return head.error();
    e.seq = *head ? (*head)->seq + 1 : 1;
    e.prev_hash = *head ? (*head)->hash : kGenesisHash;
    e.hash = event_hash(e);
    if (auto st = repo->append_event(e); !st) return st.error();
    return e.seq;
  }
};

CaseStore::CaseStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CaseStore::CaseStore(CaseStore&&) noexcept = default;
CaseStore& CaseStore::operator=(CaseStore&&) noexcept = default;
CaseStore::~CaseStore() = default;

Result<CaseStore> CaseStore::open(const std::string& path) {
  auto repo = open_case_repository(path);
  if (!repo) return repo.error();
  return CaseStore(std::make_unique<Impl>(std::move(repo).value()));
}

// --- registry ------------------------------------------------------------------------------

Status CaseStore::put_enterprise(const Enterprise& e) {
  if (auto st = check_enterprise(e); !st) return st;
  return impl_->repo->store_enterprise(e);
}

Result<std::optional<Enterprise>> CaseStore::enterprise(const std::string& uscc) {
  return impl_->repo->enterprise(uscc);
}

Status CaseStore::put_key(const KeyRecord& k) {
  if (auto st = check_key(k); !st) return st;
  auto owner = enterprise(k.uscc);
  if (!owner) return owner.error();
  if (!*owner)
    return Error{"key " + k.login_username + ": no enterprise " + k.uscc +
                 " in the registry; add the enterprise first"};
  return impl_->repo->store_key(k);
}

Result<std::optional<KeyRecord>> CaseStore::key(const std::string& login_username) {
  return impl_->repo->key(login_username);
}

Result<std::vector<KeyRecord>> CaseStore::keys_of(const std::string& uscc) {
  return impl_->repo->keys_of(uscc);
}

Result<KeyRecord> CaseStore::pin_entry(const std::string& login_username, bool correct) {
  Writing tx(*impl_->repo);
  if (!tx.begun()) return tx.begun().error();
  auto k = record_pin_entry(*this, login_username, correct);
  if (!k) return k.error();
  if (auto st = tx.commit(); !st) return st.error();
  return k;
}

Status CaseStore::import(const nlohmann::json& entries) {
  Writing tx(*impl_->repo);
  if (!tx.begun()) return tx.begun().error();
  if (auto st = import_registry(*this, entries); !st) return st;
  return tx.commit();
}

// --- procedure versions --------------------------------------------------------------------

Status CaseStore::remember(const Procedure& p, const std::string& loaded_at) {
  return impl_->repo->add_procedure_version(p, loaded_at);
}

Result<std::shared_ptr<const Procedure>> CaseStore::procedure_at(const std::string& id,
                                                                 const std::string& version) {
  std::string key = id + "@" + version;
  if (auto it = impl_->procedures.find(key); it != impl_->procedures.end()) return it->second;
  auto stored = impl_->repo->procedure_source(id, version);
  if (!stored) return stored.error();
  if (!*stored)
    return Error{"procedure " + id + " version " + version.substr(0, 12) +
                 " is not in the database"};
  auto p = parse_procedure((*stored)->source, (*stored)->file);
  if (!p)
    return Error{"stored procedure " + id + " version " + version.substr(0, 12) +
                     " no longer loads: " + p.error().message,
                 p.error().diagnostics};
  auto shared = std::make_shared<const Procedure>(std::move(p).value());
  impl_->procedures.emplace(key, shared);
  return shared;
}

// --- cases ---------------------------------------------------------------------------------

Result<CaseRecord> CaseStore::open_case(const Procedure& procedure, const Workflow& workflow,
                                        const OpenRequest& request) {
  Writing tx(*impl_->repo);
  if (!tx.begun()) return tx.begun().error();
  auto existing = impl_->repo->find_case(request.case_id);
  if (!existing) return existing.error();
  if (*existing)
    return error_of(ErrorKind::refused, "案件 " + request.case_id +
                                            " 已受理，本次未处理；补正材料请在该案件中办理 (case " +
                                            request.case_id + " is already open, state " +
                                            (*existing)->state + ": nothing was done)");
  if (auto st = remember(procedure, request.at_text); !st) return st.error();
  auto facts = case_facts(*this, request.submission, request.case_id, "", request.at.date);
  if (!facts) return facts.error();
  auto step = workflow.open(procedure, *facts, request.at);
  if (!step) return step.error();

  CaseRecord c;
  c.id = request.case_id;
  c.procedure = procedure.id;
  c.procedure_version = procedure.version;
  c.authority = request.authority;
  c.uscc = text_at(request.submission, "/enterprise/uscc");
  c.state = step->to;
  c.version = 1;
  c.due = step->due;
  c.due_pending_year = step->due_pending_year;
  c.clock = step->clock;
  c.clock_stopped = step->clock_stopped;
  c.closed = step->closes;
  c.opened_at = c.updated_at = request.at_text;
  c.data = request.submission;
  if (auto st = impl_->repo->insert_case(c); !st) return st.error();
  AuditEvent e;
  e.case_id = c.id;
  e.at = request.at_text;
  e.user = request.actor.user;
  e.role = request.actor.role;
  e.authority = request.actor.authority;
  e.action = "open";
  e.to = c.state;
  e.data = {{"procedure_version", c.procedure_version},
            {"due", c.due ? nlohmann::json(format_date(*c.due)) : nlohmann::json()}};
  if (c.due_pending_year) e.data["due_pending_year"] = c.due_pending_year;
  auto seq = impl_->append_event(e);
  if (!seq) return seq.error();
  if (auto st = tx.commit(); !st) return st.error();
  return c;
}

Result<CaseRecord> CaseStore::act(const std::string& case_id, const Workflow& workflow,
                                  const ActionRequest& request, const std::string& at_text) {
  Writing tx(*impl_->repo);
  if (!tx.begun()) return tx.begun().error();
  auto found = impl_->repo->find_case(case_id);
  if (!found) return found.error();
  if (!*found) return no_case(case_id);
  const CaseRecord seen = **found;
  auto procedure = procedure_at(seen.procedure, seen.procedure_version);
  if (!procedure) return procedure.error();
  const bool resubmitted = request.submission.is_object();
  const nlohmann::json& submission = resubmitted ? request.submission : seen.data;
  auto facts = case_facts(*this, submission, seen.id, seen.state, request.at.date);
  if (!facts) return facts.error();
  CaseSnapshot snapshot{seen.id,   seen.state, seen.version, seen.due, seen.due_pending_year,
                        seen.clock};
  auto events = history(seen.id);
  if (!events) return events.error();
  // The check the workflow weighs for an action that requires one.
  if (const ActionRule* rule = (*procedure)->action(request.action); rule && rule->requires_check) {
    CheckStanding standing = check_standing(*events, seen.data);
    if (const auto& k = standing.check)
      snapshot.check = DocumentCheck{k->batch, k->verdict, k->current, k->remarks()};
    snapshot.unchecked_resubmission = standing.unchecked_resubmission;
  }
  auto step = workflow.act(**procedure, snapshot, request, *facts);
  if (!step) return step.error();
  nlohmann::json inputs = recorded_inputs(*events);
  inputs.update(step->inputs);
  const nlohmann::json& check_note = step->check_note;

  CaseRecord c = seen;
  if (resubmitted) c.data = request.submission;
  c.state = step->to;
  c.version = seen.version + 1;
  c.due = step->due;
  c.due_pending_year = step->due_pending_year;
  c.clock = step->clock;
  c.clock_stopped = step->clock_stopped;
  c.closed = step->closes;
  c.updated_at = at_text;
  // At most once: written only if the case is still at the version the action was planned on.
  auto written = impl_->repo->update_case(c, seen.version, resubmitted);
  if (!written) return written.error();
  if (!*written)
    return error_of(ErrorKind::stale, "案件 " + c.id +
                                          " 刚被他人办理，本次未办理；请重新打开案件 (case " +
                                          c.id + " changed while this action was prepared)");
  if (auto st = apply_effects(*this, step->effects, c.data, inputs, request.at.date); !st)
    return st.error();

  AuditEvent e;
  e.case_id = c.id;
  e.at = at_text;
  e.user = request.actor.user;
  e.role = request.actor.role;
  e.authority = request.actor.authority;
  e.action = step->action;
  e.from = step->from;
  e.to = step->to;
  e.outcome = step->outcome;
  e.remark = step->remark;
  e.data = {{"inputs", step->inputs},
            {"due", step->due ? nlohmann::json(format_date(*step->due)) : nlohmann::json()},
            {"resubmitted", resubmitted}};
  if (step->due_pending_year) e.data["due_pending_year"] = step->due_pending_year;
  if (!check_note.is_null()) e.data["check"] = check_note;
  if (!step->effects.empty()) e.data["effects"] = step->effects;
  auto seq = impl_->append_event(e);
  if (!seq) return seq.error();
  if (auto st = impl_->repo->add_outbox(c.id, *seq, step->outbox, at_text); !st) return st.error();
  if (auto st = tx.commit(); !st) return st.error();
  return c;
}

Result<std::int64_t> CaseStore::generation() {
  auto mark = impl_->repo->change_mark();
  if (!mark) return mark.error();
  if (*mark != impl_->seen_mark) {
    impl_->seen_mark = std::move(mark).value();
    ++impl_->generation;
  }
  return impl_->generation;
}

Result<CaseRecord> CaseStore::get(const std::string& case_id) {
  auto found = impl_->repo->find_case(case_id);
  if (!found) return found.error();
  if (!*found) return no_case(case_id);
  return **found;
}

namespace {

bool is_space_byte_run(const std::string& s, size_t i) {
  return s.compare(i, 3, "\xE3\x80\x80") == 0;  // U+3000 IDEOGRAPHIC SPACE
}

}  // namespace

std::string search_key(const std::string& search) {
  std::string out;
  for (size_t i = 0; i < search.size(); ++i) {
    const char c = search[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '|') continue;
    if (is_space_byte_run(search, i)) {
      i += 2;
      continue;
    }
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

std::string search_text(const std::string& case_id, const std::string& uscc,
                        const nlohmann::json& submission) {
  // The same fields, in the same order, as migration 006 fills for older cases.
  return search_key(case_id) + "|" + search_key(uscc) + "|" +
         search_key(text_at(submission, "/enterprise/name")) + "|" +
         search_key(text_at(submission, "/applicant/legal_representative")) + "|" +
         search_key(text_at(submission, "/applicant/authorized_user/name")) + "|" +
         search_key(text_at(submission, "/applicant/login_username"));
}

Result<std::vector<CaseRecord>> CaseStore::list(const CaseFilter& f) {
  return impl_->repo->list(f);
}

Result<std::vector<CaseTally>> CaseStore::tally(const CaseFilter& f) {
  return impl_->repo->tally(f);
}

Result<std::vector<CaseRecord>> CaseStore::overdue(Date today, const std::string& authority,
                                                   int limit) {
  return impl_->repo->by_due_date(true, today, authority, limit);
}

Result<std::vector<CaseRecord>> CaseStore::due_on(Date day, const std::string& authority,
                                                  int limit) {
  return impl_->repo->by_due_date(false, day, authority, limit);
}

Result<std::map<int, long>> CaseStore::pending_years(const std::string& authority) {
  return impl_->repo->pending_years(authority);
}

Result<std::vector<CaseRecord>> CaseStore::clocked() { return impl_->repo->clocked(); }

Result<std::vector<std::string>> CaseStore::reproject(const std::vector<DeadlineChange>& changes,
                                                      const Actor& actor,
                                                      const std::string& at_text) {
  auto date_json = [](const std::optional<Date>& d) {
    return d ? nlohmann::json(format_date(*d)) : nlohmann::json();
  };
  std::vector<std::string> applied;
  Writing tx(*impl_->repo);
  if (!tx.begun()) return tx.begun().error();
  for (const DeadlineChange& change : changes) {
    auto written = impl_->repo->set_deadline(change.case_id, change.version, change.new_due,
                                             change.new_pending_year);
    if (!written) return written.error();
    if (!*written) continue;  // acted on meanwhile: its deadline is already new
    AuditEvent e;
    e.case_id = change.case_id;
    e.at = at_text;
    e.user = actor.user;
    e.role = actor.role;
    e.authority = actor.authority;
    e.action = "deadline_reprojected";
    e.from = e.to = change.state;
    e.remark = change.explanation;
    e.data = {
        {"old_due", date_json(change.old_due)},
        {"due", date_json(change.new_due)},
        {"old_due_pending_year",
         change.old_pending_year ? nlohmann::json(change.old_pending_year) : nlohmann::json()},
        {"due_pending_year",
         change.new_pending_year ? nlohmann::json(change.new_pending_year) : nlohmann::json()},
        {"clock_start", clock_text(change.clock.start)},
        {"clock_days", change.clock.days},
        {"calendar", change.calendar},
        {"calendar_version", change.calendar_version}};
    if (auto seq = impl_->append_event(e); !seq) return seq.error();
    applied.push_back(change.case_id);
  }
  if (auto st = tx.commit(); !st) return st.error();
  return applied;
}

Result<std::vector<AuditEvent>> CaseStore::history(const std::string& case_id) {
  return impl_->repo->events_of(case_id);
}

Result<AuditReport> CaseStore::verify_audit() { return verify_audit_chain(*impl_->repo); }

Result<AuditReport> verify_audit_chain(CaseRepository& repo) {
  AuditReport report;
  std::string prev = kGenesisHash;
  long expected_seq = 1;
  auto walked = repo.each_event([&](const AuditEvent& e) -> Status {
    ++report.events;
    if (e.seq != expected_seq)
      report.problems.push_back("event " + std::to_string(expected_seq) +
                                (e.seq > expected_seq
                                     ? " to " + std::to_string(e.seq - 1) + " deleted"
                                     : " out of order"));
    if (e.prev_hash != prev)
      report.problems.push_back(
          "event " + std::to_string(e.seq) + " (case " + e.case_id +
          ") does not follow the event before it: a row was deleted or inserted");
    if (event_hash(e) != e.hash)
      report.problems.push_back("event " + std::to_string(e.seq) + " (case " + e.case_id + ", " +
                                e.action + " at " + e.at +
                                ") was edited: its content no longer matches its hash");
    prev = e.hash;
    expected_seq = e.seq + 1;
    return internal::ok();
  });
  if (!walked) return walked.error();
  auto head = repo.audit_head();
  if (!head) return head.error();
  if (*head) {
    if ((*head)->seq != expected_seq - 1 || (*head)->hash != prev)
      report.problems.push_back("the newest events were deleted: the chain ends at event " +
                                std::to_string(expected_seq - 1) + " but event " +
                                std::to_string((*head)->seq) + " was written");
  } else if (report.events > 0) {
    report.problems.push_back("the audit head is missing: it was deleted");
  }
  return report;
}

Result<std::vector<OutboxItem>> CaseStore::outbox(bool unsent_only) {
  return impl_->repo->outbox(unsent_only);
}

Result<std::vector<OutboxItem>> CaseStore::outbox_of(const std::string& case_id) {
  return impl_->repo->outbox_of(case_id);
}

Result<long> CaseStore::outbox_pending() { return impl_->repo->outbox_pending(); }

Result<std::vector<OutboxItem>> CaseStore::outbox_due(std::int64_t now, int limit) {
  return impl_->repo->outbox_due(now, limit);
}

Result<std::optional<OutboxItem>> CaseStore::claim_outbox(long id, std::int64_t now,
                                                          std::int64_t retry_at,
                                                          const std::string& message_id) {
  Writing tx(*impl_->repo);
  if (!tx.begun()) return tx.begun().error();
  auto item = impl_->repo->claim_outbox(id, now, retry_at, message_id);
  if (!item || !*item) return item;
  if (auto st = tx.commit(); !st) return st.error();
  return item;
}

Status CaseStore::mark_outbox_sent(long id, const std::string& at_text) {
  return impl_->repo->mark_outbox_sent(id, at_text);
}

Status CaseStore::mark_outbox_retry(long id, const std::string& error) {
  return impl_->repo->mark_outbox_retry(id, error);
}

Status CaseStore::mark_outbox_failed(long id, const std::string& error) {
  return impl_->repo->mark_outbox_failed(id, error);
}

Result<OutboxItem> CaseStore::resend_outbox(const std::string& case_id, long id, const Actor& actor,
                                            std::int64_t now, const std::string& at_text) {
  Writing tx(*impl_->repo);
  if (!tx.begun()) return tx.begun().error();
  auto c = impl_->repo->find_case(case_id);
  if (!c) return c.error();
  auto found = impl_->repo->outbox_item(case_id, id);
  if (!found) return found.error();
  if (!*c || !*found)
    return error_of(ErrorKind::not_found,
                    "案件 " + case_id + " 没有这条通知，请刷新案件页面后重试 (case " + case_id +
                        " has no notice " + std::to_string(id) + ")");
  OutboxItem item = **found;
  if (item.status != "failed")
    return error_of(
        ErrorKind::refused,
        std::string(item.status == "sent" ? "这条通知已经发出，无需重发"
                                          : "这条通知正在等待发送，系统会自动发送，无需重发") +
            " (notice " + std::to_string(id) + " is " + item.status + ")");
  if (auto st = impl_->repo->reopen_outbox(id, now); !st) return st.error();
  AuditEvent e;
  e.case_id = case_id;
  e.at = at_text;
  e.user = actor.user;
  e.role = actor.role;
  e.authority = actor.authority;
  e.action = "notice_resent";
  e.from = e.to = (*c)->state;
  e.remark = "重发通知“" + item.message.subject + "”至 " + item.message.to;
  e.data = {
      {"outbox_id", item.id}, {"notice", item.message.notice}, {"previous_error", item.last_error}};
  if (auto seq = impl_->append_event(e); !seq) return seq.error();
  if (auto st = tx.commit(); !st) return st.error();
  item.status = "pending";
  item.next_attempt_at = now;
  return item;
}

Result<bool> CaseStore::add_digest(const OutboxMessage& m, const std::string& digest_key,
                                   const std::string& created_at) {
  return impl_->repo->add_digest(m, digest_key, created_at);
}

std::string check_hash(const nlohmann::json& submission) {
  return internal::sha256_hex(submission.dump());
}

namespace {

// Whether two checks say the same of the same submission in the same batch (when or by whom
// aside).
bool same_check(const CheckRecord& a, const CheckRecord& b) {
  return a.batch == b.batch && a.submission_hash == b.submission_hash && a.verdict == b.verdict &&
         a.findings == b.findings && a.materials == b.materials;
}

}  // namespace

Status CaseStore::record_check(const std::string& case_id, const CheckRecord& check,
                               const Actor& actor, const std::string& at_text) {
  Writing tx(*impl_->repo);
  if (!tx.begun()) return tx.begun().error();
  auto found = impl_->repo->find_case(case_id);
  if (!found) return found.error();
  if (!*found) return no_case(case_id);
  // The same check once: one tried again after its commit's answer was lost (the connection
  // dropped at COMMIT, the batch's patience tries again) finds it the case's newest check and
  // adds nothing. (A batch run again after its end was recorded is a run of its own, with its
  // own id: its checks are recorded.)
  auto since = impl_->repo->events_since_check(case_id);
  if (!since) return since.error();
  if (!since->empty())
    if (auto newest = check_in(since->front()); newest && same_check(*newest, check))
      return internal::ok();
  AuditEvent e;
  e.case_id = case_id;
  e.at = at_text;
  e.user = actor.user;
  e.role = actor.role;
  e.authority = actor.authority;
  e.action = "document_check";
  e.from = e.to = (*found)->state;
  e.outcome = check.verdict;
  e.data = {{"batch", check.batch},
            {"verdict", check.verdict},
            {"submission_hash", check.submission_hash},
            {"findings", check.findings}};
  if (!check.materials.empty()) e.data["materials"] = check.materials;
  if (auto seq = impl_->append_event(e); !seq) return seq.error();
  return tx.commit();
}

std::string CheckRecord::remarks(const std::string& severity) const {
  std::string out;
  int n = 0;
  for (const auto& f : findings) {
    std::string s = f.value("severity", "");
    if (s == "info" || (!severity.empty() && s != severity)) continue;
    if (n++) out += "\n";
    out += std::to_string(n) + ". " + f.value("message", f.value("code", ""));
  }
  return out;
}

std::optional<CheckRecord> check_in(const AuditEvent& event) {
  if (event.action != "document_check" || !event.data.is_object()) return std::nullopt;
  CheckRecord k;
  k.at = event.at;
  k.batch = event.data.value("batch", "");
  k.verdict = event.data.value("verdict", "");
  k.submission_hash = event.data.value("submission_hash", "");
  k.findings = event.data.value("findings", nlohmann::json::array());
  k.materials = event.data.value("materials", nlohmann::json::array());
  return k;
}

CheckStanding check_standing(const std::vector<AuditEvent>& events,
                             const nlohmann::json& submission) {
  CheckStanding standing;
  for (const AuditEvent& e : events) {
    if (auto k = check_in(e)) {
      standing.check = std::move(k);
      standing.unchecked_resubmission = false;
    } else if (e.data.is_object() && e.data.value("resubmitted", false)) {
      standing.unchecked_resubmission = true;
    }
  }
  if (standing.check)
    standing.check->current = !standing.unchecked_resubmission &&
                              standing.check->submission_hash == check_hash(submission);
  return standing;
}

nlohmann::json recorded_inputs(const std::vector<AuditEvent>& events) {
  nlohmann::json inputs = nlohmann::json::object();
  for (const AuditEvent& e : events)
    if (e.data.is_object() && e.data.contains("inputs") && e.data["inputs"].is_object())
      inputs.update(e.data["inputs"]);
  return inputs;
}

Result<std::optional<CheckRecord>> CaseStore::latest_check(const std::string& case_id) {
  auto c = get(case_id);
  if (!c) return c.error();
  // What check_standing weighs: the newest check and the events after it (each preview image
  // asks this; the rest of the history does not matter).
  auto events = impl_->repo->events_since_check(case_id);
  if (!events) return events.error();
  return check_standing(*events, c->data).check;
}

}  // namespace keydesk
