#include "engine/web_batches.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <optional>
#include <random>
#include <system_error>

#include "engine/intake.h"
#include "engine/internal/patience.h"

namespace keydesk {

namespace {

// What a clerk reads on a batch whose server stopped, and what to do.
const char* const kInterrupted =
    "核验已中断：运行此批次的服务器已停止（如重启）或失去联系。请点“继续核验”在原批次号下接着核验："
    "已核验完的扫描件不会重做 (the server running the batch stopped; resume it, the scans checked "
    "before are reused)";

// This process as the rows name it: <host>/<pid>.
std::string this_process() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] ? host : "localhost") + "/" + std::to_string(getpid());
}

// A new 批次号: W-<counter date>-<8 random decimal digits>, which no other server gives. Digits
// only: a clerk reads it out and types it, and letters in it read as English.
std::string new_batch_id(const std::string& now_text) {
  std::string date = now_text.substr(0, 10);
  std::erase(date, '-');
  std::random_device random;
  char suffix[9];
  std::snprintf(suffix, sizeof suffix, "%08u", static_cast<unsigned>(random() % 100000000u));
  return "W-" + date + "-" + suffix;
}

// Whether `name` is a batch id as new_batch_id makes them, W-YYYYMMDD-NNNNNNNN, and nothing else.
bool is_batch_id(const std::string& name) {
  if (name.size() != 19 || !name.starts_with("W-") || name[10] != '-') return false;
  for (std::size_t i : {2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18})
    if (name[i] < '0' || name[i] > '9') return false;
  return true;
}

// The newest last write (Unix seconds) of `dir` and of everything in it, a symlink's own and not
// what it points to; nullopt when any of it cannot be read.
std::optional<std::int64_t> newest_write(const std::filesystem::path& dir) {
  auto written = [](const std::filesystem::path& p) -> std::optional<std::int64_t> {
    struct stat st {};
    if (lstat(p.c_str(), &st) != 0) return std::nullopt;
    return static_cast<std::int64_t>(st.st_mtime);
  };
  auto newest = written(dir);
  std::error_code ec;
  // Symlinks are listed, never followed.
  for (std::filesystem::recursive_directory_iterator it(dir, ec), end; newest && !ec && it != end;
       it.increment(ec)) {
    const auto one = written(it->path());
    newest = one ? std::optional(std::max(*newest, *one)) : std::nullopt;
  }
  if (ec) return std::nullopt;
  return newest;
}

// Removes the report folders in `work_dir` of batches gone from `rows` (removed once ended
// keep_days ago) that nobody has written to since `before` (Unix seconds): each directory, not a
// symlink, named as a batch id. Anything else in `work_dir` stays. Housekeeping: a failure is
// logged and the next start tries again.
void remove_old_reports(const std::filesystem::path& work_dir, std::int64_t before,
                        WebBatchRepository& rows) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (fs::directory_iterator it(work_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path folder = it->path();
    const std::string id = folder.filename().string();
    std::error_code type_ec;
    if (!is_batch_id(id) || !it->is_directory(type_ec) || it->is_symlink(type_ec)) continue;
    // The row first: most folders are of batches kept, and one look-up costs less than reading
    // every file's time in the folder.
    auto row = rows.find(id);
    if (!row) {
      std::fprintf(stderr, "keydesk serve: report folder %s kept: its batch not looked up: %s\n",
                   folder.c_str(), row.error().message.c_str());
      continue;
    }
    if (row->has_value()) continue;
    const auto written = newest_write(folder);
    if (!written || *written >= before) continue;
    std::error_code removed;
    fs::remove_all(folder, removed);
    if (removed)
      std::fprintf(stderr, "keydesk serve: old report folder %s not removed: %s\n", folder.c_str(),
                   removed.message().c_str());
  }
  if (ec && ec != std::errc::no_such_file_or_directory)
    std::fprintf(stderr, "keydesk serve: old report folders in %s not looked for: %s\n",
                 work_dir.c_str(), ec.message().c_str());
}

