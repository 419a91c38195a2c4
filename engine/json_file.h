// JSON files that people or other systems write (document inputs, …), read and checked
// against a JSON Schema with the same validator and wording as the rule files, so every
// problem points to file:line:column.
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace keydesk {

// Reads `path` and validates it against `schema` (draft 7). On failure the Error names the file
// and carries one diagnostic per problem (a missing file, a syntax error, a schema violation).
Result<nlohmann::json> load_json_file(const std::filesystem::path& path,
                                      const nlohmann::json& schema);

}  // namespace keydesk
