// The page geometry the reading policy rests on, on pages drawn here with Leptonica: what the
// recognizer is given for a row, where a row may be cut, which rows look like a printed code.
#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "ocr/internal/page.h"

using namespace keydesk::ocr;
using namespace keydesk::ocr::internal;

namespace {

// A white 8 bpp page.
PixPtr blank_page(int w, int h) {
  PixPtr page(pixCreate(w, h, 8));
  pixSetAll(page.get());
  return page;
}

void ink(Pix* page, int x, int y, int w, int h) {
  pixRasterop(page, x, y, w, h, PIX_CLR, nullptr, 0, 0);
}

// A square glyph-like mark: an outlined box with a stroke across, as a Chinese character's
// strokes are joined.
void square_glyph(Pix* page, int x, int y, int size) {
  ink(page, x, y, size, 3);
  ink(page, x, y + size - 3, size, 3);
  ink(page, x, y, 3, size);
  ink(page, x + size - 3, y, 3, size);
  ink(page, x, y + size / 2, size, 2);
}

// A grey page with no skew, as line_image takes it.
LevelledGrey as_is(Pix* page) { return LevelledGrey(PixPtr(pixClone(page)), 0); }

PixPtr binary_of(Pix* grey) { return PixPtr(pixThresholdToBinary(grey, 128)); }

const TextRow* row_at(const Layout& layout, int x, int y) {
  for (const TextRow& r : layout.rows)
    if (x >= r.box.x && x < r.box.right() && y >= r.box.y && y < r.box.bottom()) return &r;
  return nullptr;
}

}  // namespace

TEST_CASE("a row given to the recognizer has its wide gaps shortened and table borders whitened",
          "[page]") {
  PixPtr page = blank_page(1200, 300);
  // A label cell and a value cell 700 pixels apart, between the vertical borders of a table.
  for (int i = 0; i < 4; ++i) square_glyph(page.get(), 60 + i * 26, 100, 22);
  for (int i = 0; i < 6; ++i) square_glyph(page.get(), 860 + i * 26, 100, 22);
  ink(page.get(), 30, 40, 2, 200);
  ink(page.get(), 1150, 40, 2, 200);
  PixPtr binary = binary_of(page.get());
  Layout layout = text_layout(binary.get());
  REQUIRE(layout.rules);

  keydesk::ocr::Box area{20, 92, 1150, 38};
  LineImage line = line_image(as_is(page.get()), binary.get(), layout.rules.get(), area);
  REQUIRE(line.pix);
  const int width = static_cast<int>(pixGetWidth(line.pix.get()));
  CHECK(width < 400);  // 1150 columns, of which about 420 hold ink or short gaps
  CHECK(width > 10 * 26);
  REQUIRE(line.pieces.size() == 2);
  // The borders are gone: the first and last columns of the line are white.
  l_uint32 value = 0;
  for (int y = 0; y < static_cast<int>(pixGetHeight(line.pix.get())); ++y) {
    pixGetPixel(line.pix.get(), 0, y, &value);
    CHECK(value == 255);
  }
  // A box on the line maps back onto the page: the first glyph of the value cell.
  keydesk::ocr::Box on_line{line.pieces[1].line_x + (860 - line.pieces[1].page_x),
                            100 - line.page_y, 22, 22};
  keydesk::ocr::Box on_page = line.to_page(on_line);
  CHECK(on_page.x == 860);
  CHECK(on_page.y == 100);
  CHECK(on_page.w == 22);
}

TEST_CASE("the thick strokes of a large title are not taken for ruled lines", "[page]") {
  PixPtr page = blank_page(1200, 400);
  // Four title characters 90 pixels tall with long vertical strokes.
  for (int i = 0; i < 4; ++i) {
    ink(page.get(), 300 + i * 140, 100, 10, 90);
    ink(page.get(), 300 + i * 140, 100, 90, 10);
    ink(page.get(), 380 + i * 140, 100, 10, 90);
  }
  PixPtr binary = binary_of(page.get());
  Layout layout = text_layout(binary.get());
  LineImage line =
      line_image(as_is(page.get()), binary.get(), layout.rules.get(), {280, 85, 640, 120});
  REQUIRE(line.pix);
  // The strokes are still there: the line keeps its ink.
  l_int32 dark = 0;
  PixPtr line_binary(pixThresholdToBinary(line.pix.get(), 128));
  pixCountPixels(line_binary.get(), &dark, nullptr);
  CHECK(dark >= 4 * (2 * 10 * 90 + 70 * 10) * 9 / 10);
}

TEST_CASE("rows of narrow full-height glyphs are told from rows of square ones", "[page]") {
  PixPtr page = blank_page(1200, 400);
  // 18 digit-like bars, as a USCC is printed.
  for (int i = 0; i < 18; ++i) ink(page.get(), 100 + i * 16, 100, 10, 22);
  // 12 square characters, as a company name is.
  for (int i = 0; i < 12; ++i) square_glyph(page.get(), 100 + i * 28, 250, 24);
  PixPtr binary = binary_of(page.get());
  Layout layout = text_layout(binary.get());
  const TextRow* code = row_at(layout, 110, 110);
  const TextRow* name = row_at(layout, 110, 260);
  REQUIRE(code);
  REQUIRE(name);
  CHECK(code->code_run == 18);
  CHECK(name->code_run == 0);
  CHECK(code->glyph_height == 22);
  // The run's extent is what the Latin model is given: the 18 bars, not the row around them.
  CHECK(code->code_box.x == 100);
  CHECK(code->code_box.right() == 100 + 17 * 16 + 10);
  CHECK(code->code_box.y == 100);
  CHECK(code->code_box.h == 22);
}

TEST_CASE("a code run broken by two touching characters still spans the whole code", "[page]") {
  PixPtr page = blank_page(1200, 400);
  // 18 digit-like bars, the second and third printed touching (as 05 or MA often are), and a
  // Chinese label before them, a gap away.
  for (int i = 0; i < 4; ++i) square_glyph(page.get(), 20 + i * 26, 100, 22);
  for (int i = 0; i < 18; ++i) ink(page.get(), 160 + i * 16, 100, 10, 22);
  ink(page.get(), 186, 100, 10, 22);  // fills the gap between bars 1 and 2
  PixPtr binary = binary_of(page.get());
  Layout layout = text_layout(binary.get());
  const TextRow* code = row_at(layout, 170, 110);
  REQUIRE(code);
  CHECK(code->code_run == 15);  // the bars after the touching pair
  // The Latin model is given all 18 characters, and not the label.
  CHECK(code->code_box.x == 160);
  CHECK(code->code_box.right() == 160 + 17 * 16 + 10);
}

