#include "engine/case_store.h"

#include <cstdio>

#include <boost/date_time/gregorian/gregorian.hpp>

#include "engine/internal/migrate.h"
#include "engine/internal/sha256.h"
#include "engine/internal/sqlite.h"
#include "engine/submission.h"

namespace keydesk {

using internal::Database;
using internal::Statement;
using internal::Transaction;

namespace {

const std::string kGenesisHash(64, '0');

const char* const kCaseColumns =
    "id, procedure, procedure_version, authority, uscc, state, version, due_on, clock_stopped, "
    "closed, opened_at, updated_at, data, due_pending_year, clock_start, clock_days";
// What a case is read by: the columns it is written with, and what triggers keep (migration 7).
const std::string kCaseReadColumns = std::string(kCaseColumns) + ", vendor_handled";

// A clock's start as stored: counter-local, to the minute.
std::string clock_text(const LocalTime& t) {
  char hm[32];
  std::snprintf(hm, sizeof hm, "T%02d:%02d", t.minutes / 60, t.minutes % 60);
  return format_date(t.date) + hm;
}

// Binds due_pending_year, clock_start and clock_days from parameter `first` on.
void bind_deadline(Statement& st, int first, int pending_year,
                   const std::optional<DeadlineClock>& clock) {
  if (pending_year)
    st.bind(first, static_cast<std::int64_t>(pending_year));
  else
    st.bind(first, std::nullopt);
  if (clock)
    st.bind(first + 1, clock_text(clock->start))
        .bind(first + 2, static_cast<std::int64_t>(clock->days));
  else
    st.bind(first + 1, std::nullopt).bind(first + 2, std::nullopt);
}

CaseRecord read_case(const Statement& s) {
  CaseRecord c;
  c.id = s.text(0);
  c.procedure = s.text(1);
  c.procedure_version = s.text(2);
  c.authority = s.text(3);
  c.uscc = s.text(4);
  c.state = s.text(5);
  c.version = static_cast<long>(s.integer(6));
  if (auto due = s.optional_text(7)) c.due = parse_date(*due);
  c.clock_stopped = s.integer(8) != 0;
  c.closed = s.integer(9) != 0;
  c.opened_at = s.text(10);
  c.updated_at = s.text(11);
  c.data = nlohmann::json::parse(s.text(12), nullptr, false);
  c.due_pending_year = static_cast<int>(s.integer(13));
  if (auto start = s.optional_text(14)) {
    // No offset: read as counter-local, whatever the counter's offset.
    if (auto t = parse_submission_time(*start, CounterHours{}); t)
      c.clock = DeadlineClock{*t, static_cast<long>(s.integer(15))};
  }
  c.vendor_handled = s.integer(16) != 0;
  return c;
}

KeyRecord read_key(const Statement& s) {
  KeyRecord k;
  k.login_username = s.text(0);
  k.uscc = s.text(1);
  k.serial = s.text(2);
  k.status = s.text(3);
  k.expires_on = s.text(4);
  k.has_18_digit_code = s.integer(5) != 0;
  k.wrong_pin_entries = static_cast<int>(s.integer(6));
  return k;
}

const char* const kKeyColumns =
    "login_username, uscc, coalesce(serial, ''), status, coalesce(expires_on, ''), "
    "has_18_digit_code, wrong_pin_entries";

// What an event's hash covers: every field but the hash, in a fixed order.
std::string event_hash(const AuditEvent& e) {
  nlohmann::json fields = {e.seq,    e.case_id, e.at, e.user,    e.role,   e.authority,
                           e.action, e.from,    e.to, e.outcome, e.remark, e.data.dump()};
  return internal::sha256_hex(e.prev_hash + "\n" + fields.dump());
}

}  // namespace

struct CaseStore::Impl {
  Database db;
  std::map<std::string, std::shared_ptr<const Procedure>> procedures;  // "id@version"
  // generation(): the number, and the two counts it was last taken at.
  std::int64_t generation = 0, seen_changes = -1, seen_data_version = -1;

  explicit Impl(Database d) : db(std::move(d)) {}

  Result<std::optional<CaseRecord>> find_case(const std::string& id) {
    auto st = db.prepare("SELECT " + kCaseReadColumns + " FROM cases WHERE id = ?");
    if (!st) return st.error();
    st->bind(1, id);
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return std::optional<CaseRecord>();
    return std::optional<CaseRecord>(read_case(*st));
  }

