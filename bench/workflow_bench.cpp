// workflow_bench: the case store under a reissue loop, and the overdue list among many open cases.
//
// Usage: workflow_bench [loop|overdue|all] [--cases N] [--db PATH] [--rules DIR]
//                       [--order sequential|interleaved] [--synchronous store|normal|full]
//                       [--overdue-cases N] [--overdue-db PATH] [--runs R] [--today YYYY-MM-DD]
//                       [--limit-ms MS]
//
// loop (default 10,000 cases): a fresh database FILE; the registry (one enterprise and one key
//   per case) is imported, then every case is opened and driven through
//   rules/procedures/reissue.yaml along the route read from the file (plan_route): the failed
//   authority review that returns it, the enterprise's resubmission, the review passed, and then
//   the first forward action of each state to the final state. With the procedure of
//   2026-11-24 that is
//     open → fail_review → resubmit → pass_review → send_to_vendor → receive_at_vendor
//          → pass_vendor_review → ship_key (effect reissue_key) → receive_key → hand_over
//   i.e. 10 committed transactions per case (open + 9 actions), each one CaseStore::open_case or
//   CaseStore::act naming the version it saw. Timed: the loop only (not the import). Afterwards
//   every case must be in the final state (closed, version = transactions per case), every key
//   must carry its new serial, the outbox must hold the route's notices (one activation e-mail)
//   per case, and verify_audit() must find one event per transaction and no problem; otherwise
//   exit 1.
//   --synchronous: "store" (default) keeps what CaseStore sets (WAL, synchronous=FULL: the WAL is
//   fsynced at every commit, so a commit survives a power cut); "normal" or "full" set it on the
//   store's own connection right after it opened ("normal": a commit survives a crash of the
//   process, the WAL is fsynced at checkpoints). The connection is captured with
//   sqlite3_auto_extension; the engine is not changed.
// overdue (default 1,000,000 open cases): CaseStore creates the schema, then rows are inserted
//   into `cases` directly (one transaction) with a spread of states and due dates; a few
//   thousand are due before --today. CaseStore::overdue(today, "", 1000) is then timed: one
//   warm-up run, then --runs runs (default 20); PASS when the median and the max are both under
//   --limit-ms (default 50). The rows returned are checked (count, order, all overdue).
//
// Output: one JSON line per measurement on stdout (like calendar_bench); progress on stderr.
// Exit 1 on any failure, 2 when the overdue timing fails its limit.
#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <boost/date_time/gregorian/gregorian.hpp>
#include <nlohmann/json.hpp>

#include "engine/calendar.h"
#include "engine/case_store.h"
#include "engine/counter.h"
#include "engine/procedure.h"
#include "engine/rules.h"
#include "engine/workflow.h"

#ifndef KEYDESK_BENCH_RULES
#define KEYDESK_BENCH_RULES "rules"
#endif
#ifndef KEYDESK_BENCH_OUT
#define KEYDESK_BENCH_OUT "bench/out"
#endif

namespace {

using keydesk::Actor;
using keydesk::CaseStore;
using keydesk::Date;
using keydesk::LocalTime;
using keydesk::WorkingCalendar;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

const char* const kAuthority = "示例省商务厅（发证机构）";

struct Options {
  std::string mode = "all";
  long cases = 10000;
  std::string db = std::string(KEYDESK_BENCH_OUT) + "/workflow_loop.db";
  std::string rules = KEYDESK_BENCH_RULES;
  std::string order = "sequential";
  std::string synchronous = "store";
  long overdue_cases = 1000000;
  std::string overdue_db = std::string(KEYDESK_BENCH_OUT) + "/workflow_overdue.db";
  int runs = 20;
  std::string today = "2026-11-24";
  double limit_ms = 50;
};

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "workflow_bench: " << message << '\n';
  std::exit(1);
}

