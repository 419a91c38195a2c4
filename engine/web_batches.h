// Batch verification started from the web counter, kept in the case database (migration 10,
// web_batch_repository.h), so that every `keydesk serve` on one database shows every batch: its
// progress, its verdicts and the one-step pass of its clean cases answer from whichever server a
// request lands on, and a server restart forgets none.
//
// The document checks of the chosen cases' submissions (their folders under the intake
// directory) run on a thread of the server that started the batch, as `keydesk batch verify --db`
// would, each verdict recorded on its case; with `by_workers`, the scans are enqueued as check
// jobs for `keydesk worker` processes and the progress shown is the job table's. That server
// writes the batch's progress to its row as it goes (at most every half second) and a heartbeat
// every few seconds. One batch of each issuing authority runs at a time, across every server of
// the database; batches of different authorities run side by side, each on a thread (and a
// database connection) of its own, at most Setup::max_running of them on one server.
//
//   state        meaning                                         next
//   -----------  ----------------------------------------------  ------------------------------
//   running      checked on its server, which beats              done, failed, interrupted
//   done         every submission checked, verdicts recorded     (pass its clean cases)
//   failed       could not run at all (rules, database, OCR)     running (resume)
//   interrupted  its server stopped (no heartbeat for            running (resume, under its own
//                stale_after seconds) or shut down              number: scans checked before
//                                                                come from the scan cache)
//
// A running batch whose heartbeat is older than the limit is shown interrupted, does not hold
// back another start, and is marked so in its row by that start. A batch that ended is kept
// counter.web_batches.keep_days days (counter.yaml), then removed by the next start, and its report
// folder under work_dir with it once nothing has been written there for as long.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "engine/counter.h"
#include "engine/engine.h"
#include "engine/web_batch_repository.h"

namespace keydesk {

class WebBatches {
 public:
  struct Setup {
    std::string db;  // the case database (batches, verdicts and the scan cache are kept there)
    std::filesystem::path rules_dir;
    std::filesystem::path work_dir;  // reports under work_dir/<batch>/
    CounterConfig counter;
    bool by_workers = false;  // the scans checked by `keydesk worker` processes (batch.h)
    // Unix seconds now (heartbeats, and the counter time batches are stamped with).
    std::function<std::int64_t()> clock;
    std::string server;                             // this process in the rows; empty: <host>/<pid>
    std::chrono::milliseconds beat_every{5000};     // heartbeats of a running batch
    std::chrono::milliseconds progress_every{500};  // progress written at most this often
    std::int64_t stale_after = 30;  // seconds without a heartbeat: its server is gone
    // Batches running on this server at once, at most: each holds a thread and a database
    // connection (and, checked here, the cores its OCR runs on).
    unsigned max_running = 2;
  };
  // Opens the database's batches (a connection for requests; each running batch opens its own).
  static Result<std::unique_ptr<WebBatches>> open(Setup setup);
  // Waits for a running batch to finish (it is resumable anyway); one that waits on workers stops
  // following their queue at once, its jobs left queued, and ends interrupted.
  ~WebBatches();

  // Starts checking `folders` (submission folders) for `actor` on this server; `today` is the
  // date the checks are made on. Refused (an Error, refused) while another batch of `actor`'s
  // authority runs on any server, naming it; busy while max_running batches run on this server,
  // saying how many (another server, or this one once one has finished, takes it). Returns the
  // batch as started. The batches that ended more than counter.web_batches.keep_days days before
  // are removed (never a running one); then the folders in work_dir named as a batch id whose
  // batch is gone and in which nothing was written for keep_days (never following a symlink).
  Result<WebBatch> start(std::vector<std::filesystem::path> folders, const Actor& actor,
                         Date today);

  // Continues batch `id`, which ended interrupted or failed (or whose server stopped beating),
  // under its own number on this server: its folders checked again for `actor` on `today`, the
  // scans checked before taken from the scan cache. Only a clerk of the authority that started
  // it (else forbidden); refused while a batch of the authority runs (naming it), when the batch
  // is done or running, was started before its folders were kept (migration 13), or a folder is
  // not on this server (naming the case); busy as start. Returns the batch as running again.
  Result<WebBatch> resume(const std::string& id, const Actor& actor, Date today);

  // Batch `id` as `viewer` may see it: a clerk or an auditor of the authority that started it,
  // or an auditor of every authority (else forbidden, with the reason); not_found when there is
  // none. A running batch whose server stopped beating is given as interrupted.
  Result<WebBatch> find(const std::string& id, const Actor& viewer);

  // On every case of batch `id` whose check passed, the passing action of `actor` through
  // `engine` (Engine::pass_clean), at `at`. Refused unless the batch is done.
  Result<std::vector<PassOutcome>> pass_clean(Engine& engine, const std::string& id,
                                              const Actor& actor, const std::string& at = "");

 private:
  struct Run;  // a batch running on this server: its thread, connection and progress
  WebBatches(Setup setup, std::unique_ptr<WebBatchRepository> requests);
  // Batch `id` as its row holds it; not_found, saying what to do, when there is none.
  // requests_mutex_ held.
  Result<WebBatch> stored(const std::string& id);
  // Whether this server may run a batch of `actor`'s authority now (none of it runs here, fewer
  // than max_running run); the batches that have finished joined first. requests_mutex_ held.
  Status room_for(const Actor& actor);
  // The refusal while `running`, of the same authority, runs on any server.
  static Error still_running(const WebBatch& running);
  // Runs `batch` (its row running on this server) on a thread of its own; requests_mutex_ held.
  void launch(const WebBatch& batch, std::unique_ptr<WebBatchRepository> repository,
              std::vector<std::filesystem::path> folders, Date today);
  void run(Run& r, std::vector<std::filesystem::path> folders, Date today);
  // The running batch's progress within progress_every of a change, and its heartbeat every
  // beat_every, until it ends.
  void beat(Run& r);
  // Writes `progress` and the heartbeat of the running batch now, on the beater's thread (r.mutex
  // not held); whether it was written.
  bool write_progress(Run& r, const BatchProgress& progress);
  // Records the batch's end; the beater has stopped.
  void end(Run& r);
  std::string now_text() const;

  Setup setup_;
  std::mutex requests_mutex_;  // requests_ and runs_: used by one request at a time
  std::unique_ptr<WebBatchRepository> requests_;
  std::vector<std::unique_ptr<Run>> runs_;  // this server's batches not yet joined
  std::atomic<bool> closing_{false};
};

// A batch as the web counter's API shows it: {id, state, cases, done, total, current, error,
// batch (the report's id), submissions}.
nlohmann::json web_batch_json(const WebBatch& batch);

}  // namespace keydesk
