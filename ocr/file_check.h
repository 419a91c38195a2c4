// File checks before any pixel work: the type from the bytes (not the name), the size, the
// pixel dimensions read from the header (a decompression bomb is refused, never decoded),
// empty and truncated files. Reads the first and last few kilobytes only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ocr/findings.h"

namespace keydesk::ocr {

enum class FileKind { jpeg, png, tiff, bmp, gif, webp, pdf, empty, unknown, unreadable };

const char* file_kind_name(FileKind kind);

struct FileFacts {
  FileKind kind = FileKind::unknown;
  std::uintmax_t bytes = 0;
  long width = 0;  // 0: not known from the header
  long height = 0;
  bool truncated = false;  // the format's end marker is missing
  std::string detail;      // what went wrong reading it, for a person
};

// Inspects `path`. Never throws; an unreadable file is FileKind::unreadable with `detail`.
FileFacts inspect_file(const std::filesystem::path& path);
// The same on bytes already in memory (uploads).
FileFacts inspect_bytes(const std::string& bytes);

struct FileLimits {
  std::uintmax_t max_bytes = 0;  // 0: no limit (paper scans); 200 KB for online uploads
  long max_pixels = 60'000'000;  // above this the image is not decoded
  long max_side = 20'000;
  bool images_only = true;  // scans must be images (a PDF is refused)
};

// Findings for one material file: material.unreadable, material.too_large; empty when the file
// may go on to image analysis. `material` is the material type, `file` its name for messages.
std::vector<Finding> file_findings(const FileFacts& facts, const std::string& material,
                                   const std::string& file, const FileLimits& limits);

}  // namespace keydesk::ocr
