// The case store on a real SQLite file: opening, acting, deadlines and the stopped clock,
// optimistic concurrency, rule versions, the registry, and the audit chain under tampering.
#include "engine/case_store.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <future>
#include <optional>
#include <thread>

#include "engine/internal/sql.h"
#include "engine/rules.h"
#include "tests/support.h"

using namespace keydesk;

namespace {

const char* const kUscc = "91110105MA01ABCD5F";

nlohmann::json submission(const std::string& id, const std::string& username = "bjsl001") {
  return test::review_loop_submission(id, kUscc, username);
}

LocalTime at(const char* text) { return *parse_submission_time(text, CounterHours{}); }

struct Fixture {
  test::TempDir dir;
  std::string db = (dir.path() / "cases.db").string();
  CaseStore store = std::move(CaseStore::open(db)).value();
  Procedure procedure =
      std::move(load_procedure(KEYDESK_TEST_DATA "/procedures/review_loop.yaml")).value();
  WorkingCalendar calendar =
      std::move(WorkingCalendar::load(KEYDESK_RULES_DIR "/calendars", "cn-national")).value();
  Workflow workflow{calendar, CounterHours{}};
  Actor clerk{"王芳", "authority_clerk", "示例省商务厅"};
  Actor vendor{"李工", "vendor_reviewer", "服务商"};
  Actor enterprise{"张三", "enterprise", ""};

  Fixture() { REQUIRE(store.import(test::lost_key_registry(kUscc))); }

  CaseRecord open(const std::string& id, const char* when = "2026-11-20T16:40:00+08:00") {
    auto c = store.open_case(procedure, workflow,
                             {id, "示例省商务厅", submission(id), clerk, at(when), when});
    INFO((c ? "" : c.error().message));
    REQUIRE(c.ok());
    return *c;
  }

  Result<CaseRecord> act(const std::string& id, const std::string& action, const Actor& who,
                         long version, const char* when, std::string remark = "",
                         nlohmann::json inputs = nlohmann::json::object(),
                         nlohmann::json resubmitted = nullptr) {
    ActionRequest r{action,
                    who,
                    at(when),
                    std::move(remark),
                    std::move(inputs),
                    version,
                    std::move(resubmitted),
                    ""};
    return store.act(id, workflow, r, when);
  }
};

std::string due(const CaseRecord& c) { return c.due ? format_date(*c.due) : "none"; }

void exec(const std::string& db, const std::string& sql) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &err);
  INFO((err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(raw);
  REQUIRE(rc == SQLITE_OK);
}

// The first column of the first row of `sql` as text ("" when none).
std::string query_text(const std::string& db, const std::string& sql) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(raw);
  return out;
}

}  // namespace

TEST_CASE("a case opened before the cut-off is due two working days after that day") {
  Fixture f;
  auto c = f.open("S-1", "2026-11-20T16:40:00+08:00");  // Friday
  CHECK(c.state == "review");
  CHECK(c.version == 1);
  CHECK(due(c) == "2026-11-24");
  auto late = f.open("S-2", "2026-11-20T17:05:00+08:00");  // after 17:00: accepted Monday
  CHECK(due(late) == "2026-11-25");
}

TEST_CASE("opening is refused when a requirement fails, with its remark and finding code") {
  Fixture f;
  auto s = submission("S-9", "someone-else");
  auto c = f.store.open_case(f.procedure, f.workflow,
                             {"S-9", "a", s, f.clerk, at("2026-11-20T10:00:00+08:00"), "t"});
  REQUIRE_FALSE(c.ok());
  CHECK_THAT(c.error().message,
             Catch::Contains("须填写原用户名") && Catch::Contains("username.not_original"));
  CHECK_FALSE(f.store.get("S-9").ok());  // nothing was written
  s = submission("S-10");
  s["reason"] = "";
  c = f.store.open_case(f.procedure, f.workflow,
                        {"S-10", "a", s, f.clerk, at("2026-11-20T10:00:00+08:00"), "t"});
  REQUIRE_FALSE(c.ok());
  CHECK_THAT(c.error().message, Catch::Contains("reason.missing"));
}

TEST_CASE("the same submission cannot be opened twice") {
  Fixture f;
  f.open("S-1");
  auto again = f.store.open_case(
      f.procedure, f.workflow,
      {"S-1", "a", submission("S-1"), f.clerk, at("2026-11-20T10:00:00+08:00"), "t"});
  REQUIRE_FALSE(again.ok());
  CHECK_THAT(again.error().message, Catch::Contains("already open"));
}

TEST_CASE("a failed review stops the clock and a resubmission restarts it in full") {
  Fixture f;
  f.open("S-1");
  auto returned =
      f.act("S-1", "fail", f.clerk, 1, "2026-11-23T10:00:00+08:00", "营业执照复印件未盖公章");
  REQUIRE(returned.ok());
  CHECK(returned->state == "returned");
  CHECK(returned->clock_stopped);
  CHECK(due(*returned) == "none");
  // Waiting on the enterprise does not make a case overdue, however long it takes.
  CHECK(f.store.overdue(*parse_date("2026-12-31"))->empty());
  auto again =
      f.act("S-1", "resubmit", f.enterprise, 2, "2026-11-30T18:30:00+08:00",  // after cut-off
            "", nlohmann::json::object(), submission("S-1"));
  REQUIRE(again.ok());
  CHECK(again->state == "review");
  CHECK_FALSE(again->clock_stopped);
  CHECK(due(*again) == "2026-12-03");  // accepted Tue 12-01, two working days later
}

