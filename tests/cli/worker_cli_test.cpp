// keydesk worker end to end: `batch verify --queue` enqueues a small generated batch in a
// database of the test PostgreSQL cluster (ctest fixture `postgres`), real `keydesk worker`
// processes drain it with real OCR, and the report must equal that of one in-process run. One
// worker is killed with SIGKILL in the middle of a job; another finishes the batch. On a cluster
// of the test's own, stopped and started again: a worker started while it is down waits for it,
// one whose database goes away mid-job keeps the job and finishes it once it is back, and a
// batch that follows the queue meanwhile waits for it too.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/batch.h"
#include "engine/calendar.h"
#include "engine/internal/sql.h"
#include "tests/backends.h"
#include "tests/processes.h"
#include "tests/support.h"

using keydesk::test::Keydesk;
using keydesk::test::OwnCluster;
using keydesk::test::PostgresBackend;
using keydesk::test::query_number;
using keydesk::test::read_json;
using keydesk::test::report_outcomes;
using keydesk::test::run_keydesk;
using keydesk::test::TempDir;
using keydesk::test::wait_until;
namespace fs = std::filesystem;

namespace {

// Three generated submissions and their report from one in-process run (--jobs 1), made once.
struct Reference {
  TempDir dir;
  fs::path in = dir.path() / "in";
  nlohmann::json report;
  int exit_code = -1;  // 1: the generated faults fail submissions
  Reference() {
    REQUIRE(keydesk::test::scangen("--count 3 --faults mix --seed 23 -q --out '" + in.string() +
                                   "'") == 0);
    auto run =
        run_keydesk("batch verify '" + in.string() + "' --report '" +
                    (dir.path() / "report").string() + "' --jobs 1 --quiet --today 2026-11-24");
    INFO(run.err);
    REQUIRE((run.exit_code == 0 || run.exit_code == 1));
    exit_code = run.exit_code;
    report = read_json(dir.path() / "report" / "report.json");
    REQUIRE(report["submissions"].size() == 3);
  }
};

Reference& reference() {
  static Reference r;
  return r;
}

// `batch verify --queue` of the reference's submissions into the database `db`, started in the
// background; returned once its jobs are enqueued (all at once).
std::unique_ptr<Keydesk> enqueue_batch(const std::string& db, const TempDir& work) {
  auto verify = std::make_unique<Keydesk>("batch verify '" + reference().in.string() +
                                              "' --report '" + (work.path() / "report").string() +
                                              "' --db '" + db + "' --queue --today 2026-11-24",
                                          work.path() / "verify");
  REQUIRE(wait_until([&] { return query_number(db, "SELECT count(*) FROM check_jobs") > 0; }));
  return verify;
}

std::string worker_args(const std::string& db, const std::string& name, const std::string& more) {
  return "worker --db '" + db + "' --name " + name + " " + more;
}

}  // namespace

TEST_CASE("two keydesk workers on one PostgreSQL database give the report of one in-process run",
          "[worker]") {
  Reference& ref = reference();
  PostgresBackend pg;
  TempDir work;
  auto verify = enqueue_batch(pg.target(), work);
  Keydesk one(worker_args(pg.target(), "w1", "--idle-exit"), work.path() / "w1");
  Keydesk two(worker_args(pg.target(), "w2", "--idle-exit"), work.path() / "w2");
  CHECK(one.wait() == 0);
  CHECK(two.wait() == 0);
  const int verified = verify->wait();
  INFO(verify->err() << one.err() << two.err());
  REQUIRE((verified == 0 || verified == 1));
  // The clerk saw the workers' progress.
  CHECK_THAT(verify->err(), Catch::Contains("核验进程"));
  const long jobs = query_number(pg.target(), "SELECT count(*) FROM check_jobs");
  CHECK(query_number(pg.target(), "SELECT count(*) FROM check_jobs WHERE state = 'done'") == jobs);
  CHECK(query_number(pg.target(),
                     "SELECT count(DISTINCT split_part(claimed_by, '/', 1)) FROM "
                     "check_jobs") == 2);
  const auto queued = read_json(work.path() / "report" / "report.json");
  CHECK(queued["summary"]["scans"] == ref.report["summary"]["scans"]);
  CHECK(report_outcomes(queued) == report_outcomes(ref.report));
}