TEST_CASE("a code wrapped in its cell is run on its first line, a tilted one on its whole line",
          "[page]") {
  PixPtr page = blank_page(1200, 500);
  // A cell's code over two lines (12 bars over 6, the second line under the first's start), in
  // one row with square characters beside it that stand between the two lines (a label that
  // wrapped too, centred in its cell).
  for (int i = 0; i < 6; ++i) square_glyph(page.get(), 100 + i * 44, 106, 40);
  for (int i = 0; i < 12; ++i) ink(page.get(), 400 + i * 16, 100, 10, 22);
  for (int i = 0; i < 6; ++i) ink(page.get(), 401 + i * 16, 128, 10, 22);
  // An 18-character code on a card tilted about 4 degrees: each bar a pixel lower.
  for (int i = 0; i < 18; ++i) ink(page.get(), 100 + i * 16, 300 + i, 10, 22);
  PixPtr binary = binary_of(page.get());
  Layout layout = text_layout(binary.get());
  const TextRow* wrapped = row_at(layout, 405, 110);
  const TextRow* tilted = row_at(layout, 105, 310);
  REQUIRE(wrapped);
  REQUIRE(tilted);
  // The row finder takes both lines and the characters beside them as one row, as on the scan.
  REQUIRE(wrapped->box.h >= 40);
  CHECK(wrapped->code_wraps);
  CHECK(wrapped->code_box.x == 400);
  CHECK(wrapped->code_box.right() == 400 + 11 * 16 + 10);
  CHECK(wrapped->code_box.y == 100);
  CHECK(wrapped->code_box.h == 22);
  CHECK(tilted->code_run == 18);
  CHECK_FALSE(tilted->code_wraps);
  CHECK(tilted->code_box.x == 100);
  CHECK(tilted->code_box.right() == 100 + 17 * 16 + 10);
}

TEST_CASE("a row narrowed for skimming still maps its glyph boxes back onto the page", "[page]") {
  PixPtr page = blank_page(800, 200);
  for (int i = 0; i < 10; ++i) square_glyph(page.get(), 100 + i * 30, 80, 24);
  PixPtr binary = binary_of(page.get());
  Layout layout = text_layout(binary.get());
  LineImage line =
      line_image(as_is(page.get()), binary.get(), layout.rules.get(), {90, 70, 320, 44});
  REQUIRE(line.pix);
  const int before = static_cast<int>(pixGetWidth(line.pix.get()));
  line.squeeze(0.8f);
  const int after = static_cast<int>(pixGetWidth(line.pix.get()));
  CHECK(after == Approx(before * 0.8).margin(1));
  CHECK(pixGetHeight(line.pix.get()) == 44);
  // The fifth glyph as the recognizer sees it on the narrowed line, back on the page.
  const int x_on_line =
      static_cast<int>((100 + 4 * 30 - line.pieces[0].page_x + line.pieces[0].line_x) * 0.8);
  keydesk::ocr::Box on_page =
      line.to_page({x_on_line, 80 - line.page_y, static_cast<int>(24 * 0.8), 24});
  CHECK(on_page.x == Approx(100 + 4 * 30).margin(2));
  CHECK(on_page.w == Approx(24).margin(2));
  CHECK(on_page.y == 80);
}

TEST_CASE("a row written uphill is found sloped and turned level; its glyph boxes map back",
          "[page]") {
  // Ten glyphs each 5 pixels higher than the one before (about 9.5 degrees uphill), on grey
  // paper as a copy's is, and a level row of them below.
  PixPtr page = blank_page(800, 400);
  pixSetAllArbitrary(page.get(), 210);
  for (int i = 0; i < 10; ++i) square_glyph(page.get(), 100 + i * 30, 130 - i * 5, 24);
  for (int i = 0; i < 10; ++i) square_glyph(page.get(), 100 + i * 30, 300, 24);
  PixPtr binary = binary_of(page.get());
  Layout layout = text_layout(binary.get());
  LineImage uphill =
      line_image(as_is(page.get()), binary.get(), layout.rules.get(), {90, 75, 320, 90});
  REQUIRE(uphill.pix);
  const double slope = ink_slope(uphill.pix.get());
  CHECK(slope == Approx(-5.0 / 30).margin(0.02));
  LineImage level =
      line_image(as_is(page.get()), binary.get(), layout.rules.get(), {90, 270, 320, 90});
  REQUIRE(level.pix);
  CHECK(std::abs(ink_slope(level.pix.get())) < 0.01);
  // Too little ink to say: one glyph.
  LineImage one =
      line_image(as_is(page.get()), binary.get(), layout.rules.get(), {90, 270, 40, 90});
  REQUIRE(one.pix);
  CHECK(ink_slope(one.pix.get()) == 0.0);
  // Only the sloped row is turned to be read again.
  CHECK(turned_level(uphill).pix);
  CHECK(turned_level(uphill).turn == Approx(-std::atan(slope)));
  CHECK_FALSE(turned_level(level).pix);
  CHECK_FALSE(turned_level(one).pix);

  // Turned level, its print slopes no more, its corners are the paper's grey, not white …
  LineImage turned = uphill.turned(-std::atan(slope));
  REQUIRE(turned.pix);
  CHECK(pixGetWidth(turned.pix.get()) == pixGetWidth(uphill.pix.get()));
  CHECK(pixGetHeight(turned.pix.get()) == pixGetHeight(uphill.pix.get()));
  CHECK(std::abs(ink_slope(turned.pix.get())) < 0.01);
  l_uint32 corner = 0;
  pixGetPixel(turned.pix.get(), 0, 0, &corner);
  CHECK(corner == Approx(210).margin(3));
  // … and a glyph found on it (the second: its middle turned as the image was) is on the page
  // where the second glyph is, whatever the shortened gaps and the squeeze after.
  const double cx = pixGetWidth(uphill.pix.get()) / 2.0, cy = pixGetHeight(uphill.pix.get()) / 2.0;
  const double page_mx = 100 + 1 * 30 + 12, page_my = 130 - 1 * 5 + 12;
  const double lx = page_mx - uphill.pieces[0].page_x + uphill.pieces[0].line_x - cx,
               ly = page_my - uphill.page_y - cy;
  const double t = turned.turn;
  const double tx = std::cos(t) * lx - std::sin(t) * ly + cx,
               ty = std::sin(t) * lx + std::cos(t) * ly + cy;
  for (float squeeze : {1.0f, 0.8f}) {
    LineImage read = uphill.turned(-std::atan(slope));
    if (squeeze < 1.0f) read.squeeze(squeeze);
    const keydesk::ocr::Box on_page = read.to_page(
        {static_cast<int>(std::lround((tx - 12) * read.x_scale)), static_cast<int>(ty - 12),
         static_cast<int>(std::lround(24 * read.x_scale)), 24});
    INFO("squeezed to " << squeeze);
    CHECK(on_page.x == Approx(page_mx - 12).margin(2));
    CHECK(on_page.y == Approx(page_my - 12).margin(2));
    CHECK(on_page.w == Approx(24).margin(2));
  }
}

