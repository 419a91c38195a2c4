// A name or code read a character or a few off the form's, looked at again
// (ScanAnalyzer::Impl::confirm_values): the characters in question cut from the page and compared
// with the form's and the one read, both drawn by GlyphShapes.
#include <algorithm>
#include <string>

#include "ocr/codes.h"
#include "ocr/internal/analyzer.h"
#include "ocr/internal/glyphs.h"
#include "ocr/text.h"

namespace keydesk::ocr {

using internal::ReadRow;
using internal::Shape;

namespace {

// The form's character must look like the ink at least this much (normalised correlation of the
// shapes; a character against itself in another face scores 0.7–0.85 at 14 px, against another
// character mostly below 0.5) …
constexpr double kLikely = 0.6;
// … or, for a code's letters and digits (simpler shapes, printed in other faces), this much.
constexpr double kLikelyCode = 0.5;
// … and clearly more than the character read (on an ID card 辉 scores 0.71, 将 0.39) …
constexpr double kClearly = 0.1;
// … or, for a code's, than the character read and every other character the code may hold
// (digits share their oval: a dotted 0 scores 0.84 as 0, 0.77 as 6).
constexpr double kClearlyCode = 0.05;
constexpr std::u32string_view kUsccChars = U"0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr std::u32string_view kIdNumberChars = U"0123456789X";
// … and no less than any of the kRivals characters of GB 2312 most like the ink (a printed 殷
// scores 0.77 against the form's 毅 at 0.63; right characters beat their rivals by up to 0.2,
// and now and then lose one by a few hundredths: those go to the clerk).
constexpr size_t kRivals = 6;

}  // namespace

void ScanAnalyzer::Impl::confirm_values(ReadRow& row, const ScanHints& hints, ScanResult& result) {
  if (!shapes || !shapes->usable() || !current_) return;
  struct Hinted {
    const char* field;
    const std::string* hint;
    bool is_code;
  };
  for (const auto& [field, hint, is_code] :
       {Hinted{"person", &hints.person_name, false}, Hinted{"name", &hints.company_name, false},
        Hinted{"uscc", &hints.uscc, true}, Hinted{"id_number", &hints.id_number, true}}) {
    const std::u32string want = normalise_name(*hint);
    if (want.size() < 2) continue;
    // A row shorter than a company's name may hold it mangled a few characters short (a pale
    // 广州鑫隆进出口有限公司 read 剖攻进出口有耻公司): read again alone, as a cut one is. Not a
    // name of five characters or fewer (a person's): every row of a character or two would be
    // within a character of it.
    if (row.folded.size() < want.size()) {
      if (!is_code && want.size() > 5) reread_cut_name(row, want, field, *hint, result);
      continue;
    }
    confirm_value(row, want, field, *hint, is_code, true, result);
  }
}

void ScanAnalyzer::Impl::confirm_value(ReadRow& row, const std::u32string& want, const char* field,
                                       const std::string& hint, bool is_code, bool may_reread,
                                       ScanResult& result) {
  // A code's characters are compared one by one as a name's are; a code one character off
  // the form's is taken as a slip without a look (engine/verify.cpp), a valid one three or
  // more off is another code unless the page's ink says otherwise: looked at up to four off
  // (a dark, tilted card read 110108…1084 as 170208…1994, which passes the checksum). A
  // person's name one character off, a company's up to a third of its characters (a hand's
  // 银河(广州)国际贸易康公司统: its place read alone holds the name whole); each character
  // looked at must be the form's by its ink, or the place read again must hold the name.
  const size_t most = is_code ? 4 : want.size() <= 5 ? 1 : std::max<size_t>(2, want.size() / 3);
  auto comparable = [codes = is_code](char32_t c) {
    return codes ? internal::is_code_char(c) : internal::is_cjk(c);
  };
  // A letter a code never holds is the digit it looks like (O for 0: their shapes differ only
  // in width, which a shape does not keep); engine/verify.cpp reads it so too.
  const bool uscc = std::string_view(field) == "uscc";
  auto same = [&](char32_t read, char32_t form) {
    if (read == form) return true;
    if (!is_code || read >= 0x80) return false;
    const std::string one(1, static_cast<char>(read));
    const std::string folded = uscc ? ocr::fold_uscc(one) : ocr::fold_id_number(one);
    return folded.size() == 1 && static_cast<char32_t>(folded[0]) == form;
  };
  const std::u32string_view alphabet = uscc ? kUsccChars : kIdNumberChars;
  if (row.folded.find(want) != std::u32string::npos) return;
  // The place where the row reads most like the name, character for character.
  size_t best = std::u32string::npos, best_off = most + 1;
  for (size_t s = 0; s + want.size() <= row.folded.size(); ++s) {
    size_t off = 0;
    for (size_t k = 0; k < want.size() && off <= most; ++k)
      if (!same(row.folded[s + k], want[k])) {
        // Only Chinese characters (a code's letters and digits) are drawn and compared, each
        // one glyph of its own.
        const size_t g = row.glyph_of[s + k];
        const bool single = (s + k == 0 || row.glyph_of[s + k - 1] != g) &&
                            (s + k + 1 == row.folded.size() || row.glyph_of[s + k + 1] != g);
        off += comparable(want[k]) && comparable(row.folded[s + k]) && single ? 1 : most + 1;
      }
    if (off < best_off) best = s, best_off = off;
  }
  if (best == std::u32string::npos || best_off == 0 || best_off > most) {
    if (!is_code && may_reread) reread_cut_name(row, want, field, hint, result);
    return;
  }
  GlyphCheck check{field, encode_utf8(row.folded.substr(best, want.size())),
                   hint,  internal::glyph_span(row, best, best + want.size()),
                   {},    {},
                   true,  {}};
  std::vector<std::pair<size_t, char32_t>> changes;  // glyph, the form's character
  for (size_t k = 0; k < want.size(); ++k) {
    if (same(row.folded[best + k], want[k])) continue;
    const size_t g = row.glyph_of[best + k];
    // Tesseract's box of a glyph is mostly where the glyph is, but now and then loose (one may
    // span the whole name); its box of the name as a whole is right. The character is looked
    // for about both: its glyph's box and its share of the name's, in windows a character wide
    // (Chinese characters are square; a code's are as wide as their share), each candidate at
    // its best.
    const Box& span = check.box;
    const Box& glyph = row.read.glyphs[g].box;
    const int share = span.x + static_cast<int>((static_cast<double>(k) + 0.5) * span.w /
                                                static_cast<double>(want.size()));
    std::vector<Box> windows;
    auto about = [&windows](int centre, int top, int height, int side) {
      side = std::max(4, side);
      for (int step = -3; step <= 3; ++step)
        windows.push_back({centre - side / 2 - 1 + step * side / 6, top - 2, side + 2, height + 4});
    };
    const int pitch = static_cast<int>(span.w / static_cast<double>(want.size()));
    about(glyph.x + glyph.w / 2, glyph.y, glyph.h,
          is_code ? std::min(glyph.w, pitch * 3 / 2) : std::max(glyph.w, glyph.h));
    about(share, span.y, span.h, is_code ? pitch : span.h);
    std::vector<Shape> cuts;
    for (const Box& window : windows) {
      internal::PixPtr cut = current_->grey.cut(window);
      Shape shape;
      if (cut && internal::trimmed_shape(cut.get(), &shape)) cuts.push_back(shape);
    }
    // Each candidate at its best window.
    auto like = [&](char32_t ch, size_t* where = nullptr) {
      double top = -1;
      for (size_t c = 0; c < cuts.size(); ++c)
        if (const double l = shapes->likeness(cuts[c], ch); l > top) {
          top = l;
          if (where) *where = c;
        }
      return top;
    };
    size_t read_at = 0, form_at = 0;
    const double read_like = like(row.folded[best + k], &read_at),
                 form_like = like(want[k], &form_at);
    check.likeness.emplace_back(read_like, form_like);
    if (form_like < (is_code ? kLikelyCode : kLikely) ||
        form_like < read_like + (is_code ? kClearlyCode : kClearly))
      check.taken = false;
    // The character read may itself be far off (殷 read as 耻, the form's 毅 sharing its 殳):
    // the form's must beat the characters of GB 2312 most like the ink as well, as cut where
    // the form's character fits best and where the one read does (垅 read as 城: the form's
    // 龙 fits its right half).
    std::pair<std::string, double> rival{"", -1};
    // A window slipped onto the character beside it is no rival.
    auto neighbour = [&](char32_t ch) {
      return (k > 0 && ch == want[k - 1]) || (k + 1 < want.size() && ch == want[k + 1]);
    };
    // Looked for only while the check can still be taken: ranking all of GB 2312 is the
    // costly part of a look.
    if (is_code && check.taken)
      for (char32_t ch : alphabet)
        if (ch != want[k] && ch != row.folded[best + k])
          if (const double l = like(ch); l > rival.second)
            rival = {encode_utf8(std::u32string(1, ch)), l};
    if (!is_code && !cuts.empty() && check.taken)
      for (size_t at : {form_at, read_at})
        for (char32_t ch : shapes->rivals(cuts[at], kRivals))
          if (ch != want[k] && ch != row.folded[best + k] && !neighbour(ch))
            if (const double l = like(ch); l > rival.second)
              rival = {encode_utf8(std::u32string(1, ch)), l};
    check.rivals.push_back(rival);
    if (form_like < rival.second) check.taken = false;
    changes.emplace_back(g, want[k]);
  }
  // A name the ink did not settle is read again alone: its place, a little beyond, from the
  // grey as it is. Its row's reading took in marks beside it (an ID card's portrait, a table's
  // wall, the next cell) and the row's blank-shortened image: alone, Tesseract reads 方艳燕
  // where the row read 方槐燕. Only a reading that holds the form's name whole is taken, so
  // another name (张炜 for 张伟) stays another.
  if (!check.taken && !is_code && may_reread) {
    const Box& b = check.box;
    const Box around{b.x - b.h / 2, b.y - b.h / 4, b.w + b.h, b.h + b.h / 2};
    check.read_again = read_name_alone(around, want, &check.taken);
    // Two readings are two witnesses, as a code's are (scan.cpp): a company's name whose
    // characters one reading or the other has as the form's, but for the slip in ten
    // engine/verify.cpp allows a company's name (a licence's 上海僵桥供应链答理有限公司, alone
    // 上海酉供应甸管理有限公司: only 金 never read). Another company's name differs in its
    // brand, which neither reading has. A person's name every character of which one reading
    // or the other has as the form's (an ID card's 丁佳丽, read 丁佳卫 in its row and 于佳丽
    // alone): a look-alike name (张炜 for 张伟) has its own character, which neither reads so.
    const bool person = std::string_view(field) == "person";
    if (!check.taken && (std::string_view(field) == "name" || person)) {
      const std::u32string again = normalise_name(check.read_again);
      const std::vector<size_t> again_at = internal::align_to(again, want);
      size_t unread = 0;
      for (size_t k = 0; k < want.size(); ++k)
        if (!same(row.folded[best + k], want[k]) &&
            (again_at[k] == std::u32string::npos || again[again_at[k]] != want[k]))
          ++unread;
      check.taken = person ? unread == 0
                           : static_cast<double>(unread) <=
                                 kCompanyNameSlack * static_cast<double>(want.size()) + 1e-9;
    }
  }
  result.glyph_checks.push_back(check);
  if (!check.taken) return;
  // The row as read, the form's characters in place of those looked at (the spaces between
  // Latin words kept).
  internal::LineRead read = row.read;
  std::string joined;
  size_t from = 0;
  bool whole = true;
  for (size_t g = 0; g < read.glyphs.size(); ++g) {
    const size_t at = read.text.find(read.glyphs[g].text, from);
    if (at == std::string::npos) {
      whole = false;
      break;
    }
    joined += read.text.substr(from, at - from);
    from = at + read.glyphs[g].text.size();
    for (const auto& [glyph, character] : changes)
      if (glyph == g) read.glyphs[g].text = encode_utf8(std::u32string(1, character));
    joined += read.glyphs[g].text;
  }
  if (!whole) {
    result.glyph_checks.back().taken = false;
    return;
  }
  read.text = joined + read.text.substr(from);
  const bool skimmed = row.skimmed;
  row = internal::fold_row(row.box, std::move(read));
  row.skimmed = skimmed;
}

void ScanAnalyzer::Impl::reread_cut_name(ReadRow& row, const std::u32string& want,
                                         const char* field, const std::string& hint,
                                         ScanResult& result) {
  // Close enough to be the name cut or mangled: a character off in a name of up to five, half
  // of a longer one's (a hand's 北京市瑞丰实业有限公司 read 兴京市瑞直实业有了腿公司). Only a
  // reading again that holds the form's name whole is taken, so another company's name stays
  // another.
  const size_t allowed = want.size() <= 5 ? 1 : std::max<size_t>(2, want.size() / 2);
  size_t b = 0, e = 0;
  const size_t off = best_substring_distance(row.folded, want, &b, &e);
  if (off == 0 || off > allowed || e <= b) return;
  const Box span = internal::glyph_span(row, b, e);
  if (span.w <= 0 || span.h <= 0) return;
  // Chinese characters are square: the characters missing and one more, on either side.
  const size_t found = e - b;
  const int missing = static_cast<int>(want.size() > found ? want.size() - found : 0);
  const int more = (missing + 1) * span.h;
  const Box around{std::max(0, span.x - more), span.y - span.h / 4,
                   span.x - std::max(0, span.x - more) + span.w + more, span.h + span.h / 2};
  GlyphCheck check{field, encode_utf8(row.folded.substr(b, found)), hint, span, {}, {}, false, {}};
  internal::LineRead as_is;
  check.read_again = read_name_alone(around, want, &check.taken, &as_is);
  result.glyph_checks.push_back(check);
  if (!check.taken) {
    // The place read alone as it is, its characters off the form's looked at as a row's are (a
    // pale 广州鑫隆进出口有限公司 read alone 广州查隐进出口有限公司: 查 and 隆 drawn against the
    // ink). No further reading: the place was read every way already.
    ReadRow alone = internal::fold_row(around, std::move(as_is));
    if (alone.folded.size() < want.size()) return;
    confirm_value(alone, want, field, hint, false, false, result);
    if (alone.folded.find(want) == std::u32string::npos) return;
  }
  // The row as read, the glyphs of the name's place made one glyph holding the form's name over
  // the place read again.
  internal::LineRead read = row.read;
  const size_t first = row.glyph_of[b], last = row.glyph_of[e - 1];
  std::string joined;
  size_t from = 0;
  std::vector<internal::Glyph> glyphs;
  for (size_t g = 0; g < read.glyphs.size(); ++g) {
    const size_t at = read.text.find(read.glyphs[g].text, from);
    if (at == std::string::npos) {
      result.glyph_checks.back().taken = false;
      return;
    }
    if (g < first || g > last) {
      joined += read.text.substr(from, at - from) + read.glyphs[g].text;
      glyphs.push_back(read.glyphs[g]);
    } else if (g == first) {
      internal::Glyph name = read.glyphs[g];
      name.text = hint;
      name.box = around;
      joined += read.text.substr(from, at - from) + hint;
      glyphs.push_back(std::move(name));
    }
    from = at + read.glyphs[g].text.size();
  }
  read.text = joined + read.text.substr(from);
  read.glyphs = std::move(glyphs);
  const bool skimmed = row.skimmed;
  row = internal::fold_row(row.box, std::move(read));
  row.skimmed = skimmed;
}

std::string ScanAnalyzer::Impl::read_name_alone(const Box& around, const std::u32string& want,
                                                bool* holds, internal::LineRead* first) {
  const internal::LineImage line = internal::grey_line_image(current_->grey, around);
  internal::LineRead as_is = recognise(*text, line);
  std::string read = as_is.text;
  if (first) *first = std::move(as_is);
  *holds = normalise_name(read).find(want) != std::u32string::npos;
  // Small characters Tesseract reads otherwise at another scale (an ID card's 田婧, read 田晴 as
  // it is).
  if (*holds || !line.pix) return read;
  const internal::PixPtr larger(pixScale(line.pix.get(), 1.5f, 1.5f));
  if (!larger) return read;
  read = text->read(larger.get()).text;
  *holds = normalise_name(read).find(want) != std::u32string::npos;
  if (*holds) return read;
  // A name written by hand, each character up or down: set straight (a hand's 瑞丰 read 直 as the
  // row was). The reading kept, when it does not hold the name, is the one before it: its
  // characters stand where they stood, a witness of the row's (confirm_values).
  std::string levelled =
      recognise(*text, internal::levelled_line_image(current_->grey, current_->binary.get(),
                                                     current_->rules.get(), around, true, 1.5f))
          .text;
  *holds = normalise_name(levelled).find(want) != std::u32string::npos;
  return *holds ? levelled : read;
}

}  // namespace keydesk::ocr
