#include "docs_gen/internal/wrap.h"

#include "common/utf8.h"

namespace keydesk::docs::internal {

namespace {

constexpr std::u32string_view kClosing =
    U"，。、：；！？）」』》】〕〉〗〙〛”’…‥·・ー々〻ゝゞ﹐﹑﹒﹔﹕﹖﹗﹚﹜﹞！％），．：；？］｝｠"
    U"､,.;:!?)]}%";
constexpr std::u32string_view kOpening = U"（「『《【〔〈〖〘〚“‘﹙﹛﹝（［｛｟([{";

// U+3000 (ideographic space) is not collapsed: forms use it to leave room for handwriting.
bool is_space(char32_t cp) { return cp == U' ' || cp == U'\t'; }

// Latin letters, digits and the like join into words that stay whole; CJK characters and
// everything from U+2E80 up stand alone.
bool joins_words(char32_t cp) { return cp < 0x2E80 && !is_space(cp); }

// A piece that moves between lines as a whole.
struct Unit {
  std::u32string text;
  bool space_before = false;
};

std::vector<Unit> units_of(const std::u32string& text) {
  std::vector<Unit> units;
  bool space = false;  // white space since the last character
  bool open = false;   // the last unit ends with opening punctuation: the next character joins it
  for (char32_t cp : text) {
    if (is_space(cp)) {
      space = true;
      continue;
    }
    bool glue = !units.empty() &&
                (is_closing_punctuation(cp) ||  // hangs on to what it closes
                 (!space && (open || (joins_words(cp) && joins_words(units.back().text.back())))));
    if (glue)
      units.back().text += cp;
    else
      units.push_back({std::u32string(1, cp), space});
    open = is_opening_punctuation(cp);
    space = false;
  }
  return units;
}

std::string to_utf8(const std::u32string& text) {
  std::string out;
  for (char32_t cp : text) out += encode_utf8(cp);
  return out;
}

double width_of(const std::u32string& text, const Measure& width) {
  double w = 0;
  for (char32_t cp : text) w += width(cp);
  return w;
}

void wrap_paragraph(const std::u32string& paragraph, double max_width, const Measure& width,
                    std::vector<std::string>& out) {
  std::u32string line;
  double line_width = 0;
  const double space_width = width(U' ');
  auto flush = [&] {
    out.push_back(to_utf8(line));
    line.clear();
    line_width = 0;
  };
  for (const Unit& unit : units_of(paragraph)) {
    double w = width_of(unit.text, width);
    double gap = (unit.space_before && !line.empty()) ? space_width : 0;
    if (line_width + gap + w <= max_width) {
      if (gap > 0) line += U' ';
      line += unit.text;
      line_width += gap + w;
      continue;
    }
    if (!line.empty()) flush();
    if (w <= max_width) {
      line = unit.text;
      line_width = w;
      continue;
    }
    // Wider than a whole line: split it between code points, keeping closing punctuation on
    // the line it closes.
    for (char32_t cp : unit.text) {
      double cw = width(cp);
      if (line_width + cw > max_width && !line.empty() && !is_closing_punctuation(cp) &&
          !is_opening_punctuation(line.back()))
        flush();
      line += cp;
      line_width += cw;
    }
  }
  flush();
}

}  // namespace

bool is_closing_punctuation(char32_t cp) { return kClosing.find(cp) != std::u32string_view::npos; }
bool is_opening_punctuation(char32_t cp) { return kOpening.find(cp) != std::u32string_view::npos; }

std::vector<std::string> wrap_text(std::string_view text, double max_width, const Measure& width) {
  std::vector<std::string> out;
  auto decoded = decode_utf8(text);
  if (!decoded) return {std::string(text)};  // REQUIRES broken: hand it back untouched
  std::u32string paragraph;
  for (char32_t cp : *decoded) {
    if (cp == U'\n') {
      wrap_paragraph(paragraph, max_width, width, out);
      paragraph.clear();
    } else if (cp != U'\r') {
      paragraph += cp;
    }
  }
  wrap_paragraph(paragraph, max_width, width, out);
  return out;
}

double text_width(std::string_view text, const Measure& width) {
  auto decoded = decode_utf8(text);
  return decoded ? width_of(*decoded, width) : 0;
}

}  // namespace keydesk::docs::internal
