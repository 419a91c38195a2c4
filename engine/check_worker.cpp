#include "engine/check_worker.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/check_job_repository.h"
#include "engine/documents.h"
#include "engine/internal/scan_check.h"
#include "engine/internal/scan_store.h"
#include "ocr/scan.h"

namespace keydesk {

namespace fs = std::filesystem;

namespace {

using internal::ScanJob;
using internal::ScanStore;

constexpr std::size_t kMaxHintsText = 64 * 1024;
constexpr std::size_t kMaxHintValue = 1024;
constexpr std::size_t kMaxTeachers = 64;

Error bad_job(const CheckJob& job, const std::string& what) {
  return error_of(ErrorKind::corrupt, "核验任务 " + std::to_string(job.id) +
                                          " 的数据不完整或被改动，未核验：请重新发起该批次核验 "
                                          "(check job " +
                                          std::to_string(job.id) + ": " + what + ")");
}

bool lower_hex(const std::string& s, std::size_t length) {
  return s.size() == length && std::all_of(s.begin(), s.end(), [](unsigned char c) {
           return std::isdigit(c) || (c >= 'a' && c <= 'f');
         });
}

bool material_name(const std::string& s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::islower(c) || c == '_';
  });
}

// The scan a job names, checked: its form values and teachers as the batch writes them, and its
// key the one its content, material, form values and analysis version give.
Result<std::pair<ScanJob, std::vector<std::string>>> scan_of(const CheckJob& job,
                                                             const std::string& version) {
  if (!lower_hex(job.sha256, 64)) return bad_job(job, "sha256 is not 64 hex digits");
  if (!material_name(job.material)) return bad_job(job, "material is not a material type");
  const fs::path file(job.file);
  if (!file.is_absolute() || job.file.size() > 4096)
    return bad_job(job, "file is not an absolute path");
  if (job.hints.size() > kMaxHintsText || job.teachers.size() > kMaxHintsText)
    return bad_job(job, "hints or teachers too long");
  const auto hints = nlohmann::json::parse(job.hints, nullptr, false);
  if (!hints.is_object()) return bad_job(job, "hints are not a JSON object");
  ScanJob scan;
  scan.path = file;
  scan.sha256 = job.sha256;
  scan.material = job.material;
  scan.label = job.submission.substr(0, 512);
  const std::pair<const char*, std::string*> fields[] = {{"uscc", &scan.hints.uscc},
                                                         {"company_name", &scan.hints.company_name},
                                                         {"person_name", &scan.hints.person_name},
                                                         {"id_number", &scan.hints.id_number},
                                                         {"seal_name", &scan.hints.seal_name}};
  for (const auto& [name, target] : fields) {
    const auto found = hints.find(name);
    if (found == hints.end()) continue;
    if (!found->is_string() || found->get_ref<const std::string&>().size() > kMaxHintValue)
      return bad_job(job, std::string("hints.") + name + " is not a short string");
    *target = found->get<std::string>();
  }
  if (internal::scan_key(job.sha256, job.material, version, scan.hints) != job.key)
    return bad_job(job, "its key is not that of its content, material and form values");
  const auto teachers = nlohmann::json::parse(job.teachers, nullptr, false);
  if (!teachers.is_array() || teachers.size() > kMaxTeachers)
    return bad_job(job, "teachers are not a JSON array of at most 64 keys");
  std::vector<std::string> keys;
  for (const auto& t : teachers) {
    if (!t.is_string() || t.get_ref<const std::string&>().size() > kMaxHintValue)
      return bad_job(job, "a teacher is not a scan key");
    keys.push_back(t.get<std::string>());
  }
  return std::make_pair(std::move(scan), std::move(keys));
}

std::string default_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] ? host : "worker") + ":" + std::to_string(getpid());
}

// The jobs in hand, whose leases a heartbeat thread renews.
class Leases {
 public:
  void hold(long id, const std::string& worker) {
    std::lock_guard lock(mutex_);
    held_[id] = worker;
  }
  void release(long id) {
    std::lock_guard lock(mutex_);
    held_.erase(id);
  }
  std::map<long, std::string> held() const {
    std::lock_guard lock(mutex_);
    return held_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<long, std::string> held_;
};

// One thread's worker: its connections and its OCR engine.
struct Hand {
  std::string name;
  std::unique_ptr<CheckJobRepository> queue;
  std::optional<ScanStore> store;
  std::unique_ptr<ocr::ScanAnalyzer> analyzer;
};

class Worker {
 public:
  Worker(const CheckWorkerOptions& o, std::string version) : o_(o), version_(std::move(version)) {}

