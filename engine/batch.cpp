#include "engine/batch.h"

#include "engine/intake.h"
#include "engine/material_file.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "engine/batch_report.h"
#include "engine/case_store.h"
#include "engine/check_job_repository.h"
#include "engine/documents.h"
#include "engine/internal/batch_folder.h"
#include "engine/internal/patience.h"
#include "engine/internal/scan_check.h"
#include "engine/internal/scan_store.h"
#include "engine/internal/sha256.h"
#include "engine/internal/sqlite.h"
#include "engine/privacy.h"
#include "engine/procedure.h"
#include "engine/registry.h"
#include "engine/verify.h"
#include "engine/workflow.h"
#include "ocr/scan.h"

namespace keydesk {
namespace fs = std::filesystem;

internal::Patience internal::patience_of(const BatchOptions& o) {
  Patience p;
  p.first_wait = o.poll_interval;
  p.cap = o.retry_cap;
  p.stop = o.cancel;
  p.log = o.log;
  return p;
}

namespace {

using internal::analysable;
using internal::FolderSubmission;
using internal::hints_for;
using internal::load_submission;
using internal::rule_for;
using internal::ScanJob;
using internal::ScanStore;

// Scans of each material type whose places (ScanResult::places) the rest of the batch reads first.
constexpr size_t kLearnFrom = 6;

std::string now_local_iso() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", &tm);
  std::string s = buf;
  if (s.size() > 5) s.insert(s.size() - 2, ":");
  return s;
}

nlohmann::json findings_json(const std::vector<ocr::Finding>& findings) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : findings) out.push_back(ocr::finding_json(f));
  return out;
}

// The Error of a batch told to stop while it follows the queue or waits for the database.
Error stopped_following() {
  return error_of(ErrorKind::busy,
                  "核验已停止，已完成的扫描件都已保存：再次运行同一批次即可继续 (stopped; "
                  "rerun the batch to go on)");
}

// The batch's reads and writes of its database, from the opening to the end (the run's row, the
// scan cache, the queue while it follows the workers, the registry): an outage of the database
// is waited out as the workers wait it out (internal/patience.h), logged, and told to the clerk
// in the progress line until the database answers again.
class DatabaseWaits {
 public:
  DatabaseWaits(const BatchOptions& o, BatchProgress& progress)
      : o_(o), progress_(progress), patience_(internal::patience_of(o)) {
    patience_.waiting = [this](std::chrono::seconds waited) {
      waited_ = true;
      // Shown on the batch page as it is: Chinese only.
      progress_.current = "数据库暂时无法访问，正在重试（已等待 " + std::to_string(waited.count()) +
                          " 秒）：已完成的扫描件结果都已保存，数据库恢复后自动继续";
      if (o_.progress) o_.progress(progress_);
    };
  }

  bool stopped() const { return o_.cancel && o_.cancel->load(); }

  // `attempt()` until it succeeds, fails with an error that is no outage, or the batch is told
  // to stop (then the stop's Error).
  template <class Attempt>
  auto patiently(const std::string& what, Attempt attempt) -> decltype(attempt()) {
    auto r = internal::patiently(patience_, what, std::move(attempt));
    if (!r && stopped()) return stopped_following();
    return r;
  }

  // Whether a read waited for the database since the last call.
  bool waited() { return std::exchange(waited_, false); }

 private:
  const BatchOptions& o_;
  BatchProgress& progress_;
  internal::Patience patience_;
  bool waited_ = false;
};

// A batch once its folders are read: the submissions, one scan job per distinct (content,
// material type, form values) with its scan cache key, which jobs teach the rest of their type
// where to look first, and the batch's id (that of an unfinished run over the same inputs).
struct BatchPlan {
  std::optional<DocumentRules> documents;
  std::map<std::string, Procedure> procedures;  // FolderSubmission::procedure points in here
  std::optional<CaseStore> registry;
  std::optional<ScanStore> store;
  fs::path db_path;
  SubmissionDirs found;
  std::vector<FolderSubmission> submissions;
  std::vector<ScanJob> jobs;
  std::vector<std::string> keys;                        // per job: its scan cache key
  std::map<std::string, size_t> job_index;              // key -> job
  std::map<std::string, std::vector<size_t>> teachers;  // material type -> jobs, batch order
  std::vector<bool> teaches;                            // per job
  std::string version, batch_id, stamp;
};