// Why `viewer` may not see a batch started for `authority`: a clerk or an auditor of that
// authority may, and an auditor of every authority.
std::optional<std::string> cannot_see_batch(const Actor& viewer, const std::string& id,
                                            const std::string& authority) {
  if ((viewer.role == "authority_clerk" || viewer.role == "auditor") &&
      (viewer.authority == authority || (viewer.role == "auditor" && viewer.authority.empty())))
    return std::nullopt;
  return "批次 " + id +
         " 由其他发证机构发起，无权查看；请打开本机构的批次 (the batch is another "
         "authority's)";
}

// The per-submission results of a batch run: verdict and findings from its report, and what
// became of each on its case.
nlohmann::json submission_results(const BatchRun& run) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : run.report.value("submissions", nlohmann::json::array()))
    out.push_back({{"id", s.value("id", "")},
                   {"verdict", s.value("verdict", "")},
                   {"findings", s.value("findings", nlohmann::json::array())}});
  for (const CaseLink& link : run.links)
    for (auto& s : out)
      if (s["id"] == link.submission) {
        s["recorded"] = link.outcome;
        if (!link.detail.empty()) s["detail"] = link.detail;
      }
  return out;
}

}  // namespace

struct WebBatches::Run {
  WebBatch batch;
  std::unique_ptr<WebBatchRepository> repository;  // this batch's connection
  std::mutex mutex;                                // the progress below
  BatchProgress progress;
  bool progress_unwritten = false;  // progress moved since last written
  // The beater's alone: when it last wrote, and whether that write failed.
  std::chrono::steady_clock::time_point progress_written;
  bool write_failing = false;
  bool beating = true;            // with mutex: the beater goes on
  std::condition_variable ended;  // with mutex: the beater stops
  std::atomic<bool> finished{false};
  std::thread worker;
};

Result<std::unique_ptr<WebBatches>> WebBatches::open(Setup setup) {
  if (!setup.clock) setup.clock = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
  if (setup.server.empty()) setup.server = this_process();
  auto requests = open_web_batch_repository(setup.db);
  if (!requests) return requests.error();
  return std::unique_ptr<WebBatches>(new WebBatches(std::move(setup), std::move(requests).value()));
}

WebBatches::WebBatches(Setup setup, std::unique_ptr<WebBatchRepository> requests)
    : setup_(std::move(setup)), requests_(std::move(requests)) {}

WebBatches::~WebBatches() {
  closing_ = true;
  for (auto& r : runs_)
    if (r->worker.joinable()) r->worker.join();
}

std::string WebBatches::now_text() const {
  return counter_time_text(setup_.clock(), setup_.counter.hours);
}

Result<WebBatch> WebBatches::start(std::vector<std::filesystem::path> folders, const Actor& actor,
                                   Date today) {
  std::lock_guard lock(requests_mutex_);
  if (auto room = room_for(actor); !room) return room.error();
  auto repository = open_web_batch_repository(setup_.db);
  if (!repository) return repository.error();
  WebBatch batch;
  batch.started_at = now_text();
  batch.id = new_batch_id(batch.started_at);
  batch.started_by = actor;
  batch.cases = static_cast<int>(folders.size());
  batch.server = setup_.server;
  batch.heartbeat_at = setup_.clock();
  for (const std::filesystem::path& f : folders) batch.folders.push_back(f.string());
  auto running =
      requests_->start(batch, batch.heartbeat_at - setup_.stale_after, kInterrupted, now_text());
  if (!running) return running.error();
  if (*running) return still_running(**running);
  // Batches that ended more than keep_days ago go, then their report folders. Housekeeping:
  // should it fail, the batch started goes on, and the next start tries again.
  const std::int64_t kept = std::int64_t{setup_.counter.web_batches.keep_days} * 24 * 60 * 60;
  if (auto removed = requests_->remove_ended(
          counter_time_text(batch.heartbeat_at - kept, setup_.counter.hours));
      !removed)
    std::fprintf(stderr, "keydesk serve: batches that ended before %d days ago not removed: %s\n",
                 setup_.counter.web_batches.keep_days, removed.error().message.c_str());
  remove_old_reports(setup_.work_dir, batch.heartbeat_at - kept, *requests_);
  launch(batch, std::move(repository).value(), std::move(folders), today);
  return batch;
}

