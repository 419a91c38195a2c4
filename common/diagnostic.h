// Diagnostics for files people write (rule files, calendars, configuration).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace keydesk {

// One problem in a file, pointing at the place to edit. Lines and columns count from 1;
// 0 means "the whole file".
struct Diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;

  // "file:line:column: error: message", the form editors and CI annotations understand.
  std::string format() const;
};

using Diagnostics = std::vector<Diagnostic>;

// The message of an error whose diagnostics are the problems of `file`: "rules/x.yaml 有 3 处错误：
// 请按所列的行、列改正后再试".
std::string problems_message(const std::string& file, std::size_t count);

// All diagnostics, one per line.
std::string format_all(const Diagnostics& diagnostics);

}  // namespace keydesk
