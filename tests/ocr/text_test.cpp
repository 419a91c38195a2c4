#include <catch2/catch.hpp>

#include "ocr/text.h"

using namespace keydesk::ocr;

TEST_CASE("names compare equal across full-width, half-width and bracket styles", "[text]") {
  CHECK(normalise_name("宏远（苏州）国际贸易有限公司") == normalise_name("宏远(苏州)国际贸易有限公司 "));
  CHECK(normalise_name("宏远【苏州】国际贸易有限公司") == normalise_name("宏远(苏州)国际贸易有限公司"));
  CHECK(normalise_name("ＡＢＣ贸易 有限公司") == normalise_name("abc贸易有限公司"));
  CHECK(normalise_name("北京示例进出口有限公司") != normalise_name("北京示列进出口有限公司"));
}

TEST_CASE("a label is found inside a row of OCR text, with one character misread", "[text]") {
  size_t begin = 0, end = 0;
  std::u32string row = normalise_name("统一社会信甩代码91110105MA01ABCD5F");
  double similarity = substring_similarity(row, normalise_name("统一社会信用代码"), &begin, &end);
  CHECK(similarity == Approx(1.0 - 1.0 / 8));
  CHECK(begin == 0);
  CHECK(end == 8);
  CHECK(substring_similarity(row, normalise_name("营业执照")) < 0.5);
  CHECK(edit_distance(U"钟蕾敏", U"钟昔敏") == 1);
}

TEST_CASE("code text is folded to upper-case ASCII without spaces", "[text]") {
  CHECK(fold_code_text("９１１１０１０５ma01 abcd5f") == "91110105MA01ABCD5F");
}
