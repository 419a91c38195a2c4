// keydesk db copy as an administrator runs it: an SQLite counter holding cases moved through the
// bundled reissue procedure, accounts, a session, a notice, a scan result and a check job,
// copied into a fresh database of the test PostgreSQL cluster (ctest fixture `postgres`) and
// back; a tampered source refused on arrival with nothing left in the target; arguments that
// name no usable database refused with the argument named.
#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "engine/accounts.h"
#include "engine/case_store.h"
#include "engine/check_job_repository.h"
#include "engine/engine.h"
#include "engine/internal/sql.h"
#include "tests/backends.h"
#include "tests/support.h"

using namespace keydesk;
using keydesk::test::chinese_first;
using keydesk::test::PostgresBackend;
using keydesk::test::run_keydesk;
using keydesk::test::TempDir;

namespace {

const std::string kOwn = "示例省商务厅（发证机构）";
const std::string kPassword = "password-clerk";
const std::vector<std::string> kCases = {"C-1", "C-2", "C-3", "C-4"};
constexpr std::int64_t kMorning = 1795485600;  // 2026-11-24T10:00:00+08:00

// An SQLite counter with four reissue cases: C-1 passed on to the vendor and its key shipped
// (the activation e-mail in the outbox), C-2 returned with a remark, C-3 passed, C-4 just
// opened; a clerk with a session; a scan result and a check job of a batch.
struct Counter {
  TempDir dir;
  std::string db = (dir.path() / "k.db").string();
  std::string session;

