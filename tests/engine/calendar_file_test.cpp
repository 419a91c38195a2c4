// Bad calendar files: each problem gives file:line:column and a message a person can act on.
#include <catch2/catch.hpp>

#include "engine/calendar.h"
#include "tests/support.h"

namespace {

// Loads `text` as the calendar file t.yaml and returns "line:column: message" per problem,
// with the directory stripped, or "ok".
std::string problems_of(const std::string& text, const std::string& name = "t") {
  keydesk::test::TempDir dir;
  auto path = dir.write(name + ".yaml", text);
  auto cal = keydesk::WorkingCalendar::load(dir.path(), name);
  if (cal) return "ok";
  std::string out;
  for (const auto& d : cal.error().diagnostics) {
    REQUIRE(d.file == path.string());
    out += std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.message + "\n";
  }
  return out.empty() ? cal.error().message : out;
}

const char* const kGood = R"(id: t
title: test
years:
  - year: 2026
    notices:
      - { number: 国办发明电〔2025〕7号, title: 通知, issued: 2025-11-04 }
    holidays:
      - { name: 元旦, from: 2026-01-01, to: 2026-01-03 }
      - { name: 春节, from: 2026-02-15, to: 2026-02-23 }
    workdays:
      - { name: 元旦, date: 2026-01-04 }
)";

std::string with(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("a well-formed calendar file loads") { CHECK(problems_of(kGood) == "ok"); }

TEST_CASE("a misspelt key is named, with the key it was probably meant to be") {
  CHECK(problems_of(with(kGood, "holidays:", "holidys:")) ==
        "7:5: unknown key 'holidys' (did you mean 'holidays'?)\n");
}

TEST_CASE("an overlapping holiday range points at the second range and the first") {
  CHECK(problems_of(with(kGood, "from: 2026-02-15", "from: 2026-01-03")) ==
        "9:9: 2026-01-03 is declared twice: here and as 元旦 at line 8; ranges must not overlap\n");
}

TEST_CASE("a make-up working day inside a holiday range is an overlap") {
  CHECK(
      problems_of(with(kGood, "date: 2026-01-04", "date: 2026-02-15")) ==
      "11:9: 2026-02-15 is declared twice: here and as 春节 at line 9; ranges must not overlap\n");
}

TEST_CASE("a date that does not exist says why") {
  CHECK(problems_of(with(kGood, "to: 2026-02-23", "to: 2026-02-30")) ==
        "9:43: '2026-02-30' is not a date: 2026-02 has 28 days\n");
  CHECK(problems_of(with(kGood, "to: 2026-02-23", "to: 2026-13-01")) ==
        "9:43: '2026-13-01' is not a date: there is no month 13\n");
}

TEST_CASE("a date in the wrong form is refused by the schema") {
  CHECK(problems_of(with(kGood, "from: 2026-01-01", "from: 2026/01/01")) ==
        "8:27: 'years/0/holidays/0/from': '2026/01/01' is not in the expected form (a date "
        "written YYYY-MM-DD)\n");
}

TEST_CASE("a YAML syntax error gives its position") {
  CHECK(problems_of(with(kGood, "title: test", "title: [test")) ==
        "3:6: YAML syntax: end of sequence flow not found\n");
}

TEST_CASE("a range that ends before it begins asks to swap the ends") {
  CHECK(problems_of(
            with(kGood, "from: 2026-02-15, to: 2026-02-23", "from: 2026-02-23, to: 2026-02-15")) ==
        "9:43: the range ends (2026-02-15) before it begins (2026-02-23): swap 'from' and 'to'\n");
}

TEST_CASE("a make-up working day on a weekday is refused") {
  CHECK(problems_of(with(kGood, "date: 2026-01-04", "date: 2026-01-05")) ==
        "11:27: 2026-01-05 is a 周一, a working day anyway: a make-up working day (调休上班) is a "
        "Saturday or Sunday\n");
}

TEST_CASE("a date far outside its year's block is refused") {
  CHECK(problems_of(with(kGood, "to: 2026-02-23", "to: 2027-02-23")) ==
        "9:43: 2027-02-23 lies outside the 2026 block (which may reach from 2025-12-01 to "
        "2027-01-31)\n");
}

TEST_CASE("the same year given twice is refused") {
  std::string text = std::string(kGood) +
                     "  - year: 2026\n    notices: [{ number: X, title: x, issued: 2025-11-04 }]\n";
  CHECK(problems_of(text) ==
        "12:11: the year 2026 has a block already (at line 4); merge the two\n");
}

TEST_CASE("an entry citing a notice the year does not list is refused") {
  CHECK(problems_of(
            with(kGood, "to: 2026-01-03 }", "to: 2026-01-03, notice: 国办发明电〔2099〕1号 }")) ==
        "8:63: the notice '国办发明电〔2099〕1号' is not listed under this year's notices\n");
}

TEST_CASE("a missing required key is named") {
  CHECK(problems_of(with(kGood, "title: test\n", "")) ==
        "1:1: the file lacks the required key 'title'\n");
}

TEST_CASE("the id must match the file name") {
  CHECK(problems_of(kGood, "other") ==
        "1:5: the id 't' must match the file name 'other.yaml': rename one of them\n");
}

TEST_CASE("a year with a wrong type is named") {
  CHECK(problems_of(with(kGood, "year: 2026", "year: twenty")) ==
        "4:11: 'years/0/year' 是 'twenty'：请改为 1991 到 2200 之间的整数 (the year the block "
        "arranges; an integer from 1991 to 2200)\n");
}

TEST_CASE("a year outside 1991 to 2200 is refused with the field and the range named") {
  // 2026 + 2^32: an int would wrap it to 2026.
  CHECK(problems_of(with(kGood, "year: 2026", "year: 4294969322")) ==
        "4:11: 'years/0/year' 是 4294969322：请改为 1991 到 2200 之间的整数 (the year the block "
        "arranges; an integer from 1991 to 2200)\n");
  CHECK_THAT(problems_of(with(kGood, "year: 2026", "year: 1990")),
             Catch::StartsWith("4:11: 'years/0/year' 是 1990：请改为 1991 到 2200 之间的整数"));
  CHECK_THAT(problems_of(with(kGood, "year: 2026", "year: -2026")),
             Catch::StartsWith("4:11: 'years/0/year' 是 -2026：请改为 1991 到 2200 之间的整数"));
}

TEST_CASE("extending a calendar that does not exist names it and lists what exists") {
  CHECK_THAT(
      problems_of(with(kGood, "title: test\n", "title: test\nextends: nowhere\n")),
      Catch::Contains("no calendar 'nowhere' (extended by") && Catch::Contains("available: t"));
}

TEST_CASE("a cycle of extends is refused") {
  CHECK_THAT(problems_of(with(kGood, "title: test\n", "title: test\nextends: t\n")),
             Catch::Contains("extends itself"));
}

TEST_CASE("a calendar name that matches no file lists the calendars there are") {
  auto cal = keydesk::WorkingCalendar::load(KEYDESK_RULES_DIR "/calendars", "cn-natonal");
  REQUIRE_FALSE(cal.ok());
  CHECK_THAT(cal.error().message, Catch::Contains("no calendar 'cn-natonal'") &&
                                      Catch::Contains("available: cn-national"));
}

TEST_CASE("the bundled calendars are clean") {
  auto cal = keydesk::WorkingCalendar::load(KEYDESK_RULES_DIR "/calendars", "cn-national");
  INFO((cal ? std::string() : keydesk::format_all(cal.error().diagnostics) + cal.error().message));
  REQUIRE(cal.ok());
  CHECK(cal->covered_years().size() == 8);
}