Status plan_batch(const BatchOptions& o, BatchPlan& plan, DatabaseWaits& waits) {
  auto documents = load_document_rules(o.rules_dir / "documents.yaml");
  if (!documents) return documents.error();
  plan.documents = std::move(documents).value();
  Diagnostics procedure_problems;
  plan.procedures = load_procedures(o.rules_dir / "procedures", procedure_problems);
  std::error_code ec;
  fs::create_directories(o.report_dir, ec);
  if (ec)
    return Error{"cannot create the report directory " + o.report_dir.string() + ": " +
                 ec.message()};
  plan.db_path = o.db.empty() ? o.report_dir / "batch.db" : o.db;
  // The registry (keys, usernames) of the case database decides the requirements about them; in
  // a fresh batch database it is empty, and those requirements go to a person (verify.h).
  auto registry = waits.patiently("opening the case database",
                                  [&] { return CaseStore::open(plan.db_path.string()); });
  if (!registry)
    return Error{"cannot open " + plan.db_path.string() + ": " + registry.error().message,
                 {},
                 registry.error().kind};
  plan.registry.emplace(std::move(registry).value());
  auto store =
      waits.patiently("opening the scan cache", [&] { return ScanStore::open(plan.db_path); });
  if (!store) return store.error();
  plan.store.emplace(std::move(store).value());

  plan.found = find_submission_dirs(o.inputs);
  for (const fs::path& dir : plan.found.dirs)
    plan.submissions.push_back(load_submission(dir, plan.procedures));

  // One job per distinct (content, material type): the same scan sent twice is analysed once.
  plan.version = internal::pipeline_version(o.rules_dir);
  for (FolderSubmission& s : plan.submissions) {
    for (const MaterialScan& m : s.materials) {
      std::string key;
      if (s.procedure && analysable(m, rule_for(*s.procedure, m))) {
        ocr::ScanHints hints = hints_for(s.data, rule_for(*s.procedure, m));
        key = internal::scan_key(m.sha256, m.type, plan.version, hints);
        if (!plan.job_index.count(key)) {
          plan.job_index[key] = plan.jobs.size();
          plan.keys.push_back(key);
          plan.jobs.push_back({s.dir / m.file, m.sha256, m.type, std::move(hints),
                               s.dir.filename().string() + "/" + m.file, std::nullopt});
        }
      }
      s.job_keys.push_back(key);
    }
  }
  std::string inputs_key;
  for (const auto& [key, index] : plan.job_index) inputs_key += key + "\n";
  for (const FolderSubmission& s : plan.submissions) inputs_key += s.dir.string() + "\n";
  inputs_key = internal::sha256_hex(inputs_key);
  plan.stamp = now_local_iso();
  const std::string& stamp = plan.stamp;
  std::string fresh_id = "B-" + stamp.substr(0, 4) + stamp.substr(5, 2) + stamp.substr(8, 2) + "-" +
                         stamp.substr(11, 2) + stamp.substr(14, 2) + "-" + inputs_key.substr(0, 6);
  auto batch_id = waits.patiently("recording the batch's run",
                                  [&] { return plan.store->batch_id(inputs_key, fresh_id); });
  if (!batch_id) return batch_id.error();
  plan.batch_id = std::move(batch_id).value();

  // The first kLearnFrom scans of each material type (in the batch's order) teach; the places
  // where they held what was looked for are then read first on the rest of that type
  // (ScanHints::places). Which scans teach, and so every result, is the same however many
  // workers there are and however often the batch is resumed.
  plan.teaches.assign(plan.jobs.size(), false);
  for (size_t index = 0; index < plan.jobs.size(); ++index)
    if (auto& t = plan.teachers[plan.jobs[index].material]; t.size() < kLearnFrom)
      t.push_back(index), plan.teaches[index] = true;
  return std::monostate{};
}

// Takes the results kept from an earlier run; returns the jobs still to analyse, in order. A
// database away is waited for, not taken for no result kept (the scan would be analysed again).
Result<std::vector<size_t>> take_kept_results(BatchPlan& plan, BatchProgress& progress,
                                              DatabaseWaits& waits) {
  std::vector<size_t> pending;
  for (size_t index = 0; index < plan.jobs.size(); ++index) {
    auto cached = waits.patiently("reading the scan cache",
                                  [&] { return plan.store->find(plan.keys[index]); });
    if (!cached) return cached.error();
    if (*cached) {
      plan.jobs[index].result = std::move(**cached);
      ++progress.done;
      ++progress.reused;
    } else {
      pending.push_back(index);
    }
  }
  return pending;
}

