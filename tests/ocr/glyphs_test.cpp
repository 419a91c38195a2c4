// The second look at a name read a character off (ocr/internal/glyphs.h): shapes fitted to their
// ink, the machine's Chinese faces drawing characters, and a glyph check kept in a batch database.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <string_view>

#include "ocr/internal/glyphs.h"
#include "ocr/scan.h"

#include <nlohmann/json.hpp>

using namespace keydesk::ocr;
using namespace keydesk::ocr::internal;

namespace {

// An 8 bpp page of `paper` grey with `ink` strokes: a box outline (口) or a cross (十) of `size`
// pixels at (x, y).
PixPtr drawn(bool box, int size, int x, int y, int paper, int ink) {
  PixPtr page(pixCreate(size + 2 * x, size + 2 * y, 8));
  pixSetAllArbitrary(page.get(), static_cast<l_uint32>(paper));
  const int stroke = std::max(1, size / 10);
  auto fill = [&](int x0, int y0, int w, int h) {
    for (int yy = y0; yy < y0 + h; ++yy)
      for (int xx = x0; xx < x0 + w; ++xx)
        pixSetPixel(page.get(), xx, yy, static_cast<l_uint32>(ink));
  };
  if (box) {
    fill(x, y, size, stroke), fill(x, y + size - stroke, size, stroke);
    fill(x, y, stroke, size), fill(x + size - stroke, y, stroke, size);
  } else {
    fill(x, y + size / 2 - stroke / 2, size, stroke),
        fill(x + size / 2 - stroke / 2, y, stroke, size);
  }
  return page;
}

Shape shape(Pix* pix) {
  Shape s{};
  const std::vector<float> ink = ink_of(pix);
  REQUIRE(
      shape_of(ink, static_cast<int>(pixGetWidth(pix)), static_cast<int>(pixGetHeight(pix)), &s));
  return s;
}

double dot(const Shape& a, const Shape& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += static_cast<double>(a[i]) * b[i];
  return sum;
}

}  // namespace

TEST_CASE("a shape is fitted to its ink: size, place and the copy's grey do not change it",
          "[glyphs]") {
  const Shape small_black = shape(drawn(true, 14, 3, 2, 250, 10).get());
  const Shape large_faint = shape(drawn(true, 40, 9, 12, 200, 120).get());
  const Shape cross = shape(drawn(false, 14, 3, 2, 250, 10).get());
  CHECK(dot(small_black, small_black) == Approx(1.0).margin(1e-4));
  CHECK(dot(small_black, large_faint) > 0.9);
  CHECK(dot(small_black, cross) < 0.3);
  // A cut with no print on it (paper and a little noise) has no shape.
  PixPtr paper(pixCreate(20, 20, 8));
  pixSetAllArbitrary(paper.get(), 230);
  pixSetPixel(paper.get(), 5, 5, 215);
  Shape none{};
  const std::vector<float> ink = ink_of(paper.get());
  CHECK_FALSE(shape_of(ink, 20, 20, &none));
}

TEST_CASE("the machine's Chinese faces draw characters a printed one is compared with",
          "[glyphs]") {
  // scripts/install-deps.sh installs Song, Hei and Kai faces; fontconfig finds them.
  GlyphShapes shapes;
  REQUIRE(shapes.usable());
  CHECK(shapes.faces() >= 3);
  const Shape box = shape(drawn(true, 14, 3, 2, 245, 30).get());
  const Shape cross = shape(drawn(false, 14, 3, 2, 245, 30).get());
  CHECK(shapes.likeness(box, U'口') > 0.6);
  CHECK(shapes.likeness(box, U'口') > shapes.likeness(box, U'十') + 0.2);
  CHECK(shapes.likeness(cross, U'十') > shapes.likeness(cross, U'口') + 0.2);
  // A character no face has is never like anything.
  CHECK(shapes.likeness(box, U'\U000F0000') == -1);
  // Among all of GB 2312, the characters most like a drawn box hold 口 and not 十, and those
  // most like a cross hold 十 and not 口.
  const std::vector<char32_t> like_box = shapes.rivals(box, 6);
  const std::vector<char32_t> like_cross = shapes.rivals(cross, 6);
  REQUIRE(like_box.size() == 6);
  auto holds = [](const std::vector<char32_t>& v, char32_t c) {
    return std::find(v.begin(), v.end(), c) != v.end();
  };
  CHECK(holds(like_box, U'口'));
  CHECK_FALSE(holds(like_box, U'十'));
  CHECK(holds(like_cross, U'十'));
  CHECK_FALSE(holds(like_cross, U'口'));
}

