// The case store's contract, run alike on both backends: a fresh SQLite file, and a fresh
// database in the test run's own PostgreSQL cluster (tests/postgres/cluster.sh, ctest fixture
// `postgres`, its URI in KEYDESK_TEST_POSTGRES). Without that variable the PostgreSQL cases fail:
// they are never skipped. Every repository operation, the at-most-once action under concurrent
// writers, the audit chain under tampering, the change mark, the migrations from empty and from
// the version before, and searches through the trigram index against reading every case.
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <latch>
#include <random>
#include <set>
#include <thread>
#include <type_traits>

#include <catch2/catch.hpp>

#include "engine/account_repository.h"
#include "engine/accounts.h"
#include "engine/case_repository.h"
#include "engine/case_store.h"
#include "engine/check_job_repository.h"
#include "engine/intake.h"
#include "engine/internal/scan_store.h"
#include "engine/internal/sql.h"
#include "engine/rules.h"
#include "engine/web_batch_repository.h"
#include "engine/web_batches.h"
#include "tests/backends.h"
#include "tests/support.h"

using namespace keydesk;
using keydesk::test::PostgresBackend;
using keydesk::test::SqliteBackend;

namespace {

const char* const kUscc = "91110105MA01ABCD5F";
const char* const kAuthority = "示例省商务厅";

// The tests' submission, with a legal representative whose name has an ideographic space.
nlohmann::json submission(const std::string& id) {
  nlohmann::json s = test::review_loop_submission(id, kUscc);
  s["applicant"]["legal_representative"] = "张　伟";
  return s;
}

LocalTime at(const char* text) { return *parse_submission_time(text, CounterHours{}); }

template <class Backend>
struct Fixture {
  Backend backend;
  CaseStore store = opened(backend.target());
  Procedure procedure =
      std::move(load_procedure(KEYDESK_TEST_DATA "/procedures/review_loop.yaml")).value();
  WorkingCalendar calendar =
      std::move(WorkingCalendar::load(KEYDESK_RULES_DIR "/calendars", "cn-national")).value();
  Workflow workflow{calendar, CounterHours{}};
  Actor clerk{"王芳", "authority_clerk", kAuthority};
  Actor vendor{"李工", "vendor_reviewer", "服务商"};
  Actor enterprise{"张三", "enterprise", ""};

  Fixture() { REQUIRE(store.import(test::lost_key_registry(kUscc))); }

  static CaseStore opened(const std::string& target) {
    auto s = CaseStore::open(target);
    INFO((s ? "" : s.error().message));
    REQUIRE(s);
    return std::move(s).value();
  }

  CaseRecord open(const std::string& id, const char* when = "2026-11-20T16:40:00+08:00") {
    auto c = store.open_case(procedure, workflow,
                             {id, kAuthority, submission(id), clerk, at(when), when});
    INFO((c ? "" : c.error().message));
    REQUIRE(c.ok());
    return *c;
  }

  Result<CaseRecord> act(CaseStore& on, const std::string& id, const std::string& action,
                         const Actor& who, long version, const char* when,
                         nlohmann::json inputs = nlohmann::json::object()) {
    ActionRequest r{action, who, at(when), "", std::move(inputs), version, nullptr, ""};
    return on.act(id, workflow, r, when);
  }
  Result<CaseRecord> act(const std::string& id, const std::string& action, const Actor& who,
                         long version, const char* when,
                         nlohmann::json inputs = nlohmann::json::object()) {
    return act(store, id, action, who, version, when, std::move(inputs));
  }

  // Runs `sql` on the database behind the store's back.
  void exec(const std::string& sql) {
    auto conn = internal::open_unmigrated(backend.target());
    REQUIRE(conn);
    auto st = (*conn)->exec(sql);
    INFO((st ? "" : st.error().message));
    REQUIRE(st);
  }
};

std::vector<std::string> ids(const std::vector<CaseRecord>& rows) {
  std::vector<std::string> out;
  for (const auto& c : rows) out.push_back(c.id);
  return out;
}

std::vector<std::string> ids(const Result<std::vector<CaseRecord>>& rows) {
  REQUIRE(rows.ok());
  return ids(*rows);
}

std::string due(const CaseRecord& c) { return c.due ? format_date(*c.due) : "none"; }

// The search tests' cases: what a clerk finds them by, with Chinese, letters of either case,
// full-width letters, and what LIKE and FTS5 queries read specially (% _ \ ' ").
struct Searched {
  const char* id;
  const char* uscc;
  const char* enterprise;
  const char* legal_representative;
  const char* authorized_user;
  const char* login;
};
const Searched kSearched[] = {
    {"S-101", "91110105MA01ABCD5F", "北京王伟贸易有限公司", "王　伟", "张伟", "WangWei01"},
    {"S-102", "91310000MA1FL0XX1K", "上海王伟华进出口有限公司", "王伟华", "李娜", "lina_2026"},
    {"S-103", "91440300MA5DXXXX2L", "Ａｂｃ全角贸易有限公司", "ÉCOLE Dupont", "赵敏", "ecole%1"},
    {"S-104", "91330100MA27XXXX3M", "百分之100%实业有限公司", "O'Brien", "Li \"Quote\" Ming",
     "back\\slash"},
    {"S-105", "91320500MA1MXXXX4N", "下划线_科技有限公司", "刘洋", "王伟", "under_score"},
    {"S-106", "91110108MA00XXXX5P", "深圳ａｂｃ电子有限公司", "陈静", "杨丽", "abc_abc"},
    {"S-107", "91110105MA01ABCD6G", "北京王伟贸易有限公司（分公司）", "孙强", "王 伟 华",
     "wangweihua"},
};

// The searches compared: 1 and 2 characters (read from every case), 3 and more (through the
// trigram index), Chinese, letters of either case, full-width letters, wildcards, quotes, a
// USCC, a case number, nothing found, '|' alone (no search) and text that is not UTF-8.
const char* const kSearches[] = {
    "王",
    "王伟",
    "王伟华",
    "王 伟 华",
    "张伟",
    "北京王伟贸易",
    "有限公司",
    "wangwei",
    "WANGWEI01",
    "ｗ",
    "ａｂｃ",
    "Ａｂｃ",
    "ÉCOLE",
    "école",
    "ecole dupont",
    "%",
    "%%",
    "%1",
    "100%",
    "0%实",
    "_",
    "e_s",
    "_科技",
    "\\",
    "k\\s",
    "back\\slash",
    "o'brien",
    "'",
    "\"quote\"",
    "li\"q",
    "\"\"\"",
    "91310000MA1FL0XX1K",
    "0105ma01",
    "s-10",
    "S-1",
    "s-",
    "不存在的名字",
    "|",
    "伟|华",
    "a",
    "abc",
};
// Text that is not UTF-8, which SQLite searches for as bytes (PostgreSQL refuses it as a value).
const char* const kNotUtf8[] = {"\xff\xfe\xfd", "王\xff伟华"};

// The cases of `filter` as reading every case finds them (its search aside, the search text
// compared in memory), in its order and page: what the trigram index must find alike.
std::vector<CaseRecord> read_every_case(CaseStore& store, CaseFilter filter) {
  const std::string key = search_key(filter.search);
  const int limit = filter.limit;
  const long offset = filter.offset;
  filter.search.clear();
  filter.limit = -1;
  filter.offset = 0;
  auto all = store.list(filter);
  REQUIRE(all);
  std::vector<CaseRecord> found;
  for (const auto& c : *all)
    if (search_text(c.id, c.uscc, c.data).find(key) != std::string::npos) found.push_back(c);
  found.erase(found.begin(), found.begin() + std::min<long>(offset, std::ssize(found)));
  if (limit >= 0 && std::ssize(found) > limit) found.resize(static_cast<size_t>(limit));
  return found;
}

// A line of a tally: procedure/state/open or closed/pending year, and /handled (a vendor's hand).
std::string tally_line(const std::string& procedure, const std::string& state, bool closed,
                       int pending_year, bool vendor_handled) {
  return procedure + "/" + state + "/" + (closed ? "closed" : "open") + "/" +
         std::to_string(pending_year) + (vendor_handled ? "/handled" : "");
}

// A tally as text, one line per (procedure, state, closed, year, vendor's hand) it counts.
std::map<std::string, long> tally_text(const std::vector<CaseTally>& tally) {
  std::map<std::string, long> out;
  for (const auto& t : tally)
    out[tally_line(t.procedure, t.state, t.closed, t.pending_year, t.vendor_handled)] += t.count;
  std::erase_if(out, [](const auto& line) { return line.second == 0; });
  return out;
}

// Every search of `searches` on the store, listed (in four orders, and on a page) and counted,
// against read_every_case.
template <class F, std::size_t N>
void compare_searches(F& f, const char* const (&searches)[N]) {
  std::vector<CaseFilter> filters(4);
  for (auto& filter : filters) filter.authority = kAuthority;
  filters[1].include_closed = true;
  filters[1].order = CaseOrder::id;
  filters[1].descending = true;
  filters[2].closed_only = true;
  filters[2].order = CaseOrder::enterprise;
  filters[3].include_closed = true;
  filters[3].order = CaseOrder::opened;
  filters[3].limit = 2;
  filters[3].offset = 1;
  for (const char* search : searches)
    for (CaseFilter filter : filters) {
      filter.search = search;
      INFO("search \"" << search << "\", closed " << filter.include_closed << filter.closed_only
                       << ", offset " << filter.offset);
      std::vector<CaseRecord> expected = read_every_case(f.store, filter);
      CHECK(ids(f.store.list(filter)) == ids(expected));
      filter.limit = -1;
      filter.offset = 0;
      expected = read_every_case(f.store, filter);
      std::map<std::string, long> expected_counts;
      for (const auto& c : expected)
        ++expected_counts[tally_line(c.procedure, c.state, c.closed, c.due_pending_year,
                                     c.vendor_handled)];
      auto tally = f.store.tally(filter);
      REQUIRE(tally);
      CHECK(tally_text(*tally) == expected_counts);
    }
}

}  // namespace

TEMPLATE_TEST_CASE("the registry keeps enterprises and keys, refusing a key of no enterprise", "",
                   SqliteBackend, PostgresBackend) {
  Fixture<TestType> f;
  auto e = f.store.enterprise(kUscc);
  REQUIRE(e);
  REQUIRE(e->has_value());
  CHECK((*e)->name == "北京示例进出口有限公司");
  CHECK_FALSE(f.store.enterprise("X1")->has_value());
  auto k = f.store.key("bjsl001");
  REQUIRE(k->has_value());
  CHECK((*k)->status == "lost");
  CHECK((*k)->serial == "K-1");
  REQUIRE(f.store.put_key({"bjsl002", kUscc, "K-9", "active", "2027-01-31", true, 0}));
  auto keys = f.store.keys_of(kUscc);
  REQUIRE(keys->size() == 2);
  CHECK(keys->at(1).login_username == "bjsl002");
  CHECK(keys->at(1).expires_on == "2027-01-31");
  CHECK(keys->at(1).has_18_digit_code);
  auto orphan = f.store.put_key({"nobody01", "91000000000000000X", "", "active", "", false, 0});
  REQUIRE_FALSE(orphan.ok());
  CHECK_THAT(orphan.error().message, Catch::Contains("add the enterprise first"));
  // An import is all or nothing: its second enterprise's kind is wrong, so neither is stored.
  auto bad =
      f.store.import({{"enterprises",
                       {{{"uscc", "91110000000000001A"}, {"name", "甲"}, {"kind", "domestic"}},
                        {{"uscc", "91110000000000002B"}, {"name", "乙"}, {"kind", "martian"}}}}});
  REQUIRE_FALSE(bad.ok());
  CHECK_FALSE(f.store.enterprise("91110000000000001A")->has_value());
}

TEMPLATE_TEST_CASE("the sixth wrong PIN in a row locks the key, in one transaction each", "",
                   SqliteBackend, PostgresBackend) {
  Fixture<TestType> f;
  REQUIRE(f.store.put_key({"bjsl002", kUscc, "K-9", "active", "", false, 0}));
  for (int i = 1; i <= 5; ++i) REQUIRE(f.store.pin_entry("bjsl002", false)->status == "active");
  auto sixth = f.store.pin_entry("bjsl002", false);
  REQUIRE(sixth);
  CHECK(sixth->status == "locked");
  CHECK((*f.store.key("bjsl002"))->wrong_pin_entries == 6);
}

TEMPLATE_TEST_CASE("a case runs on the procedure version it was opened with", "", SqliteBackend,
                   PostgresBackend) {
  Fixture<TestType> f;
  auto c = f.open("S-1");
  auto p = f.store.procedure_at("review_loop", c.procedure_version);
  REQUIRE(p);
  CHECK((*p)->id == "review_loop");
  CHECK((*p)->version == f.procedure.version);
  auto missing = f.store.procedure_at("review_loop", "feedface");
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message, Catch::Contains("is not in the database"));
}

