// Batch verification started from the web counter: the document checks of chosen cases'
// submissions (their folders under the intake directory) run on a thread of their own, one
// batch at a time, while requests go on; progress is read by polling. Each verdict is recorded
// on its case as `keydesk batch verify --db` would. With `by_workers`, the scans are enqueued as
// check jobs for `keydesk worker` processes and the progress shown is the job table's.
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "engine/counter.h"
#include "engine/workflow.h"

namespace keydesk::server {

class BatchJobs {
 public:
  struct Setup {
    std::string db;  // the case database (verdicts are recorded there)
    std::filesystem::path rules_dir;
    std::filesystem::path work_dir;  // reports under work_dir/<job>/
    CounterConfig counter;
    bool by_workers = false;  // the scans checked by `keydesk worker` processes (batch.h)
  };
  explicit BatchJobs(Setup setup);
  // Waits for a running batch to finish (it is resumable anyway); one that waits on workers stops
  // following their queue at once, its jobs left queued.
  ~BatchJobs();

  // Starts checking `folders` (submission folders) for `actor`. Refused while another runs.
  // Returns the job id.
  Result<std::string> start(std::vector<std::filesystem::path> folders, Actor actor, Date today);

  // {id, state: running|done|failed, cases, done, total (scans), current, error, batch,
  // submissions: [{id, verdict, findings}]}; nullopt when no such job.
  std::optional<nlohmann::json> status(const std::string& id) const;
  // The submissions of a finished job whose verdict is pass.
  std::vector<std::string> passed(const std::string& id) const;
  // Who started it.
  std::optional<Actor> owner(const std::string& id) const;

 private:
  struct Job;
  void run(std::shared_ptr<Job> job, std::vector<std::filesystem::path> folders, Date today);

  Setup setup_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;
  int next_ = 1;
  std::thread worker_;
  std::atomic<bool> closing_{false};
};

}  // namespace keydesk::server