TEST_CASE(
    "a code's digits are drawn in Latin faces too, and a dotted 0 is more like 0 than any "
    "other digit",
    "[glyphs]") {
  // An ID number printed in a monospaced face: a bold oval with a dot in it, 12 × 18 pixels, as
  // a card copy's digits are on the page. (This drawn one is a 0 in the Chinese faces too; the
  // printed one that the Chinese faces took for a 6 is S-2026-129925's, in batch_cli_test.)
  PixPtr page(pixCreate(20, 26, 8));
  pixSetAllArbitrary(page.get(), 235);
  for (int y = 0; y < 26; ++y)
    for (int x = 0; x < 20; ++x) {
      const double dx = (x - 9.5) / 6.0, dy = (y - 12.5) / 9.0, r = dx * dx + dy * dy;
      const double ix = (x - 9.5) / 3.6, iy = (y - 12.5) / 6.4;
      const bool ring = r <= 1.0 && ix * ix + iy * iy > 1.0;
      const bool dot = std::abs(x - 9.5) < 1.6 && std::abs(y - 12.5) < 2.1;
      if (ring || dot) pixSetPixel(page.get(), x, y, 25);
    }
  const Shape dotted = shape(page.get());
  GlyphShapes shapes;
  REQUIRE(shapes.usable());
  // scripts/install-deps.sh installs DejaVu and URW's Nimbus faces.
  CHECK(shapes.code_faces().size() >= 4);
  const double zero = shapes.likeness(dotted, U'0');
  CHECK(zero > 0.6);
  for (char32_t other : std::u32string_view(U"123456789X"))
    CHECK(zero > shapes.likeness(dotted, other) + 0.05);
}

TEST_CASE("a glyph check is kept with the scan's result and read back from it", "[glyphs]") {
  ScanResult result;
  result.readable = true;
  result.glyph_checks.push_back({"person",
                                 "于将平",
                                 "于辉平",
                                 {706, 740, 40, 14},
                                 {{0.55, 0.74}},
                                 {{"晖", 0.66}},
                                 true,
                                 "于辉平"});
  const std::optional<ScanResult> back = scan_result_from_json(scan_result_json(result));
  REQUIRE(back);
  REQUIRE(back->glyph_checks.size() == 1);
  const GlyphCheck& g = back->glyph_checks[0];
  CHECK(g.field == "person");
  CHECK(g.read == "于将平");
  CHECK(g.expected == "于辉平");
  CHECK(g.box == keydesk::ocr::Box{706, 740, 40, 14});
  REQUIRE(g.likeness.size() == 1);
  CHECK(g.likeness[0].second == Approx(0.74));
  REQUIRE(g.rivals.size() == 1);
  CHECK(g.rivals[0].first == "晖");
  CHECK(g.rivals[0].second == Approx(0.66));
  CHECK(g.taken);
  CHECK(g.read_again == "于辉平");
  // A result stored before read_again existed reads back without it; one holding it as anything
  // but text is refused whole (redone), never half read.
  nlohmann::json stored = scan_result_json(result);
  stored["glyph_checks"][0].erase("read_again");
  const std::optional<ScanResult> older = scan_result_from_json(stored);
  REQUIRE(older);
  CHECK(older->glyph_checks.at(0).read_again.empty());
  stored["glyph_checks"][0]["read_again"] = 5;
  CHECK_FALSE(scan_result_from_json(stored));
}

