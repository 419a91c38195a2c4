// A submission folder as the batch checks it: its submission.json parsed (typed), each material
// read as a regular file inside the folder, and what image analysis each scan is asked for.
// Internal to engine/batch.cpp.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/procedure.h"
#include "engine/verify.h"
#include "ocr/scan.h"

namespace keydesk::internal {

// A submission folder as the batch checks it.
struct FolderSubmission {
  std::filesystem::path dir;
  nlohmann::json data;
  std::string error;  // why it could not be checked at all
  const Procedure* procedure = nullptr;
  std::vector<MaterialScan> materials;
  std::vector<std::string> job_keys;  // per material: its scan job, "" when not analysed
};

// One scan to analyse: a material file of a submission, named by its content.
struct ScanJob {
  std::filesystem::path path;
  std::string sha256;
  std::string material;
  ocr::ScanHints hints;
  std::string label;
  std::optional<ocr::ScanResult> result;
};

// The submission in `dir` on the procedures loaded: a wrongly typed submission.json, an unknown
// procedure or no material list is its `error`; each material is read only as a regular file
// inside the folder (material_file.h).
FolderSubmission load_submission(const std::filesystem::path& dir,
                                 const std::map<std::string, Procedure>& procedures);

// The rule of `p` the scan `m` falls under (its type and channel: verify.h takes), or null.
const MaterialRule* rule_for(const Procedure& p, const MaterialScan& m);

// The form's values a material's checks compare (its rule's `fields`): reading stops once the
// scan has shown them all.
ocr::ScanHints hints_for(const nlohmann::json& submission, const MaterialRule* rule);

// Whether a file goes on to image analysis: its file checks found nothing unreadable.
bool analysable(const MaterialScan& m, const MaterialRule* rule);

}  // namespace keydesk::internal
