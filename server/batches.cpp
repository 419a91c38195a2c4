#include "server/batches.h"

#include <cstdio>

#include "engine/engine.h"

namespace keydesk::server {

struct BatchJobs::Job {
  std::string id;
  Actor actor;
  std::string state = "running";
  int cases = 0;            // submissions in the batch
  int done = 0, total = 0;  // scans checked, of all (known once the folders are read)
  std::string current, error, batch;
  nlohmann::json submissions = nlohmann::json::array();
};

BatchJobs::BatchJobs(Setup setup) : setup_(std::move(setup)) {}

BatchJobs::~BatchJobs() {
  closing_ = true;
  if (worker_.joinable()) worker_.join();
}

Result<std::string> BatchJobs::start(std::vector<std::filesystem::path> folders, Actor actor,
                                     Date today) {
  std::lock_guard lock(mutex_);
  for (const auto& [id, job] : jobs_)
    if (job->state == "running")
      return Error{"批次 " + id + " 正在核验，请等它完成 (a batch is running: wait for it)"};
  if (worker_.joinable()) worker_.join();  // the last one has finished
  auto job = std::make_shared<Job>();
  job->id = "J" + std::to_string(next_++);
  job->actor = std::move(actor);
  job->cases = static_cast<int>(folders.size());
  jobs_[job->id] = job;
  worker_ = std::thread([this, job, folders = std::move(folders), today]() mutable {
    // An exception leaving a thread would end the process: the job fails, the counter goes on.
    try {
      run(job, std::move(folders), today);
    } catch (const std::exception& e) {
      std::lock_guard failed(mutex_);
      job->state = "failed";
      job->error = std::string("核验中断：内部错误，已记录 (internal error: ") + e.what() + ")";
      std::fprintf(stderr, "keydesk serve: batch %s: internal error: %s\n", job->id.c_str(),
                   e.what());
    }
  });
  return job->id;
}

void BatchJobs::run(std::shared_ptr<Job> job, std::vector<std::filesystem::path> folders,
                    Date today) {
  BatchOptions options;
  options.inputs = std::move(folders);
  options.report_dir = setup_.work_dir / job->id;
  // The case database, as `keydesk batch verify --db` takes it: its registry answers the
  // procedures' requirements, and its scan cache means a scan checked before is not read again.
  options.db = setup_.db;
  options.rules_dir = setup_.rules_dir;
  options.today = today;
  options.by_workers = setup_.by_workers;
  options.cancel = &closing_;
  options.progress = [this, job](const BatchProgress& p) {
    std::lock_guard lock(mutex_);
    job->done = p.done;
    job->total = p.total;
    job->current = p.current;
  };
  // A connection and an engine of this thread's own: SQLite handles are not shared across
  // threads.
  std::optional<Result<BatchRun>> run;
  std::string error;
  if (auto store = CaseStore::open(setup_.db); !store) {
    error = store.error().message;
  } else {
    Engine engine(*store, setup_.rules_dir, setup_.counter);
    run.emplace(engine.verify_batch(options, job->actor));
    if (!*run) error = run->error().message;
  }
  std::lock_guard lock(mutex_);
  job->state = error.empty() ? "done" : "failed";
  job->error = error;
  if (run && *run) {
    const nlohmann::json& report = (**run).report;
    job->batch = report.value("batch", "");
    for (const auto& s : report.value("submissions", nlohmann::json::array()))
      job->submissions.push_back({{"id", s.value("id", "")},
                                  {"verdict", s.value("verdict", "")},
                                  {"findings", s.value("findings", nlohmann::json::array())}});
    for (const CaseLink& link : (**run).links)
      for (auto& s : job->submissions)
        if (s["id"] == link.submission) {
          s["recorded"] = link.outcome;
          if (!link.detail.empty()) s["detail"] = link.detail;
        }
  }
}

std::optional<nlohmann::json> BatchJobs::status(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto found = jobs_.find(id);
  if (found == jobs_.end()) return std::nullopt;
  const Job& j = *found->second;
  return nlohmann::json{{"id", j.id},       {"state", j.state}, {"cases", j.cases},
                        {"done", j.done},   {"total", j.total}, {"current", j.current},
                        {"error", j.error}, {"batch", j.batch}, {"submissions", j.submissions}};
}

std::vector<std::string> BatchJobs::passed(const std::string& id) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  auto found = jobs_.find(id);
  if (found == jobs_.end() || found->second->state != "done") return out;
  for (const auto& s : found->second->submissions)
    if (s["verdict"] == "pass") out.push_back(s["id"]);
  return out;
}

std::optional<Actor> BatchJobs::owner(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto found = jobs_.find(id);
  if (found == jobs_.end()) return std::nullopt;
  return found->second->actor;
}

}  // namespace keydesk::server
