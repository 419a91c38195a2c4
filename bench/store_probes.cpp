#include "bench/store_probes.h"

#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace keydesk::bench {

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t nanos_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
}

}  // namespace

// --- TimedVfs -----------------------------------------------------------------------------------

struct TimedVfs::State {
  sqlite3_vfs* real = nullptr;
  sqlite3_vfs vfs{};
  sqlite3_io_methods methods{};
  std::atomic<long> syncs{0}, sleeps{0};
  std::atomic<std::int64_t> sync_ns{0}, sleep_ns{0};
};

namespace {

TimedVfs::State* g_state = nullptr;

struct File {
  sqlite3_file base;   // base.pMethods is the timed methods once the real file is open
  sqlite3_file* real;  // the default VFS's file, in the same allocation, just after this
};

sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<File*>(f)->real; }

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* f = reinterpret_cast<File*>(file);
  std::memset(f, 0, sizeof(File));
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  std::memset(f->real, 0, static_cast<std::size_t>(g_state->real->szOsFile));
  const int rc = g_state->real->xOpen(g_state->real, name, f->real, flags, out_flags);
  // SQLite closes a file whose pMethods is set, even when its open failed.
  f->base.pMethods = f->real->pMethods ? &g_state->methods : nullptr;
  return rc;
}

sqlite3_io_methods timed_methods() {
  sqlite3_io_methods m{};
  m.iVersion = 3;
  m.xClose = [](sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); };
  m.xRead = [](sqlite3_file* f, void* out, int n, sqlite3_int64 offset) {
    return real(f)->pMethods->xRead(real(f), out, n, offset);
  };
  m.xWrite = [](sqlite3_file* f, const void* in, int n, sqlite3_int64 offset) {
    return real(f)->pMethods->xWrite(real(f), in, n, offset);
  };
  m.xTruncate = [](sqlite3_file* f, sqlite3_int64 size) {
    return real(f)->pMethods->xTruncate(real(f), size);
  };
  m.xSync = [](sqlite3_file* f, int flags) {
    const auto t0 = Clock::now();
    const int rc = real(f)->pMethods->xSync(real(f), flags);
    g_state->sync_ns += nanos_since(t0);
    ++g_state->syncs;
    return rc;
  };
  m.xFileSize = [](sqlite3_file* f, sqlite3_int64* out) {
    return real(f)->pMethods->xFileSize(real(f), out);
  };
  m.xLock = [](sqlite3_file* f, int level) { return real(f)->pMethods->xLock(real(f), level); };
  m.xUnlock = [](sqlite3_file* f, int level) { return real(f)->pMethods->xUnlock(real(f), level); };
  m.xCheckReservedLock = [](sqlite3_file* f, int* out) {
    return real(f)->pMethods->xCheckReservedLock(real(f), out);
  };
  m.xFileControl = [](sqlite3_file* f, int op, void* arg) {
    return real(f)->pMethods->xFileControl(real(f), op, arg);
  };
  m.xSectorSize = [](sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); };
  m.xDeviceCharacteristics = [](sqlite3_file* f) {
    return real(f)->pMethods->xDeviceCharacteristics(real(f));
  };
  // Shared memory (the WAL index) and memory-mapped reads, passed through where the file has them.
  m.xShmMap = [](sqlite3_file* f, int page, int size, int extend, void volatile** out) {
    if (real(f)->pMethods->iVersion < 2) return SQLITE_IOERR_SHMMAP;
    return real(f)->pMethods->xShmMap(real(f), page, size, extend, out);
  };
  m.xShmLock = [](sqlite3_file* f, int offset, int n, int flags) {
    if (real(f)->pMethods->iVersion < 2) return SQLITE_IOERR_SHMLOCK;
    return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
  };
  m.xShmBarrier = [](sqlite3_file* f) {
    if (real(f)->pMethods->iVersion >= 2) real(f)->pMethods->xShmBarrier(real(f));
  };
  m.xShmUnmap = [](sqlite3_file* f, int delete_flag) {
    if (real(f)->pMethods->iVersion < 2) return SQLITE_OK;
    return real(f)->pMethods->xShmUnmap(real(f), delete_flag);
  };
  m.xFetch = [](sqlite3_file* f, sqlite3_int64 offset, int n, void** out) {
    if (real(f)->pMethods->iVersion < 3) {
      *out = nullptr;
      return SQLITE_OK;
    }
    return real(f)->pMethods->xFetch(real(f), offset, n, out);
  };
  m.xUnfetch = [](sqlite3_file* f, sqlite3_int64 offset, void* p) {
    if (real(f)->pMethods->iVersion < 3) return SQLITE_OK;
    return real(f)->pMethods->xUnfetch(real(f), offset, p);
  };
  return m;
}

}  // namespace

