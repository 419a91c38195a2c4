// Deadlines that wait on the calendar and follow it (deadlines.h), on a real SQLite file and real
// calendar files: a case whose deadline needs a year without data opens and moves on with its
// deadline pending; adding the year, or amending an arrangement in use, computes deadlines again
// from each case's own clock, with an audit event; a broken calendar file changes nothing.
#include "engine/deadlines.h"

#include <fstream>

#include <catch2/catch.hpp>

#include "engine/rules.h"
#include "tests/support.h"

using namespace keydesk;

namespace {

const char* const kUscc = "91110105MA01ABCD5F";

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A counter on a copy of the national calendar that the test edits, with the review_loop
// procedure (review 2 WD → vendor 3 WD, carried into production).
struct Counter {
  test::TempDir dir;
  std::filesystem::path rules = dir.path() / "rules";
  std::filesystem::path calendar_file = rules / "calendars" / "cn-national.yaml";
  std::string db = (dir.path() / "cases.db").string();
  CaseStore store = std::move(CaseStore::open(db)).value();
  Procedure procedure =
      std::move(load_procedure(KEYDESK_TEST_DATA "/procedures/review_loop.yaml")).value();
  CounterConfig counter;
  Actor clerk{"王芳", "authority_clerk", "示例省商务厅"};
  Actor vendor{"李工", "vendor_reviewer", ""};
  Actor admin{"管理员", "administrator", ""};

  Counter() {
    std::filesystem::create_directories(calendar_file.parent_path());
    std::filesystem::copy_file(std::string(KEYDESK_RULES_DIR) + "/calendars/cn-national.yaml",
                               calendar_file);
    REQUIRE(store.import(test::lost_key_registry(kUscc)));
  }

  WorkingCalendar calendar() const {
    auto cal = WorkingCalendar::load(rules / "calendars", "cn-national");
    REQUIRE(cal);
    return std::move(cal).value();
  }

  CaseRecord open(const std::string& id, const char* when) {
    WorkingCalendar cal = calendar();
    Workflow workflow(cal, counter.hours);
    nlohmann::json s = {
        {"id", id},
        {"procedure", "review_loop"},
        {"enterprise", {{"name", "北京示例进出口有限公司"}, {"uscc", kUscc}, {"kind", "domestic"}}},
        {"applicant", {{"login_username", "bjsl001"}, {"email", "zhang@example.com"}}},
        {"reason", "电子钥匙丢失"}};
    auto c = store.open_case(
        procedure, workflow,
        {id, clerk.authority, s, clerk, *parse_submission_time(when, counter.hours), when});
    INFO((c ? "" : c.error().message));
    REQUIRE(c);
    return *c;
  }

  CaseRecord act(const std::string& id, const std::string& action, const Actor& who, long version,
                 const char* when, nlohmann::json inputs = nlohmann::json::object()) {
    WorkingCalendar cal = calendar();
    Workflow workflow(cal, counter.hours);
    ActionRequest r;
    r.action = action;
    r.actor = who;
    r.at = *parse_submission_time(when, counter.hours);
    r.inputs = std::move(inputs);
    r.expected_version = version;
    auto c = store.act(id, workflow, r, when);
    INFO((c ? "" : c.error().message));
    REQUIRE(c);
    return *c;
  }

  void add_2027() {
    std::ofstream(calendar_file, std::ios::app)
        << slurp(KEYDESK_TEST_DATA "/calendar-2027-fixture.yaml");
  }

  Result<ReprojectReport> reproject() {
    return reproject_deadlines(store, rules, counter, admin, "2026-12-31T09:00:00+08:00");
  }
};

std::string due(const CaseRecord& c) { return c.due ? format_date(*c.due) : "none"; }

}  // namespace