  Counter() {
    auto counter = load_counter_config(std::string(KEYDESK_RULES_DIR) + "/counter.yaml");
    REQUIRE(counter);
    auto store = CaseStore::open(db);
    REQUIRE(store);
    keydesk::test::open_example_cases(*store, kCases, kOwn);
    Engine engine(*store, KEYDESK_RULES_DIR, *counter);
    const Actor clerk{"wang.fang", "authority_clerk", kOwn}, vendor{"li.na", "vendor_reviewer", ""};
    auto act = [&](const std::string& id, const std::string& action, long version,
                   const Actor& actor, nlohmann::json inputs = nlohmann::json::object(),
                   const std::string& remark = "") {
      ActionRequest request;
      request.action = action;
      request.actor = actor;
      request.expected_version = version;
      request.inputs = std::move(inputs);
      request.remark = remark;
      auto done =
          engine.act(id, request, "2026-11-24T1" + std::to_string(version) + ":00:00+08:00");
      INFO(id << " " << action << ": " << (done ? "" : done.error().message));
      REQUIRE(done);
    };
    act("C-1", "pass_review", 1, clerk);
    act("C-1", "send_to_vendor", 2, clerk, {{"method", "fax"}});
    act("C-1", "receive_at_vendor", 3, vendor);
    act("C-1", "pass_vendor_review", 4, vendor);
    act("C-1", "ship_key", 5, vendor, {{"waybill", "SF1001"}, {"serial", "K-2026-1"}});
    act("C-2", "fail_review", 1, clerk, nlohmann::json::object(), "缺少授权委托书");
    act("C-3", "pass_review", 1, clerk);
    auto outbox = store->outbox(false);
    REQUIRE(outbox);
    REQUIRE(outbox->size() == 1);

    auto accounts = Accounts::open(db);
    REQUIRE(accounts);
    REQUIRE(accounts->add({"clerk", "王芳", "authority_clerk", kOwn, false, ""}, kPassword,
                          "2026-11-01"));
    auto logged_in = accounts->log_in("clerk", kPassword, "127.0.0.1", kMorning);
    REQUIRE(logged_in);
    session = logged_in->token;

    auto jobs = open_check_job_repository(db);
    REQUIRE(jobs);
    CheckJob job;
    job.batch = "B-1";
    job.key = "scan-1";
    job.submission = "S-2026-000206/business_licence.jpg";
    job.file = "/srv/intake/S-2026-000206/business_licence.jpg";
    job.sha256 = std::string(64, 'a');
    job.material = "business_licence";
    job.pipeline = "p1";
    job.hints = "{}";
    REQUIRE((*jobs)->enqueue({job}));
    auto raw = internal::connect(db);
    REQUIRE(raw);
    REQUIRE((*raw)->exec(
        "INSERT INTO scan_results (key, sha256, material, result) VALUES ('scan-0', 'abc', "
        "'business_licence', '{\"page\": 1}')"));
  }
  std::string quoted() const { return "'" + db + "'"; }
};

// Everything a clerk and an auditor read of the store at `target`, as text: each case with its
// whole history (hashes included), the outbox, the audit chain's length and soundness.
std::string store_text(const std::string& target) {
  auto store = CaseStore::open(target);
  INFO(target << (store ? "" : ": " + store.error().message));
  REQUIRE(store);
  std::string text;
  CaseFilter all;
  all.include_closed = true;
  all.order = CaseOrder::id;
  auto cases = store->list(all);
  REQUIRE(cases);
  for (const auto& c : *cases) {
    text += c.id + " " + c.procedure + "@" + c.procedure_version + " " + c.state + " v" +
            std::to_string(c.version) + " due " + (c.due ? format_date(*c.due) : "-") +
            (c.closed ? " closed" : "") + (c.vendor_handled ? " vendor" : "") + " " + c.opened_at +
            " " + c.updated_at + " " + c.data.dump() + "\n";
    auto history = store->history(c.id);
    REQUIRE(history);
    for (const auto& e : *history)
      text += "  " + std::to_string(e.seq) + " " + e.action + " " + e.from + ">" + e.to + " " +
              e.user + " " + e.at + " " + e.remark + " " + e.data.dump() + " " + e.hash + "\n";
  }
  auto outbox = store->outbox(false);
  REQUIRE(outbox);
  for (const auto& o : *outbox)
    text += "outbox " + std::to_string(o.id) + " " + o.case_id + " " + std::to_string(o.event_seq) +
            " " + o.status + " " + o.message.to + " " + o.message.subject + "\n";
  auto audit = store->verify_audit();
  REQUIRE(audit);
  text += "audit " + std::to_string(audit->events) + " events, " +
          std::to_string(audit->problems.size()) + " problems\n";
  return text;
}

// The cases a search finds at `target`, open and closed, by case number.
std::vector<std::string> found(const std::string& target, const std::string& search) {
  auto store = CaseStore::open(target);
  REQUIRE(store);
  CaseFilter filter;
  filter.include_closed = true;
  filter.order = CaseOrder::id;
  filter.search = search;
  auto cases = store->list(filter);
  REQUIRE(cases);
  std::vector<std::string> ids;
  for (const auto& c : *cases) ids.push_back(c.id);
  return ids;
}

// Rows of `table` at `target` (its schema left as it is).
long rows(const std::string& target, const std::string& table) {
  return keydesk::test::query_number(target, "SELECT count(*) FROM " + table);
}

// The queue's counts at `target` (case_counts, rows of no case left aside), as text.
std::string queue_counts(const std::string& target) {
  auto db = internal::open_unmigrated(target);
  REQUIRE(db);
  auto q = (*db)->prepare(
      "SELECT authority || '/' || procedure || '/' || state || '/' || closed || '/' || "
      "pending_year || '/' || vendor_handled || '=' || count FROM case_counts WHERE count > 0 "
      "ORDER BY 1");
  REQUIRE(q);
  auto lines = internal::all_rows(*q, [](const internal::Query& r) { return r.text(0); });
  REQUIRE(lines);
  std::string text;
  for (const auto& line : *lines) text += line + "\n";
  return text;
}

// The message after "keydesk: " on stderr.
std::string said(const keydesk::test::Run& run) {
  const auto at = run.err.rfind("keydesk: ");
  return at == std::string::npos ? run.err : run.err.substr(at + 9);
}

}  // namespace

