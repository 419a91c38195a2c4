// Reading the page's text rows: the order they are read in (titles first, then top to bottom),
// each row cut out of the page and read by Tesseract, the text read folded with its glyphs
// (rows.h), and KEYDESK_SCAN_DEBUG's images of the page and its rows.
#include "ocr/internal/rows.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ocr/internal/analyzer.h"
#include "ocr/internal/pix_util.h"
#include "ocr/text.h"

namespace keydesk::ocr {
namespace internal {

Box union_of(const Box& a, const Box& b) {
  if (a.w == 0 || a.h == 0) return b;
  int x = std::min(a.x, b.x), y = std::min(a.y, b.y);
  return {x, y, std::max(a.right(), b.right()) - x, std::max(a.bottom(), b.bottom()) - y};
}

ReadRow fold_row(const Box& box, LineRead read) {
  ReadRow row{box, std::move(read), {}, {}};
  for (size_t g = 0; g < row.read.glyphs.size(); ++g) {
    for (char32_t cp : normalise_name(row.read.glyphs[g].text)) {
      row.folded.push_back(cp);
      row.glyph_of.push_back(g);
    }
  }
  return row;
}

// Where each glyph's text starts in the line's text (the glyphs joined, spaces between some),
// and the end of the last; empty when the text is not the glyphs joined so.
std::vector<size_t> glyph_offsets(const LineRead& read) {
  std::vector<size_t> at;
  size_t pos = 0;
  for (const Glyph& g : read.glyphs) {
    while (pos < read.text.size() && read.text[pos] == ' ') ++pos;
    if (read.text.compare(pos, g.text.size(), g.text) != 0) return {};
    at.push_back(pos);
    pos += g.text.size();
  }
  at.push_back(pos);
  return at;
}

void mend_brackets(LineRead& read) {
  static const std::vector<std::string> opening = {"(", "（", "《", "〈"},
                                        closing = {")", "）", "》", "〉"};
  auto bracket = [&](const std::string& t) {
    return std::find(opening.begin(), opening.end(), t) != opening.end() ||
           std::find(closing.begin(), closing.end(), t) != closing.end();
  };
  std::vector<size_t> at;
  for (size_t g = 0; g < read.glyphs.size(); ++g) {
    std::string& t = read.glyphs[g].text;
    std::string mended;
    if (t == "《" || t == "〈") {
      for (size_t k = g + 1; k < read.glyphs.size() && mended.empty(); ++k)
        if (const std::string& c = read.glyphs[k].text; bracket(c))
          mended = c == ")" ? "(" : c == "）" ? "（" : "-";
    } else if (t == "》" || t == "〉") {
      for (size_t k = g; k-- > 0 && mended.empty();)
        if (const std::string& c = read.glyphs[k].text; bracket(c))
          mended = c == "(" ? ")" : c == "（" ? "）" : "-";
    }
    if (mended.empty() || mended == "-") continue;
    if (at.empty()) at = glyph_offsets(read);
    if (at.empty()) return;
    // The text after the glyph moves by the difference in bytes.
    const ptrdiff_t shift =
        static_cast<ptrdiff_t>(mended.size()) - static_cast<ptrdiff_t>(t.size());
    read.text.replace(at[g], t.size(), mended);
    for (size_t k = g + 1; k < at.size(); ++k)
      at[k] = static_cast<size_t>(static_cast<ptrdiff_t>(at[k]) + shift);
    t = mended;
  }
}

Box padded(const Box& b, int divisor) {
  int pad = std::max(3, b.h / divisor);
  return {b.x - pad, b.y - pad, b.w + 2 * pad, b.h + 2 * pad};
}

std::string code_characters(std::string_view text) {
  std::string folded = fold_code_text(text);
  std::erase_if(folded, [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); });
  return folded;
}

Box glyph_span(const ReadRow& row, size_t begin, size_t end) {
  Box box;
  for (size_t i = begin; i < end && i < row.glyph_of.size(); ++i)
    box = union_of(box, row.read.glyphs[row.glyph_of[i]].box);
  return box;
}

float glyph_confidence(const ReadRow& row, size_t begin, size_t end) {
  float sum = 0;
  size_t n = 0;
  for (size_t i = begin; i < end && i < row.glyph_of.size(); ++i, ++n)
    sum += row.read.glyphs[row.glyph_of[i]].confidence;
  return n ? sum / static_cast<float>(n) : 0.0f;
}

std::pair<size_t, size_t> value_after(const ReadRow& row, size_t from) {
  size_t begin = from;
  // Separators, and strokes of a table rule read as | or [, are not part of the value.
  while (begin < row.folded.size() && !is_cjk(row.folded[begin]) &&
         !is_code_char(row.folded[begin]))
    ++begin;
  size_t end = begin;
  while (end < row.folded.size() && !is_separator(row.folded[end])) ++end;
  if (end < row.folded.size()) {
    // "…有限公司 类型：…": the next label's characters before its colon are not part of the value;
    // a company's name ends there at its legal form (…有限公司注册资本：).
    size_t back = 0;
    const size_t stop = end;
    while (end > begin && back < 6 && is_cjk(row.folded[end - 1])) --end, ++back;
    const std::u32string_view tail(row.folded.data() + end, stop - end);
    if (const size_t form = tail.rfind(U"公司"); form != std::u32string_view::npos) end += form + 2;
    if (end == begin) end = begin + back;
  }
  return {begin, end};
}

std::vector<size_t> align_to(const std::u32string& read, const std::u32string& want) {
  const size_t n = read.size(), m = want.size();
  // cost[i][j]: want[0, j) against read[…, i).
  std::vector<std::vector<size_t>> cost(n + 1, std::vector<size_t>(m + 1, 0));
  for (size_t j = 1; j <= m; ++j) cost[0][j] = j;
  for (size_t i = 1; i <= n; ++i)
    for (size_t j = 1; j <= m; ++j)
      cost[i][j] = std::min({cost[i - 1][j - 1] + (read[i - 1] == want[j - 1] ? 0 : 1),
                             cost[i - 1][j] + 1, cost[i][j - 1] + 1});
  size_t i = 0;
  for (size_t k = 1; k <= n; ++k)
    if (cost[k][m] < cost[i][m]) i = k;
  std::vector<size_t> at(m, std::u32string::npos);
  size_t j = m;
  while (j > 0 && i > 0) {
    if (cost[i][j] == cost[i - 1][j - 1] + (read[i - 1] == want[j - 1] ? 0 : 1))
      at[j - 1] = i - 1, --i, --j;
    else if (cost[i][j] == cost[i][j - 1] + 1)
      --j;
    else
      --i;
  }
  return at;
}

}  // namespace internal

