// GlyphShapes: the machine's Chinese faces found through fontconfig, characters drawn by
// FreeType, and both sides of the comparison made Shapes.
#include "ocr/internal/glyphs.h"

#include <fontconfig/fontconfig.h>
#include <ft2build.h>
#include FT_FREETYPE_H

#include <iconv.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string_view>

namespace keydesk::ocr::internal {

namespace {

// Ink above this share of full is the character's (its extent); below, paper and halo.
constexpr float kInkFloor = 0.3f;
// The pixel size characters are drawn at: large enough that the shape is the face's, not the
// rasteriser's.
constexpr int kDrawnPixels = 48;
// A cut of the page this close in contrast has no print on it (paper and noise).
constexpr int kLeastContrast = 40;
// More faces add little once Song, Hei and Kai are there, and each costs a drawing per character.
constexpr size_t kMostFaces = 8;
// The faces a page's character is looked up among all the characters in, for its rivals: three
// (Hei, Song …) find the look-alike in another face that one misses, in half a second.
constexpr size_t kRankingFaces = 3;

// Separable Gaussian, σ ≈ 1 px: the print's blur and the drawing's sharpness made alike.
constexpr std::array<float, 5> kBlur = {0.054f, 0.244f, 0.404f, 0.244f, 0.054f};

}  // namespace

bool shape_of(const std::vector<float>& ink, int width, int height, Shape* shape) {
  int left = width, right = -1, top = height, bottom = -1;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      if (ink[static_cast<size_t>(y * width + x)] >= kInkFloor) {
        left = std::min(left, x), right = std::max(right, x);
        top = std::min(top, y), bottom = std::max(bottom, y);
      }
  if (right < 0) return false;
  const float w = static_cast<float>(right - left + 1), h = static_cast<float>(bottom - top + 1);
  auto at = [&](int x, int y) {
    x = std::clamp(x, 0, width - 1), y = std::clamp(y, 0, height - 1);
    return ink[static_cast<size_t>(y * width + x)];
  };
  // The extent sampled onto the square, bilinearly, pixel centres to pixel centres.
  Shape fitted{};
  for (int v = 0; v < kShape; ++v)
    for (int u = 0; u < kShape; ++u) {
      const float sx =
          static_cast<float>(left) + (static_cast<float>(u) + 0.5f) * w / kShape - 0.5f;
      const float sy = static_cast<float>(top) + (static_cast<float>(v) + 0.5f) * h / kShape - 0.5f;
      const int x0 = static_cast<int>(std::floor(sx)), y0 = static_cast<int>(std::floor(sy));
      const float fx = sx - static_cast<float>(x0), fy = sy - static_cast<float>(y0);
      fitted[static_cast<size_t>(v * kShape + u)] =
          (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) +
          fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
    }
  Shape across{};
  for (int v = 0; v < kShape; ++v)
    for (int u = 0; u < kShape; ++u) {
      float sum = 0;
      for (int k = -2; k <= 2; ++k)
        sum += kBlur[static_cast<size_t>(k + 2)] *
               fitted[static_cast<size_t>(v * kShape + std::clamp(u + k, 0, kShape - 1))];
      across[static_cast<size_t>(v * kShape + u)] = sum;
    }
  double mean = 0;
  for (int v = 0; v < kShape; ++v)
    for (int u = 0; u < kShape; ++u) {
      float sum = 0;
      for (int k = -2; k <= 2; ++k)
        sum += kBlur[static_cast<size_t>(k + 2)] *
               across[static_cast<size_t>(std::clamp(v + k, 0, kShape - 1) * kShape + u)];
      (*shape)[static_cast<size_t>(v * kShape + u)] = sum;
      mean += sum;
    }
  mean /= kShape * kShape;
  double norm = 0;
  for (float& s : *shape) {
    s = static_cast<float>(s - mean);
    norm += static_cast<double>(s) * s;
  }
  if (norm <= 1e-9) return false;
  const float scale = static_cast<float>(1.0 / std::sqrt(norm));
  for (float& s : *shape) s *= scale;
  return true;
}

void trim_neighbours(const std::vector<float>& ink, int w, int h, int* left, int* right) {
  auto blank = [&](int x) {
    for (int y = 0; y < h; ++y)
      if (ink[static_cast<size_t>(y * w + x)] >= 0.3f) return false;
    return true;
  };
  *left = 0, *right = w;
  for (int x = w / 4; x >= 0; --x)
    if (blank(x)) {
      *left = x + 1;
      break;
    }
  for (int x = w - 1 - w / 4; x < w; ++x)
    if (blank(x)) {
      *right = x;
      break;
    }
  if (*right - *left < w / 2) *left = 0, *right = w;
}

bool trimmed_shape(Pix* grey, Shape* shape) {
  const std::vector<float> ink = ink_of(grey);
  const int w = static_cast<int>(pixGetWidth(grey)), h = static_cast<int>(pixGetHeight(grey));
  int left = 0, right = w;
  trim_neighbours(ink, w, h, &left, &right);
  std::vector<float> kept;
  kept.reserve(static_cast<size_t>((right - left) * h));
  for (int y = 0; y < h; ++y)
    for (int x = left; x < right; ++x) kept.push_back(ink[static_cast<size_t>(y * w + x)]);
  return shape_of(kept, right - left, h, shape);
}

std::vector<float> ink_of(Pix* grey) {
  const int w = static_cast<int>(pixGetWidth(grey)), h = static_cast<int>(pixGetHeight(grey));
  std::vector<float> ink(static_cast<size_t>(w) * static_cast<size_t>(h), 0.0f);
  if (w == 0 || h == 0 || pixGetDepth(grey) != 8) return ink;
  std::array<int, 256> histogram{};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      l_uint32 v = 0;
      pixGetPixel(grey, x, y, &v);
      ++histogram[v];
    }
  // The darkest print and the paper: the 2nd and 98th percentiles, a speck or a glare aside.
  const int n = w * h;
  auto percentile = [&](int share) {
    int seen = 0;
    for (int v = 0; v < 256; ++v)
      if ((seen += histogram[static_cast<size_t>(v)]) * 100 >= share * n) return v;
    return 255;
  };
  const int dark = percentile(2), paper = percentile(98);
  if (paper - dark < kLeastContrast) return ink;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      l_uint32 v = 0;
      pixGetPixel(grey, x, y, &v);
      ink[static_cast<size_t>(y * w + x)] = std::clamp(
          static_cast<float>(paper - static_cast<int>(v)) / static_cast<float>(paper - dark), 0.0f,
          1.0f);
    }
  return ink;
}

