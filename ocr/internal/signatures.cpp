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
  BOX* box = boxCreate(region.x, region.y, region.w, region.h);
  PixPtr clip(pixClipRectangle(binary, box, nullptr));
  boxDestroy(&box);
  if (!clip) return 0;
  // The line to sign on is not a signature.
  PixPtr rules(pixOpenBrick(nullptr, clip.get(), std::max(30, region.w / 6), 1));
  PixPtr ink(pixSubtract(nullptr, clip.get(), rules.get()));
  Pixa* pixa_raw = nullptr;
  BoxaPtr boxes(pixConnComp(ink.get(), &pixa_raw, 8));
  if (pixa_raw) pixaDestroy(&pixa_raw);
  if (boxes)
    for (int i = 0, n = boxaGetCount(boxes.get()); i < n; ++i)
      *tallest_component = std::max(*tallest_component, box_at(boxes.get(), i).h);
  return ink_share(ink.get());
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

void ScanAnalyzer::Impl::find_signatures(const std::vector<ReadRow>& rows, const DocumentType& type,
                                         ScanResult& result) {
  Pix* binary = current_->binary.get();
  const int w = static_cast<int>(pixGetWidth(binary));
  const int h = static_cast<int>(pixGetHeight(binary));
  for (const auto& [signer, labels] : type.signature_labels) {
    SignatureMark mark;
    mark.signer = signer;
    std::optional<LabelHit> hit;
    for (const std::string& written : labels) {
      const std::u32string label = normalise_name(written);
      for (size_t r = 0; r < rows.size(); ++r)
        if (std::optional<LabelHit> at = signature_label_in(rows[r], r, label))
          if (!hit || at->similarity > hit->similarity + 1e-9) hit = at;
    }
    if (!hit) {
      result.signatures.push_back(mark);  // the label itself was not found
      continue;
    }
    const ReadRow& row = rows[hit->row];
    mark.label_box = hit->box;
    mark.label = encode_utf8(row.folded.substr(hit->begin, hit->end - hit->begin));
    const Box& label = hit->box;
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
