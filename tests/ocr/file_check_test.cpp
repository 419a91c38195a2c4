// File checks before any pixel work. The PNGs here are complete, decodable files built byte by
// byte (stored deflate, real CRCs); the other formats are their headers and end markers, which
// is all inspect_file reads. Decoding real scans is tested with the image pipeline.
#include "ocr/file_check.h"

#include <catch2/catch.hpp>

#include "tests/support.h"

using namespace keydesk::ocr;

namespace {

std::uint32_t crc32(const std::string& data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string chunk(const std::string& type, const std::string& data) {
  return be32(static_cast<std::uint32_t>(data.size())) + type + data + be32(crc32(type + data));
}

// A white grey-scale PNG of w×h pixels: a real file any decoder opens.
std::string png(std::uint32_t w, std::uint32_t h) {
  std::string raw;
  for (std::uint32_t y = 0; y < h; ++y) raw += '\0' + std::string(w, '\xFF');
  std::string z = "\x78\x01";  // zlib header, then stored blocks of at most 65535 bytes
  std::uint32_t a = 1, b = 0;
  for (unsigned char c : raw) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  for (std::size_t at = 0; at < raw.size(); at += 65535) {
    std::size_t n = std::min<std::size_t>(65535, raw.size() - at);
    z += static_cast<char>(at + n == raw.size() ? 1 : 0);
    z += static_cast<char>(n & 0xFF);
    z += static_cast<char>(n >> 8);
    z += static_cast<char>(~n & 0xFF);
    z += static_cast<char>((~n >> 8) & 0xFF);
    z += raw.substr(at, n);
  }
  z += be32((b << 16) | a);
  std::string ihdr = be32(w) + be32(h) + std::string("\x08\x00\x00\x00\x00", 5);
  return "\x89PNG\r\n\x1A\n" + chunk("IHDR", ihdr) + chunk("IDAT", z) + chunk("IEND", "");
}

// A baseline JPEG's structure: SOI, APP0, SOF0 with the size, SOS, entropy bytes, EOI.
std::string jpeg(std::uint16_t w, std::uint16_t h, bool with_eoi = true) {
  std::string s = "\xFF\xD8";
  s += std::string("\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 18);
  s += std::string("\xFF\xC0\x00\x0B\x08", 5) + static_cast<char>(h >> 8) +
       static_cast<char>(h & 0xFF) + static_cast<char>(w >> 8) + static_cast<char>(w & 0xFF) +
       std::string("\x01\x01\x11\x00", 4);
  s += std::string("\xFF\xDA\x00\x08\x01\x01\x00\x00\x3F\x00", 10) + std::string(2000, '\x55');
  if (with_eoi) s += "\xFF\xD9";
  return s;
}

const FileLimits kOnline{200 * 1024, 60'000'000, 20'000, true};

std::vector<std::string> codes(const std::vector<Finding>& fs) {
  std::vector<std::string> out;
  for (const auto& f : fs) out.push_back(f.code);
  return out;
}

}  // namespace

TEST_CASE("a PNG and a JPEG are recognised by their bytes with their pixel size") {
  auto p = inspect_bytes(png(640, 480));
  CHECK(p.kind == FileKind::png);
  CHECK(p.width == 640);
  CHECK(p.height == 480);
  CHECK_FALSE(p.truncated);
  auto j = inspect_bytes(jpeg(2480, 3508));
  CHECK(j.kind == FileKind::jpeg);
  CHECK(j.width == 2480);
  CHECK(j.height == 3508);
  CHECK(file_findings(j, "business_licence", "licence.jpg", kOnline).empty());
}

TEST_CASE("the name does not matter: a PDF renamed .jpg is a PDF and is refused") {
  keydesk::test::TempDir dir;
  auto path = dir.write("licence.jpg", "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
  auto f = inspect_file(path);
  CHECK(f.kind == FileKind::pdf);
  auto fs = file_findings(f, "business_licence", "licence.jpg", kOnline);
  REQUIRE(codes(fs) == std::vector<std::string>{"material.unreadable"});
  CHECK_THAT(fs[0].message, Catch::Contains("实际为PDF文件"));
  CHECK(fs[0].evidence["format"] == "PDF");
}

TEST_CASE("an empty file, a missing file and random bytes are unreadable, never a crash") {
  keydesk::test::TempDir dir;
  auto empty = inspect_file(dir.write("a.jpg", ""));
  CHECK(empty.kind == FileKind::empty);
  CHECK_THAT(file_findings(empty, "id_card_copy", "a.jpg", kOnline)[0].message,
             Catch::Contains("0字节"));
  auto missing = inspect_file(dir.path() / "nope.jpg");
  CHECK(missing.kind == FileKind::unreadable);
  CHECK(codes(file_findings(missing, "id_card_copy", "nope.jpg", kOnline)) ==
        std::vector<std::string>{"material.unreadable"});
  auto junk = inspect_file(dir.write("b.png", std::string(5000, '\x42')));
  CHECK(junk.kind == FileKind::unknown);
  CHECK(inspect_file(dir.path()).kind == FileKind::unreadable);  // a directory
}

TEST_CASE("a truncated JPEG or PNG is unreadable") {
  auto j = inspect_bytes(jpeg(800, 600, false));
  CHECK(j.truncated);
  CHECK_THAT(file_findings(j, "business_licence", "x.jpg", kOnline)[0].message,
             Catch::Contains("不完整"));
  std::string whole = png(300, 300);
  auto p = inspect_bytes(whole.substr(0, whole.size() / 2));
  CHECK(p.kind == FileKind::png);
  CHECK(p.truncated);
}

TEST_CASE("a 40000×40000 image is refused from its header, before any decoding") {
  // The header of a PNG that would need 1.6 GB to decode; the data is not even there.
  std::string header = png(1, 1);
  std::string bomb =
      header.substr(0, 8) +
      chunk("IHDR", be32(40000) + be32(40000) + std::string("\x08\x00\x00\x00\x00", 5)) +
      header.substr(33);
  auto f = inspect_bytes(bomb);
  CHECK(f.width == 40000);
  auto fs = file_findings(f, "business_licence", "big.png", kOnline);
  REQUIRE(codes(fs) == std::vector<std::string>{"material.unreadable"});
  CHECK_THAT(fs[0].message, Catch::Contains("40000×40000"));
}

TEST_CASE("an upload over 200 KB is too large, a paper scan of the same size is not") {
  auto f = inspect_bytes(png(600, 400));  // ~235 KB uncompressed
  REQUIRE(f.bytes > 200 * 1024);
  auto fs = file_findings(f, "esign_confirmation", "letter.png", kOnline);
  REQUIRE(codes(fs) == std::vector<std::string>{"material.too_large"});
  CHECK_THAT(fs[0].message, Catch::Contains("超过200 KB的上限"));
  CHECK(fs[0].evidence["limit_bytes"] == 200 * 1024);
  FileLimits paper = kOnline;
  paper.max_bytes = 0;
  CHECK(file_findings(f, "esign_confirmation", "letter.png", paper).empty());
}

TEST_CASE("GIF and TIFF headers give their pixel size") {
  std::string gif = std::string("GIF89a") + "\x20\x03\x58\x02" + std::string(20, '\0') + ";";
  CHECK(inspect_bytes(gif).width == 800);
  CHECK(inspect_bytes(gif).height == 600);
  std::string tiff = std::string("II*\0\x08\0\0\0", 8) + std::string("\x02\x00", 2) +
                     std::string("\x00\x01\x03\x00\x01\x00\x00\x00\xB0\x04\x00\x00", 12) +
                     std::string("\x01\x01\x03\x00\x01\x00\x00\x00\x40\x06\x00\x00", 12) +
                     std::string(4, '\0');
  auto t = inspect_bytes(tiff);
  CHECK(t.kind == FileKind::tiff);
  CHECK(t.width == 1200);
  CHECK(t.height == 1600);
}
