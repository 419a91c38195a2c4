// calendar_bench: throughput of WorkingCalendar::add_working_days and working_days_between on a
// query file written by gen_queries.py, for comparison with workalendar_peer.py.
//
// Usage: calendar_bench QUERIES [--answers FILE] [--min-seconds S] [--rules DIR]
//                               [--calendar NAME]
// Contract (identical to workalendar_peer.py):
//   - every query is parsed before any timing;
//   - add and between queries are timed separately with std::chrono::steady_clock, in whole
//     passes over all queries of that kind, until at least S seconds (default 0.5) have elapsed;
//   - one JSON line per kind on stdout: impl, op, queries, passes, seconds, ops_per_s, checksum
//     (checksum: over the first pass, the sum of add results as days since 1970-01-01, or the
//     sum of between counts);
//   - --answers FILE writes "<query line> <answer>" for every query, in file order.
// Exit 1 if the file cannot be read, the calendar cannot be loaded or a query fails.
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/date_time/gregorian/gregorian.hpp>

#include "engine/calendar.h"

#ifndef KEYDESK_BENCH_RULES
#define KEYDESK_BENCH_RULES "rules"
#endif

namespace {

using keydesk::Date;
using keydesk::WorkingCalendar;
using Clock = std::chrono::steady_clock;

enum class Kind : std::uint8_t { add, between };

struct Query {
  Kind kind;
  Date a;
  Date b;      // between: the end date; add: unused
  long n = 0;  // add: the number of working days
  std::string line;
};

struct Options {
  std::string queries;
  std::string answers;
  std::string rules = KEYDESK_BENCH_RULES;
  std::string calendar = "cn-national";
  double min_seconds = 0.5;
};

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "calendar_bench: " << message << '\n';
  std::exit(1);
}

Options parse_options(int argc, char** argv) {
  Options o;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) fail(args[i] + " needs a value");
      return args[++i];
    };
    if (args[i] == "--answers")
      o.answers = value();
    else if (args[i] == "--rules")
      o.rules = value();
    else if (args[i] == "--calendar")
      o.calendar = value();
    else if (args[i] == "--min-seconds") {
      const std::string& v = value();
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), o.min_seconds);
      if (ec != std::errc() || end != v.data() + v.size()) fail("--min-seconds: not a number");
    } else if (o.queries.empty() && !args[i].starts_with("--"))
      o.queries = args[i];
    else
      fail(
          "usage: calendar_bench QUERIES [--answers FILE] [--min-seconds S] [--rules DIR] "
          "[--calendar NAME]");
  }
  if (o.queries.empty()) fail("no query file given");
  return o;
}

std::vector<Query> read_queries(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail("cannot read " + path);
  std::vector<Query> queries;
  std::string line;
  for (long number = 1; std::getline(in, line); ++number) {
    std::istringstream words(line);
    std::string kind, x, y, extra;
    if (!(words >> kind)) continue;
    auto bad = [&] {
      fail(path + ":" + std::to_string(number) + ": expected 'add DATE N' or 'between A B'");
    };
    if (!(words >> x >> y) || (words >> extra)) bad();
    Query q{};
    auto a = keydesk::parse_date(x);
    if (!a) bad();
    q.a = *a;
    if (kind == "add") {
      q.kind = Kind::add;
      auto [end, ec] = std::from_chars(y.data(), y.data() + y.size(), q.n);
      if (ec != std::errc() || end != y.data() + y.size()) bad();
    } else if (kind == "between") {
      q.kind = Kind::between;
      auto b = keydesk::parse_date(y);
      if (!b) bad();
      q.b = *b;
    } else {
      bad();
    }
    q.line = kind + ' ' + x + ' ' + y;
    queries.push_back(std::move(q));
  }
  return queries;
}

// Days since 1970-01-01, the checksum unit shared with the Python peer.
long epoch_days(Date d) { return (d - Date(1970, 1, 1)).days(); }

struct Timing {
  long passes = 0;
  double seconds = 0;
};

// Calls `one(i, out[i])` for every i in [0, count), in whole passes until `min_seconds` have
// elapsed. Every pass stores into `out`, so the results stay observable; after return it holds
// the answers.
template <class T, class One>
Timing run_timed(std::size_t count, double min_seconds, std::vector<T>& out, One one) {
  out.assign(count, T{});
  Timing t;
  const auto start = Clock::now();
  do {
    for (std::size_t i = 0; i < count; ++i) one(i, out[i]);
    ++t.passes;
    t.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  } while (t.seconds < min_seconds);
  return t;
}

void report(const char* op, std::size_t queries, const Timing& t, long checksum) {
  const double ops = static_cast<double>(queries) * static_cast<double>(t.passes) / t.seconds;
  std::printf(
      "{\"impl\": \"keydesk\", \"op\": \"%s\", \"queries\": %zu, \"passes\": %ld, "
      "\"seconds\": %.6f, \"ops_per_s\": %.1f, \"checksum\": %ld}\n",
      op, queries, t.passes, t.seconds, ops, checksum);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = parse_options(argc, argv);
  const std::vector<Query> queries = read_queries(opt.queries);

  auto loaded = WorkingCalendar::load(std::filesystem::path(opt.rules) / "calendars", opt.calendar);
  if (!loaded.ok()) fail(loaded.error().message);
  const WorkingCalendar& cal = loaded.value();

  std::vector<Date> add_from;
  std::vector<long> add_n;
  std::vector<Date> between_a, between_b;
  for (const auto& q : queries) {
    if (q.kind == Kind::add) {
      add_from.push_back(q.a);
      add_n.push_back(q.n);
    } else {
      between_a.push_back(q.a);
      between_b.push_back(q.b);
    }
  }

  // A failed query is recorded and reported after timing; it makes the run fail.
  std::string first_failure;
  auto failed = [&](const keydesk::Error& e, const std::string& what) {
    if (first_failure.empty()) first_failure = what + ": " + e.message;
  };

  std::vector<Date> add_out;
  if (!add_from.empty()) {
    const Timing t =
        run_timed(add_from.size(), opt.min_seconds, add_out, [&](std::size_t i, Date& out) {
          auto r = cal.add_working_days(add_from[i], add_n[i]);
          if (r.ok())
            out = r.value();
          else
            failed(r.error(),
                   "add " + keydesk::format_date(add_from[i]) + ' ' + std::to_string(add_n[i]));
        });
    long sum = 0;
    for (Date d : add_out) sum += d.is_special() ? 0 : epoch_days(d);
    report("add", add_from.size(), t, sum);
  }

  std::vector<long> between_out;
  if (!between_a.empty()) {
    const Timing t =
        run_timed(between_a.size(), opt.min_seconds, between_out, [&](std::size_t i, long& out) {
          auto r = cal.working_days_between(between_a[i], between_b[i]);
          if (r.ok())
            out = r.value();
          else
            failed(r.error(), "between " + keydesk::format_date(between_a[i]) + ' ' +
                                  keydesk::format_date(between_b[i]));
        });
    long sum = 0;
    for (long c : between_out) sum += c;
    report("between", between_a.size(), t, sum);
  }

  if (!first_failure.empty()) fail("query failed: " + first_failure);

  if (!opt.answers.empty()) {
    std::ofstream out(opt.answers);
    std::size_t ia = 0, ib = 0;
    for (const auto& q : queries) {
      out << q.line << ' ';
      if (q.kind == Kind::add)
        out << keydesk::format_date(add_out[ia++]) << '\n';
      else
        out << between_out[ib++] << '\n';
    }
    if (!out) fail("cannot write " + opt.answers);
  }
  return 0;
}
