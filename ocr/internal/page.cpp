#include "ocr/internal/page.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <csetjmp>
#include <cstdio>  // before jpeglib.h, which needs FILE
#include <numbers>

#include <jpeglib.h>

namespace keydesk::ocr::internal {
namespace {

Box box_at(Boxa* boxa, int i) {
  l_int32 x = 0, y = 0, w = 0, h = 0;
  boxaGetBoxGeometry(boxa, i, &x, &y, &w, &h);
  return {x, y, w, h};
}

Box united(const Box& a, const Box& b) {
  const int x = std::min(a.x, b.x), y = std::min(a.y, b.y);
  return {x, y, std::max(a.right(), b.right()) - x, std::max(a.bottom(), b.bottom()) - y};
}

bool bit_at(const l_uint32* line, int x) { return GET_DATA_BIT(line, x) != 0; }

int width_of(Pix* pix) { return static_cast<int>(pixGetWidth(pix)); }
int height_of(Pix* pix) { return static_cast<int>(pixGetHeight(pix)); }

// The connected components of `text` whose centre lies in each of `rows`, left to right.
std::vector<std::vector<Box>> components_by_row(Pix* text, const std::vector<Box>& rows) {
  std::vector<std::vector<Box>> out(rows.size());
  Pixa* pixa_raw = nullptr;
  BoxaPtr boxes(pixConnComp(text, &pixa_raw, 8));
  if (pixa_raw) pixaDestroy(&pixa_raw);
  if (!boxes) return out;
  for (int i = 0, n = boxaGetCount(boxes.get()); i < n; ++i) {
    Box c = box_at(boxes.get(), i);
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

// The ink of one row of text: `area` clipped to the page, and in it the ruled lines that cross
// the row (table borders, frames) or run far along it (underlines), grown a pixel for their
// anti-aliased edges, and the dark pixels that are not theirs. The thick strokes of a large
// title are long and thin too, but neither cross nor run far.
struct RowInk {
  Box area;
  PixPtr rules, ink;  // 1 bpp, area-sized; ink null when the area is empty
};
RowInk row_ink(Pix* binary, Pix* rules, const Box& area) {
  RowInk row;
  const int x0 = std::clamp(area.x, 0, width_of(binary)), y0 = std::clamp(area.y, 0, height_of(binary));
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

// Which columns of `ink` hold no dark pixel.
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
// gets the run's box, widened over the glyphs that continue it (below).
int code_run(const std::vector<Box>& glyphs, Box* extent) {
  int tallest = 0;
  for (const Box& g : glyphs) tallest = std::max(tallest, g.h);
  // Digits and capitals stand full height; a Chinese character breaks into strokes of every
  // size, and its narrow full-height parts (亻, 丨) seldom come fifteen in a row.
  int best = 0, run = 0, last_right = -1, last_h = 0;
  size_t first = 0, best_first = 0, best_last = 0;
  for (size_t i = 0; i < glyphs.size(); ++i) {
    const Box& g = glyphs[i];
    if (g.h * 10 < tallest * 5) continue;  // punctuation, dots: neither part of nor a break in a run
    bool digit_like = g.w * 10 >= g.h * 2 && g.w * 10 <= g.h * 9;
    bool close = last_right >= 0 && g.x - last_right <= g.h && std::abs(g.h - last_h) * 5 <= g.h;
    run = digit_like ? (close ? run + 1 : 1) : 0;
    if (run == 1) first = i;
    if (run > best) best = run, best_first = first, best_last = i;
    last_right = g.right();
    last_h = g.h;
  }
  if (best == 0) return 0;
  *extent = glyphs[best_first];
  for (size_t i = best_first; i <= best_last; ++i) *extent = united(*extent, glyphs[i]);
  // A narrow 1, or two characters printed touching (MA, 05), breaks the run short of the code;
  // the glyphs of the same height that follow it at the same spacing continue it, up to the
  // width of 19 characters at the run's pitch (an 18-character code, and slack for the pitch).
  const int limit = extent->w * 19 / best, height = extent->h;
  auto continues = [&](const Box& g, int gap) {
    return g.h * 10 >= height * 7 && g.h * 10 <= height * 13 && gap <= height / 2 &&
           united(*extent, g).w <= limit;
  };
  for (size_t i = best_last + 1; i < glyphs.size(); ++i) {
    if (glyphs[i].x < extent->right()) {  // a piece of a glyph already in (the dot of an i)
      *extent = united(*extent, glyphs[i]);
      continue;
    }
    if (!continues(glyphs[i], glyphs[i].x - extent->right())) break;
    *extent = united(*extent, glyphs[i]);
  }
  for (size_t i = best_first; i-- > 0;) {
    if (glyphs[i].right() > extent->x) continue;
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

// `block`, rows of `text` run together, parted into rows at the bands where its ink is thin
// (no more than a stroke crossing between the rows).
void split_at_thin_ink(Pix* text, const Box& block, std::vector<Box>& out) {
  BOX* clip_box = boxCreate(block.x, block.y, block.w, block.h);
  PixPtr clip(pixClipRectangle(text, clip_box, nullptr));
  boxDestroy(&clip_box);
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
      BOX* bb = boxCreate(0, from, block.w, to - from);
      PixPtr piece(pixClipRectangle(clip.get(), bb, nullptr));
      boxDestroy(&bb);
      BOX* ink = nullptr;
      if (piece && pixClipBoxToForeground(piece.get(), nullptr, nullptr, &ink) == 0 && ink) {
        l_int32 x = 0, y = 0, w = 0, hh = 0;
        boxGetGeometry(ink, &x, &y, &w, &hh);
        boxDestroy(&ink);
        band = {block.x + x, block.y + from + y, w, hh};
      }
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

struct JpegFailure {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
};

[[noreturn]] void jpeg_failed(j_common_ptr info) {
  std::longjmp(reinterpret_cast<JpegFailure*>(info->err)->jump, 1);
}

// libjpeg's warnings (a truncated or damaged stream) end the decoding too: such files take
// Leptonica's reader, which says what is wrong with them.
void jpeg_warned(j_common_ptr info, int level) {
  if (level < 0) jpeg_failed(info);
}

// Decodes a colour JPEG straight into a 32 bpp Pix (Leptonica's pixel layout is libjpeg's XBGR
// on a little-endian machine): half the time of Leptonica's reader, which decodes to rows of RGB
// bytes and packs each pixel again. nullptr for anything else (grey, CMYK, damaged); the caller
// then takes Leptonica's reader. No C++ object lives across the longjmp.
Pix* decode_colour_jpeg_raw(const l_uint8* data, size_t size, int reduction) {
  if constexpr (std::endian::native != std::endian::little) return nullptr;
  jpeg_decompress_struct info;
  JpegFailure failure;
  Pix* volatile pix = nullptr;
  info.err = jpeg_std_error(&failure.manager);
  failure.manager.error_exit = jpeg_failed;
  failure.manager.emit_message = jpeg_warned;
  if (setjmp(failure.jump)) {
    jpeg_destroy_decompress(&info);
    Pix* lost = pix;
    pixDestroy(&lost);
    return nullptr;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, data, static_cast<unsigned long>(size));
  if (jpeg_read_header(&info, TRUE) != JPEG_HEADER_OK || info.num_components != 3 ||
      (info.jpeg_color_space != JCS_YCbCr && info.jpeg_color_space != JCS_RGB)) {
    jpeg_destroy_decompress(&info);
    return nullptr;
  }
  info.out_color_space = JCS_EXT_XBGR;
  info.scale_num = 1;
  info.scale_denom = static_cast<unsigned>(reduction);
  jpeg_start_decompress(&info);
  pix = pixCreate(static_cast<l_int32>(info.output_width), static_cast<l_int32>(info.output_height),
                  32);
  if (!pix) jpeg_failed(reinterpret_cast<j_common_ptr>(&info));
  pixSetSpp(pix, 3);
  l_uint32* rows = pixGetData(pix);
  const l_int32 wpl = pixGetWpl(pix);
  while (info.output_scanline < info.output_height) {
    JSAMPROW row =
        reinterpret_cast<JSAMPROW>(rows + static_cast<ptrdiff_t>(info.output_scanline) * wpl);
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return pix;
}

PixPtr decode_colour_jpeg(const l_uint8* data, size_t size, int reduction) {
  return PixPtr(decode_colour_jpeg_raw(data, size, reduction));
}

}  // namespace

PixPtr decode_rgb(const std::string& bytes, double factor) {
  const auto* data = reinterpret_cast<const l_uint8*>(bytes.data());
  PixPtr pix;
  l_int32 format = IFF_UNKNOWN;
  if (findFileFormatBuffer(data, &format) == 0 && format == IFF_JFIF_JPEG) {
    // libjpeg scales by 1/2, 1/4 or 1/8 in the DCT, for a fraction of the decoding work.
    const int reduction = factor <= 0.125 ? 8 : factor <= 0.25 ? 4 : factor <= 0.5 ? 2 : 1;
    pix = decode_colour_jpeg(data, bytes.size(), reduction);
    if (pix) factor *= reduction;
  }
  if (!pix) pix.reset(pixReadMem(data, bytes.size()));
  if (!pix) return nullptr;
  PixPtr rgb(pixConvertTo32(pix.get()));
  if (rgb && std::abs(factor - 1.0) > 0.01) {
    auto f = static_cast<l_float32>(factor);
    // No sharpening (pixScale's default below 0.7): it costs more than the scaling.
    rgb.reset(pixScaleGeneral(rgb.get(), f, f, 0.0f, 0));
  }
  return rgb;
}

PixPtr scale_to_working(Pix* rgb, int long_side, double* scale) {
  int side = std::max(width_of(rgb), height_of(rgb));
  double factor = static_cast<double>(long_side) / std::max(side, 1);
  if (factor > 0.85 && factor < 1.15) factor = 1.0;
  factor = std::clamp(factor, 0.25, 2.5);
  *scale = factor;
  if (factor == 1.0) return PixPtr(pixClone(rgb));
  auto f = static_cast<l_float32>(factor);
  return PixPtr(pixScale(rgb, f, f));
}

RedAndGrey separate_red(Pix* rgb) {
  const int w = width_of(rgb), h = height_of(rgb);
  RedAndGrey out{PixPtr(pixCreate(w, h, 1)), PixPtr(pixCreate(w, h, 8))};
  if (!out.red || !out.grey) return {};
  const l_uint32* src = pixGetData(rgb);
  l_uint32* red = pixGetData(out.red.get());
  l_uint32* grey = pixGetData(out.grey.get());
  const l_int32 src_wpl = pixGetWpl(rgb), red_wpl = pixGetWpl(out.red.get()),
                grey_wpl = pixGetWpl(out.grey.get());
  // Leptonica's luminance (pixConvertRGBToLuminance), to the same rounding: each channel's
  // weighted value looked up, summed in the same order.
  static const auto weighted = [] {
    std::array<std::array<l_float32, 256>, 3> table{};
    for (int v = 0; v < 256; ++v) {
      const auto f = static_cast<l_float32>(v);
      table[0][static_cast<size_t>(v)] = L_RED_WEIGHT * f;
      table[1][static_cast<size_t>(v)] = L_GREEN_WEIGHT * f;
      table[2][static_cast<size_t>(v)] = L_BLUE_WEIGHT * f;
    }
    return table;
  }();
  for (int y = 0; y < h; ++y) {
    const l_uint32* s = src + static_cast<ptrdiff_t>(y) * src_wpl;
    l_uint32* r = red + static_cast<ptrdiff_t>(y) * red_wpl;
    l_uint32* g = grey + static_cast<ptrdiff_t>(y) * grey_wpl;
    l_uint32 bits = 0;
    for (int x = 0; x < w; ++x) {
      const Rgb c = rgb_of(s[x]);
      // Seal ink is saturated red; JPEG chroma blur and thin ink make it pinkish, so the test is
      // on the margin of red over the other channels, with a floor against dark text.
      const bool ink = c.r >= 100 && c.r - std::max(c.g, c.b) >= 35;
      bits |= static_cast<l_uint32>(ink) << (31 - (x & 31));
      if ((x & 31) == 31 || x == w - 1) r[x >> 5] = bits, bits = 0;
      SET_DATA_BYTE(g, x,
                    static_cast<l_uint8>(weighted[0][static_cast<size_t>(c.r)] +
                                         weighted[1][static_cast<size_t>(c.g)] +
                                         weighted[2][static_cast<size_t>(c.b)] + 0.5f));
    }
  }
  // The red ink, a little widened, painted white on the grey page.
  PixPtr wide(pixDilateBrick(nullptr, out.red.get(), 3, 3));
  if (wide) pixSetMasked(out.grey.get(), wide.get(), 255);
  return out;
}

std::vector<SealMark> find_seal_rings(Pix* mask, int page_short_side, bool red) {
  std::vector<SealMark> seals;
  // Faded or unevenly inked seals break into arcs: a wide dilation gathers the pieces of one
  // seal, and the box is then fitted to the ink itself.
  PixPtr gathered(pixDilateCompBrickDwa(nullptr, mask, 17, 17));
  Pixa* pixa_raw = nullptr;
  BoxaPtr boxes(pixConnComp(gathered.get(), &pixa_raw, 8));
  if (pixa_raw) pixaDestroy(&pixa_raw);
  if (!boxes) return seals;
  // A company seal is 38–45 mm across: about a fifth of an A4 page's width, less on a landscape
  // page or an ID copy scanned large. The range is generous on purpose.
  const int min_side = std::max(24, page_short_side * 6 / 100);
  const int max_side = page_short_side * 45 / 100;
  int n = boxaGetCount(boxes.get());
  const int w = width_of(mask);
  const l_uint32* data = pixGetData(mask);
  const int wpl = pixGetWpl(mask);
  for (int i = 0; i < n; ++i) {
    Box b = box_at(boxes.get(), i);
    {
      BOX* area = boxCreate(b.x, b.y, b.w, b.h);
      BOX* tight = nullptr;
      PixPtr clip(pixClipRectangle(mask, area, nullptr));
      boxDestroy(&area);
      if (!clip || pixClipToForeground(clip.get(), nullptr, &tight) != 0 || !tight) continue;
      l_int32 tx = 0, ty = 0, tw = 0, th = 0;
      boxGetGeometry(tight, &tx, &ty, &tw, &th);
      boxDestroy(&tight);
      b = {b.x + tx, b.y + ty, tw, th};
    }
    if (b.w < min_side || b.h < min_side || b.w > max_side || b.h > max_side) continue;
    double aspect = static_cast<double>(b.w) / b.h;
    if (aspect < 0.65 || aspect > 1.55) continue;
    // Ring test: the ink near the ellipse inscribed in the box, sector by sector. A ring covers
    // most sectors; a square stamp, a red line or red printed text does not.
    constexpr int kSectors = 48;
    bool hit[kSectors] = {};
    long ink = 0;
    const double cx = b.x + b.w / 2.0, cy = b.y + b.h / 2.0, rx = b.w / 2.0, ry = b.h / 2.0;
    for (int y = b.y; y < b.bottom(); ++y) {
      const l_uint32* line = data + y * wpl;
      for (int x = b.x; x < std::min(b.right(), w); ++x) {
        if (!bit_at(line, x)) continue;
        ++ink;
        double dx = (x - cx) / rx, dy = (y - cy) / ry;
        double r = std::sqrt(dx * dx + dy * dy);
        if (r < 0.78 || r > 1.05) continue;
        double angle = std::atan2(dy, dx) + std::numbers::pi;
        int sector = std::min(kSectors - 1, static_cast<int>(angle / (2 * std::numbers::pi) * kSectors));
        hit[sector] = true;
      }
    }
    SealMark seal;
    seal.box = b;
    seal.red = red;
    seal.roundness = static_cast<double>(std::count(hit, hit + kSectors, true)) / kSectors;
    seal.fill = static_cast<double>(ink) / (static_cast<double>(b.w) * b.h);
    if (seal.roundness >= 0.5 && seal.fill < 0.6 && seal.fill > 0.02) seals.push_back(seal);
  }
  return seals;
}

PixPtr sauvola_thresholds(Pix* grey, int half_window, float factor) {
  const int w = width_of(grey), h = height_of(grey);
  if (w < 2 * half_window + 3 || h < 2 * half_window + 3) return nullptr;
  // The page with a mirrored border of half_window + 1, as Leptonica measures it, and the sums
  // of its values and of their squares over every rectangle from the origin (one row and
  // column of zeros before them).
  const int border = half_window + 1;
  PixPtr framed(pixAddMirroredBorder(grey, border, border, border, border));
  if (!framed) return nullptr;
  const int fw = width_of(framed.get()), fh = height_of(framed.get());
  const size_t stride = static_cast<size_t>(fw) + 1;
  std::vector<l_uint32> sums(stride * (static_cast<size_t>(fh) + 1), 0);
  std::vector<l_uint64> squares(sums.size(), 0);
  const l_uint32* data = pixGetData(framed.get());
  const l_int32 wpl = pixGetWpl(framed.get());
  for (int y = 0; y < fh; ++y) {
    const l_uint32* line = data + static_cast<ptrdiff_t>(y) * wpl;
    l_uint32 row_sum = 0;
    l_uint64 row_squares = 0;
    const size_t above = static_cast<size_t>(y) * stride, here = above + stride;
    for (int x = 0; x < fw; ++x) {
      const l_uint32 v = GET_DATA_BYTE(line, x);
      row_sum += v;
      row_squares += static_cast<l_uint64>(v) * v;
      sums[here + static_cast<size_t>(x) + 1] = sums[above + static_cast<size_t>(x) + 1] + row_sum;
      squares[here + static_cast<size_t>(x) + 1] =
          squares[above + static_cast<size_t>(x) + 1] + row_squares;
    }
  }
  // Leptonica's arithmetic (pixWindowedMean, pixWindowedMeanSquare, pixSauvolaGetThreshold),
  // to the same roundings (the mean truncated, the mean square rounded): the window of output
  // pixel (x, y) is framed rows y + 1 … y + 2 half_window + 1, and the same columns.
  const int side = 2 * half_window + 1;
  const auto mean_norm =
      static_cast<l_float32>(1.0 / (static_cast<l_float32>(side) * static_cast<l_float32>(side)));
  const double square_norm =
      1.0 / static_cast<double>(static_cast<l_float32>(side) * static_cast<l_float32>(side));
  PixPtr out(pixCreate(w, h, 8));
  if (!out) return nullptr;
  l_uint32* dst = pixGetData(out.get());
  const l_int32 dst_wpl = pixGetWpl(out.get());
  auto window = [&](const auto& table, int x, int y) {
    const size_t top = (static_cast<size_t>(y) + 1) * stride,
                 bottom = (static_cast<size_t>(y) + 1 + side) * stride;
    const size_t left = static_cast<size_t>(x) + 1, right = left + static_cast<size_t>(side);
    return table[bottom + right] - table[bottom + left] - table[top + right] + table[top + left];
  };
  for (int y = 0; y < h; ++y) {
    l_uint32* line = dst + static_cast<ptrdiff_t>(y) * dst_wpl;
    for (int x = 0; x < w; ++x) {
      const auto mean = static_cast<l_int32>(
          static_cast<l_uint8>(mean_norm * static_cast<l_float32>(window(sums, x, y))));
      const auto mean_square = static_cast<l_int32>(
          static_cast<l_uint32>(square_norm * static_cast<double>(window(squares, x, y)) + 0.5));
      const l_int32 variance = mean_square - mean * mean;
      const l_float32 deviation = std::sqrt(static_cast<l_float32>(variance));
      const auto threshold =
          static_cast<l_int32>(mean * (1.0 - static_cast<double>(factor) *
                                                 (1.0 - static_cast<double>(deviation) / 128.)));
      SET_DATA_BYTE(line, x, static_cast<l_uint8>(threshold));
    }
  }
  return out;
}

PixPtr binarise(Pix* grey) {
  // Sauvola's local threshold keeps light-grey print (photocopies, faint toner) that a global or
  // coarse-tiled Otsu threshold drops.
  // Thresholds come from the page at half size (a quarter of the work; the window keeps its
  // physical size) and apply to every pixel at full size.
  PixPtr half(pixScaleAreaMap2(grey));
  PixPtr held = half ? sauvola_thresholds(half.get(), 8, 0.34f) : nullptr;
  if (!held) return PixPtr(pixThresholdToBinary(grey, 150));
  Pix* thresholds = held.get();
  // Each pixel against the threshold of its place on the half-size page, in one pass (Leptonica
  // would scale the thresholds up, map grey * 128 / threshold and threshold that at 128: three
  // passes over the page). `darkest_light[t]`: the least grey that is not ink under threshold t,
  // as that map rounds.
  static const auto darkest_light = [] {
    std::array<l_uint8, 256> table{};
    for (int t = 0; t < 256; ++t) {
      int g = 0;
      while (g < 256 && std::min(255, static_cast<int>(static_cast<float>(g * 128) /
                                                           (static_cast<float>(t) + 0.5f) +
                                                       0.5f)) < 128)
        ++g;
      table[static_cast<size_t>(t)] = static_cast<l_uint8>(std::min(g, 255));
    }
    return table;
  }();
  const int w = width_of(grey), h = height_of(grey);
  const int tw = width_of(thresholds), th = height_of(thresholds);
  PixPtr binary(pixCreate(w, h, 1));
  if (!binary) return PixPtr(pixThresholdToBinary(grey, 150));
  // The sampling of pixScaleBySamplingToSize: each pixel takes the threshold nearest its place.
  const float x_ratio = static_cast<float>(tw) / static_cast<float>(w);
  const float y_ratio = static_cast<float>(th) / static_cast<float>(h);
  std::vector<int> column(static_cast<size_t>(w));
  for (int x = 0; x < w; ++x)
    column[static_cast<size_t>(x)] =
        std::min(static_cast<int>(x_ratio * static_cast<float>(x) + 0.5f), tw - 1);
  const l_uint32* grey_data = pixGetData(grey);
  const l_uint32* threshold_data = pixGetData(thresholds);
  l_uint32* out = pixGetData(binary.get());
  const l_int32 grey_wpl = pixGetWpl(grey), threshold_wpl = pixGetWpl(thresholds),
                out_wpl = pixGetWpl(binary.get());
  for (int y = 0; y < h; ++y) {
    const int ty = std::min(static_cast<int>(y_ratio * static_cast<float>(y) + 0.5f), th - 1);
    const l_uint32* g = grey_data + static_cast<ptrdiff_t>(y) * grey_wpl;
    const l_uint32* t = threshold_data + static_cast<ptrdiff_t>(ty) * threshold_wpl;
    l_uint32* d = out + static_cast<ptrdiff_t>(y) * out_wpl;
    for (int x = 0; x < w; ++x)
      if (GET_DATA_BYTE(g, x) < darkest_light[GET_DATA_BYTE(t, column[static_cast<size_t>(x)])])
        SET_DATA_BIT(d, x);
  }
  return binary;
}

double ink_share(Pix* binary, const Box* within) {
  l_int32 count = 0;
  if (within) {
    BOX* box = boxCreate(within->x, within->y, within->w, within->h);
    pixCountPixelsInRect(binary, box, &count, nullptr);
    boxDestroy(&box);
    return within->w > 0 && within->h > 0
               ? static_cast<double>(count) / (static_cast<double>(within->w) * within->h)
               : 0.0;
  }
  pixCountPixels(binary, &count, nullptr);
  return static_cast<double>(count) / (static_cast<double>(width_of(binary)) * height_of(binary));
}

int text_axis(Pix* binary, double* skew_degrees) {
  auto measure = [](Pix* pix, double* angle) {
    l_float32 a = 0, conf = 0, score = 0;
    if (pixFindSkewSweepAndSearchScore(pix, &a, &conf, &score, 4, 2, 0.0f, 7.0f, 1.0f, 0.01f) != 0)
      return 0.0;
    *angle = conf >= 2.0f ? a : 0.0;
    return static_cast<double>(score);
  };
  double upright_angle = 0, turned_angle = 0;
  double upright = measure(binary, &upright_angle);
  PixPtr turned(pixRotateOrth(binary, 1));
  double sideways = measure(turned.get(), &turned_angle);
  // Square Chinese characters line up in columns too, so only a clear margin turns the page;
  // the reading step checks the way up with words and turns it when the words say so.
  if (sideways > upright * 2.5) {
    *skew_degrees = turned_angle;
    return 90;
  }
  *skew_degrees = upright_angle;
  return 0;
}

PixPtr rotate_page(Pix* pix, int quarter_turns, double skew_degrees, bool quick) {
  PixPtr turned(quarter_turns % 4 == 0 ? pixClone(pix) : pixRotateOrth(pix, quarter_turns % 4));
  if (std::abs(skew_degrees) < 0.1) return turned;
  auto radians = static_cast<l_float32>(skew_degrees * std::numbers::pi / 180.0);
  // Leptonica's angle is clockwise-positive for the image content; the skew found is the angle
  // of the text, so rotate by it to level the lines.
  return PixPtr(pixRotate(turned.get(), radians, quick ? L_ROTATE_SHEAR : L_ROTATE_AREA_MAP,
                          L_BRING_IN_WHITE, 0, 0));
}

LevelledGrey::LevelledGrey(PixPtr page, double skew_degrees)
    : page_(std::move(page)), skew_degrees_(std::abs(skew_degrees) < 0.1 ? 0.0 : skew_degrees) {}

PixPtr LevelledGrey::cut(const Box& area) const {
  if (!page_ || area.w <= 0 || area.h <= 0) return nullptr;
  if (skew_degrees_ == 0) {
    PixPtr out(pixCreate(area.w, area.h, 8));
    pixSetAll(out.get());
    pixRasterop(out.get(), 0, 0, area.w, area.h, PIX_SRC, page_.get(), area.x, area.y);
    return out;
  }
  // Leptonica's turn by `angle` about (w/2, h/2) takes output pixel q from the source at
  // c + M (q - c), M = [cos sin; -sin cos]. The area's middle comes from `from` on the page; a
  // piece of the page around `from`, large enough to hold the area at any skew, turned about
  // its own middle, has the area in its middle.
  const double angle = skew_degrees_ * std::numbers::pi / 180.0;
  const double cos_a = std::cos(angle), sin_a = std::sin(angle);
  const int cx = width_of(page_.get()) / 2, cy = height_of(page_.get()) / 2;
  const int qx = area.x + area.w / 2 - cx, qy = area.y + area.h / 2 - cy;
  const int from_x = cx + static_cast<int>(std::lround(qx * cos_a + qy * sin_a));
  const int from_y = cy + static_cast<int>(std::lround(-qx * sin_a + qy * cos_a));
  const int piece_w = static_cast<int>(std::ceil(area.w * cos_a + area.h * std::abs(sin_a))) + 4;
  const int piece_h = static_cast<int>(std::ceil(area.w * std::abs(sin_a) + area.h * cos_a)) + 4;
  PixPtr piece(pixCreate(piece_w, piece_h, 8));
  pixSetAll(piece.get());
  pixRasterop(piece.get(), 0, 0, piece_w, piece_h, PIX_SRC, page_.get(), from_x - piece_w / 2,
              from_y - piece_h / 2);
  PixPtr turned(pixRotate(piece.get(), static_cast<l_float32>(angle), L_ROTATE_AREA_MAP,
                          L_BRING_IN_WHITE, 0, 0));
  if (!turned) return nullptr;
  BOX* inner = boxCreate(piece_w / 2 - area.w / 2, piece_h / 2 - area.h / 2, area.w, area.h);
  PixPtr out(pixClipRectangle(turned.get(), inner, nullptr));
  boxDestroy(&inner);
  return out;
}

PixPtr LevelledGrey::whole() const {
  return page_ ? rotate_page(page_.get(), 0, skew_degrees_) : nullptr;
}

LevelledGrey LevelledGrey::turned(int quarter_turns) const {
  return LevelledGrey(rotate_page(page_.get(), quarter_turns, 0), skew_degrees_);
}

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
  PixPtr posts(pixOpenCompBrickDwa(nullptr, binary, 1, std::max(60, h / 25)));
  PixPtr vertical(
      pixSelectByWidthHeightRatio(posts.get(), 1.0f / kRuleLength, 8, L_SELECT_IF_LTE, nullptr));
  const std::vector<std::pair<Box, int>> grids = add_cell_walls(binary, layout.rules.get());
  pixOr(layout.rules.get(), layout.rules.get(), vertical.get());
  PixPtr text(pixSubtract(nullptr, binary, layout.rules.get()));
  // Characters of a phrase are a few pixels apart at 150 dpi; a label and its value further.
  PixPtr smeared(pixCloseCompBrickDwa(nullptr, text.get(), 21, 3));
  Pixa* pixa_raw = nullptr;
  BoxaPtr boxes(pixConnComp(smeared.get(), &pixa_raw, 8));
  if (pixa_raw) pixaDestroy(&pixa_raw);
  std::vector<Box> segments;
  if (!boxes) return layout;
  std::vector<Box> blocks;
  auto in_grid = [&grids](const Box& b) {
    const int cx = b.x + b.w / 2, cy = b.y + b.h / 2;
    return std::any_of(grids.begin(), grids.end(), [&](const auto& g) {
      return cx >= g.first.x && cx < g.first.right() && cy >= g.first.y && cy < g.first.bottom();
    });
  };
  std::vector<Box> tall;  // blocks that may be pictures (photo, emblem, QR code)
  for (int i = 0, n = boxaGetCount(boxes.get()); i < n; ++i) {
    Box b = box_at(boxes.get(), i);
    // A grid's characters stand far apart, and a lone 1 is narrower than any other mark kept:
    // the grid is one segment of its own (below).
    if (in_grid(b)) continue;
    if (b.h < 9 || b.h > h / 8 || b.w < 8) continue;
    if (ink_share(text.get(), &b) < 0.04) continue;
    (b.h > 90 && b.w < b.h * 3 ? tall : blocks).push_back(b);
  }
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
  std::vector<Box> characters;
  for (const Box& b : tall)
    if (beside(b, tall) || beside(b, blocks)) characters.push_back(b);
  blocks.insert(blocks.end(), characters.begin(), characters.end());
  // A block several rows high is rows run together (a tick or a handwritten stroke crossing
  // from one table row into the next): it is parted where its ink thins out.
  std::vector<int> heights;
  for (const Box& b : blocks)
    if (b.w >= b.h * 2) heights.push_back(b.h);
  int row_height = 0;
  if (!heights.empty()) {
    std::nth_element(heights.begin(), heights.begin() + heights.size() / 2, heights.end());
    row_height = heights[heights.size() / 2];
  }
  for (const Box& b : blocks) {
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
    row.code_run = code_run(glyphs[r], &row.code_box);
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

void LineImage::squeeze(float factor) {
  PixPtr narrow(pixScale(pix.get(), factor, 1.0f));
  if (!narrow) return;
  x_scale *= static_cast<double>(pixGetWidth(narrow.get())) / pixGetWidth(pix.get());
  pix = std::move(narrow);
}

Box LineImage::to_page(const Box& squeezed) const {
  Box on_line = squeezed;
  if (x_scale != 1.0) {
    int left = static_cast<int>(squeezed.x / x_scale);
    int right = static_cast<int>(std::ceil(squeezed.right() / x_scale));
    on_line.x = left;
    on_line.w = right - left;
  }
  auto page_x = [this](int x) {
    for (const Piece& p : pieces)
      if (x < p.line_x + p.width) return p.page_x + std::max(0, x - p.line_x);
    return pieces.empty() ? x : pieces.back().page_x + pieces.back().width;
  };
  int left = page_x(on_line.x), right = page_x(std::max(on_line.x, on_line.right() - 1)) + 1;
  return {left, on_line.y + page_y, right - left, on_line.h};
}

LineImage line_image(const LevelledGrey& grey, Pix* binary, Pix* rules, const Box& area) {
  LineImage line;
  RowInk row = row_ink(binary, rules, area);
  if (!row.ink) return line;
  PixPtr crop = grey.cut(row.area);
  if (!crop) return line;
  pixSetMasked(crop.get(), row.rules.get(), 255);
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
    if (!runs.empty() && x - runs.back().second <= gap) runs.back().second = end;
    else runs.emplace_back(x, end);
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
  for (int c = 0; c < cells; ++c) {
    const int from = static_cast<int>(c * pitch) + inset;
    const int to = static_cast<int>((c + 1) * pitch) - inset;
    BOX* cell = boxCreate(grid.x + from, grid.y + top, to - from, h);
    PixPtr ink(pixClipRectangle(binary, cell, nullptr));
    boxDestroy(&cell);
    BOX* fg = nullptr;
    if (!ink || pixClipBoxToForeground(ink.get(), nullptr, nullptr, &fg) != 0 || !fg) continue;
    l_int32 x = 0, y = 0, w = 0, hh = 0;
    boxGetGeometry(fg, &x, &y, &w, &hh);
    boxDestroy(&fg);
    inked.emplace_back(std::max(from, from + x - 1), std::min(to, from + x + w + 1));
  }
  if (inked.empty()) return line;
  const int gap = std::max(3, h / 6);
  int line_w = gap;
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
  line.pix.reset(pixCreate(line_w, h, 8));
  pixSetAllArbitrary(line.pix.get(), static_cast<l_uint32>(paper));
  line.page_y = grid.y + top;
  int at = gap;
  for (auto [from, to] : inked) {
    pixRasterop(line.pix.get(), at, 0, to - from, h, PIX_SRC, crop.get(), from, top);
    line.pieces.push_back({at, grid.x + from, to - from});
    at += to - from + gap;
  }
  return line;
}

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
