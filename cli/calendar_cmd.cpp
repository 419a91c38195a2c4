#include "cli/calendar_cmd.h"

#include "engine/deadlines.h"
#include "engine/engine.h"
#include "engine/material_file.h"
#include "engine/rules.h"

#include <charconv>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>

#include <boost/date_time/gregorian/gregorian.hpp>

namespace keydesk::cli {

namespace {

// A query's answer: the plain line, and the JSON object for --json.
struct Answer {
  std::string line;
  nlohmann::json json;
};

using Query = std::function<Result<Answer>(const std::vector<std::string>& args)>;

Result<Date> date_arg(const std::string& text) {
  if (auto d = parse_date(text)) return *d;
  return Error{why_not_a_date(text)};
}

Result<long> count_arg(const std::string& text) {
  long n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size())
    return Error{"“" + text + "”不是工作日天数，请填写整数 ('" + text +
                 "' is not a whole number of working days)"};
  return n;
}

// Runs `query` on `args`, or with no args on every line of standard input (one answer per
// line, comment and blank lines echoed in plain mode). Exit 2 if any query failed.
int run_queries(const Context& ctx, const std::vector<std::string>& args, std::size_t arity_min,
                std::size_t arity_max, const std::string& usage, const Query& query) {
  auto answer = [&](const std::vector<std::string>& a, const nlohmann::json& echo) {
    if (a.size() < arity_min || a.size() > arity_max) {
      std::string msg = "expected " + usage;
      if (ctx.json)
        print_json({{"query", echo}, {"error", msg}});
      else
        std::cout << "error: " << msg << '\n';
      return false;
    }
    auto r = query(a);
    if (!r) {
      if (ctx.json) {
        nlohmann::json j = {{"query", echo}, {"error", r.error().message}};
        print_json(j);
      } else {
        std::cout << "error: " << r.error().message << '\n';
      }
      return false;
    }
    if (ctx.json)
      print_json(r->json);
    else
      std::cout << r->line << '\n';
    return true;
  };

  if (!args.empty()) {
    if (args.size() < arity_min || args.size() > arity_max) {
      std::cerr << "keydesk: expected " << usage << " (or no arguments to read queries from "
                << "standard input)\n";
      return kUsage;
    }
    auto r = query(args);
    if (!r) {
      if (ctx.json) print_json({{"query", args}, {"error", r.error().message}});
      std::cerr << "keydesk: " << r.error().message << '\n';
      return kUsage;
    }
    ctx.json ? print_json(r->json) : void(std::cout << r->line << '\n');
    return kOk;
  }

  std::string line;
  std::size_t failed = 0, total = 0;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') {
      if (!ctx.json) std::cout << line << '\n';
      continue;
    }
    std::istringstream words(line);
    std::vector<std::string> a;
    for (std::string w; words >> w;) a.push_back(w);
    ++total;
    if (!answer(a, line)) ++failed;
  }
  if (failed) {
    std::cerr << "keydesk: " << failed << " of " << total << " queries failed\n";
    return kUsage;
  }
  return kOk;
}

std::string kind_mark(const DayInfo& d) { return d.working ? "班" : "休"; }

nlohmann::json day_json(const DayInfo& d) {
  return {{"date", format_date(d.date)}, {"weekday", weekday_zh(d.date)},
          {"working", d.working},        {"name", d.name},
          {"notice", d.notice},          {"calendar", d.calendar}};
}

int show(const Context& ctx, const WorkingCalendar& cal, int year) {
  auto days = cal.non_standard_days(year);
  if (!days) {
    print_error(ctx, days.error());
    return kUsage;
  }
  std::vector<std::pair<std::string, Notice>> notices;
  for (const auto& y : cal.covered_years())
    if (y.year == year) notices = y.notices;
  if (ctx.json) {
    nlohmann::json j = {{"calendar", cal.id()}, {"year", year}, {"days", nlohmann::json::array()}};
    j["notices"] = nlohmann::json::array();
    for (const auto& [layer, n] : notices)
      j["notices"].push_back({{"calendar", layer},
                              {"number", n.number},
                              {"title", n.title},
                              {"issued", n.issued},
                              {"url", n.url}});
    for (const auto& d : *days) j["days"].push_back(day_json(d));
    print_json(j);
    return kOk;
  }
  std::cout << year << "  " << cal.title() << " (" << cal.id() << ")\n";
  for (const auto& [layer, n] : notices)
    std::cout << "  " << n.number << "  " << n.title << "  " << n.issued << '\n';
  std::cout << "days that differ from Monday-to-Friday (休 rest, 班 working):\n";
  for (const auto& d : *days) {
    std::cout << format_date(d.date) << "  " << weekday_zh(d.date) << "  " << kind_mark(d) << "  "
              << d.name << (d.working ? "（调休上班）" : "");
    if (cal.files().size() > 1) std::cout << "  [" << d.calendar << "]";
    std::cout << '\n';
  }
  return kOk;
}