// The scans analysed here, on `workers` threads with an OCR engine each, in two rounds: the
// teachers first, then the rest with their teachers' places.
Status analyse_here(BatchPlan& plan, const BatchOptions& o, const std::vector<size_t>& pending,
                    BatchProgress& progress, int workers, DatabaseWaits& waits) {
  std::vector<size_t> first_round, second_round;
  for (size_t index : pending) (plan.teaches[index] ? first_round : second_round).push_back(index);
  std::mutex mutex;  // guards the store, progress, first_error
  std::string first_error;
  std::atomic<size_t> next{0};
  std::vector<std::unique_ptr<ocr::ScanAnalyzer>> analyzers(static_cast<size_t>(workers));
  auto work_through = [&](const std::vector<size_t>& round, size_t worker_index) {
    std::unique_ptr<ocr::ScanAnalyzer>& analyzer = analyzers[worker_index];
    if (!analyzer) {
      ocr::ScanOptions scan_options;
      scan_options.tessdata_dir = o.tessdata_dir;
      auto created = ocr::ScanAnalyzer::create(plan.documents->types, scan_options);
      if (!created) {
        std::lock_guard lock(mutex);
        if (first_error.empty()) first_error = created.error().message;
        return;
      }
      analyzer = std::move(created).value();
    }
    for (size_t i = next++; i < round.size(); i = next++) {
      ScanJob& job = plan.jobs[round[i]];
      internal::ScanOutcome outcome =
          internal::analyse_and_keep(*analyzer, job, plan.keys[round[i]], *plan.store, &mutex);
      std::lock_guard lock(mutex);
      // A result not kept because the database is away is kept once it answers: the scan is not
      // analysed again (the other threads' results wait for the same lock).
      if (!outcome.kept && internal::outage(outcome.kept.error()))
        outcome.kept = waits.patiently("keeping a scan's result", [&] {
          return plan.store->put(plan.keys[round[i]], job.sha256, job.material, outcome.result);
        });
      if (!outcome.kept && first_error.empty())
        first_error = "cannot record a scan result: " + outcome.kept.error().message;
      job.result = std::move(outcome.result);
      ++progress.done;
      progress.current = job.label;
      if (o.progress) o.progress(progress);
    }
  };
  auto run_round = [&](const std::vector<size_t>& round) {
    if (round.empty()) return;
    next = 0;
    std::vector<std::thread> threads;
    for (size_t t = 1; t < analyzers.size(); ++t)
      threads.emplace_back(work_through, std::cref(round), t);
    work_through(round, 0);
    for (auto& t : threads) t.join();
  };
  run_round(first_round);
  for (size_t index : second_round)
    for (size_t teacher : plan.teachers[plan.jobs[index].material])
      if (plan.jobs[teacher].result)
        internal::read_first_where(plan.jobs[index].hints, *plan.jobs[teacher].result);
  run_round(second_round);
  if (!first_error.empty()) return Error{first_error};
  return std::monostate{};
}

// The form values of `hints` as a check job keeps them (its places come from its teachers).
std::string hints_text(const ocr::ScanHints& hints) {
  return nlohmann::json{{"uscc", hints.uscc},
                        {"company_name", hints.company_name},
                        {"person_name", hints.person_name},
                        {"id_number", hints.id_number},
                        {"seal_name", hints.seal_name}}
      .dump();
}