TEMPLATE_TEST_CASE("cases open, act, carry deadlines and refuse a second opening", "",
                   SqliteBackend, PostgresBackend) {
  Fixture<TestType> f;
  auto c = f.open("S-1", "2026-11-20T16:40:00+08:00");
  CHECK(c.state == "review");
  CHECK(c.version == 1);
  CHECK(due(c) == "2026-11-24");
  auto again = f.store.open_case(f.procedure, f.workflow,
                                 {"S-1", kAuthority, submission("S-1"), f.clerk,
                                  at("2026-11-21T10:00:00+08:00"), "2026-11-21T10:00:00+08:00"});
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().kind == ErrorKind::refused);
  auto v = f.act("S-1", "pass", f.clerk, 1, "2026-11-23T10:00:00+08:00");
  REQUIRE(v);
  CHECK(due(*v) == "2026-11-26");
  REQUIRE(f.act("S-1", "approve", f.vendor, 2, "2026-11-25T10:00:00+08:00"));
  auto done = f.act("S-1", "ship", f.vendor, 3, "2026-11-25T11:00:00+08:00",
                    {{"method", "courier"}, {"waybill", "SF1234567890"}, {"serial", "K-2"}});
  REQUIRE(done);
  CHECK(done->closed);
  auto stored = f.store.get("S-1");
  REQUIRE(stored);
  CHECK(stored->state == "done");
  CHECK(stored->version == 4);
  CHECK(stored->closed);
  CHECK(stored->vendor_handled);  // kept by the trigger on events
  CHECK(stored->data["applicant"]["login_username"] == "bjsl001");
  CHECK((*f.store.key("bjsl001"))->serial == "K-2");  // the effect, in the same transaction
  auto events = f.store.history("S-1");
  REQUIRE(events->size() == 4);
  CHECK(events->at(3).data["inputs"]["waybill"] == "SF1234567890");
  CHECK(f.store.get("S-404").error().kind == ErrorKind::not_found);
}

TEMPLATE_TEST_CASE("a stale version is refused and changes nothing", "", SqliteBackend,
                   PostgresBackend) {
  Fixture<TestType> f;
  f.open("S-1");
  REQUIRE(f.act("S-1", "pass", f.clerk, 1, "2026-11-23T10:00:00+08:00"));
  auto twice = f.act("S-1", "pass", f.clerk, 1, "2026-11-23T10:00:01+08:00");
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.error().kind == ErrorKind::stale);
  CHECK(f.store.get("S-1")->version == 2);
  CHECK(f.store.history("S-1")->size() == 2);
}

TEMPLATE_TEST_CASE("two writers racing on one case version: exactly one action is applied", "",
                   SqliteBackend, PostgresBackend) {
  Fixture<TestType> f;
  constexpr int kCases = 12;
  for (int i = 0; i < kCases; ++i) f.open("R-" + std::to_string(i));
  // Each writer has its own connection, as two keydesk processes would.
  CaseStore first = Fixture<TestType>::opened(f.backend.target());
  CaseStore second = Fixture<TestType>::opened(f.backend.target());
  for (int i = 0; i < kCases; ++i) {
    const std::string id = "R-" + std::to_string(i);
    std::latch start(2);
    Result<CaseRecord> a = Error{"not run"}, b = Error{"not run"};
    auto race = [&](CaseStore& store, Result<CaseRecord>& out, const char* when) {
      start.arrive_and_wait();
      out = f.act(store, id, "pass", f.clerk, 1, when);
    };
    std::thread one(race, std::ref(first), std::ref(a), "2026-11-23T10:00:00+08:00");
    std::thread two(race, std::ref(second), std::ref(b), "2026-11-23T10:00:01+08:00");
    one.join();
    two.join();
    INFO(id << ": " << (a ? "applied" : a.error().message) << " / "
            << (b ? "applied" : b.error().message));
    REQUIRE(a.ok() != b.ok());
    const Error& lost = a ? b.error() : a.error();
    CHECK(lost.kind == ErrorKind::stale);
    CHECK(f.store.get(id)->version == 2);
    CHECK(f.store.history(id)->size() == 2);
  }
  auto audit = f.store.verify_audit();
  REQUIRE(audit);
  CHECK(audit->problems.empty());
  CHECK(audit->events == 2 * kCases);
}

TEMPLATE_TEST_CASE("writers on different cases at once all land, on one unbroken audit chain", "",
                   SqliteBackend, PostgresBackend) {
  Fixture<TestType> f;
  constexpr int kWriters = 4, kEach = 5;
  std::vector<CaseStore> stores;
  for (int w = 0; w < kWriters; ++w)
    stores.push_back(Fixture<TestType>::opened(f.backend.target()));
  std::latch start(kWriters);
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w)
    writers.emplace_back([&, w] {
      start.arrive_and_wait();
      for (int i = 0; i < kEach; ++i) {
        const std::string id = "W-" + std::to_string(w) + "-" + std::to_string(i);
        const char* when = "2026-11-20T10:00:00+08:00";
        auto c = stores[w].open_case(f.procedure, f.workflow,
                                     {id, kAuthority, submission(id), f.clerk, at(when), when});
        if (!c || !f.act(stores[w], id, "pass", f.clerk, 1, "2026-11-23T10:00:00+08:00"))
          ++failures;
      }
    });
  for (auto& t : writers) t.join();
  CHECK(failures == 0);
  auto audit = f.store.verify_audit();
  REQUIRE(audit);
  CHECK(audit->problems.empty());
  CHECK(audit->events == 2 * kWriters * kEach);
}

TEMPLATE_TEST_CASE("the audit chain finds an edited, a deleted and a newest deleted event", "",
                   SqliteBackend, PostgresBackend) {
  Fixture<TestType> f;
  f.open("S-1");
  f.open("S-2");
  REQUIRE_FALSE(f.act("S-1", "fail", f.clerk, 1, "2026-11-23T10:00:00+08:00").ok());  // no remark
  ActionRequest fail{"fail",
                     f.clerk,
                     at("2026-11-23T10:00:00+08:00"),
                     "缺少授权委托书",
                     nlohmann::json::object(),
                     1,
                     nullptr,
                     ""};
  REQUIRE(f.store.act("S-1", f.workflow, fail, "2026-11-23T10:00:00+08:00"));
  REQUIRE(f.act("S-2", "pass", f.clerk, 1, "2026-11-23T10:05:00+08:00"));
  REQUIRE(f.store.verify_audit()->problems.empty());
  CHECK(f.store.verify_audit()->events == 4);

  SECTION("an edited remark") {
    f.exec("UPDATE events SET remark = '材料齐全' WHERE seq = 3");
    auto r = f.store.verify_audit();
    REQUIRE(r->problems.size() == 1);
    CHECK_THAT(r->problems[0],
               Catch::Contains("event 3 (case S-1, fail") && Catch::Contains("was edited"));
  }
  SECTION("a deleted event in the middle") {
    f.exec("DELETE FROM events WHERE seq = 2");
    CHECK_THAT(f.store.verify_audit()->problems.at(0), Catch::Contains("event 2 to 2 deleted"));
  }
  SECTION("the newest event deleted") {
    f.exec("DELETE FROM events WHERE seq = 4");
    auto r = f.store.verify_audit();
    REQUIRE(r->problems.size() == 1);
    CHECK_THAT(r->problems[0], Catch::Contains("newest events were deleted"));
  }
  SECTION("the head deleted") {
    f.exec("DELETE FROM audit_head");
    CHECK_THAT(f.store.verify_audit()->problems.at(0), Catch::Contains("audit head is missing"));
  }
}

TEMPLATE_TEST_CASE("the queue lists, searches, pages and counts cases", "", SqliteBackend,
                   PostgresBackend) {
  Fixture<TestType> f;
  f.open("S-1", "2026-11-20T10:00:00+08:00");  // due 11-24
  f.open("S-2", "2026-11-23T10:00:00+08:00");  // due 11-25
  f.open("S-3", "2026-11-20T11:00:00+08:00");  // due 11-24
  f.open("S-4", "2026-11-19T10:00:00+08:00");
  f.open("S-5", "2026-11-18T10:00:00+08:00");
  f.open("S-6", "2026-11-18T11:00:00+08:00");
  f.exec(
      "UPDATE cases SET state = 'returned', due_on = NULL, clock_stopped = 1 WHERE id = 'S-4';"
      "UPDATE cases SET closed = 1 WHERE id = 'S-5';"
      "UPDATE cases SET authority = '另一发证机构' WHERE id = 'S-6'");
  CaseFilter queue;
  queue.authority = kAuthority;
  CHECK(ids(f.store.list(queue)) == std::vector<std::string>{"S-1", "S-3", "S-2", "S-4"});
  queue.limit = 2;
  queue.offset = 1;
  CHECK(ids(f.store.list(queue)) == std::vector<std::string>{"S-3", "S-2"});
  queue.limit = 200;
  queue.offset = 0;
  queue.descending = true;
  CHECK(ids(f.store.list(queue)) == std::vector<std::string>{"S-2", "S-3", "S-1", "S-4"});
  queue.descending = false;
  queue.order = CaseOrder::id;
  queue.include_closed = true;
  CHECK(ids(f.store.list(queue)) == std::vector<std::string>{"S-1", "S-2", "S-3", "S-4", "S-5"});
  queue.closed_only = true;
  CHECK(ids(f.store.list(queue)) == std::vector<std::string>{"S-5"});
  queue.closed_only = false;
  queue.include_closed = false;
  queue.procedure_states = {{"review_loop", "returned"}};
  CHECK(ids(f.store.list(queue)) == std::vector<std::string>{"S-4"});
  queue.pairs_excluded = true;
  CHECK(ids(f.store.list(queue)) == std::vector<std::string>{"S-1", "S-2", "S-3"});
  queue.procedure_states.clear();
  queue.pairs_excluded = false;
  queue.restricted = true;
  CHECK(ids(f.store.list(queue)).empty());
  queue.restricted = false;
  // Search: spaces and letter case do not count; 张伟 finds 张　伟.
  queue.search = "s -3";
  CHECK(ids(f.store.list(queue)) == std::vector<std::string>{"S-3"});
  queue.search = "张伟";
  CHECK(ids(f.store.list(queue)).size() == 4);
  queue.search.clear();
  queue.summary = true;
  auto summary = f.store.list(queue);
  REQUIRE(summary);
  CHECK(summary->front().data ==
        nlohmann::json{{"enterprise", {{"name", "北京示例进出口有限公司"}}}});
  // Counts: unfiltered from the triggers' table, filtered from the cases.
  CaseFilter all;
  all.authority = kAuthority;
  all.include_closed = true;
  auto tally = f.store.tally(all);
  REQUIRE(tally);
  long open_review = 0, returned = 0, closed = 0;
  for (const auto& t : *tally) {
    if (t.closed)
      closed += t.count;
    else if (t.state == "review")
      open_review += t.count;
    else if (t.state == "returned")
      returned += t.count;
  }
  CHECK(open_review == 3);
  CHECK(returned == 1);
  CHECK(closed == 1);
  all.search = "s-1";
  tally = f.store.tally(all);
  REQUIRE(tally->size() == 1);
  CHECK(tally->front().count == 1);
  // A procedure, a state, pending years or a vendor's hand are counted from the triggers' table
  // too, the same as counting the cases (a search for "s-", in every case number, makes it count).
  f.exec(
      "UPDATE cases SET due_pending_year = 2027 WHERE id = 'S-2';"
      "UPDATE cases SET vendor_handled = 1 WHERE id IN ('S-3', 'S-5')");
  auto counts = [&](CaseFilter filter, bool kept) {
    filter.search = kept ? "" : "s-";
    auto t = f.store.tally(filter);
    REQUIRE(t.ok());
    return tally_text(*t);
  };
  CaseFilter filter;
  filter.authority = kAuthority;
  filter.include_closed = true;
  CHECK(counts(filter, true).size() == 5);
  filter.procedure = "review_loop";
  CHECK(counts(filter, true) == counts(filter, false));
  filter.state = "review";
  CHECK(counts(filter, true) == counts(filter, false));
  CHECK(counts(filter, true) ==
        std::map<std::string, long>{{"review_loop/review/closed/0/handled", 1},
                                    {"review_loop/review/open/0", 1},
                                    {"review_loop/review/open/0/handled", 1},
                                    {"review_loop/review/open/2027", 1}});
  filter.state = "nowhere";
  CHECK(counts(filter, true).empty());
  filter.state.clear();
  filter.procedure = "another_procedure";
  CHECK(counts(filter, true).empty());
  filter.procedure.clear();
  filter.deadline_pending = true;
  CHECK(counts(filter, true) == counts(filter, false));
  CHECK(counts(filter, true) == std::map<std::string, long>{{"review_loop/review/open/2027", 1}});
  filter.deadline_pending = false;
  filter.vendor_handled = true;
  CHECK(counts(filter, true) == counts(filter, false));
  CHECK(counts(filter, true).size() == 2);
}

