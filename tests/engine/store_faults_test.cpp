// The store behind the engine facade failing under it, in the manner of SQLite's own ioerr and
// diskfull tests and LevelDB's fault-injection tests.
//
// Each step a counter takes (open a case, act on one, record a document check) is first run
// clean on a fresh copy of the database, counting the operations a fault could fail (tests/
// fault_vfs.h: writes, syncs, truncates and reads for an I/O error, writes for a full disk,
// exclusive locks for a busy database). Then, on a fresh copy each time, the step is run again
// with the 1st, 2nd, … Nth of them failing, once (a passing fault) or from then on (a lasting
// one). Whatever fails:
//  - the step returns an Error of the fault's kind (busy, io) whose message is Chinese first,
//    or, when SQLite rides the fault out (a busy lock retried), it succeeds;
//  - nothing is half-written: the database is, row for row, as before the step when it failed
//    and as after the clean run when it succeeded; a copy of its files taken at that moment (a
//    crash), opened and recovered, is one or the other too; PRAGMA integrity_check is ok and the
//    audit chain verifies;
//  - once the fault is gone, the same store object serves the step (no transaction left open),
//    leaving exactly what the clean run left, and so does the file when opened again.
// Then the same for a batch's verdicts recorded on their cases. Another connection holding the
// write lock (another keydesk process) is busy for real, below.
#include <sqlite3.h>

#include <catch2/catch.hpp>

#include <functional>
#include <map>

#include "engine/engine.h"
#include "engine/intake.h"
#include "tests/fault_vfs.h"
#include "tests/support.h"

using namespace keydesk;
using test::Fault;
using test::FaultVfs;

