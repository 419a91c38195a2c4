// keydesk worker end to end: `batch verify --queue` enqueues a small generated batch in a
// database of the test PostgreSQL cluster (ctest fixture `postgres`), real `keydesk worker`
// processes drain it with real OCR, and the report must equal that of one in-process run. One
// worker is killed with SIGKILL in the middle of a job; another finishes the batch.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "engine/internal/sql.h"
#include "tests/backends.h"
#include "tests/processes.h"
#include "tests/support.h"

using keydesk::test::Keydesk;
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
  Reference() {
    REQUIRE(keydesk::test::scangen("--count 3 --faults mix --seed 23 -q --out '" + in.string() +
                                   "'") == 0);
    auto run =
        run_keydesk("batch verify '" + in.string() + "' --report '" +
                    (dir.path() / "report").string() + "' --jobs 1 --quiet --today 2026-11-24");
    INFO(run.err);
    REQUIRE((run.exit_code == 0 || run.exit_code == 1));
    report = read_json(dir.path() / "report" / "report.json");
    REQUIRE(report["submissions"].size() == 3);
  }
};

Reference& reference() {
  static Reference r;
  return r;
}

// `batch verify --queue` of the reference's submissions into `pg`, started in the background.
std::unique_ptr<Keydesk> enqueue_batch(const PostgresBackend& pg, const TempDir& work) {
  auto verify =
      std::make_unique<Keydesk>("batch verify '" + reference().in.string() + "' --report '" +
                                    (work.path() / "report").string() + "' --db '" + pg.target() +
                                    "' --queue --today 2026-11-24",
                                work.path() / "verify");
  REQUIRE(
      wait_until([&] { return query_number(pg.target(), "SELECT count(*) FROM check_jobs") > 0; }));
  return verify;
}

std::string worker_args(const PostgresBackend& pg, const std::string& name,
                        const std::string& more) {
  return "worker --db '" + pg.target() + "' --name " + name + " " + more;
}

}  // namespace

TEST_CASE("two keydesk workers on one PostgreSQL database give the report of one in-process run",
          "[worker]") {
  Reference& ref = reference();
  PostgresBackend pg;
  TempDir work;
  auto verify = enqueue_batch(pg, work);
  Keydesk one(worker_args(pg, "w1", "--idle-exit"), work.path() / "w1");
  Keydesk two(worker_args(pg, "w2", "--idle-exit"), work.path() / "w2");
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
  auto verify = enqueue_batch(pg, work);
  long killed_job = -1;
  {
    Keydesk first(worker_args(pg, "first", "--lease 2"), work.path() / "first");
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
  Keydesk second(worker_args(pg, "second", "--idle-exit --lease 2"), work.path() / "second");
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
