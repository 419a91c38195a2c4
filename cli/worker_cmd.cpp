#include "cli/worker_cmd.h"

#include <malloc.h>

#include <csignal>
#include <iostream>
#include <memory>

#include "engine/check_worker.h"

namespace keydesk::cli {

namespace {

std::atomic<bool> stop_requested{false};

extern "C" void request_stop(int) { stop_requested = true; }

struct WorkerArgs {
  int jobs = 1;
  bool once = false;
  bool idle_exit = false;
  int lease = 60;
  int max_attempts = 3;
  std::string name;
};

int run_worker(const Context& ctx, const WorkerArgs& args) {
  CheckWorkerOptions options;
  options.db = ctx.db;
  options.rules_dir = ctx.rules();
  options.threads = args.jobs;
  options.until = args.once        ? CheckWorkerOptions::Until::one_job
                  : args.idle_exit ? CheckWorkerOptions::Until::idle
                                   : CheckWorkerOptions::Until::stopped;
  options.lease = std::chrono::seconds(args.lease);
  options.max_attempts = args.max_attempts;
  options.name = args.name;
  options.log = [](const std::string& line) { std::cerr << "keydesk worker: " << line << "\n"; };
  options.stop = &stop_requested;
  // SIGTERM or Ctrl-C: the jobs in hand are finished, then the worker ends.
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  // A write to a connection the database server has closed is an error to wait out, never the
  // end of the process (libpq avoids the signal itself where it can; this covers the rest).
  std::signal(SIGPIPE, SIG_IGN);
  // As batch verify: pages of megabytes kept in the heap rather than handed back after each scan.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  if (options.until == CheckWorkerOptions::Until::stopped)
    std::cerr << "keydesk worker: 正在等待核验任务，数据库 " << database_shown(ctx.db)
              << "（Ctrl-C 停止）(waiting for check jobs)" << std::endl;
  auto tally = run_check_worker(options);
  if (!tally) {
    print_error(ctx, tally.error());
    return exit_code_of(tally.error().kind);
  }
  if (ctx.json)
    print_json({{"done", tally->done}, {"failed", tally->failed}});
  else
    std::cout << "worker: " << tally->done << " done, " << tally->failed << " failed\n";
  return tally->failed > 0 ? kProblems : kOk;
}

}  // namespace

void add_worker_command(CLI::App& app, Context& ctx, int& exit_code) {
  auto args = std::make_shared<WorkerArgs>();
  CLI::App* worker = app.add_subcommand(
      "worker",
      "claim pending document checks from the case database (--db), analyse the scans and record "
      "the results; any number of workers may share one database");
  worker
      ->add_option("--jobs", args->jobs,
                   "checks worked on at once, one OCR engine each (default 1)")
      ->check(CLI::Range(1, 64));
  worker->add_flag("--once", args->once, "take at most one job, then end");
  worker->add_flag("--idle-exit", args->idle_exit,
                   "end once no job of this keydesk's analysis version is pending or being worked "
                   "on");
  worker
      ->add_option("--lease", args->lease,
                   "seconds a claimed job stays this worker's without renewal (default 60; "
                   "renewed every third of it): after a worker dies, its job is taken again "
                   "this long after")
      ->check(CLI::Range(1, 3600));
  worker
      ->add_option("--max-attempts", args->max_attempts,
                   "claims of one job before it is failed as a scan workers die on (default 3)")
      ->check(CLI::Range(1, 100));
  worker->add_option("--name", args->name,
                     "this worker's name in the job table (default host:pid)");
  worker->callback([&ctx, &exit_code, args] {
    if (args->once && args->idle_exit) {
      print_error(ctx,
                  Error{"--once 与 --idle-exit 只能选一个 (--once and --idle-exit exclude each "
                        "other)"});
      exit_code = kUsage;
      return;
    }
    exit_code = run_worker(ctx, *args);
  });
}

}  // namespace keydesk::cli