TEST_CASE("a seal's name check is kept with the scan's result; a verdict not known is refused",
          "[glyphs]") {
  ScanResult result;
  result.readable = true;
  SealMark seal;
  seal.box = {637, 760, 225, 228};
  seal.red = true;
  seal.text = "六州堪丰昌原实业有限公司";
  seal.name_check = SealNameCheck{"广州正元国际贸易有限公司",
                                  5,
                                  0,
                                  {{"堪", "正", 0.68, 0.29, true}, {"丰", "元", 0.78, 0.17, true}},
                                  SealNameCheck::Verdict::other,
                                  "实业",
                                  "正元",
                                  false};
  result.seals.push_back(seal);
  nlohmann::json json = scan_result_json(result);
  const std::optional<ScanResult> back = scan_result_from_json(json);
  REQUIRE(back);
  REQUIRE(back->seals.size() == 1);
  CHECK(back->seals[0].text == seal.text);
  REQUIRE(back->seals[0].name_check);
  const SealNameCheck& c = *back->seals[0].name_check;
  CHECK(c.expected == "广州正元国际贸易有限公司");
  CHECK(c.read_as_name == 5);
  CHECK(c.verdict == SealNameCheck::Verdict::other);
  REQUIRE(c.differences.size() == 2);
  CHECK(c.differences[1].read == "丰");
  CHECK(c.differences[1].form_likeness == Approx(0.17));
  CHECK(c.differences[1].clearly_other);
  CHECK(c.foreign_word == "实业");
  CHECK(c.brand == "正元");
  CHECK_FALSE(c.brand_missing);
  {  // a seal read as the name but for its brand is kept so
    nlohmann::json altered = json;
    altered["seals"][0]["name_check"]["brand_missing"] = true;
    const std::optional<ScanResult> missing = scan_result_from_json(altered);
    REQUIRE(missing);
    CHECK(missing->seals[0].name_check->brand_missing);
    altered["seals"][0]["name_check"]["brand_missing"] = "yes";
    CHECK_FALSE(scan_result_from_json(altered));
  }
  {  // a word that is not text makes the result unreadable
    nlohmann::json altered = json;
    altered["seals"][0]["name_check"]["foreign_word"] = 7;
    CHECK_FALSE(scan_result_from_json(altered));
  }
  // A doubtful seal (one character clearly another's) is kept as doubtful.
  json["seals"][0]["name_check"]["verdict"] = "doubtful";
  json["seals"][0]["name_check"]["differences"][1]["clearly_other"] = false;
  const std::optional<ScanResult> doubtful = scan_result_from_json(json);
  REQUIRE(doubtful);
  CHECK(doubtful->seals[0].name_check->verdict == SealNameCheck::Verdict::doubtful);
  CHECK_FALSE(doubtful->seals[0].name_check->differences[1].clearly_other);
  // A kept result whose verdict or counts were altered is not taken as an unsure seal: it is
  // no result, and the scan is analysed again.
  json["seals"][0]["name_check"]["verdict"] = "maybe";
  CHECK_FALSE(scan_result_from_json(json));
  json["seals"][0]["name_check"]["verdict"] = "same";
  json["seals"][0]["name_check"]["read_as_name"] = -1;
  CHECK_FALSE(scan_result_from_json(json));
}

TEST_CASE(
    "a seal's print is kept with the scan's result; a print of a wrong type or shape is "
    "refused whole",
    "[glyphs]") {
  ScanResult result;
  result.readable = true;
  SealMark seal;
  seal.box = {637, 760, 225, 228};
  seal.red = true;
  seal.print.bins = 3;
  seal.print.ink = std::string(3 * SealPrint::kPrintRows, '4');
  seal.print.ink[5] = '9';
  result.seals.push_back(seal);
  const nlohmann::json json = scan_result_json(result);
  const std::optional<ScanResult> back = scan_result_from_json(json);
  REQUIRE(back);
  REQUIRE(back->seals.size() == 1);
  CHECK(back->seals[0].print.bins == 3);
  CHECK(back->seals[0].print.ink == seal.print.ink);
  // A seal kept before prints were (no "print") reads back with none.
  nlohmann::json older = json;
  older["seals"][0].erase("print");
  const std::optional<ScanResult> without = scan_result_from_json(older);
  REQUIRE(without);
  CHECK(without->seals[0].print.bins == 0);
  // Every wrong type, size or digit makes the result unreadable (the scan is analysed again).
  for (const nlohmann::json& wrong :
       {nlohmann::json("3x48"), nlohmann::json::array(), nlohmann::json{{"bins", 3.5}, {"ink", ""}},
        nlohmann::json{{"bins", "3"}, {"ink", seal.print.ink}},
        nlohmann::json{{"bins", 3}, {"ink", 7}},
        nlohmann::json{{"bins", -3}, {"ink", seal.print.ink}},
        nlohmann::json{{"bins", 4294967299LL}, {"ink", seal.print.ink}},
        nlohmann::json{{"bins", 3}, {"ink", seal.print.ink + "0"}},
        nlohmann::json{{"bins", 3}, {"ink", std::string(3 * SealPrint::kPrintRows, 'a')}},
        nlohmann::json{{"ink", seal.print.ink}}}) {
    nlohmann::json altered = json;
    altered["seals"][0]["print"] = wrong;
    INFO(wrong.dump());
    CHECK_FALSE(scan_result_from_json(altered));
  }
}
