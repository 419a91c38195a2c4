#include "engine/calendar.h"

#include <charconv>
#include <cstdio>

#include <boost/date_time/gregorian/gregorian.hpp>

namespace keydesk {

namespace {

bool parse_int(std::string_view text, int& out) {
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size();
}

int days_in_month(int year, int month) {
  return boost::gregorian::gregorian_calendar::end_of_month_day(static_cast<unsigned short>(year),
                                                                static_cast<unsigned short>(month));
}

}  // namespace

std::string why_not_a_date(std::string_view text) {
  int y = 0, m = 0, d = 0;
  const std::string quoted = "“" + std::string(text) + "”不是日期：";
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !parse_int(text.substr(0, 4), y) ||
      !parse_int(text.substr(5, 2), m) || !parse_int(text.substr(8, 2), d))
    return quoted + "请写成 YYYY-MM-DD，如 2026-11-24";
  if (y < 1400 || y > 9999) return quoted + "年份须在 1400 到 9999 之间";
  if (m < 1 || m > 12) return quoted + "没有 " + std::to_string(m) + " 月";
  int last = days_in_month(y, m);
  if (d < 1 || d > last)
    return quoted + std::to_string(y) + " 年 " + std::to_string(m) + " 月只有 " +
           std::to_string(last) + " 天";
  return {};
}

std::optional<Date> parse_date(std::string_view text) {
  if (!why_not_a_date(text).empty()) return std::nullopt;
  int y = 0, m = 0, d = 0;
  parse_int(text.substr(0, 4), y);
  parse_int(text.substr(5, 2), m);
  parse_int(text.substr(8, 2), d);
  return Date(static_cast<unsigned short>(y), static_cast<unsigned short>(m),
              static_cast<unsigned short>(d));
}

std::string format_date(Date d) {
  // By hand: Boost's formatter goes through a locale's stream, a tenth of a queue page's time.
  if (d.is_special()) return boost::gregorian::to_iso_extended_string(d);
  const auto ymd = d.year_month_day();
  const int y = ymd.year, m = ymd.month, day = ymd.day;  // year 1400..9999 (Boost's range)
  std::string s = "0000-00-00";
  s[0] = static_cast<char>('0' + y / 1000);
  s[1] = static_cast<char>('0' + y / 100 % 10);
  s[2] = static_cast<char>('0' + y / 10 % 10);
  s[3] = static_cast<char>('0' + y % 10);
  s[5] = static_cast<char>('0' + m / 10);
  s[6] = static_cast<char>('0' + m % 10);
  s[8] = static_cast<char>('0' + day / 10);
  s[9] = static_cast<char>('0' + day % 10);
  return s;
}

std::string weekday_zh(Date d) {
  static const char* const names[] = {"周日", "周一", "周二", "周三", "周四", "周五", "周六"};
  return names[d.day_of_week().as_number()];
}

bool DayInfo::non_standard() const {
  bool weekday = date.day_of_week().as_number() != 0 && date.day_of_week().as_number() != 6;
  return working != weekday;
}