TEMPLATE_TEST_CASE("a search through the trigram index finds what reading every case finds", "",
                   SqliteBackend, PostgresBackend) {
  Fixture<TestType> f;
  nlohmann::json registry = {{"enterprises", nlohmann::json::array()},
                             {"keys", nlohmann::json::array()}};
  for (const Searched& s : kSearched) {
    registry["enterprises"].push_back(
        {{"uscc", s.uscc}, {"name", s.enterprise}, {"kind", "domestic"}});
    registry["keys"].push_back(
        {{"login_username", s.login}, {"uscc", s.uscc}, {"serial", "K-1"}, {"status", "lost"}});
  }
  REQUIRE(f.store.import(registry));
  auto named = [](const Searched& s) {
    nlohmann::json data = test::review_loop_submission(s.id, s.uscc, s.login);
    data["enterprise"]["name"] = s.enterprise;
    data["applicant"]["legal_representative"] = s.legal_representative;
    data["applicant"]["authorized_user"]["name"] = s.authorized_user;
    return data;
  };
  for (const Searched& s : kSearched) {
    nlohmann::json data = named(s);
    // S-107 takes its names only when resubmitted (the index follows a changed search text).
    if (std::string(s.id) == "S-107") data["enterprise"]["name"] = "临时名称实业有限公司";
    const char* when = "2026-11-20T10:00:00+08:00";
    auto c = f.store.open_case(f.procedure, f.workflow,
                               {s.id, kAuthority, data, f.clerk, at(when), when});
    INFO((c ? "" : c.error().message));
    REQUIRE(c);
  }
  f.open("S-108");
  REQUIRE(f.store.act("S-107", f.workflow,
                      {"fail", f.clerk, at("2026-11-23T10:00:00+08:00"), "请重新提交",
                       nlohmann::json::object(), 1, nullptr, ""},
                      "2026-11-23T10:00:00+08:00"));
  REQUIRE(f.store.act("S-107", f.workflow,
                      {"resubmit", f.enterprise, at("2026-11-24T10:00:00+08:00"), "",
                       nlohmann::json::object(), 2, named(kSearched[6]), ""},
                      "2026-11-24T10:00:00+08:00"));
  f.exec(
      "UPDATE cases SET closed = 1 WHERE id IN ('S-103', 'S-105');"
      "UPDATE cases SET authority = '另一发证机构' WHERE id = 'S-106';"
      "DELETE FROM cases WHERE id = 'S-108'");
  compare_searches(f, kSearches);
  CaseFilter renamed;
  renamed.authority = kAuthority;
  renamed.search = "临时名称";
  CHECK(ids(f.store.list(renamed)).empty());
  renamed.search = "王伟贸易有限公司（分";
  CHECK(ids(f.store.list(renamed)) == std::vector<std::string>{"S-107"});
  if constexpr (std::is_same_v<TestType, SqliteBackend>) {
    compare_searches(f, kNotUtf8);
    // The index as its triggers keep it, against the cases' text.
    f.exec("INSERT INTO cases_search (cases_search) VALUES ('integrity-check')");
  }
}

// Case S-1 copied 1,200 times, as B-1 … B-1200, each search text starting with its own number.
const char* const kCopiesOfS1 =
    "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200) "
    "INSERT INTO cases (id, procedure, procedure_version, authority, uscc, state, version, "
    "due_on, opened_at, updated_at, data, enterprise_name, search_text) "
    "SELECT 'B-' || i, procedure, procedure_version, authority, uscc, state, 1, due_on, "
    "opened_at, updated_at, data, enterprise_name, 'b-' || i || substr(search_text, 4) "
    "FROM cases CROSS JOIN n WHERE id = 'S-1'";

TEMPLATE_TEST_CASE("a search finding a tenth of the cases and more reads every case, alike", "",
                   SqliteBackend, PostgresBackend) {
  // On SQLite past 1,000 cases found, looking each up costs more than reading every case's
  // search text: the same cases either way.
  Fixture<TestType> f;
  f.open("S-1");
  f.exec(kCopiesOfS1);
  for (const char* search : {"北京示例进出口", "b-11", "b-1200|", "bjsl001", "s-1|"}) {
    CaseFilter filter;
    filter.authority = kAuthority;
    filter.limit = -1;
    filter.order = CaseOrder::id;
    filter.search = search;
    INFO(search);
    CHECK(ids(f.store.list(filter)) == ids(read_every_case(f.store, filter)));
    auto tally = f.store.tally(filter);
    REQUIRE(tally);
    CHECK(tally_text(*tally) ==
          std::map<std::string, long>{
              {"review_loop/review/open/0", std::ssize(read_every_case(f.store, filter))}});
  }
}

TEMPLATE_TEST_CASE("overdue, due today, pending years and clocked cases", "", SqliteBackend,
                   PostgresBackend) {
  Fixture<TestType> f;
  f.open("S-1", "2026-11-20T10:00:00+08:00");  // due 11-24
  f.open("S-2", "2026-11-23T10:00:00+08:00");  // due 11-25
  CHECK(f.store.overdue(*parse_date("2026-11-24"))->empty());
  CHECK(ids(f.store.due_on(*parse_date("2026-11-24"))) == std::vector<std::string>{"S-1"});
  CHECK(ids(f.store.overdue(*parse_date("2026-11-26"))) == std::vector<std::string>{"S-1", "S-2"});
  CHECK(f.store.overdue(*parse_date("2026-11-26"), "another authority")->empty());
  CHECK(ids(f.store.clocked()) == std::vector<std::string>{"S-1", "S-2"});
  f.exec("UPDATE cases SET due_on = NULL, due_pending_year = 2027 WHERE id = 'S-2'");
  auto years = f.store.pending_years();
  REQUIRE(years);
  CHECK(*years == std::map<int, long>{{2027, 1}});
  CHECK(f.store.pending_years("another authority")->empty());
}

TEMPLATE_TEST_CASE("re-projected deadlines are applied once, to cases that did not move on", "",
                   SqliteBackend, PostgresBackend) {
  Fixture<TestType> f;
  auto one = f.open("S-1", "2026-11-20T10:00:00+08:00");
  auto two = f.open("S-2", "2026-11-20T10:00:00+08:00");
  REQUIRE(f.act("S-2", "pass", f.clerk, 1, "2026-11-23T10:00:00+08:00"));  // moved on
  auto change = [](const CaseRecord& c) {
    DeadlineChange d;
    d.case_id = c.id;
    d.version = c.version;
    d.state = c.state;
    d.old_due = c.due;
    d.new_due = parse_date("2026-11-27");
    d.clock = *c.clock;
    d.calendar = "cn-national";
    d.calendar_version = "v2";
    d.explanation = "办结期限重新计算";
    return d;
  };
  auto applied =
      f.store.reproject({change(one), change(two)}, f.clerk, "2026-11-21T09:00:00+08:00");
  REQUIRE(applied);
  CHECK(*applied == std::vector<std::string>{"S-1"});
  CHECK(due(*f.store.get("S-1")) == "2026-11-27");
  CHECK(f.store.get("S-1")->version == 1);  // neither state nor version changes
  CHECK(f.store.history("S-1")->back().action == "deadline_reprojected");
  CHECK(f.store.verify_audit()->problems.empty());
}

TEMPLATE_TEST_CASE("document checks are recorded on the case and the newest is read back", "",
                   SqliteBackend, PostgresBackend) {
  Fixture<TestType> f;
  auto c = f.open("S-1");
  CHECK_FALSE(f.store.latest_check("S-1")->has_value());
  CheckRecord check;
  check.batch = "B-1";
  check.verdict = "fail";
  check.submission_hash = check_hash(c.data);
  check.findings = {{{"code", "seal.missing"}, {"severity", "fail"}, {"message", "未见公章"}}};
  REQUIRE(f.store.record_check("S-1", check, f.clerk, "2026-11-21T09:00:00+08:00"));
  check.batch = "B-2";
  check.verdict = "pass";
  check.findings = nlohmann::json::array();
  REQUIRE(f.store.record_check("S-1", check, f.clerk, "2026-11-21T10:00:00+08:00"));
  auto latest = f.store.latest_check("S-1");
  REQUIRE(latest);
  REQUIRE(latest->has_value());
  CHECK((*latest)->batch == "B-2");
  CHECK((*latest)->current);
  CHECK(f.store.get("S-1")->version == 1);
  CHECK(f.store.record_check("S-404", check, f.clerk, "t").error().kind == ErrorKind::not_found);
}

TEMPLATE_TEST_CASE(
    "a check recorded again (its commit's answer lost, the write tried again) is kept once, and a "
    "check that says something else is not taken for it",
    "", SqliteBackend, PostgresBackend) {
  Fixture<TestType> f;
  auto c = f.open("S-1");
  CheckRecord check;
  check.batch = "B-1";
  check.verdict = "review";
  check.submission_hash = check_hash(c.data);
  check.findings = {{{"code", "idnum.unread"},
                     {"severity", "review"},
                     {"message", "身份证号未能识读"},
                     {"evidence", {{"confidence", 0.42}}}}};
  check.materials = {{{"material", "id_card"}, {"file", "id.png"}, {"page", 1}}};
  auto checks = [&] {
    auto events = f.store.history("S-1");
    REQUIRE(events);
    return std::count_if(events->begin(), events->end(),
                         [](const AuditEvent& e) { return e.action == "document_check"; });
  };
  REQUIRE(f.store.record_check("S-1", check, f.clerk, "2026-11-21T09:00:00+08:00"));
  REQUIRE(f.store.record_check("S-1", check, f.clerk, "2026-11-21T09:00:05+08:00"));
  CHECK(checks() == 1);
  // Another batch, another verdict, other findings: each is a check of its own.
  CheckRecord other = check;
  other.batch = "B-2";
  REQUIRE(f.store.record_check("S-1", other, f.clerk, "2026-11-21T10:00:00+08:00"));
  CHECK(checks() == 2);
  other.findings = nlohmann::json::array();
  other.verdict = "pass";
  REQUIRE(f.store.record_check("S-1", other, f.clerk, "2026-11-21T10:01:00+08:00"));
  CHECK(checks() == 3);
  // B-1 again after B-2: no longer the newest, so it is recorded (the case's standing follows
  // the newest check).
  REQUIRE(f.store.record_check("S-1", check, f.clerk, "2026-11-21T10:02:00+08:00"));
  CHECK(checks() == 4);
  CHECK((*f.store.latest_check("S-1"))->batch == "B-1");
  CHECK(f.store.verify_audit()->problems.empty());
}

TEMPLATE_TEST_CASE("the outbox is claimed once, marked, resent, and digests are added once", "",
                   SqliteBackend, PostgresBackend) {
  Fixture<TestType> f;
  f.open("S-1");
  REQUIRE(f.act("S-1", "pass", f.clerk, 1, "2026-11-23T10:00:00+08:00"));
  REQUIRE(f.act("S-1", "approve", f.vendor, 2, "2026-11-24T10:00:00+08:00"));  // notifies
  auto items = f.store.outbox(true);
  REQUIRE(items->size() == 1);
  const OutboxItem item = items->front();
  CHECK(item.message.to == "zhang@example.com");
  CHECK(item.case_id == "S-1");
  CHECK(*f.store.outbox_pending() == 1);
  CHECK(f.store.outbox_due(100, 10)->size() == 1);
  auto claimed = f.store.claim_outbox(item.id, 100, 160, "<m1@keydesk>");
  REQUIRE(claimed);
  REQUIRE(claimed->has_value());
  CHECK((*claimed)->attempts == 1);
  CHECK((*claimed)->message_id == "<m1@keydesk>");
  CHECK_FALSE(f.store.claim_outbox(item.id, 100, 160, "<m2@keydesk>")->has_value());  // taken
  REQUIRE(f.store.mark_outbox_retry(item.id, "451 try later"));
  auto again = f.store.claim_outbox(item.id, 160, 400, "<m2@keydesk>");
  REQUIRE(again->has_value());
  CHECK((*again)->message_id == "<m1@keydesk>");  // kept for retries
  CHECK((*again)->last_error == "451 try later");
  REQUIRE(f.store.mark_outbox_failed(item.id, "550 no such user"));
  CHECK(f.store.outbox_of("S-1")->front().status == "failed");
  auto resent = f.store.resend_outbox("S-1", item.id, f.clerk, 500, "2026-11-25T09:00:00+08:00");
  REQUIRE(resent);
  CHECK(resent->status == "pending");
  CHECK(f.store.history("S-1")->back().action == "notice_resent");
  CHECK(f.store.resend_outbox("S-1", item.id, f.clerk, 500, "t").error().kind ==
        ErrorKind::refused);
  CHECK(f.store.resend_outbox("S-1", 9999, f.clerk, 500, "t").error().kind == ErrorKind::not_found);
  REQUIRE(f.store.claim_outbox(item.id, 500, 560, "<m3@keydesk>")->has_value());
  REQUIRE(f.store.mark_outbox_sent(item.id, "2026-11-25T09:00:05+08:00"));
  CHECK(f.store.outbox(true)->empty());
  CHECK(f.store.outbox(false)->front().sent_at == "2026-11-25T09:00:05+08:00");

  OutboxMessage digest{"digest", "email", "clerks@example.com", "今日到期", "S-1"};
  CHECK(*f.store.add_digest(digest, "2026-11-25/示例省商务厅", "2026-11-25T08:00:00+08:00"));
  CHECK_FALSE(*f.store.add_digest(digest, "2026-11-25/示例省商务厅", "2026-11-25T08:01:00+08:00"));
  CHECK(*f.store.outbox_pending() == 1);
  CHECK(f.store.verify_audit()->problems.empty());
}

