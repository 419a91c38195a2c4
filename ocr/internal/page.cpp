#include "ocr/internal/page.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace keydesk::ocr::internal {
namespace {

Box box_at(Boxa* boxa, int i) {
  l_int32 x = 0, y = 0, w = 0, h = 0;
  boxaGetBoxGeometry(boxa, i, &x, &y, &w, &h);
  return {x, y, w, h};
}

bool bit_at(const l_uint32* line, int x) { return GET_DATA_BIT(line, x) != 0; }

int width_of(Pix* pix) { return static_cast<int>(pixGetWidth(pix)); }
int height_of(Pix* pix) { return static_cast<int>(pixGetHeight(pix)); }

}  // namespace

PixPtr decode_rgb(const std::string& bytes) {
  PixPtr pix(pixReadMem(reinterpret_cast<const l_uint8*>(bytes.data()), bytes.size()));
  if (!pix) return nullptr;
  PixPtr rgb(pixConvertTo32(pix.get()));
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

PixPtr red_mask(Pix* rgb) {
  int w = width_of(rgb), h = height_of(rgb);
  PixPtr mask(pixCreate(w, h, 1));
  l_uint32* src = pixGetData(rgb);
  l_uint32* dst = pixGetData(mask.get());
  int src_wpl = pixGetWpl(rgb), dst_wpl = pixGetWpl(mask.get());
  for (int y = 0; y < h; ++y) {
    const l_uint32* s = src + y * src_wpl;
    l_uint32* d = dst + y * dst_wpl;
    for (int x = 0; x < w; ++x) {
      Rgb c = rgb_of(s[x]);
      // Seal ink is saturated red; JPEG chroma blur and thin ink make it pinkish, so the test is
      // on the margin of red over the other channels, with a floor against dark text.
      if (c.r >= 100 && c.r - std::max(c.g, c.b) >= 35) SET_DATA_BIT(d, x);
    }
  }
  return mask;
}

std::vector<SealMark> find_seal_rings(Pix* mask, int page_short_side, bool red) {
  std::vector<SealMark> seals;
  // Faded or unevenly inked seals break into arcs: a wide dilation gathers the pieces of one
  // seal, and the box is then fitted to the ink itself.
  PixPtr gathered(pixDilateBrick(nullptr, mask, 17, 17));
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

PixPtr grey_without_red(Pix* rgb, Pix* mask) {
  PixPtr grey(pixConvertRGBToLuminance(rgb));
  PixPtr wide(pixDilateBrick(nullptr, mask, 3, 3));
  pixSetMasked(grey.get(), wide.get(), 255);
  return grey;
}

PixPtr binarise(Pix* grey) {
  // Sauvola's local threshold keeps light-grey print (photocopies, faint toner) that a global or
  // coarse-tiled Otsu threshold drops.
  // Thresholds come from the page at half size (a quarter of the work; the window keeps its
  // physical size) and apply to every pixel at full size.
  PixPtr half(pixScaleAreaMap2(grey));
  Pix* thresholds = nullptr;
  if (!half || pixSauvolaBinarizeTiled(half.get(), 8, 0.34f, 1, 1, &thresholds, nullptr) != 0 ||
      !thresholds)
    return PixPtr(pixThresholdToBinary(grey, 150));
  PixPtr full(pixScaleBySamplingToSize(thresholds, width_of(grey), height_of(grey)));
  pixDestroy(&thresholds);
  // grey * 128 / threshold is below 128 exactly where grey is below its threshold.
  PixPtr mapped(full ? pixApplyVariableGrayMap(grey, full.get(), 128) : nullptr);
  if (!mapped) return PixPtr(pixThresholdToBinary(grey, 150));
  return PixPtr(pixThresholdToBinary(mapped.get(), 128));
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

PixPtr rotate_page(Pix* pix, int quarter_turns, double skew_degrees) {
  PixPtr turned(quarter_turns % 4 == 0 ? pixClone(pix) : pixRotateOrth(pix, quarter_turns % 4));
  if (std::abs(skew_degrees) < 0.1) return turned;
  auto radians = static_cast<l_float32>(skew_degrees * std::numbers::pi / 180.0);
  // Leptonica's angle is clockwise-positive for the image content; the skew found is the angle
  // of the text, so rotate by it to level the lines.
  return PixPtr(pixRotate(turned.get(), radians, L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0));
}

std::vector<Box> text_rows(Pix* binary) {
  const int w = width_of(binary), h = height_of(binary);
  // Ruled lines (tables, underlines, frames) are long thin runs; take them out so they neither
  // join rows nor look like text.
  PixPtr horizontal(pixOpenBrick(nullptr, binary, std::max(60, w / 20), 1));
  PixPtr vertical(pixOpenBrick(nullptr, binary, 1, std::max(60, h / 25)));
  PixPtr text(pixSubtract(nullptr, binary, horizontal.get()));
  pixSubtract(text.get(), text.get(), vertical.get());
  // Characters of a phrase are a few pixels apart at 150 dpi; a label and its value further.
  PixPtr smeared(pixCloseBrick(nullptr, text.get(), 21, 3));
  Pixa* pixa_raw = nullptr;
  BoxaPtr boxes(pixConnComp(smeared.get(), &pixa_raw, 8));
  if (pixa_raw) pixaDestroy(&pixa_raw);
  std::vector<Box> segments;
  if (!boxes) return segments;
  for (int i = 0, n = boxaGetCount(boxes.get()); i < n; ++i) {
    Box b = box_at(boxes.get(), i);
    if (b.h < 9 || b.h > h / 8 || b.w < 8) continue;
    // Pictures (photo, emblem, QR code) are tall blocks, not rows of characters.
    if (b.h > 90 && b.w < b.h * 3) continue;
    if (ink_share(text.get(), &b) < 0.04) continue;
    segments.push_back(b);
  }
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
        if (std::abs(s.h - row.h) > std::max(row.h, s.h) * 6 / 10) continue;
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
  std::sort(rows.begin(), rows.end(), [](const Box& a, const Box& b) {
    return a.y + a.h / 2 != b.y + b.h / 2 ? a.y + a.h / 2 < b.y + b.h / 2 : a.x < b.x;
  });
  return rows;
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

}  // namespace keydesk::ocr::internal
