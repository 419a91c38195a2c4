#include "engine/calendar.h"

#include <fstream>
#include <map>

#include <boost/date_time/gregorian/gregorian.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support.h"

using keydesk::Date;
using keydesk::WorkingCalendar;

namespace {

Date D(const char* text) { return *keydesk::parse_date(text); }

const WorkingCalendar& national() {
  static const WorkingCalendar cal = [] {
    auto r = WorkingCalendar::load(KEYDESK_RULES_DIR "/calendars", "cn-national");
    if (!r) FAIL(r.error().message);
    return r.value();
  }();
  return cal;
}

std::string add(const WorkingCalendar& cal, const char* d, long n) {
  auto r = cal.add_working_days(D(d), n);
  return r ? keydesk::format_date(*r) : "error: " + r.error().message;
}

std::string between(const WorkingCalendar& cal, const char* a, const char* b) {
  auto r = cal.working_days_between(D(a), D(b));
  return r ? std::to_string(*r) : "error: " + r.error().message;
}

}  // namespace

TEST_CASE("every date of 2019-2026 is a working day or not exactly as the official data says") {
  // An independent copy of the State Council arrangements (holiday-cn, MIT, tests/data).
  std::map<Date, bool> listed_off;
  for (int file_year = 2019; file_year <= 2027; ++file_year) {
    std::ifstream in(KEYDESK_TEST_DATA "/holiday-cn/" + std::to_string(file_year) + ".json");
    REQUIRE(in);
    auto j = nlohmann::json::parse(in);
    for (const auto& day : j["days"])
      listed_off[D(day["date"].get<std::string>().c_str())] = day["isOffDay"];
  }
  int checked = 0;
  std::vector<std::string> wrong;
  for (Date d = D("2019-01-01"); d <= D("2026-12-31"); d += boost::gregorian::days(1)) {
    auto it = listed_off.find(d);
    int wd = d.day_of_week().as_number();
    bool expected = it != listed_off.end() ? !it->second : (wd != 0 && wd != 6);
    auto got = national().is_working_day(d);
    REQUIRE(got.ok());
    if (*got != expected) wrong.push_back(keydesk::format_date(d));
    ++checked;
  }
  std::string listed;
  for (std::size_t i = 0; i < wrong.size() && i < 20; ++i) listed += " " + wrong[i];
  INFO("dates classified differently: " << wrong.size() << ":" << listed);
  CHECK(checked == 2922);
  CHECK(wrong.empty());
}

TEST_CASE("add gives the n-th working day strictly after the start date") {
  const auto& cal = national();
  SECTION("starting on a holiday counts from the first working day after it") {
    CHECK(add(cal, "2026-10-01", 1) == "2026-10-08");
    CHECK(add(cal, "2026-10-03", 2) == "2026-10-09");
  }
  SECTION("a make-up Saturday (调休上班) is a working day, both as a start and as a step") {
    CHECK(add(cal, "2026-10-09", 1) == "2026-10-10");
    CHECK(add(cal, "2026-10-10", 1) == "2026-10-12");
  }
  SECTION("across New Year, where 2026-01-04 is a Sunday worked in exchange") {
    CHECK(add(cal, "2025-12-31", 1) == "2026-01-04");
    CHECK(add(cal, "2025-12-31", 2) == "2026-01-05");
  }
  SECTION("the 2020 Spring Festival extension removed the make-up Saturday 2020-02-01") {
    CHECK(add(cal, "2020-01-23", 1) == "2020-02-03");
  }
  SECTION("the 2019 Labour Day amendment: 4 days off, Sundays 04-28 and 05-05 worked") {
    CHECK(add(cal, "2019-04-27", 1) == "2019-04-28");
    CHECK(add(cal, "2019-04-30", 1) == "2019-05-05");
  }
  SECTION("n = 0 is the start date itself, working day or not") {
    CHECK(add(cal, "2026-10-01", 0) == "2026-10-01");
    CHECK(add(cal, "2026-11-24", 0) == "2026-11-24");
  }
  SECTION("a negative n is a clear error, not a backwards count") {
    CHECK(add(cal, "2026-11-24", -1) ==
          "error: the number of working days must be 0 or more, not -1 (a deadline counts "
          "forward from its start date)");
  }
  SECTION("the seed's deadlines: 2 working days of authority review, then 5 of the vendor") {
    CHECK(add(cal, "2026-09-29", 2) == "2026-10-08");  // 09-30, then the National Day week
    CHECK(add(cal, "2026-09-28", 2) == "2026-09-30");
    CHECK(add(cal, "2026-09-30", 5) == "2026-10-13");
  }
}