TEST_CASE("a worker killed mid-job loses nothing: its job is claimed again and the batch ends",
          "[worker]") {
  Reference& ref = reference();
  PostgresBackend pg;
  TempDir work;
  auto verify = enqueue_batch(pg.target(), work);
  long killed_job = -1;
  {
    Keydesk first(worker_args(pg.target(), "first", "--lease 2"), work.path() / "first");
    // Killed once it has finished a job and holds the next one.
    REQUIRE(wait_until([&] {
      return query_number(pg.target(), "SELECT count(*) FROM check_jobs WHERE state = 'done'") >=
                 1 &&
             (killed_job = query_number(pg.target(),
                                        "SELECT coalesce(min(id), -1) FROM check_jobs WHERE "
                                        "state = 'claimed'")) > 0;
    }));
    first.kill_hard();
  }
  const long done_before =
      query_number(pg.target(), "SELECT count(*) FROM check_jobs WHERE state = 'done'");
  CHECK(done_before < query_number(pg.target(), "SELECT count(*) FROM check_jobs"));
  Keydesk second(worker_args(pg.target(), "second", "--idle-exit --lease 2"),
                 work.path() / "second");
  CHECK(second.wait() == 0);
  const int verified = verify->wait();
  INFO(verify->err() << second.err());
  REQUIRE((verified == 0 || verified == 1));
  const std::string job = "FROM check_jobs WHERE id = " + std::to_string(killed_job);
  CHECK(query_number(pg.target(), "SELECT attempts " + job) == 2);
  CHECK(query_number(pg.target(), "SELECT count(*) " + job +
                                      " AND state = 'done' AND claimed_by = 'second/1'") == 1);
  CHECK(query_number(pg.target(), "SELECT count(*) FROM check_jobs WHERE state <> 'done'") == 0);
  CHECK(report_outcomes(read_json(work.path() / "report" / "report.json")) ==
        report_outcomes(ref.report));
}

TEST_CASE("a worker started while its database server is down waits for it, then drains the queue",
          "[worker]") {
  Reference& ref = reference();
  OwnCluster pg;
  TempDir work;
  REQUIRE(pg.cluster("down") == 0);
  Keydesk worker(worker_args(pg.uri(), "w", "--lease 5"), work.path() / "w");
  // It says what it waits for, and waits (it used to end at once, exit 2).
  REQUIRE(wait_until(
      [&] {
        return worker.err().find("connecting to the database failed, trying again") !=
                   std::string::npos ||
               !worker.running();
      },
      60));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  INFO(worker.err());
  REQUIRE(worker.running());
  REQUIRE(pg.cluster("up") == 0);
  // Once the database is back, the worker does a batch's checks: its report is that of one
  // in-process run.
  auto verify = enqueue_batch(pg.uri(), work);
  const int verified = verify->wait();
  INFO(verify->err());
  REQUIRE((verified == 0 || verified == 1));
  CHECK(report_outcomes(read_json(work.path() / "report" / "report.json")) ==
        report_outcomes(ref.report));
  CHECK_THAT(worker.err(),
             Catch::Contains("connecting to the database: the database answers again"));
  CHECK(worker.running());
}