TEST_CASE(
    "keydesk db copy moves an SQLite counter to PostgreSQL and back, histories and audit "
    "chain alike",
    "[db]") {
  Counter counter;
  const std::string before = store_text(counter.db);
  REQUIRE_THAT(before, Catch::Contains("audit 11 events, 0 problems"));
  PostgresBackend pg;
  auto copied = run_keydesk("db copy " + counter.quoted() + " '" + pg.target() + "'");
  INFO(copied.err);
  REQUIRE(copied.exit_code == 0);
  CHECK_THAT(copied.out, Catch::StartsWith("已复制 4 个案件、11 条审计记录、1 个账户到 "));
  CHECK_THAT(copied.out, Catch::Contains("审计链校验通过（11 条记录，末端与源数据库一致）"));
  CHECK(store_text(pg.target()) == before);
  for (const std::string table : {"enterprises", "keys", "procedure_versions", "outbox", "accounts",
                                  "sessions", "scan_results", "check_jobs"})
    CHECK(rows(pg.target(), table) == rows(counter.db, table));
  // The queue's counts, kept by the target's triggers as the cases went in; searches through
  // the target's trigram index.
  CHECK(queue_counts(pg.target()) == queue_counts(counter.db));
  CHECK(found(pg.target(), "永盛实业") == kCases);
  CHECK(found(pg.target(), "c-3") == std::vector<std::string>{"C-3"});

  // The clerk's session and password hold on the copy; its check job is there to be claimed.
  auto accounts = Accounts::open(pg.target());
  REQUIRE(accounts);
  auto session = accounts->session(counter.session, kMorning + 60);
  REQUIRE(session);
  REQUIRE(*session);
  CHECK((*session)->account.display_name == "王芳");
  CHECK(accounts->log_in("clerk", kPassword, "127.0.0.1", kMorning + 120));
  auto jobs = open_check_job_repository(pg.target());
  REQUIRE(jobs);
  auto counts = (*jobs)->counts("B-1");
  REQUIRE(counts);
  CHECK(counts->pending == 1);

  // Work goes on on the copy: an action chains to the copied head, new rows take new ids.
  {
    auto counter_config = load_counter_config(std::string(KEYDESK_RULES_DIR) + "/counter.yaml");
    REQUIRE(counter_config);
    auto store = CaseStore::open(pg.target());
    REQUIRE(store);
    // Another server's connection, whose page cache must see the change.
    auto other = CaseStore::open(pg.target());
    REQUIRE(other);
    auto seen = other->generation();
    REQUIRE(seen);
    Engine engine(*store, KEYDESK_RULES_DIR, *counter_config);
    ActionRequest send;
    send.action = "send_to_vendor";
    send.actor = {"wang.fang", "authority_clerk", kOwn};
    send.expected_version = 2;
    send.inputs = {{"method", "courier"}, {"waybill", "SF2002"}};
    auto sent = engine.act("C-3", send, "2026-11-25T09:00:00+08:00");
    INFO((sent ? "" : sent.error().message));
    REQUIRE(sent);
    CHECK(sent->version == 3);
    auto now = other->generation();
    REQUIRE(now);
    CHECK(*now != *seen);
    REQUIRE(accounts->record_refusal({"2026-11-25T09:00:00", "", "", "GET", "/x", 401, "无会话"}));
    auto refusals = accounts->refusals();
    REQUIRE(refusals);
    CHECK(refusals->size() == 1);
    CheckJob another;
    another.batch = "B-2";
    another.key = "scan-2";
    another.submission = another.file = "x.jpg";
    another.sha256 = std::string(64, 'b');
    another.material = "business_licence";
    another.pipeline = "p1";
    another.hints = "{}";
    REQUIRE((*jobs)->enqueue({another}));
  }
  const std::string moved_on = store_text(pg.target());
  CHECK_THAT(moved_on, Catch::Contains("audit 12 events, 0 problems"));

  // And back, into a new SQLite file.
  const std::string back = (counter.dir.path() / "back.db").string();
  auto returned = run_keydesk("db copy '" + pg.target() + "' '" + back + "'");
  INFO(returned.err);
  REQUIRE(returned.exit_code == 0);
  CHECK_THAT(returned.out, Catch::Contains("审计链校验通过（12 条记录"));
  CHECK(store_text(back) == moved_on);
  CHECK(rows(back, "check_jobs") == 2);
  CHECK(rows(back, "refusals") == 1);
  CHECK(queue_counts(back) == queue_counts(pg.target()));
  CHECK(found(back, "永盛实业") == kCases);
  CHECK(found(back, "c-3") == std::vector<std::string>{"C-3"});

  // A target that holds data is refused, named, and left as it was.
  auto again = run_keydesk("db copy " + counter.quoted() + " '" + pg.target() + "'");
  CHECK(again.exit_code == 2);
  CHECK(chinese_first(said(again)));
  CHECK_THAT(said(again),
             Catch::Contains("目标数据库 " + database_shown(pg.target()) + " 已有 4 个案件。"));
  CHECK(store_text(pg.target()) == moved_on);
}

