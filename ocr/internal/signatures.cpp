// Signatures: the signature labels of the expected type found among the rows read (a stem whose
// 签字 the signature struck through will do), and the handwriting looked for right of each: its
// ink, with the line to sign on left out.
#include "ocr/internal/analyzer.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "ocr/internal/pix_util.h"
#include "ocr/text.h"

namespace keydesk::ocr {
namespace internal {

double handwriting_ink(Pix* binary, const Box& region, int* tallest_component) {
  *tallest_component = 0;
  PixPtr clip = clip_of(binary, region);
  if (!clip) return 0;
  // The line to sign on is not a signature.
  PixPtr rules(pixOpenBrick(nullptr, clip.get(), std::max(30, region.w / 6), 1));
  PixPtr ink(pixSubtract(nullptr, clip.get(), rules.get()));
  for (const Box& b : mark_boxes(ink.get())) *tallest_component = std::max(*tallest_component, b.h);
  return ink_share(ink.get());
}

int print_tail_end(Pix* binary, const Box& label, int most) {
  // Columns of the label's band, each: 0 blank, 1 ink inside the band only (print), 2 ink that
  // runs out of it (handwriting, a seal).
  const int w = width_of(binary), h = height_of(binary);
  const int top = std::max(0, label.y), bottom = std::min(h, label.bottom());
  const int above = std::max(0, top - label.h / 2), below = std::min(h, bottom + label.h / 2);
  const int limit = std::min(w, label.right() + most);
  const l_uint32* data = pixGetData(binary);
  const l_int32 wpl = pixGetWpl(binary);
  auto column = [&](int x) {
    bool inside = false;
    for (int y = above; y < below; ++y)
      if (GET_DATA_BIT(data + static_cast<ptrdiff_t>(y) * wpl, x)) {
        if (y < top || y >= bottom) return 2;
        inside = true;
      }
    return inside ? 1 : 0;
  };
  int end = label.right(), gap = 0;
  for (int x = label.right(); x < limit; ++x) {
    const int c = column(x);
    if (c == 2) break;
    if (c == 1) {
      end = x + 1;
      gap = 0;
    } else if (++gap > label.h * 2 / 3) {
      break;
    }
  }
  return end;
}

}  // namespace internal

using internal::glyph_span;
using internal::is_cjk;
using internal::is_separator;
using internal::LabelHit;
using internal::ReadRow;

namespace {

// The signature label `label` (normalised) on `row` (find_signature_label). A stem's box is
// widened over the characters it stands for, so that their print is not taken for handwriting.
std::optional<LabelHit> signature_label_in(const ReadRow& row, size_t r,
                                           const std::u32string& label) {
  std::optional<SignatureLabelMatch> match = find_signature_label(row.folded, label);
  if (!match) return std::nullopt;
  Box box = glyph_span(row, match->begin, match->end);
  // The label's band is its print's: the middle of its glyphs' tops and feet. A signature the
  // row finder joined to the label makes the row, and some glyph boxes Tesseract gives, its
  // height (让 and 人 of 法定代表人 boxed 53 px tall among 21 px print); in that band, the
  // signature would be taken for the label's own print.
  std::vector<int> tops, feet;
  for (size_t i = match->begin; i < match->end; ++i)
    if (const Box g = glyph_span(row, i, i + 1); g.h > 0)
      tops.push_back(g.y), feet.push_back(g.bottom());
  if (tops.size() >= 3) {
    const int top = std::max(box.y, internal::middle_value(tops));
    const int foot = std::min(box.bottom(), internal::middle_value(feet));
    if (foot - top >= 4) box.y = top, box.h = foot - top;
  }
  // A label's characters stand about square: a glyph box Tesseract stretched over a pen's
  // scrawl as low as the print after the label (签名 boxed 185 pixels wide and 28 tall) is cut
  // to the characters' width, and what follows is looked at as the place to sign.
  if (const int characters = static_cast<int>(match->end - match->begin); characters > 0)
    box.w = std::min(box.w, box.h * characters * 5 / 4);
  if (match->stands_for > 0 && match->end > match->begin) {
    box.w +=
        box.w * static_cast<int>(match->stands_for) / static_cast<int>(match->end - match->begin);
    match->end = std::min(row.folded.size(), match->end + match->stands_for);
  }
  return LabelHit{r, match->begin, match->end, box, match->similarity};
}

}  // namespace

bool ScanAnalyzer::Impl::mark_right_of(const std::vector<internal::TextRow>& rows, size_t i) {
  const Box& label = rows[i].box;
  return std::any_of(rows.begin(), rows.end(), [&label](const internal::TextRow& r) {
    const Box& b = r.box;
    int middle = b.y + b.h / 2;
    return b.x >= label.right() - label.h / 2 && b.x - label.right() <= label.h * 4 &&
           middle >= label.y - label.h && middle <= label.bottom() + label.h &&
           b.h * 10 >= label.h * 14;
  });
}

void ScanAnalyzer::Impl::find_signatures(const std::vector<ReadRow>& rows,
                                         const std::vector<Box>& unread, const DocumentType& type,
                                         ScanResult& result) {
  Pix* binary = current_->binary.get();
  const int w = static_cast<int>(pixGetWidth(binary));
  const int h = static_cast<int>(pixGetHeight(binary));
  // The print's height: the middle height of the rows of text (wider than twice their height).
  std::vector<int> heights;
  for (const ReadRow& r : rows)
    if (r.box.w >= r.box.h * 2) heights.push_back(r.box.h);
  const int print = internal::middle_value(heights);
  // Rows taller than print parted from the hand and their print read alone, when first wanted.
  std::optional<std::vector<std::pair<size_t, ReadRow>>> heads;
  for (const auto& [signer, labels] : type.signature_labels) {
    SignatureMark mark;
    mark.signer = signer;
    std::optional<LabelHit> hit;
    const ReadRow* hit_row = nullptr;
    std::u32string matched;  // the label `hit` was found as
    std::vector<std::u32string> wordings;
    for (const std::string& written : labels) wordings.push_back(normalise_name(written));
    auto search = [&](const ReadRow& in, size_t r) {
      for (const std::u32string& label : wordings) {
        if (std::optional<LabelHit> at = signature_label_in(in, r, label))
          if (!hit || at->similarity > hit->similarity + 1e-9) {
            hit = at;
            hit_row = &in;
            matched = label;
          }
      }
    };
    for (size_t r = 0; r < rows.size(); ++r) search(rows[r], r);
    // A label the row finder joined to the signature after it (法定代表人签字：任霞 in a hand half
    // as tall again as the print) is read at the hand's height and lost (法是代表人区$): such
    // rows are read again, their print parted from the hand.
    if (!hit && print > 0) {
      if (!heads) {
        heads.emplace();
        // Read over the print's band, and again over the head's whole reach when a stroke
        // stands out of the band (cut off, 签字/盖章 reads 签子/善章; read whole, a band's
        // clean read may go: .签名 as ,和名，).
        for (size_t r = 0; r < rows.size(); ++r)
          if (rows[r].box.h * 10 > print * 13) {
            Box whole;
            if (const std::optional<Box> head =
                    internal::print_head(binary, rows[r].box, print / 2, &whole)) {
              heads->emplace_back(r, read_row(*current_, *head, false));
              if (head->y - whole.y >= 2 || whole.bottom() - head->bottom() >= 2)
                heads->emplace_back(r, read_row(*current_, whole, false));
            }
          }
      }
      for (const auto& [r, head] : *heads) search(head, r);
    }
    if (!hit) {
      result.signatures.push_back(mark);  // the label itself was not found
      continue;
    }
    const ReadRow& row = *hit_row;
    mark.label_box = hit->box;
    mark.label = encode_utf8(row.folded.substr(hit->begin, hit->end - hit->begin));
    // A longer wording of the label, one that differs from the label found only from its last
    // character on, may go on past what was read (法定代表人（签字 of 法定代表人（签字/盖章）：):
    // its print, ink that stays within the label's band, is the label's.
    size_t tail = 0;
    for (const std::u32string& longer : wordings) {
      const size_t common = static_cast<size_t>(
          std::mismatch(matched.begin(), matched.end(), longer.begin(), longer.end()).first -
          matched.begin());
      if (longer.size() > matched.size() && common + 1 >= matched.size())
        tail = std::max(tail, longer.size() - common);
    }
    Box label = hit->box;
    // The rest of the label's wording as read after the part matched (法定代表人签字 matched where
    // the row reads 法定代表人签字/盖章）：, its bracket not read): print, not handwriting.
    constexpr std::u32string_view kLabelTail = U"（(/／、盖章签字名）)：:";
    size_t label_end = hit->end;
    while (label_end < row.folded.size() &&
           kLabelTail.find(row.folded[label_end]) != std::u32string_view::npos)
      ++label_end;
    if (const Box more = glyph_span(row, hit->end, label_end); more.w > 0)
      label.w = std::max(label.right(), more.right()) - label.x;
    // Past what was read, the label's print goes on to its last bracket and colon (a colon at a
    // gap is often not read): a character and a half more, or the wording's untold rest.
    label.w = internal::print_tail_end(
                  binary, label, std::max(static_cast<int>(tail) * label.h, label.h * 3 / 2)) -
              label.x;
    int right = std::min(w, label.right() + w * 3 / 10);
    // Stop before the next printed label on the row ("日期：").
    for (size_t i = hit->end + 1; i < row.folded.size(); ++i) {
      if (!is_separator(row.folded[i])) continue;
      size_t start = i;
      while (start > hit->end && i - start < 4 && is_cjk(row.folded[start - 1])) --start;
      Box next = glyph_span(row, start, i + 1);
      if (next.x > label.right() + label.h * 2) right = std::min(right, next.x - 4);
      break;
    }
    // And before the next label in a row of its own on the line (企业（盖章）: its seal is not a
    // signature): print no taller than the label, with a bracket or a colon. Such a row not read
    // yet is read now.
    auto next_label = [&](const Box& b) {
      const int middle = b.y + b.h / 2;
      return b.x > label.right() + label.h * 2 && b.x < right && middle >= label.y &&
             middle <= label.bottom() && b.h * 10 <= label.h * 13;
    };
    // A label has a bracket or a colon, or (its colon not read by a seal's edge) names a place
    // to seal, sign or date.
    auto is_label = [](const std::u32string& read) {
      constexpr std::u32string_view kPlaces[] = {U"盖章", U"公章", U"签字", U"签名", U"日期"};
      return std::count_if(read.begin(), read.end(), is_cjk) >= 2 &&
             (std::any_of(read.begin(), read.end(),
                          [](char32_t c) { return c == U'(' || is_separator(c); }) ||
              std::any_of(std::begin(kPlaces), std::end(kPlaces), [&](std::u32string_view p) {
                return read.find(p) != std::u32string::npos;
              }));
    };
    for (size_t r = 0; r < rows.size(); ++r)
      if (r != hit->row && next_label(rows[r].box) && is_label(rows[r].folded))
        right = std::min(right, rows[r].box.x - 4);
    for (const Box& b : unread)
      if (next_label(b) && is_label(read_row(*current_, b, true).folded))
        right = std::min(right, b.x - 4);
    int top = std::max(0, label.y - label.h), bottom = std::min(h, label.bottom() + label.h);
    mark.region = {label.right() + 4, top, std::max(0, right - label.right() - 4), bottom - top};
    if (mark.region.w > label.h) {
      int tallest = 0;
      mark.ink = internal::handwriting_ink(binary, mark.region, &tallest);
      mark.present = mark.ink >= 0.012 && tallest >= label.h / 2;
    }
    result.signatures.push_back(mark);
  }
}

}  // namespace keydesk::ocr