TEST_CASE(
    "a worker whose database goes away mid-job keeps the job and finishes it once the database "
    "is back, claiming nothing twice",
    "[worker]") {
  Reference& ref = reference();
  OwnCluster pg;
  TempDir work;
  // The batch's jobs enqueued; its follower ended, so that only the worker meets the outage.
  enqueue_batch(pg.uri(), work)->kill_hard();
  Keydesk worker(worker_args(pg.uri(), "w", "--lease 2"), work.path() / "w");
  REQUIRE(wait_until([&] {
    return query_number(pg.uri(), "SELECT count(*) FROM check_jobs WHERE state = 'claimed'") == 1;
  }));
  // Down for longer than the job's lease and than its scan's analysis: its result is kept and
  // its end recorded only once the database is back.
  REQUIRE(pg.cluster("down") == 0);
  std::this_thread::sleep_for(std::chrono::seconds(10));
  INFO(worker.err());
  REQUIRE(worker.running());
  REQUIRE(pg.cluster("up") == 0);
  REQUIRE(wait_until(
      [&] {
        return query_number(pg.uri(), "SELECT count(*) FROM check_jobs WHERE state <> 'done'") ==
                   0 ||
               !worker.running();
      },
      600));
  CHECK(worker.running());
  // Each job claimed once: the one in hand during the outage was not left for its lease to run
  // out and be claimed again.
  CHECK(query_number(pg.uri(), "SELECT max(attempts) FROM check_jobs") == 1);
  CHECK_THAT(worker.err(), Catch::Contains("the database answers again"));
  // The batch run again takes every result from the scan cache: the report of one in-process
  // run.
  auto again = run_keydesk("batch verify '" + ref.in.string() + "' --report '" +
                           (work.path() / "again").string() + "' --db '" + pg.uri() +
                           "' --queue --today 2026-11-24");
  INFO(again.err);
  REQUIRE((again.exit_code == 0 || again.exit_code == 1));
  CHECK(report_outcomes(read_json(work.path() / "again" / "report.json")) ==
        report_outcomes(ref.report));
}

TEST_CASE(
    "batch verify --queue whose database goes away mid-batch waits for it, then writes the report "
    "of one in-process run",
    "[worker]") {
  Reference& ref = reference();
  OwnCluster pg;
  TempDir work;
  auto verify = enqueue_batch(pg.uri(), work);
  // One job done, the rest pending: the batch follows the queue.
  Keydesk first(worker_args(pg.uri(), "first", "--once"), work.path() / "first");
  REQUIRE(first.wait() == 0);
  REQUIRE(query_number(pg.uri(), "SELECT count(*) FROM check_jobs WHERE state = 'done'") == 1);
  REQUIRE(query_number(pg.uri(), "SELECT count(*) FROM check_jobs WHERE state = 'pending'") > 0);
  REQUIRE(pg.cluster("down") == 0);
  // A worker waits for the database meanwhile, to do the rest once it is back.
  Keydesk worker(worker_args(pg.uri(), "w", "--lease 5"), work.path() / "w");
  std::this_thread::sleep_for(std::chrono::seconds(10));
  {
    INFO(verify->err());
    // It waits and says so, to the clerk and in the log (it used to end at once, exit 2).
    REQUIRE(verify->running());
    CHECK_THAT(verify->err(), Catch::Contains("数据库暂时无法访问，正在重试（已等待"));
    CHECK_THAT(verify->err(), Catch::Contains("keydesk batch verify: reading the batch's check "
                                              "jobs failed, trying again in"));
  }
  REQUIRE(pg.cluster("up") == 0);
  const int verified = verify->wait();
  INFO(verify->err() << worker.err());
  CHECK(verified == ref.exit_code);
  CHECK_THAT(verify->err(), Catch::Contains("the database answers again"));
  // Its progress went on once the database was back.
  const std::string err = verify->err();
  CHECK(err.find("核验进程处理中", err.rfind("数据库暂时无法访问")) != std::string::npos);
  CHECK(query_number(pg.uri(), "SELECT count(*) FROM check_jobs WHERE state <> 'done'") == 0);
  CHECK(report_outcomes(read_json(work.path() / "report" / "report.json")) ==
        report_outcomes(ref.report));
}

