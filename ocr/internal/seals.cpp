// Red ink and seals: one pass over the colour page gives the red-ink mask and the grey page with
// that ink painted out; seal rings are the marks of a mask (gathered by dilation) of a seal's
// size and aspect whose ink covers most sectors of a ring.
#include "ocr/internal/page.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <optional>
#include <vector>

#include "ocr/internal/pix_util.h"

namespace keydesk::ocr::internal {

RedAndGrey separate_red(Pix* rgb) {
  const int w = width_of(rgb), h = height_of(rgb);
  RedAndGrey out{PixPtr(pixCreate(w, h, 1)), PixPtr(pixCreate(w, h, 8)),
                 PixPtr(pixCreate(w, h, 8))};
  if (!out.red || !out.grey || !out.redness) return {};
  const l_uint32* src = pixGetData(rgb);
  l_uint32* red = pixGetData(out.red.get());
  l_uint32* grey = pixGetData(out.grey.get());
  l_uint32* redness = pixGetData(out.redness.get());
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
  // Each pixel's margin of red over the other channels, row by row; the grey bytes of four pixels
  // gathered into one word, as Leptonica lays them out (the first pixel in the word's top byte),
  // and stored at once.
  std::vector<l_uint8> margins(static_cast<size_t>(w) * static_cast<size_t>(h));
  std::vector<int> row_most(static_cast<size_t>(h), 0);  // the largest margin of each row
  for (int y = 0; y < h; ++y) {
    const l_uint32* s = src + static_cast<ptrdiff_t>(y) * src_wpl;
    l_uint32* r = red + static_cast<ptrdiff_t>(y) * red_wpl;
    l_uint32* g = grey + static_cast<ptrdiff_t>(y) * grey_wpl;
    l_uint8* margin_row = margins.data() + static_cast<ptrdiff_t>(y) * w;
    l_uint32 bits = 0, grey_word = 0;
    for (int x = 0; x < w; ++x) {
      const Rgb c = rgb_of(s[x]);
      const int margin = c.r - std::max(c.g, c.b);  // red over the other channels
      // Seal ink is saturated red; JPEG chroma blur and thin ink make it pinkish, so the test is
      // on the margin of red over the other channels, with a floor against dark text.
      const bool ink = c.r >= 100 && margin >= 35;
      bits |= static_cast<l_uint32>(ink) << (31 - (x & 31));
      if ((x & 31) == 31 || x == w - 1) r[x >> 5] = bits, bits = 0;
      const float luma = weighted[0][static_cast<size_t>(c.r)] +
                         weighted[1][static_cast<size_t>(c.g)] +
                         weighted[2][static_cast<size_t>(c.b)];
      grey_word |= static_cast<l_uint32>(static_cast<l_uint8>(luma + 0.5f)) << (24 - 8 * (x & 3));
      if ((x & 3) == 3 || x == w - 1) g[x >> 2] = grey_word, grey_word = 0;
      margin_row[x] = static_cast<l_uint8>(std::clamp(margin, 0, 255));
      row_most[static_cast<size_t>(y)] = std::max(row_most[static_cast<size_t>(y)], margin);
    }
  }
  // `redness`: how dark the pixel is (luminance: JPEG keeps it at full resolution) where red
  // stands out of the other channels near it. Colour is kept at half resolution and in blocks,
  // so it only says where, never how much: a pale seal's thin strokes, weighed by their own
  // margin, came out in pieces block by block (北京德邦科技发展有限公司 read
  // 所部章开本玫六民有下梧); the strongest margin in the 5 × 5 pixels about each one weighs them
  // whole. Black and grey print weigh nothing, unless it touches red ink.
  // How dark is against the paper about the pixel, not against white: a seal pressed on a
  // photocopy (a trade filing form's, an ID card's grey) lies on grey, and the grey within those
  // 5 × 5 pixels of its strokes came out as ink, swelling every stroke into a blob (of 129 own
  // seals on the hold-out sets' trade filing copies, 11 read as the company's). Ink takes away a
  // share of the light the paper beneath it gives back, so the share is taken: the paper's level is
  // the brightest luminance about the pixel (paper_level, over about 44 pixels). Paper as
  // light as a white sheet comes out of a scanner (kWhitePaper and up) is white: there the ink is
  // as it was, for Tesseract reads a seal's condensed characters otherwise for a few hundredths of
  // grey (seed 21's S-2026-109436, another company's 故人长青贸易有腿公司, read 故门长青…有了腿…
  // with its paper taken at 245, and its 长 and 青 no longer cut in place).
  constexpr int kWhitePaper = 240;
  // The strongest margin within the 5 × 5 pixels about each pixel (as pixDilateGray would give),
  // where it matters: a margin of 8 or less gates nothing, so only rows with a margin above 8
  // are widened along, and a row with no such row within two of it is paper throughout.
  constexpr int kNear = 2, kNoRed = 8;
  std::vector<l_uint8> across(margins.size(), 0);  // the strongest within 5 pixels along the row
  for (int y = 0; y < h; ++y) {
    if (row_most[static_cast<size_t>(y)] <= kNoRed) continue;
    const l_uint8* in = margins.data() + static_cast<ptrdiff_t>(y) * w;
    l_uint8* out_row = across.data() + static_cast<ptrdiff_t>(y) * w;
    for (int x = 0; x < w; ++x) {
      l_uint8 most = 0;
      for (int i = std::max(0, x - kNear); i <= std::min(w - 1, x + kNear); ++i)
        most = std::max(most, in[i]);
      out_row[x] = most;
    }
  }
  const PixPtr paper = paper_level(out.grey.get());
  if (!paper) return {};
  const l_int32 paper_wpl = pixGetWpl(paper.get());
  const int paper_w = width_of(paper.get()), paper_h = height_of(paper.get());
  std::vector<l_uint8> near(static_cast<size_t>(w));  // the row's pixels' strongest about them
  for (int y = 0; y < h; ++y) {
    const l_uint32* g = grey + static_cast<ptrdiff_t>(y) * grey_wpl;
    const l_uint32* p = pixGetData(paper.get()) +
                        static_cast<ptrdiff_t>(std::min(y / kPaperBlock, paper_h - 1)) * paper_wpl;
    l_uint32* n = redness + static_cast<ptrdiff_t>(y) * grey_wpl;
    std::fill(near.begin(), near.end(), l_uint8{0});
    bool red_near = false;
    for (int j = std::max(0, y - kNear); j <= std::min(h - 1, y + kNear); ++j) {
      if (row_most[static_cast<size_t>(j)] <= kNoRed) continue;
      red_near = true;
      const l_uint8* in = across.data() + static_cast<ptrdiff_t>(j) * w;
      for (int x = 0; x < w; ++x)
        near[static_cast<size_t>(x)] = std::max(near[static_cast<size_t>(x)], in[x]);
    }
    if (!red_near) {  // paper, as most of a page is
      for (int x = 0; x < w; ++x) SET_DATA_BYTE(n, x, 255);
      continue;
    }
    for (int x = 0; x < w; ++x) {
      const float gate =
          std::clamp(static_cast<float>(near[static_cast<size_t>(x)] - kNoRed) / 32.0f, 0.0f, 1.0f);
      if (gate == 0.0f) {  // no red near
        SET_DATA_BYTE(n, x, 255);
        continue;
      }
      const int brightest =
          static_cast<int>(GET_DATA_BYTE(p, std::min(x / kPaperBlock, paper_w - 1)));
      const int level = brightest >= kWhitePaper ? 255 : std::max(32, brightest);
      const float dark =
          255.0f * static_cast<float>(std::max(0, level - static_cast<int>(GET_DATA_BYTE(g, x)))) /
          static_cast<float>(level);
      SET_DATA_BYTE(n, x, static_cast<l_uint8>(255.5f - dark * gate));
    }
  }
  // The red ink, a little widened, dropped from the grey page by its red channel, in which red
  // ink is light and black print stays dark: up to 96 the pixel is print, as dark as its red
  // channel; from 160 it is paper; between, it fades. Print a seal is pressed over keeps its
  // strokes (painted white, every stroke of a code or a name that touched the seal's ink was
  // cut: 91330203MAR0LNB894 under a seal's rim read as nothing), and the seal, even a dark red
  // one, leaves no ghost for the rows or a signature's place to take for ink.
  PixPtr wide(pixDilateBrick(nullptr, out.red.get(), 3, 3));
  if (wide) {
    const l_uint32* mask = pixGetData(wide.get());
    for (int y = 0; y < h; ++y) {
      const l_uint32* m = mask + static_cast<ptrdiff_t>(y) * red_wpl;
      const l_uint32* s = src + static_cast<ptrdiff_t>(y) * src_wpl;
      l_uint32* g = grey + static_cast<ptrdiff_t>(y) * grey_wpl;
      for (int x = 0; x < w; ++x) {
        if ((x & 31) == 0 && m[x >> 5] == 0) {  // no red ink in these 32 pixels
          x += 31;
          continue;
        }
        if (GET_DATA_BIT(m, x)) {
          const int r = rgb_of(s[x]).r;
          const int v = r <= 96 ? r : r >= 160 ? 255 : 96 + (r - 96) * (255 - 96) / 64;
          SET_DATA_BYTE(g, x, static_cast<l_uint8>(v));
        }
      }
    }
  }
  return out;
}

namespace {

// The seals among the red ink of `mask` gathered by a dilation `reach` pixels wide. `*arcs_left`
// says whether gathered red ink half a seal's least size across or more made no seal and lies in
// none.
std::vector<SealMark> seal_rings_gathered(Pix* mask, int page_short_side, bool red, int reach,
                                          bool* arcs_left) {
  std::vector<SealMark> seals;
  PixPtr gathered(pixDilateCompBrickDwa(nullptr, mask, reach, reach));
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
  // Whether the ink in `b` (fitted to it) is a seal's ring.
  auto ring = [&](const Box& b) -> std::optional<SealMark> {
    if (b.w < min_side || b.h < min_side || b.w > max_side || b.h > max_side) return std::nullopt;
    double aspect = static_cast<double>(b.w) / b.h;
    if (aspect < 0.65 || aspect > 1.55) return std::nullopt;
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
    if (seal.roundness >= 0.5 && seal.fill < 0.6 && seal.fill > 0.02) return seal;
    return std::nullopt;
  };
  std::vector<Box> left;  // ink large enough for an arc that made no seal
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
    if (std::optional<SealMark> seal = ring(b))
      seals.push_back(std::move(*seal));
    else if (std::max(b.w, b.h) * 2 >= min_side)
      left.push_back(b);
  }
  // A seal's star (or the name inside a wide ring) lies within the seal: no arc of another.
  *arcs_left = std::any_of(left.begin(), left.end(), [&](const Box& b) {
    return std::none_of(seals.begin(), seals.end(), [&](const SealMark& s) {
      return b.x >= s.box.x && b.y >= s.box.y && b.right() <= s.box.right() &&
             b.bottom() <= s.box.bottom();
    });
  });
  return seals;
}

}  // namespace

