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

#include "engine/batch_report.h"
#include "engine/case_store.h"
#include "engine/documents.h"
#include "engine/internal/batch_folder.h"
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

namespace {

using internal::analysable;
using internal::FolderSubmission;
using internal::hints_for;
using internal::load_submission;
using internal::rule_for;
using internal::ScanJob;
using internal::ScanStore;

// Bump when the analysis changes in a way that makes stored results stale.
constexpr const char* kPipelineVersion =
    "scan-18";  // 18: shorter table walls found, a wrapped code's tail read by the Latin model,
                // codes looked at up to four off;
                // 17: faint print kept (Sauvola k 0.2), glyph checks beat GB 2312 rivals;
                // 16: broken vertical rules found;
                // 15: names read a character off the form's looked at again (GlyphCheck);
                // 14: tick items located with a slip; 13: tick lists; 12: codes wrapped across
                // lines or cells
// Scans of each material type whose places (ScanResult::places) the rest of the batch reads first.
constexpr size_t kLearnFrom = 6;

std::optional<std::string> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return out.str();
}

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

}  // namespace

Result<nlohmann::json> run_batch(const BatchOptions& o) {
  auto started = std::chrono::steady_clock::now();
  auto documents = load_document_rules(o.rules_dir / "documents.yaml");
  if (!documents) return documents.error();
  Diagnostics procedure_problems;
  std::map<std::string, Procedure> procedures =
      load_procedures(o.rules_dir / "procedures", procedure_problems);
  std::error_code ec;
  fs::create_directories(o.report_dir, ec);
  if (ec) return Error{"cannot create the report directory " + o.report_dir.string() + ": " + ec.message()};
  const fs::path db_path = o.db.empty() ? o.report_dir / "batch.db" : o.db;
  // The registry (keys, usernames) of the case database decides the requirements about them; in
  // a fresh batch database it is empty, and those requirements go to a person (verify.h).
  auto registry = CaseStore::open(db_path.string());
  if (!registry) return Error{"cannot open " + db_path.string() + ": " + registry.error().message};
  auto store = ScanStore::open(db_path);
  if (!store) return store.error();

  SubmissionDirs found = find_submission_dirs(o.inputs);
  std::vector<FolderSubmission> submissions;
  for (const fs::path& dir : found.dirs) submissions.push_back(load_submission(dir, procedures));

  // One job per distinct (content, material type): the same scan sent twice is analysed once.
  std::vector<ScanJob> jobs;
  std::map<std::string, size_t> job_index;
  const std::string version = std::string(kPipelineVersion) + ":" +
                              internal::sha256_hex(read_bytes(o.rules_dir / "documents.yaml").value_or(""));
  for (FolderSubmission& s : submissions) {
    for (const MaterialScan& m : s.materials) {
      std::string key;
      if (s.procedure && analysable(m, rule_for(*s.procedure, m))) {
        ocr::ScanHints hints = hints_for(s.data, rule_for(*s.procedure, m));
        key = m.sha256 + "|" + m.type + "|" + version + "|" +
              internal::sha256_hex(hints.uscc + "\n" + hints.company_name + "\n" +
                                   hints.person_name + "\n" + hints.id_number)
                  .substr(0, 16);
        if (!job_index.count(key)) {
          job_index[key] = jobs.size();
          jobs.push_back({s.dir / m.file, m.sha256, m.type, std::move(hints),
                          s.dir.filename().string() + "/" + m.file, std::nullopt});
        }
      }
      s.job_keys.push_back(key);
    }
  }
  std::string inputs_key;
  for (const auto& [key, index] : job_index) inputs_key += key + "\n";
  for (const FolderSubmission& s : submissions) inputs_key += s.dir.string() + "\n";
  inputs_key = internal::sha256_hex(inputs_key);
  std::string stamp = now_local_iso();
  std::string fresh_id = "B-" + stamp.substr(0, 4) + stamp.substr(5, 2) + stamp.substr(8, 2) + "-" +
                         stamp.substr(11, 2) + stamp.substr(14, 2) + "-" + inputs_key.substr(0, 6);
  std::string batch_id = store->batch_id(inputs_key, fresh_id);

  BatchProgress progress;
  progress.total = static_cast<int>(jobs.size());
  std::vector<size_t> pending;
  for (auto& [key, index] : job_index) {
    if (auto cached = store->get(key)) {
      jobs[index].result = std::move(*cached);
      ++progress.done;
      ++progress.reused;
    } else {
      pending.push_back(index);
    }
  }
  std::sort(pending.begin(), pending.end());
  if (o.progress && progress.reused) {
    progress.current = "(" + std::to_string(progress.reused) + " scans done in an earlier run)";
    o.progress(progress);
  }

  // Two rounds. The first reads the first kLearnFrom scans of each material type (in the
  // batch's order) as they come; the places where they held what was looked for are then read
  // first on the rest of that type (ScanHints::places). Which scans teach, and so every result,
  // is the same however many workers there are and however often the batch is resumed.
  std::map<std::string, std::vector<size_t>> teachers;  // material type -> jobs, batch order
  std::vector<bool> teaches(jobs.size(), false);
  for (size_t index = 0; index < jobs.size(); ++index)
    if (auto& t = teachers[jobs[index].material]; t.size() < kLearnFrom)
      t.push_back(index), teaches[index] = true;
  std::vector<size_t> first_round, second_round;
  for (size_t index : pending) (teaches[index] ? first_round : second_round).push_back(index);

  std::mutex mutex;  // guards store, progress, first_error
  std::string first_error;
  std::atomic<size_t> next{0};
  std::vector<std::string> keys(jobs.size());
  for (auto& [key, index] : job_index) keys[index] = key;
  int workers =
      o.jobs > 0 ? o.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  workers =
      std::max(1, std::min<int>(workers, static_cast<int>(std::max<size_t>(pending.size(), 1))));
  std::vector<std::unique_ptr<ocr::ScanAnalyzer>> analyzers(static_cast<size_t>(workers));
  auto work_through = [&](const std::vector<size_t>& round, size_t worker_index) {
    std::unique_ptr<ocr::ScanAnalyzer>& analyzer = analyzers[worker_index];
    if (!analyzer) {
      ocr::ScanOptions scan_options;
      scan_options.tessdata_dir = o.tessdata_dir;
      auto created = ocr::ScanAnalyzer::create(documents->types, scan_options);
      if (!created) {
        std::lock_guard lock(mutex);
        if (first_error.empty()) first_error = created.error().message;
        return;
      }
      analyzer = std::move(created).value();
    }
    for (size_t i = next++; i < round.size(); i = next++) {
      ScanJob& job = jobs[round[i]];
      auto bytes = read_regular_file(job.path, kMaxMaterialBytes);
      ocr::ScanResult result;
      if (bytes) {
        // The per-stage timings KEYDESK_SCAN_DEBUG asks of the analyser, headed by the file.
        if (std::getenv("KEYDESK_SCAN_DEBUG")) std::fprintf(stderr, "scan %s\n", job.path.c_str());
        result = analyzer->analyse(*bytes, job.material, job.hints);
      } else {
        result.problem = "the file could not be read again";
      }
      std::lock_guard lock(mutex);
      if (auto st = store->put(keys[round[i]], job.sha256, job.material, result);
          !st && first_error.empty())
        first_error = "cannot record a scan result: " + st.error().message;
      job.result = std::move(result);
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
    for (size_t teacher : teachers[jobs[index].material])
      if (jobs[teacher].result)
        jobs[index].hints.places.insert(jobs[index].hints.places.end(),
                                        jobs[teacher].result->places.begin(),
                                        jobs[teacher].result->places.end());
  run_round(second_round);
  if (!first_error.empty()) return Error{first_error};

  // Checks, previews and the report.
  nlohmann::json report = {{"batch", batch_id}, {"created_at", stamp}, {"inputs", nlohmann::json::array()}};
  for (const fs::path& p : o.inputs) report["inputs"].push_back(p.string());
  nlohmann::json entries = nlohmann::json::array();
  std::map<std::string, int> counts = {{"pass", 0}, {"fail", 0}, {"review", 0}};
  // Previews of the scans with evidence boxes, made after the loop on the workers' threads.
  struct Preview {
    fs::path source, target;
    const ocr::ScanResult* scan;
    size_t entry, material;
  };
  std::vector<Preview> previews;
  fs::create_directories(o.report_dir / "scans", ec);
  for (FolderSubmission& s : submissions) {
    for (size_t i = 0; i < s.materials.size(); ++i)
      if (!s.job_keys[i].empty()) s.materials[i].scan = jobs[job_index[s.job_keys[i]]].result;
    nlohmann::json entry = {{"id", s.data.value("id", s.dir.filename().string())},
                            {"dir", fs::absolute(s.dir).lexically_normal().string()},
                            {"procedure", s.data.value("procedure", "")},
                            {"procedure_title", s.procedure ? s.procedure->title : ""},
                            {"enterprise", {{"name", s.data.value("/enterprise/name"_json_pointer, "")},
                                            {"uscc", s.data.value("/enterprise/uscc"_json_pointer, "")}}}};
    std::vector<ocr::Finding> findings;
    if (!s.error.empty()) {
      entry["error"] = s.error;
      // The clerk gets a remark to send; the operator's reason (which file, what is wrong) is
      // in the entry's "error" and the evidence.
      findings.push_back({"submission.invalid", "submission", ocr::Severity::fail,
                          "申请数据（submission.json）缺失、格式错误或所选业务不存在，无法核验，请重新提交。",
                          {{"reason", s.error}}});
    } else {
      auto facts = case_facts(*registry, s.data, entry["id"].get<std::string>(), "", o.today);
      std::vector<FailedRequirement> failed;
      if (facts) {
        if (auto f = Workflow::failed_requirements(*s.procedure, *facts)) failed = std::move(*f);
      }
      SubmissionVerdict v = check_submission(s.data, *s.procedure, *documents, s.materials,
                                             facts ? *facts : nlohmann::json::object(), failed, o.today);
      findings = std::move(v.findings);
    }
    std::string verdict = verdict_of(findings);
    ++counts[verdict];
    entry["verdict"] = verdict;
    nlohmann::json materials = nlohmann::json::array();
    for (const MaterialScan& m : s.materials) {
      nlohmann::json mj = {{"material", m.type}, {"file", m.file}, {"sha256", m.sha256},
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
          previews.push_back({s.dir / m.file, "scans/" + m.sha256.substr(0, 16) + ".jpg",
                              &*m.scan, entries.size(), materials.size()});
      }
      materials.push_back(std::move(mj));
    }
    entry["materials"] = std::move(materials);
    entry["findings"] = findings_json(findings);
    entries.push_back(std::move(entry));
  }
  for (const fs::path& p : found.not_submissions) {
    ++counts["fail"];
    entries.push_back({{"id", nullptr}, {"dir", p.string()}, {"procedure", nullptr},
                       {"verdict", "fail"}, {"error", "no submission.json here or below"},
                       {"materials", nlohmann::json::array()},
                       {"findings", nlohmann::json::array({{{"code", "submission.invalid"},
                                                             {"material", "submission"},
                                                             {"severity", "fail"},
                                                             {"message", "未找到申请数据（submission.json），请检查提交的文件夹。"},
                                                             {"evidence", {{"path", p.string()}}}}})}});
  }
  {
    std::vector<const Preview*> to_make;  // one per file: the same scan may serve twice
    std::set<fs::path> targets;
    for (const Preview& p : previews)
      if (targets.insert(p.target).second && !fs::exists(o.report_dir / p.target)) to_make.push_back(&p);
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
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  report["summary"] = {{"submissions", entries.size()}, {"pass", counts["pass"]},
                       {"fail", counts["fail"]}, {"review", counts["review"]},
                       {"scans", jobs.size()}, {"scans_reused", progress.reused},
                       {"seconds", std::round(seconds * 10) / 10}};
  report["submissions"] = std::move(entries);
  // Reports are read by people who need no ID number whole; OCR evidence may hold one anywhere.
  report = mask_personal_data(std::move(report));
  auto written = write_batch_report(report, o.report_dir);
  if (!written) return written.error();
  store->finish(batch_id);
  return report;
}

}  // namespace keydesk