namespace {

// run_batch of the reference's submissions by workers on `db`, in a thread of the test's own, its
// queue looked at every 100 ms; stopped by `cancel`.
struct FollowedBatch {
  std::atomic<bool> cancel{false};
  std::mutex mutex;
  std::vector<std::string> progress;  // each progress.current, in order
  std::optional<keydesk::Result<nlohmann::json>> result;
  std::thread thread;
  FollowedBatch(const std::string& db, const TempDir& work) {
    keydesk::BatchOptions o;
    o.inputs = {reference().in};
    o.report_dir = work.path() / "report";
    o.db = db;
    o.rules_dir = KEYDESK_RULES_DIR;
    o.today = *keydesk::parse_date("2026-11-24");
    o.by_workers = true;
    o.poll_interval = std::chrono::milliseconds(100);
    o.cancel = &cancel;
    o.progress = [this](const keydesk::BatchProgress& p) {
      std::lock_guard lock(mutex);
      progress.push_back(p.current);
    };
    thread = std::thread([this, o] {
      auto r = keydesk::run_batch(o);
      std::lock_guard lock(mutex);
      result.emplace(std::move(r));
    });
  }
  ~FollowedBatch() {
    cancel = true;
    if (thread.joinable()) thread.join();
  }
  // Whether a progress line held `words`.
  bool said(const std::string& words) {
    std::lock_guard lock(mutex);
    return std::any_of(progress.begin(), progress.end(), [&](const std::string& line) {
      return line.find(words) != std::string::npos;
    });
  }
  // Whether run_batch returned, waiting at most `seconds`.
  bool ended(int seconds) {
    return wait_until(
        [&] {
          std::lock_guard lock(mutex);
          return result.has_value();
        },
        seconds);
  }
};

}  // namespace

TEST_CASE("a batch that waits for its database to follow the queue stops at once when told to",
          "[worker]") {
  OwnCluster pg;
  TempDir work;
  FollowedBatch batch(pg.uri(), work);
  REQUIRE(
      wait_until([&] { return query_number(pg.uri(), "SELECT count(*) FROM check_jobs") > 0; }));
  REQUIRE(pg.cluster("down") == 0);
  // Waiting for the database, its waits grown to seconds (0.1, 0.2, 0.4, 0.8, 1.6, 3.2 s …).
  REQUIRE(wait_until([&] { return batch.said("数据库暂时无法访问，正在重试（已等待 3 秒"); }, 60));
  const auto told = std::chrono::steady_clock::now();
  batch.cancel = true;
  REQUIRE(batch.ended(2));
  CHECK(std::chrono::steady_clock::now() - told < std::chrono::seconds(1));
  REQUIRE(batch.result);
  REQUIRE_FALSE(*batch.result);
  CHECK_THAT(batch.result->error().message, Catch::Contains("核验已停止"));
}

TEST_CASE("a batch following the queue ends at once on a database error that no outage gives",
          "[worker]") {
  TempDir work;
  const std::string db = (work.path() / "k.db").string();
  FollowedBatch batch(db, work);
  REQUIRE(wait_until([&] { return query_number(db, "SELECT count(*) FROM check_jobs") > 0; }));
  auto conn = keydesk::internal::open_unmigrated(db);
  REQUIRE(conn);
  REQUIRE((*conn)->exec("DROP TABLE check_jobs"));
  REQUIRE(batch.ended(5));
  REQUIRE(batch.result);
  REQUIRE_FALSE(*batch.result);
  CHECK(batch.result->error().kind == keydesk::ErrorKind::io);
  CHECK_FALSE(batch.said("数据库暂时无法访问"));
}

TEST_CASE("keydesk worker and batch verify --queue say what is missing", "[worker]") {
  TempDir work;
  const std::string db = (work.path() / "k.db").string();
  auto idle = run_keydesk("worker --db '" + db + "' --idle-exit");
  INFO(idle.err);
  CHECK(idle.exit_code == 0);
  CHECK_THAT(idle.out, Catch::Contains("0 done, 0 failed"));
  auto once = run_keydesk("--json worker --db '" + db + "' --once");
  CHECK(once.exit_code == 0);
  CHECK(nlohmann::json::parse(once.out)["done"] == 0);
  auto both = run_keydesk("worker --db '" + db + "' --once --idle-exit");
  CHECK(both.exit_code == 2);
  auto no_db = run_keydesk("batch verify '" KEYDESK_EXAMPLES_DIR "/submissions' --report '" +
                           (work.path() / "r").string() + "' --queue");
  CHECK(no_db.exit_code == 2);
  CHECK(keydesk::test::chinese_first(no_db.err.substr(no_db.err.find(' ') + 1)));
  CHECK_THAT(no_db.err, Catch::Contains("--db"));
}