TEST_CASE("a deadline carried into the next state keeps its date") {
  Fixture f;
  f.open("S-1");
  auto v = f.act("S-1", "pass", f.clerk, 1, "2026-11-23T10:00:00+08:00");
  REQUIRE(v.ok());
  CHECK(due(*v) == "2026-11-26");
  auto p = f.act("S-1", "approve", f.vendor, 2, "2026-11-25T10:00:00+08:00");
  REQUIRE(p.ok());
  CHECK(p->state == "production");
  CHECK(due(*p) == "2026-11-26");
}

TEST_CASE("a stale version is refused and the action is never applied twice") {
  Fixture f;
  f.open("S-1");
  REQUIRE(f.act("S-1", "pass", f.clerk, 1, "2026-11-23T10:00:00+08:00").ok());
  auto twice = f.act("S-1", "pass", f.clerk, 1, "2026-11-23T10:00:01+08:00");  // a double click
  REQUIRE_FALSE(twice.ok());
  CHECK_THAT(twice.error().message, Catch::Contains("您看到的是第1版，现为第2版"));
  CHECK(f.store.get("S-1")->version == 2);
  CHECK(f.store.history("S-1")->size() == 2);
}

TEST_CASE("refusals name what is wrong and change nothing") {
  Fixture f;
  f.open("S-1");
  auto no_remark = f.act("S-1", "fail", f.clerk, 1, "2026-11-23T10:00:00+08:00", "  ");
  REQUIRE_FALSE(no_remark.ok());
  CHECK_THAT(no_remark.error().message, Catch::Contains("须填写备注"));
  auto wrong_role = f.act("S-1", "pass", f.vendor, 1, "2026-11-23T10:00:00+08:00");
  REQUIRE_FALSE(wrong_role.ok());
  CHECK_THAT(wrong_role.error().message, Catch::Contains("只能由经办人办理"));
  auto wrong_state = f.act("S-1", "ship", f.vendor, 1, "2026-11-23T10:00:00+08:00");
  REQUIRE_FALSE(wrong_state.ok());
  CHECK_THAT(wrong_state.error().message, Catch::Contains("is not possible"));
  auto unknown = f.act("S-1", "passs", f.clerk, 1, "2026-11-23T10:00:00+08:00");
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.error().message, Catch::Contains("当前可办理：pass"));
  CHECK(f.store.get("S-1")->version == 1);
  CHECK(f.store.history("S-1")->size() == 1);
}

TEST_CASE("inputs are checked: required, required when, one of the listed values, no others") {
  Fixture f;
  f.open("S-1");
  REQUIRE(f.act("S-1", "pass", f.clerk, 1, "2026-11-23T10:00:00+08:00").ok());
  REQUIRE(f.act("S-1", "approve", f.vendor, 2, "2026-11-24T10:00:00+08:00").ok());
  auto ship = [&](nlohmann::json inputs) {
    return f.act("S-1", "ship", f.vendor, 3, "2026-11-25T10:00:00+08:00", "", std::move(inputs));
  };
  // Refusals name the inputs and choices by their titles; the English detail follows.
  CHECK_THAT(
      ship({{"method", "courier"}, {"serial", "K-2"}}).error().message,
      Catch::StartsWith("“寄出”须填写“运单号”") && Catch::Contains("needs the input 'waybill'"));
  auto pigeon = ship({{"method", "pigeon"}, {"serial", "K-2"}});
  CHECK(pigeon.error().kind == ErrorKind::invalid_input);
  CHECK_THAT(pigeon.error().message,
             Catch::StartsWith("“寄送方式”须为以下之一：传真、快递（填写的是“pigeon”）") &&
                 Catch::Contains("must be one of"));
  CHECK_THAT(ship({{"method", "fax"}}).error().message,
             Catch::StartsWith("“寄出”须填写“电子钥匙序列号”") &&
                 Catch::Contains("needs the input 'serial'"));
  CHECK_THAT(
      ship({{"method", "fax"}, {"serial", "K-2"}, {"colour", "red"}}).error().message,
      Catch::StartsWith("“寄出”没有“colour”这一项：可填写的有 寄送方式、运单号、电子钥匙序列号") &&
          Catch::Contains("takes no input 'colour'"));
  // A choice may be typed as its title: 快递 is courier, so the waybill is wanted.
  CHECK_THAT(ship({{"method", "快递"}, {"serial", "K-2"}}).error().message,
             Catch::Contains("须填写“运单号”"));
  auto done = ship({{"method", "快递"}, {"waybill", "SF1234567890"}, {"serial", "K-2"}});
  REQUIRE(done.ok());
  CHECK(done->closed);
  // …and is recorded as its value.
  auto events = f.store.history("S-1");
  REQUIRE(events);
  CHECK(events->back().data["inputs"]["method"] == "courier");
  auto key = f.store.key("bjsl001");
  CHECK((*key)->serial == "K-2");
  CHECK((*key)->status == "active");  // reissue_key: the lost key is replaced
}