TEST_CASE("a computation that reaches a year without data fails and names the year") {
  const auto& cal = national();
  CHECK(add(cal, "2026-12-30", 1) == "2026-12-31");
  auto past = cal.add_working_days(D("2026-12-31"), 1);
  REQUIRE_FALSE(past.ok());
  CHECK_THAT(past.error().message, Catch::Contains("no holiday data for 2027"));
  CHECK_THAT(past.error().message, Catch::Contains("covers 2019–2026"));
  CHECK_THAT(add(cal, "2027-01-04", 0), Catch::Contains("no holiday data for 2027"));
  CHECK_THAT(add(cal, "2018-12-31", 1), Catch::Contains("no holiday data for 2018"));
  CHECK_THAT(between(cal, "2026-12-01", "2027-01-04"), Catch::Contains("no holiday data for 2027"));
  CHECK_THAT(between(cal, "2018-12-01", "2019-01-04"), Catch::Contains("no holiday data for 2018"));
  CHECK_THAT(between(cal, "2027-01-04", "2026-12-01"), Catch::Contains("no holiday data for 2027"));
  REQUIRE_FALSE(cal.is_working_day(D("2030-06-03")).ok());
}

TEST_CASE("between counts the working days in (a, b]") {
  const auto& cal = national();
  CHECK(between(cal, "2026-09-30", "2026-10-09") == "2");
  CHECK(between(cal, "2026-11-24", "2026-11-24") == "0");
  CHECK(between(cal, "2026-11-23", "2026-11-24") == "1");
  CHECK(between(cal, "2026-10-09", "2026-09-30") == "-2");
  CHECK(between(cal, "2026-10-01", "2026-10-07") == "0");
  CHECK(between(cal, "2025-12-31", "2026-01-04") == "1");
  // Across all eight years: the count of days the calendar calls working.
  long working = 0;
  for (Date d = D("2019-01-02"); d <= D("2026-12-31"); d += boost::gregorian::days(1))
    working += *cal.is_working_day(d) ? 1 : 0;
  CHECK(between(cal, "2019-01-01", "2026-12-31") == std::to_string(working));
  CHECK(working > 1900);
  CHECK(working < 2000);
}

TEST_CASE("between undoes add for every start date and every n up to 40") {
  const auto& cal = national();
  int checked = 0;
  for (Date d = D("2019-01-01"); d <= D("2026-10-31"); d += boost::gregorian::days(1)) {
    for (long n = 0; n <= 40; n += 7) {
      auto r = cal.add_working_days(d, n);
      REQUIRE(r.ok());
      REQUIRE(*cal.working_days_between(d, *r) == n);
      REQUIRE(*cal.is_working_day(*r) == (n > 0 || *cal.is_working_day(d)));
      ++checked;
    }
  }
  CHECK(checked > 10000);
}

TEST_CASE("a year missing in the middle of the data is refused, not guessed") {
  keydesk::test::TempDir dir;
  dir.write("gappy.yaml", R"(id: gappy
title: test calendar with a hole
years:
  - year: 2024
    notices: [{ number: N1, title: t, issued: 2023-10-25 }]
  - year: 2026
    notices: [{ number: N2, title: t, issued: 2025-11-04 }]
)");
  auto cal = WorkingCalendar::load(dir.path(), "gappy");
  REQUIRE(cal.ok());
  CHECK(add(*cal, "2024-12-30", 1) == "2024-12-31");
  CHECK_THAT(add(*cal, "2024-12-31", 1), Catch::Contains("no holiday data for 2025"));
  CHECK_THAT(between(*cal, "2024-12-02", "2026-01-05"),
             Catch::Contains("no holiday data for 2025"));
  CHECK(add(*cal, "2026-01-02", 1) == "2026-01-05");
  CHECK(cal->covers(2024));
  CHECK_FALSE(cal->covers(2025));
}

TEST_CASE("the year's non-standard days are the weekday holidays and the make-up weekends") {
  auto days = national().non_standard_days(2026);
  REQUIRE(days.ok());
  std::map<std::string, bool> by_date;
  for (const auto& d : *days) by_date[keydesk::format_date(d.date)] = d.working;
  CHECK(by_date.at("2026-01-01") == false);
  CHECK(by_date.at("2026-01-04") == true);
  CHECK(by_date.at("2026-02-14") == true);
  CHECK(by_date.count("2026-01-03") == 0);  // a Saturday inside 元旦: a rest day anyway
  CHECK(by_date.count("2026-11-24") == 0);
  // 6 make-up days in 2026; holiday weekdays: 元旦 2, 春节 6, 清明 1, 劳动 3, 端午 1, 中秋 1, 国庆
  // 5
  CHECK(days->size() == 6 + 19);
  CHECK_THAT(national().non_standard_days(2027).error().message, Catch::Contains("2027"));
}

