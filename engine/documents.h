// rules/documents.yaml: the document types the scan checks recognise, and the remark (备注)
// templates of the document checks. Schema: schemas/documents.schema.json.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "ocr/scan.h"

namespace keydesk {

struct DocumentRules {
  std::vector<ocr::DocumentType> types;
  std::map<std::string, std::string> remarks;  // finding code -> template
  std::string file;

  const ocr::DocumentType* type(const std::string& id) const;
  // How remarks name a material type: its remark_name, or the id when unknown.
  std::string material_name(const std::string& id) const;
  // The remark for `code` with {material} {expected} {found} {detail} filled in.
  std::string remark(const std::string& code, const std::string& material,
                     const std::map<std::string, std::string>& values = {}) const;
};

// Loads and validates `path`; an Error with file:line:column diagnostics when it has problems.
Result<DocumentRules> load_document_rules(const std::filesystem::path& path);

}  // namespace keydesk