template <class T>
T must(keydesk::Result<T> r, const std::string& what) {
  if (!r.ok()) {
    std::string message = what + ": " + r.error().message;
    if (!r.error().diagnostics.empty())
      message += "\n" + keydesk::format_all(r.error().diagnostics);
    fail(message);
  }
  return std::move(r).value();
}

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
    else if (a == "--db")
      o.db = value();
    else if (a == "--rules")
      o.rules = value();
    else if (a == "--order")
      o.order = value();
    else if (a == "--synchronous")
      o.synchronous = value();
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
          "usage: workflow_bench [loop|overdue|all] [--cases N] [--db PATH] [--rules DIR] "
          "[--order sequential|interleaved] [--synchronous store|normal|full] "
          "[--overdue-cases N] [--overdue-db PATH] [--runs R] [--today YYYY-MM-DD] "
          "[--limit-ms MS]");
  }
  if (o.order != "sequential" && o.order != "interleaved")
    fail("--order: sequential or interleaved, not '" + o.order + "'");
  if (o.synchronous != "store" && o.synchronous != "normal" && o.synchronous != "full")
    fail("--synchronous: store, normal or full, not '" + o.synchronous + "'");
  if (!keydesk::parse_date(o.today)) fail("--today: " + keydesk::why_not_a_date(o.today));
  return o;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    std::filesystem::remove(path + suffix);
  if (auto dir = std::filesystem::path(path).parent_path(); !dir.empty())
    std::filesystem::create_directories(dir);
}

// --- the store's own connection ---------------------------------------------------------------

// The newest connection opened in this process (CaseStore's, right after CaseStore::open).
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

void exec(sqlite3* db, const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string m = message ? message : sqlite3_errmsg(db);
    sqlite3_free(message);
    fail(sql.substr(0, 60) + ": " + m);
  }
}

// Opens the store; "normal"/"full" then set synchronous on its connection. Returns the store and
// reports the journal mode and synchronous level it runs with.
CaseStore open_store(const std::string& path, const std::string& synchronous,
                     std::string& journal_mode, std::string& sync_level) {
  g_last_connection = nullptr;
  CaseStore store = must(CaseStore::open(path), "open " + path);
  sqlite3* db = g_last_connection;
  if (!db) fail("the store's connection was not captured (sqlite3_auto_extension)");
  if (synchronous != "store") exec(db, "PRAGMA synchronous=" + synchronous);
  journal_mode = pragma_text(db, "PRAGMA journal_mode");
  const std::string level = pragma_text(db, "PRAGMA synchronous");
  sync_level = level == "0" ? "off" : level == "1" ? "normal" : level == "2" ? "full" : "extra";
  return store;
}

// --- shared inputs ----------------------------------------------------------------------------

struct Rules {
  keydesk::Procedure procedure;
  keydesk::CounterConfig counter;
  WorkingCalendar calendar;
};

Rules load_rules(const std::string& dir) {
  const std::filesystem::path root(dir);
  auto procedure = must(keydesk::load_procedure(root / "procedures" / "reissue.yaml"),
                        "load the reissue procedure");
  auto counter = must(keydesk::load_counter_config(root / "counter.yaml"), "load counter.yaml");
  auto calendar =
      must(keydesk::calendar_for(procedure, root, counter), "load the procedure's calendar");
  return Rules{std::move(procedure), std::move(counter), std::move(calendar)};
}

// The working days of 2026 from `from` on (the calendar data ends with 2026).
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

// "2026-03-02T10:15:00+08:00", counter-local.
std::string iso_at(Date d, int minutes) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:00+08:00", keydesk::format_date(d).c_str(),
                minutes / 60, minutes % 60);
  return buf;
}

// --- the reissue loop ---------------------------------------------------------------------------

// The route a case takes, read from the procedure so the loop follows the rule file as it is:
// from the start state, the first failing review that returns the case to the enterprise (once),
// the resubmission, then in every state the first action in file order that neither fails a
// review nor needs a remark (so: no withdrawal), until a final state.
struct Route {
  std::vector<const keydesk::ActionRule*> actions;
  std::vector<std::string> actors;  // the role taking each action
  std::string final_state;
  bool has_return_loop = false;
  bool reissues_key = false;
  long notices = 0;  // outbox messages per case
};