TEST_CASE("notices of an action are put in the outbox with the applicant's address") {
  Fixture f;
  f.open("S-1");
  REQUIRE(f.act("S-1", "pass", f.clerk, 1, "2026-11-23T10:00:00+08:00").ok());
  REQUIRE(f.act("S-1", "approve", f.vendor, 2, "2026-11-24T10:00:00+08:00").ok());
  auto items = f.store.outbox(true);
  REQUIRE(items->size() == 1);
  CHECK(items->front().message.to == "zhang@example.com");
  CHECK(items->front().message.subject == "调用商务部统一用户管理平台激活企业账户");
}

TEST_CASE("overdue and due-today queries use the working-day deadlines") {
  Fixture f;
  f.open("S-1", "2026-11-20T10:00:00+08:00");  // due 11-24
  f.open("S-2", "2026-11-23T10:00:00+08:00");  // due 11-25
  CHECK(f.store.overdue(*parse_date("2026-11-24"))->empty());
  CHECK(f.store.due_on(*parse_date("2026-11-24"))->front().id == "S-1");
  auto late = f.store.overdue(*parse_date("2026-11-26"));
  REQUIRE(late->size() == 2);
  CHECK(late->front().id == "S-1");  // most overdue first
  CHECK(f.store.overdue(*parse_date("2026-11-26"), "another authority")->empty());
}

// The plan SQLite picks for `sql` on the database file, one step a line.
std::string query_plan(const std::string& db, const std::string& sql) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  std::string plan;
  REQUIRE(sqlite3_prepare_v2(raw, ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &st, nullptr) ==
          SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW)
    plan += reinterpret_cast<const char*>(sqlite3_column_text(st, 3)) + std::string("\n");
  sqlite3_finalize(st);
  sqlite3_close(raw);
  return plan;
}

TEST_CASE("the queue lists an authority's open cases soonest deadline first, from an index") {
  Fixture f;
  f.open("S-1", "2026-11-20T10:00:00+08:00");  // due 11-24
  f.open("S-2", "2026-11-23T10:00:00+08:00");  // due 11-25
  f.open("S-3", "2026-11-20T11:00:00+08:00");  // due 11-24
  f.open("S-4", "2026-11-19T10:00:00+08:00");
  f.open("S-5", "2026-11-18T10:00:00+08:00");
  f.open("S-6", "2026-11-18T11:00:00+08:00");
  exec(f.db,
       "UPDATE cases SET state = 'returned', due_on = NULL, clock_stopped = 1 WHERE id = 'S-4';"
       "UPDATE cases SET closed = 1 WHERE id = 'S-5';"
       "UPDATE cases SET authority = '另一发证机构' WHERE id = 'S-6'");
  auto ids = [&](const CaseFilter& filter) {
    auto rows = f.store.list(filter);
    REQUIRE(rows.ok());
    std::vector<std::string> out;
    for (const auto& c : *rows) out.push_back(c.id);
    return out;
  };
  CaseFilter queue;
  queue.authority = "示例省商务厅";
  // No deadline last; the same due date by case number.
  CHECK(ids(queue) == std::vector<std::string>{"S-1", "S-3", "S-2", "S-4"});
  queue.limit = 2;
  CHECK(ids(queue) == std::vector<std::string>{"S-1", "S-3"});
  queue.limit = 200;
  queue.state = "review";
  CHECK(ids(queue) == std::vector<std::string>{"S-1", "S-3", "S-2"});
  queue.state.clear();
  queue.include_closed = true;
  CHECK(ids(queue) == std::vector<std::string>{"S-5", "S-1", "S-3", "S-2", "S-4"});

  // The queue's query (CaseStore::list, open cases, with and without a state) is read in order
  // from migration 3's indexes: no sort of all the authority's open cases for each page.
  const std::string head = "SELECT id FROM cases WHERE 1 = 1 AND authority = ? ",
                    tail = " AND closed = 0 ORDER BY due_on IS NULL, due_on, id LIMIT ?";
  const std::string plan = query_plan(f.db, head + tail);
  CHECK_THAT(plan, Catch::Contains("USING INDEX cases_queue "));
  CHECK_THAT(plan, !Catch::Contains("TEMP B-TREE"));
  const std::string by_state = query_plan(f.db, head + "AND state = ?" + tail);
  CHECK_THAT(by_state,
             Catch::Contains("USING INDEX cases_queue_by_state (authority=? AND state=?)"));
  CHECK_THAT(by_state, !Catch::Contains("TEMP B-TREE"));
}

