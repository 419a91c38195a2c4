#include "cli/batch_cmd.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <malloc.h>
#include <unistd.h>

#include "common/utf8.h"
#include "engine/batch.h"
#include "engine/documents.h"
#include "engine/engine.h"
#include "engine/intake.h"
#include "engine/material_file.h"
#include "ocr/scan.h"

namespace keydesk::cli {
namespace {

struct ScanArgs {
  std::string file;
  std::string as;
};

int run_scan(const Context& ctx, const ScanArgs& args) {
  auto rules = load_document_rules(ctx.rules() / "documents.yaml");
  if (!rules) {
    print_error(ctx, rules.error());
    return kUsage;
  }
  auto bytes = read_regular_file(args.file, kMaxMaterialBytes);
  if (!bytes) {
    print_error(ctx, bytes.error());
    return exit_code_of(bytes.error().kind);
  }
  auto analyzer = ocr::ScanAnalyzer::create(rules->types, {});
  if (!analyzer) {
    print_error(ctx, analyzer.error());
    return exit_code_of(analyzer.error().kind);
  }
  ocr::ScanResult result = (*analyzer)->analyse(*bytes, args.as);
  nlohmann::json j = ocr::scan_result_json(result);
  std::cout << j.dump(ctx.json ? -1 : 2) << "\n";
  return result.readable ? kOk : kProblems;
}

struct VerifyArgs {
  std::vector<std::string> paths;
  std::string report;
  std::string db;
  int jobs = 0;
  std::string today;
  bool quiet = false;
  bool open_cases = false;
  bool pass_clean = false;
  bool queue = false;
};

// The start of `text` that fills at most `columns` of a terminal (a CJK character two), cut
// between characters.
std::string first_columns(const std::string& text, int columns) {
  std::size_t at = 0;
  for (int used = 0; at < text.size();) {
    const Utf8Sequence seq = utf8_sequence_at(text, at);
    const std::size_t length = seq.length ? seq.length : 1;
    used += length >= 3 ? 2 : 1;  // U+0800 and above: mostly CJK, and its punctuation
    if (used > columns) break;
    at += length;
  }
  return text.substr(0, at);
}

// A bar redrawn in place on a terminal; one plain line per scan otherwise (logs, CI).
void show_progress(const BatchProgress& p, bool tty) {
  if (tty) {
    constexpr int kWidth = 30;
    int filled = p.total ? p.done * kWidth / p.total : kWidth;
    std::cerr << "\r[" << std::string(static_cast<size_t>(filled), '#')
              << std::string(static_cast<size_t>(kWidth - filled), '.') << "] " << p.done << "/"
              << p.total << "  " << first_columns(p.current, 48) << "\x1b[K" << std::flush;
    if (p.done == p.total) std::cerr << "\n";
  } else {
    std::cerr << "scan " << p.done << "/" << p.total << " " << p.current << "\n";
  }
}

int run_verify(const Context& ctx, const VerifyArgs& args) {
  auto today = today_option(args.today);
  if (!today) {
    print_error(ctx, today.error());
    return kUsage;
  }
  BatchOptions options;
  for (const std::string& p : args.paths) options.inputs.emplace_back(p);
  options.report_dir = args.report;
  options.db = args.db;
  options.jobs = args.jobs;
  options.rules_dir = ctx.rules();
  options.today = *today;
  options.by_workers = args.queue;
  // Every scan allocates pages of megabytes and frees them again. By default glibc hands blocks
  // this large back to the kernel at once, and the next page pays a page fault for every 4 KB it
  // touches (3.5 % of a batch's time). Kept in the heap, they are reused.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's ceiling
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  bool tty = isatty(STDERR_FILENO) != 0;
  if (!args.quiet) options.progress = [tty](const BatchProgress& p) { show_progress(p, tty); };
  // What the batch waits for (the database, following the workers' queue), on a line of its own.
  options.log = [tty](const std::string& line) {
    std::cerr << (tty ? "\r\x1b[K" : "") << "keydesk batch verify: " << line << "\n";
  };
  // With --db, the database is the case database: each verdict goes onto its case (the
  // engine's verify_batch), and with --pass-clean the cases that passed are passed.
  std::optional<Result<nlohmann::json>> report;
  std::vector<CaseLink> links;
  std::vector<PassOutcome> passed;
  if (args.db.empty()) {
    report.emplace(run_batch(options));
  } else {
    auto counter = ctx.counter();
    if (!counter) {
      print_error(ctx, counter.error());
      return exit_code_of(counter.error().kind);
    }
    auto store = CaseStore::open(args.db);
    if (!store) {
      print_error(ctx, store.error());
      return exit_code_of(store.error().kind);
    }
    Engine engine(*store, ctx.rules(), *counter);
    const char* user = std::getenv("USER");
    const Actor actor{user ? user : "clerk", "authority_clerk", counter->authority};
    auto run = engine.verify_batch(options, actor, args.open_cases);
    if (!run) {
      report.emplace(run.error());
    } else {
      links = std::move(run->links);
      report.emplace(std::move(run->report));
      if (args.pass_clean) {
        std::vector<std::string> clean;
        for (const auto& s : (**report)["submissions"])
          if (s.value("verdict", "") == "pass" && s.value("id", "") != "") clean.push_back(s["id"]);
        passed = engine.pass_clean(clean, actor);
      }
    }
  }
  if (!*report) {
    print_error(ctx, report->error());
    return kUsage;
  }
  const nlohmann::json& summary = (**report)["summary"];
  if (ctx.json) {
    nlohmann::json cases = nlohmann::json::array();
    for (const CaseLink& l : links)
      cases.push_back({{"submission", l.submission}, {"outcome", l.outcome}, {"detail", l.detail}});
    nlohmann::json passes = nlohmann::json::array();
    for (const PassOutcome& p : passed)
      passes.push_back(p.error ? nlohmann::json{{"case", p.case_id}, {"error", p.error->message}}
                               : nlohmann::json{{"case", p.case_id},
                                                {"action", p.action},
                                                {"state", p.state},
                                                {"state_title", p.state_title}});
    print_json({{"batch", (**report)["batch"]},
                {"summary", summary},
                {"cases", cases},
                {"passed", passes},
                {"report", (std::filesystem::absolute(args.report) / "report.html").string()}});
  } else {
    for (const auto& s : (**report)["submissions"]) {
      std::string id =
          s["id"].is_string() ? s["id"].get<std::string>() : s["dir"].get<std::string>();
      std::cout << s["verdict"].get<std::string>() << "\t" << id;
      int shown = 0;
      for (const auto& f : s["findings"]) {
        if (f["severity"] == "info") continue;
        std::cout << (shown++ ? ", " : "\t") << f["code"].get<std::string>() << "("
                  << f["material"].get<std::string>() << ")";
      }
      std::cout << "\n";
    }
    std::cout << "batch " << (**report)["batch"].get<std::string>() << ": "
              << summary["submissions"] << " submissions, " << summary["pass"] << " pass, "
              << summary["fail"] << " fail, " << summary["review"] << " review; "
              << summary["scans"] << " scans (" << summary["scans_reused"]
              << " from an earlier run) in " << summary["seconds"] << " s\n"
              << "report: " << (std::filesystem::absolute(args.report) / "report.html").string()
              << "\n";
    std::map<std::string, int> counts;
    for (const CaseLink& l : links) {
      ++counts[l.outcome];
      if (!l.detail.empty()) std::cout << "case " << l.submission << ": " << l.detail << "\n";
    }
    if (!links.empty()) {
      std::cout << "cases in " << args.db << ":";
      for (const auto& [outcome, n] : counts) std::cout << " " << n << " " << outcome << ";";
      std::cout << (counts.count("no case") ? " (--open-cases opens the missing ones)" : "")
                << "\n";
    }
    for (const PassOutcome& p : passed)
      std::cout << (p.error ? "未通过 " + p.case_id + "：" + p.error->message
                            : "已通过 " + p.case_id + " → " + p.state_title + "（" + p.state + "）")
                << "\n";
  }
  return summary["fail"].get<int>() > 0 || summary["review"].get<int>() > 0 ? kProblems : kOk;
}

}  // namespace

void add_batch_commands(CLI::App& app, Context& ctx, int& exit_code) {
  auto args = std::make_shared<ScanArgs>();
  CLI::App* scan = app.add_subcommand("scan", "analyse one scan and print what was found (JSON)");
  scan->add_option("file", args->file, "image file")->required();
  scan->add_option("--as", args->as, "the material type it was uploaded as (business_licence, …)");
  scan->callback([&ctx, &exit_code, args] { exit_code = run_scan(ctx, *args); });

  CLI::App* batch = app.add_subcommand("batch", "document checks of whole batches of submissions");
  batch->require_subcommand(1);
  auto v = std::make_shared<VerifyArgs>();
  CLI::App* verify = batch->add_subcommand(
      "verify", "check every submission folder under PATH...; write report.json/.csv/.html");
  verify->add_option("paths", v->paths, "submission folders, or folders of them")->required();
  verify->add_option("--report", v->report, "report directory (created)")->required();
  verify->add_option("--db", v->db,
                     "database keeping finished scans (default: REPORT/batch.db); a rerun "
                     "resumes from it. The case database: each verdict is recorded on its case");
  verify->add_option("--jobs", v->jobs, "worker threads, one OCR engine each (default: cores)")
      ->check(CLI::Range(0, 64));
  verify->add_option("--today", v->today, "the date checks count from (YYYY-MM-DD)");
  verify->add_flag("--quiet", v->quiet, "no progress on stderr");
  verify->add_flag("--open-cases", v->open_cases,
                   "open a case for each submission the database (--db) has none for; the "
                   "verdicts are recorded on the cases either way");
  verify->add_flag("--queue", v->queue,
                   "leave the scans to `keydesk worker` processes: enqueue them as check jobs in "
                   "the database (--db), follow the workers' progress, then write the report and "
                   "record the verdicts as without it");
  verify->add_flag("--pass-clean", v->pass_clean,
                   "then take, on each case whose check passed, the action a clean check lets "
                   "through (as the web counter's 一键通过); needs --db");
  // `keydesk --db FILE batch verify …` means the same database as `batch verify … --db FILE`.
  CLI::Option* global_db = app.get_option_no_throw("--db");
  verify->callback([&ctx, &exit_code, v, global_db] {
    if (v->db.empty() && global_db && global_db->count() > 0) v->db = ctx.db;
    if (v->queue && v->db.empty()) {
      print_error(ctx, Error{"交给核验进程（--queue）需要 keydesk worker 也能访问的数据库：请加上 "
                             "--db FILE 或 --db postgresql://… (--queue needs the database the "
                             "workers drain, --db)"});
      exit_code = kUsage;
      return;
    }
    if (v->pass_clean && v->db.empty()) {
      print_error(ctx, Error{"--pass-clean 需要案件数据库：请加上 --db FILE (--pass-clean needs "
                             "the case database, --db)"});
      exit_code = kUsage;
      return;
    }
    exit_code = run_verify(ctx, *v);
  });
}

}  // namespace keydesk::cli