Route plan_route(const keydesk::Procedure& p) {
  Route r;
  std::string state = p.start;
  bool returned = false;
  for (int guard = 0; guard < 64; ++guard) {
    const keydesk::StateRule* here = p.state(state);
    if (!here) fail("route: unknown state " + state);
    if (here->final) {
      r.final_state = state;
      break;
    }
    const auto candidates = keydesk::Workflow::actions_for(p, state, "");
    const keydesk::ActionRule* chosen = nullptr;
    for (const auto* a : candidates) {
      const keydesk::StateRule* to = p.state(a->to);
      const bool returns = keydesk::is_failing_outcome(a->outcome) && to && to->waits_on_enterprise;
      if (!returned && returns) {
        chosen = a;
        returned = true;
        break;
      }
    }
    if (!chosen && here->waits_on_enterprise)
      for (const auto* a : candidates)
        if (a->resubmission) {
          chosen = a;
          r.has_return_loop = true;
          break;
        }
    if (!chosen)
      for (const auto* a : candidates)
        if (!keydesk::is_failing_outcome(a->outcome) && !a->remark_required && !a->resubmission) {
          chosen = a;
          break;
        }
    if (!chosen) fail("route: no way forward from state " + state);
    const bool state_actor_may =
        std::find(chosen->roles.begin(), chosen->roles.end(), here->actor) != chosen->roles.end();
    r.actors.push_back(state_actor_may ? here->actor : chosen->roles.front());
    if (std::any_of(chosen->effects.begin(), chosen->effects.end(),
                    [](const keydesk::Consequence& e) { return e.name == "reissue_key"; }))
      r.reissues_key = true;
    r.notices += static_cast<long>(chosen->notify.size());
    r.actions.push_back(chosen);
    state = chosen->to;
  }
  if (r.final_state.empty()) fail("route: no final state within 64 actions");
  return r;
}

// Inputs for `a`: the first option of each one_of, a made-up value for each other required one
// (serial: the new key's serial).
json inputs_for(const keydesk::ActionRule& a, long i) {
  json in = json::object();
  for (const auto& rule : a.inputs) {
    if (!rule.one_of.empty())
      in[rule.name] = rule.one_of.front();
    else if (rule.required)
      in[rule.name] = rule.name == "serial" ? "NEW" + pad(i, 8) : "SF" + pad(i, 10);
  }
  return in;
}

struct Percentiles {
  double mean = 0, p50 = 0, p99 = 0, max = 0;
};

Percentiles percentiles(std::vector<double> v) {
  Percentiles p;
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  p.mean = sum / static_cast<double>(v.size());
  auto at = [&](double q) {
    auto idx = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(idx, v.size() - 1)];
  };
  p.p50 = at(0.5);
  p.p99 = at(0.99);
  p.max = v.back();
  return p;
}