TEST_CASE("new materials are taken only by a resubmission, never slipped in with another action") {
  Fixture f;
  f.open("S-1");
  auto slipped = f.act("S-1", "fail", f.clerk, 1, "2026-11-23T10:00:00+08:00", "缺材料",
                       nlohmann::json::object(), submission("S-1", "other001"));
  REQUIRE(!slipped.ok());
  CHECK(slipped.error().kind == ErrorKind::invalid_input);
  CHECK_THAT(slipped.error().message, Catch::Contains("不接收新材料"));
  CHECK(f.store.get("S-1")->version == 1);
  CHECK(f.store.get("S-1")->data["applicant"]["login_username"] == "bjsl001");
}

TEST_CASE("a case stays on the rule version it was opened with") {
  Fixture f;
  f.open("S-1");
  std::string edited = f.procedure.source;
  edited.replace(edited.find("deadline: 2 }"), 13, "deadline: 5 }");
  auto v2 = parse_procedure(edited, KEYDESK_TEST_DATA "/procedures/review_loop.yaml");
  REQUIRE(v2.ok());
  CHECK(v2->version != f.procedure.version);
  auto newer = f.store.open_case(
      *v2, f.workflow,
      {"S-2", "a", submission("S-2"), f.clerk, at("2026-11-20T16:40:00+08:00"), "t"});
  REQUIRE(newer.ok());
  CHECK(due(*newer) == "2026-11-27");
  CHECK(f.store.get("S-1")->procedure_version == f.procedure.version);
  // Acting on the old case still follows the old file (2 days for the re-review clock).
  REQUIRE(f.act("S-1", "fail", f.clerk, 1, "2026-11-23T10:00:00+08:00", "缺材料").ok());
  auto again = f.act("S-1", "resubmit", f.enterprise, 2, "2026-11-23T11:00:00+08:00", "",
                     nlohmann::json::object(), submission("S-1"));
  REQUIRE(again.ok());
  CHECK(due(*again) == "2026-11-25");
}

TEST_CASE("a PIN locks after 6 consecutive wrong entries and only a right one resets the count") {
  Fixture f;
  REQUIRE(f.store.put_key({"pin01", kUscc, "K-9", "active", "2027-06-30", true, 0}).ok());
  for (int i = 0; i < 5; ++i) REQUIRE(f.store.pin_entry("pin01", false)->status == "active");
  CHECK(f.store.pin_entry("pin01", true)->wrong_pin_entries == 0);
  for (int i = 0; i < 5; ++i) REQUIRE(f.store.pin_entry("pin01", false).ok());
  auto sixth = f.store.pin_entry("pin01", false);
  CHECK(sixth->status == "locked");
  auto after = f.store.pin_entry("pin01", true);
  REQUIRE_FALSE(after.ok());
  CHECK_THAT(after.error().message, Catch::Contains("PIN 解锁"));
}

TEST_CASE("a bad registry import is refused whole") {
  Fixture f;
  nlohmann::json bad = {{"enterprises", {{{"uscc", "X1"}, {"name", "n"}, {"kind", "domestic"}}}},
                        {"keys", {{{"login_username", "k1"}, {"uscc", "NOT-THERE"}}}}};
  auto st = f.store.import(bad);
  REQUIRE_FALSE(st.ok());
  CHECK_THAT(st.error().message, Catch::Contains("add the enterprise first"));
  CHECK_FALSE(f.store.enterprise("X1")->has_value());
}

TEST_CASE("the audit chain is intact after normal work and detects every kind of tampering") {
  Fixture f;
  f.open("S-1");
  f.open("S-2");
  REQUIRE(f.act("S-1", "fail", f.clerk, 1, "2026-11-23T10:00:00+08:00", "缺少授权委托书").ok());
  REQUIRE(f.act("S-2", "pass", f.clerk, 1, "2026-11-23T10:05:00+08:00").ok());
  REQUIRE(f.store.verify_audit()->problems.empty());
  CHECK(f.store.verify_audit()->events == 4);

  SECTION("an edited remark") {
    exec(f.db, "UPDATE events SET remark = '材料齐全' WHERE seq = 3");
    auto r = CaseStore::open(f.db)->verify_audit();
    REQUIRE(r->problems.size() == 1);
    CHECK_THAT(r->problems[0],
               Catch::Contains("event 3 (case S-1, fail") && Catch::Contains("was edited"));
  }
  SECTION("a deleted event in the middle") {
    exec(f.db, "DELETE FROM events WHERE seq = 2");
    auto r = CaseStore::open(f.db)->verify_audit();
    CHECK_THAT(r->problems[0], Catch::Contains("event 2 to 2 deleted"));
  }
  SECTION("the newest event deleted") {
    exec(f.db, "DELETE FROM events WHERE seq = 4");
    auto r = CaseStore::open(f.db)->verify_audit();
    REQUIRE(r->problems.size() == 1);
    CHECK_THAT(r->problems[0], Catch::Contains("newest events were deleted"));
  }
  SECTION("a replaced hash breaks the chain at that event and the next") {
    exec(f.db, "UPDATE events SET hash = 'f00d' WHERE seq = 2");
    auto r = CaseStore::open(f.db)->verify_audit();
    CHECK(r->problems.size() >= 2);
  }
}