TEST_CASE("the calendar tells a deadline in a year without data as pending on that year") {
  Counter k;
  WorkingCalendar cal = k.calendar();
  auto d = cal.deadline(*parse_submission_time("2026-12-30T10:00:00+08:00", {}), 2, {});
  REQUIRE(d);
  CHECK_FALSE(d->due);
  CHECK(d->pending_year == 2027);
  // After the cut-off on the year's last working day even the acceptance date waits on 2027.
  d = cal.deadline(*parse_submission_time("2026-12-31T18:00:00+08:00", {}), 0, {});
  REQUIRE(d);
  CHECK(d->pending_year == 2027);
  d = cal.deadline(*parse_submission_time("2026-12-29T10:00:00+08:00", {}), 2, {});
  REQUIRE(d);
  CHECK(format_date(*d->due) == "2026-12-31");
  CHECK(d->pending_year == 0);
  CHECK_FALSE(cal.deadline(*parse_submission_time("2026-12-29T10:00:00+08:00", {}), -1, {}));
}

TEST_CASE(
    "a case opened on 2026-12-30 stays pending, is listed as such and moves through its "
    "steps") {
  Counter k;
  CaseRecord c = k.open("S-1", "2026-12-30T10:00:00+08:00");
  CHECK_FALSE(c.due);
  CHECK(c.due_pending_year == 2027);
  CHECK(deadline_text(c) == "办结期限待定：2027年节假日安排尚未录入");
  // Read back from the file, not just as returned.
  auto stored = k.store.get("S-1");
  REQUIRE(stored);
  CHECK(stored->due_pending_year == 2027);
  REQUIRE(stored->clock);
  CHECK(stored->clock->days == 2);
  CaseFilter waiting;
  waiting.deadline_pending = true;
  auto listed = k.store.list(waiting);
  REQUIRE(listed);
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().id == "S-1");
  CHECK(k.store.pending_years()->at(2027) == 1);
  // Not overdue and not due: pending.
  CHECK(k.store.overdue(*parse_date("2027-03-01"))->empty());
  // The steps go on: to the vendor (3 WD, pending too), then the deadline carried into production.
  c = k.act("S-1", "pass", k.clerk, 1, "2026-12-30T11:00:00+08:00");
  CHECK(c.state == "vendor");
  CHECK(c.due_pending_year == 2027);
  c = k.act("S-1", "approve", k.vendor, 2, "2026-12-30T15:00:00+08:00");
  CHECK(c.state == "production");
  CHECK(c.due_pending_year == 2027);
  REQUIRE(c.clock);
  CHECK(c.clock->days == 3);
}

TEST_CASE(
    "entering the missing year computes each pending deadline from the case's own clock, "
    "with an event in its history") {
  Counter k;
  k.open("S-1", "2026-12-30T10:00:00+08:00");
  k.act("S-1", "pass", k.clerk, 1, "2026-12-30T11:00:00+08:00");  // vendor: 3 WD from 12-30
  k.open("S-2", "2026-12-31T10:00:00+08:00");                     // review: 2 WD from 12-31
  k.open("S-3", "2026-11-23T10:00:00+08:00");                     // 2026 only: not touched
  auto none = k.reproject();
  REQUIRE(none);
  CHECK(none->changes.empty());
  CHECK(none->pending_years.at(2027) == 2);

  k.add_2027();
  auto report = k.reproject();
  INFO((report ? "" : report.error().message));
  REQUIRE(report);
  CHECK(report->checked == 3);
  REQUIRE(report->changes.size() == 2);
  CHECK(report->pending_years.empty());
  // 12-31 is the first working day after 12-30; 1–3 January rest; 4 and 5 January follow.
  CHECK(due(*k.store.get("S-1")) == "2027-01-05");
  CHECK(due(*k.store.get("S-2")) == "2027-01-05");
  CHECK(k.store.get("S-1")->due_pending_year == 0);
  CHECK(due(*k.store.get("S-3")) == "2026-11-25");
  // The version a clerk saw still holds: re-projecting is not an action.
  CHECK(k.store.get("S-1")->version == 2);
  auto history = k.store.history("S-1");
  REQUIRE(history);
  const AuditEvent& e = history->back();
  CHECK(e.action == "deadline_reprojected");
  CHECK(e.user == "管理员");
  CHECK(e.data["old_due"].is_null());
  CHECK(e.data["old_due_pending_year"] == 2027);
  CHECK(e.data["due"] == "2027-01-05");
  CHECK(e.data["calendar"] == "cn-national");
  CHECK(e.data["calendar_version"] == k.calendar().version());
  CHECK(e.data["clock_start"] == "2026-12-30T11:00");
  CHECK_THAT(e.remark, Catch::Contains("2027-01-05"));
  CHECK(k.store.verify_audit()->problems.empty());
  // Once is enough: nothing moves the second time.
  auto again = k.reproject();
  REQUIRE(again);
  CHECK(again->changes.empty());
  CHECK(k.store.history("S-1")->size() == history->size());
}

