// Intake: cases opened from submissions, and a batch's document checks recorded on them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "engine/case_store.h"
#include "engine/counter.h"
#include "engine/submission.h"

namespace keydesk {

namespace internal {
struct Patience;  // internal/patience.h
}

// `at` (ISO time) as counter time and text; empty `at`: the present moment.
Result<std::pair<LocalTime, std::string>> moment(const std::string& at, const CounterHours& hours);
// Unix seconds as the counter's local ISO 8601 time with its offset ("2026-11-24T10:00:00+08:00").
std::string counter_time_text(std::int64_t unix_seconds, const CounterHours& hours);

// Opens the case of `submission` (its id is the case number) on the procedure it names, read
// from `rules_dir`/procedures. The clock starts at `at`, else at its submitted_at, else now.
// The case stores submission.to_json().
Result<CaseRecord> open_submission_case(CaseStore& store, const std::filesystem::path& rules_dir,
                                        const CounterConfig& counter, const Submission& submission,
                                        const Actor& actor, const std::string& at = "");

// Reads and parses a submission: `path` is a submission folder (its submission.json) or the JSON
// file itself, a regular file of at most kMaxSubmissionBytes, not a link. Errors name the file
// and the field.
Result<Submission> read_submission(const std::filesystem::path& path);

// What became of one submission of a batch report on the cases.
struct CaseLink {
  std::string submission;  // the submission (case) id
  std::string outcome;     // "recorded", "opened" (then recorded), "no case", "stale", "error"
  std::string detail;      // the error, or why the check does not apply
};

// Records each submission's verdict of `report` (report.json's content) on its case in `store`:
// the submissions' own submission.json (in their "dir") tie the check to the content checked.
// With `open_missing`, a submission without a case gets one opened first. A submission whose
// case fails (unknown procedure, already closed…) is reported, and the others go on.
// `report_dir` is where the report was written: its scan previews are kept with the check.
// With `patience`, a read or write the database fails because it is away or busy is tried again
// as it says (internal/patience.h), the batch's verdicts kept once it answers; without, the
// submission's link is an error and the others go on.
std::vector<CaseLink> record_batch_checks(CaseStore& store, const nlohmann::json& report,
                                          const std::filesystem::path& rules_dir,
                                          const CounterConfig& counter, const Actor& actor,
                                          bool open_missing,
                                          const std::filesystem::path& report_dir = {},
                                          const internal::Patience* patience = nullptr);

}  // namespace keydesk
