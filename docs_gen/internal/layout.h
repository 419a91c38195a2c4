// Top-down page layout for the documents: titles, wrapped paragraphs, ruled tables that break
// across pages (repeating their header), QR and Code128 symbols. Produces a Drawing.
//
// Fax rules kept here: body text >= 12 pt, rules >= 1 pt, the top 10 mm of every page left free
// (the margin is 20 mm), QR modules >= 1 mm with a four-module quiet zone, black on white.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "docs_gen/internal/barcode.h"
#include "docs_gen/internal/drawing.h"

namespace keydesk::docs::internal {

class FontFace;

// A table cell: its text and the input field it shows.
struct Cell {
  std::string text;
  std::string field;
  bool bold = false;
};

struct Column {
  std::string title;
  double share = 1;  // of the table's width, relative to the other columns
};

class Sheet {
 public:
  static constexpr double kLeft = 20 * kMm;
  static constexpr double kRight = kPageWidth - 20 * kMm;
  static constexpr double kTop = 20 * kMm;  // >= 10 mm free for the fax header line
  static constexpr double kBottom = kPageHeight - 18 * kMm;
  static constexpr double kBody = 12;  // pt
  static constexpr double kRule = 1;   // pt

  explicit Sheet(const FontFace& face);

  double y() const { return y_; }
  void skip(double points) { y_ += points; }
  // Starts a new page when fewer than `points` remain on this one.
  void ensure(double points);
  void new_page();

  double width(std::string_view text, double size) const;
  std::vector<std::string> wrap(std::string_view text, double width, double size) const;

  // A bold title, centred, 22 pt.
  void title(const std::string& text, const std::string& field);
  // Wrapped text from `x` over `width`; advances y. Breaks pages between lines.
  void paragraph(const std::string& text, const std::string& field, double size = kBody,
                 bool bold = false, double x = kLeft, double width = kRight - kLeft);
  // One line of text at the current y without advancing (for side-by-side items).
  void text_at(double x, double baseline, const std::string& text, const std::string& field,
               double size = kBody, bool bold = false);
  void rule(double x1, double x2, double width = kRule);

  // A ruled table over [x, x + width]; `columns` with titles give a bold header row, repeated on
  // every page the table runs onto.
  void table(const std::vector<Column>& columns, const std::vector<std::vector<Cell>>& rows,
             double x = kLeft, double width = kRight - kLeft);
  // The height table() would take (no page breaks).
  double table_height(const std::vector<Column>& columns,
                      const std::vector<std::vector<Cell>>& rows, double width) const;

  // A QR symbol with its top-left quiet-zone corner at (x, y); returns its side with the zone.
  double qr(const QrSymbol& symbol, double x, double y, double module);
  // Code128 bars from (x, y), `module` wide each, `height` tall; returns the width with the
  // ten-module quiet zones.
  double code128(const std::vector<bool>& bars, double x, double y, double module, double height);

  Drawing finish(std::string title);

  static double line_height(double size) { return size * 1.35; }

 private:
  std::vector<double> column_widths(const std::vector<Column>& columns, double width) const;
  double row_height(const std::vector<Cell>& row, const std::vector<double>& widths) const;
  void draw_row(const std::vector<Cell>& row, const std::vector<double>& widths, double x,
                double height);
  // Lines [from, to) of each cell's wrapped `lines`, as one row `height` tall.
  void draw_lines(const std::vector<Cell>& row, const std::vector<std::vector<std::string>>& lines,
                  std::size_t from, std::size_t to, const std::vector<double>& widths, double x,
                  double height);
  PageOps& page() { return pages_.back(); }

  const FontFace& face_;
  std::vector<PageOps> pages_;
  double y_ = kTop;
};

}  // namespace keydesk::docs::internal
