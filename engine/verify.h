// The document checks of one submission: what the procedure's rule file requires of each
// material (rules/procedures/*.yaml, `materials:`), held against what the scans show
// (ocr::ScanResult) and what the form says (submission.json). Pure: no files, no OCR here.
//
// Verdict: `fail` when any finding fails, else `review` when any needs a person, else `pass`.
// A code that cannot be read is `review`, never `pass`: keydesk never calls a bad submission good.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/calendar.h"
#include "engine/documents.h"
#include "engine/procedure.h"
#include "engine/workflow.h"
#include "ocr/file_check.h"
#include "ocr/findings.h"
#include "ocr/scan.h"

namespace keydesk {

// One material file of a submission, as the batch found it.
struct MaterialScan {
  std::string type;  // the material type it was submitted as
  std::string file;  // its name in the submission folder
  std::string channel = {};  // upload | paper | "" (as the submission said of it)
  bool uploaded = false;     // a scan uploaded online: upload limits (200 KB …) apply
  bool exists = false;
  std::string refused;  // why it was not read although something has its name (a link, a FIFO…)
  ocr::FileFacts facts;
  std::string sha256;                   // of its bytes, when it exists
  std::optional<ocr::ScanResult> scan;  // when it went through image analysis
};

struct SubmissionVerdict {
  std::string verdict;  // pass | fail | review
  std::vector<ocr::Finding> findings;
};

// Limits a material's file must keep: max_kb from its rule, images only.
// Upload limits belong to the upload channel: a scan of a paper copy has none.
ocr::FileLimits file_limits(const MaterialRule* rule, const MaterialScan& m);
// Whether `rule` takes the scan `m`: its type, and its channel where the procedure has a rule of
// that channel for the type (an upload rule takes uploads, a paper rule paper copies).
bool takes(const Procedure& procedure, const MaterialRule& rule, const MaterialScan& m);

// Checks `submission` against `procedure`'s materials and requirements. `facts` are the case
// facts the guards read (registry.h case_facts); `failed` the requirements that fail on them.
SubmissionVerdict check_submission(const nlohmann::json& submission, const Procedure& procedure,
                                   const DocumentRules& documents,
                                   const std::vector<MaterialScan>& materials,
                                   const nlohmann::json& facts,
                                   const std::vector<FailedRequirement>& failed, Date today);

// fail > review > pass over `findings`.
std::string verdict_of(const std::vector<ocr::Finding>& findings);

}  // namespace keydesk
