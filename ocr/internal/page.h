// Pixel work on one scan with Leptonica: decoding, the red-ink mask, seal rings, orientation,
// deskew, scaling and text-line layout. Everything here is geometry; reading text is the
// Recognizer's job. Defined by concern: decode.cpp (decoding, scaling), seals.cpp (red ink, seal
// rings), binarise.cpp (thresholds, ink share), orientation.cpp (text axis, deskew, LevelledGrey),
// layout.cpp (text rows, ruled lines), line_image.cpp (rows cut out for the recognizer) and
// signatures.cpp (handwriting_ink).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ocr/internal/leptonica.h"
#include "ocr/scan.h"

namespace keydesk::ocr::internal {

// Decodes image bytes to 32 bpp RGB, scaled by `factor` (JPEGs shrunk while decoding where
// they can be). nullptr when Leptonica cannot decode them.
PixPtr decode_rgb(const std::string& bytes, double factor = 1.0);

// Scales `rgb` so its longer side is about `long_side` (left alone within ±15%). *scale gets the
// factor applied.
PixPtr scale_to_working(Pix* rgb, int long_side, double* scale);

// One pass over a colour page: `red`, a 1 bpp mask of red ink (saturated red: seal ink, not the
// dark text under it); `grey`, the page's luminance with the red ink (mask widened a little)
// painted white, so that seals do not become junk text nor hide the text under them; `redness`,
// 8 bpp, where red stands out of the other channels within a few pixels, the share of the
// paper's light the pixel takes away (white where red does not stand out, as dark as the ink is
// against the paper about it where a seal's is): a seal's own print, its faint strokes kept whole,
// on white paper or a photocopy's grey alike.
struct RedAndGrey {
  PixPtr red, grey, redness;
};
RedAndGrey separate_red(Pix* rgb);

// Round rings in `mask` (red or grey ink) large enough to be a seal on a page `page_short_side`
// wide: connected components of the closed mask, tested for size, aspect, ring coverage and fill.
std::vector<SealMark> find_seal_rings(Pix* mask, int page_short_side, bool red);

// The band inside the ring of `seal` (found on `redness`, levelled as the page) where a company
// seal's name runs along its arc, unrolled into a straight line: 8 bpp, dark ink on white, its
// characters standing and in reading order (clockwise), starting in the widest stretch of the
// band without its tall print (the seal's foot), cut to the name's extent. No line when the band
// holds no ink.
class LevelledGrey;
struct UnrolledSeal {
  PixPtr line;
  // The radius of the line's top row and of its foot row, as shares of the ring's: each row takes
  // the same step of angle per column, so a character stands in it narrower at its top than at
  // its foot, as the radius is smaller there (upright_character).
  double top_radius = 1, foot_radius = 1;
  SealPrint print;  // the whole band round, from the foot's middle
};
UnrolledSeal unroll_seal_text(const LevelledGrey& redness, const SealMark& seal);

// Columns [first, last] of `seal`'s line (one character) as it stands on the seal: each row
// widened or narrowed about the columns' middle by its radius over that of the character's middle
// row, so that its top is as wide as its foot. nullptr when the columns are not on the line.
PixPtr upright_character(const UnrolledSeal& seal, int first, int last);
// `seal`'s line with each of `characters` ([first, last] columns) stood upright in its place.
PixPtr upright_line(const UnrolledSeal& seal, const std::vector<std::pair<int, int>>& characters);

// Sauvola's local thresholds of an 8 bpp page (t = m (1 − k (1 − s / 128)) over a window of
// 2 `half_window` + 1 pixels a side, mirrored at the edges): the values Leptonica's
// pixSauvolaBinarizeTiled gives, from integral images in one pass instead of its
// double-precision accumulator. nullptr when the page is smaller than the window.
PixPtr sauvola_thresholds(Pix* grey, int half_window, float factor);

// Binarised page: Sauvola's local threshold, tolerant of uneven lighting and faint print,
// taken on the page at half size with these window and factor (binarise.cpp says why).
constexpr int kSauvolaHalfWindow = 8;
constexpr float kSauvolaFactor = 0.2f;
PixPtr binarise(Pix* grey);
// The paper's level about each block of kPaperBlock × kPaperBlock pixels of `grey` (one value per
// block): the brightest luminance in the block, then the brightest over 11 × 11 blocks, about 44
// pixels (wider than any stroke or a seal's star, narrower than the turns of a copy's tone).
constexpr int kPaperBlock = 4;
PixPtr paper_level(Pix* grey);
// The page binarised again with its pale print deepened where no dark print stands near it (an
// ID card copied light on a page whose title is black): what binarise lost there. nullptr when
// the page has no such print.
PixPtr pale_print(Pix* grey);

// Share of dark pixels in a binary image.
double ink_share(Pix* binary, const Box* within = nullptr);

// Which way the text runs: 0 when lines are horizontal, 90 when the page lies on its side.
// *skew_degrees gets the small skew measured in the chosen direction.
int text_axis(Pix* binary, double* skew_degrees);

// Rotates by quarter turns clockwise, then by `skew_degrees` (bringing in white). `quick`: by
// shears rather than area mapping (no interpolation; for previews).
PixPtr rotate_page(Pix* pix, int quarter_turns, double skew_degrees, bool quick = false);

// A page's grey levels levelled by `skew_degrees` (as rotate_page levels them) without turning
// the whole page: each area asked for is cut from the page as it is and turned alone. The rows
// read are a tenth of a page, and turning by area mapping costs by the pixel.
class LevelledGrey {
 public:
  LevelledGrey() = default;
  LevelledGrey(PixPtr page, double skew_degrees);
  // `area` of the levelled page, white where it lies off the page.
  PixPtr cut(const Box& area) const;
  // The whole levelled page.
  PixPtr whole() const;
  // Turned by quarter turns clockwise. A quarter turn about the page's middle and the levelling
  // about it commute, so the page as it is turns and the skew stays.
  LevelledGrey turned(int quarter_turns) const;

