// The page's text rows and ruled lines (text_layout): long thin runs and the walls of character
// grids taken out as rules, characters gathered into rows on one baseline (pictures left out,
// rows run together parted where their ink thins), and each row's glyph height and its run of
// code-shaped glyphs.
#include "ocr/internal/page.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <optional>
#include <vector>

#include "ocr/internal/pix_util.h"

namespace keydesk::ocr::internal {

int middle_value(std::vector<int> values) {
  if (values.empty()) return 0;
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

std::vector<Box> marks_in(Pix* binary, const Box& block) {
  PixPtr clip = clip_of(binary, block);
  if (!clip) return {};
  std::vector<Box> marks = mark_boxes(clip.get());
  std::sort(marks.begin(), marks.end(), [](const Box& a, const Box& b) { return a.x < b.x; });
  return marks;
}
namespace {

Box united(const Box& a, const Box& b) {
  const int x = std::min(a.x, b.x), y = std::min(a.y, b.y);
  return {x, y, std::max(a.right(), b.right()) - x, std::max(a.bottom(), b.bottom()) - y};
}

// The connected components of `text` whose centre lies in each of `rows`, left to right.
std::vector<std::vector<Box>> components_by_row(Pix* text, const std::vector<Box>& rows) {
  std::vector<std::vector<Box>> out(rows.size());
  for (const Box& c : mark_boxes(text)) {
    int cx = c.x + c.w / 2, cy = c.y + c.h / 2;
    // Rows are sorted by their middle; few overlap, so a linear scan is cheap enough.
    for (size_t r = 0; r < rows.size(); ++r) {
      const Box& b = rows[r];
      if (cx >= b.x && cx < b.right() && cy >= b.y && cy < b.bottom()) {
        out[r].push_back(c);
        break;
      }
    }
  }
  for (auto& row : out)
    std::sort(row.begin(), row.end(), [](const Box& a, const Box& b) { return a.x < b.x; });
  return out;
}

// The height of the taller components of a row (a tenth of them are taller), `fallback` when
// it has none.
int glyph_height(const std::vector<Box>& glyphs, int fallback) {
  if (glyphs.empty()) return fallback;
  std::vector<int> heights;
  for (const Box& g : glyphs) heights.push_back(g.h);
  auto at = heights.begin() + static_cast<std::ptrdiff_t>(heights.size() * 9 / 10);
  std::nth_element(heights.begin(), at, heights.end());
  return *at;
}

// The longest run of code-like glyphs among a row's components (see TextRow::code_run); *extent
// gets the run's box, widened over the glyphs that continue it (below), and *wraps whether the
// run goes on on a line under it.
int code_run(const std::vector<Box>& glyphs, Box* extent, bool* wraps) {
  int tallest = 0;
  for (const Box& g : glyphs) tallest = std::max(tallest, g.h);
  // Digits and capitals stand full height; a Chinese character breaks into strokes of every
  // size, and its narrow full-height parts (亻, 丨) seldom come fifteen in a row.
  int best = 0, run = 0, last_right = -1, last_h = 0;
  size_t first = 0, best_first = 0, best_last = 0;
  for (size_t i = 0; i < glyphs.size(); ++i) {
    const Box& g = glyphs[i];
    if (g.h * 10 < tallest * 5)
      continue;  // punctuation, dots: neither part of nor a break in a run
    bool digit_like = g.w * 10 >= g.h * 2 && g.w * 10 <= g.h * 9;
    bool close = last_right >= 0 && g.x - last_right <= g.h && std::abs(g.h - last_h) * 5 <= g.h;
    run = digit_like ? (close ? run + 1 : 1) : 0;
    if (run == 1) first = i;
    if (run > best) best = run, best_first = first, best_last = i;
    last_right = g.right();
    last_h = g.h;
  }
  if (best == 0) return 0;
  // A code wrapped in its cell (913301069252 over 56681X) runs on both lines, its glyphs side by
  // side in the row's order: the run is its first line, the line under it is read as a row of
  // its own (and joined by ocr/internal/fields.cpp's wrapped_codes).
  // Counted as in the run: full-height glyphs, not the specks and dots between them.
  auto counts = [tallest](const Box& g) { return g.h * 10 >= tallest * 5; };
  std::vector<int> heights;
  int top = std::numeric_limits<int>::max();
  for (size_t i = best_first; i <= best_last; ++i)
    if (counts(glyphs[i])) {
      heights.push_back(glyphs[i].h);
      top = std::min(top, glyphs[i].y);
    }
  const int glyph_h = middle_value(heights);
  // Two lines, not one tilted: whole glyphs one above the other.
  bool two_lines = false;
  const Box* last = nullptr;
  for (size_t i = best_first; i <= best_last && !two_lines; ++i) {
    const Box& g = glyphs[i];
    if (!counts(g)) continue;
    two_lines = last && std::min(last->h, g.h) * 10 >= glyph_h * 7 &&
                g.x * 2 < last->x + last->right() &&
                (g.y >= last->bottom() || last->y >= g.bottom());
    last = &g;
  }
  auto on_line = [&](const Box& g) {
    return !two_lines || (g.y + g.h / 2) * 10 < top * 10 + glyph_h * 11;
  };
  auto unite_run = [&] {
    bool any = false;
    for (size_t i = best_first; i <= best_last; ++i)
      if (on_line(glyphs[i])) {
        *extent = any ? united(*extent, glyphs[i]) : glyphs[i];
        any = true;
      }
    return any;
  };
  if (!unite_run()) {  // no glyph on the first line (a glyph far taller than the rest): one run
    two_lines = false;
    unite_run();
  }
  *wraps = two_lines;
  // A narrow 1, or two characters printed touching (MA, 05), breaks the run short of the code;
  // the glyphs of the same height that follow it at the same spacing continue it, up to the
  // width of 19 characters at the run's pitch (an 18-character code, and slack for the pitch).
  const int limit = extent->w * 19 / best, height = extent->h;
  auto continues = [&](const Box& g, int gap) {
    return g.h * 10 >= height * 7 && g.h * 10 <= height * 13 && gap <= height / 2 &&
           united(*extent, g).w <= limit;
  };
  for (size_t i = best_last + 1; i < glyphs.size(); ++i) {
    if (!on_line(glyphs[i])) continue;
    if (glyphs[i].x < extent->right()) {  // a piece of a glyph already in (the dot of an i)
      *extent = united(*extent, glyphs[i]);
      continue;
    }
    // A glyph pale print broke in pieces (a 2 as its bowl and its foot): its pieces one above
    // the other, taken together.
    Box glyph = glyphs[i];
    for (size_t j = i + 1; j < glyphs.size() && glyphs[j].x < glyph.right(); ++j)
      if (on_line(glyphs[j])) glyph = united(glyph, glyphs[j]);
    if (!continues(glyph, glyph.x - extent->right())) break;
    *extent = united(*extent, glyph);
  }
  for (size_t i = best_first; i-- > 0;) {
    if (glyphs[i].right() > extent->x || !on_line(glyphs[i])) continue;
    if (!continues(glyphs[i], extent->x - glyphs[i].right())) break;
    *extent = united(*extent, glyphs[i]);
  }
  return best;
}

// The walls of a character grid (a code written one character to a box) are too short for the
// page's vertical rules: five or more thin posts of one height, standing side by side at an even
// pitch, go to `rules`. Strokes of characters are seldom so many, so alike and so evenly spaced.
// Returns each grid's extent, wall to wall, with its count of cells.
std::vector<std::pair<Box, int>> add_cell_walls(Pix* binary, Pix* rules) {
  std::vector<std::pair<Box, int>> grids;
  // Thin faint walls come out of binarising with gaps and sideways steps of a pixel: widened
  // and closed first.
  PixPtr widened(pixDilateBrick(nullptr, binary, 3, 1));
  if (!widened) return grids;
  PixPtr closed(pixCloseBrick(nullptr, widened.get(), 1, 5));
  if (!closed) return grids;
  PixPtr posts(pixOpenCompBrickDwa(nullptr, closed.get(), 1, 25));
  if (!posts) return grids;
  Pixa* pieces = nullptr;
  BoxaPtr boxes(pixConnComp(posts.get(), &pieces, 8));
  if (!boxes || !pieces) {
    if (pieces) pixaDestroy(&pieces);
    return grids;
  }
  std::vector<std::pair<Box, int>> thin;  // post, index in `pieces`
  for (int i = 0, n = boxaGetCount(boxes.get()); i < n; ++i) {
    Box b = box_at(boxes.get(), i);
    if (b.w <= 5 && b.h <= 90) thin.emplace_back(b, i);
  }
  std::sort(thin.begin(), thin.end(), [](const auto& a, const auto& b) {
    return a.first.y != b.first.y ? a.first.y < b.first.y : a.first.x < b.first.x;
  });
  std::vector<bool> taken(thin.size(), false);
  for (size_t i = 0; i < thin.size(); ++i) {
    if (taken[i]) continue;
    const Box& first = thin[i].first;
    // The posts level with this one, left to right.
    std::vector<size_t> line;
    for (size_t j = i; j < thin.size() && thin[j].first.y <= first.y + 3; ++j)
      if (!taken[j] && std::abs(thin[j].first.h - first.h) <= 3) line.push_back(j);
    std::sort(line.begin(), line.end(),
              [&thin](size_t a, size_t b) { return thin[a].first.x < thin[b].first.x; });
    // Runs of posts at an even pitch between half and three times their height.
    size_t from = 0;
    auto take = [&](size_t to) {
      if (to - from < 5) return;
      Box extent = thin[line[from]].first;
      for (size_t k = from; k < to; ++k) {
        extent = united(extent, thin[line[k]].first);
        taken[line[k]] = true;
        const auto& [b, index] = thin[line[k]];
        // The wall's own pixels, not the widened post.
        PixPtr piece(pixaGetPix(pieces, index, L_COPY));
        pixRasterop(piece.get(), 0, 0, b.w, b.h, PIX_SRC & PIX_DST, binary, b.x, b.y);
        pixRasterop(rules, b.x, b.y, b.w, b.h, PIX_SRC | PIX_DST, piece.get(), 0, 0);
      }
      grids.emplace_back(extent, static_cast<int>(to - from) - 1);
    };
    for (size_t k = 1; k <= line.size(); ++k) {
      bool even = false;
      if (k < line.size()) {
        const int pitch = thin[line[k]].first.x - thin[line[k - 1]].first.x;
        const int first_pitch =
            k - from >= 2 ? thin[line[from + 1]].first.x - thin[line[from]].first.x : pitch;
        even = pitch * 2 >= first.h && pitch <= first.h * 3 &&
               std::abs(pitch - first_pitch) * 4 <= first_pitch;
      }
      if (!even) {
        take(k);
        from = k;
      }
    }
  }
  pixaDestroy(&pieces);
  return grids;
}

// A label's print with handwriting right after it, closer than the smear joins (签字/盖章：程玲倩
// in a brush hand twice the print's height): one block as tall as the hand, in which the label,
// read at the hand's height, is lost. Its leading characters of print height, three or more,
// are parted from the rest where a mark taller than print begins, or one that stands well above
// or below their line (a brush hand's first stroke, no taller than print but higher: 签字：邓丹莉;
// a tilted line's characters climb a little each). False when it is no such block.
bool split_print_from_hand(Pix* text, const Box& block, int print_height, std::vector<Box>& out) {
  std::vector<Box> marks = marks_in(text, block);
  std::erase_if(marks, [](const Box& m) { return m.w * m.h < 4; });
  // The head: marks no taller than print, before the first taller one or, after three, the first
  // as tall as print that stands half a print's height above or below their line (not a speck).
  const int tall = print_height * 3 / 2;
  size_t head = 0;
  int head_right = 0, top = block.h, bottom = 0;
  while (head < marks.size() && marks[head].h <= tall) {
    const Box& m = marks[head];
    if (head >= 3 && m.h >= print_height &&
        (m.y < top - print_height / 2 || m.bottom() > bottom + print_height / 2))
      break;
    head_right = std::max(head_right, m.right());
    top = std::min(top, m.y), bottom = std::max(bottom, m.bottom());
    ++head;
  }
  if (head == marks.size() || head < 3 || head_right < print_height * 2) return false;
  // Strokes of the hand that reach back over the head's end are the hand's: the head stops
  // before them.
  const int hand_left = marks[head].x;
  if (hand_left < head_right - print_height / 2 || bottom - top > tall) return false;
  // Print that goes on past the tall mark (an ID number a seal's edge crosses) is no hand.
  const auto print_after =
      std::count_if(marks.begin() + static_cast<ptrdiff_t>(head), marks.end(), [&](const Box& m) {
        return m.h <= tall && m.h * 10 >= print_height * 6 && m.y >= top - 2 &&
               m.bottom() <= bottom + 2;
      });
  if (print_after >= 3) return false;
  out.push_back({block.x, block.y + top, std::min(head_right, hand_left), bottom - top});
  out.push_back({block.x + hand_left, block.y, block.w - hand_left, block.h});
  return true;
}

// `block`, rows of `text` run together, parted into rows at the bands where its ink is thin
// (no more than a stroke crossing between the rows).
void split_at_thin_ink(Pix* text, const Box& block, std::vector<Box>& out) {
  PixPtr clip = clip_of(text, block);
  NUMA* counts = clip ? pixCountPixelsByRow(clip.get(), nullptr) : nullptr;
  if (!counts) {
    out.push_back(block);
    return;
  }
  const int thin = std::max(3, block.w / 50);
  int from = -1;
  size_t before = out.size();
  auto end_band = [&](int to) {
    if (from >= 0 && to - from >= 9) {
      Box band{block.x, block.y + from, block.w, to - from};
      PixPtr piece = clip_of(clip.get(), {0, from, block.w, to - from});
      if (const std::optional<Box> ink = ink_extent(piece.get()))
        band = {block.x + ink->x, block.y + from + ink->y, ink->w, ink->h};
      if (band.h >= 9 && band.w >= 8) out.push_back(band);
    }
    from = -1;
  };
  for (int y = 0; y < block.h; ++y) {
    l_int32 count = 0;
    numaGetIValue(counts, y, &count);
    if (count > thin) {
      if (from < 0) from = y;
    } else if (from >= 0) {
      end_band(y);
    }
  }
  end_band(block.h);
  numaDestroy(&counts);
  if (out.size() == before) out.push_back(block);
}

// The print of `ink` (1 bpp) inside `area` parted along its blank bands, across and then down, in
// turn (an XY cut), at most `depth` times deep: rows of a card from its photo and from the
// remains of its edge. A band is blank where ink crosses no more than a thirtieth of it (specks,
// the edge's remains); down the page it must be 8 pixels wide (words a row's joining puts
// together again). Leaves go to `out` as their ink's box.
void cut_at_blank_bands(Pix* ink, const Box& area, int depth, std::vector<Box>& out) {
  PixPtr clip = clip_of(ink, area);
  if (!clip) return;
  // The area cut to its ink, as a box and as pixels.
  BOX* fg = nullptr;
  Pix* fg_pix = nullptr;
  if (pixClipBoxToForeground(clip.get(), nullptr, &fg_pix, &fg) != 0 || !fg || !fg_pix) {
    if (fg) boxDestroy(&fg);
    if (fg_pix) pixDestroy(&fg_pix);
    return;
  }
  PixPtr inked(fg_pix);
  l_int32 fx = 0, fy = 0, fw = 0, fh = 0;
  boxGetGeometry(fg, &fx, &fy, &fw, &fh);
  boxDestroy(&fg);
  const Box tight{area.x + fx, area.y + fy, fw, fh};
  if (depth == 0) {
    out.push_back(tight);
    return;
  }
  // Bands of ink along one direction: [from, to) in the tight box's coordinates.
  auto bands = [&](bool across) {
    NUMA* counts =
        across ? pixCountPixelsByRow(inked.get(), nullptr) : pixCountByColumn(inked.get(), nullptr);
    std::vector<std::pair<int, int>> found;
    if (!counts) return found;
    const int length = across ? tight.h : tight.w, breadth = across ? tight.w : tight.h;
    const int blank = std::max(2, breadth / 30), least_gap = across ? 2 : 8;
    int from = -1, last_ink = -1;
    for (int i = 0; i < length; ++i) {
      l_int32 count = 0;
      numaGetIValue(counts, i, &count);
      if (count <= blank) continue;
      if (from < 0)
        from = i;
      else if (i - last_ink - 1 >= least_gap)
        found.emplace_back(from, last_ink + 1), from = i;
      last_ink = i;
    }
    if (from >= 0) found.emplace_back(from, last_ink + 1);
    numaDestroy(&counts);
    return found;
  };
  for (const bool across : {true, false}) {
    const auto parts = bands(across);
    if (parts.size() < 2) continue;
    for (const auto& [from, to] : parts)
      cut_at_blank_bands(ink,
                         across ? Box{tight.x, tight.y + from, tight.w, to - from}
                                : Box{tight.x + from, tight.y, to - from, tight.h},
                         depth - 1, out);
    return;
  }
  out.push_back(tight);
}

// A frame round print (an ID card's edge on a dark copy, a box drawn round a notice) that the
// smear joins to the characters beside it, through the specks between them, makes one block as
// tall as the frame: no row, and dropped with all the print inside. The block's frame is its
// marks taller than an eighth of the page or wider than a quarter (no row is) with little ink for
// their box, under three tenths (a thin outline, not
// a photo or a QR code's modules); they are taken out of `text` (not put among the ruled lines:
// a signature's large loop is no frame to the signature check), and the print inside is smeared
// again without the specks (marks of three pixels or fewer). Returns the blocks found inside, in
// page coordinates; none when the block has no frame.
std::vector<Box> inside_frame(Pix* text, const Box& block) {
  const int page_w = width_of(text), page_h = height_of(text);
  std::vector<Box> inner;
  PixPtr clip = clip_of(text, block);
  if (!clip) return inner;
  Pixa* pieces = nullptr;
  BoxaPtr boxes(pixConnComp(clip.get(), &pieces, 8));
  if (!boxes || !pieces) {
    if (pieces) pixaDestroy(&pieces);
    return inner;
  }
  bool framed = false;
  for (int i = 0, n = boxaGetCount(boxes.get()); i < n; ++i) {
    const Box b = box_at(boxes.get(), i);
    PixPtr piece(pixaGetPix(pieces, i, L_CLONE));
    l_int32 ink = 0;
    pixCountPixels(piece.get(), &ink, nullptr);
    const bool spans = b.h * 8 > page_h || b.w * 4 > page_w;
    const bool frame = spans && static_cast<double>(ink) < 0.3 * b.w * b.h;
    if (!frame && ink > 3) continue;
    // Either way out of the print inside; a frame also out of the page's text, so that it is
    // no glyph of the rows found inside it.
    pixRasterop(clip.get(), b.x, b.y, b.w, b.h, PIX_NOT(PIX_SRC) & PIX_DST, piece.get(), 0, 0);
    if (frame) {
      framed = true;
      pixRasterop(text, block.x + b.x, block.y + b.y, b.w, b.h, PIX_NOT(PIX_SRC) & PIX_DST,
                  piece.get(), 0, 0);
    }
  }
  pixaDestroy(&pieces);
  if (!framed) return inner;
  PixPtr smeared(pixCloseCompBrickDwa(nullptr, clip.get(), 21, 3));
  for (const Box& b : mark_boxes(smeared.get())) {
    // Still too tall for a row (the remains of the frame's other sides, no longer one mark,
    // chain the print to them): parted along its blank bands.
    if (b.h * 8 > page_h)
      cut_at_blank_bands(clip.get(), b, 8, inner);
    else
      inner.push_back(b);
  }
  for (Box& b : inner) b.x += block.x, b.y += block.y;
  return inner;
}

}  // namespace

std::optional<Box> print_head(Pix* binary, const Box& block, int least_height, Box* whole) {
  const std::vector<Box> marks = marks_in(binary, block);
  // The print's band: the middle top, foot and height of the first five characters.
  std::vector<int> tops, feet, heights;
  for (const Box& m : marks)
    if (m.h >= least_height && tops.size() < 5)
      tops.push_back(m.y), feet.push_back(m.bottom()), heights.push_back(m.h);
  if (tops.size() < 3) return std::nullopt;
  const int top = middle_value(tops), foot = middle_value(feet), print = middle_value(heights);
  // Print: marks within the band and no taller than print; specks (a colon, a seal's remains)
  // neither end the head nor count. The head ends at the first other mark, the hand's.
  const int slack = std::max(2, print / 4);
  int right = 0, characters = 0;
  int head_top = top, head_foot = foot;  // the head's highest and lowest ink
  for (const Box& m : marks) {
    if (m.w * 3 < print && m.h * 3 < print) continue;
    if (m.h * 10 > print * 13 || m.y < top - slack || m.bottom() > foot + slack) {
      if (characters < 3 || m.x < right - print / 2) return std::nullopt;
      if (whole) *whole = {block.x, block.y + head_top, std::min(right, m.x), head_foot - head_top};
      return Box{block.x, block.y + top, std::min(right, m.x), foot - top};
    }
    right = std::max(right, m.right());
    head_top = std::min(head_top, m.y), head_foot = std::max(head_foot, m.bottom());
    ++characters;
  }
  return std::nullopt;  // print to the end: no hand
}

// A frame's hatched band down a page's side (a business licence's border: two rules with
// hatching between, 14–24 pixels wide): no text, and smeared it joined every row beside it (名称
// 北京百川国际贸易有限公司 read 敬称。所京一|国际员易看眼公司). A column of the page's outer
// eighths whose ink meets four in five of the page's stretches of 16 pixels down it is taken
// out, with the margin outside it: a column through print meets ink on its lines only, and a
// frame's hatching on every stretch it runs down. (Across the page, a row of pixels through a full
// line of text meets ink as often: the top and bottom bands are left.)
namespace {
constexpr int kStretch = 16;
void clear_hatched_sides(Pix* text) {
  const int w = width_of(text), h = height_of(text);
  const int stretches = h / kStretch, margin = w / 8;
  if (stretches < 10 || margin < 1) return;
  const l_uint32* data = pixGetData(text);
  const l_int32 wpl = pixGetWpl(text);
  std::vector<int> columns;
  for (int x = 0; x < w; ++x)
    if (x < margin || x >= w - margin) columns.push_back(x);
  std::vector<int> met(columns.size(), 0);
  std::vector<bool> inked;
  for (int s = 0; s < stretches; ++s) {
    inked.assign(columns.size(), false);
    for (int y = s * kStretch; y < (s + 1) * kStretch; ++y) {
      const l_uint32* line = data + static_cast<ptrdiff_t>(y) * wpl;
      for (size_t c = 0; c < columns.size(); ++c)
        if (!inked[c] && bit_at(line, columns[c])) inked[c] = true;
    }
    for (size_t c = 0; c < columns.size(); ++c) met[c] += inked[c];
  }
  // The band, and the page's margin outside it (a copy's edge, specks) that would otherwise
  // join the rows beside the band now that it is gone; the band's inner edge, its hatching
  // lighter there, until its rule (taken out already) leaves the column blank.
  auto meets = [&](size_t c, int share) { return met[c] * 5 >= stretches * share; };
  size_t left = 0, right = columns.size();  // columns [0, left) and [right, …) are cleared
  for (size_t c = 0; c < columns.size(); ++c)
    if (meets(c, 4)) {
      if (columns[c] < margin)
        left = std::max(left, c + 1);
      else
        right = std::min(right, c);
    }
  while (left > 0 && left < columns.size() && columns[left] < margin && meets(left, 2)) ++left;
  while (right < columns.size() && right > 0 && columns[right - 1] >= w - margin &&
         meets(right - 1, 2))
    --right;
  auto clear = [text, h](int from, int to) {
    BOX* band = boxCreate(from, 0, to - from, h);
    pixClearInRect(text, band);
    boxDestroy(&band);
  };
  if (left > 0) clear(0, columns[left - 1] + 1);
  if (right < columns.size()) clear(columns[right], w);
}
}  // namespace

// A ruled line is at least this many times as long as it is thick; a title's strokes are not.
// (Horizontal runs are measured on the page thickened by two pixels across them.)
constexpr float kRuleLength = 16.0f, kThickenedRuleLength = 12.0f;

Layout text_layout(Pix* binary) {
  const int w = width_of(binary), h = height_of(binary);
  // Ruled lines (tables, underlines, frames) are long thin runs; take them out so they neither
  // join rows nor look like text.
  Layout layout;
  // A thin line scanned a little askew steps by a pixel now and then: the runs are looked for
  // on the page thickened across them, and the line is then its own pixels in that run.
  // Ruled lines are thin for their length; the strokes of large print (a title's 一 and 丨)
  // are as long but several times as thick, and stay text.
  PixPtr thick(pixDilateBrick(nullptr, binary, 1, 3));
  PixPtr runs(pixOpenCompBrickDwa(nullptr, thick.get(), std::max(60, w / 20), 1));
  layout.rules.reset(
      pixSelectByWidthHeightRatio(runs.get(), kThickenedRuleLength, 8, L_SELECT_IF_GTE, nullptr));
  pixAnd(layout.rules.get(), layout.rules.get(), binary);
  // A faint or skewed vertical rule comes out of binarising broken and stepping sideways: it
  // is looked for widened a pixel each way and with its gaps closed, then is its own pixels
  // there. Unfound, its pieces join the cells' text beside it into one block the height of the
  // table, which is no row at all. A wall one table row high counts (a label cell over two
  // lines beside its value: 统一社会信用代 / 码 | 9133…): a fortieth of the page, not a
  // twenty-fifth.
  PixPtr widened(pixDilateBrick(nullptr, binary, 3, 1));
  PixPtr bridged(pixCloseBrick(nullptr, widened.get(), 1, 5));
  PixPtr posts(pixOpenCompBrickDwa(nullptr, bridged.get(), 1, std::max(40, h / 40)));
  // Thin for their length, and thin outright (a large title's 丨 is long too, but thick).
  PixPtr slim(pixSelectBySize(posts.get(), 7, 0, 8, L_SELECT_WIDTH, L_SELECT_IF_LTE, nullptr));
  PixPtr vertical(
      pixSelectByWidthHeightRatio(slim.get(), 1.6f / kRuleLength, 8, L_SELECT_IF_LTE, nullptr));
  pixAnd(vertical.get(), vertical.get(), binary);
  const std::vector<std::pair<Box, int>> grids = add_cell_walls(binary, layout.rules.get());
  pixOr(layout.rules.get(), layout.rules.get(), vertical.get());
  PixPtr text(pixSubtract(nullptr, binary, layout.rules.get()));
  clear_hatched_sides(text.get());
  // Characters of a phrase are a few pixels apart at 150 dpi; a label and its value further.
  PixPtr smeared(pixCloseCompBrickDwa(nullptr, text.get(), 21, 3));
  std::vector<Box> segments;
  std::vector<Box> blocks;
  auto in_grid = [&grids](const Box& b) {
    const int cx = b.x + b.w / 2, cy = b.y + b.h / 2;
    return std::any_of(grids.begin(), grids.end(), [&](const auto& g) {
      return cx >= g.first.x && cx < g.first.right() && cy >= g.first.y && cy < g.first.bottom();
    });
  };
  std::vector<Box> tall;  // blocks that may be pictures (photo, emblem, QR code)
  std::vector<Box> too_tall;
  auto sort_block = [&](const Box& b, bool first_look) {
    // A grid's characters stand far apart, and a lone 1 is narrower than any other mark kept:
    // the grid is one segment of its own (below).
    if (in_grid(b)) return;
    if (b.h < 9 || b.w < 8) return;
    if (b.h > h / 8) {
      if (first_look) too_tall.push_back(b);
      return;
    }
    if (ink_share(text.get(), &b) < 0.04) return;
    (b.h > 90 && b.w < b.h * 3 ? tall : blocks).push_back(b);
  };
  for (const Box& b : mark_boxes(smeared.get())) sort_block(b, true);
  for (const Box& b : too_tall)
    for (const Box& inner : inside_frame(text.get(), b)) sort_block(inner, false);
  // Pictures are tall blocks, not rows of characters; but the characters of a large title,
  // printed far apart, are tall blocks too. A tall block stays text when another of about its
  // height stands beside it on its line, less than its height away (a photo, an emblem or a QR
  // code stands alone).
  auto beside = [](const Box& b, const std::vector<Box>& others) {
    return std::any_of(others.begin(), others.end(), [&b](const Box& o) {
      if (&o == &b || std::abs(o.h - b.h) * 4 > b.h) return false;
      const int overlap = std::min(b.bottom(), o.bottom()) - std::max(b.y, o.y);
      const int gap = std::max(o.x - b.right(), b.x - o.right());
      return overlap * 10 >= std::min(b.h, o.h) * 6 && gap <= b.h;
    });
  };
  std::vector<Box> characters, pictures;
  for (const Box& b : tall)
    (beside(b, tall) || beside(b, blocks) ? characters : pictures).push_back(b);
  blocks.insert(blocks.end(), characters.begin(), characters.end());
  // A block several rows high is rows run together (a tick or a handwritten stroke crossing
  // from one table row into the next): it is parted where its ink thins out.
  std::vector<int> heights;
  for (const Box& b : blocks)
    if (b.w >= b.h * 2) heights.push_back(b.h);
  const int row_height = middle_value(heights);
  for (const Box& b : blocks) {
    if (row_height > 0 && b.h > row_height * 3 / 2 &&
        split_print_from_hand(text.get(), b, row_height, segments))
      continue;
    if (row_height > 0 && b.h > row_height * 2 && b.w >= b.h * 2)
      split_at_thin_ink(text.get(), b, segments);
    else
      segments.push_back(b);
  }
  for (const auto& [grid, cells] : grids)
    if (grid.h >= 9 && grid.h <= h / 8) segments.push_back(grid);
  std::sort(segments.begin(), segments.end(),
            [](const Box& a, const Box& b) { return a.y + a.h / 2 < b.y + b.h / 2; });
  // Segments on one baseline and near each other make a row, read in one pass.
  std::vector<Box> rows;
  std::vector<bool> used(segments.size(), false);
  for (size_t i = 0; i < segments.size(); ++i) {
    if (used[i]) continue;
    Box row = segments[i];
    used[i] = true;
    bool grew = true;
    while (grew) {
      grew = false;
      for (size_t j = i + 1; j < segments.size(); ++j) {
        if (used[j]) continue;
        const Box& s = segments[j];
        int overlap = std::min(row.bottom(), s.bottom()) - std::max(row.y, s.y);
        if (overlap < std::min(row.h, s.h) * 6 / 10) continue;
        // Handwriting next to a label (a signature) is far taller than the print: a row of its own.
        if (std::abs(s.h - row.h) > std::max(row.h, s.h) * 45 / 100) continue;
        int gap = std::max(s.x - row.right(), row.x - s.right());
        if (gap > std::max(row.h, s.h) * 4) continue;
        // A picture's edge standing between them, the height of both and more, parts them: two
        // ID card sides copied side by side, their rows on one line (中华人民共和国 on the front,
        // 姓名 李琴 on the back: read as one row, the name lost).
        const int left = std::min(row.right(), s.right()), right = std::max(row.x, s.x);
        const int top = std::min(row.y, s.y), bottom = std::max(row.bottom(), s.bottom());
        if (std::any_of(pictures.begin(), pictures.end(), [&](const Box& p) {
              return p.x >= left && p.right() <= right && p.y <= top && p.bottom() >= bottom;
            }))
          continue;
        int x = std::min(row.x, s.x), y = std::min(row.y, s.y);
        row = {x, y, std::max(row.right(), s.right()) - x, std::max(row.bottom(), s.bottom()) - y};
        used[j] = true;
        grew = true;
      }
    }
    rows.push_back(row);
  }
  std::sort(rows.begin(), rows.end(), reads_before);
  std::vector<std::vector<Box>> glyphs = components_by_row(text.get(), rows);
  for (size_t r = 0; r < rows.size(); ++r) {
    TextRow row;
    row.box = rows[r];
    row.code_run = code_run(glyphs[r], &row.code_box, &row.code_wraps);
    // A code written one character to a box: the grid is the code, however far apart its
    // characters stand.
    for (const auto& [grid, cells] : grids)
      if (grid.x >= rows[r].x && grid.right() <= rows[r].right() && grid.y >= rows[r].y &&
          grid.bottom() <= rows[r].bottom() && cells > row.code_run) {
        row.code_run = cells;
        row.code_box = grid;
        row.grid = true;
      }
    row.glyph_height = glyph_height(glyphs[r], rows[r].h);
    layout.rows.push_back(row);
  }
  return layout;
}

}  // namespace keydesk::ocr::internal
