#include "docs_gen/internal/layout.h"

#include <algorithm>
#include <limits>

#include "docs_gen/internal/font.h"
#include "docs_gen/internal/wrap.h"

namespace keydesk::docs::internal {

namespace {
constexpr double kPad = 4;                          // cell padding, pt
constexpr double kQuietQr = 4, kQuietCode128 = 10;  // modules
}  // namespace

Sheet::Sheet(const FontFace& face) : face_(face) { pages_.emplace_back(); }

void Sheet::ensure(double points) {
  if (y_ + points > kBottom) new_page();
}

void Sheet::new_page() {
  pages_.emplace_back();
  y_ = kTop;
}

double Sheet::width(std::string_view text, double size) const {
  return text_width(text, [&](char32_t cp) { return face_.advance(cp) * size / 1000; });
}

std::vector<std::string> Sheet::wrap(std::string_view text, double w, double size) const {
  return wrap_text(text, w, [&](char32_t cp) { return face_.advance(cp) * size / 1000; });
}

void Sheet::title(const std::string& text, const std::string& field) {
  const double size = 22;
  ensure(line_height(size));
  text_at((kLeft + kRight - width(text, size)) / 2, y_ + size * 0.9, text, field, size, true);
  y_ += line_height(size);
}

void Sheet::paragraph(const std::string& text, const std::string& field, double size, bool bold,
                      double x, double w) {
  for (const auto& line : wrap(text, w, size)) {
    ensure(line_height(size));
    text_at(x, y_ + size * 0.9, line, field, size, bold);
    y_ += line_height(size);
  }
}

void Sheet::text_at(double x, double baseline, const std::string& text, const std::string& field,
                    double size, bool bold) {
  if (text.empty()) return;
  page().texts.push_back({x, baseline, size, bold, text, field});
}

void Sheet::rule(double x1, double x2, double w) { page().lines.push_back({x1, y_, x2, y_, w}); }

std::vector<double> Sheet::column_widths(const std::vector<Column>& columns, double w) const {
  double total = 0;
  for (const auto& c : columns) total += c.share;
  std::vector<double> widths;
  for (const auto& c : columns) widths.push_back(w * c.share / total);
  return widths;
}

double Sheet::row_height(const std::vector<Cell>& row, const std::vector<double>& widths) const {
  std::size_t lines = 1;
  for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i)
    lines = std::max(lines, wrap(row[i].text, widths[i] - 2 * kPad, kBody).size());
  return static_cast<double>(lines) * line_height(kBody) + 2 * kPad;
}

void Sheet::draw_row(const std::vector<Cell>& row, const std::vector<double>& widths, double x,
                     double height) {
  std::vector<std::vector<std::string>> lines;
  for (std::size_t i = 0; i < widths.size(); ++i)
    lines.push_back(i < row.size() ? wrap(row[i].text, widths[i] - 2 * kPad, kBody)
                                   : std::vector<std::string>{});
  draw_lines(row, lines, 0, std::numeric_limits<std::size_t>::max(), widths, x, height);
}

void Sheet::draw_lines(const std::vector<Cell>& row,
                       const std::vector<std::vector<std::string>>& lines, std::size_t from,
                       std::size_t to, const std::vector<double>& widths, double x, double height) {
  double right = x;
  for (double w : widths) right += w;
  rule(x, right);
  double cx = x;
  for (std::size_t i = 0; i < widths.size(); ++i) {
    page().lines.push_back({cx, y_, cx, y_ + height, kRule});
    if (i < row.size()) {
      double baseline = y_ + kPad + kBody * 0.95;
      for (std::size_t k = from; k < lines[i].size() && k < to; ++k) {
        text_at(cx + kPad, baseline, lines[i][k], row[i].field, kBody, row[i].bold);
        baseline += line_height(kBody);
      }
    }
    cx += widths[i];
  }
  page().lines.push_back({right, y_, right, y_ + height, kRule});
  y_ += height;
  rule(x, right);
}