TEST_CASE("a row is cut in a blank column, never through a glyph", "[page]") {
  PixPtr page = blank_page(800, 200);
  for (int i = 0; i < 10; ++i) square_glyph(page.get(), 50 + i * 30, 80, 24);
  PixPtr binary = binary_of(page.get());
  Layout layout = text_layout(binary.get());
  keydesk::ocr::Box row{50, 80, 300, 24};
  // Column 62 is inside the first glyph; the nearest blank columns are 74-79.
  int cut = blank_column(binary.get(), layout.rules.get(), row, 62);
  CHECK(cut >= 74);
  CHECK(cut < 80);
  // A blank column asked for is kept.
  CHECK(blank_column(binary.get(), layout.rules.get(), row, 77) == 77);
}

TEST_CASE("a row cut from a skewed page and levelled alone matches the page levelled whole",
          "[page]") {
  // A page of glyph rows, turned 2.3 degrees as a scan comes in.
  PixPtr upright = blank_page(1000, 700);
  for (int r = 0; r < 5; ++r)
    for (int i = 0; i < 20; ++i) square_glyph(upright.get(), 80 + i * 40, 100 + r * 110, 26);
  const double skew = 2.3;
  PixPtr scanned(pixRotate(upright.get(), static_cast<l_float32>(-skew * 3.14159265358979 / 180),
                           L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0));
  LevelledGrey levelled(PixPtr(pixClone(scanned.get())), skew);
  PixPtr whole = levelled.whole();
  auto dark = [](Pix* pix, int x, int y) {
    l_uint32 v = 255;
    if (x >= 0 && y >= 0 && x < static_cast<int>(pixGetWidth(pix)) &&
        y < static_cast<int>(pixGetHeight(pix)))
      pixGetPixel(pix, x, y, &v);
    return v < 128;
  };
  for (keydesk::ocr::Box area :
       {keydesk::ocr::Box{70, 90, 820, 46}, keydesk::ocr::Box{600, 420, 380, 50},
        keydesk::ocr::Box{-20, 525, 300, 60}}) {
    PixPtr cut = levelled.cut(area);
    REQUIRE(cut);
    REQUIRE(static_cast<int>(pixGetWidth(cut.get())) == area.w);
    REQUIRE(static_cast<int>(pixGetHeight(cut.get())) == area.h);
    // Against the same area of the page levelled whole (white off the page): a dark pixel of
    // either has a dark pixel of the other at most one pixel away (interpolation rounds
    // differently; a shifted or turned stroke would not match).
    long inked = 0, unmatched = 0;
    for (int y = 0; y < area.h; ++y)
      for (int x = 0; x < area.w; ++x) {
        const bool in_cut = dark(cut.get(), x, y),
                   in_whole = dark(whole.get(), area.x + x, area.y + y);
        if (!in_cut && !in_whole) continue;
        ++inked;
        bool near = false;
        for (int dy = -1; dy <= 1 && !near; ++dy)
          for (int dx = -1; dx <= 1 && !near; ++dx)
            near = in_cut ? dark(whole.get(), area.x + x + dx, area.y + y + dy)
                          : dark(cut.get(), x + dx, y + dy);
        if (!near) ++unmatched;
      }
    INFO("area at " << area.x << "," << area.y << ": " << unmatched << " of " << inked
                    << " unmatched");
    CHECK(inked > 0);
    CHECK(unmatched * 100 <= inked);
  }
  // Levelled, the first row's ink spans its 26 pixels of height; cut from the skewed scan as it
  // is, it spans the whole cut.
  auto inked_lines = [&dark](Pix* pix) {
    int lines = 0;
    for (int y = 0; y < static_cast<int>(pixGetHeight(pix)); ++y)
      for (int x = 0; x < static_cast<int>(pixGetWidth(pix)); ++x)
        if (dark(pix, x, y)) {
          ++lines;
          break;
        }
    return lines;
  };
  CHECK(inked_lines(levelled.cut({70, 90, 820, 46}).get()) <= 28);
  CHECK(inked_lines(
            LevelledGrey(PixPtr(pixClone(scanned.get())), 0).cut({70, 90, 820, 46}).get()) >= 40);
}

