// Files published whole: written to a temporary file beside the target, flushed to disk, then
// renamed over it, so a killed run or a power cut leaves the old file or the new one, never half.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace keydesk {

// Writes `content` to `path` and flushes it to disk (fsync), so that a rename after it publishes
// a complete file. The Error says "cannot write <what> '<path>': <reason>".
std::optional<Error> write_synced(const std::filesystem::path& path, std::string_view content,
                                  const std::string& what);

// Writes `content` to `path` atomically (temporary file, fsync, rename). No temporary file is
// left behind on failure.
Result<bool> write_file_atomically(const std::filesystem::path& path, std::string_view content,
                                   const std::string& what = "file");

}  // namespace keydesk
