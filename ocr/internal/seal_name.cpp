// The text along a red seal's arc, and the company's name looked for in it
// (ScanAnalyzer::Impl::read_seal).
// The band inside the ring, unrolled into a line (seals.cpp), parted into the name's characters
// and each stood upright (the unrolled line takes the same step of angle on every row, so a
// character stands in it narrower at its top, farther out on the seal, than at its foot), is read
// by the Chinese model and the reading aligned with the form's name. A seal's print is coarse and
// Tesseract reads its characters loosely (贸 as 负, 限 as 服): where the reading and the name
// differ, the character's ink is drawn against the one read and the form's (GlyphShapes). Only ink
// that clearly is another character than the form's says "another company"; ink that clearly is the
// form's, or characters read as the form's, say "this company". A reading of the name whole but for
// its brand, that brand read surely and alike twice, sends the seal to a person.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/utf8.h"
#include "ocr/internal/analyzer.h"
#include "ocr/internal/glyphs.h"
#include "ocr/internal/pix_util.h"
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
// Two characters of another company's brand stand at most this far apart (a brand of four:
// its first and last).
constexpr size_t kBrandReach = 3;
// Tesseract's confidence in a seal's character at which a reading of another company's brand is
// taken as read: an own seal's characters read as ones its name does not hold come at 95 or more
// one time in eleven (382 of 4,190 on five generated sets).
constexpr float kReadSurely = 95;

// Words a company's name spells its trade or its place with (the 行业 and 行政区划 of its name,
// GB/T 4754's common trades and the provinces and larger cities): a seal whose reading holds
// one whole that the company's name does not hold carries another company's name. A misreading
// of the own name's characters makes none of them: no own seal did on seven generated sets (732
// of them logged on four), where 14 of those four sets' 76 other companies' seals did, 8 of them
// unsure by their characters (进出口 for 国际贸易, 实业 for 供应链管理, 上海 on 启航（中国）'s
// papers). 中国 is not among them: a misread 中国际 makes it.
constexpr std::u32string_view kNameWords[] = {
    U"进出口", U"贸易", U"实业", U"科技", U"发展", U"供应链", U"管理", U"国际", U"工贸", U"商贸",
    U"物流",   U"电子", U"投资", U"集团", U"机械", U"化工",   U"纺织", U"服装", U"食品", U"医药",
    U"建材",   U"信息", U"技术", U"网络", U"汽车", U"材料",   U"能源", U"环保", U"农业", U"光电",
    U"制造",   U"设备", U"工程", U"咨询", U"文化", U"传媒",   U"餐饮", U"服务", U"控股", U"生物",
    U"钢铁",   U"塑料", U"五金", U"包装", U"印刷", U"家具",   U"照明", U"仪器", U"通信", U"软件",
    U"北京",   U"上海", U"天津", U"重庆", U"广州", U"深圳",   U"杭州", U"南京", U"苏州", U"宁波",
    U"厦门",   U"青岛", U"武汉", U"成都", U"西安", U"大连",   U"沈阳", U"长沙", U"郑州", U"济南",
    U"福州",   U"合肥", U"昆明", U"南宁", U"长春", U"太原",   U"南昌", U"贵阳", U"兰州", U"海口",
    U"无锡",   U"东莞", U"佛山", U"温州", U"泉州", U"烟台",   U"珠海", U"中山", U"汕头", U"义乌",
    U"常州",   U"南通", U"嘉兴", U"绍兴", U"台州", U"金华",   U"广东", U"浙江", U"江苏", U"山东",
    U"福建",   U"河北", U"河南", U"湖北", U"湖南", U"四川"};

// The name's brand: its characters before its legal form that spell neither its place nor its
// trade (联创 of 北京联创贸易有限公司, 银河 of 银河（广州）国际贸易有限公司), as positions in
// `want`. A place's 市 or 省 and a bracketed 中国 are its place too (南京市银河实业有限公司's brand
// is 银河, 百川（中国）有限公司's 百川).
std::vector<size_t> brand_of(std::u32string_view want, size_t distinctive) {
  std::vector<bool> worded(distinctive, false);
  auto mark = [&](std::u32string_view word) {
    for (size_t at = want.find(word); at != std::u32string::npos && at + word.size() <= distinctive;
         at = want.find(word, at + 1))
      std::fill(worded.begin() + static_cast<long>(at),
                worded.begin() + static_cast<long>(at + word.size()), true);
  };
  for (std::u32string_view word : kNameWords) mark(word);
  mark(U"中国");
  for (size_t k = 1; k < distinctive; ++k)
    if (worded[k - 1] && (want[k] == U'市' || want[k] == U'省')) worded[k] = true;
  std::vector<size_t> brand;
  for (size_t k = 0; k < distinctive; ++k)
    if (!worded[k]) brand.push_back(k);
  return brand;
}