  Result<std::vector<CaseRecord>> query_cases(const std::string& where_order,
                                              const std::vector<std::string>& args, int limit,
                                              bool summary = false, long offset = 0) {
    std::string columns = kCaseReadColumns;
    if (summary)
      columns.replace(columns.rfind("data"), 4,
                      "json_object('enterprise', json_object('name', enterprise_name))");
    auto st = db.prepare("SELECT " + columns + " FROM cases " + where_order + " LIMIT ? OFFSET ?");
    if (!st) return st.error();
    int i = 1;
    for (const auto& a : args) st->bind(i++, a);
    st->bind(i, static_cast<std::int64_t>(limit));
    st->bind(i + 1, static_cast<std::int64_t>(offset));
    return internal::all_rows(*st, read_case);
  }

  // What the queue sorts and searches a case by (migration 006), from its submission.
  Status index_case(const CaseRecord& c) {
    auto st = db.prepare("UPDATE cases SET enterprise_name = ?, search_text = ? WHERE id = ?");
    if (!st) return st.error();
    st->bind(1, text_at(c.data, "/enterprise/name"))
        .bind(2, search_text(c.id, c.uscc, c.data))
        .bind(3, c.id);
    return st->run();
  }

  // Open cases whose due date compares to `day` by `op` ("<" or "="), optionally of one
  // authority; served by the partial index cases_open_by_due.
  Result<std::vector<CaseRecord>> by_due_date(const char* op, Date day,
                                              const std::string& authority, const char* order,
                                              int limit) {
    std::vector<std::string> args = {format_date(day)};
    std::string where =
        std::string("WHERE closed = 0 AND due_on IS NOT NULL AND due_on ") + op + " ?";
    if (!authority.empty()) {
      where += " AND authority = ?";
      args.push_back(authority);
    }
    return query_cases(where + " ORDER BY " + order, args, limit);
  }

