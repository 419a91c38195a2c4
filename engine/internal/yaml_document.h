// A YAML file read as JSON, remembering where every value stood, so that schema and semantic
// errors point to file:line:column. (valijson's yaml-cpp adapter does not build with Debian 12's
// yaml-cpp, so validation runs on the converted JSON.)
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/diagnostic.h"

namespace keydesk::internal {

class YamlDocument {
 public:
  // Reads and parses `path`. On failure (missing file, YAML syntax error, a key given twice)
  // appends diagnostics to `out` and returns nullopt.
  static std::optional<YamlDocument> load(const std::filesystem::path& path, Diagnostics& out);

  // Parses YAML text; `name` is the file name used in diagnostics.
  static std::optional<YamlDocument> parse(const std::string& text, const std::string& name,
                                           Diagnostics& out);

  const nlohmann::json& json() const { return json_; }
  const std::string& file() const { return file_; }

  // A diagnostic at the value `pointer` (JSON pointer, e.g. "/years/0/holidays/2/from"), or at
  // its nearest ancestor with a known position.
  Diagnostic at(const std::string& pointer, std::string message) const;
  // A diagnostic inside the scalar at `pointer`, `column` characters (1-based) into its text,
  // skipping an opening quote: for errors within an expression.
  Diagnostic at_column(const std::string& pointer, int column, std::string message) const;
  // A diagnostic at the key `key` of the mapping at `pointer`.
  Diagnostic at_key(const std::string& pointer, const std::string& key, std::string message) const;

  // The keys of the mapping at `pointer` in the order the file gives them (JSON objects sort).
  std::vector<std::string> keys_in_order(const std::string& pointer) const;

  // Validates against `schema` (JSON Schema draft 7 as valijson knows it); one diagnostic per
  // violation, worded for the person editing the file.
  Diagnostics validate(const nlohmann::json& schema) const;

 private:
  // 1-based column in characters of the 0-based byte column `byte_column` on 0-based `line`.
  int character_column(int line, int byte_column) const;

  struct Mark {
    int line = 0;
    int column = 0;
  };
  std::string file_;
  std::vector<std::string> lines_;  // the text, to turn yaml-cpp's byte columns into characters
  nlohmann::json json_;
  std::map<std::string, Mark> value_marks_;
  std::map<std::string, Mark> key_marks_;
  std::map<std::string, std::vector<std::string>> key_order_;

  friend struct YamlConverter;
};

// The *.yaml and *.yml files in `dir` (and below it when `recursive`), sorted; none when `dir`
// cannot be read.
std::vector<std::filesystem::path> yaml_files(const std::filesystem::path& dir, bool recursive);

// "/a/b" + "c" -> "/a/b/c", escaping as RFC 6901 says.
std::string pointer_child(const std::string& pointer, const std::string& token);
std::string pointer_child(const std::string& pointer, std::size_t index);

}  // namespace keydesk::internal