// The unrolled line cut into `count` characters, [first, last] column each. A seal sets its
// characters at an even pitch along the arc. Where they stand apart, the runs of inked columns,
// the closest two merged until `count` are left (a character's own strokes stand closer than the
// gap between two: 州's three, 北's two halves), none of them half as wide again as the rest.
// Where they touch (a bold face), the inked extent parted evenly, each cut moved to the least
// inked column within an eighth of the pitch, if the cuts fall where the columns hold on average
// at most 0.4 of the ink they hold overall (between two characters: cut at the wrong pitch, they
// fall in characters). Empty when neither parts the line into `count`.
struct Parting {
  std::vector<std::pair<int, int>> characters;  // [first, last] column
  bool even = false;                            // parted evenly, not by blank columns
};
Parting seal_characters(Pix* line, size_t count) {
  const int w = static_cast<int>(pixGetWidth(line)), h = static_cast<int>(pixGetHeight(line));
  std::vector<double> column(static_cast<size_t>(w), 0);  // the ink in each column
  for (int y = 0; y < h; ++y) {
    const l_uint32* row = pixGetData(line) + static_cast<ptrdiff_t>(y) * pixGetWpl(line);
    for (int x = 0; x < w; ++x)
      if (const int v = GET_DATA_BYTE(row, x); v < 176)  // ink above 0.3
        column[static_cast<size_t>(x)] += (255 - v) / 255.0;
  }
  std::vector<std::pair<int, int>> runs;
  for (int x = 0; x < w; ++x)
    if (column[static_cast<size_t>(x)] > 0) {
      if (runs.empty() || runs.back().second != x - 1)
        runs.emplace_back(x, x);
      else
        runs.back().second = x;
    }
  if (runs.empty() || count == 0) return {};
  const int first = runs.front().first, last = runs.back().second;
  while (runs.size() > count) {
    size_t closest = 0;
    for (size_t i = 1; i + 1 < runs.size(); ++i)
      if (runs[i + 1].first - runs[i].second < runs[closest + 1].first - runs[closest].second)
        closest = i;
    runs[closest].second = runs[closest + 1].second;
    runs.erase(runs.begin() + static_cast<ptrdiff_t>(closest) + 1);
  }
  if (runs.size() == count) {
    std::vector<int> widths;
    for (const auto& [from, to] : runs) widths.push_back(to - from + 1);
    std::nth_element(widths.begin(), widths.begin() + static_cast<ptrdiff_t>(widths.size() / 2),
                     widths.end());
    const int median = widths[widths.size() / 2];
    if (std::all_of(runs.begin(), runs.end(),
                    [median](const auto& r) { return 2 * (r.second - r.first + 1) <= 3 * median; }))
      return {runs, false};
  }
  double mean = 0;
  for (int x = first; x <= last; ++x) mean += column[static_cast<size_t>(x)];
  mean /= last - first + 1;
  const double pitch = static_cast<double>(last - first + 1) / static_cast<double>(count);
  const int reach = std::max(2, static_cast<int>(pitch / 8));
  std::vector<std::pair<int, int>> even;
  double valleys = 0;  // the ink where the cuts fall, over the average
  int from = first;
  for (size_t k = 1; k <= count; ++k) {
    int cut = last + 1;
    if (k < count) {
      const int at = first + static_cast<int>(std::lround(pitch * static_cast<double>(k)));
      cut = at;
      for (int x = std::max(from + 1, at - reach); x <= std::min(last, at + reach); ++x)
        if (column[static_cast<size_t>(x)] < column[static_cast<size_t>(cut)]) cut = x;
      valleys += column[static_cast<size_t>(cut)] / mean;
    }
    even.emplace_back(from, cut - 1);
    from = cut;
  }
  if (count > 1 && valleys / static_cast<double>(count - 1) > 0.4) return {};
  return {even, true};
}

}  // namespace

