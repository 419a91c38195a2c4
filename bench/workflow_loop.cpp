// workflow_bench's reissue loop, by one client or many (workflow_bench.cpp describes it).
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

// What was spent over a timed stretch (store_probes.h): totals read before and after it.
struct Spent {
  double client_cpu = 0;
  std::optional<double> server_cpu;
  keydesk::bench::TimedVfs::Totals vfs;
  std::optional<keydesk::bench::WalTotals> wal;

  static Spent now(const Options& o, const Backend& b, Connection& side) {
    Spent s;
    s.client_cpu = keydesk::bench::process_cpu_seconds();
    s.vfs = keydesk::bench::TimedVfs::get().totals();
    if (b.postgresql) {
      s.wal = must(keydesk::bench::wal_totals(side), "read pg_stat_wal");
      if (o.server_pid) s.server_cpu = keydesk::bench::server_cpu_seconds(o.server_pid);
    }
    return s;
  }
};

std::string json_number(const std::optional<double>& v, const char* format = "%.3f") {
  if (!v) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, format, *v);
  return buf;
}

// One client's part of the loop: its stepped cases, its timings, its first error.
struct ClientRun {
  std::vector<std::vector<double>> micros;  // by step
  long busy_retries = 0;
  std::string error;
};

}  // namespace

