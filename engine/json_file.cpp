#include "engine/json_file.h"

#include "engine/internal/yaml_document.h"

namespace keydesk {

Result<nlohmann::json> load_json_file(const std::filesystem::path& path,
                                      const nlohmann::json& schema) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return Error{"无法打开 " + path.string() + "：请检查路径 (cannot open the file)"};
  // JSON is YAML (1.2), so the YAML reader gives the same marks and the same validator.
  Diagnostics problems;
  auto doc = internal::YamlDocument::load(path, problems);
  if (doc) problems = doc->validate(schema);
  if (!problems.empty()) return Error{problems_message(path.string(), problems.size()), problems};
  return doc->json();
}

}  // namespace keydesk