int run_loop(const Options& o, const Rules& rules) {
  const long n = o.cases;
  const Route route = plan_route(rules.procedure);
  const int steps = 1 + static_cast<int>(route.actions.size());  // open + the actions
  std::string route_text = "open";
  for (const auto* a : route.actions) route_text += " > " + a->id;

  const auto setup_start = Clock::now();
  remove_db(o.db);
  std::string journal_mode, sync_level;
  CaseStore store = open_store(o.db, o.synchronous, journal_mode, sync_level);

  json registry = {{"enterprises", json::array()}, {"keys", json::array()}};
  for (long i = 0; i < n; ++i) {
    registry["enterprises"].push_back(
        {{"uscc", uscc_of(i)}, {"name", "示例贸易有限公司" + pad(i, 6)}, {"kind", "domestic"}});
    registry["keys"].push_back({{"login_username", username_of(i)},
                                {"uscc", uscc_of(i)},
                                {"serial", "OLD" + pad(i, 8)},
                                {"status", "lost"},
                                {"expires_on", "2027-06-30"}});
  }
  if (auto st = store.import(registry); !st.ok()) fail("import registry: " + st.error().message);

  const keydesk::Workflow workflow(rules.calendar, rules.counter.hours);
  const std::vector<Date> days = working_days_2026(rules.calendar, Date(2026, 1, 5));
  // Three steps a working day, at 09:00, 11:00 and 14:00 (plus a few minutes per case).
  // Cases start on the first `span` days, so that every deadline still ends in 2026.
  int longest_deadline = 0;
  for (const auto& st : rules.procedure.states)
    longest_deadline = std::max(longest_deadline, st.deadline_days);
  const auto last_day = static_cast<std::size_t>((steps - 1) / 3 + longest_deadline + 2);
  if (days.size() <= last_day + 20) fail("the calendar has too few 2026 working days");
  const std::size_t span = days.size() - last_day;
  const double setup_seconds = seconds_since(setup_start);

  std::vector<long> version(static_cast<std::size_t>(n), 0);
  std::vector<std::vector<double>> micros(static_cast<std::size_t>(steps));
  for (auto& m : micros) m.reserve(static_cast<std::size_t>(n));

  // One step of one case (0: open); timed individually, and as part of the whole loop.
  auto do_step = [&](long i, int s) {
    const auto idx = static_cast<std::size_t>(i);
    const Date day = days[idx % span + static_cast<std::size_t>(s / 3)];
    const int minutes = 9 * 60 + (s % 3) * 120 + static_cast<int>(i % 50);
    const LocalTime at{day, minutes};
    const std::string at_text = iso_at(day, minutes);
    const std::string id = case_id_of(i);
    const auto t0 = Clock::now();
    if (s == 0) {
      const Actor clerk{"clerk01", "authority_clerk", kAuthority};
      CaseStore::OpenRequest req{id, kAuthority, submission_of(i, at_text), clerk, at, at_text};
      auto c = must(store.open_case(rules.procedure, workflow, req), "open " + id);
      version[idx] = c.version;
    } else {
      const keydesk::ActionRule& a = *route.actions[static_cast<std::size_t>(s - 1)];
      const std::string& role = route.actors[static_cast<std::size_t>(s - 1)];
      keydesk::ActionRequest req;
      req.action = a.id;
      req.actor = role == "enterprise"        ? Actor{username_of(i), role, ""}
                  : role == "vendor_reviewer" ? Actor{"vendor01", role, ""}
                                              : Actor{"clerk01", role, kAuthority};
      req.at = at;
      req.expected_version = version[idx];
      if (a.remark_required) req.remark = "申请表未写明补办原因，请补充后重新提交全部材料。";
      req.inputs = inputs_for(a, i);
      // A resubmission brings the complete set again; the pass after it goes on a person's
      // reason, as no document check runs in this loop.
      if (a.resubmission) req.submission = submission_of(i, at_text);
      if (a.requires_check) req.check_override = "人工核对原件无误";
      auto c = must(store.act(id, workflow, req, at_text), a.id + " on " + id);
      version[idx] = c.version;
    }
    micros[static_cast<std::size_t>(s)].push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  };

  std::cerr << "workflow_bench: " << n << " cases (" << o.order << "), " << route_text << ", into "
            << o.db << '\n';
  const auto start = Clock::now();
  if (o.order == "sequential") {
    for (long i = 0; i < n; ++i)
      for (int s = 0; s < steps; ++s) do_step(i, s);
  } else {
    for (int s = 0; s < steps; ++s)
      for (long i = 0; i < n; ++i) do_step(i, s);
  }
  const double seconds = seconds_since(start);

  // --- verification ---
  const auto verify_start = Clock::now();
  long completed = 0, reissued = 0;
  std::string first_problem;
  for (long i = 0; i < n; ++i) {
    auto c = must(store.get(case_id_of(i)), "get");
    if (c.state == route.final_state && c.closed && c.version == steps)
      ++completed;
    else if (first_problem.empty())
      first_problem = c.id + " is " + c.state + " at version " + std::to_string(c.version);
    if (route.reissues_key) {
      auto k = must(store.key(username_of(i)), "key");
      if (k && k->serial == "NEW" + pad(i, 8) && k->status == "active") ++reissued;
    }
  }
  const auto outbox = must(store.outbox(true), "outbox");
  const auto audit = must(store.verify_audit(), "verify_audit");
  const double verify_seconds = seconds_since(verify_start);
  const long actions = n * steps;
  const bool intact = audit.problems.empty() && audit.events == actions;
  const bool ok = completed == n && (!route.reissues_key || reissued == n) &&
                  static_cast<long>(outbox.size()) == n * route.notices && intact;
  const auto db_bytes = std::filesystem::file_size(o.db);

  std::printf(
      "{\"impl\": \"keydesk\", \"bench\": \"reissue_loop\", \"cases\": %ld, \"order\": \"%s\", "
      "\"route\": \"%s\", \"actions_per_case\": %d, \"actions\": %ld, "
      "\"journal_mode\": \"%s\", \"synchronous\": \"%s\", \"seconds\": %.3f, "
      "\"cases_per_s\": %.1f, \"actions_per_s\": %.1f, \"setup_seconds\": %.3f, "
      "\"completed\": %ld, \"keys_reissued\": %ld, \"outbox\": %zu, \"audit_events\": %ld, "
      "\"audit_intact\": %s, \"verify_seconds\": %.3f, \"db_bytes\": %ju, \"db\": \"%s\"}\n",
      n, o.order.c_str(), route_text.c_str(), steps, actions, journal_mode.c_str(),
      sync_level.c_str(), seconds, static_cast<double>(n) / seconds,
      static_cast<double>(actions) / seconds, setup_seconds, completed, reissued, outbox.size(),
      audit.events, intact ? "true" : "false", verify_seconds,
      static_cast<std::uintmax_t>(db_bytes), o.db.c_str());
  for (int s = 0; s < steps; ++s) {
    const auto& m = micros[static_cast<std::size_t>(s)];
    const Percentiles p = percentiles(m);
    const std::string name = s == 0 ? "open" : route.actions[static_cast<std::size_t>(s - 1)]->id;
    std::printf(
        "{\"impl\": \"keydesk\", \"bench\": \"reissue_loop_step\", \"action\": \"%s\", "
        "\"synchronous\": \"%s\", \"count\": %zu, \"mean_us\": %.1f, \"p50_us\": %.1f, "
        "\"p99_us\": %.1f, \"max_us\": %.1f}\n",
        name.c_str(), sync_level.c_str(), m.size(), p.mean, p.p50, p.p99, p.max);
  }
  std::fflush(stdout);
  if (!ok) {
    std::cerr << "workflow_bench: verification FAILED: " << completed << "/" << n << " completed, "
              << reissued << "/" << n << " keys reissued, " << outbox.size() << "/"
              << n * route.notices << " outbox messages, " << audit.events << "/" << actions
              << " audit events";
    if (!first_problem.empty()) std::cerr << "; first: " << first_problem;
    for (std::size_t i = 0; i < audit.problems.size() && i < 5; ++i)
      std::cerr << "\n  audit: " << audit.problems[i];
    std::cerr << '\n';
    return 1;
  }
  return 0;
}

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