std::vector<SealMark> find_seal_rings(Pix* mask, int page_short_side, bool red) {
  // Faded or unevenly inked seals break into arcs: a wide dilation gathers the pieces of one
  // seal, and the box is then fitted to the ink itself. A ring broken wider than that (a pale
  // seal on a dark copy, a pen stroke across it) is gathered by a second, wider one, where the
  // first found no seal; only when red ink large enough for a seal's arc made no seal.
  bool arcs_left = false;
  std::vector<SealMark> seals = seal_rings_gathered(mask, page_short_side, red, 17, &arcs_left);
  if (!arcs_left) return seals;
  for (SealMark& seal : seal_rings_gathered(mask, page_short_side, red, 41, &arcs_left))
    if (std::none_of(seals.begin(), seals.end(), [&](const SealMark& s) {
          return s.box.x < seal.box.right() && seal.box.x < s.box.right() &&
                 s.box.y < seal.box.bottom() && seal.box.y < s.box.bottom();
        }))
      seals.push_back(std::move(seal));
  return seals;
}

namespace {

// A seal's ink (0..1) about the seal, sampled bilinearly.
class InkMap {
 public:
  InkMap(int w, int h) : w_(w), h_(h), ink_(static_cast<size_t>(w) * static_cast<size_t>(h)) {}
  int width() const { return w_; }
  int height() const { return h_; }
  void set(int x, int y, float v) { ink_[index(x, y)] = v; }
  double pixel(int x, int y) const { return static_cast<double>(ink_[index(x, y)]); }
  double at(double x, double y) const {
    x -= 0.5, y -= 0.5;
    const int x0 = static_cast<int>(std::floor(x)), y0 = static_cast<int>(std::floor(y));
    if (x0 < 0 || y0 < 0 || x0 + 1 >= w_ || y0 + 1 >= h_) return 0.0;
    const double fx = x - x0, fy = y - y0;
    return (1 - fy) * ((1 - fx) * pixel(x0, y0) + fx * pixel(x0 + 1, y0)) +
           fy * ((1 - fx) * pixel(x0, y0 + 1) + fx * pixel(x0 + 1, y0 + 1));
  }

