#include "docs_gen/internal/ttf_cmap.h"

#include <algorithm>
#include <map>

namespace keydesk::docs::internal {

namespace {

std::uint32_t read32(const std::string& s, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) << 24 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 3]));
}
std::uint16_t read16(const std::string& s, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(s[at]) << 8 |
                                    static_cast<unsigned char>(s[at + 1]));
}
void put16(std::string& s, std::uint32_t v) {
  s += static_cast<char>((v >> 8) & 0xFF);
  s += static_cast<char>(v & 0xFF);
}
void put32(std::string& s, std::uint32_t v) {
  put16(s, v >> 16);
  put16(s, v & 0xFFFF);
}
void set32(std::string& s, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    s[at + static_cast<std::size_t>(i)] = static_cast<char>(v >> (24 - 8 * i));
}

std::uint32_t table_checksum(const std::string& data) {
  std::string padded = data;
  padded.resize((padded.size() + 3) / 4 * 4, '\0');
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < padded.size(); i += 4) sum += read32(padded, i);
  return sum;
}

struct Segment {
  std::uint32_t start, end;
};

// Code points grouped into segments wherever the gap to the next is below `max_gap`.
std::vector<Segment> segments_of(const std::vector<std::pair<char32_t, std::uint16_t>>& glyphs,
                                 std::uint32_t max_gap) {
  std::vector<Segment> out;
  for (const auto& [cp, gid] : glyphs) {
    if (!out.empty() && cp - out.back().end <= max_gap)
      out.back().end = cp;
    else
      out.push_back({cp, cp});
  }
  return out;
}

// A format 4 subtable, or nullopt when it would pass format 4's 64 KiB limit.
std::optional<std::string> format4(const std::vector<std::pair<char32_t, std::uint16_t>>& glyphs,
                                   std::vector<Segment> segs) {
  if (segs.empty() || segs.back().end != 0xFFFF) segs.push_back({0xFFFF, 0xFFFF});
  std::map<char32_t, std::uint16_t> gid(glyphs.begin(), glyphs.end());
  const auto count = static_cast<std::uint32_t>(segs.size());
  std::vector<std::uint16_t> array;
  std::vector<std::uint32_t> range_offset;
  for (std::uint32_t i = 0; i < count; ++i) {
    if (segs[i].start == 0xFFFF) {  // the closing segment: glyph 0 by idDelta 1
      range_offset.push_back(0);
      continue;
    }
    // idRangeOffset: bytes from this entry to the segment's first glyph in the array.
    range_offset.push_back(2 * (count - i + static_cast<std::uint32_t>(array.size())));
    for (std::uint32_t cp = segs[i].start; cp <= segs[i].end; ++cp) {
      auto it = gid.find(cp);
      array.push_back(it == gid.end() ? 0 : it->second);
    }
  }
  std::size_t length = 16 + 8 * std::size_t{count} + 2 * array.size();
  if (length > 0xFFFF) return std::nullopt;
  std::string t;
  put16(t, 4);
  put16(t, static_cast<std::uint32_t>(length));
  put16(t, 0);  // language
  put16(t, 2 * count);
  std::uint32_t search = 1, selector = 0;
  while (search * 2 <= count) search *= 2, ++selector;
  put16(t, 2 * search);
  put16(t, selector);
  put16(t, 2 * count - 2 * search);
  for (const auto& s : segs) put16(t, s.end);
  put16(t, 0);  // reservedPad
  for (const auto& s : segs) put16(t, s.start);
  for (const auto& s : segs) put16(t, s.start == 0xFFFF ? 1 : 0);  // idDelta
  for (auto r : range_offset) put16(t, r);
  for (auto g : array) put16(t, g);
  return t;
}

}  // namespace

std::optional<std::string> with_compact_cmap(
    const std::string& font, std::vector<std::pair<char32_t, std::uint16_t>> glyphs) {
  if (font.size() < 12 || glyphs.empty()) return std::nullopt;
  std::sort(glyphs.begin(), glyphs.end());
  if (glyphs.back().first >= 0xFFFF) return std::nullopt;
  // Wide segments while the table fits format 4's limit; narrower ones otherwise.
  std::optional<std::string> sub;
  for (std::uint32_t gap = 256; !sub && gap >= 1; gap /= 2)
    sub = format4(glyphs, segments_of(glyphs, gap));
  if (!sub) return std::nullopt;
  std::string cmap;
  put16(cmap, 0);   // version
  put16(cmap, 1);   // one subtable
  put16(cmap, 3);   // Windows
  put16(cmap, 1);   // Unicode BMP
  put32(cmap, 12);  // its offset
  cmap += *sub;

  // Rebuild the file: same tables in the same order, cmap replaced, offsets and checksums anew.
  const std::uint16_t tables = read16(font, 4);
  if (font.size() < 12 + 16 * std::size_t{tables}) return std::nullopt;
  struct Table {
    std::uint32_t tag;
    std::string data;
  };
  std::vector<Table> all;
  for (std::uint16_t i = 0; i < tables; ++i) {
    std::size_t entry = 12 + 16 * std::size_t{i};
    std::uint32_t tag = read32(font, entry), offset = read32(font, entry + 8),
                  length = read32(font, entry + 12);
    if (std::size_t{offset} + length > font.size()) return std::nullopt;
    all.push_back({tag, tag == 0x636D6170 /* cmap */ ? cmap : font.substr(offset, length)});
  }
  std::string out = font.substr(0, 12);
  std::size_t offset = 12 + 16 * std::size_t{tables};
  std::size_t head_at = 0;
  for (auto& t : all) {
    if (t.tag == 0x68656164 /* head */ && t.data.size() >= 12) set32(t.data, 8, 0);
    put32(out, t.tag);
    put32(out, table_checksum(t.data));
    put32(out, static_cast<std::uint32_t>(offset));
    put32(out, static_cast<std::uint32_t>(t.data.size()));
    if (t.tag == 0x68656164) head_at = offset;
    offset += (t.data.size() + 3) / 4 * 4;
  }
  for (const auto& t : all) {
    out += t.data;
    out.resize((out.size() + 3) / 4 * 4, '\0');
  }
  if (head_at) set32(out, head_at + 8, 0xB1B0AFBAu - table_checksum(out));
  return out;
}

}  // namespace keydesk::docs::internal
