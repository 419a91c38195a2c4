// The JSON writer the queue pages are written with: its text is the text nlohmann::json would
// dump (error_handler_t::replace) for the same value, byte for byte, whatever the strings hold.
#include <catch2/catch.hpp>

#include <random>

#include "engine/internal/json_writer.h"

using keydesk::internal::JsonWriter;

namespace {
std::string dumped(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
std::string written(const std::string& s) {
  JsonWriter w;
  w.value(s);
  return w.text();
}
}  // namespace

TEST_CASE(
    "a string is written as nlohmann dumps it: escapes, Chinese as is, broken UTF-8 replaced") {
  for (const std::string& s :
       std::vector<std::string>{"", "示例贸易有限公司", "a\"b\\c", "\b\f\n\r\t",
                                std::string("\x00\x01\x1f\x7f", 4), "𠮷", "\xC0\xAF", "\xE4\xB8",
                                "\xE4\xB8"
                                "A",
                                "\xED\xA0\x80", "\x80", "\xF4\x90\x80\x80", "\xE0\x80\x80",
                                "\xF0\x9F\x98", "中\xFF文", "\xE4\xB8\xE4\xB8\xAD"})
    CHECK(written(s) == dumped(s));
  // Random bytes, weighted to what breaks writers: quotes, controls, leads and continuations.
  std::mt19937 rng(23);
  const unsigned char pool[] = {'a',  '"',  '\\', '\n', 0x01, 0x1f, 0x7f, 0x80,
                                0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xE4, 0xB8, 0xAD,
                                0xED, 0xA0, 0xF0, 0x90, 0xF4, 0xF5, 0xFF};
  for (int n = 0; n < 5000; ++n) {
    std::string s(rng() % 12, ' ');
    for (char& c : s) c = static_cast<char>(pool[rng() % sizeof pool]);
    INFO("bytes of case " << n);
    REQUIRE(written(s) == dumped(s));
  }
}

TEST_CASE("objects and arrays are written with their commas, and read back as the value") {
  JsonWriter w;
  w.begin_object()
      .member("today", "2026-12-04")
      .key("tabs")
      .begin_array()
      .begin_object()
      .member("id", "mine")
      .member("count", std::int64_t{3})
      .end_object()
      .begin_object()
      .end_object()
      .begin_array()
      .end_array()
      .end_array()
      .member("closed", false)
      .key("due")
      .null()
      .member("years", nlohmann::json({2027, 2028}))
      .member("min", std::int64_t{-9223372036854775807LL - 1})
      .end_object();
  const nlohmann::json expected = {
      {"today", "2026-12-04"},
      {"tabs", {{{"id", "mine"}, {"count", 3}}, nlohmann::json::object(), nlohmann::json::array()}},
      {"closed", false},
      {"due", nullptr},
      {"years", {2027, 2028}},
      {"min", std::numeric_limits<std::int64_t>::min()}};
  CHECK(nlohmann::json::parse(w.text()) == expected);
  CHECK(w.text().find(",,") == std::string::npos);
  CHECK(w.text().rfind("{\"today\":\"2026-12-04\",\"tabs\":[{", 0) == 0);
}
