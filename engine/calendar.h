// Working-day calendar (工作日历): which dates are working days at a counter, and deadline
// arithmetic on them.
//
// Chinese working days are not Monday to Friday. Each year the State Council's General Office
// (国务院办公厅) publishes the public holidays AND the weekend days worked in exchange (调休上班).
// The data lives in rules/calendars/*.yaml (schemas/calendar.schema.json), one block per year
// citing its notice; an authority's regional calendar `extends` the national one with local
// holidays. Nothing here guesses: a computation that touches a year without data fails with an
// error naming that year.
//
// Semantics (行政许可法 art. 82: 期限以工作日计算，不含法定节假日; 民法典 art. 201:
// 开始的当日不计入， 自下一日开始计算):
//   add_working_days(d, n)        the n-th working day strictly after d; n = 0 gives d itself.
//   working_days_between(a, b)    the number of working days in (a, b]; negative when b < a.
//   acceptance_date(t)            a submission made on a working day before the counter's cut-off
//                                 is accepted that day; otherwise on the next working day. A case's
//                                 deadline of n working days is add_working_days(acceptance, n).
// Both queries are O(1): prefix tables over the covered years are built once, at load.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/date_time/gregorian/gregorian_types.hpp>

#include "common/result.h"

namespace keydesk {

using Date = boost::gregorian::date;

// "YYYY-MM-DD" -> a date; nullopt unless it is a real calendar date.
std::optional<Date> parse_date(std::string_view text);
// The reason `text` is not a date, worded for a person ("February 2026 has 28 days").
std::string why_not_a_date(std::string_view text);
std::string format_date(Date d);
// 周一 … 周日
std::string weekday_zh(Date d);

// A deadline as far as the calendar can tell. Never a guess: when a day it depends on lies in a
// year without data, `due` stays empty and `pending_year` names the first such year; the
// deadline is computed once that year's arrangement is entered (calendar reproject).
struct Deadline {
  std::optional<Date> due;
  int pending_year = 0;
  bool pending() const { return pending_year != 0; }
};

// 办结期限待定：2027年节假日安排尚未录入 — what a clerk reads of a pending deadline.
std::string pending_deadline_text(int year);

// A government notice that fixes a year's arrangement (e.g. 国办发明电〔2025〕7号).
struct Notice {
  std::string number;
  std::string title;
  std::string issued;  // YYYY-MM-DD
  std::string url;
  std::string note;
};

enum class DayKind : std::uint8_t {
  ordinary_working,  // Monday to Friday, nothing declared
  ordinary_rest,     // Saturday or Sunday, nothing declared
  holiday,           // declared rest day (放假), whatever the weekday
  makeup_working,    // declared working weekend day (调休上班)
};

struct DayInfo {
  Date date;
  bool working = false;
  DayKind kind = DayKind::ordinary_working;
  std::string name;      // 元旦, 春节, … empty for ordinary days
  std::string notice;    // number of the notice that declares the day
  std::string calendar;  // id of the calendar layer that declares it
  // True when the day's status differs from the Monday-to-Friday default.
  bool non_standard() const;
};

struct CoveredYear {
  int year = 0;
  // Notices of every layer for that year, national first.
  std::vector<std::pair<std::string, Notice>> notices;  // (calendar id, notice)
};

// The counter's business hours as far as deadlines are concerned.
struct CounterHours {
  int cutoff_minutes = 17 * 60;     // submissions at or after this local time count as next day
  int utc_offset_minutes = 8 * 60;  // Asia/Shanghai: UTC+8, no daylight saving since 1991
};

// A submission instant reduced to the counter's local date and minute of the day.
struct LocalTime {
  Date date;
  int minutes = 0;
};

// Parses an ISO 8601 timestamp ("2026-11-20T16:40:00+08:00", "…Z", or without offset, taken
// as counter-local) and converts it to the counter's local time.
Result<LocalTime> parse_submission_time(std::string_view text, const CounterHours& hours);

class WorkingCalendar {
 public:
  // Loads the calendar `name` and every calendar it extends. `name` is a calendar id, looked up
  // as `<id>.yaml` anywhere below `dir`, or the path of a .yaml file. On failure the Error
  // carries one diagnostic (file:line:column) per problem found in any layer.
  static Result<WorkingCalendar> load(const std::filesystem::path& dir, const std::string& name);

  const std::string& id() const { return id_; }
  const std::string& title() const { return title_; }
  // The files of every layer, the national calendar first.
  const std::vector<std::string>& files() const { return files_; }
  // The content hash (SHA-256, hex) of every layer's file: which arrangement a deadline was
  // computed on, as recorded in the audit chain.
  const std::string& version() const { return version_; }
  // Years with data in every layer, ascending.
  std::vector<CoveredYear> covered_years() const;
  bool covers(int year) const;

  Result<DayInfo> day(Date d) const;
  Result<bool> is_working_day(Date d) const;
  // REQUIRES n >= 0 (a negative n is an Error, not a bug).
  Result<Date> add_working_days(Date d, long n) const;
  Result<long> working_days_between(Date a, Date b) const;
  // Days of `year` whose status differs from Monday-to-Friday, in date order.
  Result<std::vector<DayInfo>> non_standard_days(int year) const;
  // The date a submission at `submitted` is accepted on.
  Result<Date> acceptance_date(const LocalTime& submitted, const CounterHours& hours) const;
  // The deadline of `n` working days for a clock started at `start`:
  // add_working_days(acceptance_date(start), n), or pending on the first year without data it
  // needs. REQUIRES n >= 0 (a negative n is an Error).
  Result<Deadline> deadline(const LocalTime& start, long n, const CounterHours& hours) const;

 private:
  WorkingCalendar() = default;
  friend class CalendarBuilder;

  // The error for a query that needs data for `year`.
  Error missing_year(int year) const;
  // The first year after `d`'s year that has no data.
  int first_gap_after(Date d) const;
  // Index of `d` in the tables, or nullopt when d's year is not covered.
  std::optional<long> index_of(Date d) const;

  std::string id_;
  std::string title_;
  std::vector<std::string> files_;
  std::string version_;
  std::map<int, CoveredYear> years_;
  Date first_;  // 1 January of the first covered year
  // working_before_[i]: working days among table days [0, i); size = days + 1.
  std::vector<std::int32_t> working_before_;
  // gaps_before_[i]: days of uncovered years among table days [0, i).
  std::vector<std::int32_t> gaps_before_;
  // working_[k]: table index of the k-th working day (0-based).
  std::vector<std::int32_t> working_;
  // Declared days (holidays and make-up working days), the only ones that are not plain weekdays.
  std::map<Date, DayInfo> declared_;
};

// What a counter must be told of `cal`'s coverage on `today`, in Chinese for the administrator:
// no data for the current year, or, from 1 November, none yet for next year. `waiting` is how
// many open cases have a deadline pending on that year (-1: not known, left unsaid). Empty when
// there is nothing to say. `editor`: where the administrator reading it enters the dates (the
// calendar's file, or the rules page they are on).
enum class CalendarEditor { file, rules_page };
std::vector<std::string> coverage_warnings(const WorkingCalendar& cal, Date today,
                                           long waiting = -1,
                                           CalendarEditor editor = CalendarEditor::file);
// The year coverage_warnings() warns of on `today` (0: none).
int missing_year_to_warn(const WorkingCalendar& cal, Date today);

}  // namespace keydesk