  std::int64_t now() const { return o_.clock(); }
  bool stopping() const { return o_.stop && o_.stop->load(); }

  void log(const std::string& line) {
    if (!o_.log) return;
    std::lock_guard lock(log_mutex_);
    o_.log(line);
  }

  // Sleeps `d`, waking early when told to stop.
  void pause(std::chrono::milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (!stopping() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
          std::chrono::milliseconds(100), std::chrono::duration_cast<std::chrono::milliseconds>(
                                              until - std::chrono::steady_clock::now())));
  }

  // Claims and works through jobs until the options say to end. An Error only from the queue.
  Status work(Hand& hand) {
    const std::string abandoned =
        "核验进程在处理此扫描件时中断了 " + std::to_string(o_.max_attempts) +
        " 次，未能核验：请人工查看此材料，或检查核验进程的日志 (workers ended on this scan " +
        std::to_string(o_.max_attempts) + " times)";
    for (;;) {
      if (stopping()) return std::monostate{};
      // A worker that runs until stopped outlives a database restart: it waits and tries again.
      auto trouble = [&](const Error& e) -> std::optional<Status> {
        if (o_.until != CheckWorkerOptions::Until::stopped) return Status(e);
        log("the queue cannot be read, trying again shortly: " + e.message);
        pause(o_.poll_interval * 5);
        return std::nullopt;
      };
      if (auto gone = hand.queue->fail_abandoned(now(), o_.max_attempts, abandoned); !gone) {
        if (auto st = trouble(gone.error())) return *st;
        continue;
      } else if (*gone > 0) {
        log("failed " + std::to_string(*gone) + " job(s) whose workers ended on them " +
            std::to_string(o_.max_attempts) + " times");
      }
      auto job =
          hand.queue->claim(hand.name, version_, now(), now() + o_.lease.count(), o_.max_attempts);
      if (!job) {
        if (auto st = trouble(job.error())) return *st;
        continue;
      }
      if (!*job) {
        if (o_.until == CheckWorkerOptions::Until::one_job) return std::monostate{};
        if (o_.until == CheckWorkerOptions::Until::idle) {
          auto left = hand.queue->counts_of_pipeline(version_);
          if (!left) return left.error();
          if (left->open() == 0) return std::monostate{};
        }
        pause(o_.poll_interval);
        continue;
      }
      leases_.hold((*job)->id, hand.name);
      work_on(hand, **job);
      leases_.release((*job)->id);
      if (o_.until == CheckWorkerOptions::Until::one_job) return std::monostate{};
    }
  }