Result<WebBatch> WebBatches::resume(const std::string& id, const Actor& actor, Date today) {
  std::lock_guard lock(requests_mutex_);
  auto found = stored(id);
  if (!found) return found.error();
  WebBatch batch = std::move(found).value();
  if (actor.role != "authority_clerk" || actor.authority != batch.started_by.authority)
    return error_of(ErrorKind::forbidden,
                    "批次 " + id +
                        " 由其他发证机构发起，只能由该机构的经办人继续 (the batch is another "
                        "authority's)");
  const bool stale =
      batch.state == "running" && batch.heartbeat_at < setup_.clock() - setup_.stale_after;
  if (batch.state == "running" && !stale)
    return error_of(ErrorKind::refused, "批次 " + id +
                                            " 正在核验，无需继续：请等它完成 (the "
                                            "batch is running)");
  if (batch.state == "done")
    return error_of(ErrorKind::refused, "批次 " + id +
                                            " 已核验完成，无需继续：请查看它的结果 ("
                                            "the batch is done)");
  if (auto room = room_for(actor); !room) return room.error();
  if (batch.folders.empty())
    return error_of(
        ErrorKind::refused,
        "批次 " + id +
            " 发起于本功能之前，未记下它的案件，无法继续：请重新发起核验，已核验完的扫描件"
            "不会重做 (the batch predates migration 13: start it again)");
  // The folders are read by this server: each must be here still, as the intake left it.
  std::vector<std::filesystem::path> folders;
  for (const std::string& f : batch.folders) {
    std::error_code ec;
    const std::filesystem::path folder(f);
    if (!std::filesystem::is_regular_file(folder / "submission.json", ec))
      return error_of(
          ErrorKind::refused,
          "案件 " + folder.filename().string() +
              " 的材料不在本服务器上，无法在此继续：请在受理这些材料的柜台服务器上继续此"
              "批次 (no submission folder " +
              f + " on this server)");
    folders.push_back(folder);
  }
  auto repository = open_web_batch_repository(setup_.db);
  if (!repository) return repository.error();
  batch.server = setup_.server;
  batch.heartbeat_at = setup_.clock();
  auto running =
      requests_->resume(batch, batch.heartbeat_at - setup_.stale_after, kInterrupted, now_text());
  if (!running) return running.error();
  if (*running) return still_running(**running);
  batch.state = "running";
  batch.done = batch.total = 0;
  batch.current = batch.error = batch.report_batch = batch.finished_at = "";
  batch.submissions = nlohmann::json::array();
  launch(batch, std::move(repository).value(), std::move(folders), today);
  return batch;
}

Status WebBatches::room_for(const Actor& actor) {
  // Batches that have finished are joined; one of this authority may still run here, though
  // another server took it for stopped.
  std::erase_if(runs_, [](std::unique_ptr<Run>& r) {
    if (!r->finished) return false;
    r->worker.join();
    return true;
  });
  if (std::any_of(runs_.begin(), runs_.end(), [&actor](const std::unique_ptr<Run>& r) {
        return r->batch.started_by.authority == actor.authority;
      }))
    return error_of(ErrorKind::refused,
                    "上一批次仍在核验，请等它完成后再发起 (a batch of this authority still runs "
                    "on this server)");
  if (runs_.size() >= setup_.max_running) {
    const std::string n = std::to_string(runs_.size());
    return error_of(ErrorKind::busy, "服务器繁忙：本服务器正在核验 " + n +
                                         " 个批次（每台服务器同时最多核验 " +
                                         std::to_string(setup_.max_running) +
                                         " 个），请等其中一批核验完成后再发起 (this server runs " +
                                         n + " batches, its limit: try again when one finishes)");
  }
  return std::monostate{};
}