  // Appends an event to the chain; returns its seq.
  Result<long> append_event(AuditEvent e) {
    auto head = db.prepare("SELECT seq, hash FROM audit_head WHERE id = 1");
    if (!head) return head.error();
    auto row = head->step();
    if (!row) return row.error();
    e.seq = *row ? static_cast<long>(head->integer(0)) + 1 : 1;
    e.prev_hash = *row ? head->text(1) : kGenesisHash;
    e.hash = event_hash(e);
    auto ins = db.prepare(
        "INSERT INTO events (seq, case_id, at, user_name, role, authority, action, from_state, "
        "to_state, outcome, remark, data, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!ins) return ins.error();
    ins->bind(1, static_cast<std::int64_t>(e.seq)).bind(2, e.case_id).bind(3, e.at).bind(4, e.user);
    ins->bind(5, e.role).bind(6, e.authority).bind(7, e.action).bind(8, e.from).bind(9, e.to);
    ins->bind(10, e.outcome).bind(11, e.remark).bind(12, e.data.dump()).bind(13, e.prev_hash);
    ins->bind(14, e.hash);
    if (auto st = ins->run(); !st) return st.error();
    auto up = db.prepare(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash");
    if (!up) return up.error();
    up->bind(1, static_cast<std::int64_t>(e.seq)).bind(2, e.hash);
    if (auto st = up->run(); !st) return st.error();
    return e.seq;
  }

  Status add_outbox(const std::string& case_id, long seq, const std::vector<OutboxMessage>& msgs,
                    const std::string& at) {
    for (const auto& m : msgs) {
      auto st = db.prepare(
          "INSERT INTO outbox (case_id, event_seq, notice, channel, recipient, subject, body, "
          "created_at) VALUES (?,?,?,?,?,?,?,?)");
      if (!st) return st.error();
      st->bind(1, case_id).bind(2, static_cast<std::int64_t>(seq)).bind(3, m.notice);
      st->bind(4, m.channel).bind(5, m.to).bind(6, m.subject).bind(7, m.body).bind(8, at);
      if (auto r = st->run(); !r) return r.error();
    }
    return internal::ok();
  }
};

CaseStore::CaseStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CaseStore::CaseStore(CaseStore&&) noexcept = default;
CaseStore& CaseStore::operator=(CaseStore&&) noexcept = default;
CaseStore::~CaseStore() = default;

Result<CaseStore> CaseStore::open(const std::string& path) {
  auto db = Database::open(path);
  if (!db) return db.error();
  auto impl = std::make_unique<Impl>(std::move(db).value());
  if (auto st = internal::migrate(impl->db); !st) return st.error();
  return CaseStore(std::move(impl));
}

// --- registry ------------------------------------------------------------------------------

Status CaseStore::put_enterprise(const Enterprise& e) {
  if (auto st = check_enterprise(e); !st) return st;
  auto st = impl_->db.prepare(
      "INSERT INTO enterprises (uscc, name, kind, code13, filing_has_uscc) VALUES (?,?,?,?,?) "
      "ON CONFLICT (uscc) DO UPDATE SET name = excluded.name, kind = excluded.kind, "
      "code13 = excluded.code13, filing_has_uscc = excluded.filing_has_uscc");
  if (!st) return st.error();
  st->bind(1, e.uscc).bind(2, e.name).bind(3, e.kind).bind(4, e.code13);
  st->bind(5, static_cast<std::int64_t>(e.filing_has_uscc));
  return st->run();
}

Result<std::optional<Enterprise>> CaseStore::enterprise(const std::string& uscc) {
  auto st = impl_->db.prepare(
      "SELECT uscc, name, kind, coalesce(code13, ''), filing_has_uscc FROM enterprises WHERE uscc "
      "= ?");
  if (!st) return st.error();
  st->bind(1, uscc);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<Enterprise>();
  return std::optional<Enterprise>(
      Enterprise{st->text(0), st->text(1), st->text(2), st->text(3), st->integer(4) != 0});
}

Status CaseStore::put_key(const KeyRecord& k) {
  if (auto st = check_key(k); !st) return st;
  auto owner = enterprise(k.uscc);
  if (!owner) return owner.error();
  if (!*owner)
    return Error{"key " + k.login_username + ": no enterprise " + k.uscc +
                 " in the registry; add the enterprise first"};
  auto st = impl_->db.prepare(
      "INSERT INTO keys (login_username, uscc, serial, status, expires_on, has_18_digit_code, "
      "wrong_pin_entries) VALUES (?,?,?,?,?,?,?) ON CONFLICT (login_username) DO UPDATE SET "
      "uscc = excluded.uscc, serial = excluded.serial, status = excluded.status, "
      "expires_on = excluded.expires_on, has_18_digit_code = excluded.has_18_digit_code, "
      "wrong_pin_entries = excluded.wrong_pin_entries");
  if (!st) return st.error();
  st->bind(1, k.login_username).bind(2, k.uscc).bind(3, k.serial).bind(4, k.status);
  st->bind_optional(5,
                    k.expires_on.empty() ? std::nullopt : std::optional<std::string>(k.expires_on));
  st->bind(6, static_cast<std::int64_t>(k.has_18_digit_code));
  st->bind(7, static_cast<std::int64_t>(k.wrong_pin_entries));
  return st->run();
}

Result<std::optional<KeyRecord>> CaseStore::key(const std::string& login_username) {
  auto st = impl_->db.prepare(std::string("SELECT ") + kKeyColumns +
                              " FROM keys WHERE login_username = ?");
  if (!st) return st.error();
  st->bind(1, login_username);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<KeyRecord>();
  return std::optional<KeyRecord>(read_key(*st));
}

Result<std::vector<KeyRecord>> CaseStore::keys_of(const std::string& uscc) {
  auto st = impl_->db.prepare(std::string("SELECT ") + kKeyColumns +
                              " FROM keys WHERE uscc = ? ORDER BY login_username");
  if (!st) return st.error();
  st->bind(1, uscc);
  return internal::all_rows(*st, read_key);
}

Result<KeyRecord> CaseStore::pin_entry(const std::string& login_username, bool correct) {
  Transaction tx(impl_->db);
  if (!tx.begun()) return tx.begun().error();
  auto k = record_pin_entry(*this, login_username, correct);
  if (!k) return k.error();
  if (auto st = tx.commit(); !st) return st.error();
  return k;
}

Status CaseStore::import(const nlohmann::json& entries) {
  Transaction tx(impl_->db);
  if (!tx.begun()) return tx.begun().error();
  if (auto st = import_registry(*this, entries); !st) return st;
  return tx.commit();
}

// --- procedure versions --------------------------------------------------------------------

Status CaseStore::remember(const Procedure& p, const std::string& loaded_at) {
  auto st = impl_->db.prepare(
      "INSERT INTO procedure_versions (procedure, version, loaded_at, file, source) "
      "VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING");
  if (!st) return st.error();
  st->bind(1, p.id).bind(2, p.version).bind(3, loaded_at).bind(4, p.file).bind(5, p.source);
  return st->run();
}

Result<std::shared_ptr<const Procedure>> CaseStore::procedure_at(const std::string& id,
                                                                 const std::string& version) {
  std::string key = id + "@" + version;
  if (auto it = impl_->procedures.find(key); it != impl_->procedures.end()) return it->second;
  auto st = impl_->db.prepare(
      "SELECT file, source FROM procedure_versions WHERE procedure = ? AND version = ?");
  if (!st) return st.error();
  st->bind(1, id).bind(2, version);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row)
    return Error{"procedure " + id + " version " + version.substr(0, 12) +
                 " is not in the database"};
  auto p = parse_procedure(st->text(1), st->text(0));
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
  Transaction tx(impl_->db);
  if (!tx.begun()) return tx.begun().error();
  auto existing = impl_->find_case(request.case_id);
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
  auto ins = impl_->db.prepare(std::string("INSERT INTO cases (") + kCaseColumns +
                               ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!ins) return ins.error();
  ins->bind(1, c.id).bind(2, c.procedure).bind(3, c.procedure_version).bind(4, c.authority);
  ins->bind(5, c.uscc).bind(6, c.state).bind(7, static_cast<std::int64_t>(c.version));
  ins->bind_optional(8, c.due ? std::optional<std::string>(format_date(*c.due)) : std::nullopt);
  ins->bind(9, static_cast<std::int64_t>(c.clock_stopped))
      .bind(10, static_cast<std::int64_t>(c.closed));
  ins->bind(11, c.opened_at).bind(12, c.updated_at).bind(13, c.data.dump());
  bind_deadline(*ins, 14, c.due_pending_year, c.clock);
  if (auto st = ins->run(); !st) return st.error();
  if (auto st = impl_->index_case(c); !st) return st.error();
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
  Transaction tx(impl_->db);
  if (!tx.begun()) return tx.begun().error();
  auto found = impl_->find_case(case_id);
  if (!found) return found.error();
  if (!*found)
    return error_of(ErrorKind::not_found,
                    "没有案件 " + case_id + "，请核对案件编号 (no case " + case_id + ")");
  CaseRecord c = **found;
  auto procedure = procedure_at(c.procedure, c.procedure_version);
  if (!procedure) return procedure.error();
  const nlohmann::json& submission = request.submission.is_object() ? request.submission : c.data;
  auto facts = case_facts(*this, submission, c.id, c.state, request.at.date);
  if (!facts) return facts.error();
  CaseSnapshot snapshot{c.id, c.state, c.version, c.due, c.due_pending_year, c.clock};
  auto events = history(c.id);
  if (!events) return events.error();
  // The check the workflow weighs for an action that requires one.
  if (const ActionRule* rule = (*procedure)->action(request.action); rule && rule->requires_check) {
    CheckStanding standing = check_standing(*events, c.data);
    if (const auto& k = standing.check)
      snapshot.check = DocumentCheck{k->batch, k->verdict, k->current, k->remarks()};
    snapshot.unchecked_resubmission = standing.unchecked_resubmission;
  }
  auto step = workflow.act(**procedure, snapshot, request, *facts);
  if (!step) return step.error();
  nlohmann::json inputs = recorded_inputs(*events);
  inputs.update(step->inputs);
  const nlohmann::json& check_note = step->check_note;

  if (request.submission.is_object()) c.data = request.submission;
  auto up = impl_->db.prepare(
      "UPDATE cases SET state = ?, version = version + 1, due_on = ?, clock_stopped = ?, "
      "closed = ?, updated_at = ?, data = ?, due_pending_year = ?, clock_start = ?, "
      "clock_days = ? WHERE id = ? AND version = ?");
  if (!up) return up.error();
  up->bind(1, step->to);
  up->bind_optional(2,
                    step->due ? std::optional<std::string>(format_date(*step->due)) : std::nullopt);
  up->bind(3, static_cast<std::int64_t>(step->clock_stopped))
      .bind(4, static_cast<std::int64_t>(step->closes));
  up->bind(5, at_text).bind(6, c.data.dump());
  bind_deadline(*up, 7, step->due_pending_year, step->clock);
  up->bind(10, c.id).bind(11, static_cast<std::int64_t>(c.version));
  if (auto st = up->run(); !st) return st.error();
  if (impl_->db.changes() != 1)
    return error_of(ErrorKind::stale, "案件 " + c.id +
                                          " 刚被他人办理，本次未办理；请重新打开案件 (case " +
                                          c.id + " changed while this action was prepared)");
  if (request.submission.is_object())
    if (auto st = impl_->index_case(c); !st) return st.error();
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
            {"resubmitted", request.submission.is_object()}};
  if (step->due_pending_year) e.data["due_pending_year"] = step->due_pending_year;
  if (!check_note.is_null()) e.data["check"] = check_note;
  if (!step->effects.empty()) e.data["effects"] = step->effects;
  auto seq = impl_->append_event(e);
  if (!seq) return seq.error();
  if (auto st = impl_->add_outbox(c.id, *seq, step->outbox, at_text); !st) return st.error();
  if (auto st = tx.commit(); !st) return st.error();