double Sheet::table_height(const std::vector<Column>& columns,
                           const std::vector<std::vector<Cell>>& rows, double w) const {
  auto widths = column_widths(columns, w);
  double h = 0;
  bool header =
      std::any_of(columns.begin(), columns.end(), [](auto& c) { return !c.title.empty(); });
  if (header) {
    std::vector<Cell> head;
    for (const auto& c : columns) head.push_back({c.title, "column title", true});
    h += row_height(head, widths);
  }
  for (const auto& row : rows) h += row_height(row, widths);
  return h;
}

void Sheet::table(const std::vector<Column>& columns, const std::vector<std::vector<Cell>>& rows,
                  double x, double w) {
  auto widths = column_widths(columns, w);
  std::vector<Cell> head;
  for (const auto& c : columns) head.push_back({c.title, "column title", true});
  bool has_header =
      std::any_of(columns.begin(), columns.end(), [](auto& c) { return !c.title.empty(); });
  double head_height = has_header ? row_height(head, widths) : 0;
  if (has_header) {
    // The header with its first row, or with a first line of a row taller than a page.
    ensure(head_height + (rows.empty() ? 0
                                       : std::min(row_height(rows.front(), widths),
                                                  line_height(kBody) * 3 + 2 * kPad)));
    draw_row(head, widths, x, head_height);
  }
  const double page_room = kBottom - kTop - head_height;
  for (const auto& row : rows) {
    double h = row_height(row, widths);
    if (y_ + h <= kBottom) {
      draw_row(row, widths, x, h);
      continue;
    }
    if (h <= page_room) {  // it fits on a page of its own: start one
      new_page();
      if (has_header) draw_row(head, widths, x, head_height);
      draw_row(row, widths, x, h);
      continue;
    }
    // Taller than a page (a remark of thousands of characters): its lines run on over as many
    // pages as they need, the header repeated, nothing cut.
    std::vector<std::vector<std::string>> lines;
    std::size_t total = 1;
    for (std::size_t i = 0; i < widths.size(); ++i) {
      lines.push_back(i < row.size() ? wrap(row[i].text, widths[i] - 2 * kPad, kBody)
                                     : std::vector<std::string>{});
      total = std::max(total, lines.back().size());
    }
    for (std::size_t from = 0; from < total;) {
      auto fit =
          static_cast<std::size_t>(std::max(0.0, (kBottom - y_ - 2 * kPad) / line_height(kBody)));
      if (fit == 0) {
        new_page();
        if (has_header) draw_row(head, widths, x, head_height);
        continue;
      }
      const std::size_t to = std::min(total, from + fit);
      draw_lines(row, lines, from, to, widths, x,
                 static_cast<double>(to - from) * line_height(kBody) + 2 * kPad);
      from = to;
      if (from < total) {
        new_page();
        if (has_header) draw_row(head, widths, x, head_height);
      }
    }
  }
}

double Sheet::qr(const QrSymbol& symbol, double x, double y, double module) {
  const double origin_x = x + kQuietQr * module, origin_y = y + kQuietQr * module;
  for (int row = 0; row < symbol.size; ++row) {
    for (int col = 0; col < symbol.size;) {
      if (!symbol.at(col, row)) {
        ++col;
        continue;
      }
      int run = col;
      while (run < symbol.size && symbol.at(run, row)) ++run;
      page().boxes.push_back(
          {origin_x + col * module, origin_y + row * module, (run - col) * module, module});
      col = run;
    }
  }
  return (symbol.size + 2 * kQuietQr) * module;
}

double Sheet::code128(const std::vector<bool>& bars, double x, double y, double module,
                      double height) {
  const double origin = x + kQuietCode128 * module;
  for (std::size_t i = 0; i < bars.size();) {
    if (!bars[i]) {
      ++i;
      continue;
    }
    std::size_t run = i;
    while (run < bars.size() && bars[run]) ++run;
    page().boxes.push_back({origin + static_cast<double>(i) * module, y,
                            static_cast<double>(run - i) * module, height});
    i = run;
  }
  return (static_cast<double>(bars.size()) + 2 * kQuietCode128) * module;
}

Drawing Sheet::finish(std::string title) { return Drawing{std::move(title), std::move(pages_)}; }

}  // namespace keydesk::docs::internal
