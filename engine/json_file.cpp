#include "engine/json_file.h"

#include "engine/internal/yaml_document.h"

namespace keydesk {

Result<nlohmann::json> load_json_file(const std::filesystem::path& path,
                                      const nlohmann::json& schema) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return Error{"cannot open " + path.string() + ": check the path"};
  // JSON is YAML (1.2), so the YAML reader gives the same marks and the same validator.
  Diagnostics problems;
  auto doc = internal::YamlDocument::load(path, problems);
  if (doc) problems = doc->validate(schema);
  if (!problems.empty())
    return Error{path.string() + " has " + std::to_string(problems.size()) +
                     " problem(s); fix them and run again",
                 problems};
  return doc->json();
}

}  // namespace keydesk
