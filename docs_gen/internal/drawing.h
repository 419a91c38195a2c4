// A document as a list of drawing operations per page, in PDF points with the origin at the
// top left (y grows down): what the layouts produce and the PDF writer emits. Keeping the two
// apart lets the writer see every character before it subsets the font.
#pragma once

#include <string>
#include <vector>

#include "docs_gen/documents.h"

namespace keydesk::docs::internal {

constexpr double kMm = 72.0 / 25.4;
constexpr double kPageWidth = 210 * kMm;  // A4
constexpr double kPageHeight = 297 * kMm;

struct TextOp {
  double x = 0, baseline = 0, size = 12;
  bool bold = false;
  std::string text;   // UTF-8
  std::string field;  // where the text came from, for errors: "cases[2].enterprise"
};

struct LineOp {
  double x1 = 0, y1 = 0, x2 = 0, y2 = 0, width = 1;
};

// A filled black rectangle: barcode bars and QR modules.
struct BoxOp {
  double x = 0, y = 0, width = 0, height = 0;
};

struct PageOps {
  std::vector<TextOp> texts;
  std::vector<LineOp> lines;
  std::vector<BoxOp> boxes;
};

struct Drawing {
  std::string title;  // the PDF's Title, ASCII (libharu writes info strings as they are)
  std::vector<PageOps> pages;
};

class FontFace;

// Checks every character against `face` (an error names it, its U+ code point and its field),
// subsets the face to them, embeds the subset and writes the pages.
Result<Pdf> write_pdf(const Drawing& drawing, const FontFace& face);

}  // namespace keydesk::docs::internal