struct GlyphShapes::Library {
  FT_Library ft = nullptr;
  std::vector<FT_Face> faces;
  std::vector<FT_Face> ranking;     // the first kRankingFaces again, drawing at kShape pixels
  std::vector<FT_Face> code_faces;  // Latin faces, for a code's letters and digits
  ~Library() {
    for (FT_Face face : code_faces) FT_Done_Face(face);
    for (FT_Face face : ranking) FT_Done_Face(face);
    for (FT_Face face : faces) FT_Done_Face(face);
    if (ft) FT_Done_FreeType(ft);
  }
};

namespace {

// Face `index` of `file`, drawing at `pixels`; nullptr when it cannot be opened or sized.
FT_Face open_face(FT_Library ft, const std::string& file, int index, int pixels) {
  FT_Face face = nullptr;
  if (FT_New_Face(ft, file.c_str(), index, &face) != 0) return nullptr;
  if (FT_Set_Pixel_Sizes(face, 0, static_cast<FT_UInt>(pixels)) != 0) {
    FT_Done_Face(face);
    return nullptr;
  }
  return face;
}

// A font fontconfig lists: its file, face index, first family name and weight.
struct ListedFont {
  std::string file, family;
  int index = 0, weight = FC_WEIGHT_REGULAR;
};

// The scalable fonts of `config` that match `pattern` (destroyed here).
std::vector<ListedFont> list_fonts(FcConfig* config, FcPattern* pattern) {
  FcPatternAddBool(pattern, FC_SCALABLE, FcTrue);
  FcObjectSet* objects = FcObjectSetBuild(FC_FILE, FC_INDEX, FC_FAMILY, FC_WEIGHT, nullptr);
  FcFontSet* fonts = FcFontList(config, pattern, objects);
  std::vector<ListedFont> out;
  for (int i = 0; fonts && i < fonts->nfont; ++i) {
    FcChar8* file = nullptr;
    FcChar8* family = nullptr;
    ListedFont font;
    if (FcPatternGetString(fonts->fonts[i], FC_FILE, 0, &file) != FcResultMatch) continue;
    font.file = reinterpret_cast<const char*>(file);
    if (FcPatternGetString(fonts->fonts[i], FC_FAMILY, 0, &family) == FcResultMatch)
      font.family = reinterpret_cast<const char*>(family);
    FcPatternGetInteger(fonts->fonts[i], FC_INDEX, 0, &font.index);
    FcPatternGetInteger(fonts->fonts[i], FC_WEIGHT, 0, &font.weight);
    out.push_back(std::move(font));
  }
  if (fonts) FcFontSetDestroy(fonts);
  FcObjectSetDestroy(objects);
  FcPatternDestroy(pattern);
  return out;
}

// A code's letters and digits are printed in Latin faces as often as in Chinese ones: an ID card
// number in a monospaced face, its 0 dotted or slashed, is more like the Chinese faces' 6 than
// their 0. The families that print most codes: the metric twins of Arial, Times New Roman and
// Courier New (URW's Nimbus, Liberation) and DejaVu, upright, regular and bold, as the machine has
// them.
std::vector<std::pair<FT_Face, std::string>> latin_faces(FcConfig* config, FT_Library ft) {
  static constexpr std::array<std::string_view, 9> kCodeFamilies = {
      "DejaVu Sans",    "DejaVu Sans Mono", "DejaVu Serif",     "Nimbus Sans",    "Nimbus Roman",
      "Nimbus Mono PS", "Liberation Sans",  "Liberation Serif", "Liberation Mono"};
  FcPattern* pattern = FcPatternCreate();
  FcPatternAddInteger(pattern, FC_SLANT, FC_SLANT_ROMAN);
  FcPatternAddInteger(pattern, FC_WIDTH, FC_WIDTH_NORMAL);
  struct Candidate {
    std::string family;
    int weight = 0;
    std::string file;
    int index = 0;
    auto operator<=>(const Candidate&) const = default;
  };
  std::vector<Candidate> candidates;
  for (const ListedFont& f : list_fonts(config, pattern)) {
    if (std::find(kCodeFamilies.begin(), kCodeFamilies.end(), f.family) == kCodeFamilies.end())
      continue;
    if (f.weight != FC_WEIGHT_REGULAR && f.weight != FC_WEIGHT_BOOK && f.weight != FC_WEIGHT_BOLD)
      continue;
    candidates.push_back({f.family, f.weight == FC_WEIGHT_BOLD ? FC_WEIGHT_BOLD : FC_WEIGHT_REGULAR,
                          f.file, f.index});
  }
  // One face per family and weight (URW's come as Type 1 and as OpenType), in an order that does
  // not depend on fontconfig's listing.
  std::sort(candidates.begin(), candidates.end());
  std::vector<std::pair<FT_Face, std::string>> out;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (i > 0 && candidates[i].family == candidates[i - 1].family &&
        candidates[i].weight == candidates[i - 1].weight)
      continue;
    if (FT_Face face = open_face(ft, candidates[i].file, candidates[i].index, kDrawnPixels))
      out.emplace_back(face, candidates[i].file + "#" + std::to_string(candidates[i].index));
  }
  return out;
}

}  // namespace

