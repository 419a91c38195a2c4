// What workflow_bench's parts share (workflow_bench.cpp: options, the database, the inputs;
// workflow_loop.cpp: the reissue loop; workflow_overdue.cpp: the overdue list). The benchmark is
// described in workflow_bench.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/calendar.h"
#include "engine/case_store.h"
#include "engine/counter.h"
#include "engine/internal/sql.h"
#include "engine/procedure.h"

#ifndef KEYDESK_BENCH_RULES
#define KEYDESK_BENCH_RULES "rules"
#endif
#ifndef KEYDESK_BENCH_OUT
#define KEYDESK_BENCH_OUT "bench/out"
#endif

namespace keydesk::workflow_bench {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;
using internal::Connection;

inline const char* const kAuthority = "示例省商务厅（发证机构）";

struct Options {
  std::string mode = "all";
  long cases = 10000;
  long clients = 1;
  std::string db = std::string(KEYDESK_BENCH_OUT) + "/workflow_loop.db";
  std::string rules = KEYDESK_BENCH_RULES;
  std::string order = "sequential";
  std::string synchronous = "store";
  long server_pid = 0;  // 0: not given
  long overdue_cases = 1000000;
  std::string overdue_db = std::string(KEYDESK_BENCH_OUT) + "/workflow_overdue.db";
  int runs = 20;
  std::string today = "2026-11-24";
  double limit_ms = 50;
};

// --- failing: a message on stderr, exit 1 ---
[[noreturn]] void fail(const std::string& message);
std::string error_text(const Error& e, const std::string& what);
template <class T>
T must(Result<T> r, const std::string& what) {
  if (!r.ok()) fail(error_text(r.error(), what));
  return std::move(r).value();
}
void must_ok(const Status& st, const std::string& what);

double seconds_since(Clock::time_point start);
std::string json_escape(const std::string& s);

// --- the database: an SQLite file or a PostgreSQL database ---

// Where a run's store lives, and how it is opened.
struct Backend {
  bool postgresql = false;
  std::string db;      // as given (--db, --overdue-db)
  std::string target;  // as CaseStore::open takes it: the file on the timed VFS, or the URI

  const char* name() const { return postgresql ? "postgresql" : "sqlite"; }
};

// `db` as the store will be opened: an SQLite file made anew on the timed VFS, or a PostgreSQL
// URI with synchronous_commit set in its options when `synchronous` asks for it.
Backend backend_for(const std::string& db, const std::string& synchronous);
// A connection of the engine's own (internal::connect) to the same database, for what the
// benchmark reads beside the store: statistics, the plan, the size; and on PostgreSQL the
// check that the database is empty.
std::unique_ptr<Connection> side_connection(const Backend& b);
std::uintmax_t database_bytes(const Backend& b, Connection& db);

// How a store's commits reach the disk, as reported.
struct Durability {
  std::string journal_mode;  // SQLite: wal; PostgreSQL: "" (always a WAL)
  std::string synchronous;   // SQLite: full, normal, …; PostgreSQL: synchronous_commit
  std::string fsync;         // PostgreSQL: the server's fsync; SQLite: ""
};
// Opens the store (one at a time: the SQLite connection is captured right after it opens; main()
// registers the capture); on SQLite "normal"/"full" then set synchronous on its connection.
CaseStore open_store(const Backend& b, const std::string& synchronous, Durability& durability);
// PostgreSQL's synchronous_commit and fsync on `db` (a connection opened with the store's URI).
void server_durability(Connection& db, Durability& durability);

// --- shared inputs ---

struct Rules {
  Procedure procedure;
  CounterConfig counter;
  WorkingCalendar calendar;
};
Rules load_rules(const std::string& dir);
// The working days of 2026 from `from` on (the calendar data ends with 2026).
std::vector<Date> working_days_2026(const WorkingCalendar& cal, Date from);
std::string pad(long n, int width);
std::string uscc_of(long i);
std::string username_of(long i);
std::string case_id_of(long i);
json submission_of(long i, const std::string& submitted_at);
// "2026-03-02T10:15:00+08:00", counter-local.
std::string iso_at(Date d, int minutes);

// --- the two benchmarks: 0, or 1 on failure (2: the overdue query missed its limit) ---
int run_loop(const Options& o, const Rules& rules);
int run_overdue(const Options& o, const Rules& rules);

}  // namespace keydesk::workflow_bench