int status(const Context& ctx, const WorkingCalendar& cal, Date today) {
  auto years = cal.covered_years();
  // The case database is asked how many cases wait, when there is one: status never makes one.
  std::optional<CaseStore> store;
  std::error_code ec;
  if (is_database_server(ctx.db) || std::filesystem::is_regular_file(ctx.db, ec)) {
    auto opened = CaseStore::open(ctx.db);
    if (!opened) {
      print_error(ctx, opened.error());
      return kUsage;
    }
    store.emplace(std::move(opened).value());
  }
  auto warned = calendar_warnings(cal, today, store ? &*store : nullptr);
  if (!warned) {
    print_error(ctx, warned.error());
    return kUsage;
  }
  const std::vector<std::string>& warnings = warned->lines;
  int code = cal.covers(today.year()) ? kOk : kProblems;
  if (ctx.json) {
    nlohmann::json j = {{"calendar", cal.id()},
                        {"title", cal.title()},
                        {"version", cal.version()},
                        {"files", cal.files()},
                        {"today", format_date(today)},
                        {"warnings", warnings},
                        {"years", nlohmann::json::array()}};
    if (warned->waiting >= 0) j["cases_waiting"] = warned->waiting;
    for (const auto& y : years) {
      nlohmann::json ns = nlohmann::json::array();
      for (const auto& [layer, n] : y.notices)
        ns.push_back({{"calendar", layer}, {"number", n.number}});
      j["years"].push_back({{"year", y.year}, {"notices", ns}});
    }
    print_json(j);
    return code;
  }
  std::cout << "calendar " << cal.id() << "  " << cal.title() << '\n';
  for (const auto& f : cal.files()) std::cout << "  file " << f << '\n';
  for (const auto& y : years) {
    std::cout << "  " << y.year << "  ";
    for (std::size_t i = 0; i < y.notices.size(); ++i)
      std::cout << (i ? ", " : "") << y.notices[i].second.number;
    std::cout << '\n';
  }
  for (const auto& w : warnings) std::cout << "warning: " << w << '\n';
  return code;
}

nlohmann::json date_or_null(const std::optional<Date>& d) {
  return d ? nlohmann::json(format_date(*d)) : nlohmann::json();
}

nlohmann::json year_or_null(int year) { return year ? nlohmann::json(year) : nlohmann::json(); }

// keydesk calendar reproject: every open case's deadline on the calendar files as they are now.
// Prints what a re-projection changed (or would, `dry_run`).
int print_reprojection(const Context& ctx, const Result<ReprojectReport>& report, bool dry_run) {
  if (!report) {
    print_error(ctx, report.error());
    return kUsage;
  }
  if (ctx.json) {
    nlohmann::json j = {{"checked", report->checked},
                        {"dry_run", dry_run},
                        {"changes", nlohmann::json::array()},
                        {"skipped", report->skipped},
                        {"pending_years", nlohmann::json::object()}};
    for (const auto& c : report->changes)
      j["changes"].push_back({{"case", c.case_id},
                              {"old_due", date_or_null(c.old_due)},
                              {"due", date_or_null(c.new_due)},
                              {"old_due_pending_year", year_or_null(c.old_pending_year)},
                              {"due_pending_year", year_or_null(c.new_pending_year)},
                              {"calendar", c.calendar},
                              {"calendar_version", c.calendar_version}});
    for (const auto& [year, n] : report->pending_years)
      if (n > 0) j["pending_years"][std::to_string(year)] = n;
    print_json(j);
    return kOk;
  }
  for (const auto& c : report->changes) std::cout << change_text(c) << '\n';
  for (const auto& id : report->skipped)
    std::cout << id
              << "  刚有人办理，办结期限已随办理重新计算 (acted on meanwhile: left as it is)\n";
  std::cout << "检查在办案件 " << report->checked << " 件，办结期限" << (dry_run ? "将" : "已")
            << "变更 " << report->changes.size() << " 件" << (dry_run ? "（试算，未保存）" : "")
            << '\n';
  for (const auto& [year, n] : report->pending_years)
    if (n > 0) std::cout << "仍待定 " << n << " 件：" << year << "年节假日安排尚未录入\n";
  return kOk;
}