GlyphShapes::GlyphShapes() : library_(std::make_unique<Library>()) {
  if (FT_Init_FreeType(&library_->ft) != 0) {
    library_->ft = nullptr;
    return;
  }
  // Scalable faces covering Simplified Chinese, as fontconfig lists them, one per font file:
  // a collection's Simplified Chinese face (… SC, … CN, … GB) before its others, and none of
  // its monospaced or bold ones.
  FcConfig* config = FcInitLoadConfigAndFonts();
  if (!config) return;
  FcPattern* pattern = FcPatternCreate();
  FcLangSet* langs = FcLangSetCreate();
  FcLangSetAdd(langs, reinterpret_cast<const FcChar8*>("zh-cn"));
  FcPatternAddLangSet(pattern, FC_LANG, langs);
  FcLangSetDestroy(langs);
  std::vector<ListedFont> candidates = list_fonts(config, pattern);
  std::erase_if(candidates, [](const ListedFont& f) {
    return f.weight > FC_WEIGHT_MEDIUM || f.family.find("Mono") != std::string::npos;
  });
  auto simplified = [](const ListedFont& c) {
    for (std::string_view mark : {" SC", " CN", " GB", "GB "})
      if (c.family.find(mark) != std::string::npos) return 0;
    return 1;
  };
  // Sorted, so that the faces (and so the results) do not depend on fontconfig's listing order.
  std::sort(candidates.begin(), candidates.end(), [&](const ListedFont& a, const ListedFont& b) {
    if (a.file != b.file) return a.file < b.file;
    if (simplified(a) != simplified(b)) return simplified(a) < simplified(b);
    return a.index < b.index;
  });
  for (size_t i = 0; i < candidates.size() && library_->faces.size() < kMostFaces; ++i) {
    if (i > 0 && candidates[i].file == candidates[i - 1].file) continue;
    FT_Face face = open_face(library_->ft, candidates[i].file, candidates[i].index, kDrawnPixels);
    if (!face) continue;
    library_->faces.push_back(face);
    faces_.push_back(candidates[i].file + "#" + std::to_string(candidates[i].index));
    if (library_->ranking.size() < kRankingFaces)
      if (FT_Face ranking =
              open_face(library_->ft, candidates[i].file, candidates[i].index, kShape))
        library_->ranking.push_back(ranking);
  }
  for (auto& [face, name] : latin_faces(config, library_->ft)) {
    library_->code_faces.push_back(face);
    code_faces_.push_back(std::move(name));
  }
  FcConfigDestroy(config);
}

