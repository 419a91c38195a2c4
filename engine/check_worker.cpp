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
#include "engine/internal/patience.h"
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

  // Whether the worker waits for the database to answer again rather than end on `e`: one that
  // runs until stopped does, on any error once it works; at startup only while the database
  // server cannot be reached (a wrong address, name or password is said at once).
  bool waits_out(const Error& e, bool starting) const {
    if (o_.until != CheckWorkerOptions::Until::stopped) return false;
    return !starting || internal::outage(e);
  }

  // `attempt()` (a Result) until it succeeds, it fails with an error the worker does not wait
  // out, or the worker is told to stop (internal::patiently: the waits doubling from
  // poll_interval up to retry_cap, each failure logged with `what`).
  template <class Attempt>
  auto patiently(const std::string& what, bool starting, Attempt attempt) {
    internal::Patience patience;
    patience.first_wait = o_.poll_interval;
    patience.cap = o_.retry_cap;
    patience.stop = o_.stop;
    patience.waits_out = [this, starting](const Error& e) { return waits_out(e, starting); };
    patience.log = [this](const std::string& line) { log(line); };
    return internal::patiently(patience, what, std::move(attempt));
  }

  // Claims and works through jobs until the options say to end. An Error only from the queue.
  Status work(Hand& hand) {
    const std::string abandoned =
        "核验进程在处理此扫描件时中断了 " + std::to_string(o_.max_attempts) +
        " 次，未能核验：请人工查看此材料，或检查核验进程的日志 (workers ended on this scan " +
        std::to_string(o_.max_attempts) + " times)";
    // The error work() ends on: none when told to stop meanwhile.
    auto ended = [this](const Error& e) {
      return stopping() ? Status(std::monostate{}) : Status(e);
    };
    for (;;) {
      if (stopping()) return std::monostate{};
      auto gone = patiently(hand.name + ": failing abandoned jobs", false, [&] {
        return hand.queue->fail_abandoned(now(), o_.max_attempts, abandoned);
      });
      if (!gone) return ended(gone.error());
      if (*gone > 0)
        log("failed " + std::to_string(*gone) + " job(s) whose workers ended on them " +
            std::to_string(o_.max_attempts) + " times");
      auto job = patiently(hand.name + ": claiming a job", false, [&] {
        return hand.queue->claim(hand.name, version_, now(), now() + o_.lease.count(),
                                 o_.max_attempts);
      });
      if (!job) return ended(job.error());
      if (!*job) {
        if (o_.until == CheckWorkerOptions::Until::one_job) return std::monostate{};
        if (o_.until == CheckWorkerOptions::Until::idle) {
          auto left = hand.queue->counts_of_pipeline(version_);
          if (!left) return left.error();
          if (left->open() == 0) return std::monostate{};
        }
        internal::pause(o_.poll_interval, o_.stop);
        continue;
      }
      leases_.hold((*job)->id, hand.name);
      // An exception leaving the thread would end the process and every job in hand: this one
      // is left claimed, and claimed again once its lease runs out.
      try {
        work_on(hand, **job);
      } catch (const std::exception& e) {
        log("job " + std::to_string((*job)->id) +
            ": internal error, left to be claimed again: " + e.what());
      }
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
    auto marked = patiently("job " + std::to_string(job.id) + ": recording its failure", false,
                            [&] { return hand.queue->fail(job.id, hand.name, why); });
    count(false);
    log("failed " + job.submission.substr(0, 200) + " (job " + std::to_string(job.id) +
        "): " + why + (marked && !*marked ? " [lease lost before it was recorded]" : "") +
        (!marked ? " [not recorded: " + marked.error().message + "]" : ""));
  }

  // Logs that job `id` is left claimed, for `why`: claimed again once its lease runs out, when
  // the database may be back.
  void leave(long id, const std::string& why, const Error& e) {
    log("job " + std::to_string(id) + ": " + why + ", to be claimed again: " + e.message);
  }

  void work_on(Hand& hand, const CheckJob& job) {
    const auto started = std::chrono::steady_clock::now();
    auto scan = scan_of(job, version_);
    if (!scan) return failed(hand, job, scan.error().message);
    auto& [scan_job, teachers] = *scan;
    const std::string of_job = "job " + std::to_string(job.id) + ": ";
    auto cached = [&](const std::string& key) {
      return patiently(of_job + "reading the scan cache", false,
                       [&] { return hand.store->find(key); });
    };
    // A result kept already (a worker ended between keeping it and marking the job) stands.
    auto kept = cached(job.key);
    if (!kept) return leave(job.id, "the scan cache not read", kept.error());
    if (!*kept) {
      // The teachers read as one process would read them: a database away is waited for, not
      // taken for no teacher (the result would differ).
      for (const std::string& key : teachers) {
        auto taught = cached(key);
        if (!taught) return leave(job.id, "the scan cache not read", taught.error());
        if (*taught) internal::read_first_where(scan_job.hints, **taught);
      }
      internal::ScanOutcome outcome =
          internal::analyse_and_keep(*hand.analyzer, scan_job, job.key, *hand.store);
      if (!outcome.of_content) return failed(hand, job, outcome.result.problem);
      if (!outcome.kept) {
        log(of_job + "keeping its result failed: " + outcome.kept.error().message);
        auto again = patiently(of_job + "keeping its result", false, [&] {
          return hand.store->put(job.key, scan_job.sha256, scan_job.material, outcome.result);
        });
        if (!again) return leave(job.id, "its result not kept", again.error());
      }
    }
    auto finished = patiently(of_job + "marking it done", false,
                              [&] { return hand.queue->finish(job.id, hand.name, job.key); });
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!finished) return leave(job.id, "its result kept, not marked done", finished.error());
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

  // Every engine made first, then every connection: a worker that cannot work says so at once;
  // one started while its database server is away waits for it.
  std::vector<Hand> hands(static_cast<std::size_t>(o.threads));
  for (std::size_t i = 0; i < hands.size(); ++i) {
    Hand& h = hands[i];
    h.name = o.name + "/" + std::to_string(i + 1);
    ocr::ScanOptions scan_options;
    scan_options.tessdata_dir = o.tessdata_dir;
    auto analyzer = ocr::ScanAnalyzer::create(documents->types, scan_options);
    if (!analyzer) return analyzer.error();
    h.analyzer = std::move(analyzer).value();
  }
  std::unique_ptr<CheckJobRepository> heartbeat_queue;
  auto connected = worker.patiently("connecting to the database", true, [&]() -> Status {
    for (Hand& h : hands) {
      if (!h.queue) {
        auto queue = open_check_job_repository(o.db);
        if (!queue) return queue.error();
        h.queue = std::move(queue).value();
      }
      if (!h.store) {
        auto store = ScanStore::open(o.db);
        if (!store) return store.error();
        h.store.emplace(std::move(store).value());
      }
    }
    if (!heartbeat_queue) {
      auto queue = open_check_job_repository(o.db);
      if (!queue) return queue.error();
      heartbeat_queue = std::move(queue).value();
    }
    return std::monostate{};
  });
  if (!connected) {
    if (worker.stopping()) return worker.tally();
    return connected.error();
  }

  std::atomic<bool> running{true};
  std::thread heartbeat([&] { worker.renew_leases(*heartbeat_queue, running); });
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