TimedVfs::TimedVfs() : state_(new State) {
  g_state = state_;
  State& s = *state_;
  s.real = sqlite3_vfs_find(nullptr);
  if (!s.real) throw std::runtime_error("no default SQLite VFS");
  s.vfs = *s.real;
  s.vfs.szOsFile = static_cast<int>(sizeof(File)) + s.real->szOsFile;
  s.vfs.pNext = nullptr;
  s.vfs.zName = kName;
  s.vfs.pAppData = nullptr;
  s.vfs.xOpen = x_open;
  s.vfs.xDelete = [](sqlite3_vfs*, const char* name, int sync) {
    return g_state->real->xDelete(g_state->real, name, sync);
  };
  s.vfs.xAccess = [](sqlite3_vfs*, const char* name, int flags, int* out) {
    return g_state->real->xAccess(g_state->real, name, flags, out);
  };
  s.vfs.xFullPathname = [](sqlite3_vfs*, const char* name, int n, char* out) {
    return g_state->real->xFullPathname(g_state->real, name, n, out);
  };
  s.vfs.xDlOpen = [](sqlite3_vfs*, const char* name) {
    return g_state->real->xDlOpen(g_state->real, name);
  };
  s.vfs.xDlError = [](sqlite3_vfs*, int n, char* out) {
    g_state->real->xDlError(g_state->real, n, out);
  };
  s.vfs.xDlSym = [](sqlite3_vfs*, void* handle, const char* symbol) {
    return g_state->real->xDlSym(g_state->real, handle, symbol);
  };
  s.vfs.xDlClose = [](sqlite3_vfs*, void* handle) {
    g_state->real->xDlClose(g_state->real, handle);
  };
  s.vfs.xRandomness = [](sqlite3_vfs*, int n, char* out) {
    return g_state->real->xRandomness(g_state->real, n, out);
  };
  // The busy handler's waits (sqlite3_busy_timeout sleeps through the connection's VFS).
  s.vfs.xSleep = [](sqlite3_vfs*, int microseconds) {
    const auto t0 = Clock::now();
    const int slept = g_state->real->xSleep(g_state->real, microseconds);
    g_state->sleep_ns += nanos_since(t0);
    ++g_state->sleeps;
    return slept;
  };
  s.vfs.xCurrentTime = [](sqlite3_vfs*, double* out) {
    return g_state->real->xCurrentTime(g_state->real, out);
  };
  s.vfs.xGetLastError = [](sqlite3_vfs*, int n, char* out) {
    return g_state->real->xGetLastError(g_state->real, n, out);
  };
  if (s.real->iVersion >= 2)
    s.vfs.xCurrentTimeInt64 = [](sqlite3_vfs*, sqlite3_int64* out) {
      return g_state->real->xCurrentTimeInt64(g_state->real, out);
    };
  if (s.real->iVersion >= 3) {
    s.vfs.xSetSystemCall = nullptr;  // the default VFS's system calls stay as they are
    s.vfs.xGetSystemCall = nullptr;
    s.vfs.xNextSystemCall = nullptr;
  }
  s.methods = timed_methods();
  if (sqlite3_vfs_register(&s.vfs, 0) != SQLITE_OK)
    throw std::runtime_error("cannot register the timed VFS");
}

TimedVfs& TimedVfs::get() {
  static TimedVfs* vfs = new TimedVfs();  // never destroyed: SQLite keeps pointing at it
  return *vfs;
}