  c.state = step->to;
  c.version += 1;
  c.due = step->due;
  c.due_pending_year = step->due_pending_year;
  c.clock = step->clock;
  c.clock_stopped = step->clock_stopped;
  c.closed = step->closes;
  c.updated_at = at_text;
  return c;
}

Result<std::int64_t> CaseStore::generation() {
  // data_version moves with every commit of another connection, never with this one's own
  // writes; those are counted by total_changes.
  auto st = impl_->db.prepare("PRAGMA data_version");
  if (!st) return st.error();
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return Error{"PRAGMA data_version gave no value"};
  const std::int64_t data_version = st->integer(0);
  st->reset();
  const std::int64_t changes = impl_->db.total_changes();
  if (data_version != impl_->seen_data_version || changes != impl_->seen_changes) {
    impl_->seen_data_version = data_version;
    impl_->seen_changes = changes;
    ++impl_->generation;
  }
  return impl_->generation;
}

Result<CaseRecord> CaseStore::get(const std::string& case_id) {
  auto found = impl_->find_case(case_id);
  if (!found) return found.error();
  if (!*found)
    return error_of(ErrorKind::not_found,
                    "没有案件 " + case_id + "，请核对案件编号 (no case " + case_id + ")");
  return **found;
}

namespace {

// The WHERE clause of `f` and its arguments (order, limit and offset aside).
std::string case_where(const CaseFilter& f, std::vector<std::string>& args, bool with_pairs) {
  std::string where = "WHERE 1 = 1";
  auto add = [&](const std::string& column, const std::string& value) {
    if (value.empty()) return;
    where += " AND " + column + " = ?";
    args.push_back(value);
  };
  add("authority", f.authority);
  add("procedure", f.procedure);
  add("state", f.state);
  add("uscc", f.uscc);
  if (with_pairs && f.restricted && f.procedure_states.empty()) where += " AND 0";
  if (with_pairs && !f.procedure_states.empty()) {
    where += f.pairs_excluded ? " AND NOT (" : " AND (";
    for (size_t i = 0; i < f.procedure_states.size(); ++i) {
      where += i ? " OR (procedure = ? AND state = ?)" : "(procedure = ? AND state = ?)";
      args.push_back(f.procedure_states[i].first);
      args.push_back(f.procedure_states[i].second);
    }
    where += ")";
  }
  if (const std::string key = search_key(f.search); !key.empty()) {
    where += " AND instr(search_text, ?) > 0";  // strpos() on PostgreSQL
    args.push_back(key);
  }
  if (f.deadline_pending) where += " AND closed = 0 AND due_pending_year IS NOT NULL";
  if (f.vendor_handled) where += " AND vendor_handled = 1";  // the partial index's condition
  if (f.closed_only)
    where += " AND closed = 1";
  else if (!f.include_closed)
    where += " AND closed = 0";
  else
    where += " AND closed IN (0, 1)";  // lets cases_tally seek past `closed` to the procedure
  return where;
}

// ORDER BY of a listing; every order ends on the case number so that pages do not overlap.
// No deadline sorts last either way (due_on IS NULL first), as the queue's indexes read it.
std::string case_order(CaseOrder order, bool descending) {
  const std::string d = descending ? " DESC" : "";
  switch (order) {
    case CaseOrder::due:
      return "due_on IS NULL, due_on" + d + ", id" + d;
    case CaseOrder::opened:
      return "opened_at" + d + ", id" + d;
    case CaseOrder::updated:
      return "updated_at" + d + ", id" + d;
    case CaseOrder::id:
      return "id" + d;
    case CaseOrder::enterprise:
      return "enterprise_name" + d + ", id" + d;
    case CaseOrder::procedure:
      return "procedure" + d + ", due_on IS NULL, due_on, id";
    case CaseOrder::state:
      return "state" + d + ", due_on IS NULL, due_on, id";
  }
  return "id";
}

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
  std::vector<std::string> args;
  std::string where = case_where(f, args, true);
  // A search: the matches found in cases_tally, which holds every column the filter reads,
  // then only those read and sorted. Walking an order's index instead reads every case of the
  // authority for a search that matches a few (446 ms among 100,000; 5 ms this way).
  if (!search_key(f.search).empty() && f.uscc.empty())
    where = "WHERE rowid IN (SELECT rowid FROM cases INDEXED BY cases_tally " + where + ")";
  return impl_->query_cases(where + " ORDER BY " + case_order(f.order, f.descending), args, f.limit,
                            f.summary, f.offset);
}

Result<std::vector<CaseTally>> CaseStore::tally(const CaseFilter& f) {
  auto read = [](const Statement& row) {
    return CaseTally{row.text(0),         row.text(1),
                     row.integer(2) != 0, static_cast<int>(row.integer(3)),
                     row.integer(4) != 0, static_cast<long>(row.integer(5))};
  };
  if (f.procedure.empty() && f.state.empty() && f.uscc.empty() && search_key(f.search).empty() &&
      !f.deadline_pending && !f.vendor_handled) {
    // Nothing to filter by but the authority: the counts kept by migration 006's triggers.
    auto st = impl_->db.prepare(
        "SELECT procedure, state, closed, pending_year, vendor_handled, sum(count) FROM "
        "case_counts WHERE count > 0 AND (? = '' OR authority = ?) GROUP BY procedure, state, "
        "closed, pending_year, vendor_handled");
    if (!st) return st.error();
    st->bind(1, f.authority).bind(2, f.authority);
    auto rows = internal::all_rows(*st, read);
    if (!rows) return rows.error();
    std::erase_if(*rows, [&](const CaseTally& t) {
      return f.closed_only ? !t.closed : (!f.include_closed && t.closed);
    });
    return rows;
  }
  std::vector<std::string> args;
  const std::string where = case_where(f, args, false);
  auto st = impl_->db.prepare(
      "SELECT procedure, state, closed, coalesce(due_pending_year, 0), vendor_handled, count(*) "
      "FROM cases " +
      where + " GROUP BY procedure, state, closed, due_pending_year, vendor_handled");
  if (!st) return st.error();
  int i = 1;
  for (const auto& a : args) st->bind(i++, a);
  return internal::all_rows(*st, read);
}

Result<std::vector<CaseRecord>> CaseStore::overdue(Date today, const std::string& authority,
                                                   int limit) {
  return impl_->by_due_date("<", today, authority, "due_on, id", limit);
}

Result<std::vector<CaseRecord>> CaseStore::due_on(Date day, const std::string& authority,
                                                  int limit) {
  return impl_->by_due_date("=", day, authority, "id", limit);
}

Result<std::map<int, long>> CaseStore::pending_years(const std::string& authority) {
  auto st = impl_->db.prepare(
      "SELECT due_pending_year, count(*) FROM cases WHERE closed = 0 AND due_pending_year IS NOT "
      "NULL AND (? = '' OR authority = ?) GROUP BY due_pending_year");
  if (!st) return st.error();
  st->bind(1, authority).bind(2, authority);
  auto rows = internal::all_rows(*st, [](const Statement& row) {
    return std::make_pair(static_cast<int>(row.integer(0)), static_cast<long>(row.integer(1)));
  });
  if (!rows) return rows.error();
  return std::map<int, long>(rows->begin(), rows->end());
}

Result<std::vector<CaseRecord>> CaseStore::clocked() {
  return impl_->query_cases("WHERE closed = 0 AND clock_start IS NOT NULL ORDER BY id", {}, -1);
}

Result<std::vector<std::string>> CaseStore::reproject(const std::vector<DeadlineChange>& changes,
                                                      const Actor& actor,
                                                      const std::string& at_text) {
  auto date_json = [](const std::optional<Date>& d) {
    return d ? nlohmann::json(format_date(*d)) : nlohmann::json();
  };
  std::vector<std::string> applied;
  Transaction tx(impl_->db);
  if (!tx.begun()) return tx.begun().error();
  for (const DeadlineChange& change : changes) {
    auto up = impl_->db.prepare(
        "UPDATE cases SET due_on = ?, due_pending_year = ? WHERE id = ? AND version = ? AND "
        "closed = 0");
    if (!up) return up.error();
    up->bind_optional(1, change.new_due ? std::optional<std::string>(format_date(*change.new_due))
                                        : std::nullopt);
    if (change.new_pending_year)
      up->bind(2, static_cast<std::int64_t>(change.new_pending_year));
    else
      up->bind(2, std::nullopt);
    up->bind(3, change.case_id).bind(4, static_cast<std::int64_t>(change.version));
    if (auto st = up->run(); !st) return st.error();
    if (impl_->db.changes() != 1) continue;  // acted on meanwhile: its deadline is already new
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

namespace {
const char* const kEventColumns =
    "seq, case_id, at, user_name, role, authority, action, from_state, to_state, outcome, remark, "
    "data, prev_hash, hash";

AuditEvent read_event(const Statement& s) {
  AuditEvent e;
  e.seq = static_cast<long>(s.integer(0));
  e.case_id = s.text(1);
  e.at = s.text(2);
  e.user = s.text(3);
  e.role = s.text(4);
  e.authority = s.text(5);
  e.action = s.text(6);
  e.from = s.text(7);
  e.to = s.text(8);
  e.outcome = s.text(9);
  e.remark = s.text(10);
  e.data = nlohmann::json::parse(s.text(11), nullptr, false);
  e.prev_hash = s.text(12);
  e.hash = s.text(13);
  return e;
}
}  // namespace

Result<std::vector<AuditEvent>> CaseStore::history(const std::string& case_id) {
  auto st = impl_->db.prepare(std::string("SELECT ") + kEventColumns +
                              " FROM events WHERE case_id = ? ORDER BY seq");
  if (!st) return st.error();
  st->bind(1, case_id);
  return internal::all_rows(*st, read_event);
}

Result<AuditReport> CaseStore::verify_audit() {
  AuditReport report;
  auto st = impl_->db.prepare(std::string("SELECT ") + kEventColumns + " FROM events ORDER BY seq");
  if (!st) return st.error();
  std::string prev = kGenesisHash;
  long expected_seq = 1;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    AuditEvent e = read_event(*st);
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
  }
  auto head = impl_->db.prepare("SELECT seq, hash FROM audit_head WHERE id = 1");
  if (!head) return head.error();
  auto row = head->step();
  if (!row) return row.error();
  if (*row) {
    if (head->integer(0) != expected_seq - 1 || head->text(1) != prev)
      report.problems.push_back("the newest events were deleted: the chain ends at event " +
                                std::to_string(expected_seq - 1) + " but event " +
                                std::to_string(head->integer(0)) + " was written");
  } else if (report.events > 0) {
    report.problems.push_back("the audit head is missing: it was deleted");
  }
  return report;
}

namespace {
const char* const kOutboxColumns =
    "id, case_id, event_seq, notice, channel, recipient, subject, body, created_at, sent_at, "
    "status, attempts, next_attempt_at, coalesce(last_error, ''), coalesce(message_id, ''), "
    "coalesce(digest_key, '')";

OutboxItem read_outbox(const Statement& row) {
  OutboxItem item;
  item.id = static_cast<long>(row.integer(0));
  item.case_id = row.text(1);
  item.event_seq = static_cast<long>(row.integer(2));
  item.message = {row.text(3), row.text(4), row.text(5), row.text(6), row.text(7)};
  item.created_at = row.text(8);
  item.sent_at = row.optional_text(9);
  item.status = row.text(10);
  item.attempts = static_cast<int>(row.integer(11));
  item.next_attempt_at = row.integer(12);
  item.last_error = row.text(13);
  item.message_id = row.text(14);
  item.digest_key = row.text(15);
  return item;
}
}  // namespace

Result<std::vector<OutboxItem>> CaseStore::outbox(bool unsent_only) {
  auto st = impl_->db.prepare(std::string("SELECT ") + kOutboxColumns + " FROM outbox " +
                              (unsent_only ? "WHERE status <> 'sent' " : "") + "ORDER BY id");
  if (!st) return st.error();
  return internal::all_rows(*st, read_outbox);
}

Result<std::vector<OutboxItem>> CaseStore::outbox_of(const std::string& case_id) {
  auto st = impl_->db.prepare(std::string("SELECT ") + kOutboxColumns +
                              " FROM outbox WHERE case_id = ? ORDER BY id");
  if (!st) return st.error();
  st->bind(1, case_id);
  return internal::all_rows(*st, read_outbox);
}

Result<long> CaseStore::outbox_pending() {
  auto st = impl_->db.prepare(
      "SELECT count(*) FROM outbox WHERE status = 'pending' AND channel = 'email'");
  if (!st) return st.error();
  auto row = st->step();
  if (!row) return row.error();
  return static_cast<long>(*row ? st->integer(0) : 0);
}

Result<std::vector<OutboxItem>> CaseStore::outbox_due(std::int64_t now, int limit) {
  auto st = impl_->db.prepare(std::string("SELECT ") + kOutboxColumns +
                              " FROM outbox WHERE status = 'pending' AND channel = 'email' AND "
                              "next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?");
  if (!st) return st.error();
  st->bind(1, now).bind(2, static_cast<std::int64_t>(limit));
  return internal::all_rows(*st, read_outbox);
}

Result<std::optional<OutboxItem>> CaseStore::claim_outbox(long id, std::int64_t now,
                                                          std::int64_t retry_at,
                                                          const std::string& message_id) {
  Transaction tx(impl_->db);
  if (!tx.begun()) return tx.begun().error();
  auto up = impl_->db.prepare(
      "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, "
      "message_id = coalesce(message_id, ?) WHERE id = ? AND status = 'pending' AND "
      "next_attempt_at <= ?");
  if (!up) return up.error();
  up->bind(1, retry_at).bind(2, message_id).bind(3, static_cast<std::int64_t>(id)).bind(4, now);
  if (auto st = up->run(); !st) return st.error();
  if (impl_->db.changes() != 1) return std::optional<OutboxItem>();
  auto sel =
      impl_->db.prepare(std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE id = ?");
  if (!sel) return sel.error();
  sel->bind(1, static_cast<std::int64_t>(id));
  auto row = sel->step();
  if (!row) return row.error();
  if (!*row) return Error{"outbox message " + std::to_string(id) + " vanished while claimed"};
  OutboxItem item = read_outbox(*sel);
  sel->reset();
  if (auto st = tx.commit(); !st) return st.error();
  return std::optional<OutboxItem>(std::move(item));
}

Status CaseStore::mark_outbox_sent(long id, const std::string& at_text) {
  auto st = impl_->db.prepare(
      "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, at_text).bind(2, static_cast<std::int64_t>(id));
  return st->run();
}

Status CaseStore::mark_outbox_retry(long id, const std::string& error) {
  auto st =
      impl_->db.prepare("UPDATE outbox SET last_error = ? WHERE id = ? AND status = 'pending'");
  if (!st) return st.error();
  st->bind(1, error).bind(2, static_cast<std::int64_t>(id));
  return st->run();
}

Status CaseStore::mark_outbox_failed(long id, const std::string& error) {
  auto st = impl_->db.prepare(
      "UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ? AND status = 'pending'");
  if (!st) return st.error();
  st->bind(1, error).bind(2, static_cast<std::int64_t>(id));
  return st->run();
}

Result<OutboxItem> CaseStore::resend_outbox(const std::string& case_id, long id, const Actor& actor,
                                            std::int64_t now, const std::string& at_text) {
  Transaction tx(impl_->db);
  if (!tx.begun()) return tx.begun().error();
  auto c = impl_->find_case(case_id);
  if (!c) return c.error();
  auto sel = impl_->db.prepare(std::string("SELECT ") + kOutboxColumns +
                               " FROM outbox WHERE id = ? AND case_id = ?");
  if (!sel) return sel.error();
  sel->bind(1, static_cast<std::int64_t>(id)).bind(2, case_id);
  auto row = sel->step();
  if (!row) return row.error();
  if (!*c || !*row)
    return error_of(ErrorKind::not_found,
                    "案件 " + case_id + " 没有这条通知，请刷新案件页面后重试 (case " + case_id +
                        " has no notice " + std::to_string(id) + ")");
  OutboxItem item = read_outbox(*sel);
  sel->reset();
  if (item.status != "failed")
    return error_of(
        ErrorKind::refused,
        std::string(item.status == "sent" ? "这条通知已经发出，无需重发"
                                          : "这条通知正在等待发送，系统会自动发送，无需重发") +
            " (notice " + std::to_string(id) + " is " + item.status + ")");
  auto up = impl_->db.prepare(
      "UPDATE outbox SET status = 'pending', next_attempt_at = ? WHERE id = ? AND status = "
      "'failed'");
  if (!up) return up.error();
  up->bind(1, now).bind(2, static_cast<std::int64_t>(id));
  if (auto st = up->run(); !st) return st.error();
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
  auto st = impl_->db.prepare(
      "INSERT INTO outbox (case_id, event_seq, notice, channel, recipient, subject, body, "
      "created_at, digest_key) VALUES ('', 0, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (digest_key) WHERE digest_key IS NOT NULL DO NOTHING");
  if (!st) return st.error();
  st->bind(1, m.notice).bind(2, m.channel).bind(3, m.to).bind(4, m.subject).bind(5, m.body);
  st->bind(6, created_at).bind(7, digest_key);
  if (auto r = st->run(); !r) return r.error();
  return impl_->db.changes() == 1;
}

std::string check_hash(const nlohmann::json& submission) {
  return internal::sha256_hex(submission.dump());
}

Status CaseStore::record_check(const std::string& case_id, const CheckRecord& check,
                               const Actor& actor, const std::string& at_text) {
  Transaction tx(impl_->db);
  if (!tx.begun()) return tx.begun().error();
  auto found = impl_->find_case(case_id);
  if (!found) return found.error();
  if (!*found)
    return error_of(ErrorKind::not_found,
                    "没有案件 " + case_id + "，请核对案件编号 (no case " + case_id + ")");
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
  auto st = impl_->db.prepare(
      std::string("SELECT ") + kEventColumns +
      " FROM events WHERE case_id = ?1 AND seq >= (SELECT coalesce(max(seq), 0) FROM events "
      "WHERE case_id = ?1 AND action = 'document_check') ORDER BY seq");
  if (!st) return st.error();
  st->bind(1, case_id);
  auto events = internal::all_rows(*st, read_event);
  if (!events) return events.error();
  return check_standing(*events, c->data).check;
}

}  // namespace keydesk