 private:
  size_t index(int x, int y) const {
    return static_cast<size_t>(y) * static_cast<size_t>(w_) + static_cast<size_t>(x);
  }
  int w_, h_;
  std::vector<float> ink_;
};

// A seal's ring: an ellipse of radii rx (across) and ry (down) about (cx, cy), turned by `tilt`
// radians clockwise. A stamp squeezed one way and pressed askew draws its ring so (or a scanner's
// squeeze on a page laid in askew), and its name then runs along that ellipse.
class Ring {
 public:
  Ring(double x, double y, double across, double down) : cx(x), cy(y), rx(across), ry(down) {}
  double cx, cy, rx, ry;

  double tilt() const { return tilt_; }
  void set_tilt(double tilt) { tilt_ = tilt, sin_ = std::sin(tilt), cos_ = std::cos(tilt); }
  double radius() const { return (rx + ry) / 2; }
  // The point `at` of the way out to the ring (1 on it), at an angle clockwise from the ellipse's
  // top given by its sine and cosine.
  std::pair<double, double> point(double at, double sin_a, double cos_a) const {
    const double u = at * rx * sin_a, v = -at * ry * cos_a;
    return {cx + u * cos_ - v * sin_, cy + u * sin_ + v * cos_};
  }
  // How far out a pixel lies, 1 on the ring.
  double way_out(double x, double y) const {
    const double ox = x - cx, oy = y - cy;
    return std::hypot((ox * cos_ + oy * sin_) / rx, (oy * cos_ - ox * sin_) / ry);
  }