TEST_CASE("the walls of a character grid are ruled lines, not glyphs", "[page]") {
  PixPtr page = blank_page(1200, 300);
  // A code written one character to a box: 18 boxes 42 wide and 34 tall, their lines one pixel
  // thin and, as on a scan a little askew, stepping by a pixel every 50 (along) or halfway
  // down (the walls).
  const int top = 100, cell = 42, tall = 34, left = 200;
  for (int x = 0; x <= 18 * cell; x += 50) {
    const int run = std::min(50, 18 * cell + 1 - x);
    ink(page.get(), left + x, top + (x / 50) % 2, run, 1);
    ink(page.get(), left + x, top + tall + (x / 50) % 2, run, 1);
  }
  for (int i = 0; i <= 18; ++i) {
    ink(page.get(), left + i * cell, top, 1, tall / 2);
    ink(page.get(), left + i * cell + 1, top + tall / 2, 1, tall - tall / 2);
  }
  for (int i = 0; i < 18; ++i) ink(page.get(), left + i * cell + 16, top + 7, 10, 20);
  // A label before the grid.
  for (int i = 0; i < 4; ++i) square_glyph(page.get(), 40 + i * 26, top + 6, 22);
  PixPtr binary = binary_of(page.get());
  Layout layout = text_layout(binary.get());
  REQUIRE(layout.rules);
  for (int i = 0; i <= 18; ++i) {
    l_uint32 wall = 0;
    pixGetPixel(layout.rules.get(), left + i * cell, top + 5, &wall);
    CHECK(wall == 1);
  }
  // So are its lines along, though no run of them is 60 pixels long.
  l_uint32 line_pixel = 0;
  pixGetPixel(layout.rules.get(), left + 75, top + 1, &line_pixel);
  CHECK(line_pixel == 1);
  // A bar inside a box is text.
  l_uint32 bar = 0;
  pixGetPixel(layout.rules.get(), left + 20, top + 15, &bar);
  CHECK(bar == 0);
  // The row the recognizer is given holds the bars and not the walls.
  const TextRow* row = row_at(layout, left + 20, top + 15);
  REQUIRE(row);
  // Padded as the reader pads a row (a fifth of its height each side).
  const keydesk::ocr::Box& b = row->box;
  const int pad = std::max(3, b.h / 5);
  LineImage line = line_image(as_is(page.get()), binary.get(), layout.rules.get(),
                              {b.x - pad, b.y - pad, b.w + 2 * pad, b.h + 2 * pad});
  REQUIRE(line.pix);
  l_int32 dark = 0, label = 0;
  PixPtr line_binary(pixThresholdToBinary(line.pix.get(), 128));
  pixCountPixels(line_binary.get(), &dark, nullptr);
  BOX* label_box = boxCreate(30, top, 130, 40);
  pixCountPixelsInRect(binary.get(), label_box, &label, nullptr);
  boxDestroy(&label_box);
  // The bars and the label, and no more than a few pixels of the 19 walls (34 pixels each).
  CHECK(dark <= 18 * 10 * 20 + label + 60);
  // The grid is the row's code, all 18 cells, however far apart its characters stand.
  CHECK(row->grid);
  CHECK(row->code_run == 18);
  CHECK(row->code_box.x <= left + 1);
  CHECK(row->code_box.right() >= left + 18 * cell);
  // For the Latin model its cells are set side by side: the 18 bars, close together, with
  // neither walls nor lines nor the label.
  LineImage code = grid_line_image(as_is(page.get()), binary.get(), row->code_box, row->code_run);
  REQUIRE(code.pix);
  PixPtr code_binary(pixThresholdToBinary(code.pix.get(), 128));
  l_int32 code_dark = 0;
  pixCountPixels(code_binary.get(), &code_dark, nullptr);
  CHECK(code_dark == 18 * 10 * 20);
  CHECK(pixGetWidth(code.pix.get()) < 18 * (10 + 2 + 8));
  // Each bar maps back onto its cell of the page.
  REQUIRE(code.pieces.size() == 18);
  CHECK(code.to_page({code.pieces[5].line_x, 0, code.pieces[5].width, 10}).x ==
        left + 5 * cell + 15);
}

TEST_CASE("rows run together by a tick across a table rule are parted again", "[page]") {
  PixPtr page = blank_page(1200, 500);
  // Two rows of a table, 16 pixels apart, and a tick drawn from the one into the other.
  for (int r = 0; r < 2; ++r)
    for (int i = 0; i < 8; ++i) square_glyph(page.get(), 100 + i * 26, 100 + r * 40, 24);
  for (int k = 0; k < 50; ++k) ink(page.get(), 320 + k / 2, 110 + k, 4, 2);
  // More rows of print elsewhere on the page.
  for (int r = 0; r < 4; ++r)
    for (int i = 0; i < 10; ++i) square_glyph(page.get(), 100 + i * 26, 260 + r * 50, 24);
  PixPtr binary = binary_of(page.get());
  Layout layout = text_layout(binary.get());
  const TextRow* upper = row_at(layout, 110, 110);
  const TextRow* lower = row_at(layout, 110, 150);
  REQUIRE(upper);
  REQUIRE(lower);
  CHECK(upper != lower);
  CHECK(upper->box.h <= 30);
  CHECK(lower->box.h <= 30);
  CHECK(upper->box.x == 100);
  CHECK(lower->box.x == 100);
}

TEST_CASE("a label's print is parted from the tall hand right after it; print going on is not",
          "[page]") {
  PixPtr page = blank_page(1200, 600);
  // Rows of print 24 pixels high.
  for (int r = 0; r < 4; ++r)
    for (int i = 0; i < 10; ++i) square_glyph(page.get(), 100 + i * 26, 300 + r * 50, 24);
  // A label of five characters, and 12 pixels after it a signature of three strokes 60 pixels
  // high, closer than a phrase's characters are smeared together.
  for (int i = 0; i < 5; ++i) square_glyph(page.get(), 100 + i * 26, 100, 24);
  for (int k = 0; k < 3; ++k)
    for (int y = 0; y < 60; ++y) ink(page.get(), 242 + k * 40 + y / 3, 82 + y, 6, 1);
  // An ID number's label and digits, a seal's edge crossing its digits: one block, as tall as
  // the seal's stroke, whose print goes on past it.
  for (int i = 0; i < 4; ++i) square_glyph(page.get(), 500 + i * 26, 100, 24);
  for (int y = 0; y < 60; ++y) ink(page.get(), 610, 82 + y, 5, 1);
  for (int i = 0; i < 8; ++i) ink(page.get(), 625 + i * 16, 100, 10, 24);
  PixPtr binary = binary_of(page.get());
  Layout layout = text_layout(binary.get());
  const TextRow* label = row_at(layout, 110, 110);
  const TextRow* hand = row_at(layout, 260, 130);
  REQUIRE(label);
  REQUIRE(hand);
  CHECK(label != hand);
  CHECK(label->box.h <= 30);
  CHECK(label->box.right() <= 242);
  const TextRow* number = row_at(layout, 510, 110);
  REQUIRE(number);
  CHECK(number->box.right() >= 625 + 7 * 16);
}