using internal::fold_row;
using internal::LineRead;
using internal::padded;
using internal::PixPtr;
using internal::ReadRow;

LineRead ScanAnalyzer::Impl::read_line(internal::Recognizer& recognizer, const Page& page,
                                       const Box& area, float squeeze, const Box* own) {
  internal::LineImage line =
      internal::line_image(page.grey, page.binary.get(), page.rules.get(), area, own);
  // A line written uphill or downhill (a hand's name or code across its cell, an ID card copied
  // askew) is read turned level too, and the reading Tesseract is surer of kept: its characters
  // stand turned as the line does, and read so a hand's 上海长青科技发展有限公司, 7° uphill, came
  // out as 人全民有大人人 (mean confidence 87.3), turned level 上海长青科技此展有了恨公司 (96.7).
  // A printed label beside a hand's value is turned with it and may read worse: then its
  // confidence is lower too.
  internal::LineImage level = internal::turned_level(line);
  if (line.pix && squeeze < 1.0f) {
    line.squeeze(squeeze);
    if (level.pix) level.squeeze(squeeze);
  }
  LineRead read = recognise(recognizer, line);
  if (!level.pix) return read;
  LineRead levelled = recognise(recognizer, level);
  return !levelled.glyphs.empty() && levelled.confidence > read.confidence + kSurer ? levelled
                                                                                    : read;
}

LineRead ScanAnalyzer::Impl::recognise(internal::Recognizer& recognizer,
                                       const internal::LineImage& line) {
  if (const char* dir = std::getenv("KEYDESK_SCAN_DEBUG"); dir && std::string_view(dir) != "-") {
    thread_local int n = 0;  // what the recognizer was given, in reading order
    pixWrite((std::string(dir) + "/line-" + std::to_string(n++) + ".png").c_str(), line.pix.get(),
             IFF_PNG);
  }
  LineRead read = recognizer.read(line.pix.get());
  for (internal::Glyph& g : read.glyphs) g.box = line.to_page(g.box);
  return read;
}

ReadRow ScanAnalyzer::Impl::read_row(const Page& page, const Box& b, bool skim) {
  ReadRow row = fold_row(b, read_line(*text, page, padded(b, 5), skim ? kSkim : 1.0f, &b));
  row.skimmed = skim;
  return row;
}