 private:
  double tilt_ = 0, sin_ = 0, cos_ = 1;  // the tilt's sine and cosine, once
};

// The ring: the ellipse whose outline holds most ink, near the box's own (the box is the mask's
// ink, and a faint side of the ring or a red mark beside it moves it). Coarsely over centres and
// radii (a circle, every other pixel, 48 points), then the ellipse climbed a pixel (its tilt
// 0.02 radians, about a degree) at a time (120 points) while its outline gains ink. Its tilt, up to
// 45 degrees either way, since scan-66: a press squeezed by 7 % and pressed 20 degrees askew
// drifted its name by up to 6 degrees along an upright ellipse's band from another press of the
// stamp, and its print was unlike the stamp's. The climb takes the tilt where an upright ellipse
// already fits better than a circle: a squeeze along a line 45 degrees from the page's axes leaves
// the upright ellipse no better than the circle, and the tilt of a circle changes nothing, so that
// one stays a circle.
Ring climbed_ring(const InkMap& ink, double cx, double cy, double rx, double ry) {
  // The points' sines and cosines, once for each count of points.
  struct Turns {
    std::vector<double> sin, cos;
    explicit Turns(int points) {
      for (int k = 0; k < points; ++k) {
        const double angle = 2 * std::numbers::pi * k / points;
        sin.push_back(std::sin(angle)), cos.push_back(std::cos(angle));
      }
    }
  };
  static const Turns coarse(48), fine(120);
  auto outline = [&](const Ring& ring, const Turns& turns) {
    double sum = 0;
    for (size_t k = 0; k < turns.sin.size(); ++k) {
      const auto [x, y] = ring.point(1, turns.sin[k], turns.cos[k]);
      sum += ink.at(x, y);
    }
    return sum / static_cast<double>(turns.sin.size());
  };
  const double r0 = (rx + ry) / 2;
  const int reach = std::max(2, static_cast<int>(r0 / 8));
  double best = -1;
  Ring at{cx, cy, r0, r0};
  for (int dy = -reach; dy <= reach; dy += 2)
    for (int dx = -reach; dx <= reach; dx += 2)
      for (double r = r0 * 0.8; r <= r0 * 1.08; r += 2.0) {
        const Ring circle{cx + dx, cy + dy, r, r};
        if (const double v = outline(circle, coarse); v > best) best = v, at = circle;
      }
  const double best_r = at.rx;
  constexpr double kTiltStep = 0.02, kMostTilt = std::numbers::pi / 4;
  best = outline(at, fine);
  for (int round = 0; round < 60; ++round) {
    Ring step_to = at;
    double step_best = best;
    for (int k = 0; k < 5; ++k)  // cx, cy, rx, ry, tilt
      for (double d : {-1.0, 1.0}) {
        Ring next = at;
        if (k == 4)
          next.set_tilt(at.tilt() + d * kTiltStep);
        else
          (k == 0 ? next.cx : k == 1 ? next.cy : k == 2 ? next.rx : next.ry) += d;
        if (next.rx < best_r * 0.9 || next.rx > best_r * 1.1 || next.ry < best_r * 0.9 ||
            next.ry > best_r * 1.1 || std::abs(next.tilt()) > kMostTilt)
          continue;
        if (const double v = outline(next, fine); v > step_best) step_best = v, step_to = next;
      }
    if (step_best <= best) break;
    best = step_best, at = step_to;
  }
  return at;
}

// The band inside a ring unrolled: at the arc length of the band's middle, every column one step
// of angle clockwise from the ring's top, every row one step of radius inwards (the characters
// stand upright), starting at the seal's foot; [first, last] the name's columns.
struct Band {
  std::vector<double> ink;  // rows × columns, of the circle from `start`
  int columns = 0, rows = 0, start = 0, first = 0, last = -1;
  double outer_r = 1, inner_r = 1;  // the band's edges, as shares of the ring's way out
  double at(int r, int c) const {
    return ink[static_cast<size_t>(r) * static_cast<size_t>(columns) +
               static_cast<size_t>((start + c) % columns)];
  }
};

std::optional<Band> unrolled_band(const InkMap& map, const Ring& ring) {
  // The ring's inner edge: going inwards from its strongest radius, where its ink thins out.
  // The name runs just inside it; its characters are about a quarter of the radius tall.
  constexpr int kRadii = 100;
  std::array<double, kRadii + 11> by_radius{};
  std::array<int, kRadii + 11> samples{};
  for (int y = 0; y < map.height(); ++y)
    for (int x = 0; x < map.width(); ++x) {
      const auto r = static_cast<size_t>(ring.way_out(x + 0.5, y + 0.5) * kRadii);
      if (r >= by_radius.size()) continue;
      ++samples[r];
      by_radius[r] += map.pixel(x, y);
    }
  auto share = [&](int r) {
    const auto i = static_cast<size_t>(r);
    return samples[i] == 0 ? 0.0 : by_radius[i] / samples[i];
  };
  int peak = kRadii * 90 / 100;
  for (int r = peak; r < kRadii + 10; ++r)
    if (share(r) > share(peak)) peak = r;
  int inner = peak;
  while (inner > kRadii * 75 / 100 && share(inner - 1) > share(peak) * 0.4) --inner;
  Band band;
  band.outer_r = (inner - 1) / static_cast<double>(kRadii);
  band.inner_r = band.outer_r - 0.42;
  band.columns =
      static_cast<int>(2 * std::numbers::pi * (band.outer_r + band.inner_r) / 2 * ring.radius());
  band.rows = static_cast<int>((band.outer_r - band.inner_r) * ring.radius());
  const int columns = band.columns, rows = band.rows;
  if (columns < 32 || rows < 8) return std::nullopt;
  band.ink.resize(static_cast<size_t>(columns) * static_cast<size_t>(rows));
  for (int c = 0; c < columns; ++c) {
    const double angle = 2 * std::numbers::pi * (c + 0.5) / columns;
    const double sin_a = std::sin(angle), cos_a = std::cos(angle);
    for (int r = 0; r < rows; ++r) {
      const double at = band.outer_r - (band.outer_r - band.inner_r) * (r + 0.5) / rows;
      const auto [x, y] = ring.point(at, sin_a, cos_a);
      band.ink[static_cast<size_t>(r) * static_cast<size_t>(columns) + static_cast<size_t>(c)] =
          map.at(x, y);
    }
  }
  // The widest stretch without the name's tall characters around the circle: the foot of the
  // seal, between the name's last character and its first, where at most a line of small digits
  // runs (an anti-forgery number). The line starts in its middle. A column is tall print when
  // the ink of the columns around it (half a character's width) spans half the band; a quarter
  // of full strength is ink (a fine Song face's thin strokes do not come out darker).
  std::vector<int> top(static_cast<size_t>(columns), rows),
      bottom(static_cast<size_t>(columns), -1);
  for (int c = 0; c < columns; ++c)
    for (int r = 0; r < rows; ++r)
      if (band.ink[static_cast<size_t>(r) * static_cast<size_t>(columns) +
                   static_cast<size_t>(c)] >= 0.25) {
        top[static_cast<size_t>(c)] = std::min(top[static_cast<size_t>(c)], r);
        bottom[static_cast<size_t>(c)] = r;
      }
  const int half = std::max(1, rows * 3 / 10);
  std::vector<bool> tall(static_cast<size_t>(columns), false);
  for (int c = 0; c < columns; ++c) {
    int t = rows, b = -1;
    for (int d = -half; d <= half; ++d) {
      const auto k = static_cast<size_t>((c + d + columns) % columns);
      t = std::min(t, top[k]), b = std::max(b, bottom[k]);
    }
    tall[static_cast<size_t>(c)] = b - t >= rows / 2;
  }
  auto blank = [&](int c) { return !tall[static_cast<size_t>(c % columns)]; };
  int best_start = 0, best_length = 0;
  for (int c = 0; c < columns; ++c) {
    if (!blank(c) || (c > 0 && blank(c - 1))) continue;
    int length = 0;
    while (length < columns && blank(c + length)) ++length;
    if (length > best_length) best_start = c, best_length = length;
  }
  if (best_length == 0 && blank(0)) return std::nullopt;  // no ink at all
  band.start = best_start + best_length / 2;
  const int start = band.start;
  // The name's extent, its first and last inked column between the gap's two ends, with a
  // margin of half the band: the rest of the circle is not read.
  int first = columns, last = -1;
  for (int c = best_length - best_length / 2; c < columns - best_length / 2; ++c)
    if (bottom[static_cast<size_t>((start + c) % columns)] >= 0)
      first = std::min(first, c), last = c;
  if (last < first) return std::nullopt;
  band.first = std::max(0, first - rows / 2), band.last = std::min(columns - 1, last + rows / 2);
  return band;
}

// The whole band's print from the foot's middle round (SealPrint), each bin brought to the
// strongest ink about it as the read line's columns are.
SealPrint print_of_band(const Band& band) {
  const int columns = band.columns, rows = band.rows;
  auto at = [&](int r, int c) { return band.at(r, c); };
  SealPrint print;
  constexpr int kBins = static_cast<int>(360 / SealPrint::kPrintDegrees);
  std::vector<double> bin_ink(static_cast<size_t>(kBins) * SealPrint::kPrintRows, 0);
  std::vector<double> bin_strongest(kBins, 0);
  for (int b = 0; b < kBins; ++b) {
    const int left = b * columns / kBins, right = std::max(left + 1, (b + 1) * columns / kBins);
    for (int r = 0; r < SealPrint::kPrintRows; ++r) {
      const int row_top = r * rows / SealPrint::kPrintRows,
                foot = std::max(row_top + 1, (r + 1) * rows / SealPrint::kPrintRows);
      double sum = 0;
      for (int y = row_top; y < foot; ++y)
        for (int c = left; c < right; ++c) sum += at(y, c);
      bin_ink[static_cast<size_t>(r * kBins + b)] = sum / ((foot - row_top) * (right - left));
    }
    for (int c = left; c < right; ++c)
      for (int y = 0; y < rows; ++y)
        bin_strongest[static_cast<size_t>(b)] =
            std::max(bin_strongest[static_cast<size_t>(b)], at(y, c));
  }
  const int reach =
      std::max(1, static_cast<int>(rows / 2 * 360.0 / columns / SealPrint::kPrintDegrees));
  print.bins = kBins;
  print.ink.assign(static_cast<size_t>(kBins) * SealPrint::kPrintRows, '0');
  for (int b = 0; b < kBins; ++b) {
    double local = 0;
    for (int d = -reach; d <= reach; ++d)
      local = std::max(local, bin_strongest[static_cast<size_t>((b + d + kBins) % kBins)]);
    const double gain = 1 / std::max(local, 1.0 / 3);
    for (int r = 0; r < SealPrint::kPrintRows; ++r) {
      const double v = std::min(1.0, bin_ink[static_cast<size_t>(r * kBins + b)] * gain);
      print.ink[static_cast<size_t>(r * kBins + b)] =
          static_cast<char>('0' + std::clamp(static_cast<int>(v * 10), 0, 9));
    }
  }
  return print;
}

}  // namespace

