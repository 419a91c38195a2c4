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
        "7:5: 未知的键“holidys”：是否应为“holidays”？请改正拼写\n");
}

TEST_CASE("an overlapping holiday range points at the second range and the first") {
  CHECK(problems_of(with(kGood, "from: 2026-02-15", "from: 2026-01-03")) ==
        "9:9: 2026-01-03 重复声明：此处和第 8 行的“元旦”都包含这一天；日期范围不能重叠，请改正其"
        "中之一\n");
}

TEST_CASE("a make-up working day inside a holiday range is an overlap") {
  CHECK(problems_of(with(kGood, "date: 2026-01-04", "date: 2026-02-15")) ==
        "11:9: 2026-02-15 重复声明：此处和第 9 行的“春节”都包含这一天；日期范围不能重叠，请改正"
        "其中之一\n");
}

TEST_CASE("a date that does not exist says why") {
  CHECK(problems_of(with(kGood, "to: 2026-02-23", "to: 2026-02-30")) ==
        "9:43: “2026-02-30”不是日期：2026 年 2 月只有 28 天\n");
  CHECK(problems_of(with(kGood, "to: 2026-02-23", "to: 2026-13-01")) ==
        "9:43: “2026-13-01”不是日期：没有 13 月\n");
}

TEST_CASE("a date in the wrong form is refused by the schema") {
  CHECK(problems_of(with(kGood, "from: 2026-01-01", "from: 2026/01/01")) ==
        "8:27: from: 2026/01/01 格式不对：须为 YYYY-MM-DD 形式的日期，如 2026-10-01\n");
}

TEST_CASE("a YAML syntax error gives its position") {
  CHECK(problems_of(with(kGood, "title: test", "title: [test")) ==
        "3:6: YAML 语法错误：方括号“[”没有配对的“]”：请补上，或检查其中的逗号 (end of sequence "
        "flow not found)\n");
}

TEST_CASE("a range that ends before it begins asks to swap the ends") {
  CHECK(problems_of(
            with(kGood, "from: 2026-02-15, to: 2026-02-23", "from: 2026-02-23, to: 2026-02-15")) ==
        "9:43: 结束日期 to: 2026-02-15 早于开始日期 from: 2026-02-23：请交换 from 和 to\n");
}

TEST_CASE("a make-up working day on a weekday is refused") {
  CHECK(problems_of(with(kGood, "date: 2026-01-04", "date: 2026-01-05")) ==
        "11:27: date: 2026-01-05 是周一，本来就是工作日：调休上班日应是周六或周日，请核对通知\n");
}

TEST_CASE("a date far outside its year's block is refused") {
  CHECK(problems_of(with(kGood, "to: 2026-02-23", "to: 2027-02-23")) ==
        "9:43: to: 2027-02-23 不在 2026 年这一段的范围内（可从 2025-12-01 到 2027-01-31）：请检查"
        "年份，或把它移到所属年份的一段\n");
}

TEST_CASE("the same year given twice is refused") {
  std::string text = std::string(kGood) +
                     "  - year: 2026\n    notices: [{ number: X, title: x, issued: 2025-11-04 }]\n";
  CHECK(problems_of(text) ==
        "12:11: year: 2026 重复：第 4 行已有这一年的一段，请把两段合并为一段\n");
}

TEST_CASE("an entry citing a notice the year does not list is refused") {
  CHECK(problems_of(
            with(kGood, "to: 2026-01-03 }", "to: 2026-01-03, notice: 国办发明电〔2099〕1号 }")) ==
        "8:63: 通知“国办发明电〔2099〕1号”不在本年的 notices 中：请改为已列出的文号，或先在 "
        "notices 下列出这份通知\n");
}

TEST_CASE("a missing required key is named") {
  CHECK(problems_of(with(kGood, "title: test\n", "")) ==
        "1:1: 文件缺少必填的键“title”：请补上 title: …\n");
}

TEST_CASE("the id must match the file name") {
  CHECK(problems_of(kGood, "other") ==
        "1:5: id: t 与文件名 other.yaml 不一致：id 须等于文件名（不含 .yaml），请修改其中之一\n");
}

TEST_CASE("a year with a wrong type is named") {
  CHECK(problems_of(with(kGood, "year: 2026", "year: twenty")) ==
        "4:11: year: twenty 不是整数：须为 1991 到 2200 之间的整数（这一段安排的年份）\n");
}

TEST_CASE("a year outside 1991 to 2200 is refused with the field and the range named") {
  // 2026 + 2^32: an int would wrap it to 2026.
  CHECK(problems_of(with(kGood, "year: 2026", "year: 4294969322")) ==
        "4:11: year: 4294969322 超出范围：须为 1991 到 2200 之间的整数（这一段安排的年份）\n");
  CHECK_THAT(problems_of(with(kGood, "year: 2026", "year: 1990")),
             Catch::StartsWith("4:11: year: 1990 超出范围：须为 1991 到 2200 之间的整数"));
  CHECK_THAT(problems_of(with(kGood, "year: 2026", "year: -2026")),
             Catch::StartsWith("4:11: year: -2026 超出范围：须为 1991 到 2200 之间的整数"));
}

TEST_CASE("extending a calendar that does not exist names it and lists what exists") {
  CHECK_THAT(problems_of(with(kGood, "title: test\n", "title: test\nextends: nowhere\n")),
             Catch::Contains("所扩展（extends）的日历“nowhere”") && Catch::Contains("现有：t"));
}

TEST_CASE("a cycle of extends is refused") {
  CHECK_THAT(problems_of(with(kGood, "title: test\n", "title: test\nextends: t\n")),
             Catch::Contains("又扩展回了自身：请去掉 extends 的循环"));
}

TEST_CASE("a calendar name that matches no file lists the calendars there are") {
  auto cal = keydesk::WorkingCalendar::load(KEYDESK_RULES_DIR "/calendars", "cn-natonal");
  REQUIRE_FALSE(cal.ok());
  CHECK_THAT(cal.error().message,
             Catch::Contains("找不到日历“cn-natonal”") && Catch::Contains("现有：cn-national"));
}

TEST_CASE("the bundled calendars are clean") {
  auto cal = keydesk::WorkingCalendar::load(KEYDESK_RULES_DIR "/calendars", "cn-national");
  INFO((cal ? std::string() : keydesk::format_all(cal.error().diagnostics) + cal.error().message));
  REQUIRE(cal.ok());
  CHECK(cal->covered_years().size() == 8);
}
