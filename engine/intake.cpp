#include "engine/intake.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>

#include <boost/date_time/posix_time/posix_time.hpp>

#include "engine/internal/patience.h"
#include "engine/material_file.h"
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
                                        const CounterConfig& counter, const Submission& submission,
                                        const Actor& actor, const std::string& at) {
  const std::string& id = submission.id;
  // parse_submission() made it an id: it names a file of rules/procedures, never another path.
  const auto file = rules_dir / "procedures" / (submission.procedure + ".yaml");
  std::error_code ec;
  if (!valid_procedure_id(submission.procedure) || !std::filesystem::is_regular_file(file, ec))
    return error_of(ErrorKind::not_found, "没有业务“" + submission.procedure +
                                              "”，请检查 procedure (" + id + ": no procedure '" +
                                              submission.procedure + "' in " +
                                              (rules_dir / "procedures").string() + ")");
  auto p = load_procedure(file);
  if (!p)
    return Error{"procedure '" + submission.procedure + "' of " + id + ": " + p.error().message,
                 p.error().diagnostics};
  auto cal = calendar_for(*p, rules_dir, counter);
  if (!cal) return cal.error();
  // The clock starts from the submission's own time when it has one (online filing), else now.
  auto when = moment(at.empty() ? submission.submitted_at : at, counter.hours);
  if (!when) return Error{"submission " + id + ": " + when.error().message};
  Workflow workflow(*cal, counter.hours);
  return store.open_case(
      *p, workflow, {id, actor.authority, submission.to_json(), actor, when->first, when->second});
}

Result<Submission> read_submission(const std::filesystem::path& given) {
  std::error_code ec;
  const auto path = std::filesystem::is_directory(given, ec) ? given / "submission.json" : given;
  auto text = read_regular_file(path, kMaxSubmissionBytes);
  if (!text) return text.error();
  auto parsed = parse_submission_text(*text);
  if (!parsed) return error_of(parsed.error().kind, path.string() + ": " + parsed.error().message);
  return parsed;
}

std::vector<CaseLink> record_batch_checks(CaseStore& store, const nlohmann::json& report,
                                          const std::filesystem::path& rules_dir,
                                          const CounterConfig& counter, const Actor& actor,
                                          bool open_missing,
                                          const std::filesystem::path& report_dir,
                                          const internal::Patience* patience) {
  // Each read and write of the store, tried again through an outage when asked to.
  auto patiently = [patience](const std::string& what, auto attempt) {
    return patience ? internal::patiently(*patience, what, attempt) : attempt();
  };
  std::vector<CaseLink> links;
  auto now = moment("", counter.hours);
  const std::string at = now ? now->second : std::string();
  for (const nlohmann::json& s : report.value("submissions", nlohmann::json::array())) {
    CaseLink link;
    link.submission = s.value("id", "");
    if (link.submission.empty()) continue;  // no submission.json: nothing to tie a case to
    auto read = read_submission(std::filesystem::path(s.value("dir", "")));
    if (!read) {
      links.push_back({link.submission, "error", read.error().message});
      continue;
    }
    const nlohmann::json submission = read->to_json();
    auto existing =
        patiently("reading case " + link.submission, [&] { return store.get(link.submission); });
    if (!existing && existing.error().kind != ErrorKind::not_found) {
      // The store failed (busy, a read error): not a sign that the case is missing.
      links.push_back({link.submission, "error", existing.error().message});
      continue;
    }
    if (!existing) {
      if (!open_missing) {
        links.push_back({link.submission, "no case", ""});
        continue;
      }
      auto opened = patiently("opening case " + link.submission, [&] {
        return open_submission_case(store, rules_dir, counter, *read, actor);
      });
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
    if (auto st = patiently("recording the check of case " + link.submission,
                            [&] { return store.record_check(link.submission, check, actor, at); });
        !st) {
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
