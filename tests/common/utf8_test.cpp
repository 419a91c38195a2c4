// UTF-8: the strict decoder refuses malformed input, the lossy one marks it; both round-trip.
#include <catch2/catch.hpp>

#include "common/utf8.h"

using namespace keydesk;

TEST_CASE("the UTF-8 decoder refuses overlong, truncated, surrogate and stray bytes") {
  CHECK(decode_utf8("堃喆𠮷") == std::u32string{U'\u5803', U'\u5586', U'\U00020BB7'});
  CHECK_FALSE(decode_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(decode_utf8("\xE4\xB8"));          // truncated 中
  CHECK_FALSE(decode_utf8("\xED\xA0\x80"));      // a surrogate
  CHECK_FALSE(decode_utf8("\x80"));              // a continuation byte alone
  CHECK_FALSE(decode_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK(code_point_name(U'\U00020BB7') == "U+20BB7");
  CHECK(code_point_name(U'\u5803') == "U+5803");
}

TEST_CASE("UTF-8 round-trips, and a broken byte becomes a replacement character") {
  std::string text = "统一社会信用代码 91110105MA01ABCD5F 𠮷";
  CHECK(encode_utf8(decode_utf8_lossy(text)) == text);
  CHECK(decode_utf8_lossy(std::string("a\xe4\xb8") + "b") == U"a\uFFFD\uFFFDb");
}