namespace {

const char* const kUscc = "91110105MA01ABCD5F";
const Actor kClerk{"王芳", "authority_clerk", "示例省商务厅"};
const Actor kVendor{"李工", "vendor_reviewer", "服务商"};

Submission submission(const std::string& id) {
  auto s =
      parse_submission({{"id", id},
                        {"procedure", "review_loop"},
                        {"enterprise", {{"name", "北京示例进出口有限公司"}, {"uscc", kUscc}}},
                        {"applicant", {{"login_username", "bjsl001"}, {"email", "z@example.com"}}},
                        {"reason", "丢失"}});
  REQUIRE(s);
  return *s;
}

ActionRequest action(const std::string& name, const Actor& actor, long version,
                     nlohmann::json inputs = nlohmann::json::object(), std::string remark = "") {
  ActionRequest r;
  r.action = name;
  r.actor = actor;
  r.expected_version = version;
  r.inputs = std::move(inputs);
  r.remark = std::move(remark);
  return r;
}

template <class T>
Status as_status(const Result<T>& r) {
  if (!r) return r.error();
  return std::monostate{};
}

// A connection of the test's own to the file at `db`, on the default VFS (no faults).
class Peek {
 public:
  explicit Peek(const std::filesystem::path& db) {
    REQUIRE(sqlite3_open_v2(db.c_str(), &handle_, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  }
  ~Peek() { sqlite3_close(handle_); }
  Peek(const Peek&) = delete;
  Peek& operator=(const Peek&) = delete;

  // Every row `sql` gives, a line each, its columns separated by '|'.
  std::string rows(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    INFO(sql);
    REQUIRE(sqlite3_prepare_v2(handle_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    std::string out;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        if (i) out += '|';
        const auto* text = sqlite3_column_text(st, i);
        out += text ? reinterpret_cast<const char*>(text) : "NULL";
      }
      out += '\n';
    }
    sqlite3_finalize(st);
    INFO(sqlite3_errmsg(handle_));
    REQUIRE(rc == SQLITE_DONE);
    return out;
  }

  // Every row of every table: two databases with the same text hold the same.
  std::string contents() {
    std::string out;
    std::string tables = rows("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
    for (std::size_t at = 0, end; (end = tables.find('\n', at)) != std::string::npos;
         at = end + 1) {
      const std::string table = tables.substr(at, end - at);
      out += "== " + table + "\n" + rows("SELECT * FROM \"" + table + "\"");
    }
    return out;
  }

  std::string integrity() { return rows("PRAGMA integrity_check"); }

 private:
  sqlite3* handle_ = nullptr;
};

// The audit chain of the store: "" when it verifies, else its problems.
std::string audit_problems(CaseStore& store) {
  auto report = store.verify_audit();
  if (!report) return "verify_audit: " + report.error().message;
  std::string out;
  for (const auto& p : report->problems) out += p + "\n";
  return out;
}

// The rules (review_loop and the calendars) and a database holding a case for each step:
// S-1 in review (to return it, to record its check), S-3 at the vendor (its approval puts a
// notice in the outbox), S-4 in production (shipping it reissues the key); S-2 is not open yet.
struct Desk {
  test::TempDir dir;
  std::filesystem::path rules = dir.path() / "rules";
  std::filesystem::path db = dir.path() / "desk.db";
  CounterConfig counter;

  Desk() {
    std::filesystem::create_directories(rules / "procedures");
    std::filesystem::copy(KEYDESK_RULES_DIR "/calendars", rules / "calendars",
                          std::filesystem::copy_options::recursive);
    std::filesystem::copy(KEYDESK_TEST_DATA "/procedures/review_loop.yaml", rules / "procedures/");
    auto store = CaseStore::open(db.string());
    REQUIRE(store);
    REQUIRE(store->import(test::lost_key_registry(kUscc)));
    Engine engine(*store, rules, counter);
    for (const char* id : {"S-1", "S-3", "S-4"})
      REQUIRE(engine.open_case(submission(id), kClerk, "2026-11-23T10:00:00+08:00"));
    for (const char* id : {"S-3", "S-4"})
      REQUIRE(engine.act(id, action("pass", kClerk, 1), "2026-11-23T11:00:00+08:00"));
    REQUIRE(engine.act("S-4", action("approve", kVendor, 2), "2026-11-23T12:00:00+08:00"));
    // Closed: checkpointed, the WAL gone; each trial starts from a copy of this one file.
  }
};

// A copy of the desk's database with its store open on the fault VFS and an engine over it.
struct Trial {
  test::TempDir dir;
  std::filesystem::path db = dir.path() / "k.db";
  std::unique_ptr<CaseStore> store;
  std::unique_ptr<Engine> engine;

  explicit Trial(const Desk& desk) {
    std::filesystem::copy_file(desk.db, db);
    auto opened = CaseStore::open(FaultVfs::uri(db));
    INFO((opened ? "" : opened.error().message));
    REQUIRE(opened);
    store = std::make_unique<CaseStore>(std::move(opened).value());
    engine = std::make_unique<Engine>(*store, desk.rules, desk.counter);
  }

  void close() {
    engine.reset();
    store.reset();
  }

  // The database's files as they are now, copied as a crash would leave them (the database and
  // its WAL, not the WAL index, which the next opener rebuilds from the WAL).
  std::filesystem::path crash_copy(const std::filesystem::path& into) const {
    std::filesystem::create_directories(into);
    const auto copy = into / "k.db";
    std::filesystem::copy_file(db, copy);
    if (std::filesystem::exists(db.string() + "-wal"))
      std::filesystem::copy_file(db.string() + "-wal", copy.string() + "-wal");
    return copy;
  }
};

struct StoreStep {
  std::string name;
  std::function<Status(Engine&)> run;
};

std::vector<StoreStep> store_steps() {
  CheckRecord check;
  check.batch = "B-1";
  check.verdict = "fail";
  check.findings = nlohmann::json::array(
      {{{"code", "seal.missing"}, {"severity", "fail"}, {"message", "申请表未盖章"}}});
  return {
      {"open a case",
       [](Engine& e) {
         return as_status(e.open_case(submission("S-2"), kClerk, "2026-11-24T09:00:00+08:00"));
       }},
      {"return a case (act: fail)",
       [](Engine& e) {
         return as_status(e.act("S-1", action("fail", kClerk, 1, {}, "缺少授权委托书"),
                                "2026-11-24T09:10:00+08:00"));
       }},
      {"approve a case, a notice into the outbox (act: approve)",
       [](Engine& e) {
         return as_status(e.act("S-3", action("approve", kVendor, 2), "2026-11-24T09:20:00+08:00"));
       }},
      {"ship a case, its key reissued (act: ship)",
       [](Engine& e) {
         return as_status(e.act("S-4",
                                action("ship", kVendor, 3, {{"method", "fax"}, {"serial", "K-2"}}),
                                "2026-11-24T09:30:00+08:00"));
       }},
      {"record a document check",
       [check](Engine& e) {
         return e.store().record_check("S-1", check, kClerk, "2026-11-24T09:40:00+08:00");
       }},
  };
}

ErrorKind kind_of(Fault f) { return f == Fault::busy ? ErrorKind::busy : ErrorKind::io; }

}  // namespace

TEST_CASE(
    "the store failing at each write, sync, read and lock of opening a case, acting on it and "
    "recording its check: a clear error of the fault's kind, nothing half-written, the next "
    "request served") {
  Desk desk;
  FaultVfs& vfs = FaultVfs::get();
  for (const StoreStep& step : store_steps()) {
    INFO("step: " << step.name);
    // The clean run: what the step leaves, and how many operations each fault can fail.
    std::string before, after;
    std::map<Fault, long> operations;
    {
      Trial clean(desk);
      before = Peek(clean.db).contents();
      vfs.reset();
      const Status done = step.run(*clean.engine);
      for (Fault f : {Fault::io_error, Fault::disk_full, Fault::busy})
        operations[f] = vfs.counted(f);
      INFO((done ? "" : done.error().message));
      REQUIRE(done);
      after = Peek(clean.db).contents();
      REQUIRE(after != before);
    }
    // Every step writes (and syncs) and takes the write lock.
    CHECK(operations[Fault::io_error] > operations[Fault::disk_full]);
    CHECK(operations[Fault::disk_full] > 0);
    CHECK(operations[Fault::busy] > 0);

    for (Fault fault : {Fault::io_error, Fault::disk_full, Fault::busy})
      for (bool persistent : {false, true})
        for (long nth = 1; nth <= operations[fault]; ++nth) {
          INFO(test::fault_name(fault) << " at operation " << nth << " of " << operations[fault]
                                       << (persistent ? ", and every one after" : ", once"));
          Trial trial(desk);
          vfs.arm(fault, nth, persistent);
          const Status done = step.run(*trial.engine);
          const long injected = vfs.injected();
          vfs.clear();
          CHECK(injected >= 1);  // the same operations as the clean run: the Nth was met
          INFO((done ? "succeeded" : "failed: " + done.error().message));
          if (!done) {
            CHECK(done.error().kind == kind_of(fault));
            CHECK(test::chinese_first(done.error().message));
            CHECK_THAT(done.error().message, Catch::StartsWith(test::store_message_start(fault)));
          } else {
            // Only a busy lock is ridden out (retried by the busy handler, or a read mark or a
            // checkpoint done without); a failed write, sync or read fails the step.
            CHECK(fault == Fault::busy);
          }
          // Nothing half-written: as before when it failed, as the clean run when it succeeded.
          {
            Peek peek(trial.db);
            CHECK(peek.integrity() == "ok\n");
            const std::string now = peek.contents();
            CHECK(now == (done ? after : before));
          }
          CHECK(audit_problems(*trial.store).empty());
          // A crash now: the files as they are, opened and recovered, are before or after. After
          // only when the step failed at its last operation, the sync of the WAL at COMMIT: its
          // frames are all written, so recovery finds the transaction whole, although the store
          // (and every other connection, going by the WAL index) goes on without it.
          {
            test::TempDir crash;
            const auto copy = trial.crash_copy(crash.path());
            {
              auto reopened = CaseStore::open(copy.string());
              REQUIRE(reopened);
              CHECK(audit_problems(*reopened).empty());
            }
            Peek peek(copy);
            CHECK(peek.integrity() == "ok\n");
            const std::string now = peek.contents();
            if (done)
              CHECK(now == after);
            else
              CHECK((now == before ||
                     (now == after && fault == Fault::io_error && nth == operations[fault])));
          }
          // The next request is served by the same store object, and leaves what the clean run
          // left (a failed step, taken again; one that succeeded, read back).
          if (!done) {
            const Status again = step.run(*trial.engine);
            INFO((again ? "" : "again: " + again.error().message));
            CHECK(again);
          } else {
            CHECK(trial.store->get("S-1"));
          }
          CHECK(audit_problems(*trial.store).empty());
          trial.close();
          Peek peek(trial.db);
          CHECK(peek.integrity() == "ok\n");
          CHECK(peek.contents() == after);
        }
  }
}

TEST_CASE(
    "a batch's verdicts recorded while the store fails: the link says the store's error, never "
    "'no case' nor that the case is open already") {
  Desk desk;
  FaultVfs& vfs = FaultVfs::get();
  test::TempDir folder;
  folder.write("S-1/submission.json", submission("S-1").to_json().dump());
  const nlohmann::json report = {{"batch", "B-7"},
                                 {"submissions",
                                  {{{"id", "S-1"},
                                    {"dir", (folder.path() / "S-1").string()},
                                    {"verdict", "pass"},
                                    {"findings", nlohmann::json::array()}}}}};
  for (Fault fault : {Fault::io_error, Fault::disk_full, Fault::busy})
    for (bool persistent : {false, true}) {
      Trial trial(desk);
      const std::string before = Peek(trial.db).contents();
      // Failing at the 1st operation, the 2nd, … until a run meets no fault (SQLite's loop).
      for (long nth = 1;; ++nth) {
        INFO(test::fault_name(fault)
             << " at operation " << nth << (persistent ? ", and every one after" : ", once"));
        REQUIRE(nth < 1000);
        vfs.arm(fault, nth, persistent);
        const auto links = record_batch_checks(*trial.store, report, desk.rules, desk.counter,
                                               kClerk, /*open_missing=*/true, "");
        const long injected = vfs.injected();
        vfs.clear();
        REQUIRE(links.size() == 1);
        INFO(links[0].outcome << ": " << links[0].detail);
        if (links[0].outcome == "recorded") {
          CHECK((injected == 0 || fault == Fault::busy));
          break;
        }
        CHECK(links[0].outcome == "error");
        CHECK_THAT(links[0].detail, Catch::StartsWith(test::store_message_start(fault)));
        CHECK(Peek(trial.db).contents() == before);
        if (injected == 0) break;
      }
      auto check = trial.store->latest_check("S-1");
      REQUIRE(check);
      REQUIRE(*check);
      CHECK((*check)->batch == "B-7");
      CHECK(audit_problems(*trial.store).empty());
    }
}

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

}  // namespace

TEST_CASE(
    "a database another process holds locked refuses open, act and a check record clearly, "
    "writes nothing half, and the next requests are served") {
  Desk desk;
  Trial trial(desk);  // on the fault VFS only so that the 5 s busy timeout runs out at once
  Engine& engine = *trial.engine;
  CaseStore& store = *trial.store;
  ActionRequest fail = action("fail", kClerk, 1, {}, "缺少授权委托书");
  CheckRecord check;
  check.batch = "B-1";
  check.verdict = "fail";
  const std::string before = Peek(trial.db).contents();

  {
    WriteLock lock(trial.db.string());
    auto opened = engine.open_case(submission("S-2"), kClerk, "2026-11-24T10:05:00+08:00");
    REQUIRE_FALSE(opened);
    CHECK(opened.error().kind == ErrorKind::busy);
    CHECK_THAT(opened.error().message, Catch::StartsWith("数据库正忙，请稍后重试"));
    auto acted = engine.act("S-1", fail, "2026-11-24T10:06:00+08:00");
    REQUIRE_FALSE(acted);
    CHECK(acted.error().kind == ErrorKind::busy);
    auto recorded = store.record_check("S-1", check, kClerk, "2026-11-24T10:07:00+08:00");
    REQUIRE_FALSE(recorded);
    CHECK(recorded.error().kind == ErrorKind::busy);
  }
  // Nothing half-written.
  CHECK(Peek(trial.db).contents() == before);
  CHECK_FALSE(store.get("S-2"));
  CHECK(store.get("S-1")->version == 1);
  CHECK(store.history("S-1")->size() == 1);
  CHECK_FALSE(*store.latest_check("S-1"));
  CHECK(audit_problems(store).empty());
  // The same requests, served.
  CHECK(engine.open_case(submission("S-2"), kClerk, "2026-11-24T10:05:00+08:00"));
  auto acted = engine.act("S-1", fail, "2026-11-24T10:06:00+08:00");
  REQUIRE(acted);
  CHECK(acted->state == "returned");
  CHECK(store.record_check("S-1", check, kClerk, "2026-11-24T10:07:00+08:00"));
  CHECK(audit_problems(store).empty());
}