TEMPLATE_TEST_CASE("the change mark moves on with a commit through any connection, else not", "",
                   SqliteBackend, PostgresBackend) {
  Fixture<TestType> f;
  const auto first = f.store.generation();
  REQUIRE(first);
  CHECK(*f.store.generation() == *first);  // nothing changed
  f.open("S-1");                           // this store's own write
  const auto second = *f.store.generation();
  CHECK(second != *first);
  CHECK(*f.store.generation() == second);
  CaseStore other = Fixture<TestType>::opened(f.backend.target());
  REQUIRE(f.act(other, "S-1", "pass", f.clerk, 1, "2026-11-23T10:00:00+08:00"));
  const auto third = *f.store.generation();
  CHECK(third != second);
  CHECK(*f.store.generation() == third);
  // Accounts share the database, and the mark.
  auto accounts = Accounts::open(f.backend.target());
  REQUIRE(accounts);
  REQUIRE(accounts->add({"wang.fang", "王芳", "authority_clerk", kAuthority, false, ""},
                        "a-long-password", "2026-11-23T10:00:00+08:00"));
  CHECK(*f.store.generation() != third);
}

TEMPLATE_TEST_CASE("accounts and sessions live in the same database", "", SqliteBackend,
                   PostgresBackend) {
  Fixture<TestType> f;
  auto accounts = Accounts::open(f.backend.target());
  REQUIRE(accounts);
  REQUIRE(accounts->add({"wang.fang", "王芳", "authority_clerk", kAuthority, false, ""},
                        "a-long-password", "2026-11-23T10:00:00+08:00"));
  bool locked = false;
  CHECK_FALSE(accounts->log_in("wang.fang", "wrong-password", "10.0.0.1", 1000, &locked).ok());
  auto session = accounts->log_in("wang.fang", "a-long-password", "10.0.0.1", 1001, &locked);
  REQUIRE(session);
  auto who = accounts->session(session->token, 1002);
  REQUIRE(who);
  REQUIRE(who->has_value());
  CHECK((*who)->account.name == "wang.fang");
  REQUIRE(accounts->record_refusal({"2026-11-23T10:00:00+08:00", "", "", "GET", "/x", 403, "no"}));
  CHECK(accounts->refusals(10)->size() == 1);
}

TEMPLATE_TEST_CASE("wrong passwords sent at the same moment get no more tries than the limit", "",
                   SqliteBackend, PostgresBackend) {
  // Twelve logins with a wrong password at once, each on a connection of its own (as on the
  // server's threads or on two servers): at most five have their password checked; the rest are
  // told to wait. (When the count and the record were apart, all twelve could pass the count.)
  Fixture<TestType> f;
  {
    auto accounts = Accounts::open(f.backend.target());
    REQUIRE(accounts);
    REQUIRE(accounts->add({"wang.fang", "王芳", "authority_clerk", kAuthority, false, ""},
                          "a-long-password", "2026-11-23T10:00:00+08:00"));
  }
  constexpr int kTries = 12;
  std::vector<std::optional<Accounts>> connections;
  for (int i = 0; i < kTries; ++i) {
    auto a = Accounts::open(f.backend.target());
    REQUIRE(a);
    connections.emplace_back(std::move(a).value());
  }
  std::atomic<int> checked{0}, locked_out{0}, other{0};
  std::vector<std::thread> tries;
  for (int i = 0; i < kTries; ++i)
    tries.emplace_back([&, i] {
      bool locked = false;
      auto r = connections[i]->log_in("wang.fang", "wrong-password", "10.0.0." + std::to_string(i),
                                      1000, &locked);
      if (r.ok())
        ++other;
      else if (locked)
        ++locked_out;
      else if (r.error().message.starts_with("用户名或密码错误"))
        ++checked;
      else
        ++other;  // the database busy: not a try either
    });
  for (auto& t : tries) t.join();
  CHECK(other == 0);
  CHECK(checked == 5);
  CHECK(locked_out == kTries - 5);
  // And the right password is refused now too, until the window passes.
  bool locked = false;
  CHECK_FALSE(connections[0]->log_in("wang.fang", "a-long-password", "10.0.0.99", 1001, &locked));
  CHECK(locked);
}

TEMPLATE_TEST_CASE("a database is migrated from empty, and again changes nothing", "",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  { REQUIRE(CaseStore::open(backend.target())); }
  auto conn = internal::open_unmigrated(backend.target());
  REQUIRE(conn);
  const bool sqlite = (*conn)->dialect() == internal::Dialect::sqlite;
  auto version =
      (*conn)->prepare(sqlite ? "PRAGMA user_version" : "SELECT version FROM keydesk_schema");
  REQUIRE(version);
  REQUIRE(*version->step());
  const auto count = static_cast<std::int64_t>(internal::migrations_of((*conn)->dialect()).size());
  CHECK(version->integer(0) == count);
  CHECK(count == 14);
  version->reset();
  { REQUIRE(CaseStore::open(backend.target())); }
  REQUIRE((*conn)->exec(sqlite ? "PRAGMA user_version = 99"
                               : "UPDATE keydesk_schema SET version = 99"));
  auto newer = CaseStore::open(backend.target());
  REQUIRE_FALSE(newer.ok());
  CHECK_THAT(newer.error().message, Catch::Contains("newer keydesk"));
}

TEMPLATE_TEST_CASE("connections opened at once on a new database migrate it once", "",
                   SqliteBackend, PostgresBackend) {
  // A batch verify --queue and its workers started together on a fresh file: each used to run
  // migration 1 and all but one failed on "table enterprises already exists".
  TestType backend;
  constexpr int kOpeners = 4;
  std::vector<std::string> errors(kOpeners);
  std::latch start(kOpeners);
  std::vector<std::thread> threads;
  for (int i = 0; i < kOpeners; ++i)
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      if (auto conn = internal::connect(backend.target()); !conn)
        errors[static_cast<size_t>(i)] = conn.error().message;
    });
  for (auto& t : threads) t.join();
  for (const std::string& e : errors) CHECK(e == "");
  REQUIRE(CaseStore::open(backend.target()));
}

TEMPLATE_TEST_CASE("a database of the version before is migrated with its cases", "", SqliteBackend,
                   PostgresBackend) {
  TestType backend;
  {
    // Schema 6 built from the migrations as shipped, and a case a vendor reviewer acted on.
    auto conn = internal::open_unmigrated(backend.target());
    REQUIRE(conn);
    const auto dialect = (*conn)->dialect();
    const auto migrations = internal::migrations_of(dialect);
    for (int n = 0; n < 6; ++n) REQUIRE((*conn)->exec(migrations[static_cast<size_t>(n)]));
    REQUIRE((*conn)->exec(dialect == internal::Dialect::sqlite
                              ? "PRAGMA user_version = 6"
                              : "CREATE TABLE keydesk_schema (version INTEGER NOT NULL);"
                                "INSERT INTO keydesk_schema VALUES (6)"));
    REQUIRE((*conn)->exec(
        "INSERT INTO procedure_versions VALUES ('review_loop', 'v1', 't', 'f.yaml', 'id: x');"
        "INSERT INTO cases (id, procedure, procedure_version, authority, uscc, state, version, "
        "due_on, opened_at, updated_at, data, search_text) VALUES ('S-1', 'review_loop', 'v1', "
        "'示例省商务厅', 'u', 'production', 3, '2026-11-26', 't', 't', '{}', 's-1|u|青岛永盛实业'),"
        "('S-2', 'review_loop', 'v1', '示例省商务厅', 'u', 'review', 1, '2026-11-26', 't', 't', "
        "'{}', 's-2|u|北京示例进出口');"
        "INSERT INTO events VALUES (1, 'S-1', 't', '李工', 'vendor_reviewer', '服务商', 'approve', "
        "'vendor', 'production', '', '', '{}', 'p', 'h')"));
  }
  auto store = CaseStore::open(backend.target());
  INFO((store ? "" : store.error().message));
  REQUIRE(store);
  CHECK(store->get("S-1")->vendor_handled);
  CHECK_FALSE(store->get("S-2")->vendor_handled);
  CaseFilter handled;
  handled.vendor_handled = true;
  CHECK(ids(store->list(handled)) == std::vector<std::string>{"S-1"});
  CaseFilter all;
  auto tally = store->tally(all);
  REQUIRE(tally);
  long with_vendor = 0, total = 0;
  for (const auto& t : *tally) {
    total += t.count;
    if (t.vendor_handled) with_vendor += t.count;
  }
  CHECK(total == 2);
  CHECK(with_vendor == 1);
  // The cases stored before the trigram index (migration 11) are found through it.
  CaseFilter found;
  found.search = "永盛实业";
  CHECK(ids(store->list(found)) == std::vector<std::string>{"S-1"});
}

TEMPLATE_TEST_CASE("the scan cache keeps results by content and resumes an unfinished run", "",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto store = internal::ScanStore::open(backend.target());
  INFO((store ? "" : store.error().message));
  REQUIRE(store);
  auto none = store->find("k1");
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
  ocr::ScanResult result;
  result.readable = true;
  result.detected_type = "business_licence";
  result.width = 1240;
  REQUIRE(store->put("k1", "abc", "business_licence", result));
  auto back = store->find("k1");
  REQUIRE(back);
  REQUIRE(back->has_value());
  CHECK((*back)->detected_type == "business_licence");
  CHECK((*back)->width == 1240);
  result.width = 1754;  // analysed again: the newer result replaces it
  REQUIRE(store->put("k1", "abc", "business_licence", result));
  auto again = store->find("k1");
  REQUIRE((again && again->has_value()));
  CHECK((*again)->width == 1754);
  auto id = [&](const std::string& inputs, const std::string& fresh) {
    auto given = store->batch_id(inputs, fresh);
    INFO((given ? "" : given.error().message));
    REQUIRE(given);
    return *given;
  };
  CHECK(id("inputs-1", "B-1") == "B-1");
  CHECK(id("inputs-1", "B-2") == "B-1");  // unfinished: resumed
  CHECK(id("inputs-2", "B-3") == "B-3");
  REQUIRE(store->finish("B-1"));
  CHECK(id("inputs-1", "B-4") == "B-4");
  // The same inputs run again within the minute of a finished run: its id is not taken again.
  REQUIRE(store->finish("B-4"));
  CHECK(id("inputs-1", "B-4") == "B-4-2");
  CHECK(id("inputs-1", "B-4") == "B-4-2");  // unfinished: resumed
}

namespace {

// A check job of batch `batch` for scan key `key`.
CheckJob check_job(const std::string& batch, const std::string& key, int stage = 1) {
  CheckJob j;
  j.batch = batch;
  j.key = key;
  j.submission = "S-1/" + key + ".jpg";
  j.file = "/scans/S-1/" + key + ".jpg";
  j.sha256 = std::string(64, 'a');
  j.material = "business_licence";
  j.pipeline = "scan-test";
  j.hints = "{}";
  j.stage = stage;
  return j;
}

// The repository `opening` gave (which must have opened).
template <class Repository>
std::unique_ptr<Repository> opened(Result<std::unique_ptr<Repository>> opening) {
  INFO((opening ? "" : opening.error().message));
  REQUIRE(opening);
  return std::move(opening).value();
}

std::unique_ptr<CheckJobRepository> check_jobs(const std::string& target) {
  return opened(open_check_job_repository(target));
}

// A batch from the web counter, `id`, run by `server`, its heartbeat at `beat`.
WebBatch web_batch(const std::string& id, const std::string& server, std::int64_t beat) {
  WebBatch b;
  b.id = id;
  b.started_by = {"王芳", "authority_clerk", kAuthority};
  b.cases = 2;
  b.started_at = "2026-11-23T09:00:00+08:00";
  b.server = server;
  b.heartbeat_at = beat;
  return b;
}

std::unique_ptr<WebBatchRepository> web_batches(const std::string& target) {
  return opened(open_web_batch_repository(target));
}

std::unique_ptr<AccountRepository> account_store(const std::string& target) {
  return opened(open_account_repository(target));
}

// `body(i)` for i in [0, n), each on a thread of its own, all released at once; joined.
template <class Body>
void at_once(int n, Body body) {
  std::latch start(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      body(static_cast<size_t>(i));
    });
  for (auto& t : threads) t.join();
}

