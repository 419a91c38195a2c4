// Characters drawn from the machine's Chinese fonts and compared with a character on the page:
// the second look at a name read one character off the form's (ScanAnalyzer::Impl::confirm).
// Tesseract reads a 10–14 px character of an ID card copy as a confident wrong one (辉 as 将)
// and its alternatives do not hold the right one; drawn side by side, the two candidates are
// easy to tell apart, because the question is no longer "which of 7,000 characters" but "this one
// or that one".
#pragma once

#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ocr/internal/leptonica.h"

namespace keydesk::ocr::internal {

// A character's ink fitted to its own extent, set on a kShape-pixel square, blurred, with zero
// mean and unit norm: two shapes' dot product is their normalised correlation (−1..1). Fitting
// to the extent makes the comparison blind to size, position and weight of the print.
constexpr int kShape = 24;
using Shape = std::array<float, kShape * kShape>;

// `ink` (row-major, `width` × `height`, 0 = paper, 1 = full ink) as a Shape. false when it holds
// no ink.
bool shape_of(const std::vector<float>& ink, int width, int height, Shape* shape);

// The ink of an 8 bpp grey cut of the page (dark print on light paper), stretched between its
// paper and its darkest print so that a faint copy and a black print weigh alike.
std::vector<float> ink_of(Pix* grey);

// `ink` (`w` × `h`) with a neighbour's edge cut off: a sliver of ink parted from the rest by a
// blank column in the outer quarter of either side. What is left spans [*left, *right).
void trim_neighbours(const std::vector<float>& ink, int w, int h, int* left, int* right);

// The Shape of the ink of `grey` (a character cut out with a little of its neighbours, ink_of),
// the neighbours' edges trimmed off. false when it holds no ink.
bool trimmed_shape(Pix* grey, Shape* shape);

class GlyphShapes {
 public:
  // The scalable fonts fontconfig knows that cover Simplified Chinese, one face per family,
  // regular weight first (Song, Hei, Kai, …: whatever the machine has); for a code's letters and
  // digits the Latin faces codes are printed in as well (DejaVu, URW's Nimbus, Liberation).
  GlyphShapes();
  ~GlyphShapes();
  GlyphShapes(const GlyphShapes&) = delete;
  GlyphShapes& operator=(const GlyphShapes&) = delete;

  // Whether any face was found: without one no character can be drawn and nothing is compared.
  bool usable() const { return !faces_.empty(); }
  size_t faces() const { return faces_.size(); }
  // The Latin faces a code's letters and digits are drawn in as well ("file#index").
  const std::vector<std::string>& code_faces() const { return code_faces_; }

  // How much `ink` (as Shape) looks like `ch`: the best correlation over the faces. −1 when no
  // face draws it.
  double likeness(const Shape& ink, char32_t ch);

  // The `count` characters of GB 2312 most like `ink`, best first: the rivals a character must
  // beat to be taken for the ink, ranked in the first few faces. The first call draws them all.
  std::vector<char32_t> rivals(const Shape& ink, size_t count);

 private:
  struct Library;
  std::unique_ptr<Library> library_;
  std::vector<std::string> faces_;       // "file#index", for logs
  std::vector<std::string> code_faces_;  // the same, of the Latin faces
  // `ch` in every face that has it (drawn on first use).
  const std::vector<Shape>& drawn(char32_t ch);

  std::map<char32_t, std::vector<Shape>> drawn_;   // per character, one per face that has it
  std::vector<char32_t> common_;                   // GB 2312's characters, once drawn
  std::vector<std::vector<Shape>> common_shapes_;  // … in the first kRankingFaces faces
};

}  // namespace keydesk::ocr::internal