TEST_CASE("the database survives reopening and records its schema version") {
  test::TempDir dir;
  std::string db = (dir.path() / "k.db").string();
  { REQUIRE(CaseStore::open(db).ok()); }
  exec(db, "PRAGMA user_version = 99");
  auto newer = CaseStore::open(db);
  REQUIRE_FALSE(newer.ok());
  CHECK_THAT(newer.error().message, Catch::Contains("newer keydesk"));
}

TEST_CASE("a file that is not a database is reported, not crashed on") {
  test::TempDir dir;
  auto path = dir.write("junk.db", std::string(4096, 'x'));
  auto store = CaseStore::open(path.string());
  REQUIRE_FALSE(store.ok());
  CHECK_THAT(store.error().message, Catch::Contains("database"));
}

TEST_CASE("the registry, not the form, says what kind of enterprise applies") {
  MemoryRegistry registry;
  REQUIRE(registry.put_enterprise({kUscc, "示例", "foreign_invested", "", false}).ok());
  auto s = submission("S-1");
  s["enterprise"]["kind"] = "domestic";
  auto facts = case_facts(registry, s, "S-1", "", *parse_date("2026-11-24"));
  REQUIRE(facts.ok());
  CHECK((*facts)["enterprise"]["kind"] == "foreign_invested");
  CHECK((*facts)["enterprise"]["submitted_kind"] == "domestic");
  CHECK((*facts)["key"].is_null());
}

// Batch B-1's check of S-1 as first submitted: the licence lacks its seal.
CheckRecord failed_check() {
  CheckRecord check;
  check.batch = "B-1";
  check.verdict = "fail";
  check.submission_hash = check_hash(submission("S-1"));
  check.findings = {{{"code", "seal.missing"},
                     {"severity", "fail"},
                     {"message", "营业执照副本复印件未见企业公章"}}};
  return check;
}

TEST_CASE(
    "a document check that failed refuses the pass until a person overrules it with a reason") {
  Fixture f;
  f.open("S-1");
  REQUIRE(f.store.record_check("S-1", failed_check(), f.clerk, "2026-11-23T09:00:00+08:00").ok());
  auto latest = f.store.latest_check("S-1");
  REQUIRE(latest.ok());
  REQUIRE(latest->has_value());
  CHECK((*latest)->current);
  CHECK((*latest)->verdict == "fail");

  auto refused = f.act("S-1", "pass", f.clerk, 1, "2026-11-23T10:00:00+08:00");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("B-1") != std::string::npos);
  CHECK(refused.error().message.find("未见企业公章") != std::string::npos);
  CHECK(f.store.get("S-1")->version == 1);  // the check event changed neither state nor version

  ActionRequest r{"pass", f.clerk, at("2026-11-23T10:00:00+08:00"), "", nlohmann::json::object(),
                  1,      nullptr, "原件已核，公章清晰，扫描件偏色"};
  auto passed = f.store.act("S-1", f.workflow, r, "2026-11-23T10:00:00+08:00");
  REQUIRE(passed.ok());
  auto events = *f.store.history("S-1");
  REQUIRE(events.size() == 3);  // opened, document_check, pass
  CHECK(events[1].action == "document_check");
  CHECK(events[2].data["check"]["override"] == "原件已核，公章清晰，扫描件偏色");
  CHECK(events[2].data["check"]["verdict"] == "fail");
  CHECK(f.store.verify_audit()->problems.empty());
}

TEST_CASE("a check of a submission since replaced by a resubmission no longer applies") {
  Fixture f;
  f.open("S-1");
  REQUIRE(f.store.record_check("S-1", failed_check(), f.clerk, "2026-11-23T09:00:00+08:00").ok());
  REQUIRE(f.act("S-1", "fail", f.clerk, 1, "2026-11-23T10:00:00+08:00", "请加盖公章").ok());
  nlohmann::json again = submission("S-1");
  again["reason"] = "电子钥匙丢失（重新提交）";
  REQUIRE(f.act("S-1", "resubmit", f.enterprise, 2, "2026-11-24T10:00:00+08:00", "",
                nlohmann::json::object(), again)
              .ok());
  CHECK_FALSE((*f.store.latest_check("S-1"))->current);
  // The new materials are not checked yet: the pass waits for their check, or a reason.
  auto refused = f.act("S-1", "pass", f.clerk, 3, "2026-11-24T11:00:00+08:00");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == ErrorKind::refused);
  CHECK_THAT(refused.error().message, Catch::Contains("企业重新提交的材料尚未进行文书核验"));
  CheckRecord clean = failed_check();
  clean.verdict = "pass";
  clean.findings = nlohmann::json::array();
  clean.submission_hash = check_hash(f.store.get("S-1")->data);
  REQUIRE(f.store.record_check("S-1", clean, f.clerk, "2026-11-24T10:30:00+08:00").ok());
  auto passed = f.act("S-1", "pass", f.clerk, 3, "2026-11-24T11:00:00+08:00");
  INFO((passed ? "" : passed.error().message));
  REQUIRE(passed.ok());
  CHECK(f.store.history("S-1")->back().data["check"]["verdict"] == "pass");
}

