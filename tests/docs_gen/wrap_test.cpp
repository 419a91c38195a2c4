// Chinese line breaking: kinsoku (避头尾), whole Latin tokens, UTF-8 never split.
#include <catch2/catch.hpp>

#include "common/utf8.h"
#include "docs_gen/internal/wrap.h"

using namespace keydesk::docs::internal;
using keydesk::decode_utf8;

namespace {

// Full-width characters 12 units wide, everything below U+2E80 6 units.
double fixed_width(char32_t cp) { return cp >= 0x2E80 ? 12 : 6; }

std::u32string decoded(const std::string& s) {
  auto d = decode_utf8(s);
  REQUIRE(d);
  return *d;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string all;
  for (const auto& l : lines) all += l;
  return all;
}

}  // namespace

TEST_CASE("no wrapped line starts with closing punctuation or ends with opening punctuation") {
  const std::string text =
      "营业执照副本复印件未加盖企业公章，请盖章后重新提交。授权委托书（原件）未见签字：请签字、"
      "盖章！是否补办？「补办」须写明原因；《申请表》须勾选。";
  for (double width = 24; width <= 400; width += 6) {
    auto lines = wrap_text(text, width, fixed_width);
    CHECK(joined(lines) == text);  // nothing lost, nothing added
    for (std::size_t i = 0; i < lines.size(); ++i) {
      auto cps = decoded(lines[i]);
      REQUIRE_FALSE(cps.empty());
      INFO("width " << width << ", line " << i << ": " << lines[i]);
      if (i > 0) CHECK_FALSE(is_closing_punctuation(cps.front()));
      if (i + 1 < lines.size()) CHECK_FALSE(is_opening_punctuation(cps.back()));
    }
  }
}

TEST_CASE("every wrapped line is well-formed UTF-8 and fits unless one character cannot") {
  const std::string text = "北京示例进出口有限公司𠮷野家（苏州）国际贸易有限公司";
  for (double width = 12; width <= 200; width += 5) {
    for (const auto& line : wrap_text(text, width, fixed_width)) {
      auto cps = decode_utf8(line);
      REQUIRE(cps);
      double w = 0;
      for (char32_t cp : *cps) w += fixed_width(cp);
      // a closing mark may hang over the edge with the character it closes
      CHECK(w <= std::max(width, 12.0) + 12);
    }
  }
}

TEST_CASE("waybill numbers and codes stay whole when they fit on a line") {
  auto lines = wrap_text("运单号SF1458200736521已寄出，统一社会信用代码91110105MA01ABCD5F", 120,
                         fixed_width);
  std::string all = joined(lines);
  bool waybill_whole = false, uscc_whole = false;
  for (const auto& l : lines) {
    waybill_whole |= l.find("SF1458200736521") != std::string::npos;
    uscc_whole |= l.find("91110105MA01ABCD5F") != std::string::npos;
  }
  CHECK(waybill_whole);
  CHECK(uscc_whole);
  CHECK(all == "运单号SF1458200736521已寄出，统一社会信用代码91110105MA01ABCD5F");
}

TEST_CASE("a token wider than the line is split between characters, and spaces break lines") {
  auto lines = wrap_text("SF14582007365211458200736521", 60, fixed_width);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "SF14582007");
  lines = wrap_text("Room 1203 Building 5", 60, fixed_width);
  CHECK(lines == std::vector<std::string>{"Room 1203", "Building 5"});
  lines = wrap_text("第一行\n第二行", 400, fixed_width);
  CHECK(lines == std::vector<std::string>{"第一行", "第二行"});
  CHECK(wrap_text("", 100, fixed_width) == std::vector<std::string>{""});
}

TEST_CASE("ideographic spaces are kept for handwriting room") {
  auto lines = wrap_text("日期：　　年　　月", 400, fixed_width);
  CHECK(lines == std::vector<std::string>{"日期：　　年　　月"});
}