// The engine over the case database (--db), for `user` as an administrator; or the exit code.
struct AdminEngine {
  CounterConfig counter;
  std::unique_ptr<CaseStore> store;
  std::unique_ptr<Engine> engine;
  Actor actor;
};
Result<AdminEngine> admin_engine(const Context& ctx, const std::string& user) {
  auto counter = ctx.counter();
  if (!counter) return counter.error();
  auto store = CaseStore::open(ctx.db);
  if (!store) return store.error();
  const char* login = std::getenv("USER");
  AdminEngine e{
      *counter, std::make_unique<CaseStore>(std::move(store).value()), nullptr,
      Actor{user.empty() ? (login ? login : "administrator") : user, "administrator", ""}};
  e.engine = std::make_unique<Engine>(*e.store, ctx.rules(), e.counter);
  return e;
}

int reproject(const Context& ctx, const std::string& user, bool dry_run) {
  auto e = admin_engine(ctx, user);
  if (!e) {
    print_error(ctx, e.error());
    return kUsage;
  }
  return print_reprojection(ctx, e->engine->reproject(e->actor, dry_run), dry_run);
}

// `keydesk calendar activate ID FILE`: the web rules page's calendar edit, from the shell.
int activate(const Context& ctx, const std::string& user, const std::vector<std::string>& a) {
  auto e = admin_engine(ctx, user);
  if (!e) {
    print_error(ctx, e.error());
    return kUsage;
  }
  auto text = read_regular_file(a[1], 4u << 20);
  if (!text) {
    print_error(ctx, text.error());
    return exit_code_of(text.error().kind);
  }
  auto done = e->engine->activate_calendar(a[0], *text, e->actor);
  if (!done) {
    print_error(ctx, done.error());
    return done.error().diagnostics.empty() ? exit_code_of(done.error().kind) : kProblems;
  }
  const CalendarActivation& act = done->activation;
  if (!ctx.json)
    std::cout << "日历 " << act.id << (act.changed ? " 已启用新版本 " : " 内容未变，仍为 ")
              << act.version.substr(0, 12) << "（" << act.file << "）\n";
  return print_reprojection(ctx, done->reprojection, false);
}

}  // namespace

