// One row cut out for the recognizer: its grey pixels with ruled lines whitened and blank
// stretches shortened, or a character grid's cells set side by side; boxes on such an image
// mapped back to the page; and a blank column where a row can be cut in two.
#include "ocr/internal/page.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "ocr/internal/pix_util.h"

namespace keydesk::ocr::internal {
namespace {

// The ink of one row of text: `area` clipped to the page, and in it the ruled lines that cross
// the row (table borders, frames) or run far along it (underlines), grown a pixel for their
// anti-aliased edges, and the dark pixels that are not theirs. The thick strokes of a large
// title are long and thin too, but neither cross nor run far.
struct RowInk {
  Box area;
  PixPtr rules, ink;  // 1 bpp, area-sized; ink null when the area is empty
  PixPtr neighbours;  // 1 bpp, area-sized: marks of the lines above and below; may be null
};
RowInk row_ink(Pix* binary, Pix* rules, const Box& area) {
  RowInk row;
  const int x0 = std::clamp(area.x, 0, width_of(binary)),
            y0 = std::clamp(area.y, 0, height_of(binary));
  const int x1 = std::clamp(area.right(), 0, width_of(binary));
  const int y1 = std::clamp(area.bottom(), 0, height_of(binary));
  if (x1 - x0 < 4 || y1 - y0 < 4) return row;
  row.area = {x0, y0, x1 - x0, y1 - y0};
  BOX* clip_box = boxCreate(x0, y0, x1 - x0, y1 - y0);
  PixPtr ink(pixClipRectangle(binary, clip_box, nullptr));
  PixPtr ruled(pixClipRectangle(rules, clip_box, nullptr));
  boxDestroy(&clip_box);
  if (!ink || !ruled) return row;
  l_int32 changed = 0;
  PixPtr crossing(pixSelectBySize(ruled.get(), row.area.h * 5 / 2, row.area.h - 2, 8,
                                  L_SELECT_IF_EITHER, L_SELECT_IF_GTE, &changed));
  if (!crossing) return row;
  row.rules.reset(pixDilateBrick(nullptr, crossing.get(), 3, 3));
  pixSubtract(ink.get(), ink.get(), row.rules.get());
  row.ink = std::move(ink);
  return row;
}

// The grey pixels of `row`'s area, its ruled lines whitened and the marks of the lines above
// and below set to the area's middle grey (white specks on a grey card would read as strokes);
// null when they cannot be cut.
PixPtr row_grey(const LevelledGrey& grey, const RowInk& row) {
  PixPtr crop = grey.cut(row.area);
  if (!crop) return crop;
  l_float32 median = 255;
  if (row.neighbours &&
      pixGetRankValueMasked(crop.get(), nullptr, 0, 0, 1, 0.5f, &median, nullptr) == 0)
    pixSetMasked(crop.get(), row.neighbours.get(), static_cast<l_uint32>(median));
  pixSetMasked(crop.get(), row.rules.get(), 255);
  return crop;
}

// A row's area, padded, takes in the edge of the line above or below where they stand close (a
// code wrapped in its cell, 911101085744472 over 4XC, whose second line's tops come into the
// first's row); left, the recognizer reads the whole row askew (the code as OO). The marks of
// the page round `own` (the row's own box) whose middle is above or below it and which stay
// clear of its middle line are the other line's: they are cleared like ruled lines. The row's
// own marks have their middles inside it, and strokes it cut off reach its middle.
void clear_neighbouring_lines(Pix* binary, Pix* rules, const Box& own, RowInk& row) {
  const int y0 = std::max(0, row.area.y - row.area.h);
  const int y1 = std::min(height_of(binary), row.area.bottom() + row.area.h);
  BOX* clip_box = boxCreate(row.area.x, y0, row.area.w, y1 - y0);
  PixPtr ink(pixClipRectangle(binary, clip_box, nullptr));
  PixPtr ruled(pixClipRectangle(rules, clip_box, nullptr));
  boxDestroy(&clip_box);
  if (!ink || !ruled) return;
  pixSubtract(ink.get(), ink.get(), ruled.get());
  const int middle = own.y + own.h / 2 - y0, top = own.y - y0, foot = own.bottom() - y0;
  PIXA* marks = nullptr;
  BoxaPtr boxes(pixConnComp(ink.get(), &marks, 8));
  if (!boxes || !marks) {
    if (marks) pixaDestroy(&marks);
    return;
  }
  PixPtr theirs(pixCreateTemplate(ink.get()));
  bool any = false;
  for (int i = 0; i < boxaGetCount(boxes.get()); ++i) {
    const Box b = box_at(boxes.get(), i);
    const int centre = b.y + b.h / 2;
    // Specks (a grey card's grain) are left.
    if (b.h * 4 < own.h || (centre >= top && centre < foot) ||
        (b.y < middle && b.bottom() > middle))
      continue;
    PixPtr mark(pixaGetPix(marks, i, L_CLONE));
    pixRasterop(theirs.get(), b.x, b.y, b.w, b.h, PIX_SRC | PIX_DST, mark.get(), 0, 0);
    any = true;
  }
  pixaDestroy(&marks);
  if (!any) return;
  // Their pixels inside the area, grown a pixel for their anti-aliased edges.
  PixPtr grown(pixDilateBrick(nullptr, theirs.get(), 3, 3));
  PixPtr inside(pixCreateTemplate(row.ink.get()));
  pixRasterop(inside.get(), 0, 0, row.area.w, row.area.h, PIX_SRC, grown.get(), 0, row.area.y - y0);
  pixSubtract(row.ink.get(), row.ink.get(), inside.get());
  row.neighbours = std::move(inside);
}

}  // namespace

std::vector<bool> blank_columns(Pix* ink) {
  const int w = width_of(ink), h = height_of(ink);
  std::vector<bool> blank(static_cast<size_t>(w), true);
  const l_uint32* data = pixGetData(ink);
  const int wpl = pixGetWpl(ink);
  for (int y = 0; y < h; ++y) {
    const l_uint32* row = data + y * wpl;
    for (int x = 0; x < w; ++x)
      if (bit_at(row, x)) blank[static_cast<size_t>(x)] = false;
  }
  return blank;
}

void LineImage::squeeze(float factor) {
  PixPtr narrow(pixScale(pix.get(), factor, 1.0f));
  if (!narrow) return;
  x_scale *= static_cast<double>(pixGetWidth(narrow.get())) / pixGetWidth(pix.get());
  pix = std::move(narrow);
}

LineImage LineImage::turned(double radians) const {
  LineImage out;
  if (!pix || x_scale != 1.0 || turn != 0.0) return out;
  l_uint32 paper = 255;
  if (pixGetRankValue(pix.get(), 1, 0.5f, &paper) != 0) return out;
  out.pix.reset(
      pixRotateAMGray(pix.get(), static_cast<l_float32>(radians), static_cast<l_uint8>(paper)));
  if (!out.pix) return out;
  out.pieces = pieces;
  out.page_y = page_y;
  out.turn = radians;
  return out;
}

Box LineImage::to_page(const Box& squeezed) const {
  Box on_line = squeezed;
  if (x_scale != 1.0) {
    int left = static_cast<int>(squeezed.x / x_scale);
    int right = static_cast<int>(std::ceil(squeezed.right() / x_scale));
    on_line.x = left;
    on_line.w = right - left;
  }
  if (turn != 0.0 && pix) {
    // The box's middle turned back (counter-clockwise) about the image's middle; its size kept.
    const double cx = static_cast<double>(width_of(pix.get())) / x_scale / 2.0,
                 cy = static_cast<double>(height_of(pix.get())) / 2.0;
    const double bx = on_line.x + on_line.w / 2.0 - cx, by = on_line.y + on_line.h / 2.0 - cy;
    const double c = std::cos(turn), s = std::sin(turn);
    const double ox = c * bx + s * by + cx, oy = -s * bx + c * by + cy;
    on_line.x = static_cast<int>(std::lround(ox - on_line.w / 2.0));
    on_line.y = static_cast<int>(std::lround(oy - on_line.h / 2.0));
  }
  auto page_x = [this](int x) {
    for (const Piece& p : pieces)
      if (x < p.line_x + p.width) return p.page_x + std::max(0, x - p.line_x);
    return pieces.empty() ? x : pieces.back().page_x + pieces.back().width;
  };
  int left = page_x(on_line.x), right = page_x(std::max(on_line.x, on_line.right() - 1)) + 1;
  return {left, on_line.y + page_y, right - left, on_line.h};
}

double ink_slope(Pix* pix) {
  if (!pix || pixGetDepth(pix) != 8) return 0.0;
  const int w = width_of(pix), h = height_of(pix);
  if (h < 8 || w < 3 * h) return 0.0;
  l_uint32 paper = 255, dark = 0;
  if (pixGetRankValue(pix, 1, 0.5f, &paper) != 0 || pixGetRankValue(pix, 1, 0.02f, &dark) != 0)
    return 0.0;
  if (paper < dark + 40) return 0.0;
  const l_uint32 ink = (paper + dark) / 2;
  // Each column's inked rows, then the weighted least squares of the columns' middle rows.
  std::vector<double> rows(static_cast<size_t>(w), 0.0);
  std::vector<int> count(static_cast<size_t>(w), 0);
  const l_uint32* data = pixGetData(pix);
  const int wpl = pixGetWpl(pix);
  for (int y = 0; y < h; ++y) {
    const l_uint32* line = data + y * wpl;
    for (int x = 0; x < w; ++x)
      if (GET_DATA_BYTE(line, x) < ink) {
        rows[static_cast<size_t>(x)] += y;
        ++count[static_cast<size_t>(x)];
      }
  }
  double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  int inked = 0;
  for (int x = 0; x < w; ++x) {
    const int n = count[static_cast<size_t>(x)];
    if (n == 0) continue;
    ++inked;
    const double weight = std::sqrt(static_cast<double>(n)), y = rows[static_cast<size_t>(x)] / n;
    sw += weight;
    sx += weight * x;
    sy += weight * y;
    sxx += weight * x * x;
    sxy += weight * x * y;
  }
  if (inked < 2 * h) return 0.0;
  const double spread = sw * sxx - sx * sx;
  return spread > 0 ? (sw * sxy - sx * sy) / spread : 0.0;
}

LineImage turned_level(const LineImage& line) {
  constexpr double kSloped = 0.026, kSteepest = 0.27;  // about 1.5° and 15°
  const double slope = line.pix ? ink_slope(line.pix.get()) : 0.0;
  if (std::abs(slope) < kSloped || std::abs(slope) > kSteepest) return LineImage{};
  return line.turned(-std::atan(slope));
}

LineImage line_image(const LevelledGrey& grey, Pix* binary, Pix* rules, const Box& area,
                     const Box* own) {
  LineImage line;
  RowInk row = row_ink(binary, rules, area);
  if (!row.ink) return line;
  if (own) clear_neighbouring_lines(binary, rules, *own, row);
  PixPtr crop = row_grey(grey, row);
  if (!crop) return line;
  line.page_y = row.area.y;
  const int x0 = row.area.x, w = row.area.w, h = row.area.h;
  std::vector<bool> blank = blank_columns(row.ink.get());
  // Kept: every inked column, and up to `gap` blank ones between inked runs (half of them at
  // each side of the run) and at the ends.
  const int gap = std::max(8, area.h * 2 / 3);
  std::vector<std::pair<int, int>> runs;  // [from, to) of inked columns
  for (int x = 0; x < w;) {
    if (blank[static_cast<size_t>(x)]) {
      ++x;
      continue;
    }
    int end = x;
    while (end < w && !blank[static_cast<size_t>(end)]) ++end;
    if (!runs.empty() && x - runs.back().second <= gap)
      runs.back().second = end;
    else
      runs.emplace_back(x, end);
    x = end;
  }
  if (runs.empty()) runs.emplace_back(0, w);
  int line_w = 0;
  for (auto& [from, to] : runs) {
    from = std::max(0, from - gap / 2);
    to = std::min(w, to + gap / 2);
    line_w += to - from;
  }
  line.pix.reset(pixCreate(line_w, h, 8));
  pixSetAll(line.pix.get());
  int at = 0;
  for (auto [from, to] : runs) {
    pixRasterop(line.pix.get(), at, 0, to - from, h, PIX_SRC, crop.get(), from, 0);
    line.pieces.push_back({at, x0 + from, to - from});
    at += to - from;
  }
  return line;
}

LineImage grey_line_image(const LevelledGrey& grey, const Box& area) {
  LineImage line;
  line.pix = grey.cut(area);
  if (!line.pix) return line;
  line.page_y = area.y;
  line.pieces.push_back({0, area.x, width_of(line.pix.get())});
  return line;
}

LineImage levelled_line_image(const LevelledGrey& grey, Pix* binary, Pix* rules, const Box& area,
                              bool square, float scale) {
  LineImage line;
  RowInk row = row_ink(binary, rules, area);
  if (!row.ink) return line;
  PixPtr crop = row_grey(grey, row);
  if (!crop) return line;
  // The marks: runs of inked columns, each with its ink's top and foot.
  struct Mark {
    int from, to, top, foot;
  };
  std::vector<Mark> marks;
  const std::vector<bool> blank = blank_columns(row.ink.get());
  const int w = row.area.w, h = row.area.h;
  const l_uint32* data = pixGetData(row.ink.get());
  const int wpl = pixGetWpl(row.ink.get());
  for (int x = 0; x < w;) {
    if (blank[static_cast<size_t>(x)]) {
      ++x;
      continue;
    }
    Mark m{x, x, h, 0};
    while (m.to < w && !blank[static_cast<size_t>(m.to)]) ++m.to;
    for (int y = 0; y < h; ++y)
      for (int c = m.from; c < m.to; ++c)
        if (bit_at(data + y * wpl, c)) {
          m.top = std::min(m.top, y);
          m.foot = std::max(m.foot, y + 1);
          break;
        }
    x = m.to;
    // Specks (a dot of dust, a stroke's stray pixel) are no character.
    if (m.to - m.from >= 2 || m.foot - m.top >= 3) marks.push_back(m);
  }
  if (marks.size() < 2) return line;
  std::vector<int> heights;
  for (const Mark& m : marks) heights.push_back(m.foot - m.top);
  std::sort(heights.begin(), heights.end());
  // The characters' size: the taller marks' (a Chinese character's parts are narrower and
  // lower than it).
  const int size = std::max(4, heights[heights.size() * 3 / 4]);
  if (square) {
    // A Chinese character's parts (氵 and 工) make one mark as wide as it is tall at most.
    std::vector<Mark> grouped;
    for (const Mark& m : marks) {
      if (!grouped.empty() && m.to - grouped.back().from <= size * 23 / 20 &&
          m.from - grouped.back().to < size / 4) {
        Mark& g = grouped.back();
        g.to = m.to;
        g.top = std::min(g.top, m.top);
        g.foot = std::max(g.foot, m.foot);
      } else {
        grouped.push_back(m);
      }
    }
    marks = std::move(grouped);
  }
  int tallest = 0;
  for (const Mark& m : marks) tallest = std::max(tallest, m.foot - m.top);
  const int margin = std::max(6, size / 3);
  const int gap = std::max(3, square ? size / 6 : size / 4);
  int line_w = 2 * margin - gap;
  for (const Mark& m : marks) line_w += m.to - m.from + gap;
  const int line_h = tallest + 2 * margin;
  l_float32 median = 255;
  pixGetRankValueMasked(crop.get(), nullptr, 0, 0, 1, 0.5f, &median, nullptr);
  PixPtr set(pixCreate(line_w, line_h, 8));
  pixSetAllArbitrary(set.get(), static_cast<l_uint32>(median));
  int at = margin;
  for (const Mark& m : marks) {
    const int mh = m.foot - m.top;
    const int y = square ? (line_h - mh) / 2 : margin + tallest - mh;
    pixRasterop(set.get(), at, y, m.to - m.from, mh, PIX_SRC, crop.get(), m.from, m.top);
    line.pieces.push_back({at, row.area.x + m.from, m.to - m.from});
    at += m.to - m.from + gap;
  }
  line.page_y = row.area.y;
  line.pix = std::move(set);
  if (scale != 1.0f) {
    PixPtr larger(pixScale(line.pix.get(), scale, scale));
    if (!larger) return LineImage{};
    line.x_scale = static_cast<double>(pixGetWidth(larger.get())) / pixGetWidth(line.pix.get());
    line.pix = std::move(larger);
  }
  return line;
}

LineImage grid_line_image(const LevelledGrey& grey, Pix* binary, const Box& grid, int cells) {
  LineImage line;
  if (cells <= 0 || grid.w < cells) return line;
  PixPtr crop = grey.cut(grid);
  if (!crop) return line;
  // Each cell's ink, clear of its walls and of the lines above and below, set side by side a
  // narrow gap apart on the cells' own paper grey: the code as a printed row would be. White
  // gaps between grey cells would read as strokes.
  const double pitch = static_cast<double>(grid.w) / cells;
  const int inset = std::max(2, static_cast<int>(pitch * 0.15));
  const int top = std::max(2, grid.h / 8), h = grid.h - 2 * top;
  if (h <= 0 || pitch <= 2 * inset) return line;
  std::vector<std::pair<int, int>> inked;  // [from, to) in `crop` columns
  int ink_top = h, ink_foot = 0;           // the characters' band, in the cells' rows
  for (int c = 0; c < cells; ++c) {
    const int from = static_cast<int>(c * pitch) + inset;
    const int to = static_cast<int>((c + 1) * pitch) - inset;
    BOX* cell = boxCreate(grid.x + from, grid.y + top, to - from, h);
    PixPtr ink(pixClipRectangle(binary, cell, nullptr));
    boxDestroy(&cell);
    const std::optional<Box> fg = ink_extent(ink.get());
    if (!fg) continue;
    inked.emplace_back(std::max(from, from + fg->x - 1), std::min(to, from + fg->right() + 1));
    ink_top = std::min(ink_top, fg->y);
    ink_foot = std::max(ink_foot, fg->bottom());
  }
  if (inked.empty()) return line;
  // The band a pixel wider each way, with paper round it as round a printed line: set at the
  // image's edge, the first 9 of 91440305… read as Q1I; small print in a tall cell's band,
  // 91420106… as 914201L06.
  const int band_top = std::max(0, ink_top - 1), band = std::min(h, ink_foot + 1) - band_top;
  const int gap = std::max(3, band / 4), margin = std::max(gap, band * 2 / 3);
  const int above = std::max(3, band / 3);
  int line_w = 2 * margin - gap;
  for (auto [from, to] : inked) line_w += to - from + gap;
  l_int32 paper = 255;
  {
    BOX* inside = boxCreate(inset, top, grid.w - 2 * inset, h);
    PixPtr inner(pixClipRectangle(crop.get(), inside, nullptr));
    boxDestroy(&inside);
    l_float32 median = 255;
    if (inner && pixGetRankValueMasked(inner.get(), nullptr, 0, 0, 1, 0.5f, &median, nullptr) == 0)
      paper = static_cast<l_int32>(median);
  }
  line.pix.reset(pixCreate(line_w, band + 2 * above, 8));
  pixSetAllArbitrary(line.pix.get(), static_cast<l_uint32>(paper));
  line.page_y = grid.y + top + band_top - above;
  int at = margin;
  for (auto [from, to] : inked) {
    pixRasterop(line.pix.get(), at, above, to - from, band, PIX_SRC, crop.get(), from,
                top + band_top);
    line.pieces.push_back({at, grid.x + from, to - from});
    at += to - from + gap;
  }
  return line;
}

int blank_column(Pix* binary, Pix* rules, const Box& row, int x) {
  RowInk ink = row_ink(binary, rules, row);
  if (!ink.ink) return x;
  std::vector<bool> blank = blank_columns(ink.ink.get());
  for (int d = 0; d <= ink.area.h; ++d)
    for (int c : {x - ink.area.x - d, x - ink.area.x + d})
      if (c >= 0 && c < static_cast<int>(blank.size()) && blank[static_cast<size_t>(c)])
        return ink.area.x + c;
  return x;
}

}  // namespace keydesk::ocr::internal
