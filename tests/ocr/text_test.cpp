#include <catch2/catch.hpp>

#include "ocr/text.h"

using namespace keydesk::ocr;

TEST_CASE("names compare equal across full-width, half-width and bracket styles", "[text]") {
  CHECK(normalise_name("宏远（苏州）国际贸易有限公司") ==
        normalise_name("宏远(苏州)国际贸易有限公司 "));
  CHECK(normalise_name("宏远【苏州】国际贸易有限公司") ==
        normalise_name("宏远(苏州)国际贸易有限公司"));
  CHECK(normalise_name("宏远《苏州〉国际贸易有限公司") ==
        normalise_name("宏远(苏州)国际贸易有限公司"));
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

TEST_CASE(
    "a signature label is found whole with a slip, or by its stem when the signature "
    "strikes through its bracket",
    "[text]") {
  const std::u32string label = normalise_name("授权用户（签字）");
  // Read whole, one character misread.
  auto whole = find_signature_label(normalise_name("授权用户（签宇）"), label);
  REQUIRE(whole);
  CHECK(whole->stands_for == 0);
  CHECK(whole->similarity == Approx(1.0 - 1.0 / 8));
  // The handwriting over 签字) read as junk: the stem 授权用户( stands for the label, and says
  // how many characters it stands for.
  auto struck = find_signature_label(normalise_name("授权用户（和冯7宁波"), label);
  REQUIRE(struck);
  CHECK(struck->begin == 0);
  CHECK(struck->end == 5);
  CHECK(struck->stands_for == 3);
  // A stem of four characters may have one slip (括 for 授), the bracket still after it.
  auto slipped = find_signature_label(normalise_name("括权用户（区5）捞欢一"), label);
  REQUIRE(slipped);
  CHECK(slipped->begin == 0);
  CHECK(slipped->end == 5);
  // The bracket read as an opening quote (a seal's edge over 签字）: seed 31's S-2026-109183),
  // or as 《 or 〈, as OCR reads （.
  for (const char* read : {"授权用户“记忆", "授权用户《签", "授权用户〈和冯"}) {
    INFO(read);
    auto quoted = find_signature_label(normalise_name(read), label);
    REQUIRE(quoted);
    CHECK(quoted->begin == 0);
    CHECK(quoted->end == 5);
    CHECK(quoted->stands_for == 3);
  }
  // A comma at the row's end, no more after it than the label's rest (the label's print parted
  // from the hand after it, read 授权用户，资名，), is the bracket read so.
  auto comma = find_signature_label(normalise_name("授权用户，资名，"), label);
  REQUIRE(comma);
  CHECK(comma->begin == 0);
  CHECK(comma->end == 5);
  CHECK(comma->stands_for == 3);
  // A closing quote is not an opening bracket.
  CHECK_FALSE(find_signature_label(normalise_name("授权用户”记忆"), label));
  CHECK_FALSE(find_signature_label(normalise_name("由授权用户汪振办理"), label));
  CHECK_FALSE(find_signature_label(normalise_name("括权用户，（签名栏）"), label));
  // The same words in the body of the letter, with no bracket after them, are not the label.
  CHECK_FALSE(
      find_signature_label(normalise_name("为我单位电子钥匙授权用户，代表我单位办理"), label));
  // A stem of fewer than three characters says too little (人( is in many rows).
  CHECK_FALSE(find_signature_label(normalise_name("经办人（和冯"), normalise_name("办人（签字）")));
  CHECK_FALSE(
      find_signature_label(normalise_name("授权用户（和冯"), normalise_name("法定代表人（签字）")));
}

TEST_CASE("a mark alone between two Chinese characters is dropped, and where the rest was is kept",
          "[text]") {
  std::vector<size_t> at;
  CHECK(without_inner_marks(U"名”称永盛公司", &at) == U"名称永盛公司");
  CHECK(at == std::vector<size_t>{0, 2, 3, 4, 5, 6});
  CHECK(without_inner_marks(U"兹委托苏，雪(身份证") == U"兹委托苏雪(身份证");
  // Brackets, marks at an end, beside Latin letters or digits, and two in a row stay.
  CHECK(without_inner_marks(U"金桥(深圳)国际") == U"金桥(深圳)国际");
  CHECK(without_inner_marks(U"“名称”") == U"“名称”");
  CHECK(without_inner_marks(U"A,B 号:1") == U"A,B 号:1");
  CHECK(without_inner_marks(U"名，，称") == U"名，，称");
  // A label matched across such a mark, where it stands in the row as read; nothing to add where
  // the row holds no such mark.
  size_t begin = 0, end = 0;
  CHECK(similarity_without_inner_marks(U"：名”称永盛", U"名称", &begin, &end) == 1.0);
  CHECK(begin == 1);
  CHECK(end == 4);
  CHECK(similarity_without_inner_marks(U"名称永盛", U"名称", &begin, &end) == 0.0);
}
