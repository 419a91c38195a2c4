// A row's text as read (ocr/internal/rows.h): where each glyph stands in it, and round brackets
// the Chinese model read as angle ones.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "ocr/internal/rows.h"

using namespace keydesk::ocr::internal;

namespace {

// A line read as `glyphs`, joined as the recognizer joins them: a space between two Latin ones.
LineRead line_of(const std::vector<std::string>& glyphs) {
  LineRead read;
  for (const std::string& g : glyphs) {
    if (!read.glyphs.empty() && static_cast<unsigned char>(read.glyphs.back().text[0]) < 0x80 &&
        static_cast<unsigned char>(g[0]) < 0x80)
      read.text += ' ';
    read.text += g;
    read.glyphs.push_back({g, {}, 90});
  }
  return read;
}

}  // namespace

TEST_CASE("each glyph's place in a row's text is found past the spaces between them") {
  const LineRead read = line_of({"代", "码", "9", "1", "A"});
  CHECK(read.text == "代码9 1 A");
  CHECK(glyph_offsets(read) == std::vector<size_t>{0, 3, 6, 8, 10, 11});
  LineRead other = read;
  other.text = "代码91X";  // not the glyphs joined
  CHECK(glyph_offsets(other).empty());
}

TEST_CASE("an angle bracket closed by a round one is round, a book title's pair stays") {
  LineRead name = line_of({"万", "利", "达", "《", "深", "圳", ")", "进", "出", "口"});
  mend_brackets(name);
  CHECK(name.text == "万利达(深圳)进出口");
  CHECK(name.glyphs[3].text == "(");
  CHECK(glyph_offsets(name).size() == name.glyphs.size() + 1);

  LineRead wide = line_of({"中", "远", "〈", "南", "京", "）", "国", "际"});
  mend_brackets(wide);
  CHECK(wide.text == "中远（南京）国际");

  LineRead closing = line_of({"海", "纳", "（", "上", "海", "〉", "贸"});
  mend_brackets(closing);
  CHECK(closing.text == "海纳（上海）贸");

  LineRead title = line_of({"依", "《", "外", "贸", "法", "》", "办", "理"});
  mend_brackets(title);
  CHECK(title.text == "依《外贸法》办理");

  LineRead alone = line_of({"《", "深", "圳"});
  mend_brackets(alone);
  CHECK(alone.text == "《深圳");
}