void ScanAnalyzer::Impl::read_seal(const Page& page, const std::string& company_name,
                                   const std::string& debug_png, SealMark& seal) {
  const internal::UnrolledSeal unrolled = internal::unroll_seal_text(page.redness, seal);
  if (!unrolled.line) return;
  seal.print = unrolled.print;
  // The name's Chinese characters: a seal carries no brackets (佳美（中国）有限公司 is cut as
  // 佳美中国有限公司).
  std::u32string want;
  for (char32_t c : normalise_name(company_name))
    if (internal::is_cjk(c)) want += c;
  // The line parted into the name's characters, each stood upright, is what is read; else the
  // line as unrolled, parted below into the characters read (another company's name may be
  // longer or shorter).
  const Parting parted =
      want.size() >= 4 ? seal_characters(unrolled.line.get(), want.size()) : Parting{};
  internal::PixPtr upright;
  if (!parted.characters.empty()) upright = internal::upright_line(unrolled, parted.characters);
  Pix* line = upright ? upright.get() : unrolled.line.get();
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
  if (want.size() < 4) return;
  const int h = static_cast<int>(pixGetHeight(line)), w = static_cast<int>(pixGetWidth(line));
  const Parting parted_as_read = parted.characters.empty() && chars.size() != want.size()
                                     ? seal_characters(line, chars.size())
                                     : Parting{};
  // The line read again half as large again (once, when first wanted), each of the name's
  // characters as that reading has it (0 where it has none).
  std::optional<std::u32string> again_at;
  auto read_again_at = [&](size_t k) {
    if (!again_at) {
      again_at.emplace(want.size(), U'\0');
      const internal::PixPtr larger(pixScale(line, 1.5f, 1.5f));
      std::u32string again;
      if (larger)
        for (const internal::Glyph& g : text->read(larger.get()).glyphs)
          if (const std::u32string c = decode_utf8_lossy(g.text);
              c.size() == 1 && internal::is_cjk(c[0]))
            again += c[0];
      const std::vector<size_t> at_again = internal::align_to(again, want);
      for (size_t j = 0; j < want.size(); ++j)
        if (at_again[j] != std::u32string::npos) (*again_at)[j] = again[at_again[j]];
    }
    return (*again_at)[k];
  };
  // The name judged on the reading, each of its characters taken as read where `read_elsewhere`
  // says another reading of the line had it.
  auto judge = [&](const std::vector<bool>& read_elsewhere) {
    SealNameCheck check;
    check.expected = company_name;
    const std::vector<size_t> at = internal::align_to(chars, want);
    std::vector<bool> other_at(want.size(), false);  // the ink there clearly is another character
    // The name's k-th character's entry in check.differences.
    std::vector<size_t> difference_at(want.size(), std::u32string::npos);
    size_t far_other = 0;              // … by kSurely
    size_t surely_other = 0;           // … and, on a line parted evenly, read so again
    size_t distinctive = want.size();  // the name before its legal form
    for (std::u32string_view form : {U"股份有限公司", U"有限责任公司", U"有限公司", U"公司"})
      if (want.size() > form.size() && want.ends_with(form)) {
        distinctive = want.size() - form.size();
        break;
      }
    std::vector<bool> found_at(want.size(), false);  // read or drawn as the name's
    for (size_t k = 0; k < want.size(); ++k) {
      if (read_elsewhere[k] || (at[k] != std::u32string::npos && chars[at[k]] == want[k])) {
        ++check.read_as_name;
        found_at[k] = true;
        continue;
      }
      if (at[k] == std::u32string::npos) continue;
      if (!shapes || !shapes->usable()) continue;
      // The ink of the name's k-th character where the line parts into the name's characters
      // (or the one read where it parts into those), whole: there is no neighbour in it to trim,
      // and 川's strokes stay. Else about the glyph's box, a character wide, in a few windows
      // (as confirm.cpp cuts a name's); but Tesseract's boxes of a seal's characters drift by up
      // to one (成 in 天成实 was boxed on 实).
      std::vector<internal::Shape> cuts;
      auto cut_out = [&](int left, int top, int width, int height, bool trim) {
        left = std::clamp(left, 0, w - 1), top = std::clamp(top, 0, h - 1);
        width = std::min(width, w - left), height = std::min(height, h - top);
        // A character of the line as unrolled (parted into the characters read) stood upright;
        // the upright line's as it is.
        internal::PixPtr cut;
        if (!trim && !upright) {
          cut = internal::upright_character(unrolled, left, left + width - 1);
        } else {
          BOX* area = boxCreate(left, top, width, height);
          cut.reset(pixClipRectangle(line, area, nullptr));
          boxDestroy(&area);
        }
        internal::Shape shape;
        if (cut &&
            (trim ? internal::trimmed_shape(cut.get(), &shape)
                  : internal::shape_of(internal::ink_of(cut.get()), internal::width_of(cut.get()),
                                       internal::height_of(cut.get()), &shape)))
          cuts.push_back(shape);
      };
      const Parting& parting = parted.characters.empty() ? parted_as_read : parted;
      const bool in_place = !parting.characters.empty();
      if (in_place) {
        const auto& [first, last] = parting.characters[parted.characters.empty() ? at[k] : k];
        cut_out(first - 1, 0, last - first + 3, h, false);
      } else {
        const Box& box = glyph_of[at[k]]->box;
        const int side = std::max(4, std::max(box.w, box.h));
        for (int step = -3; step <= 3; ++step)
          cut_out(box.x + box.w / 2 - side / 2 - 1 + step * side / 6, box.y - 2, side + 2,
                  box.h + 4, true);
      }
      auto like = [&](char32_t ch) {
        double best = -1;
        for (const internal::Shape& cut : cuts) best = std::max(best, shapes->likeness(cut, ch));
        return best;
      };
      SealNameCheck::Difference d{encode_utf8(std::u32string(1, chars[at[k]])),
                                  encode_utf8(std::u32string(1, want[k])), like(chars[at[k]]),
                                  like(want[k])};
      if (d.form_likeness >= kLikely && d.form_likeness >= d.read_likeness + kClearly) {
        ++check.drawn_as_name;
        found_at[k] = true;
      }
      // Every company's name ends in its legal form: a character there read as another is a
      // misreading, never another company. Nor is a character of the name itself: a doubled or
      // dropped character shifts the alignment (厦门科达贸易有有限公司 pairs 易 with 贸 and 有
      // with 易), and the ink then is clearly the character read, which is the company's own.
      // Ink cut about a glyph's box may be a neighbour's: it can show the form's character, never
      // clearly another. Ink of a line parted evenly (its characters touch) is judged less
      // surely, its cuts may hold a neighbour's edge: one such character alone makes a seal
      // doubtful only when the line read half as large again reads the same other character
      // there (丰 for 元 twice, on seed 21's S-2026-109434); two make it another's as any two do.
      other_at[k] = in_place && k < distinctive &&
                    want.find(chars[at[k]]) == std::u32string::npos && d.read_likeness >= kLikely &&
                    d.read_likeness >= d.form_likeness + kClearly;
      d.clearly_other = other_at[k];
      const bool by_far = other_at[k] && d.read_likeness >= d.form_likeness + kSurely;
      far_other += by_far;
      if (by_far && (!parting.even || read_again_at(k) == chars[at[k]])) ++surely_other;
      difference_at[k] = check.differences.size();
      check.differences.push_back(std::move(d));
    }
    const auto other = static_cast<size_t>(std::count(other_at.begin(), other_at.end(), true));
    const std::vector<size_t> brand = brand_of(want, distinctive);
    for (size_t k : brand) check.brand += encode_utf8(std::u32string(1, want[k]));
    const bool brand_found = brand.size() < 2 || std::any_of(brand.begin(), brand.end(),
                                                             [&](size_t k) { return found_at[k]; });
    const double found = static_cast<double>(check.read_as_name + check.drawn_as_name) /
                         static_cast<double>(want.size());
    // Another company's name read as it is, but for its brand: two or more characters before the
    // legal form, standing together, each read surely (kReadSurely) as one the name does not
    // hold, and read so again on the line half as large again, its ink not more like the name's;
    // every other character of the name read as it is (深圳富华国际贸易有限公司 on 深圳海纳…'s
    // papers, read whole at 98–100, the ink of 富 and 华 too bold and coarse to draw clearly as
    // either). An own seal misread reads more of its name otherwise than its brand, or its ink
    // says the name's (苏州云机员奈… for 苏州云帆国际…, 机 at 99 and 奈 at 97, but the ink of 帆
    // draws as 帆 0.70, as 机 0.69). A person looks.
    std::vector<size_t> read_other;  // where the name's characters were read surely as others
    for (size_t k = 0; k < distinctive; ++k)
      if (at[k] != std::u32string::npos && !read_elsewhere[k] && chars[at[k]] != want[k] &&
          want.find(chars[at[k]]) == std::u32string::npos &&
          glyph_of[at[k]]->confidence >= kReadSurely &&
          (difference_at[k] == std::u32string::npos ||
           check.differences[difference_at[k]].read_likeness >=
               check.differences[difference_at[k]].form_likeness))
        read_other.push_back(k);
    bool brand_read =
        read_other.size() >= 2 && read_other.back() - read_other.front() <= kBrandReach;
    for (size_t k = 0; k < want.size() && brand_read; ++k) {
      const bool as_name =
          read_elsewhere[k] || (at[k] != std::u32string::npos && chars[at[k]] == want[k]);
      // The brand's span (a brand of three read as two leaves one of its places unmatched).
      const bool in_brand =
          k + 1 >= read_other.front() && k <= read_other.back() + 1 && k < distinctive;
      brand_read = as_name || in_brand;
    }
    if (brand_read)
      brand_read = std::count_if(read_other.begin(), read_other.end(),
                                 [&](size_t k) { return read_again_at(k) == chars[at[k]]; }) >= 2;
    if (brand_read)
      for (size_t k : read_other)
        if (difference_at[k] != std::u32string::npos)
          check.differences[difference_at[k]].clearly_other = true;
    // Two characters clearly another's (another company's brand or trade: 瑞丰 for 正元, 实业
    // for 进出口), where the rest of the reading lines up with the name (three of its characters
    // read as they are), is another company's seal, when they stand together (a brand is two to
    // four characters) and two of them are so by kSurely. Two far apart are as likely two
    // characters misread each its own way (an own seal's 了支江航科打反发有限人忆 for
    // 宁波远航科技发展有限公司: 支 for 波, 打 for 技, four apart), and a character clearly another
    // by a little is a misreading now and then (an own 苏州云机虽奈… for 苏州云帆国际…: 机 for 帆
    // by 0.13, beside 虽 for 国): a person looks. One, by kSurely, is doubtful: a character misread
    // that draws more like the one read, or another company's name whose other differing character
    // was read too poorly to tell (宁波中科丛贸易有限公司 for 宁波佳美…: 科 surely not 佳, 0.80
    // against 0.37; 丛 neither 美 nor clearly another); a person looks, as at a brand read as
    // another's (above). Most of the name found and nothing clearly another's is this company's.
    bool together = false;
    for (size_t k = 0, last = want.size(); k < want.size(); ++k)
      if (other_at[k]) {
        together = together || (last < k && k - last <= kBrandReach);
        last = k;
      }
    if (far_other >= 2 && together && check.read_as_name >= 3)
      check.verdict = SealNameCheck::Verdict::other;
    else if (((other >= 2 || (other == 1 && surely_other == 1)) && check.read_as_name >= 3) ||
             brand_read)
      check.verdict = SealNameCheck::Verdict::doubtful;
    else if (found >= kCarried && other == 0 && brand_found)
      check.verdict = SealNameCheck::Verdict::same;
    else
      check.verdict = SealNameCheck::Verdict::unsure;
    check.brand_missing =
        check.verdict == SealNameCheck::Verdict::unsure && found >= kCarried && other == 0;
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
    std::vector<bool> read_again(want.size(), false);
    for (size_t k = 0; k < want.size(); ++k) read_again[k] = read_again_at(k) == want[k];
    if (std::count(read_again.begin(), read_again.end(), true) > 0) check = judge(read_again);
  }
  // A word of another trade or place read whole (kNameWords): another company's seal, whatever
  // its characters said.
  for (std::u32string_view word : kNameWords)
    if (chars.find(word) != std::u32string::npos && want.find(word) == std::u32string::npos) {
      check.verdict = SealNameCheck::Verdict::other;
      check.brand_missing = false;
      check.foreign_word = encode_utf8(std::u32string(word));
      break;
    }
  seal.name_check = std::move(check);
}

}  // namespace keydesk::ocr
