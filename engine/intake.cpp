#include "engine/intake.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>

#include <boost/date_time/posix_time/posix_time.hpp>

#include "engine/rules.h"
#include "engine/workflow.h"

namespace keydesk {

std::string counter_time_text(std::int64_t unix_seconds, const CounterHours& hours) {
  const int off = hours.utc_offset_minutes;
  auto local = boost::posix_time::from_time_t(static_cast<std::time_t>(unix_seconds)) +
               boost::posix_time::minutes(off);
  char zone[16];
  std::snprintf(zone, sizeof zone, "%c%02d:%02d", off < 0 ? '-' : '+', std::abs(off) / 60,
                std::abs(off) % 60);
  return boost::posix_time::to_iso_extended_string(local).substr(0, 19) + zone;
}

Result<std::pair<LocalTime, std::string>> moment(const std::string& at, const CounterHours& hours) {
  const std::string text =
      at.empty() ? counter_time_text(static_cast<std::int64_t>(std::time(nullptr)), hours) : at;
  auto t = parse_submission_time(text, hours);
  if (!t) return t.error();
  return std::make_pair(*t, text);
}

Result<CaseRecord> open_submission_case(CaseStore& store, const std::filesystem::path& rules_dir,
                                        const CounterConfig& counter,
                                        const nlohmann::json& submission, const Actor& actor,
                                        const std::string& at) {
  std::string id = submission.value("id", ""), proc = submission.value("procedure", "");
  if (id.empty() || proc.empty())
    return Error{"the submission needs 'id' and 'procedure' (schemas/submission.schema.json)"};
  auto p = load_procedure(rules_dir / "procedures" / (proc + ".yaml"));
  if (!p)
    return Error{"procedure '" + proc + "' of " + id + ": " + p.error().message,
                 p.error().diagnostics};
  auto cal = calendar_for(*p, rules_dir, counter);
  if (!cal) return cal.error();
  // The clock starts from the submission's own time when it has one (online filing), else now.
  auto when = moment(at.empty() ? submission.value("submitted_at", "") : at, counter.hours);
  if (!when) return Error{"submission " + id + ": " + when.error().message};
  Workflow workflow(*cal, counter.hours);
  return store.open_case(*p, workflow,
                         {id, actor.authority, submission, actor, when->first, when->second});
}

std::vector<CaseLink> record_batch_checks(CaseStore& store, const nlohmann::json& report,
                                          const std::filesystem::path& rules_dir,
                                          const CounterConfig& counter, const Actor& actor,
                                          bool open_missing,
                                          const std::filesystem::path& report_dir) {
  std::vector<CaseLink> links;
  auto now = moment("", counter.hours);
  const std::string at = now ? now->second : std::string();
  for (const nlohmann::json& s : report.value("submissions", nlohmann::json::array())) {
    CaseLink link;
    link.submission = s.value("id", "");
    if (link.submission.empty()) continue;  // no submission.json: nothing to tie a case to
    std::ifstream in(std::filesystem::path(s.value("dir", "")) / "submission.json",
                     std::ios::binary);
    nlohmann::json submission = nlohmann::json::parse(in, nullptr, false);
    if (submission.is_discarded()) {
      links.push_back({link.submission, "error", "its submission.json cannot be read again"});
      continue;
    }
    auto existing = store.get(link.submission);
    if (!existing) {
      if (!open_missing) {
        links.push_back({link.submission, "no case", ""});
        continue;
      }
      auto opened = open_submission_case(store, rules_dir, counter, submission, actor);
      if (!opened) {
        links.push_back({link.submission, "error", opened.error().message});
        continue;
      }
      link.outcome = "opened";
      existing = std::move(opened);
    }
    CheckRecord check;
    check.batch = report.value("batch", "");
    check.verdict = s.value("verdict", "");
    check.findings = s.value("findings", nlohmann::json::array());
    check.materials = s.value("materials", nlohmann::json::array());
    for (auto& m : check.materials)
      if (m.contains("preview") && m["preview"].is_string())
        m["preview"] = report_dir.empty()
                           ? nlohmann::json()
                           : nlohmann::json(std::filesystem::absolute(
                                                report_dir / m["preview"].get<std::string>())
                                                .lexically_normal()
                                                .string());
    check.submission_hash = check_hash(submission);
    if (auto st = store.record_check(link.submission, check, actor, at); !st) {
      links.push_back({link.submission, "error", st.error().message});
      continue;
    }
    if (link.outcome.empty()) link.outcome = "recorded";
    if (check.submission_hash != check_hash(existing->data)) {
      link.outcome = "stale";
      link.detail = "case " + link.submission +
                    " holds another version of this submission (a resubmission?): the check is "
                    "kept in its history but does not apply to it";
    }
    links.push_back(std::move(link));
  }
  return links;
}

}  // namespace keydesk