TEST_CASE("a signature label's print is told from a hand a third taller joined to its row",
          "[page]") {
  PixPtr page = blank_page(1200, 400);
  // A label of six characters 24 pixels high, a colon (two dots), then a signature: a stroke
  // starting above the print's band and one 34 pixels high (the layout parts only hands half as
  // tall again as a row).
  for (int i = 0; i < 6; ++i) square_glyph(page.get(), 100 + i * 26, 100, 24);
  ink(page.get(), 260, 106, 3, 3);
  ink(page.get(), 260, 118, 3, 3);
  for (int y = 0; y < 20; ++y) ink(page.get(), 280 + y / 2, 88 + y, 4, 1);
  for (int y = 0; y < 34; ++y) ink(page.get(), 300 + y / 3, 95 + y, 5, 1);
  // The same label with print going on to the end, and one of two characters and a hand.
  for (int i = 0; i < 12; ++i) square_glyph(page.get(), 100 + i * 26, 200, 24);
  for (int i = 0; i < 2; ++i) square_glyph(page.get(), 100 + i * 26, 300, 24);
  for (int y = 0; y < 34; ++y) ink(page.get(), 160 + y / 3, 295 + y, 5, 1);
  // A label whose third character has a stroke 4 pixels above the band (盖's top, which a read
  // of the band alone cuts off), then a hand.
  for (int i = 0; i < 5; ++i) square_glyph(page.get(), 600 + i * 26, 100, 24);
  ink(page.get(), 656, 96, 10, 5);
  for (int y = 0; y < 34; ++y) ink(page.get(), 760 + y / 3, 95 + y, 5, 1);
  PixPtr binary = binary_of(page.get());
  const std::optional<keydesk::ocr::Box> head = print_head(binary.get(), {90, 80, 300, 60}, 12);
  REQUIRE(head);
  CHECK(head->x == 90);
  CHECK(head->right() <= 280);
  CHECK(head->right() >= 100 + 5 * 26 + 24);
  CHECK(head->y == 100);
  CHECK(head->h == 24);
  CHECK_FALSE(print_head(binary.get(), {90, 190, 340, 40}, 12));
  CHECK_FALSE(print_head(binary.get(), {90, 290, 120, 40}, 12));
  keydesk::ocr::Box whole;
  const std::optional<keydesk::ocr::Box> topped =
      print_head(binary.get(), {590, 80, 300, 60}, 12, &whole);
  REQUIRE(topped);
  CHECK(topped->y == 100);
  CHECK(topped->h == 24);
  CHECK(whole.y == 96);
  CHECK(whole.bottom() == 124);
  CHECK(whole.x == topped->x);
  CHECK(whole.w == topped->w);
}

namespace {

// A colour page: a lit gradient, dark print and a red stamp, as a phone photo of a form has.
PixPtr colour_page(int w, int h) {
  PixPtr page(pixCreate(w, h, 32));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const int light = 200 + (x * 55) / w;
      bool print = (y / 9) % 3 == 0 && (x / 7) % 4 != 0;
      bool seal = (x - w / 2) * (x - w / 2) + (y - h / 2) * (y - h / 2) < (h / 4) * (h / 4);
      int r = print ? 40 : light, g = print ? 40 : light - 5, b = print ? 45 : light - 10;
      if (seal) r = 210, g = 40, b = 40;
      pixSetRGBPixel(page.get(), x, y, r, g, b);
    }
  return page;
}

std::string jpeg_of(Pix* pix, int quality) {
  l_uint8* data = nullptr;
  size_t size = 0;
  REQUIRE(pixWriteMemJpeg(&data, &size, pix, quality, 0) == 0);
  std::string bytes(reinterpret_cast<char*>(data), size);
  lept_free(data);
  return bytes;
}

PixPtr leptonica_read(const std::string& bytes) {
  PixPtr pix(pixReadMem(reinterpret_cast<const l_uint8*>(bytes.data()), bytes.size()));
  return pix ? PixPtr(pixConvertTo32(pix.get())) : nullptr;
}

}  // namespace

TEST_CASE("a colour JPEG decodes to Leptonica's pixels; grey, damaged and reduced ones too",
          "[page]") {
  PixPtr page = colour_page(333, 241);  // odd sizes: rows are padded to whole words
  const std::string bytes = jpeg_of(page.get(), 80);
  PixPtr ours = decode_rgb(bytes);
  PixPtr theirs = leptonica_read(bytes);
  REQUIRE(ours);
  REQUIRE(theirs);
  CHECK(pixGetDepth(ours.get()) == 32);
  l_int32 same = 0;
  pixEqual(ours.get(), theirs.get(), &same);
  CHECK(same == 1);

  SECTION("a grey JPEG") {
    PixPtr grey(pixConvertRGBToLuminance(page.get()));
    const std::string grey_bytes = jpeg_of(grey.get(), 80);
    PixPtr decoded = decode_rgb(grey_bytes);
    REQUIRE(decoded);
    pixEqual(decoded.get(), leptonica_read(grey_bytes).get(), &same);
    CHECK(same == 1);
  }
  SECTION("a JPEG cut short: what Leptonica's reader makes of it, never a crash") {
    const std::string cut = bytes.substr(0, bytes.size() / 2);
    PixPtr decoded = decode_rgb(cut);
    PixPtr reference = leptonica_read(cut);
    CHECK(static_cast<bool>(decoded) == static_cast<bool>(reference));
    CHECK_FALSE(decode_rgb(bytes.substr(0, 40)));
  }
  SECTION("at a quarter of the size, reduced in the DCT") {
    PixPtr small = decode_rgb(bytes, 0.25);
    REQUIRE(small);
    CHECK(pixGetWidth(small.get()) == (333 + 3) / 4);
    CHECK(pixGetHeight(small.get()) == (241 + 3) / 4);
  }
}

TEST_CASE("binarising sets each pixel against its local threshold as Leptonica's grey map would",
          "[page]") {
  // Faint print on an unevenly lit page: the reference is the three-pass way (scale the
  // thresholds up, map grey * 128 / threshold, threshold at 128).
  PixPtr rgb = colour_page(601, 437);
  PixPtr grey(pixConvertRGBToLuminance(rgb.get()));
  PixPtr half(pixScaleAreaMap2(grey.get()));
  Pix* thresholds = nullptr;
  REQUIRE(pixSauvolaBinarizeTiled(half.get(), kSauvolaHalfWindow, kSauvolaFactor, 1, 1, &thresholds,
                                  nullptr) == 0);
  PixPtr full(pixScaleBySamplingToSize(thresholds, 601, 437));
  pixDestroy(&thresholds);
  PixPtr mapped(pixApplyVariableGrayMap(grey.get(), full.get(), 128));
  PixPtr reference(pixThresholdToBinary(mapped.get(), 128));

  PixPtr binary = binarise(grey.get());
  REQUIRE(binary);
  l_int32 same = 0, ink_pixels = 0;
  pixEqual(binary.get(), reference.get(), &same);
  CHECK(same == 1);
  pixCountPixels(binary.get(), &ink_pixels, nullptr);
  CHECK(ink_pixels > 601 * 437 / 10);  // the print is there
}

