// The text along a red seal's arc, and the company's name looked for in it
// (ScanAnalyzer::Impl::read_seal).
// The band inside the ring, unrolled into a line (seals.cpp), is read by the Chinese model and
// the reading aligned with the form's name. A seal's print is coarse and Tesseract reads its
// characters loosely (贸 as 负, 限 as 服): where the reading and the name differ, the character's
// ink is drawn against the one read and the form's (GlyphShapes). Only ink that clearly is
// another character than the form's says "another company"; ink that clearly is the form's, or
// characters read as the form's, say "this company".
#include <algorithm>
#include <string>
#include <vector>

#include "common/utf8.h"
#include "ocr/internal/analyzer.h"
#include "ocr/internal/glyphs.h"
#include "ocr/internal/rows.h"
#include "ocr/text.h"

namespace keydesk::ocr {

namespace {

// Likeness thresholds as confirm.cpp's for names: the character that wins must look like the ink
// and beat the other by a clear margin.
constexpr double kLikely = 0.6;
constexpr double kClearly = 0.1;
// One character alone says "doubtful" only by a wider margin: shapes alike are misread into each
// other by a little more than kClearly (示 read as 未 in a company's own seal: 0.67 against 0.54).
constexpr double kSurely = 0.2;
// The share of the form's name that must be found (read as it is or its ink drawn as it) for a
// seal to carry it.
constexpr double kCarried = 0.6;

// The form's characters paired with the reading's (semi-global: junk read before and after the
// name is free). Per character of `want`, the index in `read` it was read as, or npos when
// dropped.
std::vector<size_t> align(const std::u32string& read, const std::u32string& want) {
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

}  // namespace

void ScanAnalyzer::Impl::read_seal(const Page& page, const std::string& company_name,
                                   const std::string& debug_png, SealMark& seal) {
  const internal::PixPtr unrolled = internal::unroll_seal_text(page.redness, seal);
  Pix* line = unrolled.get();
  if (!line) return;
  if (!debug_png.empty()) pixWrite(debug_png.c_str(), line, IFF_PNG);
  const internal::LineRead read = text->read(line);
  // The reading's Chinese characters, each with its glyph: the seal's text.
  std::u32string chars;
  std::vector<const internal::Glyph*> glyph_of;
  float confidence = 0;
  for (const internal::Glyph& g : read.glyphs)
    if (const std::u32string c = decode_utf8_lossy(g.text); c.size() == 1 && internal::is_cjk(c[0]))
      chars += c[0], glyph_of.push_back(&g), confidence += g.confidence;
  seal.text = encode_utf8(chars);
  if (!chars.empty()) seal.text_confidence = confidence / static_cast<float>(chars.size());
  // The name's Chinese characters: a seal carries no brackets (佳美（中国）有限公司 is cut as
  // 佳美中国有限公司).
  std::u32string want;
  for (char32_t c : normalise_name(company_name))
    if (internal::is_cjk(c)) want += c;
  if (want.size() < 4) return;
  // The name judged on the reading, each of its characters taken as read where `read_elsewhere`
  // says another reading of the line had it.
  auto judge = [&](const std::vector<bool>& read_elsewhere) {
    SealNameCheck check;
    check.expected = company_name;
    const std::vector<size_t> at = align(chars, want);
    std::vector<bool> other_at(want.size(), false);  // the ink there clearly is another character
    size_t surely_other = 0;                         // … by kSurely
    size_t distinctive = want.size();                // the name before its legal form
    for (std::u32string_view form : {U"股份有限公司", U"有限责任公司", U"有限公司", U"公司"})
      if (want.size() > form.size() && want.ends_with(form)) {
        distinctive = want.size() - form.size();
        break;
      }
    const int h = static_cast<int>(pixGetHeight(line)), w = static_cast<int>(pixGetWidth(line));
    for (size_t k = 0; k < want.size(); ++k) {
      if (read_elsewhere[k] || (at[k] != std::u32string::npos && chars[at[k]] == want[k])) {
        ++check.read_as_name;
        continue;
      }
      if (at[k] == std::u32string::npos) continue;
      if (!shapes || !shapes->usable()) continue;
      // The ink about the glyph's box, a character wide, in a few windows (as confirm.cpp cuts
      // a name's); each candidate at its best.
      const Box& box = glyph_of[at[k]]->box;
      std::vector<internal::Shape> cuts;
      const int side = std::max(4, std::max(box.w, box.h));
      for (int step = -3; step <= 3; ++step) {
        const int left = std::clamp(box.x + box.w / 2 - side / 2 - 1 + step * side / 6, 0, w - 1);
        const int top = std::max(0, box.y - 2);
        BOX* area =
            boxCreate(left, top, std::min(side + 2, w - left), std::min(box.h + 4, h - top));
        internal::PixPtr cut(pixClipRectangle(line, area, nullptr));
        boxDestroy(&area);
        internal::Shape shape;
        if (cut && internal::trimmed_shape(cut.get(), &shape)) cuts.push_back(shape);
      }
      auto like = [&](char32_t ch) {
        double best = -1;
        for (const internal::Shape& cut : cuts) best = std::max(best, shapes->likeness(cut, ch));
        return best;
      };
      SealNameCheck::Difference d{encode_utf8(std::u32string(1, chars[at[k]])),
                                  encode_utf8(std::u32string(1, want[k])), like(chars[at[k]]),
                                  like(want[k])};
      if (d.form_likeness >= kLikely && d.form_likeness >= d.read_likeness + kClearly)
        ++check.drawn_as_name;
      // Every company's name ends in its legal form: a character there read as another is a
      // misreading, never another company. Nor is a character of the name itself: a doubled or
      // dropped character shifts the alignment (厦门科达贸易有有限公司 pairs 易 with 贸 and 有
      // with 易), and the ink then is clearly the character read, which is the company's own.
      other_at[k] = k < distinctive && want.find(chars[at[k]]) == std::u32string::npos &&
                    d.read_likeness >= kLikely && d.read_likeness >= d.form_likeness + kClearly;
      d.clearly_other = other_at[k];
      if (other_at[k] && d.read_likeness >= d.form_likeness + kSurely) ++surely_other;
      check.differences.push_back(std::move(d));
    }
    const auto other = static_cast<size_t>(std::count(other_at.begin(), other_at.end(), true));
    const double found = static_cast<double>(check.read_as_name + check.drawn_as_name) /
                         static_cast<double>(want.size());
    // Two characters clearly another's (another company's brand or trade: 瑞丰 for 正元, 实业
    // for 进出口), where the rest of the reading lines up with the name (three of its characters
    // read as they are), is another company's seal. One, by kSurely, is doubtful: a character
    // misread that draws more like the one read, or another company's name whose other
    // differing character was read too poorly to tell (宁波中科丛贸易有限公司 for 宁波佳美…: 科
    // surely not 佳, 0.80 against 0.37; 丛 neither 美 nor clearly another); a person looks. Most
    // of the name found and nothing clearly another's is this company's.
    if (other >= 2 && check.read_as_name >= 3)
      check.verdict = SealNameCheck::Verdict::other;
    else if (other == 1 && surely_other == 1 && check.read_as_name >= 3)
      check.verdict = SealNameCheck::Verdict::doubtful;
    else if (found >= kCarried && other == 0)
      check.verdict = SealNameCheck::Verdict::same;
    else
      check.verdict = SealNameCheck::Verdict::unsure;
    return check;
  };
  SealNameCheck check = judge(std::vector<bool>(want.size(), false));
  // Not settled as this company's: the line read again half as large again, where Tesseract
  // parts a seal's condensed characters otherwise (深圳币着狼实业有闻公总, then
  // 深圳币志发实业有服公司). A character of the name either reading has counts as read: another
  // company's own characters are read as the name's by neither.
  // Only a reading that found a third of the name: one that found less read the band as junk,
  // and a second reading rarely finds the rest (most seals are unsure so: two in three).
  if (check.verdict != SealNameCheck::Verdict::same &&
      3 * (check.read_as_name + check.drawn_as_name) >= want.size()) {
    const internal::PixPtr larger(pixScale(line, 1.5f, 1.5f));
    if (larger) {
      std::u32string again;
      for (const internal::Glyph& g : text->read(larger.get()).glyphs)
        if (const std::u32string c = decode_utf8_lossy(g.text);
            c.size() == 1 && internal::is_cjk(c[0]))
          again += c[0];
      const std::vector<size_t> at_again = align(again, want);
      std::vector<bool> read_again(want.size(), false);
      for (size_t k = 0; k < want.size(); ++k)
        read_again[k] = at_again[k] != std::u32string::npos && again[at_again[k]] == want[k];
      if (std::count(read_again.begin(), read_again.end(), true) > 0) check = judge(read_again);
    }
  }
  seal.name_check = std::move(check);
}

}  // namespace keydesk::ocr