void add_calendar_commands(CLI::App& app, Context& ctx, int& exit_code) {
  auto* calendar = app.add_subcommand("calendar", "working-day calendar: deadlines in 工作日");
  calendar->require_subcommand(1);

  // Every query sub-command loads the calendar the same way.
  auto with_calendar = [&ctx, &exit_code](std::function<int(const WorkingCalendar&)> body) {
    return [&ctx, &exit_code, body] {
      auto cal = ctx.load_calendar();
      if (!cal) {
        print_error(ctx, cal.error());
        exit_code = kUsage;
        return;
      }
      exit_code = body(*cal);
    };
  };

  // Parsed arguments live as long as the callbacks that read them.
  struct Args {
    std::vector<std::string> add, between, accept, lint, activate;
    int show_year = 0;
    std::string today, user;
    bool dry_run = false;
  };
  auto args = std::make_shared<Args>();
  auto* add = calendar->add_subcommand(
      "add", "DATE N: the N-th working day strictly after DATE (no arguments: read from stdin)");
  add->add_option("query", args->add, "DATE N")->expected(0, 2);
  add->callback(with_calendar([&ctx, args](const WorkingCalendar& cal) {
    return run_queries(
        ctx, args->add, 2, 2, "DATE N", [&](const std::vector<std::string>& a) -> Result<Answer> {
          auto d = date_arg(a[0]);
          if (!d) return d.error();
          auto n = count_arg(a[1]);
          if (!n) return n.error();
          auto r = cal.add_working_days(*d, *n);
          if (!r) return r.error();
          return Answer{format_date(*r), {{"date", a[0]}, {"n", *n}, {"result", format_date(*r)}}};
        });
  }));

  auto* between = calendar->add_subcommand(
      "between", "A B: the number of working days in (A, B] (no arguments: read from stdin)");
  between->add_option("query", args->between, "A B")->expected(0, 2);
  between->callback(with_calendar([&ctx, args](const WorkingCalendar& cal) {
    return run_queries(
        ctx, args->between, 2, 2, "A B", [&](const std::vector<std::string>& a) -> Result<Answer> {
          auto from = date_arg(a[0]);
          if (!from) return from.error();
          auto to = date_arg(a[1]);
          if (!to) return to.error();
          auto r = cal.working_days_between(*from, *to);
          if (!r) return r.error();
          return Answer{std::to_string(*r), {{"from", a[0]}, {"to", a[1]}, {"result", *r}}};
        });
  }));

  auto* accept = calendar->add_subcommand(
      "accept",
      "TIME [N]: the acceptance date of a submission made at TIME (after the cut-off or on a "
      "rest day: the next working day), and with N the deadline N working days later");
  accept->add_option("query", args->accept, "TIME [N]")->expected(0, 2);
  accept->callback(with_calendar([&ctx, args](const WorkingCalendar& cal) {
    auto cfg = ctx.counter();
    if (!cfg) {
      print_error(ctx, cfg.error());
      return static_cast<int>(kUsage);
    }
    CounterHours hours = cfg->hours;
    return run_queries(ctx, args->accept, 1, 2, "TIME [N]",
                       [&](const std::vector<std::string>& a) -> Result<Answer> {
                         auto t = parse_submission_time(a[0], hours);
                         if (!t) return t.error();
                         auto accepted = cal.acceptance_date(*t, hours);
                         if (!accepted) return accepted.error();
                         Answer out{
                             format_date(*accepted),
                             {{"submitted_at", a[0]}, {"accepted_on", format_date(*accepted)}}};
                         if (a.size() == 2) {
                           auto n = count_arg(a[1]);
                           if (!n) return n.error();
                           auto due = cal.add_working_days(*accepted, *n);
                           if (!due) return due.error();
                           out.line += " " + format_date(*due);
                           out.json["n"] = *n;
                           out.json["due"] = format_date(*due);
                         }
                         return out;
                       });
  }));

  auto* show_cmd =
      calendar->add_subcommand("show", "YEAR: the year's holidays and make-up working days");
  show_cmd->add_option("year", args->show_year, "YEAR")->required();
  show_cmd->callback(with_calendar(
      [&ctx, args](const WorkingCalendar& cal) { return show(ctx, cal, args->show_year); }));

  auto* status_cmd = calendar->add_subcommand(
      "status", "the years the calendar covers; warns when next year is missing");
  status_cmd->add_option("--today", args->today, "take this date as today (YYYY-MM-DD)");
  status_cmd->callback(with_calendar([&ctx, args](const WorkingCalendar& cal) {
    auto today = today_option(args->today);
    if (!today) {
      print_error(ctx, today.error());
      return static_cast<int>(kUsage);
    }
    return status(ctx, cal, *today);
  }));

  auto* reproject_cmd = calendar->add_subcommand(
      "reproject",
      "compute every open case's deadline again on the calendar files as they are now (a year "
      "entered, an arrangement amended) and record each change in the case's history (--db)");
  reproject_cmd->add_flag("--dry-run", args->dry_run, "only print what would change");
  reproject_cmd->add_option("--user", args->user, "who re-projects (default: $USER)");
  reproject_cmd->callback(
      [&ctx, &exit_code, args] { exit_code = reproject(ctx, args->user, args->dry_run); });

  auto* activate_cmd = calendar->add_subcommand(
      "activate",
      "ID FILE: lint an edited calendar file (with every calendar that extends it), write it "
      "over calendar ID when clean, then re-project every open deadline (--db)");
  activate_cmd->add_option("edit", args->activate, "ID FILE")->expected(2)->required();
  activate_cmd->add_option("--user", args->user, "who activates (default: $USER)");
  activate_cmd->callback(
      [&ctx, &exit_code, args] { exit_code = activate(ctx, args->user, args->activate); });

  auto* lint = calendar->add_subcommand(
      "lint", "[FILE...]: check calendar files (default: every file in <rules>/calendars)");
  lint->add_option("files", args->lint, "calendar files");
  lint->callback([&ctx, &exit_code, args] {
    auto dir = ctx.rules() / "calendars";
    CalendarLint result = lint_calendars(dir, {args->lint.begin(), args->lint.end()});
    if (result.files == 0) {
      std::cerr << "keydesk: " << dir.string() << " 中没有日历文件（*.yaml）：请检查规则目录\n";
      exit_code = kUsage;
      return;
    }
    if (ctx.json) {
      print_json({{"files", result.files},
                  {"files_with_errors", result.files_with_problems},
                  {"errors", diagnostics_json(result.problems)}});
    } else {
      for (const auto& d : result.problems) std::cout << d.format() << '\n';
      if (result.files_with_problems == 0)
        std::cout << "日历文件 " << result.files << " 个，没有错误\n";
      else
        std::cout << "日历文件 " << result.files << " 个，其中 " << result.files_with_problems
                  << " 个有错误，请按上列的行、列改正\n";
    }
    exit_code = result.files_with_problems ? kProblems : kOk;
  });
}

}  // namespace keydesk::cli