TEST_CASE("a resubmission brings a complete new set of materials, never the old one again") {
  Fixture f;
  f.open("S-1");
  REQUIRE(f.act("S-1", "fail", f.clerk, 1, "2026-11-23T10:00:00+08:00", "请加盖公章").ok());
  auto bare = f.act("S-1", "resubmit", f.enterprise, 2, "2026-11-24T10:00:00+08:00");
  REQUIRE_FALSE(bare.ok());
  CHECK(bare.error().kind == ErrorKind::refused);
  CHECK_THAT(bare.error().message, Catch::Contains("须附上企业重新提交的完整一套材料"));
  nlohmann::json partial = submission("S-1");
  partial["materials"] = nlohmann::json::array();
  auto incomplete = f.act("S-1", "resubmit", f.enterprise, 2, "2026-11-24T10:00:00+08:00", "",
                          nlohmann::json::object(), partial);
  REQUIRE_FALSE(incomplete.ok());
  CHECK_THAT(incomplete.error().message, Catch::Contains("缺少：申请表"));
  CHECK(f.store.get("S-1")->state == "returned");  // nothing stored
  CHECK(f.store.history("S-1")->size() == 2);
}

TEST_CASE(
    "the clean-check gate is the workflow's: a plan without any database refuses a pass "
    "on a failed check and records the override") {
  Fixture f;
  auto facts = case_facts(f.store, submission("S-9"), "S-9", "review", *parse_date("2026-11-24"));
  REQUIRE(facts);
  CaseSnapshot snapshot;
  snapshot.id = "S-9";
  snapshot.state = "review";
  snapshot.version = 1;
  snapshot.check = DocumentCheck{"B-7", "fail", true, "1. 营业执照未见企业公章"};
  ActionRequest pass{"pass", f.clerk, at("2026-11-24T10:00:00+08:00"), "", {}, 1, nullptr, ""};
  auto refused = f.workflow.act(f.procedure, snapshot, pass, *facts);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ErrorKind::refused);
  CHECK_THAT(refused.error().message,
             Catch::Contains("结论为“未通过”") && Catch::Contains("营业执照未见企业公章"));
  pass.check_override = "已核对原件";
  auto planned = f.workflow.act(f.procedure, snapshot, pass, *facts);
  REQUIRE(planned);
  CHECK(planned->check_note["override"] == "已核对原件");
  CHECK(planned->check_note["batch"] == "B-7");
  // A check of a replaced submission no longer speaks.
  snapshot.check->current = false;
  pass.check_override.clear();
  planned = f.workflow.act(f.procedure, snapshot, pass, *facts);
  REQUIRE(planned);
  CHECK(planned->check_note["verdict"] == "none");
  // Materials a resubmission brought and no check has looked at hold the pass back.
  snapshot.unchecked_resubmission = true;
  refused = f.workflow.act(f.procedure, snapshot, pass, *facts);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("尚未进行文书核验"));
  pass.check_override = "已核对新提交材料的原件";
  planned = f.workflow.act(f.procedure, snapshot, pass, *facts);
  REQUIRE(planned);
  CHECK(planned->check_note["verdict"] == "unchecked");
  CHECK(planned->check_note["override"] == "已核对新提交材料的原件");
}

// A database taken back to schema 6, as a keydesk before migration 7 left it: no vendor_handled,
// case_counts without it (its triggers stand-ins, for the tests that drop them again), no check
// jobs (migration 9; the scan cache's tables of migration 8 a batch may have made already), no
// web batches (migration 10), no trigram index of the search text (migration 11).
const char* const kBackToSchema6 =
    "DROP TRIGGER cases_search_insert; DROP TRIGGER cases_search_update;"
    "DROP TRIGGER cases_search_delete; DROP TABLE cases_search;"
    "DROP TABLE web_batches;"
    "DROP TABLE check_jobs;"
    "DROP TRIGGER cases_vendor_handled; DROP INDEX cases_vendor_handled;"
    "DROP TRIGGER case_counts_insert; DROP TRIGGER case_counts_update;"
    "DROP TRIGGER case_counts_delete; DROP TABLE case_counts; DROP INDEX cases_tally;"
    "ALTER TABLE cases DROP COLUMN vendor_handled;"
    "CREATE INDEX cases_tally ON cases (authority, closed, procedure, state, due_pending_year, "
    "search_text);"
    "CREATE TABLE case_counts (authority TEXT NOT NULL, procedure TEXT NOT NULL, state TEXT "
    "NOT NULL, closed INTEGER NOT NULL, pending_year INTEGER NOT NULL, count INTEGER NOT NULL, "
    "PRIMARY KEY (authority, procedure, state, closed, pending_year));"
    "CREATE TRIGGER case_counts_insert AFTER INSERT ON cases BEGIN SELECT 1; END;"
    "CREATE TRIGGER case_counts_update AFTER UPDATE ON cases BEGIN SELECT 1; END;"
    "CREATE TRIGGER case_counts_delete AFTER DELETE ON cases BEGIN SELECT 1; END;"
    "PRAGMA user_version = 6";