TEST_CASE("a submission is accepted the same working day before the cut-off, else the next") {
  const auto& cal = national();
  keydesk::CounterHours hours;  // 17:00, UTC+8
  auto accepted = [&](const char* when) {
    auto t = keydesk::parse_submission_time(when, hours);
    if (!t) return "error: " + t.error().message;
    auto d = cal.acceptance_date(*t, hours);
    return d ? keydesk::format_date(*d) : "error: " + d.error().message;
  };
  CHECK(accepted("2026-11-20T16:40:00+08:00") == "2026-11-20");
  CHECK(accepted("2026-11-20T16:59:59+08:00") == "2026-11-20");
  CHECK(accepted("2026-11-20T17:00:00+08:00") == "2026-11-23");
  CHECK(accepted("2026-11-20T17:40:00+08:00") == "2026-11-23");
  CHECK(accepted("2026-11-21T10:00:00+08:00") == "2026-11-23");  // Saturday
  CHECK(accepted("2026-10-10T09:00:00+08:00") == "2026-10-10");  // make-up Saturday
  CHECK(accepted("2026-10-01T09:00:00+08:00") == "2026-10-08");  // National Day
  CHECK(accepted("2026-11-20T08:59:00Z") == "2026-11-20");       // 16:59 in Beijing
  CHECK(accepted("2026-11-20T09:00:00Z") == "2026-11-23");       // 17:00 in Beijing
  CHECK(accepted("2026-11-20T20:00:00-05:00") == "2026-11-23");  // Saturday 09:00 in Beijing
  CHECK(accepted("2026-11-20 16:40") == "2026-11-20");           // no offset: counter time
  CHECK(accepted("2026-12-31T17:30:00+08:00").find("2027") != std::string::npos);
  CHECK_THAT(accepted("2026-11-31T10:00:00+08:00"), Catch::Contains("2026 年 11 月只有 30 天"));
  CHECK_THAT(accepted("yesterday"),
             Catch::Contains("“yesterday”不是有效的时间：须以 YYYY-MM-DDTHH:MM 开头（请写成如 "
                             "2026-11-20T16:40:00+08:00 的形式）"));
  CHECK_THAT(accepted("2026-11-20T25:00:00+08:00"), Catch::Contains("从 00:00 到 23:59"));

  keydesk::CounterHours early{16 * 60, 8 * 60};
  auto t = keydesk::parse_submission_time("2026-11-20T16:30:00+08:00", early);
  REQUIRE(t.ok());
  CHECK(keydesk::format_date(*cal.acceptance_date(*t, early)) == "2026-11-23");
}

TEST_CASE("a regional calendar adds local holidays on top of the national one") {
  keydesk::test::TempDir dir;
  auto file = dir.write("region-x.yaml", R"(id: region-x
title: 地方节日（测试）
extends: cn-national
years:
  - year: 2026
    notices: [{ number: 地方〔2026〕1号, title: 测试通知, issued: 2026-01-05 }]
    holidays:
      - { name: 肉孜节, from: 2026-03-20, to: 2026-03-20 }
      - { name: 地方节, from: 2026-02-28, to: 2026-02-28 }
)");
  auto cal = WorkingCalendar::load(KEYDESK_RULES_DIR "/calendars", file.string());
  REQUIRE(cal.ok());
  CHECK(cal->files().size() == 2);
  CHECK_FALSE(*cal->is_working_day(D("2026-03-20")));
  CHECK(add(*cal, "2026-03-19", 1) == "2026-03-23");
  CHECK_FALSE(*cal->is_working_day(D("2026-02-28")));  // overrides a national make-up Saturday
  CHECK_FALSE(*cal->is_working_day(D("2026-10-01")));  // national holidays still apply
  CHECK(cal->day(D("2026-03-20"))->calendar == "region-x");
  // The region has no 2025 block: 2025 is unknown for this counter even though the nation has it.
  CHECK_THAT(add(*cal, "2025-06-02", 1), Catch::Contains("no holiday data for 2025"));
  CHECK_THAT(add(*cal, "2025-06-02", 1), Catch::Contains("and the local one"));
}

TEST_CASE("the bundled example regional calendar loads on top of the national one") {
  auto cal = WorkingCalendar::load(KEYDESK_RULES_DIR "/calendars",
                                   KEYDESK_EXAMPLES_DIR "/calendars/example-regional.yaml");
  REQUIRE(cal.ok());
  CHECK(cal->id() == "example-regional");
  CHECK(cal->covers(2026));
  CHECK_FALSE(cal->covers(2025));
}