// An account as stored: its password hash is any text to the repository.
StoredAccount stored_account(const std::string& name, const std::string& role,
                             const std::string& authority) {
  return {{name, "显示名 " + name, role, authority, false, "2026-11-23T09:00:00+08:00"},
          "hash-of-" + name};
}

// A refusal at `at` by `account` ('' for nobody logged in).
Refusal refusal(const std::string& at, const std::string& account) {
  return {
      at,  account,           account.empty() ? "" : "authority_clerk", "POST", "/api/cases/C-1",
      403, "不是本机构的案件"};
}

// When each refusal `repo` keeps was made, newest first.
std::vector<std::string> refusal_times(AccountRepository& repo) {
  auto rows = repo.refusals(100);
  REQUIRE(rows);
  std::vector<std::string> out;
  for (const auto& r : *rows) out.push_back(r.at);
  return out;
}

std::vector<std::string> names(const std::vector<Account>& accounts) {
  std::vector<std::string> out;
  for (const auto& a : accounts) out.push_back(a.name);
  return out;
}

}  // namespace

TEMPLATE_TEST_CASE("check jobs are enqueued once per batch and scan, and counted by state", "",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto q = check_jobs(backend.target());
  CheckJob kept = check_job("B-1", "k3");
  kept.state = "done";
  kept.result_key = "k3";
  auto added = q->enqueue({check_job("B-1", "k1"), check_job("B-1", "k2"), kept});
  REQUIRE(added);
  CHECK(*added == 3);
  // The same batch enqueued again (a rerun) adds nothing and changes nothing.
  CheckJob again = check_job("B-1", "k1");
  again.state = "done";
  CHECK(*q->enqueue({again, check_job("B-1", "k2")}) == 0);
  CHECK(*q->enqueue({check_job("B-2", "k1")}) == 1);  // another batch, the same scan
  auto counts = q->counts("B-1");
  REQUIRE(counts);
  CHECK(counts->pending == 2);
  CHECK(counts->done == 1);
  CHECK(counts->total() == 3);
  CHECK(counts->open() == 2);
  CHECK(q->counts_of_pipeline("scan-test")->pending == 3);
  CHECK(q->counts_of_pipeline("scan-other")->total() == 0);
  auto jobs = q->jobs_of("B-1");
  REQUIRE(jobs);
  REQUIRE(jobs->size() == 3);
  CHECK((*jobs)[0].key == "k1");
  CHECK((*jobs)[0].state == "pending");
  CHECK((*jobs)[0].file == "/scans/S-1/k1.jpg");
  CHECK((*jobs)[2].result_key == "k3");
}

TEMPLATE_TEST_CASE("a check job is claimed by one worker, renewed, done or failed by its holder",
                   "", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto q = check_jobs(backend.target());
  REQUIRE(q->enqueue({check_job("B-1", "k1"), check_job("B-1", "k2")}));
  CHECK_FALSE(q->claim("w1", "scan-other", 1000, 1060, 3)->has_value());  // another version
  auto first = q->claim("w1", "scan-test", 1000, 1060, 3);
  REQUIRE(first);
  REQUIRE(first->has_value());
  CHECK((*first)->key == "k1");  // the oldest first
  CHECK((*first)->state == "claimed");
  CHECK((*first)->claimed_by == "w1");
  CHECK((*first)->lease_until == 1060);
  CHECK((*first)->attempts == 1);
  auto second = q->claim("w2", "scan-test", 1000, 1060, 3);
  REQUIRE(second->has_value());
  CHECK((*second)->key == "k2");
  CHECK_FALSE(q->claim("w3", "scan-test", 1000, 1060, 3)->has_value());  // none left
  const long a = (*first)->id, b = (*second)->id;
  CHECK(*q->renew(a, "w1", 1120));
  CHECK_FALSE(*q->renew(a, "w2", 1120));  // not w2's
  CHECK_FALSE(*q->finish(a, "w2", "k1"));
  CHECK(*q->finish(a, "w1", "k1"));
  CHECK_FALSE(*q->finish(a, "w1", "k1"));  // done already
  CHECK_FALSE(*q->renew(a, "w1", 1180));
  CHECK(*q->fail(b, "w2", "图片无法读取"));
  auto counts = q->counts("B-1");
  CHECK(counts->done == 1);
  CHECK(counts->failed == 1);
  CHECK(counts->open() == 0);
  auto jobs = q->jobs_of("B-1");
  CHECK((*jobs)[0].result_key == "k1");
  CHECK((*jobs)[1].error == "图片无法读取");
  CHECK_FALSE(q->claim("w1", "scan-test", 5000, 5060, 3)->has_value());  // ended jobs stay ended
}

TEMPLATE_TEST_CASE("an expired lease is claimed again, and failed after the attempts allowed", "",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto q = check_jobs(backend.target());
  REQUIRE(q->enqueue({check_job("B-1", "k1")}));
  REQUIRE(q->claim("w1", "scan-test", 1000, 1060, 2)->has_value());
  CHECK_FALSE(q->claim("w2", "scan-test", 1059, 1119, 2)->has_value());  // lease still runs
  auto again = q->claim("w2", "scan-test", 1061, 1121, 2);               // w1 died
  REQUIRE(again->has_value());
  CHECK((*again)->claimed_by == "w2");
  CHECK((*again)->attempts == 2);
  CHECK_FALSE(*q->finish((*again)->id, "w1", "k1"));  // w1, come back late, holds it no more
  // w2 dies too: two claims were allowed, so it is not claimed a third time but failed.
  CHECK_FALSE(q->claim("w3", "scan-test", 1200, 1260, 2)->has_value());
  CHECK(*q->fail_abandoned(1119, 2, "died") == 0);  // its lease still runs
  CHECK(*q->fail_abandoned(1200, 2, "died") == 1);
  auto jobs = q->jobs_of("B-1");
  CHECK((*jobs)[0].state == "failed");
  CHECK((*jobs)[0].error == "died");
}

TEMPLATE_TEST_CASE("a stage 2 check job waits until every stage 1 job of its batch has ended", "",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto q = check_jobs(backend.target());
  REQUIRE(q->enqueue({check_job("B-1", "k1"), check_job("B-1", "k2", 2), check_job("B-1", "k3"),
                      check_job("B-2", "k4", 2)}));
  auto k1 = q->claim("w", "scan-test", 1000, 1060, 3);
  auto k3 = q->claim("w", "scan-test", 1000, 1060, 3);
  CHECK((*k3)->key == "k3");  // k2 waits for k1 and k3
  auto k4 = q->claim("w", "scan-test", 1000, 1060, 3);
  CHECK((*k4)->key == "k4");  // batch B-2 has no stage 1 job
  CHECK_FALSE(q->claim("w", "scan-test", 1000, 1060, 3)->has_value());
  REQUIRE(*q->finish((*k1)->id, "w", "k1"));
  CHECK_FALSE(q->claim("w", "scan-test", 1000, 1060, 3)->has_value());  // k3 still claimed
  REQUIRE(*q->fail((*k3)->id, "w", "unreadable"));
  auto k2 = q->claim("w", "scan-test", 1000, 1060, 3);
  REQUIRE(k2->has_value());
  CHECK((*k2)->key == "k2");
}

TEMPLATE_TEST_CASE("two claimers never get the same check job", "", SqliteBackend,
                   PostgresBackend) {
  TestType backend;
  constexpr int kJobs = 60;
  {
    auto q = check_jobs(backend.target());
    std::vector<CheckJob> jobs;
    for (int i = 0; i < kJobs; ++i) jobs.push_back(check_job("B-1", "k" + std::to_string(i)));
    REQUIRE(*q->enqueue(jobs) == kJobs);
  }
  // Four claimers on connections of their own, started at once, claim until none is left.
  constexpr int kClaimers = 4;
  std::vector<std::vector<std::string>> got(kClaimers);
  std::vector<std::string> errors(kClaimers);
  std::latch start(kClaimers);
  std::vector<std::thread> threads;
  for (int c = 0; c < kClaimers; ++c)
    threads.emplace_back([&, c] {
      auto q = open_check_job_repository(backend.target());
      start.arrive_and_wait();
      if (!q) {
        errors[static_cast<size_t>(c)] = q.error().message;
        return;
      }
      const std::string me = "w" + std::to_string(c);
      for (;;) {
        auto job = (*q)->claim(me, "scan-test", 1000, 1060, 3);
        if (!job) {
          errors[static_cast<size_t>(c)] = job.error().message;
          return;
        }
        if (!*job) return;
        got[static_cast<size_t>(c)].push_back((*job)->key);
        if (!*(*q)->finish((*job)->id, me, (*job)->key)) {
          errors[static_cast<size_t>(c)] = "lost " + (*job)->key;
          return;
        }
      }
    });
  for (auto& t : threads) t.join();
  std::multiset<std::string> all;
  for (int c = 0; c < kClaimers; ++c) {
    INFO("claimer " << c);
    CHECK(errors[static_cast<size_t>(c)].empty());
    all.insert(got[static_cast<size_t>(c)].begin(), got[static_cast<size_t>(c)].end());
  }
  CHECK(all.size() == static_cast<size_t>(kJobs));
  CHECK(std::set<std::string>(all.begin(), all.end()).size() == static_cast<size_t>(kJobs));
  CHECK(check_jobs(backend.target())->counts("B-1")->done == kJobs);
}

TEMPLATE_TEST_CASE(
    "web batches: one of an authority runs at a time, other authorities' beside it, its server "
    "writes its progress and end, and one whose heartbeat stopped gives way to the next start",
    "", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto a = web_batches(backend.target());
  CHECK_FALSE(a->find("W-1")->has_value());
  CHECK_FALSE(a->find("")->has_value());
  auto started = a->start(web_batch("W-1", "a/1", 1000), 1000 - 30, "已中断", "t1");
  REQUIRE(started);
  CHECK_FALSE(started->has_value());
  // Another server (a connection of its own) is refused while W-1 beats, and told which runs.
  auto b = web_batches(backend.target());
  auto refused = b->start(web_batch("W-2", "b/2", 1010), 1010 - 30, "已中断", "t2");
  REQUIRE(refused);
  REQUIRE(refused->has_value());
  CHECK((*refused)->id == "W-1");
  CHECK_FALSE(b->find("W-2")->has_value());
  // Another authority's clerk starts a batch of theirs beside it (a national deployment).
  WebBatch other = web_batch("W-9", "b/2", 1010);
  other.started_by = {"李明", "authority_clerk", "另一省商务厅（发证机构）"};
  auto beside = b->start(other, 1010 - 30, "已中断", "t2");
  REQUIRE(beside);
  CHECK_FALSE(beside->has_value());
  CHECK((*a->find("W-9"))->state == "running");
  // Progress is written by the batch's own server only, and read by any.
  CHECK(*a->progress("W-1", "a/1", 3, 10, "S-1/licence.jpg", 1020));
  CHECK_FALSE(*b->progress("W-1", "b/2", 4, 10, "x", 1020));
  auto seen = b->find("W-1");
  REQUIRE(seen);
  REQUIRE(seen->has_value());
  const WebBatch& w1 = **seen;
  CHECK(w1.state == "running");
  CHECK(w1.started_by.user == "王芳");
  CHECK(w1.started_by.role == "authority_clerk");
  CHECK(w1.started_by.authority == kAuthority);
  CHECK(w1.cases == 2);
  CHECK(w1.done == 3);
  CHECK(w1.total == 10);
  CHECK(w1.current == "S-1/licence.jpg");
  CHECK(w1.started_at == "2026-11-23T09:00:00+08:00");
  CHECK(w1.finished_at == "");
  CHECK(w1.server == "a/1");
  CHECK(w1.heartbeat_at == 1020);
  CHECK(w1.submissions == nlohmann::json::array());
  // W-1's server stops beating: a start once its heartbeat is older than the limit ends it
  // interrupted and goes ahead.
  CHECK((*b->start(web_batch("W-2", "b/2", 1050), 1050 - 30, "已中断", "t3"))->id == "W-1");
  CHECK_FALSE(
      b->start(web_batch("W-2", "b/2", 1051), 1051 - 30, "服务器已停止", "t3")->has_value());
  auto old = a->find("W-1");
  CHECK((*old)->state == "interrupted");
  CHECK((*old)->error == "服务器已停止");
  CHECK((*old)->finished_at == "t3");
  CHECK_FALSE(*a->progress("W-1", "a/1", 5, 10, "", 1052));  // it runs no more
  // W-2 ends done with its results, recorded by its own server only.
  WebBatch ended = web_batch("W-2", "a/1", 1051);
  ended.state = "done";
  ended.done = ended.total = 10;
  ended.report_batch = "B-20261123-1";
  ended.submissions = {{{"id", "S-1"},
                        {"verdict", "pass"},
                        {"findings", nlohmann::json::array()},
                        {"recorded", "recorded"}}};
  ended.finished_at = "t4";
  CHECK_FALSE(*a->finish(ended));
  ended.server = "b/2";
  CHECK(*b->finish(ended));
  auto w2 = a->find("W-2");
  REQUIRE(w2->has_value());
  CHECK((*w2)->state == "done");
  CHECK((*w2)->done == 10);
  CHECK((*w2)->report_batch == "B-20261123-1");
  CHECK((*w2)->submissions == ended.submissions);
  CHECK((*w2)->finished_at == "t4");
  // None runs: the next start goes ahead at once.
  CHECK_FALSE(a->start(web_batch("W-3", "a/1", 1060), 1060 - 30, "已中断", "t5")->has_value());
}

