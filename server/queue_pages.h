// The clerks' queue pages as sent (JSON), kept while the database has not changed, shared by
// every thread that handles requests (server/app.cpp).
//
// Clerks read the queue far more often than cases change, and building a page of 200 cases (the
// JSON made and written out) is nearly all of such a request's time. Each handler thread has a
// database connection of its own, and a connection only tells whether the database changed since
// *it* last looked (CaseStore::generation(): SQLite's data_version and its own writes, PostgreSQL's
// store_generation), so the pages kept are under an edition of this cache that any connection
// moves on when it sees a change:
//
//   look(changed)  every lookup starts here; a connection that saw a change since its last look
//                  lets every page go (edition + 1). Returns the edition now.
//   find(key)      the page kept under `key`, if any.
//   keep(e, key)   keeps a page built after look() returned `e`, unless the edition has moved
//                  since: the page may have been read before the change that moved it.
//
// Why a page found is never older than a commit that ended before the request looked: the
// connection that looks sees that commit (on its first look after it) and moves the edition on
// then or before; a page read before the commit was kept under an older edition, and is let go
// with it or refused by keep().
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace keydesk::server {

class QueuePages {
 public:
  // At most this many pages are kept (a clerk's tabs and sorts; more: all let go and built again).
  static constexpr std::size_t kKept = 16;

  // `enabled` false: nothing is kept, every page is built afresh (the benchmark's comparison).
  explicit QueuePages(bool enabled = true) : enabled_(enabled) {}

  std::uint64_t look(bool changed);
  // The page kept under `key`; null when none.
  std::shared_ptr<const std::string> find(const std::string& key) const;
  void keep(std::uint64_t edition, const std::string& key, std::string page);

 private:
  const bool enabled_;
  mutable std::mutex mutex_;
  std::uint64_t edition_ = 0;
  std::map<std::string, std::shared_ptr<const std::string>> pages_;
};

}  // namespace keydesk::server
