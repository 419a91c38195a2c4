// workflow_bench: the case store under a reissue loop driven by one or many clients, and the
// overdue list among many open cases, on SQLite or PostgreSQL (the store as the engine opens it:
// CaseStore::open on a path or a postgresql:// URI).
//
// Usage: workflow_bench [loop|overdue|all] [--cases N] [--clients N] [--db PATH|URI]
//                       [--rules DIR] [--order sequential|interleaved]
//                       [--synchronous store|normal|full] [--server-pid PID]
//                       [--overdue-cases N] [--overdue-db PATH|URI] [--runs R]
//                       [--today YYYY-MM-DD] [--limit-ms MS]
//
// loop (default 10,000 cases): a fresh database (an SQLite FILE, made anew; a PostgreSQL URI
//   must name an empty database, which the script makes for each run); the registry (one
//   enterprise and one key per case) is imported, then every case is opened and driven through
//   rules/procedures/reissue.yaml along the route read from the file (plan_route): the failed
//   authority review that returns it, the enterprise's resubmission, the review passed, and then
//   the first forward action of each state to the final state. With the procedure of
//   2026-11-24 that is
//     open → fail_review → resubmit → pass_review → send_to_vendor → receive_at_vendor
//          → pass_vendor_review → ship_key (effect reissue_key) → receive_key → hand_over
//   i.e. 10 committed transactions per case (open + 9 actions), each one CaseStore::open_case or
//   CaseStore::act naming the version it saw. --clients N: N threads, each with its own
//   CaseStore (its own connection), each driving its share of the cases (case i to client
//   i mod N), all at once; an action told the database is busy (SQLite's 5 s busy timeout run
//   out) is tried again and counted. Timed: the loop only (not the import, not opening the
//   stores). Afterwards, on a store of its own, every case must be in the final state (closed,
//   version = transactions per case), every key must carry its new serial, the outbox must hold
//   the route's notices (one activation e-mail) per case, and verify_audit() must find one event
//   per transaction and no problem; otherwise exit 1.
//   --synchronous: "store" (default) keeps what the store runs with: on SQLite WAL with
//   synchronous=FULL (the WAL is fsynced at every commit, so a commit survives a power cut); on
//   PostgreSQL the server's synchronous_commit (on: a commit waits for its WAL to be flushed).
//   "normal" relaxes it: SQLite synchronous=NORMAL set on the store's own connection right after
//   it opened (a commit survives a crash of the process; the WAL is fsynced at checkpoints; the
//   connection is captured with sqlite3_auto_extension), PostgreSQL synchronous_commit=off in
//   the URI's options (a commit returns before its WAL is flushed; the WAL writer flushes it
//   within 200 ms; a crash of the server may lose the last commits, never half of one). "full":
//   SQLite synchronous=FULL, PostgreSQL synchronous_commit=on. The engine is not changed.
//   Where the time goes (store_probes.h), over the timed loop: this process's CPU time (the
//   engine's own work and the database client; on SQLite the database too), the PostgreSQL
//   server's CPU time (--server-pid: its postmaster, read from /proc), the flushes at commit
//   (SQLite: every xSync of a VFS that times them, the store opened on it by a file: URI;
//   PostgreSQL: pg_stat_wal's wal_sync and wal_sync_time, timed when track_wal_io_timing is on)
//   and SQLite's busy-handler sleeps (writers waiting for the write lock).
// overdue (default 1,000,000 open cases): CaseStore creates the schema, then rows are inserted
//   into `cases` directly, 500 to a statement, in one transaction (on PostgreSQL with the
//   triggers on cases off meanwhile and the tabs' counts made after, as keydesk db copy does;
//   then VACUUM ANALYZE, as a database that has served a while is), with a spread of states and
//   due dates, the same rows on both; a few thousand are due before --today.
//   CaseStore::overdue(today, "", 1000) is then timed: one warm-up run, then --runs runs
//   (default 20); PASS when the median and the max are both under --limit-ms (default 50). The
//   rows returned are checked (count, order, all overdue). The database's part is timed apart
//   (query_median_ms: the same query on a connection of the engine's own, every column read as
//   text, no submission parsed). The plan is reported: SQLite's EXPLAIN QUERY PLAN; on
//   PostgreSQL EXPLAIN (ANALYZE, BUFFERS) of the statement prepared as the engine prepares it,
//   executed 6 times (so the plan cache's choice after 5 runs shows).
//
// Output: one JSON line per measurement on stdout (like calendar_bench); progress on stderr.
// Exit 1 on any failure, 2 when the overdue timing fails its limit.
// Files: this one (options, the database, the inputs), workflow_loop.cpp, workflow_overdue.cpp,
// store_probes.cpp (where the time goes); bench/run_workflow.sh runs it and workflow_summary.py
// makes the tables.
#include "bench/workflow_bench.h"

