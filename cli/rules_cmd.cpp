#include "cli/rules_cmd.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include <unistd.h>

#include <boost/date_time/gregorian/gregorian.hpp>

#include "engine/engine.h"
#include "engine/graph.h"
#include "engine/material_file.h"
#include "engine/rules.h"
#include "engine/simulate.h"

namespace keydesk::cli {

namespace {

Result<Procedure> procedure_named(const Context& ctx, const std::string& name) {
  std::filesystem::path path(name);
  if (path.extension() != ".yaml" && path.extension() != ".yml")
    path = ctx.rules() / "procedures" / (name + ".yaml");
  if (!std::filesystem::exists(path)) {
    Diagnostics ignored;
    std::string known;
    for (const auto& [id, _] : load_procedures(ctx.rules() / "procedures", ignored))
      known += (known.empty() ? "" : "、") + id;
    return Error{"找不到流程“" + name + "”（在 " + (ctx.rules() / "procedures").string() +
                 " 中；现有：" + (known.empty() ? "无" : known) +
                 "）：请检查流程的 id 或规则目录 (no procedure '" + name + "')"};
  }
  return load_procedure(path);
}

}  // namespace

void add_rules_commands(CLI::App& app, Context& ctx, int& exit_code) {
  auto* rules =
      app.add_subcommand("rules", "procedure rule files: lint, activate, graph, simulate");
  rules->require_subcommand(1);
  struct Args {
    std::string dir, procedure, format = "dot", scenario, today;
  };
  auto args = std::make_shared<Args>();

  auto* lint = rules->add_subcommand(
      "lint", "[DIR]: check every rule file (procedures, calendars, counter.yaml, documents.yaml)");
  lint->add_option("dir", args->dir, "rules directory (default: the rules in use)");
  lint->add_option("--today", args->today, "take this date as today (YYYY-MM-DD)");
  lint->callback([&ctx, &exit_code, args] {
    std::filesystem::path dir = args->dir.empty() ? ctx.rules() : std::filesystem::path(args->dir);
    auto today = today_option(args->today);
    if (!today) {
      print_error(ctx, today.error());
      exit_code = kUsage;
      return;
    }
    RulesReport report = lint_rules(dir, *today);
    if (ctx.json) {
      nlohmann::json j = {{"dir", dir.string()},
                          {"procedures", report.procedure_files},
                          {"calendars", report.calendar_files},
                          {"errors", diagnostics_json(report.problems)}};
      print_json(j);
    } else {
      for (const auto& d : report.problems) std::cout << d.format() << '\n';
      std::cout << dir.string() << "：流程文件 " << report.procedure_files << " 个，日历文件 "
                << report.calendar_files << " 个，"
                << (report.problems.empty() ? std::string("没有错误")
                                            : "共 " + std::to_string(report.problems.size()) +
                                                  " 处错误，请按上列的行、列改正")
                << '\n';
    }
    exit_code = report.problems.empty() ? kOk : kProblems;
  });

  auto* activate = rules->add_subcommand(
      "activate",
      "PROC FILE: lint an edited rule file of procedure PROC and, when clean, write it over the "
      "procedure's file and remember it as the new version in the case database (--db); cases "
      "in flight stay on their version");
  activate->add_option("procedure", args->procedure, "procedure id")->required();
  activate->add_option("file", args->scenario, "the edited rule file")->required();
  activate->callback([&ctx, &exit_code, args] {
    auto counter = ctx.counter();
    if (!counter) return print_error(ctx, counter.error()), void(exit_code = kUsage);
    auto store = CaseStore::open(ctx.db);
    if (!store) return print_error(ctx, store.error()), void(exit_code = kUsage);
    auto text = read_regular_file(args->scenario, 4u << 20);
    if (!text)
      return print_error(ctx, text.error()), void(exit_code = exit_code_of(text.error().kind));
    Engine engine(*store, ctx.rules(), *counter);
    auto done = engine.activate_procedure(args->procedure, *text);
    if (!done) {
      print_error(ctx, done.error());
      exit_code = done.error().diagnostics.empty() ? exit_code_of(done.error().kind) : kProblems;
      return;
    }
    if (ctx.json)
      print_json({{"id", done->id},
                  {"version", done->version},
                  {"previous_version", done->previous_version},
                  {"changed", done->changed}});
    else
      std::cout << "业务 " << done->id
                << (done->changed ? " 已启用新版本 " + done->version.substr(0, 12) + "（原为 " +
                                        done->previous_version.substr(0, 12) +
                                        "）；在办案件仍按受理时的版本办理"
                                  : " 内容未变，仍为 " + done->version.substr(0, 12))
                << '\n';
    exit_code = kOk;
  });

  auto* graph = rules->add_subcommand("graph", "PROC: the procedure's state diagram");
  graph->add_option("procedure", args->procedure, "procedure id or rule file")->required();
  graph->add_option("--format", args->format, "dot, mermaid or svg")
      ->check(CLI::IsMember({"dot", "mermaid", "svg"}));
  graph->callback([&ctx, &exit_code, args] {
    auto p = procedure_named(ctx, args->procedure);
    if (!p) {
      print_error(ctx, p.error());
      exit_code = kUsage;
      return;
    }
    if (args->format == "mermaid") {
      std::cout << procedure_mermaid(*p);
    } else if (args->format == "svg") {
      auto svg = dot_to_svg(procedure_dot(*p));
      if (!svg) {
        print_error(ctx, svg.error());
        exit_code = kUsage;
        return;
      }
      std::cout << *svg;
    } else {
      std::cout << procedure_dot(*p);
    }
    exit_code = kOk;
  });

  auto* simulate_cmd = rules->add_subcommand(
      "simulate", "SCENARIO.yaml: run a scenario through its procedure, without a database");
  simulate_cmd->add_option("scenario", args->scenario, "scenario file")->required();
  simulate_cmd->callback([&ctx, &exit_code, args] {
    auto fail = [&](const Error& e) {
      print_error(ctx, e);
      exit_code = kUsage;
    };
    auto counter = ctx.counter();
    if (!counter) return fail(counter.error());
    auto scenario = load_scenario(args->scenario, counter->hours);
    if (!scenario) return fail(scenario.error());
    auto p = procedure_named(ctx, scenario->procedure);
    if (!p) return fail(p.error());
    auto cal = calendar_for(*p, ctx.rules(), *counter);
    if (!cal) return fail(cal.error());
    auto sim = simulate(*scenario, *p, *cal, counter->hours);
    if (!sim) return fail(sim.error());
    if (ctx.json)
      print_json(simulation_json(*sim));
    else
      std::cout << format_simulation(*sim);
    exit_code = sim->expectations_met ? kOk : kProblems;
  });
}

}  // namespace keydesk::cli
