// serve_seed: a case database for the load benchmark of keydesk serve (bench/run_serve.sh): many
// open cases of the counter's authority, as a clerk's queue sees them.
//
// Usage: serve_seed --db PATH|URI [--cases N] [--closed N] [--rules DIR] [--today YYYY-MM-DD]
//                   [--authority NAME]
//
// The SQLite file at PATH is made anew; a PostgreSQL URI must name an empty database (the
// benchmark makes one). CaseStore creates the schema and records every procedure of
// DIR/procedures (the queue parses each case's procedure version from it); then N open cases
// (default 100,000) of DIR/counter.yaml's authority are inserted into `cases` directly, 500 to a
// transaction, as workflow_bench's overdue database is (opening them through the workflow would
// take minutes and add nothing the queue reads). The mix is what a provincial counter holds:
// mostly reissues and first issues, spread over every state that is not final, weighted towards
// those with a deadline (where cases wait for the clerk or the vendor). Cases in a state with a
// deadline are due on a working day from 15 working days before --today (a few per cent overdue)
// to 5 after; cases waiting on the enterprise have their clock stopped and no due date.
// --closed N adds N closed cases (a final state, closed over the past year), as a counter's
// table holds after a while: the 已办结 tab and every search read past them.
// Each case has the enterprise's name, a legal representative and an authorised user (made-up
// names from a few common surnames and given names), and its search columns (migration 006)
// written as CaseStore writes them (search_text()).
// --today defaults to the counter's date now (the server counts days left from its clock).
// --authority gives the cases to another authority than the counter's (the browser test pages
// and sorts a second clerk's queue of them, apart from the cases its first clerk takes in).
//
// Prints one JSON line (cases, procedures, seconds, db_bytes) on stdout; exit 1 on failure.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <boost/date_time/gregorian/gregorian.hpp>
#include <nlohmann/json.hpp>

#include "engine/calendar.h"
#include "engine/case_store.h"
#include "engine/counter.h"
#include "engine/internal/sql.h"
#include "engine/procedure.h"
#include "engine/rules.h"

#ifndef KEYDESK_BENCH_RULES
#define KEYDESK_BENCH_RULES "rules"
#endif

namespace {

using keydesk::Date;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "serve_seed: " << message << '\n';
  std::exit(1);
}

template <class T>
T must(keydesk::Result<T> r, const std::string& what) {
  if (!r.ok()) fail(what + ": " + r.error().message);
  return std::move(r).value();
}

struct Options {
  std::string db;
  long cases = 100000;
  long closed = 0;
  std::string rules = KEYDESK_BENCH_RULES;
  std::string today;      // empty: the counter's date now
  std::string authority;  // empty: the counter's
};

Options parse_options(int argc, char** argv) {
  Options o;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) fail(args[i] + " needs a value");
      return args[++i];
    };
    const std::string& a = args[i];
    if (a == "--db") {
      o.db = value();
    } else if (a == "--cases") {
      const std::string& v = value();
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), o.cases);
      if (ec != std::errc() || end != v.data() + v.size() || o.cases <= 0)
        fail("--cases: expected a positive whole number, not '" + v + "'");
    } else if (a == "--closed") {
      const std::string& v = value();
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), o.closed);
      if (ec != std::errc() || end != v.data() + v.size() || o.closed < 0)
        fail("--closed: expected a whole number, not '" + v + "'");
    } else if (a == "--rules") {
      o.rules = value();
    } else if (a == "--today") {
      o.today = value();
    } else if (a == "--authority") {
      o.authority = value();
    } else {
      fail(
          "usage: serve_seed --db PATH|URI [--cases N] [--closed N] [--rules DIR] [--today DATE] "
          "[--authority NAME]");
    }
  }
  if (o.db.empty()) fail("--db PATH is required");
  return o;
}

void run(keydesk::internal::Connection& db, const std::string& sql) {
  if (auto st = db.exec(sql); !st.ok()) fail(sql + ": " + st.error().message);
}

std::string pad(long n, int width) {
  std::string s = std::to_string(n);
  return std::string(static_cast<std::size_t>(std::max(0, width - static_cast<int>(s.size()))),
                     '0') +
         s;
}

std::string iso_at(Date d, int minutes) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:00+08:00", keydesk::format_date(d).c_str(),
                minutes / 60, minutes % 60);
  return buf;
}

// Cases per 1,000 by procedure: reissues (lost or broken keys) and first issues are most of a
// counter's work; the rest are occasional.
const std::map<std::string, int> kProcedureWeights = {
    {"reissue", 400},   {"first_issue_offline", 200}, {"first_issue_online", 150},
    {"additional", 80}, {"renewal_online", 70},       {"pin_unlock", 50},
    {"revocation", 30}, {"code_change_domestic", 10}, {"code_change_foreign", 10},
};

