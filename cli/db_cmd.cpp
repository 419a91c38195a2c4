#include "cli/db_cmd.h"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "engine/store_copy.h"

namespace keydesk::cli {

namespace {

struct CopyArgs {
  std::string from, to;
};

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", seconds);
  return text;
}

nlohmann::json copy_json(const StoreLocation& from, const StoreLocation& to, const StoreCopy& copy,
                         double seconds) {
  nlohmann::json kinds = nlohmann::json::array();
  for (const auto& k : copy.kinds)
    kinds.push_back(
        {{"kind", k.table}, {"title", k.title}, {"source", k.source}, {"target", k.target}});
  return {{"from", from.shown},
          {"to", to.shown},
          {"committed", copy.committed},
          {"verified", copy.verified()},
          {"kinds", kinds},
          {"audit",
           {{"events", copy.audit.events},
            {"intact", copy.audit.problems.empty()},
            {"head_matches", copy.head_matches}}},
          {"seconds", seconds}};
}

// Why a copy did not verify, and what to do: in Chinese, for the administrator.
std::string not_verified(const StoreLocation& from, const StoreLocation& to,
                         const StoreCopy& copy) {
  std::string why;
  for (const auto& k : copy.kinds)
    if (k.source != k.target)
      why += k.title + "：源 " + std::to_string(k.source) + " 条，目标 " +
             std::to_string(k.target) + " 条；";
  if (!why.empty())
    return "复制后条数不一致（" + why + "），目标数据库 " + to.shown +
           " 未写入任何数据：请重试，仍不一致请联系技术支持";
  return "审计链校验未通过：复制到 " + to.shown + " 的 " + std::to_string(copy.audit.events) +
         " 条审计记录中有 " + std::to_string(copy.audit.problems.size()) + " 处与校验值不符" +
         (copy.head_matches ? "" : "、末端与源数据库不一致") +
         "，源数据库的审计记录可能被改动或删除过。目标数据库未写入任何数据。请先运行 keydesk "
         "--db " +
         from.shown + " case verify-audit 查明是哪些记录，查明原因后再复制";
}

int copy_database(const Context& ctx, const CopyArgs& args) {
  auto failed = [&](const Error& error) {
    print_error(ctx, error);
    return exit_code_of(error.kind);
  };
  auto from = parse_store_location(args.from, "FROM", true);
  if (!from) return failed(from.error());
  auto to = parse_store_location(args.to, "TO", false);
  if (!to) return failed(to.error());
  if (!ctx.json) std::cerr << "正在把 " << from->shown << " 复制到 " << to->shown << " …\n";
  const auto started = std::chrono::steady_clock::now();
  auto copy = copy_store(*from, *to, [&](const CopiedKind& kind) {
    if (!ctx.json) std::cerr << "  " << kind.title << "：" << kind.target << '\n';
  });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!copy) return failed(copy.error());
  if (ctx.json) print_json(copy_json(*from, *to, *copy, seconds));
  if (!copy->committed) {
    failed(Error{not_verified(*from, *to, *copy)});
    return kProblems;
  }
  if (!ctx.json)
    std::cout << "已复制 " << copy->source_count("cases") << " 个案件、"
              << copy->source_count("events") << " 条审计记录、" << copy->source_count("accounts")
              << " 个账户到 " << to->shown << "，各类数据条数与源数据库一致；审计链校验通过（"
              << copy->audit.events << " 条记录，末端与源数据库一致）。用时 "
              << seconds_text(seconds) << " 秒。\n"
              << "下一步：停用源数据库上的 keydesk，此后各 keydesk serve 与 keydesk worker 用 --db "
              << to->shown << " 启动。\n";
  return kOk;
}

}  // namespace

void add_db_commands(CLI::App& app, Context& ctx, int& exit_code) {
  auto* db = app.add_subcommand("db", "the case database as a whole: copy it to another");
  db->require_subcommand(1);
  auto args = std::make_shared<CopyArgs>();
  auto* copy = db->add_subcommand(
      "copy",
      "copy every case with its history and audit chain, the registry, accounts and sessions, "
      "procedure versions, outbox, scan results and check jobs from FROM into the empty TO (an "
      "SQLite file or a postgresql:// URI, either way); verified by the audit chain on arrival, "
      "committed only then");
  copy->add_option("FROM", args->from, "the database copied: an SQLite file or postgresql:// URI")
      ->required();
  copy->add_option("TO", args->to,
                   "an empty database (a new SQLite file, or a new PostgreSQL "
                   "database made with createdb)")
      ->required();
  copy->callback([&ctx, &exit_code, args] { exit_code = copy_database(ctx, *args); });
}

}  // namespace keydesk::cli
