// The two backends tests run the case database on: a fresh SQLite file, and a fresh database in
// the test run's own PostgreSQL cluster (tests/postgres/cluster.sh, ctest fixture `postgres`, its
// URI in KEYDESK_TEST_POSTGRES). Without that variable the PostgreSQL tests fail: they are never
// skipped.
#pragma once

#include <cstdlib>
#include <random>
#include <string>

#include <catch2/catch.hpp>

#include "engine/internal/sql.h"
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

}  // namespace keydesk::test