TEST_CASE("a seal's ring broken wide in two places is still one seal; half a ring is none",
          "[page]") {
  // The mask of a pale seal on a dark copy, a pen stroke across it: a ring of radius 100 whose
  // left and right stretches (30 pixels each, wider than the first gathering bridges) did not
  // come out red, a star in its middle; beside it, an arc as long as half a ring.
  PixPtr mask(pixCreate(1240, 1754, 1));
  auto ring = [&](int cx, int cy, double from, double to) {
    for (double a = from; a < to; a += 0.002) {
      const int x = cx + static_cast<int>(std::lround(100 * std::cos(a)));
      const int y = cy + static_cast<int>(std::lround(100 * std::sin(a)));
      pixRasterop(mask.get(), x - 2, y - 2, 5, 5, PIX_SET, nullptr, 0, 0);
    }
  };
  const double gap = 0.16;  // radians: 16 pixels at radius 100, either side of each break
  ring(400, 600, gap, std::numbers::pi - gap);
  ring(400, 600, std::numbers::pi + gap, 2 * std::numbers::pi - gap);
  pixRasterop(mask.get(), 385, 585, 30, 30, PIX_SET, nullptr, 0, 0);
  ring(800, 1200, 0, std::numbers::pi);
  const std::vector<SealMark> seals = find_seal_rings(mask.get(), 1240, true);
  REQUIRE(seals.size() == 1);
  CHECK(seals[0].red);
  CHECK(std::abs(seals[0].box.x + seals[0].box.w / 2 - 400) <= 4);
  CHECK(std::abs(seals[0].box.y + seals[0].box.h / 2 - 600) <= 4);
  CHECK(seals[0].box.w >= 200);
}

TEST_CASE(
    "red seal ink is dropped from the grey page by its red channel: print it touches stays dark; "
    "the rest is its luminance",
    "[page]") {
  PixPtr rgb = colour_page(301, 221);
  // Black print the seal is pressed over: a line four rows thick across the red disc.
  for (int y = 105; y < 109; ++y)
    for (int x = 80; x < 220; ++x) pixSetRGBPixel(rgb.get(), x, y, 30, 30, 35);
  auto [red, grey, redness] = separate_red(rgb.get());
  REQUIRE(red);
  REQUIRE(grey);
  // The seal (a red disc in the middle) is red ink; the dark print is not.
  l_uint32 bit = 0;
  pixGetPixel(red.get(), 150, 90, &bit);
  CHECK(bit == 1);
  pixGetPixel(red.get(), 1, 0, &bit);  // print: row 0, column 1
  CHECK(bit == 0);
  pixGetPixel(red.get(), 150, 106, &bit);  // print over the seal
  CHECK(bit == 0);
  PixPtr luminance(pixConvertRGBToLuminance(rgb.get()));
  PixPtr wide(pixDilateBrick(nullptr, red.get(), 3, 3));
  l_int32 differ = 0, seal_pixels = 0, seal_white = 0, print_pixels = 0, print_kept = 0;
  for (int y = 0; y < 221; ++y)
    for (int x = 0; x < 301; ++x) {
      l_uint32 g = 0, l = 0, r = 0;
      l_int32 cr = 0, cg = 0, cb = 0;
      pixGetPixel(grey.get(), x, y, &g);
      pixGetPixel(luminance.get(), x, y, &l);
      pixGetPixel(wide.get(), x, y, &r);
      pixGetRGBPixel(rgb.get(), x, y, &cr, &cg, &cb);
      if (!r)
        differ += g != l ? 1 : 0;
      else if (cr >= 160)  // the seal, and paper beside it: white
        ++seal_pixels, seal_white += g == 255 ? 1 : 0;
      else if (cr <= 96)  // print touching the seal: as dark as its red channel
        ++print_pixels, print_kept += g == static_cast<l_uint32>(cr) ? 1 : 0;
    }
  CHECK(differ == 0);
  CHECK(seal_pixels > 3000);
  CHECK(seal_white == seal_pixels);
  CHECK(print_pixels > 200);  // the line's rows beside the seal's ink, print at the disc's edge
  CHECK(print_kept == print_pixels);
}

TEST_CASE(
    "a page's redness is what the red margin widened over the whole page gives, though it is "
    "widened only about the rows that hold a margin above 8",
    "[page]") {
  // A page not a whole number of words wide, with its red disc and single pinkish pixels: margins
  // of 9 (the least that gates anything) and 8 (the most that does not), at the page's first and
  // last rows and columns and two and three rows from a row with red.
  const int w = 303, h = 223;
  PixPtr rgb = colour_page(w, h);
  for (const auto& [x, y, margin] : std::vector<std::array<int, 3>>{
           {10, 0, 9}, {302, 222, 9}, {0, 120, 9}, {60, 20, 8}, {250, 25, 9}, {250, 28, 40}})
    pixSetRGBPixel(rgb.get(), x, y, 200, 200 - margin, 200 - margin - 2);
  auto [red, grey, redness] = separate_red(rgb.get());
  REQUIRE(redness);
  // The margin of every pixel, widened by Leptonica over the whole page, and separate_red's
  // arithmetic on it (its grey before the red ink is dropped is the page's luminance).
  PixPtr margins(pixCreate(w, h, 8));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      l_int32 r = 0, g = 0, b = 0;
      pixGetRGBPixel(rgb.get(), x, y, &r, &g, &b);
      pixSetPixel(margins.get(), x, y,
                  static_cast<l_uint32>(std::clamp(r - std::max(g, b), 0, 255)));
    }
  PixPtr near(pixDilateGray(margins.get(), 5, 5));
  PixPtr luminance(pixConvertRGBToLuminance(rgb.get()));
  PixPtr paper = paper_level(luminance.get());
  l_int32 differ = 0, gated = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      l_uint32 m = 0, lum = 0, brightest = 0, got = 0;
      pixGetPixel(near.get(), x, y, &m);
      pixGetPixel(luminance.get(), x, y, &lum);
      pixGetPixel(paper.get(), std::min(x / kPaperBlock, pixGetWidth(paper.get()) - 1),
                  std::min(y / kPaperBlock, pixGetHeight(paper.get()) - 1), &brightest);
      pixGetPixel(redness.get(), x, y, &got);
      const float gate = std::clamp((static_cast<float>(m) - 8) / 32.0f, 0.0f, 1.0f);
      const int level = brightest >= 240 ? 255 : std::max(32, static_cast<int>(brightest));
      const float dark = 255.0f * static_cast<float>(std::max(0, level - static_cast<int>(lum))) /
                         static_cast<float>(level);
      const auto want =
          gate == 0.0f ? 255u : static_cast<l_uint32>(static_cast<l_uint8>(255.5f - dark * gate));
      gated += gate > 0.0f ? 1 : 0;
      differ += got != want ? 1 : 0;
    }
  CHECK(gated > 3000);  // the disc and about each speck of 9 and more
  CHECK(differ == 0);
}