Error WebBatches::still_running(const WebBatch& running) {
  return error_of(ErrorKind::refused, "批次 " + running.id +
                                          " 正在核验（本机构同一时间只核验一批），请等它完成后再"
                                          "发起 (a batch of this authority is running: wait "
                                          "for it)");
}

void WebBatches::launch(const WebBatch& batch, std::unique_ptr<WebBatchRepository> repository,
                        std::vector<std::filesystem::path> folders, Date today) {
  auto r = std::make_unique<Run>();
  r->batch = batch;
  r->repository = std::move(repository);
  r->progress_written = std::chrono::steady_clock::now();
  Run& started = *r;
  runs_.push_back(std::move(r));
  started.worker = std::thread([this, &started, folders = std::move(folders), today]() mutable {
    run(started, std::move(folders), today);
  });
}

// English lines for the operator about `batch`, on stderr.
static std::function<void(const std::string&)> log_of(const WebBatch& batch) {
  return [&batch](const std::string& line) {
    std::fprintf(stderr, "keydesk serve: batch %s: %s\n", batch.id.c_str(), line.c_str());
  };
}

void WebBatches::run(Run& r, std::vector<std::filesystem::path> folders, Date today) {
  WebBatch& batch = r.batch;
  std::thread beater([this, &r] { beat(r); });
  // An exception leaving a thread would end the process: the batch fails, the counter goes on.
  try {
    BatchOptions options;
    options.inputs = std::move(folders);
    options.report_dir = setup_.work_dir / batch.id;
    // The case database, as `keydesk batch verify --db` takes it: its registry answers the
    // procedures' requirements, and its scan cache means a scan checked before is not read
    // again.
    options.db = setup_.db;
    options.rules_dir = setup_.rules_dir;
    options.today = today;
    options.by_workers = setup_.by_workers;
    options.cancel = &closing_;
    options.log = log_of(batch);
    // Kept for the beater to write: the analysis never waits on the database for it.
    options.progress = [&r](const BatchProgress& p) {
      std::lock_guard lock(r.mutex);
      r.progress = p;
      r.progress_unwritten = true;
    };
    // A connection and an engine of this thread's own: SQLite handles are not shared across
    // threads.
    auto store = internal::patiently(internal::patience_of(options), "opening the case database",
                                     [&] { return CaseStore::open(setup_.db); });
    std::optional<Result<BatchRun>> checked;
    if (store) {
      Engine engine(*store, setup_.rules_dir, setup_.counter);
      checked.emplace(engine.verify_batch(options, batch.started_by));
    }
    const Error* failed = !store ? &store.error() : !*checked ? &checked->error() : nullptr;
    if (failed && closing_) {
      batch.state = "interrupted";
      batch.error = kInterrupted;
    } else if (failed) {
      batch.state = "failed";
      batch.error = failed->message;
    } else {
      batch.state = "done";
      batch.report_batch = (**checked).report.value("batch", "");
      batch.submissions = submission_results(**checked);
    }
  } catch (const std::exception& e) {
    batch.state = "failed";
    batch.error = std::string("核验中断：内部错误，已记录，请重新发起核验 (internal error: ") +
                  e.what() + ")";
    std::fprintf(stderr, "keydesk serve: batch %s: internal error: %s\n", batch.id.c_str(),
                 e.what());
  }
  {
    std::lock_guard lock(r.mutex);
    r.beating = false;
  }
  r.ended.notify_all();
  beater.join();
  end(r);
  r.finished = true;
}

void WebBatches::end(Run& r) {
  WebBatch& batch = r.batch;
  batch.finished_at = now_text();
  batch.done = r.progress.done;  // the beater has stopped: r.progress is this thread's
  batch.total = r.progress.total;
  batch.current = r.progress.current;
  // Waited for through an outage of the database (its heartbeat stopped meanwhile, the row reads
  // as interrupted until it is written). Should this fail otherwise, or the server close first,
  // the row stays interrupted: 继续核验 picks the batch up with every checked scan reused.
  internal::Patience patience;
  patience.first_wait = setup_.progress_every;
  patience.stop = &closing_;
  patience.log = log_of(batch);
  if (auto ended = internal::patiently(patience, "recording its end",
                                       [&] { return r.repository->finish(batch); });
      !ended)
    std::fprintf(stderr, "keydesk serve: batch %s: its end not recorded: %s\n", batch.id.c_str(),
                 ended.error().message.c_str());
}