TEST_CASE(
    "a copy whose audit chain does not verify on arrival is refused and leaves the target "
    "empty",
    "[db]") {
  Counter counter;
  PostgresBackend pg;
  const std::string into = (counter.dir.path() / "into.db").string();
  auto db = internal::connect(counter.db);
  REQUIRE(db);
  SECTION("an event edited") {
    REQUIRE((*db)->exec("UPDATE events SET remark = '材料齐全' WHERE seq = 3"));
  }
  SECTION("the newest event deleted") {
    REQUIRE((*db)->exec("DELETE FROM events WHERE seq = (SELECT max(seq) FROM events)"));
  }
  auto copied = run_keydesk("db copy " + counter.quoted() + " '" + pg.target() + "'");
  CHECK(copied.exit_code == 1);
  CHECK(chinese_first(said(copied)));
  CHECK_THAT(said(copied), Catch::Contains("审计链校验未通过"));
  CHECK_THAT(said(copied), Catch::Contains("目标数据库未写入任何数据"));
  CHECK_THAT(said(copied), Catch::Contains("keydesk --db " + counter.db + " case verify-audit"));
  CHECK(copied.out.find("已复制") == std::string::npos);
  for (const std::string table : {"cases", "events", "audit_head", "accounts", "check_jobs"})
    CHECK(rows(pg.target(), table) == 0);
  // The same into a new SQLite file.
  auto to_file = run_keydesk("db copy " + counter.quoted() + " '" + into + "'");
  CHECK(to_file.exit_code == 1);
  CHECK_THAT(said(to_file), Catch::Contains("审计链校验未通过"));
  CHECK(rows(into, "cases") == 0);
  CHECK(rows(into, "events") == 0);
}

TEST_CASE("keydesk db copy names the argument that names no usable database", "[db]") {
  TempDir dir;
  const std::string pg_like = "postgresql:///keydesk?host=/nonexistent";
  auto missing =
      run_keydesk("db copy '" + (dir.path() / "none.db").string() + "' '" + pg_like + "'");
  CHECK(missing.exit_code == 2);
  CHECK_THAT(said(missing), Catch::StartsWith("FROM 指定的数据库文件"));
  CHECK_THAT(said(missing), Catch::Contains("不存在"));
  CHECK(!std::filesystem::exists(dir.path() / "none.db"));

  auto other_scheme = run_keydesk("db copy 'mysql://root@db/keydesk' 'x.db'");
  CHECK(other_scheme.exit_code == 2);
  CHECK_THAT(said(other_scheme), Catch::StartsWith("FROM “mysql://root@db/keydesk” 不是"));

  const auto text = dir.write("notes.txt", "not a database at all, just some notes\n");
  auto not_sqlite = run_keydesk("db copy '" + text.string() + "' '" + pg_like + "'");
  CHECK(not_sqlite.exit_code == 2);
  CHECK_THAT(said(not_sqlite), Catch::Contains("不是 SQLite 数据库文件"));

  Counter counter;
  auto no_folder = run_keydesk("db copy " + counter.quoted() + " '" +
                               (dir.path() / "no/such/folder/k.db").string() + "'");
  CHECK(no_folder.exit_code == 2);
  CHECK_THAT(said(no_folder), Catch::StartsWith("TO 所在的目录"));

  auto bad_uri =
      run_keydesk("db copy " + counter.quoted() + " 'postgresql://db.example/keydesk?colour=red'");
  CHECK(bad_uri.exit_code == 2);
  CHECK_THAT(said(bad_uri),
             Catch::StartsWith("TO “postgresql://db.example/keydesk?colour=red” 不是有效的"));

  auto same = run_keydesk("db copy " + counter.quoted() + " " + counter.quoted());
  CHECK(same.exit_code == 2);
  CHECK_THAT(said(same), Catch::StartsWith("FROM 与 TO 是同一个数据库"));

  // Another program's SQLite database is not taken for a counter's, nor given keydesk's tables.
  const std::string foreign = (dir.path() / "foreign.db").string();
  {
    auto db = internal::open_unmigrated(foreign);
    REQUIRE(db);
    REQUIRE((*db)->exec("CREATE TABLE notes (text TEXT)"));
  }
  auto not_ours =
      run_keydesk("db copy '" + foreign + "' '" + (dir.path() / "to.db").string() + "'");
  CHECK(not_ours.exit_code == 2);
  CHECK_THAT(said(not_ours), Catch::Contains("不是 keydesk 的数据库"));
  CHECK(rows(foreign, "notes") == 0);
  auto tables = internal::open_unmigrated(foreign);
  REQUIRE(tables);
  auto q = (*tables)->prepare("SELECT count(*) FROM sqlite_master WHERE name = 'cases'");
  REQUIRE(q);
  REQUIRE(*q->step());
  CHECK(q->integer(0) == 0);
}
