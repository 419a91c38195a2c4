// Where a benchmark's time on the case store goes, measured rather than guessed (workflow_bench):
// what this process spent on the CPU, what a PostgreSQL server's processes spent, how often and
// how long the database waited for the disk at commit, and how long SQLite writers slept waiting
// for each other. Each probe reads a running total; a benchmark takes it before and after what it
// times and reports the difference.
#pragma once

#include <optional>
#include <string>

#include "common/result.h"
#include "engine/internal/sql.h"

namespace keydesk::bench {

// A SQLite VFS over the default one that passes everything through and keeps a running total of
// the time spent in each file's sync (fdatasync of the WAL at every commit under
// synchronous=FULL, of the WAL and the database at a checkpoint) and in the busy handler's sleeps
// (a writer waiting for another's write lock). Totals are for every connection opened on it, in
// any thread. A database is opened on it by URI (CaseStore::open takes one):
// TimedVfs::uri("/tmp/x/k.db") is "file:/tmp/x/k.db?vfs=keydesk-timed".
class TimedVfs {
 public:
  static constexpr const char* kName = "keydesk-timed";

  struct Totals {
    long syncs = 0;
    double sync_seconds = 0;
    long sleeps = 0;
    double sleep_seconds = 0;
  };

  // The VFS, registered with SQLite on first use (not as the default).
  static TimedVfs& get();
  // A URI that opens the SQLite file `path` on it.
  static std::string uri(const std::string& path);
  // Since the process started.
  Totals totals() const;

  struct State;  // the VFS registered, and its totals

 private:
  TimedVfs();
  State* state_;  // never freed: SQLite keeps pointing into it
};

// CPU seconds (user and system) of this process, every thread.
double process_cpu_seconds();

// CPU seconds (user and system) of the PostgreSQL server whose postmaster is `pid`: the
// postmaster, its living children (background processes, connections' backends) and the
// children it has reaped (backends of connections since closed). nullopt when /proc cannot tell
// (no such process: a server on another machine).
std::optional<double> server_cpu_seconds(long pid);

// PostgreSQL's counts of WAL activity (pg_stat_wal, cluster-wide) and of the commits of the
// database connected to (pg_stat_database). The times are in milliseconds and 0 unless
// track_wal_io_timing is on (`timed`).
struct WalTotals {
  long records = 0;
  long bytes = 0;
  long writes = 0;
  long syncs = 0;
  double write_ms = 0;
  double sync_ms = 0;
  long commits = 0;
  bool timed = false;
};
Result<WalTotals> wal_totals(internal::Connection& db);

// Waits (up to `seconds`) until no other connection to `db`'s database is open, so that the
// backends of closed connections have exited and reported their statistics. False on timeout.
bool await_other_connections_closed(internal::Connection& db, double seconds);

}  // namespace keydesk::bench