void WebBatches::beat(Run& r) {
  std::unique_lock lock(r.mutex);
  // Progress the batch gave since the last write goes out within progress_every; the heartbeat
  // every beat_every. A write that failed (the database away) is tried again at the next turn,
  // so the heartbeat is back within progress_every of the database: until it is, the row reads
  // as interrupted once stale_after has passed, and a clerk could resume the batch elsewhere.
  while (!r.ended.wait_for(lock, setup_.progress_every, [&r] { return !r.beating; })) {
    if (!r.progress_unwritten && !r.write_failing &&
        std::chrono::steady_clock::now() - r.progress_written < setup_.beat_every)
      continue;
    const BatchProgress progress = r.progress;
    r.progress_unwritten = false;
    lock.unlock();  // the analysis goes on while the database answers, or does not
    const bool written = write_progress(r, progress);
    lock.lock();
    r.progress_written = std::chrono::steady_clock::now();
    r.progress_unwritten = r.progress_unwritten || !written;
  }
}

bool WebBatches::write_progress(Run& r, const BatchProgress& progress) {
  auto written = r.repository->progress(r.batch.id, setup_.server, progress.done, progress.total,
                                        progress.current, setup_.clock());
  // Logged when writes start failing and when they work again, not every half second between.
  if (!written && !r.write_failing)
    std::fprintf(stderr, "keydesk serve: batch %s: progress not recorded, trying again: %s\n",
                 r.batch.id.c_str(), written.error().message.c_str());
  if (written && r.write_failing)
    std::fprintf(stderr, "keydesk serve: batch %s: progress recorded again\n", r.batch.id.c_str());
  r.write_failing = !written;
  return written.ok();
}

Result<WebBatch> WebBatches::stored(const std::string& id) {
  auto found = requests_->find(id);
  if (!found) return found.error();
  if (!*found)
    return error_of(ErrorKind::not_found,
                    "没有批次 " + id + "，请从批量核验页面重新打开 (no batch " + id + ")");
  return std::move(**found);
}

Result<WebBatch> WebBatches::find(const std::string& id, const Actor& viewer) {
  std::lock_guard lock(requests_mutex_);
  auto found = stored(id);
  if (!found) return found.error();
  WebBatch batch = std::move(found).value();
  if (auto why = cannot_see_batch(viewer, batch.id, batch.started_by.authority))
    return error_of(ErrorKind::forbidden, *why);
  if (batch.state == "running" && batch.heartbeat_at < setup_.clock() - setup_.stale_after) {
    batch.state = "interrupted";
    batch.error = kInterrupted;
  }
  return batch;
}

Result<std::vector<PassOutcome>> WebBatches::pass_clean(Engine& engine, const std::string& id,
                                                        const Actor& actor, const std::string& at) {
  auto batch = find(id, actor);
  if (!batch) return batch.error();
  if (batch->state == "running")
    return error_of(ErrorKind::refused,
                    "批次尚未完成，请等核验结束后再一键通过 (the batch has not finished)");
  if (batch->state != "done")
    return error_of(ErrorKind::refused, "批次没有核验完成，没有可一键通过的案件：" + batch->error);
  std::vector<std::string> passed;
  for (const auto& s : batch->submissions)
    if (s.value("verdict", "") == "pass" && s.contains("id") && s["id"].is_string())
      passed.push_back(s["id"].get<std::string>());
  return engine.pass_clean(passed, actor, at);
}

nlohmann::json web_batch_json(const WebBatch& b) {
  return {{"id", b.id},       {"state", b.state},        {"cases", b.cases},
          {"done", b.done},   {"total", b.total},        {"current", b.current},
          {"error", b.error}, {"batch", b.report_batch}, {"submissions", b.submissions}};
}

}  // namespace keydesk