TEMPLATE_TEST_CASE(
    "a web batch keeps its folders, and one interrupted or failed runs again under its number, "
    "on one server only",
    "", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto a = web_batches(backend.target());
  auto b = web_batches(backend.target());
  WebBatch w1 = web_batch("W-1", "a/1", 1000);
  w1.folders = {"/srv/keydesk/intake/S-1", "/srv/keydesk/intake/S-2（二）"};
  REQUIRE_FALSE(a->start(w1, 970, "已中断", "t1")->has_value());
  CHECK((*b->find("W-1"))->folders == w1.folders);
  // Running (its server beats): not resumed.
  WebBatch again = w1;
  again.server = "b/2";
  again.heartbeat_at = 1010;
  auto refused = b->resume(again, 980, "已中断", "t2");
  REQUIRE(refused);
  REQUIRE(refused->has_value());
  CHECK((*refused)->id == "W-1");
  // It ends interrupted, with some progress; while another batch of the authority runs, resuming
  // it is told which, and changes nothing.
  WebBatch ended = w1;
  ended.state = "interrupted";
  ended.done = 3;
  ended.total = 10;
  ended.current = "S-1/licence.jpg";
  ended.error = "已中断";
  ended.finished_at = "t2";
  REQUIRE(*a->finish(ended));
  REQUIRE_FALSE(a->start(web_batch("W-2", "a/1", 1020), 990, "已中断", "t3")->has_value());
  again.heartbeat_at = 1030;
  auto behind = b->resume(again, 1000, "已中断", "t3");
  REQUIRE(behind);
  REQUIRE(behind->has_value());
  CHECK((*behind)->id == "W-2");
  CHECK((*a->find("W-1"))->state == "interrupted");
  // W-2 done: W-1 runs again on b/2, its progress, error and end cleared, its folders kept.
  WebBatch w2_done = web_batch("W-2", "a/1", 1020);
  w2_done.state = "done";
  REQUIRE(*a->finish(w2_done));
  auto resumed = b->resume(again, 1000, "已中断", "t4");
  REQUIRE(resumed);
  CHECK_FALSE(resumed->has_value());
  const WebBatch w1_again = **a->find("W-1");
  CHECK(w1_again.state == "running");
  CHECK(w1_again.server == "b/2");
  CHECK(w1_again.heartbeat_at == 1030);
  CHECK(w1_again.done == 0);
  CHECK(w1_again.current == "");
  CHECK(w1_again.error == "");
  CHECK(w1_again.finished_at == "");
  CHECK(w1_again.started_at == w1.started_at);
  CHECK(w1_again.folders == w1.folders);
  CHECK(*b->progress("W-1", "b/2", 1, 10, "S-1/form.jpg", 1040));
  CHECK_FALSE(*a->progress("W-1", "a/1", 2, 10, "", 1040));  // a/1 runs it no more
  // While W-1 runs, resuming another batch of the authority is told so.
  auto while_running = a->resume(web_batch("W-2", "c/3", 1050), 1020, "已中断", "t5");
  REQUIRE(while_running);
  REQUIRE(while_running->has_value());
  CHECK((*while_running)->id == "W-1");
  CHECK((*a->find("W-2"))->state == "done");
  // Its server stops beating: a resume past the limit ends it interrupted and runs it again, in
  // one transaction.
  WebBatch third = w1;
  third.server = "c/3";
  third.heartbeat_at = 1100;
  CHECK_FALSE(a->resume(third, 1100 - 30, "服务器已停止", "t6")->has_value());
  CHECK((*b->find("W-1"))->server == "c/3");
  // A failed batch runs again too.
  WebBatch failed = **a->find("W-1");
  failed.state = "failed";
  failed.error = "规则目录无法读取";
  failed.finished_at = "t7";
  REQUIRE(*a->finish(failed));
  third.heartbeat_at = 1110;
  CHECK_FALSE(b->resume(third, 1080, "", "t8")->has_value());
  CHECK((*b->find("W-1"))->state == "running");
  // None running: a done batch and none at all are refused, and stay as they were.
  failed.state = "done";
  REQUIRE(*a->finish(failed));
  for (const char* id : {"W-1", "W-2", "W-none"}) {
    INFO(id);
    auto r = a->resume(web_batch(id, "d/4", 1120), 1090, "已中断", "t9");
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::refused);
  }
  CHECK((*a->find("W-1"))->state == "done");
  CHECK_FALSE(a->find("W-none")->has_value());
}

TEMPLATE_TEST_CASE("a web batch of schema 12 is read after migration 13, without folders", "",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  {
    auto conn = internal::open_unmigrated(backend.target());
    REQUIRE(conn);
    const auto dialect = (*conn)->dialect();
    const auto migrations = internal::migrations_of(dialect);
    for (int n = 0; n < 12; ++n) REQUIRE((*conn)->exec(migrations[static_cast<size_t>(n)]));
    REQUIRE((*conn)->exec(dialect == internal::Dialect::sqlite
                              ? "PRAGMA user_version = 12"
                              : "CREATE TABLE keydesk_schema (version INTEGER NOT NULL);"
                                "INSERT INTO keydesk_schema VALUES (12)"));
    REQUIRE((*conn)->exec(
        "INSERT INTO web_batches (id, started_by, role, authority, state, cases, started_at, "
        "finished_at, server, heartbeat_at, error) VALUES ('W-1', '王芳', 'authority_clerk', "
        "'示例省商务厅', 'interrupted', 2, 't', 't2', 'a/1', 1000, '已中断')"));
  }
  auto repo = web_batches(backend.target());
  auto w1 = repo->find("W-1");
  REQUIRE(w1);
  REQUIRE(w1->has_value());
  CHECK((*w1)->state == "interrupted");
  CHECK((*w1)->folders.empty());
}

TEMPLATE_TEST_CASE("four servers resuming one interrupted web batch at once: exactly one runs it",
                   "", SqliteBackend, PostgresBackend) {
  TestType backend;
  constexpr int kServers = 4;
  std::vector<std::unique_ptr<WebBatchRepository>> servers;
  for (int s = 0; s < kServers; ++s) servers.push_back(web_batches(backend.target()));
  WebBatch batch = web_batch("W-1", "a/0", 1000);
  batch.folders = {"/srv/S-1"};
  REQUIRE_FALSE(servers[0]->start(batch, 970, "", "t")->has_value());
  batch.state = "interrupted";
  REQUIRE(*servers[0]->finish(batch));
  std::vector<std::string> outcome(kServers);
  at_once(kServers, [&](size_t i) {
    WebBatch mine = batch;
    mine.server = "s/" + std::to_string(i);
    mine.heartbeat_at = 1010;
    auto r = servers[i]->resume(mine, 980, "", "t");
    outcome[i] = !r ? (r.error().kind == ErrorKind::refused ? "refused" : r.error().message)
                 : r->has_value() ? "behind " + (*r)->id
                                  : "resumed";
  });
  std::string outcomes;
  for (const std::string& o : outcome) outcomes += o + "; ";
  INFO(outcomes);
  CHECK(std::count(outcome.begin(), outcome.end(), "resumed") == 1);
  // The others: refused (no longer interrupted), or told it runs.
  CHECK(std::count(outcome.begin(), outcome.end(), "refused") +
            std::count(outcome.begin(), outcome.end(), "behind W-1") ==
        kServers - 1);
}

TEMPLATE_TEST_CASE("four servers starting a web batch at once: exactly one starts, every time", "",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  constexpr int kServers = 4;
  constexpr int kRounds = 5;
  std::vector<std::unique_ptr<WebBatchRepository>> servers;
  for (int s = 0; s < kServers; ++s) servers.push_back(web_batches(backend.target()));
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::string> errors(kServers);
    std::vector<int> started(kServers, 0);
    at_once(kServers, [&](size_t i) {
      const std::string id = "W-" + std::to_string(round) + "-" + std::to_string(i);
      auto r = servers[i]->start(web_batch(id, "s/" + std::to_string(i), 1000), 970, "", "t");
      if (!r)
        errors[i] = r.error().message;
      else
        started[i] = !r->has_value();
    });
    INFO("round " << round);
    for (const std::string& e : errors) CHECK(e == "");
    REQUIRE(std::count(started.begin(), started.end(), 1) == 1);
    // The one started ends, so the next round starts afresh.
    const int winner =
        static_cast<int>(std::find(started.begin(), started.end(), 1) - started.begin());
    WebBatch ended = web_batch("W-" + std::to_string(round) + "-" + std::to_string(winner),
                               "s/" + std::to_string(winner), 1000);
    ended.state = "done";
    REQUIRE(*servers[static_cast<size_t>(winner)]->finish(ended));
  }
}

TEMPLATE_TEST_CASE("web batches that ended before a time are removed, a running one never", "",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto repo = web_batches(backend.target());
  // Batch `id` (of an authority of its own: one runs per authority) started long ago and, unless
  // `state` is running, ended `state` at `finished`.
  auto batch = [&](const std::string& id, const std::string& state, const std::string& finished) {
    WebBatch b = web_batch(id, "a/1", 1000);
    b.started_by.authority = id;
    b.started_at = "2025-01-01T09:00:00+08:00";
    REQUIRE_FALSE(repo->start(b, 970, "", "t")->has_value());
    if (state == "running") return;
    b.state = state;
    b.finished_at = finished;
    REQUIRE(*repo->finish(b));
  };
  batch("W-done", "done", "2026-08-24T09:00:00+08:00");
  batch("W-failed", "failed", "2026-08-24T08:59:59+08:00");
  batch("W-interrupted", "interrupted", "2026-01-01T00:00:00+08:00");
  batch("W-young", "done", "2026-08-24T09:00:01+08:00");
  batch("W-running", "running", "");
  auto removed = repo->remove_ended("2026-08-24T09:00:01+08:00");
  REQUIRE(removed);
  CHECK(*removed == 3);
  for (const char* id : {"W-done", "W-failed", "W-interrupted"})
    CHECK_FALSE(repo->find(id)->has_value());
  CHECK((*repo->find("W-young"))->state == "done");
  CHECK((*repo->find("W-running"))->state == "running");
  CHECK(*repo->remove_ended("2099-01-01T00:00:00+08:00") == 1);  // W-young; W-running stays
  CHECK(repo->find("W-running")->has_value());
}

