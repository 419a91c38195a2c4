// A YAML file read as JSON, remembering where every value stood, so that schema and semantic
// errors point to file:line:column. (valijson's yaml-cpp adapter does not build with Debian 12's
// yaml-cpp, so validation runs on the converted JSON.)
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/diagnostic.h"

namespace keydesk::internal {

class YamlDocument {
 public:
  // What a file may make us read and build, whatever it says. The files are edited by hand and
  // may be hostile: past a limit the file is refused with a diagnostic, never read or built on.
  //
  // The bytes read: the largest bundled rule file (rules/calendars/cn-national.yaml, eight
  // years of holidays) has 12 KB; 1 MiB is eighty times that. yaml-cpp's own tree is linear in
  // it: a file of nothing but tiny values (a node per two bytes) takes it ~250 MB for a second
  // and a half, the most a file can cost.
  static constexpr std::size_t kMaxFileBytes = std::size_t{1} << 20;
  // The values built, each alias (*name) counted again wherever it is used: yaml-cpp shares an
  // anchored node between its aliases, but the JSON copies it, so nine nested levels of nine
  // aliases make 9^9 (387 million) values, gigabytes, from 300 bytes. A bundled file has at
  // most ~500.
  static constexpr std::size_t kMaxValues = 100000;
  // The bytes built: the text of the values and keys, and the paths under which their marks
  // are kept (each value's path repeats every key above it, so long keys nested deep cost more
  // than the file's size even without aliases). 32 MiB keeps a converted file, marks included,
  // under some 64 MiB; a bundled file builds less than 30 KB.
  static constexpr std::size_t kMaxBuiltBytes = std::size_t{32} << 20;
  // Lists and mappings inside one another, aliases expanded. A schema goes six deep at most
  // (actions/0/inputs/x/one_of/0); 64 leaves room and keeps the recursion that converts and
  // validates far from the stack's end. An anchor that contains its own alias (&a [*a]) would
  // nest forever and stops here.
  static constexpr int kMaxDepth = 64;
  // The bytes of one value or key. The validator matches "pattern"s with std::regex, whose
  // libstdc++ matcher recurses once per character (~300 bytes of stack each: 30,000 characters
  // overflow an 8 MiB stack); the longest bundled value has 370 bytes.
  static constexpr std::size_t kMaxScalarBytes = 8192;

  // Reads `path` whole if it has at most kMaxFileBytes, reading no more than that (a FIFO or
  // /dev/zero named *.yaml cannot exhaust memory). Otherwise, or when it cannot be read,
  // appends a diagnostic to `out` and returns nullopt.
  static std::optional<std::string> read(const std::filesystem::path& path, Diagnostics& out);

  // Reads and parses `path`. On failure (missing file, YAML syntax error, a key given twice,
  // any limit above passed) appends diagnostics to `out` and returns nullopt.
  static std::optional<YamlDocument> load(const std::filesystem::path& path, Diagnostics& out);

  // Parses YAML text; `name` is the file name used in diagnostics. The limits above apply.
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
  // A diagnostic where `needle` first appears in the file from the line of the value at `pointer`
  // on: for a problem inside a text that may span lines (a block scalar). At the value when the
  // file does not spell it so (an escape in a quoted string).
  Diagnostic at_text(const std::string& pointer, const std::string& needle,
                     std::string message) const;
  // A diagnostic at the key `key` of the mapping at `pointer`.
  Diagnostic at_key(const std::string& pointer, const std::string& key, std::string message) const;

  // The keys of the mapping at `pointer` in the order the file gives them (JSON objects sort).
  std::vector<std::string> keys_in_order(const std::string& pointer) const;

  // The integer at `pointer` if it is one from `min` to `max`; otherwise nullopt, and a
  // diagnostic at the value naming it and the range goes to `out`. Readers pass the range
  // their schema gives: the schema has said so to the person editing the file already, and
  // this keeps the C++ from narrowing a value the schema let through (4294967297 read into an
  // int is 1), should the two ever disagree.
  std::optional<int> integer(const std::string& pointer, int min, int max, Diagnostics& out) const;

  // Validates against `schema` (JSON Schema draft 7 as valijson knows it); one diagnostic per
  // violation, worded for the person editing the file.
  Diagnostics validate(const nlohmann::json& schema) const;

 private:
  // "deadline: 0", for messages: the key `pointer` ends in and, when `value` (the value there,
  // or null) is a scalar, the value as the file writes it (quoted only when quoted there, or,
  // for a string, when it would otherwise read as a number or true/false/null); at most 60
  // characters of it.
  std::string shown(const std::string& pointer, const nlohmann::json* value) const;
  // Whether the character at 1-based `line` and `column` (characters) opens a quoted scalar.
  bool quote_at(int line, int column) const;
  // Whether the file quotes the scalar at `pointer`.
  bool quoted(const std::string& pointer) const;

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

// The key a JSON pointer ends in, as the file writes it, for messages: "/states/review/deadline"
// -> "deadline", "/actions/2/from/0" -> "from 第 1 项", "" -> "文件顶层".
std::string field_name(const std::string& pointer);

// The message when a file's id differs from its name: the id must equal the file name without
// its extension.
std::string id_mismatch(const std::string& id, const std::filesystem::path& file);

// "/a/b" + "c" -> "/a/b/c", escaping as RFC 6901 says.
std::string pointer_child(const std::string& pointer, const std::string& token);
std::string pointer_child(const std::string& pointer, std::size_t index);

}  // namespace keydesk::internal