 private:
  PixPtr page_;
  double skew_degrees_ = 0;
};

// Reading order of two rows: by their middles top to bottom, then left to right.
inline bool reads_before(const Box& a, const Box& b) {
  return a.y + a.h / 2 != b.y + b.h / 2 ? a.y + a.h / 2 < b.y + b.h / 2 : a.x < b.x;
}

// The page's text rows (clusters of character-sized components on one baseline, table rules and
// pictures left out; top to bottom, left to right) and its ruled lines.
struct TextRow {
  Box box;
  // The longest run of glyphs shaped like the digits and capitals of a code (one component
  // each, narrow, full height, evenly spaced): a USCC or an ID number has 18.
  int code_run = 0;
  Box code_box;             // that run's extent
  bool code_wraps = false;  // the run goes on on the line under it, in the same row (a cell's)
  bool grid = false;        // the code run is a character grid's cells (code_box its walls)
  // The height of its characters: the taller components', not the box's (a block of small
  // print that merged into one tall row is not a title).
  int glyph_height = 0;
};
struct Layout {
  std::vector<TextRow> rows;
  PixPtr rules;  // 1 bpp: the long thin runs of tables, underlines and frames
};
Layout text_layout(Pix* binary);

// The middle of `values` (of an even count, the upper of the two middle ones); 0 when empty.
int middle_value(std::vector<int> values);

// Which columns of `ink` (1 bpp) hold no dark pixel.
std::vector<bool> blank_columns(Pix* ink);

// The connected marks of `binary` (1 bpp) inside `block`, in `block`'s coordinates, left to
// right.
std::vector<Box> marks_in(Pix* binary, const Box& block);

// The print at the head of `block` (a row of `binary`) that a hand goes on from, the hand being
// the first mark out of the print's band or taller than its characters: the label of 法定代表人
// 签字：任霞 when the row finder joined the two. Its characters are the first marks `least_height`
// tall or more; three are needed. nullopt when no hand follows three characters of print. The box
// is the print's band (the middle top and foot of its first characters); `whole` gets the head's
// reach from its highest ink to its lowest (盖's top stroke stands above the band).
std::optional<Box> print_head(Pix* binary, const Box& block, int least_height,
                              Box* whole = nullptr);

// One row cut out for the recognizer: the grey pixels of `area`, ruled lines whitened, and every
// blank stretch wider than the row's height shortened to it. The recognizer's cost grows with
// the width it is given, and a label and its value in two table cells sit far apart.
struct LineImage {
  struct Piece {
    int line_x, page_x, width;  // columns [line_x, line_x + width) came from page_x onwards
  };
  PixPtr pix;  // 8 bpp
  std::vector<Piece> pieces;
  int page_y = 0;        // the page row of the image's first row
  double x_scale = 1.0;  // line columns per page column (squeeze)
  double turn = 0.0;     // radians the image was turned about its middle, clockwise (turned)
  // A box on the line image, on the page.
  Box to_page(const Box& on_line) const;
  // Narrows the image to `factor` of its width (boxes still map back).
  void squeeze(float factor);
  // The image turned clockwise by `radians` about its middle, its size kept and its corners
  // filled with its own paper grey (boxes still map back: a box's middle is turned back). Null
  // pix when it cannot be.
  LineImage turned(double radians) const;
};

// The slope of the line of print in a row's grey image (`pix`, 8 bpp), rows down per column
// across: the line through the middles of its columns' ink, each column weighted by the root of
// its ink. 0 when the image holds too little ink or too little contrast to say.
double ink_slope(Pix* pix);

// `line` turned level (LineImage::turned) when its print slopes by about 1.5° to 15° (a hand's
// value written across its cell uphill, an ID card copied askew); null pix when it is level
// enough, too steep to be one line, or cannot be turned.
LineImage turned_level(const LineImage& line);
// With `own` (the row's box, inside `area`), the marks of the lines above and below that come
// into `area` are cleared.
LineImage line_image(const LevelledGrey& grey, Pix* binary, Pix* rules, const Box& area,
                     const Box* own = nullptr);
// `area`'s grey pixels as they are, nothing whitened or shortened: where the binary page lost
// the print (pale grey on a copy), line_image would take its columns for blank and drop them.
LineImage grey_line_image(const LevelledGrey& grey, const Box& area);

// A line written by hand, set straight for the recognizer: the ink of `area` (ruled lines left
// out) cut at its blank columns into characters, each set on one line (a code's on one foot,
// Chinese characters, `square`, grouped a character wide and centred on one middle) an even gap
// apart on the line's own paper grey, scaled by `scale`. A hand moves each character up or down
// and the line uphill; Tesseract reads a line whose characters share a baseline. Boxes map back
// to the page's columns; their rows are the line's.
LineImage levelled_line_image(const LevelledGrey& grey, Pix* binary, Pix* rules, const Box& area,
                              bool square, float scale);

// A character grid's code for the recognizer (TextRow::grid): the inside of each of its `cells`,
// walls and frame left out, set side by side as a printed row would be (`binary` says where
// each cell's ink is).
LineImage grid_line_image(const LevelledGrey& grey, Pix* binary, const Box& grid, int cells);

// A column of `row` near `x` with no ink (ruled lines aside), where the row can be cut in two
// without splitting a character; `x` itself when there is none within a row height of it.
int blank_column(Pix* binary, Pix* rules, const Box& row, int x);

// Dark pixels in `region` of `binary` that are not part of long ruled lines.
double handwriting_ink(Pix* binary, const Box& region, int* tallest_component);

// Where the print right of `label` ends, at most `most` pixels on: ink that stays within the
// label's band, with gaps under two thirds of its height; what runs out of the band (handwriting,
// a seal) ends it.
int print_tail_end(Pix* binary, const Box& label, int most);

}  // namespace keydesk::ocr::internal
