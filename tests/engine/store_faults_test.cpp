// The store behind the engine facade failing under it, in the LevelDB/SQLite manner: another
// process holds the database's write lock while a case is opened, acted on and has a check
// recorded. Each step fails with a clear error of kind busy, nothing is half-written (no case, no
// event, no version moved, the audit chain intact), and the same requests succeed once the lock
// is gone.
#include <sqlite3.h>

#include <catch2/catch.hpp>

#include "engine/engine.h"
#include "tests/support.h"

using namespace keydesk;

namespace {

// Another connection (as another keydesk process) holding the write lock until release().
class WriteLock {
 public:
  explicit WriteLock(const std::string& db) {
    REQUIRE(sqlite3_open(db.c_str(), &handle_) == SQLITE_OK);
    REQUIRE(sqlite3_exec(handle_, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  void release() {
    if (!handle_) return;
    sqlite3_exec(handle_, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close(handle_);
    handle_ = nullptr;
  }
  ~WriteLock() { release(); }

 private:
  sqlite3* handle_ = nullptr;
};

Submission submission(const std::string& id) {
  auto s = parse_submission(
      {{"id", id},
       {"procedure", "review_loop"},
       {"enterprise", {{"name", "北京示例进出口有限公司"}, {"uscc", "91110105MA01ABCD5F"}}},
       {"applicant", {{"login_username", "bjsl001"}, {"email", "z@example.com"}}},
       {"reason", "丢失"}});
  REQUIRE(s);
  return *s;
}

}  // namespace

TEST_CASE(
    "a busy database refuses open, act and a check record clearly, writes nothing half, "
    "and the next requests are served") {
  test::TempDir dir;
  const auto rules = dir.path() / "rules";
  std::filesystem::create_directories(rules / "procedures");
  std::filesystem::copy(KEYDESK_RULES_DIR "/calendars", rules / "calendars",
                        std::filesystem::copy_options::recursive);
  std::filesystem::copy(KEYDESK_TEST_DATA "/procedures/review_loop.yaml", rules / "procedures/");
  const std::string db = (dir.path() / "k.db").string();
  auto store = CaseStore::open(db);
  REQUIRE(store);
  REQUIRE(store
              ->import({{"enterprises",
                         {{{"uscc", "91110105MA01ABCD5F"},
                           {"name", "北京示例进出口有限公司"},
                           {"kind", "domestic"}}}},
                        {"keys",
                         {{{"login_username", "bjsl001"},
                           {"uscc", "91110105MA01ABCD5F"},
                           {"status", "lost"}}}}})
              .ok());
  CounterConfig counter;
  Engine engine(*store, rules, counter);
  const Actor clerk{"王芳", "authority_clerk", "示例省商务厅"};
  REQUIRE(engine.open_case(submission("S-1"), clerk, "2026-11-23T10:00:00+08:00"));
  ActionRequest fail;
  fail.action = "fail";
  fail.actor = clerk;
  fail.remark = "缺少授权委托书";
  fail.expected_version = 1;
  CheckRecord check;
  check.batch = "B-1";
  check.verdict = "fail";

  {
    WriteLock lock(db);
    auto opened = engine.open_case(submission("S-2"), clerk, "2026-11-23T10:05:00+08:00");
    REQUIRE_FALSE(opened);
    CHECK(opened.error().kind == ErrorKind::busy);
    CHECK_THAT(opened.error().message, Catch::StartsWith("数据库正忙，请稍后重试"));
    auto acted = engine.act("S-1", fail, "2026-11-23T10:06:00+08:00");
    REQUIRE_FALSE(acted);
    CHECK(acted.error().kind == ErrorKind::busy);
    auto recorded = store->record_check("S-1", check, clerk, "2026-11-23T10:07:00+08:00");
    REQUIRE_FALSE(recorded);
    CHECK(recorded.error().kind == ErrorKind::busy);
  }
  // Nothing half-written.
  CHECK_FALSE(store->get("S-2"));
  CHECK(store->get("S-1")->version == 1);
  CHECK(store->history("S-1")->size() == 1);
  CHECK_FALSE(*store->latest_check("S-1"));
  auto audit = store->verify_audit();
  REQUIRE(audit);
  CHECK(audit->problems.empty());
  // The same requests, served.
  CHECK(engine.open_case(submission("S-2"), clerk, "2026-11-23T10:05:00+08:00"));
  auto acted = engine.act("S-1", fail, "2026-11-23T10:06:00+08:00");
  REQUIRE(acted);
  CHECK(acted->state == "returned");
  CHECK(store->record_check("S-1", check, clerk, "2026-11-23T10:07:00+08:00"));
  CHECK(store->verify_audit()->problems.empty());
}
