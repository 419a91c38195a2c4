#include "common/diagnostic.h"

namespace keydesk {

std::string Diagnostic::format() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": error: " + message;
  return out;
}

std::string problems_message(const std::string& file, std::size_t count) {
  return file + " 有 " + std::to_string(count) + " 处错误：请按所列的行、列改正后再试";
}

std::string format_all(const Diagnostics& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics) {
    if (!out.empty()) out += '\n';
    out += d.format();
  }
  return out;
}

}  // namespace keydesk