#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <boost/date_time/gregorian/gregorian.hpp>

#include "bench/store_probes.h"
#include "engine/rules.h"

namespace keydesk::workflow_bench {

namespace {

long parse_long(const std::string& flag, const std::string& v) {
  long n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || n <= 0)
    fail(flag + ": expected a positive whole number, not '" + v + "'");
  return n;
}

Options parse_options(int argc, char** argv) {
  Options o;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) fail(args[i] + " needs a value");
      return args[++i];
    };
    const std::string& a = args[i];
    if (a == "loop" || a == "overdue" || a == "all")
      o.mode = a;
    else if (a == "--cases")
      o.cases = parse_long(a, value());
    else if (a == "--clients")
      o.clients = parse_long(a, value());
    else if (a == "--db")
      o.db = value();
    else if (a == "--rules")
      o.rules = value();
    else if (a == "--order")
      o.order = value();
    else if (a == "--synchronous")
      o.synchronous = value();
    else if (a == "--server-pid")
      o.server_pid = parse_long(a, value());
    else if (a == "--overdue-cases")
      o.overdue_cases = parse_long(a, value());
    else if (a == "--overdue-db")
      o.overdue_db = value();
    else if (a == "--runs")
      o.runs = static_cast<int>(parse_long(a, value()));
    else if (a == "--today")
      o.today = value();
    else if (a == "--limit-ms")
      o.limit_ms = static_cast<double>(parse_long(a, value()));
    else
      fail(
          "usage: workflow_bench [loop|overdue|all] [--cases N] [--clients N] [--db PATH|URI] "
          "[--rules DIR] [--order sequential|interleaved] [--synchronous store|normal|full] "
          "[--server-pid PID] [--overdue-cases N] [--overdue-db PATH|URI] [--runs R] "
          "[--today YYYY-MM-DD] [--limit-ms MS]");
  }
  if (o.order != "sequential" && o.order != "interleaved")
    fail("--order: sequential or interleaved, not '" + o.order + "'");
  if (o.synchronous != "store" && o.synchronous != "normal" && o.synchronous != "full")
    fail("--synchronous: store, normal or full, not '" + o.synchronous + "'");
  if (o.clients > o.cases) fail("--clients: at most one client a case");
  if (!keydesk::parse_date(o.today)) fail("--today: " + keydesk::why_not_a_date(o.today));
  return o;
}

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    std::filesystem::remove(path + suffix);
  if (auto dir = std::filesystem::path(path).parent_path(); !dir.empty())
    std::filesystem::create_directories(dir);
}

// The newest SQLite connection opened in this process (CaseStore's, right after CaseStore::open).
sqlite3* g_last_connection = nullptr;

extern "C" int remember_connection(sqlite3* db, char**, const sqlite3_api_routines*) {
  g_last_connection = db;
  return SQLITE_OK;
}

std::string pragma_text(sqlite3* db, const char* pragma) {
  sqlite3_stmt* st = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, pragma, -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    if (const unsigned char* t = sqlite3_column_text(st, 0)) out = reinterpret_cast<const char*>(t);
  sqlite3_finalize(st);
  return out;
}

}  // namespace

void fail(const std::string& message) {
  std::cerr << "workflow_bench: " << message << '\n';
  std::exit(1);
}

std::string error_text(const keydesk::Error& e, const std::string& what) {
  std::string message = what + ": " + e.message;
  if (!e.diagnostics.empty()) message += "\n" + keydesk::format_all(e.diagnostics);
  return message;
}

