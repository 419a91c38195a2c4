// Red ink and seals: one pass over the colour page gives the red-ink mask and the grey page with
// that ink painted out; seal rings are the marks of a mask (gathered by dilation) of a seal's
// size and aspect whose ink covers most sectors of a ring.
#include "ocr/internal/page.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "ocr/internal/pix_util.h"

namespace keydesk::ocr::internal {

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
        int sector =
            std::min(kSectors - 1, static_cast<int>(angle / (2 * std::numbers::pi) * kSectors));
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

}  // namespace keydesk::ocr::internal