Result<LocalTime> parse_submission_time(std::string_view text, const CounterHours& hours) {
  auto bad = [&](const std::string& why) {
    return Error{"“" + std::string(text) + "”不是有效的时间：" + why +
                 "（请写成如 2026-11-20T16:40:00+08:00 的形式）"};
  };
  if (text.size() < 16 || (text[10] != 'T' && text[10] != ' '))
    return bad("须以 YYYY-MM-DDTHH:MM 开头");
  auto date = parse_date(text.substr(0, 10));
  if (!date) return bad(why_not_a_date(text.substr(0, 10)));
  int hh = 0, mm = 0, ss = 0;
  if (!parse_int(text.substr(11, 2), hh) || text[13] != ':' || !parse_int(text.substr(14, 2), mm) ||
      hh > 23 || mm > 59)
    return bad("时刻须为 HH:MM，从 00:00 到 23:59");
  std::string_view rest = text.substr(16);
  if (!rest.empty() && rest[0] == ':') {
    if (rest.size() < 3 || !parse_int(rest.substr(1, 2), ss) || ss > 60)
      return bad("秒须为两位数字");
    rest = rest.substr(3);
    if (!rest.empty() && rest[0] == '.') {  // fractions of a second do not matter here
      std::size_t i = 1;
      while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') ++i;
      rest = rest.substr(i);
    }
  }
  int offset = hours.utc_offset_minutes;
  if (rest == "Z") {
    offset = 0;
  } else if (!rest.empty()) {
    int oh = 0, om = 0;
    if (rest.size() != 6 || (rest[0] != '+' && rest[0] != '-') ||
        !parse_int(rest.substr(1, 2), oh) || rest[3] != ':' || !parse_int(rest.substr(4, 2), om) ||
        oh > 14 || om > 59)
      return bad("时差须为 Z 或 ±HH:MM");
    offset = (rest[0] == '-' ? -1 : 1) * (oh * 60 + om);
  }
  // Move from the stated offset to the counter's.
  long minutes = hh * 60L + mm - offset + hours.utc_offset_minutes;
  long day_shift = minutes >= 0 ? minutes / 1440 : -((-minutes + 1439) / 1440);
  minutes -= day_shift * 1440;
  return LocalTime{*date + boost::gregorian::days(day_shift), static_cast<int>(minutes)};
}

// --- queries ---------------------------------------------------------------------------------

bool WorkingCalendar::covers(int year) const { return years_.count(year) != 0; }

std::vector<CoveredYear> WorkingCalendar::covered_years() const {
  std::vector<CoveredYear> out;
  for (const auto& [_, y] : years_) out.push_back(y);
  return out;
}

Error WorkingCalendar::missing_year(int year) const {
  std::string have;
  if (years_.empty()) {
    have = "no year at all";
  } else {
    // List covered years as ranges: 2019–2026, 2028
    int start = years_.begin()->first, prev = start;
    auto flush = [&](int a, int b) {
      if (!have.empty()) have += ", ";
      have += a == b ? std::to_string(a) : std::to_string(a) + "–" + std::to_string(b);
    };
    for (auto it = std::next(years_.begin()); it != years_.end(); ++it) {
      if (it->first != prev + 1) {
        flush(start, prev);
        start = it->first;
      }
      prev = it->first;
    }
    flush(start, prev);
  }
  const std::string y = std::to_string(year);
  return Error{"工作日历“" + (title_.empty() ? id_ : title_) + "”还没有 " + y +
               " 年的节假日安排（现有 " + have +
               " 年），工作日不作推测：请管理员在规则管理页面按国务院办公厅通知补充 " + y +
               " 年的安排后再试 (no holiday data for " + y + ": calendar '" + id_ + "' covers " +
               have + "; add the " + y + " block (from the State Council's notice" +
               (files_.size() > 1 ? ", and the local one" : "") + ") to " + files_.back() +
               ". Working days are never guessed.)"};
}

int WorkingCalendar::first_gap_after(Date d) const {
  int y = d.year() + 1;
  while (covers(y)) ++y;
  return y;
}

std::optional<long> WorkingCalendar::index_of(Date d) const {
  if (!covers(d.year())) return std::nullopt;
  return (d - first_).days();
}

Result<DayInfo> WorkingCalendar::day(Date d) const {
  if (!covers(d.year())) return missing_year(d.year());
  auto it = declared_.find(d);
  if (it != declared_.end()) return it->second;
  DayInfo info;
  info.date = d;
  int wd = d.day_of_week().as_number();
  info.working = wd != 0 && wd != 6;
  info.kind = info.working ? DayKind::ordinary_working : DayKind::ordinary_rest;
  return info;
}

Result<bool> WorkingCalendar::is_working_day(Date d) const {
  auto info = day(d);
  if (!info) return info.error();
  return info->working;
}