std::vector<internal::TextRow> ScanAnalyzer::Impl::pale_rows(
    Page& page, const std::vector<internal::TextRow>& known) {
  const PixPtr grey = page.grey.whole();
  const PixPtr pale = grey ? internal::pale_print(grey.get()) : nullptr;
  if (!pale || internal::width_of(pale.get()) != internal::width_of(page.binary.get()) ||
      internal::height_of(pale.get()) != internal::height_of(page.binary.get()))
    return {};
  // A row mostly on known rows is one of them seen again, unless it holds half as much ink again
  // as the binary page had there: print that page kept only pieces of (丁佳丽 read 于佳表). A
  // row half of it new is read (a pale label now joined to its value: 姓名 曹蕾玲, whose
  // value alone read 曹昔玲, is another reading of it).
  auto covered = [&known](const Box& b) {
    long area = 0;
    for (const internal::TextRow& k : known) {
      const int w = std::min(b.right(), k.box.right()) - std::max(b.x, k.box.x);
      const int h = std::min(b.bottom(), k.box.bottom()) - std::max(b.y, k.box.y);
      if (w > 0 && h > 0) area += static_cast<long>(w) * h;
    }
    return area * 2 > static_cast<long>(b.w) * b.h;
  };
  std::vector<internal::TextRow> fresh;
  for (internal::TextRow& row : reading_order(internal::text_layout(pale.get()).rows)) {
    const Box& b = row.box;
    // A value looked for is two characters at least (a copy's streaks deepened give single
    // marks by the dozen).
    if (b.w < 2 * b.h || (covered(b) && internal::ink_share(pale.get(), &b) * 2 <
                                            internal::ink_share(page.binary.get(), &b) * 3))
      continue;
    pixRasterop(page.binary.get(), b.x, b.y, b.w, b.h, PIX_SRC | PIX_DST, pale.get(), b.x, b.y);
    fresh.push_back(std::move(row));
  }
  return fresh;
}

std::vector<internal::TextRow> ScanAnalyzer::Impl::reading_order(
    std::vector<internal::TextRow> rows) {
  using internal::TextRow;
  if (rows.empty()) return rows;
  auto median_of = [&rows](auto height) {
    std::vector<int> heights;
    for (const TextRow& r : rows) heights.push_back(height(r));
    return internal::middle_value(std::move(heights));
  };
  const int median = median_of([](const TextRow& r) { return r.box.h; });
  const int median_glyph = median_of([](const TextRow& r) { return r.glyph_height; });
  // Rows far thinner than the text (rules, dotted leaders, the fine print around a QR code)
  // come last: Tesseract scales every row to one height, so a thin wide row costs as much as
  // several lines of text, and seldom holds anything looked for.
  // Small print (the notes around a QR code, a certificate number) and single marks (pieces of
  // a frame or an emblem) come after the text rows, and before the thin ones.
  std::vector<TextRow> titles, rest, small, thin;
  for (const TextRow& r : rows) {
    const Box& b = r.box;
    if (r.glyph_height * 10 >= median_glyph * 14 && b.h * 10 >= median * 14 && b.w >= b.h * 2)
      titles.push_back(r);
    else if (b.h * 10 < median * 6) {
      // A long one (a line of fine print, a hatched frame) costs as much as a paragraph and
      // holds nothing looked for: it is not read at all.
      if (b.w < b.h * 20) thin.push_back(r);
    }
    // A row wider than a line of text on the page can be (a guilloche band, a hatched
    // border, rows run together) comes after the text rows too.
    else if (b.h * 4 < median * 3 || b.w < b.h * 2 || b.w > b.h * 45)
      small.push_back(r);
    else
      rest.push_back(r);
  }
  std::stable_sort(titles.begin(), titles.end(), [](const TextRow& a, const TextRow& b) {
    return a.glyph_height > b.glyph_height;
  });
  if (titles.size() > 3) {
    rest.insert(rest.end(), titles.begin() + 3, titles.end());
    titles.resize(3);
  }
  auto top_down = [](const TextRow& a, const TextRow& b) {
    return internal::reads_before(a.box, b.box);
  };
  std::sort(rest.begin(), rest.end(), top_down);
  std::sort(small.begin(), small.end(), top_down);
  // The cells of one table row left to right, a label before its value, even when the value
  // (handwriting, a taller cell) has its middle higher than the label's.
  for (auto line = rest.begin(); line != rest.end();) {
    auto end = std::find_if(line + 1, rest.end(), [&line](const TextRow& r) {
      return r.box.y + r.box.h / 2 > line->box.bottom();
    });
    std::stable_sort(line, end,
                     [](const TextRow& a, const TextRow& b) { return a.box.x < b.box.x; });
    line = end;
  }
  titles.insert(titles.end(), rest.begin(), rest.end());
  titles.insert(titles.end(), small.begin(), small.end());
  titles.insert(titles.end(), thin.begin(), thin.end());
  return titles;
}

void ScanAnalyzer::Impl::debug_images(const std::string& dir, const Page& page,
                                      const std::vector<internal::TextRow>& rows) const {
  PixPtr grey = page.grey.whole();
  pixWrite((dir + "/grey.png").c_str(), grey.get(), IFF_PNG);
  pixWrite((dir + "/binary.png").c_str(), page.binary.get(), IFF_PNG);
  PixPtr shown(pixConvertTo32(grey.get()));
  for (const internal::TextRow& row : rows) {
    const Box& b = row.box;
    BOX* bx = boxCreate(b.x, b.y, b.w, b.h);
    pixRenderBoxArb(shown.get(), bx, 2, 255, 0, 0);
    boxDestroy(&bx);
  }
  pixWrite((dir + "/rows.png").c_str(), shown.get(), IFF_PNG);
}

}  // namespace keydesk::ocr
