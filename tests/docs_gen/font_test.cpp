// The font subset keydesk embeds: only the characters asked for, each on its own glyph, and a
// compact cmap that a standard parser (HarfBuzz) reads the same way libharu does.
#include <catch2/catch.hpp>

#include "docs_gen/documents.h"
#include "docs_gen/internal/font.h"
#include "docs_gen/internal/ttf_cmap.h"
#include "tests/support.h"

using namespace keydesk::docs;

TEST_CASE("a subset holds exactly the characters asked for, read back through its compact cmap") {
  auto face = internal::FontFace::open(default_font_path(), 0);
  REQUIRE(face);
  const std::u32string wanted = U" 0AZaz-（）：，。传真封面北京示例进出口有限公司齄ＡＺ";
  std::string bytes = (*face)->subset(wanted);
  REQUIRE(bytes.size() > 1000);
  keydesk::test::TempDir dir;
  auto path = dir.write("subset.ttf", bytes);
  auto sub = internal::FontFace::open(path.string(), 0);
  REQUIRE(sub);
  for (char32_t cp : wanted) {
    if (cp == U' ') continue;  // a blank glyph: present but not checked by has()
    INFO("U+" << std::hex << static_cast<unsigned>(cp));
    CHECK((*sub)->has(cp));
    CHECK((*sub)->advance(cp) == Approx((*face)->advance(cp)));
  }
  // Characters between the ones kept map to nothing, whether inside a segment or not.
  for (char32_t cp : std::u32string(U"B丁亿鼎龘ＢＹ~")) CHECK_FALSE((*sub)->has(cp));
}

TEST_CASE("the compact cmap refuses code points beyond the BMP and fonts it cannot parse") {
  CHECK_FALSE(internal::with_compact_cmap("not a font", {{U'A', 1}}));
  CHECK_FALSE(internal::with_compact_cmap(std::string(64, '\0'), {{U'\U00020BB7', 1}}));
}