  // Renews the leases of the jobs in hand every third of a lease until `running` is false.
  void renew_leases(CheckJobRepository& queue, const std::atomic<bool>& running) {
    const auto every = std::max<std::chrono::milliseconds>(
        std::chrono::milliseconds(200),
        std::chrono::duration_cast<std::chrono::milliseconds>(o_.lease) / 3);
    while (running) {
      for (const auto& [id, worker] : leases_.held()) {
        auto renewed = queue.renew(id, worker, now() + o_.lease.count());
        if (!renewed)
          log("job " + std::to_string(id) + ": lease not renewed: " + renewed.error().message);
        else if (!*renewed)
          log("job " + std::to_string(id) + ": lease lost to another worker");
      }
      const auto until = std::chrono::steady_clock::now() + every;
      while (running && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  CheckWorkerTally tally() const {
    std::lock_guard lock(log_mutex_);
    return tally_;
  }

 private:
  void count(bool done) {
    std::lock_guard lock(log_mutex_);
    (done ? tally_.done : tally_.failed) += 1;
  }

  void failed(Hand& hand, const CheckJob& job, const std::string& why) {
    auto marked = hand.queue->fail(job.id, hand.name, why);
    count(false);
    log("failed " + job.submission.substr(0, 200) + " (job " + std::to_string(job.id) +
        "): " + why + (marked && !*marked ? " [lease lost before it was recorded]" : "") +
        (!marked ? " [not recorded: " + marked.error().message + "]" : ""));
  }

  void work_on(Hand& hand, const CheckJob& job) {
    const auto started = std::chrono::steady_clock::now();
    auto scan = scan_of(job, version_);
    if (!scan) return failed(hand, job, scan.error().message);
    auto& [scan_job, teachers] = *scan;
    // A result kept already (a worker ended between keeping it and marking the job) stands.
    if (!hand.store->get(job.key)) {
      for (const std::string& key : teachers)
        if (auto taught = hand.store->get(key)) internal::read_first_where(scan_job.hints, *taught);
      internal::ScanOutcome outcome =
          internal::analyse_and_keep(*hand.analyzer, scan_job, job.key, *hand.store);
      if (!outcome.of_content) return failed(hand, job, outcome.result.problem);
      if (!outcome.kept) {
        // Left claimed: claimed again once its lease runs out, when the database may be back.
        log("job " + std::to_string(job.id) +
            ": result not kept, to be retried: " + outcome.kept.error().message);
        return;
      }
    }
    auto finished = hand.queue->finish(job.id, hand.name, job.key);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!finished) {
      log("job " + std::to_string(job.id) +
          ": kept, not marked done (claimed again later): " + finished.error().message);
      return;
    }
    count(true);
    char took[32];
    std::snprintf(took, sizeof took, "%.1f", seconds);
    log("done " + job.submission.substr(0, 200) + " (job " + std::to_string(job.id) + ", " + took +
        " s)" + (*finished ? "" : " [lease lost: another worker had it too]"));
  }

  const CheckWorkerOptions& o_;
  std::string version_;
  Leases leases_;
  mutable std::mutex log_mutex_;  // guards the log and tally_
  CheckWorkerTally tally_;
};

}  // namespace

Result<CheckWorkerTally> run_check_worker(const CheckWorkerOptions& given) {
  CheckWorkerOptions o = given;
  if (!o.clock) o.clock = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
  if (o.name.empty()) o.name = default_name();
  if (o.until == CheckWorkerOptions::Until::one_job) o.threads = 1;
  o.threads = std::clamp(o.threads, 1, 64);
  if (o.lease.count() < 1) o.lease = std::chrono::seconds(1);
  auto documents = load_document_rules(o.rules_dir / "documents.yaml");
  if (!documents) return documents.error();
  Worker worker(o, internal::pipeline_version(o.rules_dir));

  // Every connection and engine made first: a worker that cannot work says so at once.
  std::vector<Hand> hands(static_cast<std::size_t>(o.threads));
  for (std::size_t i = 0; i < hands.size(); ++i) {
    Hand& h = hands[i];
    h.name = o.name + "/" + std::to_string(i + 1);
    auto queue = open_check_job_repository(o.db);
    if (!queue) return queue.error();
    h.queue = std::move(queue).value();
    auto store = ScanStore::open(o.db);
    if (!store) return store.error();
    h.store.emplace(std::move(store).value());
    ocr::ScanOptions scan_options;
    scan_options.tessdata_dir = o.tessdata_dir;
    auto analyzer = ocr::ScanAnalyzer::create(documents->types, scan_options);
    if (!analyzer) return analyzer.error();
    h.analyzer = std::move(analyzer).value();
  }
  auto heartbeat_queue = open_check_job_repository(o.db);
  if (!heartbeat_queue) return heartbeat_queue.error();

  std::atomic<bool> running{true};
  std::thread heartbeat([&] { worker.renew_leases(**heartbeat_queue, running); });
  std::mutex error_mutex;
  std::optional<Error> first_error;
  auto work = [&](Hand& hand) {
    if (auto st = worker.work(hand); !st) {
      std::lock_guard lock(error_mutex);
      if (!first_error) first_error = st.error();
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < hands.size(); ++i) threads.emplace_back(work, std::ref(hands[i]));
  work(hands[0]);
  for (auto& t : threads) t.join();
  running = false;
  heartbeat.join();
  if (first_error) return *first_error;
  return worker.tally();
}

}  // namespace keydesk