std::string TimedVfs::uri(const std::string& path) {
  get();
  std::string out;
  for (char c : std::filesystem::absolute(path).string())
    out += c == '%' ? "%25" : c == '?' ? "%3f" : c == '#' ? "%23" : std::string(1, c);
  return "file:" + out + "?vfs=" + kName;
}

TimedVfs::Totals TimedVfs::totals() const {
  return {state_->syncs.load(), static_cast<double>(state_->sync_ns.load()) / 1e9,
          state_->sleeps.load(), static_cast<double>(state_->sleep_ns.load()) / 1e9};
}

// --- CPU time -----------------------------------------------------------------------------------

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

namespace {

// /proc/PID/stat's fields after the command: [0] is the state (field 3), so field N is [N - 3].
std::optional<std::vector<std::string>> stat_fields(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  const auto close = line.rfind(')');  // the command may hold spaces and brackets
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 1));
  std::vector<std::string> fields;
  for (std::string f; rest >> f;) fields.push_back(f);
  if (fields.size() < 15) return std::nullopt;
  return fields;
}

}  // namespace

std::optional<double> server_cpu_seconds(long pid) {
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  auto field = [](const std::vector<std::string>& f, int n) {
    return std::strtod(f[static_cast<std::size_t>(n - 3)].c_str(), nullptr);
  };
  // The postmaster's cutime and cstime (16, 17): the children it has reaped.
  auto reaped = [&]() -> std::optional<double> {
    const auto f = stat_fields(pid);
    if (!f) return std::nullopt;
    return field(*f, 16) + field(*f, 17);
  };
  // A child reaped while its siblings are read would be counted twice or not at all: read again
  // until none was.
  for (int attempt = 0; attempt < 100; ++attempt) {
    const auto postmaster = stat_fields(pid);
    if (!postmaster) return std::nullopt;
    // utime, stime (14, 15) of the postmaster and of each living child.
    double ticks = field(*postmaster, 14) + field(*postmaster, 15);
    const double reaped_before = field(*postmaster, 16) + field(*postmaster, 17);
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
      const std::string name = entry.path().filename().string();
      if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
      const auto f = stat_fields(std::strtol(name.c_str(), nullptr, 10));
      if (f && std::strtol((*f)[1].c_str(), nullptr, 10) == pid)  // field 4: the parent
        ticks += field(*f, 14) + field(*f, 15);
    }
    const auto reaped_after = reaped();
    if (!reaped_after) return std::nullopt;
    if (*reaped_after == reaped_before) return (ticks + reaped_before) / tick;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

// --- PostgreSQL's statistics --------------------------------------------------------------------

Result<WalTotals> wal_totals(internal::Connection& db) {
  auto st = db.prepare(
      "SELECT wal_records, wal_bytes::bigint, wal_write, wal_sync, wal_write_time::text, "
      "wal_sync_time::text, (SELECT xact_commit FROM pg_stat_database WHERE datname = "
      "current_database()), current_setting('track_wal_io_timing') FROM pg_stat_wal");
  if (!st) return st.error();
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return Error{"pg_stat_wal has no row"};
  WalTotals w;
  w.records = static_cast<long>(st->integer(0));
  w.bytes = static_cast<long>(st->integer(1));
  w.writes = static_cast<long>(st->integer(2));
  w.syncs = static_cast<long>(st->integer(3));
  w.write_ms = std::strtod(st->text(4).c_str(), nullptr);
  w.sync_ms = std::strtod(st->text(5).c_str(), nullptr);
  w.commits = static_cast<long>(st->integer(6));
  w.timed = st->text(7) == "on";
  st->reset();
  return w;
}

bool await_other_connections_closed(internal::Connection& db, double seconds) {
  const auto start = Clock::now();
  for (;;) {
    auto others = internal::count_of(
        db,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> "
        "pg_backend_pid()");
    if (others && *others == 0) {
      // A backend leaves pg_stat_activity before it has quite exited.
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      return true;
    }
    if (std::chrono::duration<double>(Clock::now() - start).count() > seconds) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace keydesk::bench
