#include "ocr/file_check.h"

#include <algorithm>
#include <fstream>

namespace keydesk::ocr {

namespace {

constexpr std::size_t kHead = 64 * 1024;  // SOF markers can sit behind large EXIF blocks
constexpr std::size_t kTail = 4 * 1024;

std::uint32_t be16(const std::string& b, std::size_t at) {
  return (static_cast<std::uint8_t>(b[at]) << 8) | static_cast<std::uint8_t>(b[at + 1]);
}
std::uint32_t be32(const std::string& b, std::size_t at) {
  return (be16(b, at) << 16) | be16(b, at + 2);
}
std::uint32_t le16(const std::string& b, std::size_t at) {
  return static_cast<std::uint8_t>(b[at]) | (static_cast<std::uint8_t>(b[at + 1]) << 8);
}
std::uint32_t le32(const std::string& b, std::size_t at) {
  return le16(b, at) | (le16(b, at + 2) << 16);
}
std::uint32_t le24(const std::string& b, std::size_t at) {
  return le16(b, at) | (static_cast<std::uint32_t>(static_cast<std::uint8_t>(b[at + 2])) << 16);
}

bool starts(const std::string& b, std::string_view magic) {
  return b.compare(0, magic.size(), magic) == 0;
}

// JPEG: walk the marker segments to the first SOFn; the file must end with EOI (FF D9), allowing
// the padding some scanners append.
void jpeg(const std::string& head, const std::string& tail, FileFacts& f) {
  std::size_t i = 2;
  while (i + 9 < head.size()) {
    if (static_cast<std::uint8_t>(head[i]) != 0xFF) {
      f.detail = "JPEG markers are damaged";
      break;
    }
    std::uint8_t marker = static_cast<std::uint8_t>(head[i + 1]);
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    std::uint32_t length = be16(head, i + 2);
    bool sof =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      f.height = be16(head, i + 5);
      f.width = be16(head, i + 7);
      break;
    }
    if (marker == 0xDA || length < 2) break;  // start of scan before a frame header: damaged
    i += 2 + length;
  }
  f.truncated = tail.rfind("\xFF\xD9") == std::string::npos;
}

void png(const std::string& head, const std::string& tail, FileFacts& f) {
  if (head.size() >= 24 && head.compare(12, 4, "IHDR") == 0) {
    f.width = be32(head, 16);
    f.height = be32(head, 20);
  }
  f.truncated = tail.find("IEND") == std::string::npos;
}

void tiff(const std::string& head, FileFacts& f) {
  bool little = head[0] == 'I';
  auto u16 = [&](std::size_t at) { return little ? le16(head, at) : be16(head, at); };
  auto u32 = [&](std::size_t at) { return little ? le32(head, at) : be32(head, at); };
  std::size_t ifd = u32(4);
  if (ifd + 2 > head.size()) return;  // the first directory lies beyond what was read
  std::uint32_t entries = u16(ifd);
  for (std::uint32_t e = 0; e < entries && ifd + 2 + 12 * (e + 1) <= head.size(); ++e) {
    std::size_t at = ifd + 2 + 12 * e;
    std::uint32_t tag = u16(at), type = u16(at + 2);
    std::uint32_t value = type == 3 ? u16(at + 8) : u32(at + 8);
    if (tag == 256) f.width = value;
    if (tag == 257) f.height = value;
  }
}

void webp(const std::string& head, FileFacts& f) {
  if (head.size() < 30) return;
  if (head.compare(12, 4, "VP8X") == 0) {
    f.width = le24(head, 24) + 1;
    f.height = le24(head, 27) + 1;
  } else if (head.compare(12, 4, "VP8L") == 0) {
    std::uint32_t bits = le32(head, 21);
    f.width = (bits & 0x3FFF) + 1;
    f.height = ((bits >> 14) & 0x3FFF) + 1;
  } else if (head.compare(12, 4, "VP8 ") == 0) {
    f.width = le16(head, 26) & 0x3FFF;
    f.height = le16(head, 28) & 0x3FFF;
  }
}

FileFacts inspect(const std::string& head, const std::string& tail, std::uintmax_t bytes) {
  FileFacts f;
  f.bytes = bytes;
  if (bytes == 0) {
    f.kind = FileKind::empty;
    return f;
  }
  if (starts(head, "\xFF\xD8\xFF")) {
    f.kind = FileKind::jpeg;
    jpeg(head, tail, f);
  } else if (starts(head, "\x89PNG\r\n\x1A\n")) {
    f.kind = FileKind::png;
    png(head, tail, f);
  } else if (starts(head, std::string("II*\0", 4)) || starts(head, std::string("MM\0*", 4))) {
    f.kind = FileKind::tiff;
    tiff(head, f);
  } else if (starts(head, "BM") && head.size() >= 26) {
    f.kind = FileKind::bmp;
    f.width = static_cast<std::int32_t>(le32(head, 18));
    f.height = std::abs(static_cast<std::int32_t>(le32(head, 22)));
    f.truncated = bytes < le32(head, 2);
  } else if (starts(head, "GIF87a") || starts(head, "GIF89a")) {
    f.kind = FileKind::gif;
    if (head.size() >= 10) {
      f.width = le16(head, 6);
      f.height = le16(head, 8);
    }
    f.truncated = tail.empty() || tail.back() != ';';
  } else if (starts(head, "RIFF") && head.size() >= 12 && head.compare(8, 4, "WEBP") == 0) {
    f.kind = FileKind::webp;
    webp(head, f);
  } else if (starts(head, "%PDF-")) {
    f.kind = FileKind::pdf;
    f.truncated = tail.find("%%EOF") == std::string::npos;
  }
  return f;
}

std::string with_kb(std::uintmax_t bytes) { return std::to_string((bytes + 1023) / 1024) + " KB"; }

}  // namespace