// Builds `path` with `count` open cases; returns how many are due before `today`.
long build_overdue_db(const Options& o, const Rules& rules, Date today) {
  const auto start = Clock::now();
  remove_db(o.overdue_db);
  {
    // CaseStore creates the schema and records the procedure version the rows refer to.
    std::string journal_mode, sync_level;
    CaseStore store = open_store(o.overdue_db, "store", journal_mode, sync_level);
    if (auto st = store.remember(rules.procedure, iso_at(today, 9 * 60)); !st.ok())
      fail("remember the procedure: " + st.error().message);
  }
  // Due dates are working days: up to 20 before today (overdue), or today to 10 after.
  const std::vector<Date> days = working_days_2026(rules.calendar, Date(2026, 1, 5));
  const auto today_it = std::lower_bound(days.begin(), days.end(), today);
  if (today_it - days.begin() < 40 || days.end() - today_it < 11)
    fail("--today must leave 40 working days of 2026 before it and 10 after it");
  const auto t = static_cast<std::size_t>(today_it - days.begin());

  sqlite3* db = nullptr;
  if (sqlite3_open_v2(o.overdue_db.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
    fail("cannot open " + o.overdue_db + ": " + sqlite3_errmsg(db));
  exec(db, "PRAGMA synchronous=OFF; PRAGMA cache_size=-524288; PRAGMA foreign_keys=ON;");
  exec(db, "BEGIN");
  sqlite3_stmt* ins = nullptr;
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO cases (id, procedure, procedure_version, authority, uscc, "
                         "state, version, due_on, clock_stopped, closed, opened_at, updated_at, "
                         "data) VALUES (?,?,?,?,?,?,?,?,?,0,?,?,?)",
                         -1, &ins, nullptr) != SQLITE_OK)
    fail(std::string("prepare insert: ") + sqlite3_errmsg(db));
  std::mt19937_64 rng(20261124);
  std::uniform_int_distribution<int> pick_state(0, 99), pick_late(1, 20), pick_ahead(0, 10),
      pick_age(21, 39), pick_authority(1, 31);
  std::bernoulli_distribution overdue(0.005);
  long overdue_count = 0;
  auto text = [&](int col, const std::string& v) {
    sqlite3_bind_text(ins, col, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  };
  for (long i = 0; i < o.overdue_cases; ++i) {
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
    const std::string updated_at = iso_at(due ? *due - boost::gregorian::days(1) : opened, 16 * 60);
    text(1, "C2026-" + pad(i, 8));
    text(2, rules.procedure.id);
    text(3, rules.procedure.version);
    text(4, "省级商务主管部门" + pad(pick_authority(rng), 2));
    text(5, uscc_of(i));
    text(6, s->state);
    sqlite3_bind_int64(ins, 7, s->version);
    if (due)
      text(8, keydesk::format_date(*due));
    else
      sqlite3_bind_null(ins, 8);
    sqlite3_bind_int64(ins, 9, s->stopped ? 1 : 0);
    text(10, opened_at);
    text(11, updated_at);
    text(12, submission_of(i, opened_at).dump());
    if (sqlite3_step(ins) != SQLITE_DONE) fail(std::string("insert: ") + sqlite3_errmsg(db));
    sqlite3_reset(ins);
    if ((i + 1) % 250000 == 0) std::cerr << "workflow_bench: " << (i + 1) << " cases inserted\n";
  }
  sqlite3_finalize(ins);
  exec(db, "COMMIT");
  exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  sqlite3_close(db);
  std::cerr << "workflow_bench: overdue database built in " << seconds_since(start) << " s\n";
  return overdue_count;
}

// The plan SQLite picks for the query CaseStore::overdue runs (case_store.cpp), for the report.
std::string overdue_plan(const std::string& path) {
  sqlite3* db = nullptr;
  std::string plan;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    const char* sql =
        "EXPLAIN QUERY PLAN SELECT id FROM cases WHERE closed = 0 AND due_on IS NOT NULL AND "
        "due_on < ? ORDER BY due_on, id LIMIT ?";
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK)
      while (sqlite3_step(st) == SQLITE_ROW) {
        if (!plan.empty()) plan += "; ";
        if (const unsigned char* t = sqlite3_column_text(st, 3))
          plan += reinterpret_cast<const char*>(t);
      }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return plan;
}

std::string json_escape(const std::string& s) { return json(s).dump(); }

int run_overdue(const Options& o, const Rules& rules) {
  const Date today = *keydesk::parse_date(o.today);
  const long expected_overdue = build_overdue_db(o, rules, today);
  const int limit = 1000;
  const auto expected_rows = static_cast<std::size_t>(std::min<long>(limit, expected_overdue));

  std::string journal_mode, sync_level;
  CaseStore store = open_store(o.overdue_db, "store", journal_mode, sync_level);
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
  const double median =
      ms.size() % 2 ? ms[ms.size() / 2] : (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]) / 2;
  const double max = ms.back();
  const bool pass = median < o.limit_ms && max < o.limit_ms;
  std::printf(
      "{\"impl\": \"keydesk\", \"bench\": \"overdue\", \"cases\": %ld, \"today\": \"%s\", "
      "\"overdue_cases\": %ld, \"limit\": %d, \"rows\": %zu, \"runs\": %d, \"first_ms\": %.3f, "
      "\"median_ms\": %.3f, \"min_ms\": %.3f, \"max_ms\": %.3f, \"threshold_ms\": %.0f, "
      "\"result\": \"%s\", \"rows_checked\": %s, \"db_bytes\": %ju, \"plan\": %s}\n",
      o.overdue_cases, o.today.c_str(), expected_overdue, limit, expected_rows, o.runs, first_ms,
      median, ms.front(), max, o.limit_ms, pass ? "PASS" : "FAIL",
      problem.empty() ? "true" : "false",
      static_cast<std::uintmax_t>(std::filesystem::file_size(o.overdue_db)),
      json_escape(overdue_plan(o.overdue_db)).c_str());
  std::fflush(stdout);
  if (!problem.empty()) {
    std::cerr << "workflow_bench: overdue check FAILED: " << problem << '\n';
    return 1;
  }
  return pass ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
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