struct SeedState {
  const keydesk::StateRule* rule;
  int version;  // the case version it is seeded at: one more than the state's place in the file
  bool due;     // has a due date (its own deadline or one carried from an earlier state)
};

struct SeedProcedure {
  const keydesk::Procedure* procedure;
  std::vector<SeedState> states;
  const keydesk::StateRule* final_state = nullptr;
  std::discrete_distribution<std::size_t> pick_state;
};

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  const auto start = Clock::now();
  const std::filesystem::path rules(o.rules);
  const auto counter =
      must(keydesk::load_counter_config(rules / "counter.yaml"), "load counter.yaml");
  const std::string authority = o.authority.empty() ? counter.authority : o.authority;
  keydesk::Diagnostics problems;
  const auto procedures = keydesk::load_procedures(rules / "procedures", problems);
  if (procedures.empty()) fail("no procedure could be read from " + o.rules + "/procedures");
  auto calendar = must(keydesk::WorkingCalendar::load(rules / "calendars", counter.calendar),
                       "load the counter's calendar");

  Date today;
  if (o.today.empty()) {
    const auto now = std::time(nullptr) + counter.hours.utc_offset_minutes * 60L;
    std::tm utc{};
    gmtime_r(&now, &utc);
    today =
        Date(static_cast<unsigned short>(utc.tm_year + 1900),
             static_cast<unsigned short>(utc.tm_mon + 1), static_cast<unsigned short>(utc.tm_mday));
  } else if (auto d = keydesk::parse_date(o.today)) {
    today = *d;
  } else {
    fail("--today: " + keydesk::why_not_a_date(o.today));
  }
  // Due dates: working days from 15 before today to 5 after (the longest deadline is 5 days).
  std::vector<Date> late, ahead;
  for (Date d = today - boost::gregorian::days(1); late.size() < 15; d -= boost::gregorian::days(1))
    if (must(calendar.is_working_day(d), "is_working_day")) late.push_back(d);
  for (Date d = today; ahead.size() < 6; d += boost::gregorian::days(1))
    if (must(calendar.is_working_day(d), "is_working_day")) ahead.push_back(d);

  const bool postgresql = keydesk::internal::is_postgresql_uri(o.db);
  if (!postgresql) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      std::filesystem::remove(o.db + suffix);
    if (auto dir = std::filesystem::path(o.db).parent_path(); !dir.empty())
      std::filesystem::create_directories(dir);
  }
  {
    auto store = must(keydesk::CaseStore::open(o.db), "open " + o.db);
    for (const auto& [id, p] : procedures)
      if (auto st = store.remember(p, iso_at(today, 9 * 60)); !st.ok())
        fail("remember " + id + ": " + st.error().message);
  }

  std::vector<SeedProcedure> seeds;
  std::vector<int> procedure_weights;
  for (const auto& [id, p] : procedures) {
    auto w = kProcedureWeights.find(id);
    SeedProcedure s{&p, {}, nullptr, {}};
    std::vector<int> state_weights;
    for (std::size_t i = 0; i < p.states.size(); ++i) {
      const keydesk::StateRule& st = p.states[i];
      if (st.final && !s.final_state) s.final_state = &st;
      if (st.final) continue;
      const bool due = st.deadline_days > 0 || !st.carry_from.empty();
      s.states.push_back({&st, static_cast<int>(i) + 1, due});
      state_weights.push_back(due ? 4 : st.waits_on_enterprise ? 2 : 1);
    }
    if (s.states.empty()) continue;
    s.pick_state =
        std::discrete_distribution<std::size_t>(state_weights.begin(), state_weights.end());
    seeds.push_back(std::move(s));
    procedure_weights.push_back(w == kProcedureWeights.end() ? 10 : w->second);
  }

  auto db = must(keydesk::internal::connect(o.db), "open " + o.db);
  if (!postgresql) run(*db, "PRAGMA synchronous=OFF; PRAGMA cache_size=-262144");
  run(*db, "BEGIN");
  auto ins = must(
      db->prepare("INSERT INTO cases (id, procedure, procedure_version, authority, uscc, "
                  "state, version, due_on, clock_stopped, closed, opened_at, updated_at, "
                  "data, enterprise_name, search_text) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"),
      "prepare insert");
  auto text = [&](int col, const std::string& v) { ins.bind(col, v); };
  std::mt19937_64 rng(20261124);
  std::discrete_distribution<std::size_t> pick_procedure(procedure_weights.begin(),
                                                         procedure_weights.end());
  std::bernoulli_distribution overdue(0.03);
  std::uniform_int_distribution<std::size_t> pick_late(0, late.size() - 1),
      pick_ahead(0, ahead.size() - 1);
  std::uniform_int_distribution<int> pick_age(1, 40), pick_minute(9 * 60, 17 * 60 - 1);
  static const char* const kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄",
                                          "周", "吴", "徐", "孙", "胡", "朱", "高", "林"};
  static const char* const kGiven[] = {"伟",   "芳",   "娜",   "敏",   "静",   "丽",  "强", "磊",
                                       "军",   "洋",   "勇",   "艳",   "杰",   "娟",  "涛", "明",
                                       "海峰", "丽萍", "建国", "晓东", "文博", "雪梅"};
  std::uniform_int_distribution<std::size_t> pick_surname(0, std::size(kSurnames) - 1),
      pick_given(0, std::size(kGiven) - 1);
  auto person = [&] { return std::string(kSurnames[pick_surname(rng)]) + kGiven[pick_given(rng)]; };
  std::uniform_int_distribution<int> pick_closed_age(1, 365);
  long overdue_count = 0;
  for (long i = 0; i < o.cases + o.closed; ++i) {
    SeedProcedure& s = seeds[pick_procedure(rng)];
    const bool closed = i >= o.cases && s.final_state;
    const SeedState state =
        closed ? SeedState{s.final_state, 9, false} : s.states[s.pick_state(rng)];
    std::optional<Date> due;
    if (state.due) {
      if (overdue(rng)) {
        due = late[pick_late(rng)];
        ++overdue_count;
      } else {
        due = ahead[pick_ahead(rng)];
      }
    }
    const Date opened =
        today - boost::gregorian::days(closed ? pick_closed_age(rng) + 10 : pick_age(rng));
    const std::string opened_at = iso_at(opened, pick_minute(rng));
    const std::string updated_at =
        closed ? iso_at(opened + boost::gregorian::days(8), pick_minute(rng))
               : iso_at(std::max(opened, today - boost::gregorian::days(1)), pick_minute(rng));
    const std::string uscc = "9131000" + pad(i, 11);
    const std::string user = "u" + pad(i, 8);
    const json submission = {
        {"id", "S" + pad(i, 9)},
        {"procedure", s.procedure->id},
        {"channel", s.procedure->channel.empty() ? "paper" : s.procedure->channel},
        {"submitted_at", opened_at},
        {"enterprise", {{"uscc", uscc}, {"name", "示例贸易有限公司" + pad(i, 6)}}},
        {"applicant",
         {{"login_username", user},
          {"email", user + "@example.cn"},
          {"legal_representative", person()},
          {"authorized_user", {{"name", person()}}}}}};
    const std::string id = "C2026-" + pad(i, 7);
    text(1, id);
    text(2, s.procedure->id);
    text(3, s.procedure->version);
    text(4, authority);
    text(5, uscc);
    text(6, state.rule->id);
    ins.bind(7, static_cast<std::int64_t>(state.version));
    if (due)
      text(8, keydesk::format_date(*due));
    else
      ins.bind(8, std::nullopt);
    ins.bind(9, std::int64_t{state.rule->waits_on_enterprise ? 1 : 0});
    ins.bind(10, std::int64_t{closed ? 1 : 0});
    text(11, opened_at);
    text(12, updated_at);
    text(13, submission.dump());
    text(14, submission["enterprise"]["name"].get<std::string>());
    text(15, keydesk::search_text(id, uscc, submission));
    if (auto st = ins.run(); !st.ok()) fail("insert: " + st.error().message);
    // Committed every 500 cases: on PostgreSQL each insert also updates the tabs' counts and the
    // change mark (triggers), and a row updated 400,000 times in one transaction is a chain of
    // 400,000 versions that every update walks.
    if (i % 500 == 499) {
      run(*db, "COMMIT");
      run(*db, "BEGIN");
    }
  }
  run(*db, "COMMIT");
  // The planner's statistics as a database that has served a while has them.
  run(*db, postgresql ? "ANALYZE" : "PRAGMA wal_checkpoint(TRUNCATE)");
  std::uintmax_t bytes = 0;
  if (postgresql) {
    auto size = must(db->prepare("SELECT pg_database_size(current_database())"), "size");
    if (must(size.step(), "size")) bytes = static_cast<std::uintmax_t>(size.integer(0));
    size.reset();
  } else {
    bytes = std::filesystem::file_size(o.db);
  }

  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "{\"cases\": %ld, \"closed\": %ld, \"overdue\": %ld, \"procedures\": %zu, \"authority\": %s, "
      "\"today\": "
      "\"%s\", \"seconds\": %.2f, \"db_bytes\": %ju}\n",
      o.cases, o.closed, overdue_count, seeds.size(), json(authority).dump().c_str(),
      keydesk::format_date(today).c_str(), seconds, bytes);
  return 0;
}