TEST_CASE(
    "the queue's counts kept by triggers match the cases through every change, and migration 6 "
    "fills the search columns of cases stored before it exactly as keydesk writes them") {
  Fixture f;
  f.open("S-1", "2026-11-20T16:40:00+08:00");
  f.open("S-2", "2026-11-23T10:00:00+08:00");
  f.open("S-3", "2026-11-23T11:00:00+08:00");
  REQUIRE(f.act("S-1", "fail", f.clerk, 1, "2026-11-23T10:00:00+08:00", "缺材料").ok());
  exec(f.db,
       "UPDATE cases SET closed = 1 WHERE id = 'S-2';"
       "UPDATE cases SET authority = '另一发证机构' WHERE id = 'S-3';"
       "UPDATE cases SET data = json_set(data, '$.applicant.legal_representative', '李　四 ') "
       "WHERE id = 'S-3'");
  // The counts as kept, against the cases counted afresh (a filter makes tally() count them).
  auto counted = [&](bool kept) {
    CaseFilter all;
    all.include_closed = true;
    if (!kept) all.search = "s-";  // every case number holds it
    auto t = f.store.tally(all);
    REQUIRE(t.ok());
    std::map<std::string, long> out;
    for (const CaseTally& c : *t)
      out[c.procedure + "/" + c.state + "/" + (c.closed ? "closed" : "open")] += c.count;
    return out;
  };
  CHECK(counted(true) == counted(false));
  CHECK(counted(true) == std::map<std::string, long>{{"review_loop/returned/open", 1},
                                                     {"review_loop/review/closed", 1},
                                                     {"review_loop/review/open", 1}});
  exec(f.db, "DELETE FROM cases WHERE id = 'S-2'");
  CHECK(counted(true) == counted(false));

  // Back to the schema before migration 6, as an older keydesk left it; opened again, the
  // migration fills both columns, the same as search_text() for every case.
  exec(f.db, kBackToSchema6);
  exec(f.db,
       "DROP TRIGGER case_counts_insert; DROP TRIGGER case_counts_update;"
       "DROP TRIGGER case_counts_delete; DROP TABLE case_counts; DROP INDEX cases_tally;"
       "DROP INDEX cases_sorted_by_id; DROP INDEX cases_sorted_by_opened;"
       "DROP INDEX cases_sorted_by_name; DROP INDEX cases_sorted_by_update; DROP INDEX cases_queue;"
       "CREATE INDEX cases_queue ON cases (authority, (due_on IS NULL), due_on, id) WHERE closed = "
       "0;"
       "ALTER TABLE cases DROP COLUMN search_text; ALTER TABLE cases DROP COLUMN enterprise_name;"
       "PRAGMA user_version = 5");
  auto reopened = CaseStore::open(f.db);
  REQUIRE(reopened.ok());
  for (const char* id : {"S-1", "S-3"}) {
    auto c = reopened->get(id);
    REQUIRE(c.ok());
    CHECK(query_text(f.db, std::string("SELECT search_text FROM cases WHERE id = '") + id + "'") ==
          search_text(c->id, c->uscc, c->data));
    CHECK(query_text(f.db, std::string("SELECT enterprise_name FROM cases WHERE id = '") + id +
                               "'") == "北京示例进出口有限公司");
  }
  CaseFilter spaced;
  spaced.authority = "另一发证机构";
  spaced.search = "李四";
  auto found = reopened->list(spaced);
  REQUIRE(found.ok());
  REQUIRE(found->size() == 1);
  CHECK(found->front().id == "S-3");
}

TEST_CASE(
    "a case the vendor acted on is marked vendor-handled in the action's transaction, counted "
    "apart, and migration 7 marks the cases stored before it from their history") {
  Fixture f;
  f.open("S-1");
  f.open("S-2");
  f.open("S-3");
  REQUIRE(f.act("S-1", "pass", f.clerk, 1, "2026-11-23T10:00:00+08:00").ok());
  REQUIRE(f.act("S-2", "pass", f.clerk, 1, "2026-11-23T10:00:00+08:00").ok());
  REQUIRE(f.act("S-1", "approve", f.vendor, 2, "2026-11-24T10:00:00+08:00").ok());
  REQUIRE(f.act("S-1", "ship", f.vendor, 3, "2026-11-25T10:00:00+08:00", "",
                {{"method", "courier"}, {"waybill", "SF1"}, {"serial", "EK-1"}})
              .ok());
  auto handled = [&](const char* id) {
    auto c = f.store.get(id);
    REQUIRE(c.ok());
    return c->vendor_handled;
  };
  CHECK(handled("S-1"));        // approved and shipped by the vendor, now closed
  CHECK_FALSE(handled("S-2"));  // at the vendor, not yet acted on
  CHECK_FALSE(handled("S-3"));
  // Only the handled ones, closed included: S-1.
  CaseFilter filter;
  filter.vendor_handled = true;
  filter.include_closed = true;
  auto listed = f.store.list(filter);
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().id == "S-1");
  // The counts kept by the triggers say the same as the cases counted afresh.
  auto counted = [&](bool kept) {
    CaseFilter all;
    all.include_closed = true;
    if (!kept) all.search = "s-";
    auto t = f.store.tally(all);
    REQUIRE(t.ok());
    std::map<std::string, long> out;
    for (const CaseTally& c : *t) out[c.state + (c.vendor_handled ? "/handled" : "")] += c.count;
    return out;
  };
  CHECK(counted(true) ==
        std::map<std::string, long>{{"done/handled", 1}, {"review", 1}, {"vendor", 1}});
  CHECK(counted(true) == counted(false));

  // Back to the schema before migration 7: reopened, the migration marks S-1 from its events.
  exec(f.db, kBackToSchema6);
  auto reopened = CaseStore::open(f.db);
  REQUIRE(reopened.ok());
  CHECK(query_text(f.db, "SELECT group_concat(id) FROM cases WHERE vendor_handled = 1") == "S-1");
  CHECK(query_text(f.db, "SELECT sum(count) FROM case_counts WHERE vendor_handled = 1") == "1");
  CHECK(query_text(f.db, "SELECT sum(count) FROM case_counts") == "3");
}