void must_ok(const keydesk::Status& st, const std::string& what) {
  if (!st.ok()) fail(error_text(st.error(), what));
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string json_escape(const std::string& s) { return json(s).dump(); }

// --- the database: an SQLite file or a PostgreSQL database ----------------------------------

Backend backend_for(const std::string& db, const std::string& synchronous) {
  Backend b;
  b.db = db;
  b.postgresql = keydesk::is_database_server(db);
  if (!b.postgresql) {
    remove_db(db);
    b.target = keydesk::bench::TimedVfs::uri(db);
  } else {
    b.target = db;
    if (synchronous != "store")
      b.target += std::string(db.find('?') == std::string::npos ? "?" : "&") +
                  "options=-c%20synchronous_commit%3D" + (synchronous == "normal" ? "off" : "on");
  }
  return b;
}

std::unique_ptr<Connection> side_connection(const Backend& b) {
  auto db = must(keydesk::internal::connect(b.target), "open " + keydesk::database_shown(b.db));
  if (b.postgresql &&
      must(keydesk::internal::count_of(*db, "SELECT count(*) FROM cases"), "count cases") != 0)
    fail(keydesk::database_shown(b.db) + " holds cases: the benchmark needs an empty database");
  return db;
}

std::uintmax_t database_bytes(const Backend& b, Connection& db) {
  if (!b.postgresql) return std::filesystem::file_size(b.db);
  return static_cast<std::uintmax_t>(
      must(keydesk::internal::count_of(db, "SELECT pg_database_size(current_database())"), "size"));
}

CaseStore open_store(const Backend& b, const std::string& synchronous, Durability& durability) {
  g_last_connection = nullptr;
  CaseStore store = must(CaseStore::open(b.target), "open " + keydesk::database_shown(b.db));
  if (b.postgresql) return store;
  sqlite3* db = g_last_connection;
  if (!db) fail("the store's connection was not captured (sqlite3_auto_extension)");
  if (synchronous != "store") {
    char* message = nullptr;
    if (sqlite3_exec(db, ("PRAGMA synchronous=" + synchronous).c_str(), nullptr, nullptr,
                     &message) != SQLITE_OK)
      fail(std::string("PRAGMA synchronous: ") + (message ? message : "failed"));
  }
  durability.journal_mode = pragma_text(db, "PRAGMA journal_mode");
  const std::string level = pragma_text(db, "PRAGMA synchronous");
  durability.synchronous = level == "0"   ? "off"
                           : level == "1" ? "normal"
                           : level == "2" ? "full"
                                          : "extra";
  return store;
}

void server_durability(Connection& db, Durability& durability) {
  auto st = must(db.prepare("SELECT current_setting('synchronous_commit'), "
                            "current_setting('fsync')"),
                 "read the server's settings");
  if (!must(st.step(), "read the server's settings")) fail("no settings");
  durability.synchronous = st.text(0);
  durability.fsync = st.text(1);
  st.reset();
}

// --- shared inputs ----------------------------------------------------------------------------

Rules load_rules(const std::string& dir) {
  const std::filesystem::path root(dir);
  auto procedure = must(keydesk::load_procedure(root / "procedures" / "reissue.yaml"),
                        "load the reissue procedure");
  auto counter = must(keydesk::load_counter_config(root / "counter.yaml"), "load counter.yaml");
  auto calendar =
      must(keydesk::calendar_for(procedure, root, counter), "load the procedure's calendar");
  return Rules{std::move(procedure), std::move(counter), std::move(calendar)};
}

std::vector<Date> working_days_2026(const WorkingCalendar& cal, Date from) {
  std::vector<Date> out;
  for (Date d = from; d.year() == 2026; d += boost::gregorian::days(1))
    if (must(cal.is_working_day(d), "is_working_day")) out.push_back(d);
  return out;
}

std::string pad(long n, int width) {
  std::string s = std::to_string(n);
  return std::string(static_cast<std::size_t>(std::max(0, width - static_cast<int>(s.size()))),
                     '0') +
         s;
}

std::string uscc_of(long i) { return "9131000" + pad(i, 11); }
std::string username_of(long i) { return "u" + pad(i, 8); }
std::string case_id_of(long i) { return "R2026-" + pad(i, 7); }

json submission_of(long i, const std::string& submitted_at) {
  return {{"id", "S" + pad(i, 9)},
          {"procedure", "reissue"},
          {"channel", "paper"},
          {"submitted_at", submitted_at},
          {"reason", "丢失"},
          {"enterprise", {{"uscc", uscc_of(i)}, {"name", "示例贸易有限公司" + pad(i, 6)}}},
          {"applicant",
           {{"login_username", username_of(i)}, {"email", username_of(i) + "@example.cn"}}},
          {"materials",
           {{{"type", "application_form"}, {"file", "application_form.jpg"}},
            {{"type", "trade_filing_form"}, {"file", "trade_filing_form.jpg"}},
            {{"type", "business_licence"}, {"file", "business_licence.jpg"}},
            {{"type", "id_card_copy"}, {"file", "id_card_copy.jpg"}},
            {{"type", "power_of_attorney"}, {"file", "power_of_attorney.jpg"}}}}};
}

std::string iso_at(Date d, int minutes) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:00+08:00", keydesk::format_date(d).c_str(),
                minutes / 60, minutes % 60);
  return buf;
}

}  // namespace keydesk::workflow_bench

int main(int argc, char** argv) {
  using namespace keydesk::workflow_bench;
  const Options o = parse_options(argc, argv);
  if (sqlite3_auto_extension(reinterpret_cast<void (*)(void)>(&remember_connection)) != SQLITE_OK)
    fail("sqlite3_auto_extension failed");
  const Rules rules = load_rules(o.rules);
  int status = 0;
  if (o.mode == "loop" || o.mode == "all") status = std::max(status, run_loop(o, rules));
  if (status != 1 && (o.mode == "overdue" || o.mode == "all"))
    status = std::max(status, run_overdue(o, rules));
  return status;
}
