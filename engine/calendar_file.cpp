// Loading calendar files (rules/calendars/*.yaml) and building the O(1) tables.
#include <algorithm>
#include <set>

#include <boost/date_time/gregorian/gregorian.hpp>

#include "engine/calendar.h"
#include "engine/internal/schemas.h"
#include "engine/internal/sha256.h"
#include "engine/internal/yaml_document.h"

namespace keydesk {

using internal::pointer_child;
using internal::YamlDocument;

namespace {

// The years calendar.schema.json allows a block, checked again as read (never narrowed into an
// int): no arrangement before the 1990s bears on a deadline computed now, and none is published
// centuries ahead; both ends keep the dates built below (the year before to the year after)
// well inside what boost::gregorian takes (1400..9999), which would otherwise throw.
constexpr int kFirstYear = 1991;
constexpr int kLastYear = 2200;

struct Entry {
  Date from, to;
  bool working = false;  // a make-up working day (调休上班) rather than a holiday
  std::string name, notice;
};

struct Block {
  int year = 0;
  std::vector<Notice> notices;
  std::vector<Entry> entries;
};

struct Layer {
  std::string id, title, extends, file;
  std::string text;  // as read and parsed: the calendar's version is its hash
  std::vector<Block> blocks;
};

// Reads one calendar file; every problem found goes to `out`.
std::optional<Layer> read_layer(const std::filesystem::path& path, Diagnostics& out) {
  auto source = YamlDocument::read(path, out);
  if (!source) return std::nullopt;
  auto doc = YamlDocument::parse(*source, path.string(), out);
  if (!doc) return std::nullopt;
  Diagnostics problems = doc->validate(internal::calendar_schema());
  if (!problems.empty()) {
    out.insert(out.end(), problems.begin(), problems.end());
    return std::nullopt;
  }
  const auto& j = doc->json();
  Layer layer;
  layer.file = path.string();
  layer.text = std::move(*source);
  layer.id = j["id"];
  layer.title = j["title"];
  layer.extends = j.value("extends", "");
  if (layer.id != path.stem().string())
    problems.push_back(doc->at("/id", internal::id_mismatch(layer.id, path)));

  std::map<int, std::string> seen_years;                      // year -> pointer
  std::map<Date, std::pair<std::string, std::string>> taken;  // date -> (name, pointer)
  for (std::size_t b = 0; b < j["years"].size(); ++b) {
    const auto& jb = j["years"][b];
    std::string bp = pointer_child("/years", b);
    Block block;
    auto year = doc->integer(bp + "/year", kFirstYear, kLastYear, problems);
    if (!year) continue;
    block.year = *year;
    if (auto [it, fresh] = seen_years.emplace(block.year, bp); !fresh)
      problems.push_back(doc->at(bp + "/year", "year: " + std::to_string(block.year) +
                                                   " 重复：第 " +
                                                   std::to_string(doc->at(it->second, "").line) +
                                                   " 行已有这一年的一段，请把两段合并为一段"));
    std::set<std::string> numbers;
    for (const auto& jn : jb["notices"]) {
      Notice n{jn["number"], jn["title"], jn["issued"], jn.value("url", ""), jn.value("note", "")};
      numbers.insert(n.number);
      block.notices.push_back(std::move(n));
    }
    for (std::size_t k = 0; k < block.notices.size(); ++k)
      if (!parse_date(block.notices[k].issued))
        problems.push_back(doc->at(pointer_child(bp + "/notices", k) + "/issued",
                                   why_not_a_date(block.notices[k].issued)));
    // The window a block may speak of: New Year arrangements reach into late December of the
    // year before (the 2019 notice declares 2018-12-29..31).
    Date window_from(static_cast<unsigned short>(block.year - 1), 12, 1);
    Date window_to(static_cast<unsigned short>(block.year + 1), 1, 31);

    auto read_entry = [&](const nlohmann::json& je, const std::string& ep, bool working) {
      Entry e;
      e.working = working;
      e.name = je["name"];
      e.notice = je.value("notice", block.notices.front().number);
      if (je.contains("notice") && !numbers.count(e.notice))
        problems.push_back(doc->at(ep + "/notice",
                                   "通知“" + e.notice +
                                       "”不在本年的 notices 中：请改为已列出的文号，或先在 notices "
                                       "下列出这份通知"));
      bool ok = true;
      auto date_field = [&](const char* key, Date& into) {
        std::string text = je[key];
        if (auto d = parse_date(text)) {
          into = *d;
          if (*d < window_from || *d > window_to) {
            problems.push_back(doc->at(
                ep + "/" + key, std::string(key) + ": " + text + " 不在 " +
                                    std::to_string(block.year) + " 年这一段的范围内（可从 " +
                                    format_date(window_from) + " 到 " + format_date(window_to) +
                                    "）：请检查年份，或把它移到所属年份的一段"));
            ok = false;
          }
        } else {
          problems.push_back(doc->at(ep + "/" + key, why_not_a_date(text)));
          ok = false;
        }
      };
      if (working) {
        date_field("date", e.from);
        e.to = e.from;
      } else {
        date_field("from", e.from);
        date_field("to", e.to);
      }
      if (!ok) return;
      if (e.to < e.from) {
        problems.push_back(doc->at(ep + "/to", "结束日期 to: " + format_date(e.to) +
                                                   " 早于开始日期 from: " + format_date(e.from) +
                                                   "：请交换 from 和 to"));
        return;
      }
      if (working) {
        int wd = e.from.day_of_week().as_number();
        if (wd != 0 && wd != 6) {
          problems.push_back(
              doc->at(ep + "/date", "date: " + format_date(e.from) + " 是" + weekday_zh(e.from) +
                                        "，本来就是工作日：调休上班日应是周六或周日，请核对通知"));
          return;
        }
      }
      for (Date d = e.from; d <= e.to; d += boost::gregorian::days(1)) {
        auto [it, fresh] = taken.emplace(d, std::make_pair(e.name, ep));
        if (!fresh) {
          problems.push_back(doc->at(ep, format_date(d) + " 重复声明：此处和第 " +
                                             std::to_string(doc->at(it->second.second, "").line) +
                                             " 行的“" + it->second.first +
                                             "”都包含这一天；日期范围不能重叠，请改正其中之一"));
          return;
        }
      }
      block.entries.push_back(std::move(e));
    };
    if (jb.contains("holidays"))
      for (std::size_t k = 0; k < jb["holidays"].size(); ++k)
        read_entry(jb["holidays"][k], pointer_child(bp + "/holidays", k), false);
    if (jb.contains("workdays"))
      for (std::size_t k = 0; k < jb["workdays"].size(); ++k)
        read_entry(jb["workdays"][k], pointer_child(bp + "/workdays", k), true);
    layer.blocks.push_back(std::move(block));
  }
  if (!problems.empty()) {
    out.insert(out.end(), problems.begin(), problems.end());
    return std::nullopt;
  }
  return layer;
}

// `name` is a path when it looks like one, else an id looked up as <id>.yaml below `dir`.
std::optional<std::filesystem::path> find_calendar(const std::filesystem::path& dir,
                                                   const std::string& name) {
  std::filesystem::path as_path(name);
  if (as_path.has_extension() || name.find('/') != std::string::npos) {
    if (std::filesystem::is_regular_file(as_path)) return as_path;
    return std::nullopt;
  }
  for (const auto& file : internal::yaml_files(dir, true))
    if (file.stem().string() == name) return file;
  return std::nullopt;
}

std::string available_calendars(const std::filesystem::path& dir) {
  std::string out;
  for (const auto& file : internal::yaml_files(dir, true))
    out += (out.empty() ? "" : ", ") + file.stem().string();
  return out.empty() ? "无" : out;
}

}  // namespace

class CalendarBuilder {
 public:
  static WorkingCalendar build(const std::vector<Layer>& layers) {  // national first
    WorkingCalendar cal;
    cal.id_ = layers.back().id;
    cal.title_ = layers.back().title;
    std::string sources;
    for (const auto& l : layers) {
      cal.files_.push_back(l.file);
      sources += std::filesystem::path(l.file).filename().string() + "\n" + l.text;
    }
    cal.version_ = internal::sha256_hex(sources);

    // A year is covered only when every layer has a block for it: a regional calendar without
    // its local holidays for a year is as unknown as a year without national data.
    std::map<int, int> layer_count;
    for (const auto& l : layers)
      for (const auto& b : l.blocks) ++layer_count[b.year];
    for (const auto& [year, count] : layer_count)
      if (count == static_cast<int>(layers.size())) cal.years_[year].year = year;
    for (const auto& l : layers)
      for (const auto& b : l.blocks)
        if (cal.covers(b.year))
          for (const auto& n : b.notices) cal.years_[b.year].notices.emplace_back(l.id, n);

    // Declared days: later layers override earlier ones.
    for (const auto& l : layers)
      for (const auto& b : l.blocks)
        for (const auto& e : b.entries)
          for (Date d = e.from; d <= e.to; d += boost::gregorian::days(1)) {
            DayInfo info;
            info.date = d;
            info.working = e.working;
            info.kind = e.working ? DayKind::makeup_working : DayKind::holiday;
            info.name = e.name;
            info.notice = e.notice;
            info.calendar = l.id;
            cal.declared_[d] = info;
          }

    if (cal.years_.empty()) return cal;
    int first_year = cal.years_.begin()->first, last_year = cal.years_.rbegin()->first;
    cal.first_ = Date(static_cast<unsigned short>(first_year), 1, 1);
    Date end(static_cast<unsigned short>(last_year), 12, 31);
    auto days = static_cast<std::size_t>((end - cal.first_).days() + 1);
    cal.working_before_.assign(days + 1, 0);
    cal.gaps_before_.assign(days + 1, 0);
    std::size_t i = 0;
    for (Date d = cal.first_; d <= end; d += boost::gregorian::days(1), ++i) {
      bool covered = cal.covers(d.year());
      bool working = false;
      if (covered) {
        auto it = cal.declared_.find(d);
        int wd = d.day_of_week().as_number();
        working = it != cal.declared_.end() ? it->second.working : (wd != 0 && wd != 6);
      }
      if (working) cal.working_.push_back(static_cast<std::int32_t>(i));
      cal.working_before_[i + 1] = cal.working_before_[i] + (working ? 1 : 0);
      cal.gaps_before_[i + 1] = cal.gaps_before_[i] + (covered ? 0 : 1);
    }
    return cal;
  }
};

Result<WorkingCalendar> WorkingCalendar::load(const std::filesystem::path& dir,
                                              const std::string& name) {
  std::vector<Layer> chain;  // the asked-for calendar first
  std::set<std::string> visited;
  Diagnostics problems;
  std::string next = name;
  while (!next.empty()) {
    auto path = find_calendar(dir, next);
    if (!path) {
      std::string asked = chain.empty()
                              ? "日历“" + next + "”"
                              : chain.back().file + " 所扩展（extends）的日历“" + next + "”";
      return Error{"找不到" + asked + "（在 " + dir.string() + " 中；现有：" +
                   available_calendars(dir) + "）：请检查日历名称或规则目录 (no calendar '" + next +
                   "')"};
    }
    auto layer = read_layer(*path, problems);
    if (!layer) return Error{problems_message(path->string(), problems.size()), problems};
    if (!visited.insert(layer->id).second)
      return Error{"日历“" + layer->id + "”经 " + chain.back().file +
                   " 又扩展回了自身：请去掉 extends 的循环 (calendar '" + layer->id +
                   "' extends itself)"};
    next = layer->extends;
    chain.push_back(std::move(*layer));
  }
  std::reverse(chain.begin(), chain.end());
  return CalendarBuilder::build(chain);
}

}  // namespace keydesk