TEST_CASE("a database server that takes the connection and never answers is given up on",
          "[store]") {
  // A socket that listens and never accepts: the kernel completes the handshake, libpq sends its
  // start-up message and, without a connect timeout, waits for the answer for good.
  const int server = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(server >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(server, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(listen(server, 8) == 0);
  socklen_t length = sizeof address;
  REQUIRE(getsockname(server, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  const std::string uri =
      "postgresql://keydesk@127.0.0.1:" + std::to_string(ntohs(address.sin_port)) +
      "/keydesk?sslmode=disable";
  // On its own thread, so that a connection that waits for good fails the test rather than
  // holding it (the thread is left behind then).
  auto answered = std::make_shared<std::promise<std::optional<Error>>>();
  auto answer = answered->get_future();
  std::thread([uri, answered] {
    auto store = CaseStore::open(uri);
    answered->set_value(store ? std::nullopt : std::optional<Error>(store.error()));
  }).detach();
  REQUIRE(answer.wait_for(std::chrono::seconds(90)) == std::future_status::ready);
  const std::optional<Error> error = answer.get();
  close(server);
  REQUIRE(error.has_value());
  CHECK(error->kind == ErrorKind::unavailable);  // a worker waits for it to come back
  CHECK(error->message.starts_with("无法连接数据库"));
}

TEST_CASE("a database is named in messages and logs without its password", "[store]") {
  CHECK(database_shown("postgresql://keydesk:s3cret@db1.example/keydesk") ==
        "postgresql://keydesk:***@db1.example/keydesk");
  CHECK(database_shown("postgresql:///kb?host=/run/pg&password=s3cret&sslmode=require") ==
        "postgresql:///kb?host=/run/pg&password=***&sslmode=require");
  CHECK(database_shown("postgres://u:p@h/kb?password=a&x=1&password=b") ==
        "postgres://u:***@h/kb?password=***&x=1&password=***");
  CHECK(database_shown("postgresql:///kb?host=/run/pg&user=keydesk") ==
        "postgresql:///kb?host=/run/pg&user=keydesk");
  CHECK(database_shown("/srv/keydesk/keydesk.db") == "/srv/keydesk/keydesk.db");
}

TEST_CASE(
    "writers of one SQLite file queue in the process; one thread writing through two "
    "connections is told busy, not left waiting for itself",
    "[store]") {
  keydesk::test::TempDir dir;
  const std::string db = (dir.path() / "gate.db").string();
  auto x = keydesk::internal::connect(db), y = keydesk::internal::connect(db);
  REQUIRE(x);
  REQUIRE(y);
  REQUIRE((*x)->exec("CREATE TABLE t (n INTEGER)"));
  // Another thread's writer waits for the first to commit, then goes on.
  REQUIRE((*x)->begin_write());
  REQUIRE((*x)->exec("INSERT INTO t VALUES (1)"));
  auto other = std::async(std::launch::async, [&] {
    auto began = (*y)->begin_write();
    if (!began) return std::string("busy");
    auto st = (*y)->exec("INSERT INTO t VALUES (2)");
    if (st) st = (*y)->commit();
    return std::string(st ? "written" : "failed");
  });
  REQUIRE((*x)->commit());
  CHECK(other.get() == "written");
  // A writer of another thread that holds on past the limit: the waiter was queued in the
  // process (the gate's word), not polling SQLite's lock.
  REQUIRE((*x)->begin_write());
  auto queued = std::async(std::launch::async, [&] { return (*y)->begin_write(); }).get();
  REQUIRE(!queued);
  CHECK(queued.error().kind == keydesk::ErrorKind::busy);
  CHECK_THAT(queued.error().message, Catch::Contains("another writer of this process"));
  // The same thread through both: the second does not wait on its own gate; it meets SQLite's
  // lock and its timeout.
  auto second = (*y)->begin_write();
  REQUIRE(!second);
  CHECK(second.error().kind == keydesk::ErrorKind::busy);
  CHECK_THAT(second.error().message, Catch::Contains("database is locked"));
  (*x)->rollback();
  // And the gate is free again for both.
  REQUIRE((*y)->begin_write());
  (*y)->rollback();
}
