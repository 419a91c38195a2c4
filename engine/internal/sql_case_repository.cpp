// The case repository in SQL, on SQLite and PostgreSQL alike (internal/sql.h): the queries are
// written once, in SQL both take, and the few the dialects spell differently (JSON built in a
// query, substring search, SQLite's index hint) are chosen by the connection's dialect here.
#include <limits>

#include "common/utf8.h"
#include "engine/case_repository.h"
#include "engine/internal/sql.h"
#include "engine/submission.h"

namespace keydesk {

using internal::Connection;
using internal::Dialect;
using internal::Query;

namespace {

const char* const kCaseColumns =
    "id, procedure, procedure_version, authority, uscc, state, version, due_on, clock_stopped, "
    "closed, opened_at, updated_at, data, due_pending_year, clock_start, clock_days";
// What a case is read by: the columns it is written with, and what triggers keep (migration 7).
const std::string kCaseReadColumns = std::string(kCaseColumns) + ", vendor_handled";

// Binds due_pending_year, clock_start and clock_days from parameter `first` on.
void bind_deadline(Query& st, int first, int pending_year,
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

std::optional<std::string> date_text(const std::optional<Date>& d) {
  return d ? std::optional<std::string>(format_date(*d)) : std::nullopt;
}

// A case's columns (kCaseReadColumns); `summary`: column 12 holds only the enterprise's name
// (as a queue lists it) rather than the submission.
CaseRecord read_columns(const Query& s, bool summary) {
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
  if (summary)
    c.data["enterprise"]["name"] = s.text(12);
  else
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

CaseRecord read_case(const Query& s) { return read_columns(s, false); }
CaseRecord read_case_summary(const Query& s) { return read_columns(s, true); }

const char* const kKeyColumns =
    "login_username, uscc, coalesce(serial, ''), status, coalesce(expires_on, ''), "
    "has_18_digit_code, wrong_pin_entries";

KeyRecord read_key(const Query& s) {
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

const char* const kEventColumns =
    "seq, case_id, at, user_name, role, authority, action, from_state, to_state, outcome, remark, "
    "data, prev_hash, hash";

AuditEvent read_event(const Query& s) {
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

const char* const kOutboxColumns =
    "id, case_id, event_seq, notice, channel, recipient, subject, body, created_at, sent_at, "
    "status, attempts, next_attempt_at, coalesce(last_error, ''), coalesce(message_id, ''), "
    "coalesce(digest_key, '')";

OutboxItem read_outbox(const Query& row) {
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

// How a search (CaseFilter::search, as search_key() makes it) is read.
enum class SearchRead {
  none,   // no search
  scan,   // the search text of every case the other conditions leave (instr, strpos)
  index,  // the cases the trigram index finds (migration 011), their search text checked after
};

// Whether `key` can be found through a trigram index: three characters at least (a shorter
// search holds no run of three), well-formed UTF-8 and no NUL (the index reads characters).
bool has_trigrams(const std::string& key) {
  const auto characters = decode_utf8(key);
  return characters && characters->size() >= 3 && characters->find(U'\0') == std::u32string::npos;
}

// `key` as an FTS5 query: one phrase, the key's runs of three characters each at its place.
std::string fts_phrase(const std::string& key) {
  std::string phrase = "\"";
  for (const char c : key) phrase += c == '"' ? std::string("\"\"") : std::string(1, c);
  return phrase + "\"";
}

// `key` as a LIKE pattern finding it anywhere (PostgreSQL, whose LIKE escapes with '\\').
std::string like_anywhere(const std::string& key) {
  std::string pattern = "%";
  for (const char c : key) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  return pattern + "%";
}

// The WHERE clause of `f` and its arguments (order, limit and offset aside); `search` says how
// its search, if any, is read.
std::string case_where(const CaseFilter& f, std::vector<std::string>& args, bool with_pairs,
                       Dialect dialect, SearchRead search) {
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
  if (with_pairs && f.restricted && f.procedure_states.empty()) where += " AND 1 = 0";
  if (with_pairs && !f.procedure_states.empty()) {
    where += f.pairs_excluded ? " AND NOT (" : " AND (";
    for (size_t i = 0; i < f.procedure_states.size(); ++i) {
      where += i ? " OR (procedure = ? AND state = ?)" : "(procedure = ? AND state = ?)";
      args.push_back(f.procedure_states[i].first);
      args.push_back(f.procedure_states[i].second);
    }
    where += ")";
  }
  const std::string key = search_key(f.search);
  if (search == SearchRead::index && dialect == Dialect::sqlite) {
    // The phrase finds the cases holding each run of three of the key in order; instr() decides.
    where +=
        " AND rowid IN (SELECT rowid FROM cases_search WHERE cases_search MATCH ?) AND "
        "instr(search_text, ?) > 0";
    args.push_back(fts_phrase(key));
    args.push_back(key);
  } else if (search == SearchRead::index) {
    // pg_trgm's GIN index serves LIKE (not strpos), and checks the text of what it finds.
    where += " AND search_text LIKE ?";
    args.push_back(like_anywhere(key));
  } else if (search == SearchRead::scan) {
    where += dialect == Dialect::sqlite ? " AND instr(search_text, ?) > 0"
                                        : " AND strpos(search_text, ?) > 0";
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

class SqlCaseRepository final : public CaseRepository {
 public:
  explicit SqlCaseRepository(std::unique_ptr<Connection> db) : db_(std::move(db)) {}

  Status begin_write() override { return db_->begin_write(); }
  Status commit() override { return db_->commit(); }
  void rollback() override { db_->rollback(); }

  // --- registry ---

  Status store_enterprise(const Enterprise& e) override {
    auto st = db_->prepare(
        "INSERT INTO enterprises (uscc, name, kind, code13, filing_has_uscc) VALUES (?,?,?,?,?) "
        "ON CONFLICT (uscc) DO UPDATE SET name = excluded.name, kind = excluded.kind, "
        "code13 = excluded.code13, filing_has_uscc = excluded.filing_has_uscc");
    if (!st) return st.error();
    st->bind(1, e.uscc).bind(2, e.name).bind(3, e.kind).bind(4, e.code13);
    st->bind(5, static_cast<std::int64_t>(e.filing_has_uscc));
    return st->run();
  }

  Result<std::optional<Enterprise>> enterprise(const std::string& uscc) override {
    auto st = db_->prepare(
        "SELECT uscc, name, kind, coalesce(code13, ''), filing_has_uscc FROM enterprises WHERE "
        "uscc = ?");
    if (!st) return st.error();
    st->bind(1, uscc);
    return internal::first_row(*st, [](const Query& q) {
      return Enterprise{q.text(0), q.text(1), q.text(2), q.text(3), q.integer(4) != 0};
    });
  }

  Status store_key(const KeyRecord& k) override {
    auto st = db_->prepare(
        "INSERT INTO keys (login_username, uscc, serial, status, expires_on, has_18_digit_code, "
        "wrong_pin_entries) VALUES (?,?,?,?,?,?,?) ON CONFLICT (login_username) DO UPDATE SET "
        "uscc = excluded.uscc, serial = excluded.serial, status = excluded.status, "
        "expires_on = excluded.expires_on, has_18_digit_code = excluded.has_18_digit_code, "
        "wrong_pin_entries = excluded.wrong_pin_entries");
    if (!st) return st.error();
    st->bind(1, k.login_username).bind(2, k.uscc).bind(3, k.serial).bind(4, k.status);
    st->bind_optional(
        5, k.expires_on.empty() ? std::nullopt : std::optional<std::string>(k.expires_on));
    st->bind(6, static_cast<std::int64_t>(k.has_18_digit_code));
    st->bind(7, static_cast<std::int64_t>(k.wrong_pin_entries));
    return st->run();
  }

  Result<std::optional<KeyRecord>> key(const std::string& login_username) override {
    auto st =
        db_->prepare(std::string("SELECT ") + kKeyColumns + " FROM keys WHERE login_username = ?");
    if (!st) return st.error();
    st->bind(1, login_username);
    return internal::first_row(*st, read_key);
  }

  Result<std::vector<KeyRecord>> keys_of(const std::string& uscc) override {
    auto st = db_->prepare(std::string("SELECT ") + kKeyColumns +
                           " FROM keys WHERE uscc = ? ORDER BY login_username");
    if (!st) return st.error();
    st->bind(1, uscc);
    return internal::all_rows(*st, read_key);
  }

  // --- procedure versions ---

  Status add_procedure_version(const Procedure& p, const std::string& loaded_at) override {
    auto st = db_->prepare(
        "INSERT INTO procedure_versions (procedure, version, loaded_at, file, source) "
        "VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING");
    if (!st) return st.error();
    st->bind(1, p.id).bind(2, p.version).bind(3, loaded_at).bind(4, p.file).bind(5, p.source);
    return st->run();
  }

  Result<std::optional<ProcedureSource>> procedure_source(const std::string& id,
                                                          const std::string& version) override {
    auto st = db_->prepare(
        "SELECT file, source FROM procedure_versions WHERE procedure = ? AND version = ?");
    if (!st) return st.error();
    st->bind(1, id).bind(2, version);
    return internal::first_row(*st, [](const Query& q) {
      return ProcedureSource{q.text(0), q.text(1)};
    });
  }

  // --- cases ---

  Result<std::optional<CaseRecord>> find_case(const std::string& id) override {
    auto st = db_->prepare("SELECT " + kCaseReadColumns + " FROM cases WHERE id = ?");
    if (!st) return st.error();
    st->bind(1, id);
    return internal::first_row(*st, read_case);
  }

  Status insert_case(const CaseRecord& c) override {
    auto ins = db_->prepare(std::string("INSERT INTO cases (") + kCaseColumns +
                            ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!ins) return ins.error();
    ins->bind(1, c.id).bind(2, c.procedure).bind(3, c.procedure_version).bind(4, c.authority);
    ins->bind(5, c.uscc).bind(6, c.state).bind(7, static_cast<std::int64_t>(c.version));
    ins->bind_optional(8, date_text(c.due));
    ins->bind(9, static_cast<std::int64_t>(c.clock_stopped))
        .bind(10, static_cast<std::int64_t>(c.closed));
    ins->bind(11, c.opened_at).bind(12, c.updated_at).bind(13, c.data.dump());
    bind_deadline(*ins, 14, c.due_pending_year, c.clock);
    if (auto st = ins->run(); !st) return st.error();
    return index_case(c);
  }

  Result<bool> update_case(const CaseRecord& c, long seen, bool resubmitted) override {
    auto up = db_->prepare(
        "UPDATE cases SET state = ?, version = version + 1, due_on = ?, clock_stopped = ?, "
        "closed = ?, updated_at = ?, data = ?, due_pending_year = ?, clock_start = ?, "
        "clock_days = ? WHERE id = ? AND version = ?");
    if (!up) return up.error();
    up->bind(1, c.state);
    up->bind_optional(2, date_text(c.due));
    up->bind(3, static_cast<std::int64_t>(c.clock_stopped))
        .bind(4, static_cast<std::int64_t>(c.closed));
    up->bind(5, c.updated_at).bind(6, c.data.dump());
    bind_deadline(*up, 7, c.due_pending_year, c.clock);
    up->bind(10, c.id).bind(11, static_cast<std::int64_t>(seen));
    if (auto st = up->run(); !st) return st.error();
    if (db_->changes() != 1) return false;
    if (resubmitted)
      if (auto st = index_case(c); !st) return st.error();
    return true;
  }

  Result<bool> set_deadline(const std::string& id, long version, const std::optional<Date>& due,
                            int pending_year) override {
    auto up = db_->prepare(
        "UPDATE cases SET due_on = ?, due_pending_year = ? WHERE id = ? AND version = ? AND "
        "closed = 0");
    if (!up) return up.error();
    up->bind_optional(1, date_text(due));
    if (pending_year)
      up->bind(2, static_cast<std::int64_t>(pending_year));
    else
      up->bind(2, std::nullopt);
    up->bind(3, id).bind(4, static_cast<std::int64_t>(version));
    if (auto st = up->run(); !st) return st.error();
    return db_->changes() == 1;
  }

  Result<std::vector<CaseRecord>> list(const CaseFilter& f) override {
    auto search = search_read(f);
    if (!search) return search.error();
    std::vector<std::string> args;
    std::string where = case_where(f, args, true, db_->dialect(), *search);
    // A search: the matches found first, then only those read and sorted. Walking an order's
    // index instead reads every case of the authority for a search that matches a few (446 ms
    // among 100,000; 5 ms this way). Through the trigram index, by rowid (NOT INDEXED leaves
    // SQLite no index to walk instead); else in cases_tally, which holds every column the
    // filter reads. SQLite only: PostgreSQL's planner chooses its index itself.
    if (db_->dialect() == Dialect::sqlite && *search == SearchRead::index)
      where = "WHERE rowid IN (SELECT rowid FROM cases NOT INDEXED " + where + ")";
    else if (db_->dialect() == Dialect::sqlite && *search == SearchRead::scan && f.uscc.empty())
      where = "WHERE rowid IN (SELECT rowid FROM cases INDEXED BY cases_tally " + where + ")";
    const std::string order = " ORDER BY " + case_order(f.order, f.descending);
    // PostgreSQL: the page's case numbers first, from the order's index alone, then those cases.
    // Read at once, a deep page (OFFSET 50,000) fetched every skipped case from the table (77 ms;
    // 16 ms this way), and the planner walked the primary key backwards past every closed case
    // for the descending case-number order (55 ms; 0.4 ms). The first page by deadline is read
    // at once: its plan is the index already, and the join would cost it a millisecond.
    if (db_->dialect() == Dialect::postgresql &&
        (f.offset > 0 || f.order != CaseOrder::due || f.descending) && f.limit >= 0) {
      args.push_back(std::to_string(f.limit));
      args.push_back(std::to_string(f.offset));
      return query_cases(
          "WHERE id IN (SELECT id FROM cases " + where + order + " LIMIT ? OFFSET ?)" + order, args,
          -1, f.summary, 0, *search);
    }
    return query_cases(where + order, args, f.limit, f.summary, f.offset, *search);
  }

  Result<std::vector<CaseTally>> tally(const CaseFilter& f) override {
    auto read = [](const Query& row) {
      return CaseTally{row.text(0),         row.text(1),
                       row.integer(2) != 0, static_cast<int>(row.integer(3)),
                       row.integer(4) != 0, static_cast<long>(row.integer(5))};
    };
    auto search = search_read(f);
    if (!search) return search.error();
    if (f.uscc.empty() && *search == SearchRead::none) {
      // Nothing to filter by that case_counts does not hold (authority, procedure, state, a
      // pending year, a vendor's hand): the counts kept by migration 006's triggers, rather
      // than counting the cases (a procedure's 80,000 among 200,000: 17 ms).
      auto st = db_->prepare(
          std::string("SELECT procedure, state, closed, pending_year, vendor_handled, sum(count) "
                      "FROM case_counts WHERE count > 0 AND (? = '' OR authority = ?) AND "
                      "(? = '' OR procedure = ?) AND (? = '' OR state = ?)") +
          (f.deadline_pending ? " AND closed = 0 AND pending_year <> 0" : "") +
          (f.vendor_handled ? " AND vendor_handled = 1" : "") +
          " GROUP BY procedure, state, closed, pending_year, vendor_handled");
      if (!st) return st.error();
      st->bind(1, f.authority).bind(2, f.authority).bind(3, f.procedure).bind(4, f.procedure);
      st->bind(5, f.state).bind(6, f.state);
      auto rows = internal::all_rows(*st, read);
      if (!rows) return rows.error();
      std::erase_if(*rows, [&](const CaseTally& t) {
        return f.closed_only ? !t.closed : (!f.include_closed && t.closed);
      });
      return rows;
    }
    std::vector<std::string> args;
    const std::string where = case_where(f, args, false, db_->dialect(), *search);
    const bool by_rowid = db_->dialect() == Dialect::sqlite && *search == SearchRead::index;
    auto st = prepare_search(
        *search,
        "SELECT procedure, state, closed, coalesce(due_pending_year, 0), vendor_handled, count(*) "
        "FROM cases " +
            std::string(by_rowid ? "NOT INDEXED " : "") + where +
            " GROUP BY procedure, state, closed, due_pending_year, vendor_handled");
    if (!st) return st.error();
    int i = 1;
    for (const auto& a : args) st->bind(i++, a);
    return internal::all_rows(*st, read);
  }

  // Served by the partial index cases_open_by_due.
  Result<std::vector<CaseRecord>> by_due_date(bool before, Date day, const std::string& authority,
                                              int limit) override {
    std::vector<std::string> args = {format_date(day)};
    std::string where = std::string("WHERE closed = 0 AND due_on IS NOT NULL AND due_on ") +
                        (before ? "<" : "=") + " ?";
    if (!authority.empty()) {
      where += " AND authority = ?";
      args.push_back(authority);
    }
    return query_cases(where + " ORDER BY " + (before ? "due_on, id" : "id"), args, limit);
  }

  Result<std::map<int, long>> pending_years(const std::string& authority) override {
    auto st = db_->prepare(
        "SELECT due_pending_year, count(*) FROM cases WHERE closed = 0 AND due_pending_year IS "
        "NOT NULL AND (? = '' OR authority = ?) GROUP BY due_pending_year");
    if (!st) return st.error();
    st->bind(1, authority).bind(2, authority);
    auto rows = internal::all_rows(*st, [](const Query& row) {
      return std::make_pair(static_cast<int>(row.integer(0)), static_cast<long>(row.integer(1)));
    });
    if (!rows) return rows.error();
    return std::map<int, long>(rows->begin(), rows->end());
  }

  Result<std::vector<CaseRecord>> clocked() override {
    return query_cases("WHERE closed = 0 AND clock_start IS NOT NULL ORDER BY id", {}, -1);
  }

  // --- audit chain ---

  Result<std::optional<AuditHead>> audit_head() override {
    auto head = db_->prepare("SELECT seq, hash FROM audit_head WHERE id = 1");
    if (!head) return head.error();
    return internal::first_row(*head, [](const Query& q) {
      return AuditHead{static_cast<long>(q.integer(0)), q.text(1)};
    });
  }

  Status append_event(const AuditEvent& e) override {
    auto ins = db_->prepare(
        "INSERT INTO events (seq, case_id, at, user_name, role, authority, action, from_state, "
        "to_state, outcome, remark, data, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!ins) return ins.error();
    ins->bind(1, static_cast<std::int64_t>(e.seq)).bind(2, e.case_id).bind(3, e.at);
    ins->bind(4, e.user).bind(5, e.role).bind(6, e.authority).bind(7, e.action);
    ins->bind(8, e.from).bind(9, e.to).bind(10, e.outcome).bind(11, e.remark);
    ins->bind(12, e.data.dump()).bind(13, e.prev_hash).bind(14, e.hash);
    if (auto st = ins->run(); !st) return st.error();
    auto up = db_->prepare(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash");
    if (!up) return up.error();
    up->bind(1, static_cast<std::int64_t>(e.seq)).bind(2, e.hash);
    return up->run();
  }

  Result<std::vector<AuditEvent>> events_of(const std::string& case_id) override {
    auto st = db_->prepare(std::string("SELECT ") + kEventColumns +
                           " FROM events WHERE case_id = ? ORDER BY seq");
    if (!st) return st.error();
    st->bind(1, case_id);
    return internal::all_rows(*st, read_event);
  }

  Result<std::vector<AuditEvent>> events_since_check(const std::string& case_id) override {
    auto st = db_->prepare(
        std::string("SELECT ") + kEventColumns +
        " FROM events WHERE case_id = ? AND seq >= (SELECT coalesce(max(seq), 0) FROM events "
        "WHERE case_id = ? AND action = 'document_check') ORDER BY seq");
    if (!st) return st.error();
    st->bind(1, case_id).bind(2, case_id);
    return internal::all_rows(*st, read_event);
  }

  Status each_event(const std::function<Status(const AuditEvent&)>& visit) override {
    auto st = db_->prepare(std::string("SELECT ") + kEventColumns + " FROM events ORDER BY seq");
    if (!st) return st.error();
    for (;;) {
      auto row = st->step();
      if (!row) return row.error();
      if (!*row) return internal::ok();
      if (auto done = visit(read_event(*st)); !done) return done;
    }
  }

  // --- outbox ---

  Status add_outbox(const std::string& case_id, long seq, const std::vector<OutboxMessage>& msgs,
                    const std::string& at) override {
    for (const auto& m : msgs) {
      auto st = db_->prepare(
          "INSERT INTO outbox (case_id, event_seq, notice, channel, recipient, subject, body, "
          "created_at) VALUES (?,?,?,?,?,?,?,?)");
      if (!st) return st.error();
      st->bind(1, case_id).bind(2, static_cast<std::int64_t>(seq)).bind(3, m.notice);
      st->bind(4, m.channel).bind(5, m.to).bind(6, m.subject).bind(7, m.body).bind(8, at);
      if (auto r = st->run(); !r) return r.error();
    }
    return internal::ok();
  }

  Result<std::vector<OutboxItem>> outbox(bool unsent_only) override {
    auto st = db_->prepare(std::string("SELECT ") + kOutboxColumns + " FROM outbox " +
                           (unsent_only ? "WHERE status <> 'sent' " : "") + "ORDER BY id");
    if (!st) return st.error();
    return internal::all_rows(*st, read_outbox);
  }

  Result<std::vector<OutboxItem>> outbox_of(const std::string& case_id) override {
    auto st = db_->prepare(std::string("SELECT ") + kOutboxColumns +
                           " FROM outbox WHERE case_id = ? ORDER BY id");
    if (!st) return st.error();
    st->bind(1, case_id);
    return internal::all_rows(*st, read_outbox);
  }

  Result<std::optional<OutboxItem>> outbox_item(const std::string& case_id, long id) override {
    auto sel = db_->prepare(std::string("SELECT ") + kOutboxColumns +
                            " FROM outbox WHERE id = ? AND case_id = ?");
    if (!sel) return sel.error();
    sel->bind(1, static_cast<std::int64_t>(id)).bind(2, case_id);
    return internal::first_row(*sel, read_outbox);
  }

  Result<long> outbox_pending() override {
    return count_of(*db_,
                    "SELECT count(*) FROM outbox WHERE status = 'pending' AND channel = 'email'");
  }

  Result<std::vector<OutboxItem>> outbox_due(std::int64_t now, int limit) override {
    auto st = db_->prepare(std::string("SELECT ") + kOutboxColumns +
                           " FROM outbox WHERE status = 'pending' AND channel = 'email' AND "
                           "next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?");
    if (!st) return st.error();
    st->bind(1, now).bind(2, static_cast<std::int64_t>(limit));
    return internal::all_rows(*st, read_outbox);
  }

  Result<std::optional<OutboxItem>> claim_outbox(long id, std::int64_t now, std::int64_t retry_at,
                                                 const std::string& message_id) override {
    auto up = db_->prepare(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, "
        "message_id = coalesce(message_id, ?) WHERE id = ? AND status = 'pending' AND "
        "next_attempt_at <= ?");
    if (!up) return up.error();
    up->bind(1, retry_at).bind(2, message_id).bind(3, static_cast<std::int64_t>(id)).bind(4, now);
    if (auto st = up->run(); !st) return st.error();
    if (db_->changes() != 1) return std::optional<OutboxItem>();
    auto sel = db_->prepare(std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE id = ?");
    if (!sel) return sel.error();
    sel->bind(1, static_cast<std::int64_t>(id));
    auto item = internal::first_row(*sel, read_outbox);
    if (item && !*item)
      return Error{"outbox message " + std::to_string(id) + " vanished while claimed"};
    return item;
  }

  Status mark_outbox_sent(long id, const std::string& at_text) override {
    auto st = db_->prepare(
        "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ?");
    if (!st) return st.error();
    st->bind(1, at_text).bind(2, static_cast<std::int64_t>(id));
    return st->run();
  }

  Status mark_outbox_retry(long id, const std::string& error) override {
    auto st = db_->prepare("UPDATE outbox SET last_error = ? WHERE id = ? AND status = 'pending'");
    if (!st) return st.error();
    st->bind(1, error).bind(2, static_cast<std::int64_t>(id));
    return st->run();
  }

  Status mark_outbox_failed(long id, const std::string& error) override {
    auto st = db_->prepare(
        "UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ? AND status = "
        "'pending'");
    if (!st) return st.error();
    st->bind(1, error).bind(2, static_cast<std::int64_t>(id));
    return st->run();
  }

  Result<bool> reopen_outbox(long id, std::int64_t now) override {
    auto up = db_->prepare(
        "UPDATE outbox SET status = 'pending', next_attempt_at = ? WHERE id = ? AND status = "
        "'failed'");
    if (!up) return up.error();
    up->bind(1, now).bind(2, static_cast<std::int64_t>(id));
    if (auto st = up->run(); !st) return st.error();
    return db_->changes() == 1;
  }

  Result<bool> add_digest(const OutboxMessage& m, const std::string& digest_key,
                          const std::string& created_at) override {
    auto st = db_->prepare(
        "INSERT INTO outbox (case_id, event_seq, notice, channel, recipient, subject, body, "
        "created_at, digest_key) VALUES ('', 0, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (digest_key) WHERE digest_key IS NOT NULL DO NOTHING");
    if (!st) return st.error();
    st->bind(1, m.notice).bind(2, m.channel).bind(3, m.to).bind(4, m.subject).bind(5, m.body);
    st->bind(6, created_at).bind(7, digest_key);
    if (auto r = st->run(); !r) return r.error();
    return db_->changes() == 1;
  }

  Result<std::string> change_mark() override { return db_->change_mark(); }

 private:
  // How `f`'s search is read. Through the trigram index when it can be (has_trigrams) and, on
  // SQLite, the index finds at most 1,000 cases or a tenth of them all: past that, looking up
  // each case it finds costs more than reading the search text of every case in cases_tally
  // (counting a search that every case among 200,000 holds: 430 ms that way, 86 ms in
  // cases_tally). PostgreSQL's planner weighs that itself, each search planned for its text
  // (prepare_search; README: issue 23's searches).
  Result<SearchRead> search_read(const CaseFilter& f) {
    const std::string key = search_key(f.search);
    if (key.empty()) return SearchRead::none;
    if (!has_trigrams(key)) return SearchRead::scan;
    if (db_->dialect() == Dialect::postgresql) return SearchRead::index;
    auto st = db_->prepare(
        "WITH most (n) AS (SELECT max(1000, coalesce(sum(count), 0) / 10) FROM case_counts) "
        "SELECT count(*) <= (SELECT n FROM most) FROM (SELECT 1 FROM cases_search WHERE "
        "cases_search MATCH ? LIMIT (SELECT n FROM most) + 1)");
    if (!st) return st.error();
    st->bind(1, fts_phrase(key));
    auto row = st->step();
    if (!row) return row.error();
    const bool few = *row && st->integer(0) != 0;
    st->reset();
    return few ? SearchRead::index : SearchRead::scan;
  }

  // A statement for `sql`, planned for the text searched when `search` reads one
  // (Connection::prepare_per_value): on PostgreSQL a text every case holds wants another plan
  // than a text a few hold (counting 有限公司 among 200,000 cases: 130 ms by the plan kept for
  // every text, 90 ms by its own; its page 66 ms, 0.2 ms).
  Result<Query> prepare_search(SearchRead search, const std::string& sql) {
    return search == SearchRead::none ? db_->prepare(sql) : db_->prepare_per_value(sql);
  }

  Result<std::vector<CaseRecord>> query_cases(const std::string& where_order,
                                              const std::vector<std::string>& args, int limit,
                                              bool summary = false, long offset = 0,
                                              SearchRead search = SearchRead::none) {
    std::string columns = kCaseReadColumns;
    if (summary) columns.replace(columns.rfind("data"), 4, "enterprise_name");
    auto st = prepare_search(
        search, "SELECT " + columns + " FROM cases " + where_order + " LIMIT ? OFFSET ?");
    if (!st) return st.error();
    int i = 1;
    for (const auto& a : args) st->bind(i++, a);
    // No limit (-1) as a number both dialects take (PostgreSQL refuses a negative LIMIT).
    st->bind(
        i, limit < 0 ? std::numeric_limits<std::int64_t>::max() : static_cast<std::int64_t>(limit));
    st->bind(i + 1, static_cast<std::int64_t>(offset));
    return internal::all_rows(*st, summary ? read_case_summary : read_case);
  }

  // What the queue sorts and searches a case by (migration 006), from its submission.
  Status index_case(const CaseRecord& c) {
    auto st = db_->prepare("UPDATE cases SET enterprise_name = ?, search_text = ? WHERE id = ?");
    if (!st) return st.error();
    st->bind(1, text_at(c.data, "/enterprise/name"))
        .bind(2, search_text(c.id, c.uscc, c.data))
        .bind(3, c.id);
    return st->run();
  }

  std::unique_ptr<Connection> db_;
};

}  // namespace

Result<std::unique_ptr<CaseRepository>> open_case_repository(const std::string& target) {
  return internal::open_repository<CaseRepository, SqlCaseRepository>(target);
}

std::unique_ptr<CaseRepository> case_repository_on(
    std::unique_ptr<internal::Connection> connection) {
  return std::make_unique<SqlCaseRepository>(std::move(connection));
}

}  // namespace keydesk