namespace {

// Sets the last write of `path` (a symlink's own) to `at`, Unix seconds.
void set_written(const std::filesystem::path& path, std::int64_t at) {
  const timespec times[2] = {{static_cast<time_t>(at), 0}, {static_cast<time_t>(at), 0}};
  REQUIRE(utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

// A report folder `dir` as a batch leaves it (a report, a folder of pages), everything in it last
// written at `at`.
void report_folder(const std::filesystem::path& dir, std::int64_t at) {
  std::filesystem::create_directories(dir / "pages");
  std::ofstream(dir / "report.json") << "{}";
  std::ofstream(dir / "pages" / "1.txt") << "page";
  for (const auto& p : {dir / "pages" / "1.txt", dir / "pages", dir / "report.json", dir})
    set_written(p, at);
}

}  // namespace

TEMPLATE_TEST_CASE(
    "a web batch's start removes the batches that ended more than keep_days ago, and their "
    "report folders",
    "", SqliteBackend, PostgresBackend) {
  namespace fs = std::filesystem;
  TestType backend;
  test::TempDir work, outside;
  auto repo = web_batches(backend.target());
  const std::int64_t now = 1795420800;  // 2026-11-23T16:00:00+08:00
  const std::int64_t day = 24 * 60 * 60;
  CounterConfig counter;
  counter.web_batches.keep_days = 30;
  // Ended 31 and 29 days ago, each its report folder last written then; another authority's
  // started 40 days ago, still beating, its folder not written to since.
  auto ended = [&](const std::string& id, std::int64_t at) {
    REQUIRE_FALSE(repo->start(web_batch(id, "a/1", at), at - 30, "", "t")->has_value());
    WebBatch b = web_batch(id, "a/1", at);
    b.state = "done";
    b.finished_at = counter_time_text(at, counter.hours);
    REQUIRE(*repo->finish(b));
    report_folder(work.path() / id, at);
  };
  const std::string old_id = "W-20261023-00000001", young_id = "W-20261025-00000002",
                    running_id = "W-20261014-00000003";
  ended(old_id, now - 31 * day);
  ended(young_id, now - 29 * day);
  WebBatch running = web_batch(running_id, "b/2", now);
  running.started_by.authority = "另一省商务厅（发证机构）";
  running.started_at = counter_time_text(now - 40 * day, counter.hours);
  REQUIRE_FALSE(repo->start(running, now - 30, "", "t")->has_value());
  report_folder(work.path() / running_id, now - 40 * day);
  // Folders of batches gone from the database: one not written to for 31 days (it goes), one
  // written to a day ago, one whose report was (both stay). A symlink in the old one points out
  // of the work folder; what it points to stays.
  report_folder(outside.path() / "elsewhere", now - 31 * day);
  fs::create_directory_symlink(outside.path() / "elsewhere",
                               work.path() / old_id / "pages" / "link");
  set_written(work.path() / old_id / "pages" / "link", now - 31 * day);
  set_written(work.path() / old_id / "pages", now - 31 * day);
  const std::string orphan = "W-20260101-00000004", recent = "W-20260101-00000005",
                    recent_report = "W-20260101-00000006";
  report_folder(work.path() / orphan, now - 31 * day);
  report_folder(work.path() / recent, now - day);
  report_folder(work.path() / recent_report, now - 31 * day);
  set_written(work.path() / recent_report / "report.json", now - day);
  // Old, but not a report folder: named otherwise, or a symlink named as one (to a folder
  // outside), or a file named as one. Each stays, and so does what the symlink points to.
  const std::vector<std::string> unrelated = {"notes",
                                              "W-2026-1",
                                              "W-20260101-0000000a",
                                              "W-20260101-000000077",
                                              "w-20260101-00000007",
                                              "X-20260101-00000007"};
  for (const std::string& name : unrelated) report_folder(work.path() / name, now - 31 * day);
  fs::create_directory_symlink(outside.path() / "elsewhere", work.path() / "W-20260101-00000008");
  set_written(work.path() / "W-20260101-00000008", now - 31 * day);
  std::ofstream(work.path() / "W-20260101-00000009") << "a file";
  set_written(work.path() / "W-20260101-00000009", now - 31 * day);
  {
    WebBatches::Setup setup;
    setup.db = backend.target();
    setup.rules_dir = KEYDESK_RULES_DIR;
    setup.work_dir = work.path();
    setup.counter = counter;
    setup.clock = [now] { return now; };
    setup.server = "a/1";
    auto batches = WebBatches::open(setup);
    REQUIRE(batches);
    auto started =
        (*batches)->start({}, {"王芳", "authority_clerk", kAuthority}, Date(2026, 11, 23));
    INFO((started ? "" : started.error().message));
    REQUIRE(started);
    CHECK(repo->find(started->id)->has_value());
  }
  CHECK_FALSE(repo->find(old_id)->has_value());
  CHECK(repo->find(young_id)->has_value());
  CHECK((*repo->find(running_id))->state == "running");
  CHECK_FALSE(fs::exists(fs::symlink_status(work.path() / old_id)));
  CHECK_FALSE(fs::exists(work.path() / orphan));
  for (const std::string& kept : {young_id, running_id, recent, recent_report})
    CHECK(fs::exists(work.path() / kept / "report.json"));
  for (const std::string& name : unrelated) CHECK(fs::exists(work.path() / name / "report.json"));
  CHECK(fs::is_symlink(work.path() / "W-20260101-00000008"));
  CHECK(fs::is_regular_file(work.path() / "W-20260101-00000009"));
  CHECK(fs::exists(outside.path() / "elsewhere" / "pages" / "1.txt"));
  CHECK(fs::exists(outside.path() / "elsewhere" / "report.json"));
}

TEMPLATE_TEST_CASE("accounts are stored as given, found, listed and changed, a name taken once", "",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto repo = account_store(backend.target());
  CHECK_FALSE(repo->find_account("wang.fang")->has_value());
  CHECK_FALSE(repo->find_credentials("wang.fang")->has_value());
  REQUIRE(repo->insert_account(stored_account("wang.fang", "authority_clerk", kAuthority)));
  REQUIRE(repo->insert_account(stored_account("li.gong", "vendor_reviewer", "")));
  StoredAccount off = stored_account("admin", "administrator", "");
  off.account.disabled = true;
  REQUIRE(repo->insert_account(off));
  CHECK_FALSE(repo->insert_account(stored_account("wang.fang", "auditor", "")).ok());
  auto found = repo->find_account("wang.fang");
  REQUIRE(found);
  REQUIRE(found->has_value());
  CHECK((*found)->display_name == "显示名 wang.fang");
  CHECK((*found)->role == "authority_clerk");
  CHECK((*found)->authority == kAuthority);
  CHECK_FALSE((*found)->disabled);
  CHECK((*found)->created_at == "2026-11-23T09:00:00+08:00");
  CHECK((*repo->find_account("admin"))->disabled);
  auto credentials = repo->find_credentials("wang.fang");
  REQUIRE(credentials->has_value());
  CHECK((*credentials)->password_hash == "hash-of-wang.fang");
  CHECK((*credentials)->account.name == "wang.fang");
  // By role, then authority, then name.
  CHECK(names(*repo->accounts()) == std::vector<std::string>{"admin", "wang.fang", "li.gong"});
  CHECK(*repo->set_password_hash("wang.fang", "new-hash", "2026-11-24T09:00:00+08:00"));
  CHECK_FALSE(*repo->set_password_hash("nobody", "new-hash", "2026-11-24T09:00:00+08:00"));
  CHECK((*repo->find_credentials("wang.fang"))->password_hash == "new-hash");
  CHECK(*repo->set_disabled("wang.fang", true, "2026-11-24T09:00:00+08:00"));
  CHECK((*repo->find_account("wang.fang"))->disabled);
  CHECK(*repo->set_disabled("wang.fang", false, "2026-11-24T09:00:00+08:00"));
  CHECK_FALSE((*repo->find_account("wang.fang"))->disabled);
  CHECK_FALSE(*repo->set_disabled("nobody", true, "2026-11-24T09:00:00+08:00"));
  // A write transaction rolled back leaves nothing; one committed is seen by another connection.
  REQUIRE(repo->begin_write());
  REQUIRE(repo->insert_account(stored_account("zhao.min", "auditor", "")));
  CHECK(repo->find_account("zhao.min")->has_value());
  repo->rollback();
  CHECK_FALSE(repo->find_account("zhao.min")->has_value());
  REQUIRE(repo->begin_write());
  REQUIRE(repo->insert_account(stored_account("zhao.min", "auditor", "")));
  REQUIRE(repo->commit());
  CHECK(account_store(backend.target())->find_account("zhao.min")->has_value());
}

TEMPLATE_TEST_CASE(
    "two connections adding one account name at once: one is added, the other told it is taken", "",
    SqliteBackend, PostgresBackend) {
  // Both inserts reach the database (as when two adds each looked for the name before either
  // wrote it): the second meets the first's row in the primary key. It is told the name is taken,
  // as a name taken long before is, never given the database's constraint error.
  TestType backend;
  constexpr int kConnections = 2;
  constexpr int kRounds = 5;
  std::vector<std::unique_ptr<AccountRepository>> connections;
  for (int c = 0; c < kConnections; ++c) connections.push_back(account_store(backend.target()));
  for (int round = 0; round < kRounds; ++round) {
    const std::string name = "wang.fang" + std::to_string(round);
    std::vector<std::optional<Status>> added(kConnections);
    at_once(kConnections, [&](size_t i) {
      added[i] = connections[i]->insert_account(stored_account(name, "auditor", ""));
    });
    INFO("round " << round);
    REQUIRE(std::count_if(added.begin(), added.end(), [](auto& a) { return a->ok(); }) == 1);
    const Status& taken = added[0]->ok() ? *added[1] : *added[0];
    CHECK(taken.error().kind == ErrorKind::refused);
    CHECK_THAT(taken.error().message, Catch::StartsWith("账户 " + name + " 已存在"));
    // A name taken before gets the same answer.
    const Status again = connections[0]->insert_account(stored_account(name, "auditor", ""));
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().kind == taken.error().kind);
    CHECK(again.error().message == taken.error().message);
  }
  // Inside a write transaction a taken name leaves the transaction usable (PostgreSQL aborts a
  // transaction at a failed statement): what it wrote before commits.
  auto& repo = *connections[0];
  REQUIRE(repo.begin_write());
  REQUIRE(repo.insert_account(stored_account("li.gong", "vendor_reviewer", "")));
  CHECK(repo.insert_account(stored_account("wang.fang0", "auditor", "")).error().kind ==
        ErrorKind::refused);
  REQUIRE(repo.commit());
  CHECK(account_store(backend.target())->find_account("li.gong")->has_value());
}

TEMPLATE_TEST_CASE("adding an account name already taken, at once or before, is refused alike", "",
                   SqliteBackend, PostgresBackend) {
  // Four clerks' administrators add one name at once, each on a connection of their own (as on
  // two servers' threads); then once more. Exactly one is added; every other add is refused with
  // the one answer, in Chinese, saying what to do.
  TestType backend;
  constexpr int kAdds = 4;
  std::vector<std::optional<Accounts>> connections;
  for (int i = 0; i < kAdds; ++i) {
    auto a = Accounts::open(backend.target());
    REQUIRE(a);
    connections.emplace_back(std::move(a).value());
  }
  const Account zhang{"zhang.wei", "张伟", "authority_clerk", kAuthority, false, ""};
  std::vector<std::optional<Status>> added(kAdds);
  at_once(kAdds, [&](size_t i) {
    added[i] = connections[i]->add(zhang, "a-long-password", "2026-11-23T10:00");
  });
  REQUIRE(std::count_if(added.begin(), added.end(), [](auto& a) { return a->ok(); }) == 1);
  const Status later = connections[0]->add(zhang, "another-password", "2026-11-24T10:00");
  REQUIRE_FALSE(later.ok());
  CHECK(later.error().kind == ErrorKind::refused);
  CHECK(later.error().message ==
        "账户 zhang.wei 已存在：请换一个名称；要改它的密码请用 keydesk users passwd (account "
        "'zhang.wei' exists already)");
  for (const auto& a : added)
    if (!a->ok()) {
      CHECK(a->error().kind == later.error().kind);
      CHECK(a->error().message == later.error().message);
    }
}

TEMPLATE_TEST_CASE(
    "sessions are found by their token's hash with their account, and end by hash, account or "
    "expiry",
    "", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto repo = account_store(backend.target());
  REQUIRE(repo->insert_account(stored_account("wang.fang", "authority_clerk", kAuthority)));
  REQUIRE(repo->insert_account(stored_account("li.gong", "vendor_reviewer", "")));
  REQUIRE(repo->insert_session("h1", "wang.fang", "csrf-1", 1000, 2000));
  REQUIRE(repo->insert_session("h2", "wang.fang", "csrf-2", 1000, 3000));
  REQUIRE(repo->insert_session("h3", "li.gong", "csrf-3", 1000, 2000));
  REQUIRE(repo->insert_session("h4", "li.gong", "csrf-4", 1000, 2001));
  CHECK_FALSE(repo->insert_session("h5", "nobody", "csrf-5", 1000, 2000).ok());  // no account
  CHECK_FALSE(repo->find_session("h5")->has_value());
  auto s = repo->find_session("h2");
  REQUIRE(s);
  REQUIRE(s->has_value());
  CHECK((*s)->csrf == "csrf-2");
  CHECK((*s)->expires_at == 3000);
  CHECK((*s)->account.name == "wang.fang");
  CHECK((*s)->account.authority == kAuthority);
  // Found as the account is now, disabled or not: the caller decides.
  REQUIRE(*repo->set_disabled("wang.fang", true, "t"));
  CHECK((*repo->find_session("h2"))->account.disabled);
  REQUIRE(repo->delete_session("h2"));
  CHECK_FALSE(repo->find_session("h2")->has_value());
  CHECK(repo->find_session("h1")->has_value());
  REQUIRE(repo->delete_sessions_of("wang.fang"));
  CHECK_FALSE(repo->find_session("h1")->has_value());
  CHECK(repo->find_session("h3")->has_value());
  // Expired: expires_at at `now` or before.
  REQUIRE(repo->delete_expired_sessions(2000));
  CHECK_FALSE(repo->find_session("h3")->has_value());
  CHECK((*repo->find_session("h4"))->expires_at == 2001);
}

TEMPLATE_TEST_CASE("an API token is found by its hash, and a label's next token replaces it", "",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto repo = account_store(backend.target());
  CHECK_FALSE(repo->find_api_token("t1")->has_value());
  REQUIRE(repo->put_api_token("t1", "filing-system", kAuthority, "2026-11-23T09:00:00+08:00"));
  REQUIRE(repo->put_api_token("t2", "scanner", "另一省商务厅", "2026-11-23T09:00:00+08:00"));
  auto t = repo->find_api_token("t1");
  REQUIRE(t);
  REQUIRE(t->has_value());
  CHECK((*t)->label == "filing-system");
  CHECK((*t)->authority == kAuthority);
  REQUIRE(repo->put_api_token("t3", "filing-system", "另一省商务厅", "2026-11-24T09:00:00+08:00"));
  CHECK_FALSE(repo->find_api_token("t1")->has_value());
  CHECK((*repo->find_api_token("t3"))->authority == "另一省商务厅");
  CHECK((*repo->find_api_token("t2"))->label == "scanner");
}

TEMPLATE_TEST_CASE(
    "failed logins are counted after a time by name and by address, cleared by name and aged out",
    "", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto repo = account_store(backend.target());
  CHECK(*repo->login_failures_of("wang.fang", 0) == 0);
  REQUIRE(repo->add_login_failure("wang.fang", "10.0.0.1", 100));
  REQUIRE(repo->add_login_failure("wang.fang", "10.0.0.2", 200));
  REQUIRE(repo->add_login_failure("li.gong", "10.0.0.1", 300));
  REQUIRE(repo->add_login_failure("nobody", "10.0.0.1", 400));  // names need no account
  CHECK(*repo->login_failures_of("wang.fang", 99) == 2);
  CHECK(*repo->login_failures_of("wang.fang", 100) == 1);  // later than `since` only
  CHECK(*repo->login_failures_from("10.0.0.1", 0) == 3);
  CHECK(*repo->login_failures_from("10.0.0.1", 300) == 1);
  CHECK(*repo->login_failures_from("10.0.0.9", 0) == 0);
  REQUIRE(repo->clear_login_failures_of("wang.fang"));
  CHECK(*repo->login_failures_of("wang.fang", 0) == 0);
  CHECK(*repo->login_failures_from("10.0.0.1", 0) == 2);
  REQUIRE(repo->delete_login_failures_until(300));  // at or before
  CHECK(*repo->login_failures_of("li.gong", 0) == 0);
  CHECK(*repo->login_failures_of("nobody", 0) == 1);
}

TEMPLATE_TEST_CASE(
    "refusals are listed newest first, pruned to the newest numbers, those of nobody apart", "",
    SqliteBackend, PostgresBackend) {
  TestType backend;
  auto repo = account_store(backend.target());
  CHECK(repo->refusals(10)->empty());
  REQUIRE(repo->prune_refusals(3));  // an empty table
  REQUIRE(repo->prune_anonymous_refusals(1));
  // Texts as given: the repository clips nothing.
  Refusal long_one = refusal("t1", "wang.fang");
  long_one.reason = std::string(3000, 'x');
  REQUIRE(repo->add_refusal(long_one));
  for (const char* who : {"", "", "li.gong", "", ""})
    REQUIRE(repo->add_refusal(refusal("t" + std::to_string(repo->refusals(100)->size() + 1), who)));
  auto all = repo->refusals(100);
  REQUIRE(all);
  REQUIRE(all->size() == 6);
  CHECK((*all)[0].at == "t6");
  CHECK((*all)[5].at == "t1");
  CHECK((*all)[5].reason.size() == 3000);
  CHECK((*all)[5].account == "wang.fang");
  CHECK((*all)[5].role == "authority_clerk");
  CHECK((*all)[5].method == "POST");
  CHECK((*all)[5].target == "/api/cases/C-1");
  CHECK((*all)[5].status == 403);
  CHECK(repo->refusals(2)->size() == 2);
  // Of nobody, the newest two stay (t5, t6); t2 and t3 go, the accounts' rows stay.
  REQUIRE(repo->prune_anonymous_refusals(2));
  CHECK(refusal_times(*repo) == std::vector<std::string>{"t6", "t5", "t4", "t1"});
  // The newest 5 numbers are t2 … t6, of which t2 and t3 are gone already.
  REQUIRE(repo->prune_refusals(5));
  CHECK(refusal_times(*repo) == std::vector<std::string>{"t6", "t5", "t4"});
  REQUIRE(repo->prune_refusals(1));
  REQUIRE(repo->refusals(100)->size() == 1);
  CHECK((*repo->refusals(100))[0].at == "t6");
}

TEMPLATE_TEST_CASE("the keydesk command takes --db as a file or a postgresql:// URI alike", "",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  const std::string k = "--db '" + backend.target() + "' ";
  auto run = [&](const std::string& args) {
    auto r = test::run_keydesk(k + args);
    INFO(args << "\n" << r.out << r.err);
    return r;
  };
  REQUIRE(run("registry import '" KEYDESK_EXAMPLES_DIR "/registry.json'").exit_code == 0);
  REQUIRE(run("case open '" KEYDESK_EXAMPLES_DIR "/submissions/S-2026-000201' --at "
              "2026-11-20T16:40:00+08:00")
              .exit_code == 0);
  const std::string act =
      "case act S-2026-000201 pass_review --version 1 --role authority_clerk --at "
      "2026-11-23T10:00:00+08:00";
  CHECK(run(act).exit_code == 0);
  auto twice = run(act);  // a double click: refused, not applied
  CHECK(twice.exit_code == 1);
  CHECK_THAT(twice.err, Catch::Contains("您看到的是第1版，现为第2版"));
  auto history = run("case history S-2026-000201");
  CHECK_THAT(history.out, Catch::Contains("pass_review"));
  auto audit = run("case verify-audit");
  CHECK(audit.exit_code == 0);
  CHECK_THAT(audit.out, Catch::Contains("2 event(s): the audit chain is intact"));
}

namespace {
// Ends every other connection to the database of `target`, as a server restart or a fail-over
// would, and waits until they are gone.
void drop_other_connections(const std::string& target) {
  auto admin = internal::open_unmigrated(target);
  REQUIRE(admin);
  REQUIRE((*admin)->exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
      "AND pid <> pg_backend_pid()"));
  for (int i = 0; i < 200; ++i) {
    auto left = (*admin)->prepare(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> "
        "pg_backend_pid()");
    REQUIRE(left);
    REQUIRE(*left->step());
    if (left->integer(0) == 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL("the connections did not end");
}
}  // namespace

TEST_CASE("a PostgreSQL search is planned for the text searched, never by one generic plan") {
  // A statement kept prepared is planned, after five runs, once for any value (its generic
  // plan): a text every case holds was then read through the trigram index, where a sequential
  // scan is quicker (README: issue 23's searches). A search is sent with its text instead.
  Fixture<PostgresBackend> f;
  f.open("S-1");
  f.exec(kCopiesOfS1);
  f.exec("ANALYZE cases");
  auto connection = internal::connect(f.backend.target());
  REQUIRE(connection);
  internal::Connection& session = **connection;
  auto repo = case_repository_on(std::move(connection).value());
  CaseFilter filter;
  filter.authority = kAuthority;
  for (int round = 0; round < 8; ++round)
    for (const char* search : {"b-11", "北京示例进出口", "s-1|"}) {
      filter.search = search;
      REQUIRE(repo->list(filter));
      REQUIRE(repo->tally(filter));
    }
  // The session's statements kept prepared (this one aside): none that searches has had a
  // generic plan.
  auto generic = internal::count_of(
      session,
      "SELECT coalesce(sum(generic_plans), 0) FROM pg_prepared_statements WHERE statement LIKE "
      "'%search_text LIKE%' AND statement NOT LIKE '%pg_prepared_statements%'");
  INFO((generic ? "" : generic.error().message));
  REQUIRE(generic);
  CHECK(*generic == 0);
}

TEST_CASE("on PostgreSQL the change mark moves once a transaction, however much it writes") {
  // An action writes the case, its event, the audit head and the tabs' counts (and on some the
  // key, the outbox): each statement used to update the mark's one row (migration 14).
  Fixture<PostgresBackend> f;
  auto reader = internal::connect(f.backend.target());
  REQUIRE(reader);
  auto mark = [&reader] {
    auto n = internal::count_of(**reader, "SELECT n FROM store_generation");
    REQUIRE(n);
    return *n;
  };
  const auto before = mark();
  f.open("S-1");
  CHECK(mark() == before + 1);
  // The next transaction of the same connection (the store's) moves it again.
  REQUIRE(f.act("S-1", "pass", f.clerk, 1, "2026-11-23T10:00:00+08:00"));
  CHECK(mark() == before + 2);
  CHECK(mark() == before + 2);  // read again: nothing moved it
  // A first write undone with its savepoint undoes its move too: the next write moves it.
  f.exec(
      "BEGIN; SAVEPOINT a; UPDATE keys SET serial = serial WHERE false; ROLLBACK TO SAVEPOINT a; "
      "UPDATE enterprises SET name = name WHERE false; COMMIT");
  CHECK(mark() == before + 3);
  f.exec("UPDATE enterprises SET name = name WHERE false");  // a statement that changes no row
  CHECK(mark() == before + 4);
}

TEST_CASE("a PostgreSQL connection the server dropped is made again for the next request") {
  Fixture<PostgresBackend> f;
  f.open("S-1");
  drop_other_connections(f.backend.target());
  auto read = f.store.get("S-1");  // a read: once more, on a new connection
  INFO((read ? "" : read.error().message));
  REQUIRE(read);
  CHECK(read->version == 1);
  drop_other_connections(f.backend.target());
  auto acted = f.act("S-1", "pass", f.clerk, 1, "2026-11-23T10:00:00+08:00");  // a write
  INFO((acted ? "" : acted.error().message));
  REQUIRE(acted);
  CHECK(f.store.get("S-1")->version == 2);
  CHECK(f.store.verify_audit()->problems.empty());
}

TEST_CASE("a PostgreSQL transaction whose connection was lost is refused, never committed") {
  PostgresBackend backend;
  auto conn = internal::connect(backend.target());
  REQUIRE(conn);
  REQUIRE((*conn)->begin_write());
  REQUIRE(
      (*conn)->exec("INSERT INTO enterprises (uscc, name, kind) VALUES ('91110105MA01ABCD5F', "
                    "'甲', 'domestic')"));
  drop_other_connections(backend.target());
  auto committed = (*conn)->commit();
  REQUIRE_FALSE(committed.ok());
  CHECK(committed.error().kind == ErrorKind::unavailable);
  CHECK(test::chinese_first(committed.error().message));
  CHECK_THAT(committed.error().message, Catch::Contains("连接已断开"));
  (*conn)->rollback();
  // Nothing of it is in the database, and the same connection serves the next request.
  auto store = CaseStore::open(backend.target());
  REQUIRE(store);
  CHECK_FALSE(store->enterprise(kUscc)->has_value());
  auto count = (*conn)->prepare("SELECT count(*) FROM enterprises");
  REQUIRE(count);
  REQUIRE(*count->step());
  CHECK(count->integer(0) == 0);
}

TEST_CASE("each PostgreSQL error class is told as its kind, in Chinese, saying what to do") {
  // The connection stays good here: the error is raised with its SQLSTATE, so each kind comes
  // from the code alone (a server shutting down, 57P01, says so before the socket closes).
  PostgresBackend backend;
  auto conn = internal::connect(backend.target());
  REQUIRE(conn);
  struct Case {
    const char* state;
    ErrorKind kind;
    const char* words;
  };
  for (const Case& c :
       {Case{"40001", ErrorKind::busy, "数据库正忙，请稍后重试"},
        Case{"40P01", ErrorKind::busy, "数据库正忙，请稍后重试"},
        Case{"55P03", ErrorKind::busy, "数据库正忙，请稍后重试"},
        Case{"57014", ErrorKind::busy, "数据库正忙，请稍后重试"},
        Case{"57P01", ErrorKind::unavailable, "连接已断开，未保存任何内容"},
        Case{"57P02", ErrorKind::unavailable, "连接已断开，未保存任何内容"},
        Case{"57P03", ErrorKind::unavailable, "连接已断开，未保存任何内容"},
        Case{"08006", ErrorKind::unavailable, "连接已断开，未保存任何内容"},
        Case{"53100", ErrorKind::io, "磁盘已满"}, Case{"XX001", ErrorKind::corrupt, "从备份恢复"},
        Case{"42501", ErrorKind::io, "无权写入数据库"},
        Case{"25006", ErrorKind::io, "无权写入数据库"},
        Case{"22012", ErrorKind::io, "数据库操作失败，未保存任何内容"}}) {
    INFO(c.state);
    auto raised = (*conn)->exec(std::string("DO $$ BEGIN RAISE EXCEPTION 'raised here' USING "
                                            "ERRCODE = '") +
                                c.state + "'; END $$");
    REQUIRE_FALSE(raised.ok());
    CHECK(raised.error().kind == c.kind);
    CHECK(test::chinese_first(raised.error().message));
    CHECK_THAT(raised.error().message, Catch::Contains(c.words) && Catch::Contains("raised here"));
    // The same connection serves the next statement.
    auto one = (*conn)->prepare("SELECT 1");
    REQUIRE(one);
    REQUIRE(*one->step());
    CHECK(one->integer(0) == 1);
  }
}