const char* file_kind_name(FileKind kind) {
  switch (kind) {
    case FileKind::jpeg:
      return "JPEG";
    case FileKind::png:
      return "PNG";
    case FileKind::tiff:
      return "TIFF";
    case FileKind::bmp:
      return "BMP";
    case FileKind::gif:
      return "GIF";
    case FileKind::webp:
      return "WebP";
    case FileKind::pdf:
      return "PDF";
    case FileKind::empty:
      return "empty";
    case FileKind::unknown:
      return "unknown";
    case FileKind::unreadable:
      return "unreadable";
  }
  return "unknown";
}

FileFacts inspect_bytes(const std::string& bytes) {
  std::string head = bytes.substr(0, kHead);
  std::string tail = bytes.size() > kTail ? bytes.substr(bytes.size() - kTail) : bytes;
  return inspect(head, tail, bytes.size());
}

FileFacts inspect_file(const std::filesystem::path& path) {
  FileFacts f;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    f.kind = FileKind::unreadable;
    f.detail = std::filesystem::exists(path, ec) ? "not a regular file" : "the file does not exist";
    return f;
  }
  std::uintmax_t size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (ec || !in) {
    f.kind = FileKind::unreadable;
    f.detail = "cannot be read (permissions?)";
    return f;
  }
  std::string head(std::min<std::uintmax_t>(size, kHead), '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  std::string tail(std::min<std::uintmax_t>(size, kTail), '\0');
  in.seekg(static_cast<std::streamoff>(size - tail.size()));
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  if (!in) {
    f.kind = FileKind::unreadable;
    f.detail = "reading it failed";
    return f;
  }
  return inspect(head, tail, size);
}

std::vector<Finding> file_findings(const FileFacts& f, const std::string& material,
                                   const std::string& file, const FileLimits& limits) {
  std::vector<Finding> out;
  nlohmann::json evidence = {
      {"file", file}, {"bytes", f.bytes}, {"format", file_kind_name(f.kind)}};
  auto unreadable = [&](const std::string& message, const std::string& why) {
    nlohmann::json e = evidence;
    e["reason"] = why;
    out.push_back({"material.unreadable", material, Severity::fail, message, e});
  };
  switch (f.kind) {
    case FileKind::empty:
      unreadable("上传的文件“" + file + "”为空文件（0字节），请重新扫描上传。", "empty file");
      return out;
    case FileKind::unreadable:
      unreadable("文件“" + file + "”无法读取，请重新上传。", f.detail);
      return out;
    case FileKind::unknown:
      unreadable("文件“" + file + "”不是可识别的图片格式，请上传JPG或PNG格式的扫描件。",
                 "the bytes are no known image format");
      return out;
    case FileKind::pdf:
      if (limits.images_only) {
        unreadable("文件“" + file + "”实际为PDF文件，请上传JPG或PNG格式的扫描图片。",
                   "a PDF, whatever its name says");
        return out;
      }
      break;
    default:
      break;
  }
  if (f.truncated)
    unreadable("文件“" + file + "”不完整（上传中断或文件损坏），请重新扫描上传。",
               std::string(file_kind_name(f.kind)) + " end marker missing");
  if (f.kind != FileKind::pdf && (f.width <= 0 || f.height <= 0))
    unreadable("文件“" + file + "”的图片信息损坏，请重新扫描上传。",
               "no image dimensions in the header");
  if (f.width > limits.max_side || f.height > limits.max_side ||
      static_cast<double>(f.width) * static_cast<double>(f.height) >
          static_cast<double>(limits.max_pixels)) {
    nlohmann::json e = evidence;
    e["width"] = f.width;
    e["height"] = f.height;
    e["reason"] = "over the pixel limit: not decoded";
    out.push_back({"material.unreadable", material, Severity::fail,
                   "文件“" + file + "”的图片尺寸过大（" + std::to_string(f.width) + "×" +
                       std::to_string(f.height) + "像素），请以200–300dpi重新扫描上传。",
                   e});
  }
  if (limits.max_bytes && f.bytes > limits.max_bytes) {
    nlohmann::json e = evidence;
    e["limit_bytes"] = limits.max_bytes;
    out.push_back({"material.too_large", material, Severity::fail,
                   "文件“" + file + "”大小为" + with_kb(f.bytes) + "，超过" +
                       with_kb(limits.max_bytes) + "的上限，请压缩后重新上传。",
                   e});
  }
  return out;
}

}  // namespace keydesk::ocr