UnrolledSeal unroll_seal_text(const LevelledGrey& redness, const SealMark& seal) {
  // The seal cut out with a margin (the box is the mask's ink; fainter ink lies outside it).
  const int margin = std::max(seal.box.w, seal.box.h) / 16 + 2;
  const Box area{seal.box.x - margin, seal.box.y - margin, seal.box.w + 2 * margin,
                 seal.box.h + 2 * margin};
  PixPtr cut = redness.cut(area);
  if (!cut) return {};
  const int w = width_of(cut.get()), h = height_of(cut.get());
  const l_uint32* data = pixGetData(cut.get());
  const int wpl = pixGetWpl(cut.get());
  auto red_at = [&](int x, int y) {
    return 255 - static_cast<int>(GET_DATA_BYTE(data + static_cast<ptrdiff_t>(y) * wpl, x));
  };
  // The seal's ink between the paper's faint tint and its own full strength (a high rank of the
  // red pixels): a pale or unevenly inked seal reads as dark as a fresh one.
  std::array<int, 256> histogram{};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) ++histogram[static_cast<size_t>(red_at(x, y))];
  constexpr int kPaper = 18;
  long red_pixels = 0;
  for (int v = kPaper; v < 256; ++v) red_pixels += histogram[static_cast<size_t>(v)];
  if (red_pixels == 0) return {};
  int full = 255;
  for (long seen = 0; full > kPaper; --full) {
    seen += histogram[static_cast<size_t>(full)];
    if (seen * 2 >= red_pixels) break;
  }
  if (full <= kPaper + 8) return {};
  const int floor = kPaper;
  // Each pixel's ink once (0..1), then sampled bilinearly.
  InkMap map(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      map.set(
          x, y,
          std::clamp(static_cast<float>(red_at(x, y) - floor) / static_cast<float>(full - floor),
                     0.0f, 1.0f));
  const std::optional<Band> band =
      unrolled_band(map, climbed_ring(map, margin + seal.box.w / 2.0, margin + seal.box.h / 2.0,
                                      seal.box.w / 2.0, seal.box.h / 2.0));
  if (!band) return {};
  SealPrint print = print_of_band(*band);
  const int columns = band->columns, rows = band->rows, first = band->first, last = band->last;
  const double outer_r = band->outer_r, inner_r = band->inner_r;
  auto at = [&](int r, int c) { return band->at(r, c); };
  // A seal is pressed harder on one side: each stretch of a character's width is brought to its
  // own strongest ink (at most threefold), so the faint side reads as the strong one.
  std::vector<double> strongest(static_cast<size_t>(columns), 0);
  for (int c = first; c <= last; ++c)
    for (int r = 0; r < rows; ++r)
      strongest[static_cast<size_t>(c)] = std::max(strongest[static_cast<size_t>(c)], at(r, c));
  PixPtr line(pixCreate(last - first + 1, rows, 8));
  if (!line) return {};
  for (int c = first; c <= last; ++c) {
    double local = 0;
    for (int d = std::max(first, c - rows / 2); d <= std::min(last, c + rows / 2); ++d)
      local = std::max(local, strongest[static_cast<size_t>(d)]);
    const double gain = 1 / std::max(local, 1.0 / 3);
    for (int r = 0; r < rows; ++r) {
      l_uint32* to = pixGetData(line.get()) + static_cast<ptrdiff_t>(r) * pixGetWpl(line.get());
      const double v = std::min(1.0, at(r, c) * gain);
      SET_DATA_BYTE(to, c - first, static_cast<l_uint8>(std::lround(255 * (1 - v))));
    }
  }
  // The ring's inner edge where it dips into the band's top rows, a line across the name's tops
  // apart from them by blank rows: painted out, so the characters' ink starts at their own tops.
  {
    const int width = last - first + 1;
    auto row_ink = [&](int r) {
      const l_uint32* row =
          pixGetData(line.get()) + static_cast<ptrdiff_t>(r) * pixGetWpl(line.get());
      long sum = 0;
      for (int c = 0; c < width; ++c) sum += 255 - GET_DATA_BYTE(row, c);
      return static_cast<double>(sum) / (255.0 * width);
    };
    bool inked_above = false;
    for (int r = 0; r < rows / 3; ++r) {
      const double ink_share = row_ink(r);
      if (ink_share >= 0.05) {
        inked_above = true;
      } else if (ink_share < 0.01 && inked_above) {
        for (int above = 0; above < r; ++above) {
          l_uint32* row =
              pixGetData(line.get()) + static_cast<ptrdiff_t>(above) * pixGetWpl(line.get());
          for (int c = 0; c < width; ++c) SET_DATA_BYTE(row, c, 255);
        }
        break;
      }
    }
  }
  return {std::move(line), outer_r, inner_r, std::move(print)};
}