GlyphShapes::~GlyphShapes() = default;

namespace {

// `ch` drawn in `face` at its set size, as a Shape; false when the face lacks it.
bool draw(FT_Face face, char32_t ch, Shape* shape) {
  if (FT_Get_Char_Index(face, ch) == 0 || FT_Load_Char(face, ch, FT_LOAD_RENDER) != 0) return false;
  const FT_Bitmap& bitmap = face->glyph->bitmap;
  if (bitmap.pixel_mode != FT_PIXEL_MODE_GRAY || bitmap.width == 0 || bitmap.rows == 0)
    return false;
  const int w = static_cast<int>(bitmap.width), h = static_cast<int>(bitmap.rows);
  std::vector<float> drawn(static_cast<size_t>(w) * static_cast<size_t>(h));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      drawn[static_cast<size_t>(y * w + x)] =
          static_cast<float>(bitmap.buffer[y * bitmap.pitch + x]) / 255.0f;
  return shape_of(drawn, w, h, shape);
}

double dot(const Shape& a, const Shape& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += static_cast<double>(a[i]) * b[i];
  return sum;
}

// dot in single precision, eight sums side by side (one vector register's worth: the compiler
// does them at once), for ranking thousands of shapes. Two shapes are of unit norm, so the sum of
// the products' magnitudes is at most 1, and the rounding of 72 additions into each sum and three
// to join them keeps it within a few millionths of dot; kQuickSlack allows far more.
constexpr double kQuickSlack = 1e-4;
static_assert(kShape * kShape % 8 == 0);
float quick_dot(const Shape& a, const Shape& b) {
  std::array<float, 8> sums{};
  for (size_t i = 0; i < a.size(); i += 8)
    for (size_t j = 0; j < 8; ++j) sums[j] += a[i + j] * b[i + j];
  return ((sums[0] + sums[1]) + (sums[2] + sums[3])) + ((sums[4] + sums[5]) + (sums[6] + sums[7]));
}

}  // namespace

