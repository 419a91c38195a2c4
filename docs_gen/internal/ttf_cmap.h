// A TrueType font's cmap replaced by one compact format 4 subtable (Windows, Unicode BMP) of a
// few wide segments whose gaps map to glyph 0.
//
// Why: libharu 2.3 builds a UTF-8 font's width and CID tables by looking up all 65,536 BMP code
// points, each with a linear scan over the cmap's segments. hb-subset writes one segment per run
// of adjacent characters, so a page of scattered Chinese characters has a hundred or more, and
// the look-ups took 40 % of a cover sheet's time. A handful of segments makes them cheap; the
// zero-filled glyph array they need compresses to almost nothing in the embedded font.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace keydesk::docs::internal {

// `font` (a standalone TrueType file) with its cmap table replaced; `glyphs` maps each BMP code
// point to its glyph. nullopt when the font cannot be parsed or a code point lies beyond U+FFFF
// (the caller keeps the original then).
std::optional<std::string> with_compact_cmap(
    const std::string& font, std::vector<std::pair<char32_t, std::uint16_t>> glyphs);

}  // namespace keydesk::docs::internal
