// Text rows as read (ReadRow: each character of the folded text tied to the glyph it came from)
// and what the steps of ScanAnalyzer share to search them: character classes, a label's place,
// the value after a label on its row, the cell right of a label.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ocr/internal/recognizer.h"
#include "ocr/scan.h"

namespace keydesk::ocr::internal {

// A row as read, with each code point of its folded text tied to the glyph it came from, so a
// label found in the text can be located on the page.
struct ReadRow {
  Box box;
  LineRead read;
  std::u32string folded;
  std::vector<size_t> glyph_of;  // folded[i] came from read.glyphs[glyph_of[i]]
  bool skimmed = false;          // read narrowed (Impl::kSkim): for labels and titles, not values
};

ReadRow fold_row(const Box& box, LineRead read);

// Where each glyph's text starts in the line's text (the glyphs joined, spaces between some),
// and the end of the last; empty when the text is not the glyphs joined so.
std::vector<size_t> glyph_offsets(const LineRead& read);

// A round bracket the Chinese model read as an angle one: 《 or 〈 whose nearest bracket after
// it closes round (万利达《深圳)进出口有限公司: a bold （ is read so), 》 or 〉 whose nearest
// before it opens round. A pair of book-title marks (《对外贸易法》) stays.
void mend_brackets(LineRead& read);

// The smallest box holding both (`a` empty: `b`).
Box union_of(const Box& a, const Box& b);

// `b` grown on every side by a `divisor`-th of its height (at least 3 pixels).
Box padded(const Box& b, int divisor);

Box glyph_span(const ReadRow& row, size_t begin, size_t end);
float glyph_confidence(const ReadRow& row, size_t begin, size_t end);

// The form's characters paired with the reading's (semi-global: junk read before and after the
// name is free). Per character of `want`, the index in `read` it was read as, or npos when
// dropped.
std::vector<size_t> align_to(const std::u32string& read, const std::u32string& want);

// `text`'s letters and digits, folded as codes are (upper case, full width to ASCII).
std::string code_characters(std::string_view text);

inline bool is_cjk(char32_t cp) { return cp >= 0x3400 && cp <= 0x9FFF; }
inline bool is_code_char(char32_t cp) {
  return (cp >= U'0' && cp <= U'9') || (cp >= U'A' && cp <= U'Z');
}

inline bool is_separator(char32_t cp) {
  // A colon at a wide gap is often read as a quotation mark (注册资本”428万美元).
  return cp == U'：' || cp == U':' || cp == U'，' || cp == U',' || cp == U'”' || cp == U'“';
}

// A label found in a row: where it ends in the folded text and its box.
struct LabelHit {
  size_t row = 0;
  size_t begin = 0, end = 0;
  Box box;
  double similarity = 0;
};

// Among `rows` (anything with a box) those `usable`, the one that starts right of `label` on its
// line (their middles within half the taller's height) at most `max_gap` from it, nearest first:
// the next cell of a table row.
template <typename Rows, typename Usable>
std::optional<size_t> cell_right_of(const Rows& rows, const Box& label, int max_gap,
                                    Usable usable) {
  std::optional<size_t> best;
  for (size_t r = 0; r < rows.size(); ++r) {
    const Box& b = rows[r].box;
    if (!usable(r) || b.x < label.right() - label.h / 2 || b.x - label.right() > max_gap) continue;
    if (std::abs((b.y + b.h / 2) - (label.y + label.h / 2)) * 2 > std::max(b.h, label.h)) continue;
    if (!best || b.x < rows[*best].box.x) best = r;
  }
  return best;
}

// A row this short (in characters) is a label alone in its cell, or a short label and a name.
constexpr size_t kCellChars = 8;

// Where each of a tick list's `items` (normalised) is in `text` (npos: not there): read whole,
// or with one character misread where no other item stands.
std::vector<size_t> locate_tick_items(const std::u32string& text,
                                      const std::vector<std::u32string>& items);

// The text after a label in its row: separators skipped, up to the next label-like "xx：".
std::pair<size_t, size_t> value_after(const ReadRow& row, size_t from);

}  // namespace keydesk::ocr::internal
