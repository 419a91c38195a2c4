// Submission folders as the batch reads them (batch.h find_submission_dirs,
// internal/batch_folder.h).
#include "engine/internal/batch_folder.h"

#include <algorithm>

#include "engine/batch.h"
#include "engine/intake.h"
#include "engine/internal/sha256.h"
#include "engine/material_file.h"

namespace keydesk {

namespace fs = std::filesystem;

SubmissionDirs find_submission_dirs(const std::vector<fs::path>& inputs) {
  SubmissionDirs out;
  for (const fs::path& input : inputs) {
    std::error_code ec;
    if (fs::is_regular_file(input / "submission.json", ec)) {
      out.dirs.push_back(input);
      continue;
    }
    size_t before = out.dirs.size();
    if (fs::is_directory(input, ec)) {
      for (auto it = fs::recursive_directory_iterator(
               input, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_directory(ec) && fs::is_regular_file(it->path() / "submission.json", ec)) {
          out.dirs.push_back(it->path());
          it.disable_recursion_pending();
        }
      }
    }
    std::sort(out.dirs.begin() + static_cast<long>(before), out.dirs.end());
    if (out.dirs.size() == before) out.not_submissions.push_back(input);
  }
  return out;
}

namespace internal {

FolderSubmission load_submission(const fs::path& dir,
                                 const std::map<std::string, Procedure>& procedures) {
  FolderSubmission s;
  s.dir = dir;
  s.data = nlohmann::json::object();
  // One parse, as at every door: a wrongly typed field is this submission's error, named.
  auto typed = read_submission(dir);
  if (!typed) {
    s.error = typed.error().message;
    return s;
  }
  s.data = typed->to_json();
  auto it = procedures.find(typed->procedure);
  if (it == procedures.end()) {
    s.error = (dir / "submission.json").string() + ": unknown procedure '" + typed->procedure +
              "' (rules/procedures/ has no such file)";
    return s;
  }
  s.procedure = &it->second;
  if (!typed->has_materials) {
    s.error = (dir / "submission.json").string() + ": \"materials\" must be a list of {type, file}";
    return s;
  }
  for (const SubmittedMaterial& entry : typed->materials) {
    MaterialScan m;
    m.type = entry.type;
    m.file = entry.file;
    m.channel = entry.channel;
    m.uploaded = entry.channel == "upload" || (entry.channel.empty() && typed->channel == "online");
    // Only a regular file inside the folder is read: never through a link, never a FIFO or a
    // device, never more than kMaxMaterialBytes.
    auto bytes = read_regular_file(dir / m.file, kMaxMaterialBytes);
    if (bytes) {
      m.exists = true;
      m.facts = ocr::inspect_bytes(*bytes);
      m.sha256 = internal::sha256_hex(*bytes);
    } else if (bytes.error().kind != ErrorKind::not_found) {
      m.refused = bytes.error().message;
    }
    s.materials.push_back(std::move(m));
  }
  return s;
}

const MaterialRule* rule_for(const Procedure& p, const MaterialScan& m) {
  for (const MaterialRule& r : p.materials)
    if (takes(p, r, m)) return &r;
  return nullptr;
}

// The form's values a material's checks compare (its rule's `fields`): reading stops once the
// scan has shown them all.
ocr::ScanHints hints_for(const nlohmann::json& submission, const MaterialRule* rule) {
  ocr::ScanHints hints;
  if (!rule) return hints;
  auto text = [&](const char* pointer) {
    auto p = nlohmann::json::json_pointer(pointer);
    return submission.contains(p) && submission.at(p).is_string()
               ? submission.at(p).get<std::string>()
               : std::string();
  };
  if (rule->seal) hints.seal_name = text("/enterprise/name");
  for (const std::string& field : rule->fields) {
    if (field == "enterprise.uscc") hints.uscc = text("/enterprise/uscc");
    if (field == "enterprise.name") hints.company_name = text("/enterprise/name");
    if (field == "applicant.authorized_user.name")
      hints.person_name = text("/applicant/authorized_user/name");
    if (field == "applicant.authorized_user.id_number")
      hints.id_number = text("/applicant/authorized_user/id_number");
  }
  return hints;
}

// Whether a file goes on to image analysis: its file checks found nothing unreadable.
bool analysable(const MaterialScan& m, const MaterialRule* rule) {
  if (!m.exists) return false;
  for (const ocr::Finding& f : ocr::file_findings(m.facts, m.type, m.file, file_limits(rule, m)))
    if (f.code == "material.unreadable") return false;
  return true;
}

}  // namespace internal

}  // namespace keydesk