int run_loop(const Options& o, const Rules& rules) {
  const long n = o.cases;
  const auto clients = static_cast<std::size_t>(o.clients);
  const Route route = plan_route(rules.procedure);
  const int steps = 1 + static_cast<int>(route.actions.size());  // open + the actions
  std::string route_text = "open";
  for (const auto* a : route.actions) route_text += " > " + a->id;

  const auto setup_start = Clock::now();
  const Backend backend = backend_for(o.db, o.synchronous);
  std::unique_ptr<Connection> side = side_connection(backend);
  Durability durability;
  {
    CaseStore setup = open_store(backend, "store", durability);
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
    must_ok(setup.import(registry), "import registry");
  }
  std::vector<CaseStore> stores;
  for (std::size_t t = 0; t < clients; ++t)
    stores.push_back(open_store(backend, o.synchronous, durability));
  if (backend.postgresql) server_durability(*side, durability);

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

  std::vector<long> version(static_cast<std::size_t>(n), 0);  // each case's, by its client only
  std::vector<ClientRun> runs(clients);
  std::atomic<bool> stop{false};

  // One step of one case (0: open) by client `t`; timed individually, and as part of the loop.
  // An action the database was too busy for is tried again (nothing of it was written).
  auto do_step = [&](std::size_t t, long i, int s) -> bool {
    ClientRun& run = runs[t];
    CaseStore& store = stores[t];
    const auto idx = static_cast<std::size_t>(i);
    const Date day = days[idx % span + static_cast<std::size_t>(s / 3)];
    const int minutes = 9 * 60 + (s % 3) * 120 + static_cast<int>(i % 50);
    const LocalTime at{day, minutes};
    const std::string at_text = iso_at(day, minutes);
    const std::string id = case_id_of(i);
    const auto t0 = Clock::now();
    for (int attempt = 0;; ++attempt) {
      keydesk::Result<keydesk::CaseRecord> c = keydesk::Error{};
      std::string what;
      if (s == 0) {
        const Actor clerk{"clerk01", "authority_clerk", kAuthority};
        CaseStore::OpenRequest req{id, kAuthority, submission_of(i, at_text), clerk, at, at_text};
        c = store.open_case(rules.procedure, workflow, req);
        what = "open " + id;
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
        c = store.act(id, workflow, req, at_text);
        what = a.id + " on " + id;
      }
      if (c.ok()) {
        version[idx] = c->version;
        break;
      }
      if (c.error().kind == keydesk::ErrorKind::busy && attempt < 100) {
        ++run.busy_retries;
        continue;
      }
      run.error = error_text(c.error(), what);
      return false;
    }
    run.micros[static_cast<std::size_t>(s)].push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    return true;
  };
  // Client `t` drives cases t, t + N, t + 2N, …
  auto client = [&](std::size_t t) {
    runs[t].micros.resize(static_cast<std::size_t>(steps));
    for (auto& m : runs[t].micros) m.reserve(static_cast<std::size_t>(n / o.clients + 1));
    const long first = static_cast<long>(t), stride = o.clients;
    auto go = [&](long i, int s) {
      if (stop || !do_step(t, i, s)) {
        stop = true;
        return false;
      }
      return true;
    };
    if (o.order == "sequential") {
      for (long i = first; i < n; i += stride)
        for (int s = 0; s < steps; ++s)
          if (!go(i, s)) return;
    } else {
      for (int s = 0; s < steps; ++s)
        for (long i = first; i < n; i += stride)
          if (!go(i, s)) return;
    }
  };

  std::cerr << "workflow_bench: " << n << " cases (" << o.order << "), " << o.clients
            << " client(s), " << route_text << ", into " << keydesk::database_shown(o.db) << '\n';
  const Spent before = Spent::now(o, backend, *side);
  const auto start = Clock::now();
  {
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < clients; ++t) threads.emplace_back(client, t);
    for (auto& th : threads) th.join();
  }
  const double seconds = seconds_since(start);
  const double client_cpu = keydesk::bench::process_cpu_seconds() - before.client_cpu;
  stores.clear();  // the clients' connections closed: their backends exit and report
  if (backend.postgresql && !keydesk::bench::await_other_connections_closed(*side, 10))
    std::cerr << "workflow_bench: the clients' backends had not all exited after 10 s\n";
  Spent after = Spent::now(o, backend, *side);
  after.client_cpu = before.client_cpu + client_cpu;
  for (const auto& run : runs)
    if (!run.error.empty()) fail(run.error);

  // --- verification ---
  const auto verify_start = Clock::now();
  long completed = 0, reissued = 0;
  std::string first_problem;
  CaseStore store = must(CaseStore::open(backend.target), "open for verification");
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
  long busy_retries = 0;
  for (const auto& run : runs) busy_retries += run.busy_retries;

  // Where the time went. Flushes: SQLite's syncs (the VFS), PostgreSQL's WAL syncs (pg_stat_wal).
  std::optional<double> server_cpu, flush_seconds, wal_write_seconds;
  long flushes = 0, wal_bytes = 0, wal_records = 0, commits = 0;
  if (before.server_cpu && after.server_cpu) server_cpu = *after.server_cpu - *before.server_cpu;
  if (backend.postgresql) {
    flushes = after.wal->syncs - before.wal->syncs;
    if (after.wal->timed) {
      flush_seconds = (after.wal->sync_ms - before.wal->sync_ms) / 1000;
      wal_write_seconds = (after.wal->write_ms - before.wal->write_ms) / 1000;
    }
    wal_bytes = after.wal->bytes - before.wal->bytes;
    wal_records = after.wal->records - before.wal->records;
    commits = after.wal->commits - before.wal->commits;
  } else {
    flushes = after.vfs.syncs - before.vfs.syncs;
    flush_seconds = after.vfs.sync_seconds - before.vfs.sync_seconds;
  }
  const double lock_sleep_seconds = after.vfs.sleep_seconds - before.vfs.sleep_seconds;
  const long lock_sleeps = after.vfs.sleeps - before.vfs.sleeps;

  std::printf(
      "{\"impl\": \"keydesk\", \"bench\": \"reissue_loop\", \"backend\": \"%s\", \"clients\": "
      "%ld, \"cases\": %ld, \"order\": \"%s\", \"route\": \"%s\", \"actions_per_case\": %d, "
      "\"actions\": %ld, \"journal_mode\": \"%s\", \"synchronous\": \"%s\", \"fsync\": \"%s\", "
      "\"seconds\": %.3f, \"cases_per_s\": %.1f, \"actions_per_s\": %.1f, \"busy_retries\": %ld, "
      "\"client_cpu_s\": %.3f, \"server_cpu_s\": %s, \"flushes\": %ld, \"flush_s\": %s, "
      "\"wal_write_s\": %s, \"wal_bytes\": %ld, \"wal_records\": %ld, \"server_commits\": %ld, "
      "\"lock_sleeps\": %ld, \"lock_sleep_s\": %.3f, \"setup_seconds\": %.3f, \"completed\": %ld, "
      "\"keys_reissued\": %ld, \"outbox\": %zu, \"audit_events\": %ld, \"audit_intact\": %s, "
      "\"verify_seconds\": %.3f, \"db_bytes\": %ju, \"db\": %s}\n",
      backend.name(), o.clients, n, o.order.c_str(), route_text.c_str(), steps, actions,
      durability.journal_mode.c_str(), durability.synchronous.c_str(), durability.fsync.c_str(),
      seconds, static_cast<double>(n) / seconds, static_cast<double>(actions) / seconds,
      busy_retries, client_cpu, json_number(server_cpu).c_str(), flushes,
      json_number(flush_seconds).c_str(), json_number(wal_write_seconds).c_str(), wal_bytes,
      wal_records, commits, lock_sleeps, lock_sleep_seconds, setup_seconds, completed, reissued,
      outbox.size(), audit.events, intact ? "true" : "false", verify_seconds,
      database_bytes(backend, *side), json_escape(keydesk::database_shown(o.db)).c_str());
  for (int s = 0; s < steps; ++s) {
    std::vector<double> m;
    for (const auto& run : runs)
      m.insert(m.end(), run.micros[static_cast<std::size_t>(s)].begin(),
               run.micros[static_cast<std::size_t>(s)].end());
    const Percentiles p = percentiles(m);
    const std::string name = s == 0 ? "open" : route.actions[static_cast<std::size_t>(s - 1)]->id;
    std::printf(
        "{\"impl\": \"keydesk\", \"bench\": \"reissue_loop_step\", \"backend\": \"%s\", "
        "\"clients\": %ld, \"action\": \"%s\", \"synchronous\": \"%s\", \"count\": %zu, "
        "\"mean_us\": %.1f, \"p50_us\": %.1f, \"p99_us\": %.1f, \"max_us\": %.1f}\n",
        backend.name(), o.clients, name.c_str(), durability.synchronous.c_str(), m.size(), p.mean,
        p.p50, p.p99, p.max);
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

}  // namespace keydesk::workflow_bench
