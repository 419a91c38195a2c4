// workflow_bench's overdue list among many open cases (workflow_bench.cpp describes it).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <boost/date_time/gregorian/gregorian.hpp>

#include "bench/store_probes.h"
#include "bench/workflow_bench.h"
#include "engine/workflow.h"

namespace keydesk::workflow_bench {

namespace {

// --- overdue among many open cases ------------------------------------------------------------

struct OpenState {
  const char* state;
  int weight;    // per 100
  bool due;      // has a due date
  bool stopped;  // the clock is stopped (returned to the enterprise)
  int version;
};

const OpenState kOpenStates[] = {
    {"authority_review", 35, true, false, 1}, {"returned", 10, false, true, 2},
    {"to_vendor", 8, false, false, 2},        {"vendor_review", 25, true, false, 3},
    {"key_production", 12, true, false, 4},   {"key_in_transit", 5, false, false, 5},
    {"ready_for_pickup", 5, false, false, 6},
};

// Rows a seeding INSERT writes (12 parameters each: 6,000 a statement, under either database's
// limit).
constexpr long kRowsPerInsert = 500;

// "INSERT INTO cases (…) VALUES (…), (…), …" for `rows` rows.
std::string insert_cases_sql(long rows) {
  std::string sql =
      "INSERT INTO cases (id, procedure, procedure_version, authority, uscc, state, version, "
      "due_on, clock_stopped, closed, opened_at, updated_at, data) VALUES ";
  for (long r = 0; r < rows; ++r)
    sql += r ? ",(?,?,?,?,?,?,?,?,?,0,?,?,?)" : "(?,?,?,?,?,?,?,?,?,0,?,?,?)";
  return sql;
}

// Fills the store `b` with `o.overdue_cases` open cases; returns how many are due before `today`.
long build_overdue_db(const Options& o, const Rules& rules, Date today, const Backend& b,
                      Connection& db) {
  const auto start = Clock::now();
  {
    // CaseStore creates the schema and records the procedure version the rows refer to.
    Durability durability;
    CaseStore store = open_store(b, "store", durability);
    must_ok(store.remember(rules.procedure, iso_at(today, 9 * 60)), "remember the procedure");
  }
  // Due dates are working days: up to 20 before today (overdue), or today to 10 after.
  const std::vector<Date> days = working_days_2026(rules.calendar, Date(2026, 1, 5));
  const auto today_it = std::lower_bound(days.begin(), days.end(), today);
  if (today_it - days.begin() < 40 || days.end() - today_it < 11)
    fail("--today must leave 40 working days of 2026 before it and 10 after it");
  const auto t = static_cast<std::size_t>(today_it - days.begin());

  // One transaction. On PostgreSQL the triggers on cases (the tabs' counts, the change mark) are
  // off while the rows go in, as keydesk db copy has them (store_copy.cpp): counted one row at a
  // time, a million rows in one transaction take minutes (each row's count is a new version of
  // one of a few hundred rows); the counts are then made in one statement, as migration 7 does.
  must_ok(db.exec(b.postgresql ? "BEGIN; ALTER TABLE cases DISABLE TRIGGER USER"
                               : "PRAGMA synchronous=OFF; PRAGMA cache_size=-524288; BEGIN"),
          "begin");
  std::mt19937_64 rng(20261124);
  std::uniform_int_distribution<int> pick_state(0, 99), pick_late(1, 20), pick_ahead(0, 10),
      pick_age(21, 39), pick_authority(1, 31);
  std::bernoulli_distribution overdue(0.005);
  long overdue_count = 0;
  for (long first = 0; first < o.overdue_cases; first += kRowsPerInsert) {
    const long rows = std::min(kRowsPerInsert, o.overdue_cases - first);
    auto ins = must(db.prepare(insert_cases_sql(rows)), "prepare insert");
    int col = 1;
    auto text = [&](const std::string& v) { ins.bind(col++, v); };
    for (long i = first; i < first + rows; ++i) {
      int roll = pick_state(rng);
      const OpenState* s = &kOpenStates[0];
      for (const auto& candidate : kOpenStates) {
        if (roll < candidate.weight) {
          s = &candidate;
          break;
        }
        roll -= candidate.weight;
      }
      std::optional<Date> due;
      if (s->due) {
        if (overdue(rng)) {
          due = days[t - static_cast<std::size_t>(pick_late(rng))];
          ++overdue_count;
        } else {
          due = days[t + static_cast<std::size_t>(pick_ahead(rng))];
        }
      }
      const Date opened = days[t - static_cast<std::size_t>(pick_age(rng))];
      const std::string opened_at = iso_at(opened, 9 * 60 + static_cast<int>(i % 420));
      const std::string updated_at =
          iso_at(due ? *due - boost::gregorian::days(1) : opened, 16 * 60);
      text("C2026-" + pad(i, 8));
      text(rules.procedure.id);
      text(rules.procedure.version);
      text("省级商务主管部门" + pad(pick_authority(rng), 2));
      text(uscc_of(i));
      text(s->state);
      ins.bind(col++, std::int64_t{s->version});
      if (due)
        text(keydesk::format_date(*due));
      else
        ins.bind(col++, std::nullopt);
      ins.bind(col++, std::int64_t{s->stopped ? 1 : 0});
      text(opened_at);
      text(updated_at);
      text(submission_of(i, opened_at).dump());
    }
    must_ok(ins.run(), "insert cases");
    const long done = first + rows;
    if (done % 250000 == 0) std::cerr << "workflow_bench: " << done << " cases inserted\n";
  }
  if (b.postgresql)
    must_ok(db.exec("ALTER TABLE cases ENABLE TRIGGER USER; DELETE FROM case_counts; "
                    "INSERT INTO case_counts SELECT authority, procedure, state, closed, "
                    "coalesce(due_pending_year, 0), vendor_handled, count(*) FROM cases GROUP BY "
                    "authority, procedure, state, closed, coalesce(due_pending_year, 0), "
                    "vendor_handled"),
            "count the cases");
  must_ok(db.exec("COMMIT"), "commit");
  const double insert_seconds = seconds_since(start);
  must_ok(db.exec(b.postgresql ? "VACUUM ANALYZE cases" : "PRAGMA wal_checkpoint(TRUNCATE)"),
          b.postgresql ? "vacuum analyze" : "checkpoint");
  std::cerr << "workflow_bench: " << b.name() << " overdue database built in "
            << seconds_since(start) << " s (inserts " << insert_seconds << " s)\n";
  return overdue_count;
}

// The query CaseStore::overdue runs (internal/sql_case_repository.cpp: by_due_date and
// query_cases), with PostgreSQL's numbered parameters.
const char* const kOverdueQuery =
    "SELECT id, procedure, procedure_version, authority, uscc, state, version, due_on, "
    "clock_stopped, closed, opened_at, updated_at, data, due_pending_year, clock_start, "
    "clock_days, vendor_handled FROM cases WHERE closed = 0 AND due_on IS NOT NULL AND due_on < $1 "
    "ORDER BY due_on, id LIMIT $2 OFFSET $3";

// The plan the database picks for that query: SQLite's EXPLAIN QUERY PLAN; PostgreSQL's EXPLAIN
// (ANALYZE, BUFFERS) of the statement prepared as the engine prepares it (parameter types left to
// the server), on its sixth execution, after which the plan cache may have chosen a generic plan.
std::string overdue_plan(const Backend& b, Connection& db, const std::string& today, int limit) {
  std::string plan;
  if (!b.postgresql) {
    std::string sql = kOverdueQuery;
    for (const char* p : {"$1", "$2", "$3"}) sql.replace(sql.find(p), 2, "?");
    auto st = must(db.prepare("EXPLAIN QUERY PLAN " + sql), "explain");
    st.bind(1, today).bind(2, std::int64_t{limit}).bind(3, std::int64_t{0});
    while (must(st.step(), "explain")) plan += (plan.empty() ? "" : "; ") + st.text(3);
    st.reset();
    return plan;
  }
  must_ok(db.exec(std::string("PREPARE keydesk_overdue AS ") + kOverdueQuery), "prepare");
  const std::string execute = "EXPLAIN (ANALYZE, BUFFERS) EXECUTE keydesk_overdue('" + today +
                              "', " + std::to_string(limit) + ", 0)";
  for (int run = 1; run <= 6; ++run) {
    auto st = must(db.prepare(execute), "explain");
    std::string text;
    while (must(st.step(), "explain")) {
      std::string line = st.text(0);
      line.erase(0, line.find_first_not_of(' '));
      text += (text.empty() ? "" : "; ") + line;
    }
    st.reset();
    plan = text;
  }
  must_ok(db.exec("DEALLOCATE keydesk_overdue"), "deallocate");
  return plan;
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// The database's part of CaseStore::overdue: the same query on a connection of the engine's own,
// every column of every row read as text, nothing parsed (`runs` runs after a warm-up, in ms).
std::vector<double> overdue_query_ms(Connection& db, const std::string& today, int limit,
                                     int runs) {
  std::string sql = kOverdueQuery;
  for (const char* p : {"$1", "$2", "$3"}) sql.replace(sql.find(p), 2, "?");
  std::vector<double> ms;
  std::size_t bytes = 0;
  for (int run = 0; run <= runs; ++run) {
    const auto t0 = Clock::now();
    auto st = must(db.prepare(sql), "prepare the overdue query");
    st.bind(1, today).bind(2, std::int64_t{limit}).bind(3, std::int64_t{0});
    while (must(st.step(), "overdue query"))
      for (int c = 0; c < 17; ++c) bytes += st.text(c).size();
    st.reset();
    if (run > 0) ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  if (bytes == 0) fail("the overdue query returned nothing");
  return ms;
}

}  // namespace

int run_overdue(const Options& o, const Rules& rules) {
  const Date today = *keydesk::parse_date(o.today);
  const Backend backend = backend_for(o.overdue_db, "store");
  std::unique_ptr<Connection> side = side_connection(backend);
  const long expected_overdue = build_overdue_db(o, rules, today, backend, *side);
  const int limit = 1000;
  const auto expected_rows = static_cast<std::size_t>(std::min<long>(limit, expected_overdue));

  Durability durability;
  CaseStore store = open_store(backend, "store", durability);
  std::vector<double> ms;
  double first_ms = 0;
  std::string problem;
  for (int run = 0; run <= o.runs; ++run) {
    const auto t0 = Clock::now();
    auto rows = must(store.overdue(today, "", limit), "overdue");
    const double elapsed = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (run == 0)
      first_ms = elapsed;  // the warm-up: not counted
    else
      ms.push_back(elapsed);
    if (rows.size() != expected_rows && problem.empty())
      problem = "overdue returned " + std::to_string(rows.size()) + " rows, expected " +
                std::to_string(expected_rows);
    for (std::size_t i = 0; i < rows.size() && problem.empty(); ++i) {
      const auto& c = rows[i];
      if (!c.due || *c.due >= today || c.closed)
        problem = "case " + c.id + " is not overdue";
      else if (i > 0 && (*rows[i - 1].due > *c.due ||
                         (*rows[i - 1].due == *c.due && rows[i - 1].id >= c.id)))
        problem = "rows are not ordered by due date, then id, at " + c.id;
    }
  }
  std::sort(ms.begin(), ms.end());
  const double median = median_of(ms);
  const double max = ms.back();
  const bool pass = median < o.limit_ms && max < o.limit_ms;
  const double query_median = median_of(overdue_query_ms(*side, o.today, limit, o.runs));
  std::printf(
      "{\"impl\": \"keydesk\", \"bench\": \"overdue\", \"backend\": \"%s\", \"cases\": %ld, "
      "\"today\": \"%s\", \"overdue_cases\": %ld, \"limit\": %d, \"rows\": %zu, \"runs\": %d, "
      "\"first_ms\": %.3f, \"median_ms\": %.3f, \"min_ms\": %.3f, \"max_ms\": %.3f, "
      "\"query_median_ms\": %.3f, \"threshold_ms\": %.0f, \"result\": \"%s\", \"rows_checked\": "
      "%s, \"db_bytes\": %ju, "
      "\"plan\": %s}\n",
      backend.name(), o.overdue_cases, o.today.c_str(), expected_overdue, limit, expected_rows,
      o.runs, first_ms, median, ms.front(), max, query_median, o.limit_ms, pass ? "PASS" : "FAIL",
      problem.empty() ? "true" : "false", database_bytes(backend, *side),
      json_escape(overdue_plan(backend, *side, o.today, limit)).c_str());
  std::fflush(stdout);
  if (!problem.empty()) {
    std::cerr << "workflow_bench: overdue check FAILED: " << problem << '\n';
    return 1;
  }
  return pass ? 0 : 2;
}

}  // namespace keydesk::workflow_bench