TEST_CASE("an amended holiday moves an open deadline") {
  Counter k;
  k.open("S-1", "2026-11-23T10:00:00+08:00");  // Monday: due Wednesday 11-25
  CHECK(due(*k.store.get("S-1")) == "2026-11-25");
  // The arrangement in use is amended (as in 2019 and 2020): 24 November becomes a rest day.
  std::string text = slurp(k.calendar_file);
  const std::string anchor = "      - { name: 国庆节, from: 2026-10-01, to: 2026-10-07 }";
  REQUIRE(text.find(anchor) != std::string::npos);
  text.insert(text.find(anchor), "      - { name: 测试调整, from: 2026-11-24, to: 2026-11-24 }\n");
  std::ofstream(k.calendar_file, std::ios::binary) << text;
  auto report = k.reproject();
  INFO((report ? "" : report.error().message));
  REQUIRE(report);
  REQUIRE(report->changes.size() == 1);
  CHECK(format_date(*report->changes[0].old_due) == "2026-11-25");
  CHECK(due(*k.store.get("S-1")) == "2026-11-26");
  CHECK(change_text(report->changes[0]) == "S-1  2026-11-25 → 2026-11-26");
}

TEST_CASE("a broken calendar file changes nothing and says why") {
  Counter k;
  k.open("S-1", "2026-12-30T10:00:00+08:00");
  const auto events = k.store.history("S-1")->size();
  k.add_2027();
  std::string broken = slurp(k.calendar_file);
  broken.replace(broken.find("from: 2027-01-01"), 16, "from: 2027-02-30");
  std::ofstream(k.calendar_file, std::ios::binary) << broken;
  auto report = k.reproject();
  REQUIRE_FALSE(report);
  CHECK_THAT(report.error().message, Catch::Contains("无法载入"));
  REQUIRE_FALSE(report.error().diagnostics.empty());
  CHECK(report.error().diagnostics[0].file == k.calendar_file.string());
  CHECK(report.error().diagnostics[0].line > 0);
  CHECK(k.store.get("S-1")->due_pending_year == 2027);
  CHECK(k.store.history("S-1")->size() == events);
}

TEST_CASE("a calendar edit is activated only when it lints clean, and then written whole") {
  Counter k;
  const std::string before = slurp(k.calendar_file);
  const std::string version = k.calendar().version();
  // Broken: refused with the real file's line, and the file is untouched.
  std::string broken = before + slurp(KEYDESK_TEST_DATA "/calendar-2027-fixture.yaml");
  broken.replace(broken.find("from: 2027-01-01"), 16, "from: 2027-02-30");
  auto refused = activate_calendar_edit(k.rules, "cn-national", broken);
  REQUIRE_FALSE(refused);
  REQUIRE_FALSE(refused.error().diagnostics.empty());
  CHECK(refused.error().diagnostics[0].file == k.calendar_file.string());
  CHECK(slurp(k.calendar_file) == before);
  // Not a calendar of this folder, or a path: refused, nothing written.
  CHECK_FALSE(activate_calendar_edit(k.rules, "../counter", before));
  CHECK_FALSE(activate_calendar_edit(k.rules, "nope", before));
  // Unchanged text: nothing to do.
  auto same = activate_calendar_edit(k.rules, "cn-national", before);
  REQUIRE(same);
  CHECK_FALSE(same->changed);
  // Clean: written, a new version.
  const std::string edited = before + slurp(KEYDESK_TEST_DATA "/calendar-2027-fixture.yaml");
  auto done = activate_calendar_edit(k.rules, "cn-national", edited);
  INFO((done ? "" : done.error().message));
  REQUIRE(done);
  CHECK(done->changed);
  CHECK(done->previous_version == version);
  CHECK(done->version == k.calendar().version());
  CHECK(slurp(k.calendar_file) == edited);
  CHECK(k.calendar().covers(2027));
}