Result<Date> WorkingCalendar::add_working_days(Date d, long n) const {
  if (n < 0)
    return Error{"the number of working days must be 0 or more, not " + std::to_string(n) +
                 " (a deadline counts forward from its start date)"};
  auto i = index_of(d);
  if (!i) return missing_year(d.year());
  if (n == 0) return d;
  long k = working_before_[static_cast<std::size_t>(*i) + 1] + n - 1;
  if (k >= static_cast<long>(working_.size())) return missing_year(first_gap_after(d));
  long r = working_[static_cast<std::size_t>(k)];
  if (gaps_before_[static_cast<std::size_t>(r) + 1] !=
      gaps_before_[static_cast<std::size_t>(*i) + 1])
    return missing_year(first_gap_after(d));
  return first_ + boost::gregorian::days(r);
}

Result<long> WorkingCalendar::working_days_between(Date a, Date b) const {
  if (b < a) {
    auto reversed = working_days_between(b, a);
    if (!reversed) return reversed.error();
    return -*reversed;
  }
  auto i = index_of(a);
  if (!i) return missing_year(a.year());
  auto j = index_of(b);
  if (!j || gaps_before_[static_cast<std::size_t>(*j) + 1] !=
                gaps_before_[static_cast<std::size_t>(*i) + 1])
    return missing_year(first_gap_after(a));
  return static_cast<long>(working_before_[static_cast<std::size_t>(*j) + 1]) -
         working_before_[static_cast<std::size_t>(*i) + 1];
}

Result<std::vector<DayInfo>> WorkingCalendar::non_standard_days(int year) const {
  if (!covers(year)) return missing_year(year);
  std::vector<DayInfo> out;
  auto it = declared_.lower_bound(Date(static_cast<unsigned short>(year), 1, 1));
  for (; it != declared_.end() && it->first.year() == year; ++it)
    if (it->second.non_standard()) out.push_back(it->second);
  return out;
}

Result<Date> WorkingCalendar::acceptance_date(const LocalTime& submitted,
                                              const CounterHours& hours) const {
  auto working = is_working_day(submitted.date);
  if (!working) return working.error();
  if (*working && submitted.minutes < hours.cutoff_minutes) return submitted.date;
  return add_working_days(submitted.date, 1);
}

Result<Deadline> WorkingCalendar::deadline(const LocalTime& start, long n,
                                           const CounterHours& hours) const {
  if (n < 0) return Error{"the number of working days must be 0 or more, not " + std::to_string(n)};
  if (!covers(start.date.year())) return Deadline{std::nullopt, start.date.year()};
  auto accepted = acceptance_date(start, hours);
  if (!accepted) return Deadline{std::nullopt, first_gap_after(start.date)};
  auto due = add_working_days(*accepted, n);
  if (!due) return Deadline{std::nullopt, first_gap_after(*accepted)};
  return Deadline{*due, 0};
}

std::string pending_deadline_text(int year) {
  return "办结期限待定：" + std::to_string(year) + "年节假日安排尚未录入";
}

int missing_year_to_warn(const WorkingCalendar& cal, Date today) {
  if (!cal.covers(today.year())) return today.year();
  if (today.month() >= 11 && !cal.covers(today.year() + 1)) return today.year() + 1;
  return 0;
}

std::vector<std::string> coverage_warnings(const WorkingCalendar& cal, Date today, long waiting,
                                           CalendarEditor editor) {
  std::vector<std::string> warnings;
  const int year = missing_year_to_warn(cal, today);
  if (year == 0) return warnings;
  const std::string y = std::to_string(year);
  std::string text = (year == today.year() ? "本年度（" + y + "年）" : "下一年度（" + y + "年）") +
                     "的节假日安排尚未录入工作日历“" + cal.title() + "”";
  if (waiting > 0)
    text += "，" + std::to_string(waiting) + "件在办案件的办结期限待定";
  else if (waiting == 0)
    text += "，目前没有案件的办结期限待定";
  text += "。请在国务院办公厅通知发布后，将" + y + "年的放假和调休上班日期录入" +
          (editor == CalendarEditor::rules_page
               ? std::string("日历（点击下方“编辑日历”，录入后启用）")
               : " " + cal.files().back() + "（或在规则页面编辑日历并启用）") +
          "，办结期限将随即重新计算。";
  warnings.push_back(std::move(text));
  return warnings;
}

}  // namespace keydesk