PixPtr upright_character(const UnrolledSeal& seal, int first, int last) {
  Pix* line = seal.line.get();
  if (!line || first < 0 || last < first || last >= width_of(line)) return nullptr;
  const int w = last - first + 1, h = height_of(line);
  PixPtr out(pixCreate(w, h, 8));
  if (!out) return nullptr;
  pixSetAll(out.get());
  // The character's middle row: the middle of its ink's rows.
  int top = h, foot = -1;
  for (int y = 0; y < h; ++y) {
    const l_uint32* row = pixGetData(line) + static_cast<ptrdiff_t>(y) * pixGetWpl(line);
    for (int x = first; x <= last; ++x)
      if (GET_DATA_BYTE(row, x) < 176) {
        top = std::min(top, y), foot = std::max(foot, y);
        break;
      }
  }
  if (foot < 0) return out;
  auto radius = [&](double y) {
    return seal.top_radius - (seal.top_radius - seal.foot_radius) * (y + 0.5) / h;
  };
  const double middle = radius((top + foot) / 2.0), centre = (first + last + 1) / 2.0;
  for (int y = 0; y < h; ++y) {
    const double scale = radius(y) / middle;  // the row's width on the seal over the line's
    const l_uint32* from = pixGetData(line) + static_cast<ptrdiff_t>(y) * pixGetWpl(line);
    l_uint32* to = pixGetData(out.get()) + static_cast<ptrdiff_t>(y) * pixGetWpl(out.get());
    for (int x = 0; x < w; ++x) {
      // Linear between the two line columns the output column's middle falls between.
      const double at = centre + (first + x + 0.5 - centre) / scale - 0.5;
      const int x0 = static_cast<int>(std::floor(at));
      const double f = at - x0;
      auto value = [&](int c) {
        return c < first || c > last ? 255.0 : static_cast<double>(GET_DATA_BYTE(from, c));
      };
      SET_DATA_BYTE(to, x,
                    static_cast<l_uint8>(std::lround((1 - f) * value(x0) + f * value(x0 + 1))));
    }
  }
  return out;
}

PixPtr upright_line(const UnrolledSeal& seal, const std::vector<std::pair<int, int>>& characters) {
  PixPtr line(pixCopy(nullptr, seal.line.get()));
  if (!line) return nullptr;
  for (const auto& [first, last] : characters)
    if (PixPtr upright = upright_character(seal, first, last))
      pixRasterop(line.get(), first, 0, last - first + 1, height_of(line.get()), PIX_SRC,
                  upright.get(), 0, 0);
  return line;
}

}  // namespace keydesk::ocr::internal