// One check job per scan of the batch, in its order (a scan whose result is kept already: done).
std::vector<CheckJob> check_job_rows(const BatchPlan& plan) {
  std::vector<CheckJob> rows;
  for (size_t index = 0; index < plan.jobs.size(); ++index) {
    const ScanJob& job = plan.jobs[index];
    CheckJob row;
    row.batch = plan.batch_id;
    row.key = plan.keys[index];
    row.submission = job.label;
    row.file = fs::absolute(job.path).lexically_normal().string();
    row.sha256 = job.sha256;
    row.material = job.material;
    row.pipeline = plan.version;
    row.hints = hints_text(job.hints);
    row.stage = plan.teaches[index] ? 1 : 2;
    nlohmann::json teachers = nlohmann::json::array();
    if (row.stage == 2)
      for (size_t teacher : plan.teachers.at(job.material)) teachers.push_back(plan.keys[teacher]);
    row.teachers = teachers.dump();
    if (job.result) {
      row.state = "done";
      row.result_key = row.key;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// Follows the queue until every job of the batch has ended, with a progress line per change;
// the clerk is told when no worker takes any.
Status follow_queue(CheckJobRepository& queue, const std::string& batch_id, const BatchOptions& o,
                    BatchProgress& progress, DatabaseWaits& follower) {
  auto idle_since = std::chrono::steady_clock::now();
  long last_done = -1, last_claimed = -1;
  for (;;) {
    if (follower.stopped()) return stopped_following();
    auto counts = follower.patiently("reading the batch's check jobs",
                                     [&] { return queue.counts(batch_id); });
    if (!counts) return counts.error();
    const long ended = counts->done + counts->failed;
    // After a wait for the database, the line that said so is replaced at once.
    const bool changed = follower.waited() || ended != last_done || counts->claimed != last_claimed;
    if (changed || counts->claimed > 0) idle_since = std::chrono::steady_clock::now();
    const bool idle = std::chrono::steady_clock::now() - idle_since > o.idle_note_after;
    if (changed || idle) {
      progress.done = static_cast<int>(ended);
      progress.total = static_cast<int>(counts->total());
      // Shown on the batch page as it is: Chinese only.
      progress.current = idle ? "等待核验进程：" + std::to_string(counts->pending) +
                                    " 个扫描件无人处理，请在能访问数据库和扫描件的机器上运行 "
                                    "keydesk worker --db …（规则目录须与本次核验相同）"
                              : "核验进程处理中 " + std::to_string(counts->claimed) +
                                    " 个，待处理 " + std::to_string(counts->pending) + " 个";
      if (o.progress) o.progress(progress);
      if (idle) idle_since = std::chrono::steady_clock::now();  // said again a while later
      last_done = ended;
      last_claimed = counts->claimed;
    }
    if (counts->open() == 0) return std::monostate{};
    internal::pause(o.poll_interval, o.cancel);
  }
}

// The scans analysed by `keydesk worker` processes: every scan of the batch enqueued (those kept
// already as done), then the queue followed until every job has ended, and the results read
// back from the scan cache. A job that failed gives its scan a result that says why. An outage
// of the database meanwhile is waited out (DatabaseWaits).
Status analyse_by_workers(BatchPlan& plan, const BatchOptions& o, BatchProgress& progress,
                          DatabaseWaits& follower) {
  auto queue = follower.patiently("opening the check job queue",
                                  [&] { return open_check_job_repository(plan.db_path.string()); });
  if (!queue) return queue.error();
  // Enqueueing is idempotent per batch and scan: tried again, it adds what is missing.
  const std::vector<CheckJob> rows = check_job_rows(plan);
  if (auto added = follower.patiently("enqueueing the batch's check jobs",
                                      [&] { return (*queue)->enqueue(rows); });
      !added)
    return added.error();
  if (auto followed = follow_queue(**queue, plan.batch_id, o, progress, follower); !followed)
    return followed;
  auto ended = follower.patiently("reading the batch's ended check jobs",
                                  [&] { return (*queue)->jobs_of(plan.batch_id); });
  if (!ended) return ended.error();
  std::map<std::string, std::string> failures;  // key -> why
  for (const CheckJob& j : *ended)
    if (j.state == "failed") failures[j.key] = j.error;
  for (size_t index = 0; index < plan.jobs.size(); ++index) {
    ScanJob& job = plan.jobs[index];
    if (job.result) continue;
    // A database away is waited for, not taken for no result kept (the report would differ).
    auto kept = follower.patiently("reading the scan cache",
                                   [&] { return plan.store->find(plan.keys[index]); });
    if (!kept) return kept.error();
    if (*kept) {
      job.result = std::move(**kept);
    } else {
      ocr::ScanResult failed;
      auto why = failures.find(plan.keys[index]);
      failed.problem = "the check job failed: " +
                       (why != failures.end() ? why->second : std::string("no result was kept"));
      job.result = std::move(failed);
    }
  }
  return std::monostate{};
}

// The checks of every submission on its scans' results, the previews and the report files.
Result<nlohmann::json> write_report(BatchPlan& plan, const BatchOptions& o, int reused, int workers,
                                    std::chrono::steady_clock::time_point started,
                                    DatabaseWaits& waits) {
  std::error_code ec;
  // Checks, previews and the report.
  nlohmann::json report = {
      {"batch", plan.batch_id}, {"created_at", plan.stamp}, {"inputs", nlohmann::json::array()}};
  for (const fs::path& p : o.inputs) report["inputs"].push_back(p.string());
  nlohmann::json entries = nlohmann::json::array();
  std::map<std::string, int> counts = {{"pass", 0}, {"fail", 0}, {"review", 0}};
  // The registry is read for each submission's requirements (its keys, its usernames): an
  // outage of the database is waited out as the queue's reads are.
  // Previews of the scans with evidence boxes, made after the loop on the workers' threads.
  struct Preview {
    fs::path source, target;
    const ocr::ScanResult* scan;
    size_t entry, material;
  };
  std::vector<Preview> previews;
  fs::create_directories(o.report_dir / "scans", ec);
  for (FolderSubmission& s : plan.submissions) {
    for (size_t i = 0; i < s.materials.size(); ++i)
      if (!s.job_keys[i].empty())
        s.materials[i].scan = plan.jobs[plan.job_index[s.job_keys[i]]].result;
    nlohmann::json entry = {{"id", s.data.value("id", s.dir.filename().string())},
                            {"dir", fs::absolute(s.dir).lexically_normal().string()},
                            {"procedure", s.data.value("procedure", "")},
                            {"procedure_title", s.procedure ? s.procedure->title : ""},
                            {"enterprise",
                             {{"name", s.data.value("/enterprise/name"_json_pointer, "")},
                              {"uscc", s.data.value("/enterprise/uscc"_json_pointer, "")}}}};
    std::vector<ocr::Finding> findings;
    if (!s.error.empty()) {
      entry["error"] = s.error;
      // The clerk gets a remark to send; the operator's reason (which file, what is wrong) is
      // in the entry's "error" and the evidence.
      findings.push_back(
          {"submission.invalid",
           "submission",
           ocr::Severity::fail,
           "申请数据（submission.json）缺失、格式错误或所选业务不存在，无法核验，请重新提交。",
           {{"reason", s.error}}});
    } else {
      const std::string id = entry["id"].get<std::string>();
      auto facts = waits.patiently("reading the registry for " + id, [&] {
        return case_facts(*plan.registry, s.data, id, "", o.today);
      });
      std::vector<FailedRequirement> failed;
      if (facts) {
        if (auto f = Workflow::failed_requirements(*s.procedure, *facts)) failed = std::move(*f);
      }
      SubmissionVerdict v =
          check_submission(s.data, *s.procedure, *plan.documents, s.materials,
                           facts ? *facts : nlohmann::json::object(), failed, o.today);
      findings = std::move(v.findings);
      // Its requirements unread (they were taken as met): a person looks, never a pass.
      if (!facts)
        findings.push_back(
            {"registry.unread",
             "submission",
             ocr::Severity::review,
             "登记库读取失败，受理条件（企业是否已有电子钥匙、登录用户名是否已被使用等）"
             "未能核对：请联系管理员检查数据库后，对本案件重新核验。",
             {{"reason", facts.error().message}}});
    }
    std::string verdict = verdict_of(findings);
    ++counts[verdict];
    entry["verdict"] = verdict;
    nlohmann::json materials = nlohmann::json::array();
    for (const MaterialScan& m : s.materials) {
      nlohmann::json mj = {{"material", m.type},       {"file", m.file},     {"sha256", m.sha256},
                           {"detected_type", nullptr}, {"preview", nullptr}, {"page", nullptr}};
      if (m.scan && m.scan->readable) {
        mj["detected_type"] = m.scan->detected_type.empty() ? nlohmann::json(nullptr)
                                                            : nlohmann::json(m.scan->detected_type);
        mj["page"] = {{"width", m.scan->width}, {"height", m.scan->height}};
        bool boxed = std::any_of(findings.begin(), findings.end(), [&](const ocr::Finding& f) {
          return f.material == m.type && f.evidence.value("file", "") == m.file &&
                 f.evidence.contains("box");
        });
        if (boxed)
          previews.push_back({s.dir / m.file, "scans/" + m.sha256.substr(0, 16) + ".jpg", &*m.scan,
                              entries.size(), materials.size()});
      }
      materials.push_back(std::move(mj));
    }
    entry["materials"] = std::move(materials);
    entry["findings"] = findings_json(findings);
    entries.push_back(std::move(entry));
  }
  for (const fs::path& p : plan.found.not_submissions) {
    ++counts["fail"];
    entries.push_back(
        {{"id", nullptr},
         {"dir", p.string()},
         {"procedure", nullptr},
         {"verdict", "fail"},
         {"error", "no submission.json here or below"},
         {"materials", nlohmann::json::array()},
         {"findings", nlohmann::json::array(
                          {{{"code", "submission.invalid"},
                            {"material", "submission"},
                            {"severity", "fail"},
                            {"message", "未找到申请数据（submission.json），请检查提交的文件夹。"},
                            {"evidence", {{"path", p.string()}}}}})}});
  }
  {
    std::vector<const Preview*> to_make;  // one per file: the same scan may serve twice
    std::set<fs::path> targets;
    for (const Preview& p : previews)
      if (targets.insert(p.target).second && !fs::exists(o.report_dir / p.target))
        to_make.push_back(&p);
    std::atomic<size_t> next_preview{0};
    auto make_previews = [&] {
      for (size_t i = next_preview++; i < to_make.size(); i = next_preview++) {
        const Preview& p = *to_make[i];
        auto bytes = read_regular_file(p.source, kMaxMaterialBytes);
        std::string jpeg = bytes ? ocr::preview_jpeg(*bytes, *p.scan, 900) : std::string();
        if (!jpeg.empty()) std::ofstream(o.report_dir / p.target, std::ios::binary) << jpeg;
      }
    };
    std::vector<std::thread> threads;
    for (int i = 1; i < workers; ++i) threads.emplace_back(make_previews);
    make_previews();
    for (auto& t : threads) t.join();
    for (const Preview& p : previews)
      if (fs::exists(o.report_dir / p.target))
        entries[p.entry]["materials"][p.material]["preview"] = p.target.string();
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  report["summary"] = {{"submissions", entries.size()},
                       {"pass", counts["pass"]},
                       {"fail", counts["fail"]},
                       {"review", counts["review"]},
                       {"scans", plan.jobs.size()},
                       {"scans_reused", reused},
                       {"seconds", std::round(seconds * 10) / 10}};
  report["submissions"] = std::move(entries);
  // Reports are read by people who need no ID number whole; OCR evidence may hold one anywhere.
  report = mask_personal_data(std::move(report));
  auto written = write_batch_report(report, o.report_dir);
  if (!written) return written.error();
  // Recorded, so that the next batch over the same inputs is a run of its own (unrecorded, it would
  // take this one up again under its id).
  if (auto finished = waits.patiently("recording the batch's end",
                                      [&] { return plan.store->finish(plan.batch_id); });
      !finished)
    return finished.error();
  return report;
}

}  // namespace

Result<nlohmann::json> run_batch(const BatchOptions& o) {
  auto started = std::chrono::steady_clock::now();
  BatchPlan plan;
  BatchProgress progress;
  DatabaseWaits waits(o, progress);
  if (auto st = plan_batch(o, plan, waits); !st) return st.error();
  progress.total = static_cast<int>(plan.jobs.size());
  auto kept = take_kept_results(plan, progress, waits);
  if (!kept) return kept.error();
  const std::vector<size_t> pending = std::move(kept).value();
  if (o.progress && progress.reused) {
    // Shown on the batch page as it is: Chinese only.
    progress.current = "（上次已核验 " + std::to_string(progress.reused) + " 个扫描件，不再重做）";
    o.progress(progress);
  }
  int workers =
      o.jobs > 0 ? o.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  workers =
      std::max(1, std::min<int>(workers, static_cast<int>(std::max<size_t>(pending.size(), 1))));
  if (auto st = o.by_workers ? analyse_by_workers(plan, o, progress, waits)
                             : analyse_here(plan, o, pending, progress, workers, waits);
      !st)
    return st.error();
  return write_report(plan, o, progress.reused, workers, started, waits);
}

}  // namespace keydesk