TEST_CASE("a large title printed far apart is one row, however thin its strokes; a rule is not",
          "[page]") {
  PixPtr page = blank_page(1400, 1700);  // an A4 page at 150 dpi, on its side
  // 营 业 执 照 as a licence prints them: 95 pixels tall, strokes 6 pixels thick (as long as a
  // rule, far thicker for their length), 50 pixels apart, each its own block.
  for (int i = 0; i < 4; ++i) {
    const int x = 300 + i * 145;
    ink(page.get(), x, 100, 6, 95);
    ink(page.get(), x + 89, 100, 6, 95);
    ink(page.get(), x, 100, 95, 6);
    ink(page.get(), x, 147, 95, 6);
    ink(page.get(), x, 189, 95, 6);
  }
  // A ruled line, two pixels thick, and a line of print under it.
  ink(page.get(), 100, 300, 1200, 2);
  for (int i = 0; i < 12; ++i) square_glyph(page.get(), 300 + i * 24, 330, 20);
  PixPtr binary = binary_of(page.get());
  Layout layout = text_layout(binary.get());
  const TextRow* title = row_at(layout, 350, 140);
  REQUIRE(title);
  CHECK(title->box.x <= 300);
  CHECK(title->box.right() >= 300 + 3 * 145 + 95);
  CHECK(title->box.h >= 95);
  // The rule is a rule, not a row of text.
  CHECK(row_at(layout, 1000, 300) == nullptr);
  l_uint32 bit = 0;
  pixGetPixel(layout.rules.get(), 1000, 300, &bit);
  CHECK(bit == 1);
  CHECK(row_at(layout, 310, 340) != nullptr);
}

TEST_CASE("Sauvola thresholds from integral images are Leptonica's, to the last grey level",
          "[page]") {
  PixPtr rgb = colour_page(613, 447);
  PixPtr grey(pixConvertRGBToLuminance(rgb.get()));
  for (int half_window : {4, 8}) {
    Pix* reference = nullptr;
    REQUIRE(pixSauvolaBinarizeTiled(grey.get(), half_window, 0.34f, 1, 1, &reference, nullptr) ==
            0);
    PixPtr held(reference);
    PixPtr ours = sauvola_thresholds(grey.get(), half_window, 0.34f);
    REQUIRE(ours);
    l_int32 same = 0;
    pixEqual(ours.get(), reference, &same);
    CHECK(same == 1);
  }
  CHECK_FALSE(sauvola_thresholds(blank_page(12, 12).get(), 8, 0.34f));
}

TEST_CASE("pale print all over a page is deepened before it is binarised; a grainy blank is not",
          "[page]") {
  // A light photocopy of fine print: strokes 2 px wide at grey 196 on paper of 232 (36 levels:
  // Sauvola's threshold lay under them all, and the page read as blank).
  const int w = 800, h = 600;
  PixPtr pale(pixCreate(w, h, 8));
  pixSetAllArbitrary(pale.get(), 232);
  l_int32 strokes = 0;
  for (int y = 60; y < h - 60; y += 24)
    for (int x = 80; x < w - 80; x += 14) {
      pixRasterop(pale.get(), x, y, 2, 12, PIX_CLR, nullptr, 0, 0);         // a glyph's stem …
      pixRasterop(pale.get(), x - 3, y + 5, 8, 2, PIX_CLR, nullptr, 0, 0);  // … and its bar
      strokes += 2 * 12 + 8 * 2 - 2 * 2;
    }
  // CLR set those pixels to 0: make them the pale grey.
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      l_uint32 v = 0;
      pixGetPixel(pale.get(), x, y, &v);
      if (v == 0) pixSetPixel(pale.get(), x, y, 196);
    }
  PixPtr binary = binarise(pale.get());
  REQUIRE(binary);
  l_int32 inked = 0;
  pixCountPixels(binary.get(), &inked, nullptr);
  CHECK(inked > strokes * 8 / 10);
  CHECK(inked < strokes * 12 / 10);

  // A blank sheet shaded from one side with the grain of a cheap scan: no ink made of it.
  PixPtr blank(pixCreate(w, h, 8));
  std::mt19937 random(7);
  std::normal_distribution<double> grain(0.0, 8.0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      pixSetPixel(blank.get(), x, y,
                  static_cast<l_uint32>(std::clamp(
                      static_cast<int>(std::lround(232 - 30.0 * x / w + grain(random))), 0, 255)));
  PixPtr none = binarise(blank.get());
  REQUIRE(none);
  l_int32 specks = 0;
  pixCountPixels(none.get(), &specks, nullptr);
  CHECK(specks < w * h / 1000);
}

