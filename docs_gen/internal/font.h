// One TrueType face read through HarfBuzz: which characters it has, their advance widths, and
// subsets of it holding only the characters a document uses (hb-subset).
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "docs_gen/documents.h"

namespace keydesk::docs::internal {

class FontFace {
 public:
  // Face `index` of the TrueType file or collection at `path`. Fails, naming the path, when the
  // file cannot be read, has no such face, or holds no TrueType (glyf) outlines: libharu embeds
  // only those, not CFF (so not Noto Sans CJK's .otf/.ttc).
  static Result<std::shared_ptr<const FontFace>> open(const std::string& path, int index);
  ~FontFace();
  FontFace(const FontFace&) = delete;
  FontFace& operator=(const FontFace&) = delete;

  const std::string& path() const { return path_; }
  // The family name (name ID 1), e.g. "WenQuanYi Zen Hei".
  const std::string& family() const { return family_; }
  bool has(char32_t cp) const;
  // Advance width in thousandths of an em (PDF glyph space); 0 for a missing character.
  double advance(char32_t cp) const;
  // A standalone TrueType font with only `code_points` (and .notdef), hinting dropped; empty
  // when HarfBuzz refuses.
  std::string subset(const std::u32string& code_points) const;

 private:
  FontFace() = default;
  struct Handles;
  std::unique_ptr<Handles> hb_;
  std::string path_, family_;
  double units_per_em_ = 1000;
  mutable std::unordered_map<char32_t, double> advances_;  // memo: cmap + hmtx look-ups
};

}  // namespace keydesk::docs::internal