const std::vector<Shape>& GlyphShapes::drawn(char32_t ch) {
  auto it = drawn_.find(ch);
  if (it == drawn_.end()) {
    std::vector<Shape> shapes;
    for (FT_Face face : library_->faces)
      if (Shape shape; draw(face, ch, &shape)) shapes.push_back(shape);
    if (ch < 0x80 && std::isalnum(static_cast<int>(ch)))
      for (FT_Face face : library_->code_faces)
        if (Shape shape; draw(face, ch, &shape)) shapes.push_back(shape);
    it = drawn_.emplace(ch, std::move(shapes)).first;
  }
  return it->second;
}

double GlyphShapes::likeness(const Shape& ink, char32_t ch) {
  double best = -1;
  for (const Shape& shape : drawn(ch)) best = std::max(best, dot(shape, ink));
  return best;
}

std::vector<char32_t> GlyphShapes::rivals(const Shape& ink, size_t count) {
  if (common_.empty() && !library_->ranking.empty()) {
    // GB 2312's Chinese characters, rows 16–87 of its 94 × 94 table (0xB0A1 …): the 3,755 in
    // common use and the 3,008 less common ones (垅 beside 龙), names and places among them,
    // drawn in one face at the shape's own size (a few hundred milliseconds; in every face it
    // would take seconds).
    iconv_t to_utf32 = iconv_open("UTF-32LE", "GB2312");
    if (to_utf32 == reinterpret_cast<iconv_t>(-1)) return {};
    for (unsigned row = 0xB0; row <= 0xF7; ++row)
      for (unsigned cell = 0xA1; cell <= 0xFE; ++cell) {
        char in[2] = {static_cast<char>(row), static_cast<char>(cell)};
        char32_t ch = 0;
        char* in_at = in;
        char* out_at = reinterpret_cast<char*>(&ch);
        size_t in_left = 2, out_left = sizeof ch;
        if (iconv(to_utf32, &in_at, &in_left, &out_at, &out_left) == static_cast<size_t>(-1) ||
            out_left != 0)
          continue;
        std::vector<Shape> shapes;
        for (FT_Face face : library_->ranking)
          if (Shape shape; draw(face, ch, &shape)) shapes.push_back(shape);
        if (shapes.empty()) continue;
        common_.push_back(ch);
        common_shapes_.push_back(std::move(shapes));
      }
    iconv_close(to_utf32);
  }
  // Ranked by quick_dot first; the characters within twice its slack of the count-th are ranked
  // again by dot, so that the ranking is dot's.
  std::vector<float> quick(common_.size(), -1);
  for (size_t i = 0; i < common_.size(); ++i)
    for (const Shape& shape : common_shapes_[i])
      quick[i] = std::max(quick[i], quick_dot(shape, ink));
  count = std::min(count, common_.size());
  if (count == 0) return {};
  std::vector<float> order = quick;
  std::nth_element(order.begin(), order.begin() + static_cast<ptrdiff_t>(count - 1), order.end(),
                   std::greater<>());
  const double cutoff = static_cast<double>(order[count - 1]) - 2 * kQuickSlack;
  std::vector<std::pair<double, char32_t>> scored;
  for (size_t i = 0; i < common_.size(); ++i) {
    if (static_cast<double>(quick[i]) < cutoff) continue;
    double best = -1;
    for (const Shape& shape : common_shapes_[i]) best = std::max(best, dot(shape, ink));
    scored.emplace_back(best, common_[i]);
  }
  count = std::min(count, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<ptrdiff_t>(count), scored.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<char32_t> out;
  for (size_t i = 0; i < count; ++i) out.push_back(scored[i].second);
  return out;
}

}  // namespace keydesk::ocr::internal
