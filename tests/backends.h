// The two backends tests run the case database on: a fresh SQLite file, and a fresh database in
// the test run's own PostgreSQL cluster (tests/postgres/cluster.sh, ctest fixture `postgres`, its
// URI in KEYDESK_TEST_POSTGRES). Without that variable the PostgreSQL tests fail: they are never
// skipped.
#pragma once

#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/case_store.h"
#include "engine/counter.h"
#include "engine/intake.h"
#include "engine/internal/sql.h"
#include "engine/submission.h"
#include "tests/support.h"

namespace keydesk::test {

// A fresh SQLite file.
class SqliteBackend {
 public:
  const std::string& target() const { return target_; }

 private:
  TempDir dir_;
  std::string target_ = (dir_.path() / "cases.db").string();
};

// A fresh database in the test cluster, dropped at the end.
class PostgresBackend {
 public:
  PostgresBackend() {
    const char* admin = std::getenv("KEYDESK_TEST_POSTGRES");
    if (!admin || !*admin)
      FAIL(
          "KEYDESK_TEST_POSTGRES is not set: run the tests through ctest, whose postgres "
          "fixture starts the test cluster (tests/postgres/cluster.sh)");
    admin_ = admin;
    std::random_device rd;
    name_ = "keydesk_test_" + std::to_string(rd()) + std::to_string(rd());
    // postgresql:///postgres?host=… → postgresql:///NAME?host=…
    const auto query = admin_.find('?');
    const auto slash = admin_.rfind('/', query);
    REQUIRE(slash != std::string::npos);
    target_ = admin_.substr(0, slash + 1) + name_ +
              (query == std::string::npos ? "" : admin_.substr(query));
    auto conn = internal::open_unmigrated(admin_);
    INFO((conn ? "" : conn.error().message));
    REQUIRE(conn);
    REQUIRE((*conn)->exec("CREATE DATABASE " + name_));
  }
  ~PostgresBackend() {
    if (name_.empty()) return;
    if (auto conn = internal::open_unmigrated(admin_))
      (void)(*conn)->exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  PostgresBackend(const PostgresBackend&) = delete;
  PostgresBackend& operator=(const PostgresBackend&) = delete;
  const std::string& target() const { return target_; }

 private:
  std::string admin_, name_, target_;
};

// A PostgreSQL cluster of the test's own (tests/postgres/cluster.sh), which it may stop and start
// again: the shared test cluster serves every other test at the same time.
struct OwnCluster {
  std::string dir = "/tmp/kdpg-" + std::to_string(std::random_device{}());
  OwnCluster() { REQUIRE(cluster("start") == 0); }
  ~OwnCluster() { (void)cluster("stop"); }
  OwnCluster(const OwnCluster&) = delete;
  OwnCluster& operator=(const OwnCluster&) = delete;
  // cluster.sh `action` (start, stop, down, up) on this cluster: its exit code.
  int cluster(const std::string& action) const {
    const std::string command =
        "bash '" + std::string(KEYDESK_PG_CLUSTER) + "' " + action + " '" + dir + "' >/dev/null";
    return std::system(command.c_str());
  }
  std::string uri() const { return "postgresql:///postgres?host=" + dir + "&user=keydesk"; }
};

// The first column of the first row of `sql` on `target`, as a number.
inline long query_number(const std::string& target, const std::string& sql) {
  auto conn = internal::open_unmigrated(target);
  REQUIRE(conn);
  auto q = (*conn)->prepare(sql);
  if (!q) return -1;  // check_jobs not made yet
  auto row = q->step();
  if (!row || !*row) return -1;
  return static_cast<long>(q->integer(0));
}

// The example registry (examples/registry.json) in `store`, and cases `ids` opened in it on the
// bundled rules from example submission S-2026-000206 (a reissue, 青岛永盛实业有限公司), each under
// its own id, by a clerk of `authority` on 2026-11-23 at 09:00, awaiting the clerk's review.
inline void open_example_cases(CaseStore& store, const std::vector<std::string>& ids,
                               const std::string& authority) {
  auto counter = load_counter_config(std::string(KEYDESK_RULES_DIR) + "/counter.yaml");
  REQUIRE(counter);
  std::ifstream registry(std::string(KEYDESK_EXAMPLES_DIR) + "/registry.json");
  REQUIRE(store.import(nlohmann::json::parse(registry)));
  for (const auto& id : ids) {
    std::ifstream in(std::string(KEYDESK_EXAMPLES_DIR) +
                     "/submissions/S-2026-000206/submission.json");
    nlohmann::json s = nlohmann::json::parse(in);
    s["id"] = id;
    auto typed = parse_submission(s);
    REQUIRE(typed);
    REQUIRE(open_submission_case(store, KEYDESK_RULES_DIR, *counter, *typed,
                                 {"setup", "authority_clerk", authority},
                                 "2026-11-23T09:00:00+08:00"));
  }
}

}  // namespace keydesk::test