TEST_CASE("a seal's characters, unrolled narrower at the top than at the foot, are stood upright",
          "[page]") {
  // A seal's redness (dark is red): a ring of radius 150 and, inside it, five characters along
  // its top arc, each a square outline 40 pixels a side standing on the seal, its top towards
  // the ring. Unrolled, each row takes the same step of angle per column, so a character's top,
  // farther out, spans fewer columns than its foot.
  PixPtr redness = blank_page(600, 600);
  const double cx = 300, cy = 300;
  for (int y = 0; y < 600; ++y)
    for (int x = 0; x < 600; ++x) {
      const double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
      const double r = std::hypot(dx, dy);
      bool dark = r >= 146 && r <= 154;
      for (int k = -2; k <= 2 && !dark; ++k) {
        const double a = k * 0.45;  // radians clockwise from the top
        // The pixel in the character's own frame: along the arc's tangent, and outwards.
        const double along = dx * std::cos(a) + dy * std::sin(a);
        const double out = dx * std::sin(a) - dy * std::cos(a);
        const bool inside = std::abs(along) <= 20 && out >= 95 && out <= 135;
        const bool stroke = std::abs(along) >= 16 || out <= 99 || out >= 131;
        dark = inside && stroke;
      }
      if (dark) pixSetPixel(redness.get(), x, y, 0);
    }
  SealMark seal;
  seal.box = {146, 146, 308, 308};
  seal.red = true;
  const UnrolledSeal unrolled = unroll_seal_text(as_is(redness.get()), seal);
  REQUIRE(unrolled.line);
  CHECK(unrolled.top_radius > unrolled.foot_radius);
  // The middle character: the inked run of columns in the line's middle.
  Pix* line = unrolled.line.get();
  const int w = static_cast<int>(pixGetWidth(line)), h = static_cast<int>(pixGetHeight(line));
  auto inked = [](Pix* pix, int x, int y) {
    l_uint32 v = 255;
    pixGetPixel(pix, x, y, &v);
    return v < 128;
  };
  int first = w / 2, last = w / 2;
  auto column_inked = [&](int x) {
    for (int y = 0; y < h; ++y)
      if (inked(line, x, y)) return true;
    return false;
  };
  REQUIRE(column_inked(w / 2));
  while (first > 0 && column_inked(first - 1)) --first;
  while (last + 1 < w && column_inked(last + 1)) ++last;
  // Each row's inked width: the top stroke's row and the foot stroke's.
  auto widths = [&](Pix* pix) {
    std::vector<int> out;
    for (int y = 0; y < static_cast<int>(pixGetHeight(pix)); ++y) {
      int n = 0;
      for (int x = 0; x < static_cast<int>(pixGetWidth(pix)); ++x) n += inked(pix, x, y);
      if (n > 0) out.push_back(n);
    }
    return out;
  };
  auto clip = [](Pix* pix, int x, int width) {
    BOX* box = boxCreate(x, 0, width, static_cast<int>(pixGetHeight(pix)));
    PixPtr out(pixClipRectangle(pix, box, nullptr));
    boxDestroy(&box);
    return out;
  };
  PixPtr cut = clip(line, first, last - first + 1);
  const std::vector<int> as_unrolled = widths(cut.get());
  // The widest of the first rows (the top stroke) and of the last (the foot stroke).
  auto top = [](const std::vector<int>& v) { return *std::max_element(v.begin(), v.begin() + 5); };
  auto foot = [](const std::vector<int>& v) { return *std::max_element(v.end() - 5, v.end()); };
  REQUIRE(as_unrolled.size() >= 10);
  CHECK(foot(as_unrolled) - top(as_unrolled) >= 8);
  PixPtr upright = upright_character(unrolled, first - 2, last + 2);
  REQUIRE(upright);
  const std::vector<int> stood = widths(upright.get());
  REQUIRE(stood.size() >= 10);
  INFO("as unrolled " << Catch::Detail::stringify(as_unrolled) << ", upright "
                      << Catch::Detail::stringify(stood));
  CHECK(std::abs(foot(stood) - top(stood)) <= 2);
  CHECK(std::abs(foot(stood) - 40) <= 3);  // as wide as on the seal, at the middle row's radius
  // The upright line holds the same, in the character's place.
  PixPtr whole = upright_line(unrolled, {{first - 2, last + 2}});
  REQUIRE(whole);
  PixPtr again = clip(whole.get(), first - 2, last - first + 5);
  CHECK(widths(again.get()) == stood);
}

namespace {

// A seal's print (SealPrint) of `characters` characters, each a stretch of 20 degrees whose
// cells are the strokes `strokes` draws for it (0..9), the foot's 100 degrees blank.
template <class Strokes>
SealPrint print_of(int characters, Strokes strokes) {
  SealPrint p;
  p.bins = static_cast<int>(360 / SealPrint::kPrintDegrees);
  p.ink.assign(static_cast<size_t>(p.bins) * SealPrint::kPrintRows, '0');
  const int width = static_cast<int>(20 / SealPrint::kPrintDegrees);
  for (int k = 0; k < characters; ++k)
    for (int r = 1; r < SealPrint::kPrintRows - 1; ++r)
      for (int x = 2; x < width - 2; ++x)
        p.ink[static_cast<size_t>(r * p.bins + k * width + x)] =
            static_cast<char>('0' + strokes(k, r, x));
  return p;
}

// `p` turned by `bins` bins round the circle.
SealPrint turned(const SealPrint& p, int bins) {
  SealPrint q = p;
  for (int r = 0; r < SealPrint::kPrintRows; ++r)
    for (int x = 0; x < p.bins; ++x)
      q.ink[static_cast<size_t>(r * p.bins + (x + bins + p.bins) % p.bins)] =
          p.ink[static_cast<size_t>(r * p.bins + x)];
  return q;
}

}  // namespace

TEST_CASE(
    "two presses of one stamp are alike; a name unlike in two characters, or a faint press, "
    "is not",
    "[page][seal]") {
  // Each character's strokes: a pattern of its own (ink 9 where it strokes, 0 between).
  auto strokes = [](unsigned seed) {
    return [seed](int k, int r, int x) {
      std::mt19937 at(seed * 7919u + static_cast<unsigned>(k * 131 + r * 17 + x));
      return at() % 3 == 0 ? 9 : 0;
    };
  };
  const SealPrint stamp = print_of(13, strokes(1));
  // Pressed again at another angle, with a tenth of its cells lost to pressure and holes.
  SealPrint again = turned(stamp, static_cast<int>(17 / SealPrint::kPrintDegrees));
  std::mt19937 holes(5);
  for (char& c : again.ink)
    if (holes() % 10 == 0) c = '0';
  const std::optional<double> same = stamp_likeness(stamp, again);
  REQUIRE(same);
  CHECK(*same >= 0.6);
  // Another company's: the same place, trade and form, its brand's two characters its own.
  const auto own = strokes(1), brand = strokes(2);
  const SealPrint other = print_of(
      13, [&](int k, int r, int x) { return k == 2 || k == 3 ? brand(k, r, x) : own(k, r, x); });
  const std::optional<double> unlike = stamp_likeness(stamp, other);
  REQUIRE(unlike);
  CHECK(*unlike < 0.3);
  // A press so faint that a few specks are all its band holds stands for no stamp.
  const SealPrint faint =
      print_of(13, [&](int k, int r, int x) { return k == 5 ? own(k, r, x) : 0; });
  CHECK_FALSE(stamp_likeness(stamp, faint));
  // A print that is not its rows of bins is none.
  SealPrint torn = stamp;
  torn.ink.pop_back();
  CHECK_FALSE(stamp_likeness(stamp, torn));
}
