// A SQLite VFS that fails on demand, for fault tests in the manner of SQLite's own (test_vfs.c,
// the ioerr and diskfull tests) and LevelDB's fault-injection env.
//
// It wraps the default VFS and counts, for every connection opened on it, the operations on its
// files (the database, its WAL and journals) that a fault would fail: writes, syncs, truncates
// and reads for an I/O error, writes for a full disk, attempts at an exclusive lock (the write
// lock, a read mark, a checkpoint) for a busy database. Armed, it fails the Nth of them, once or
// from then on, with the code the real layer gives (SQLITE_IOERR_WRITE, _FSYNC, _TRUNCATE,
// _READ; SQLITE_FULL; SQLITE_BUSY); everything else passes through to the default VFS, so the
// file on disk is a real SQLite file that any other connection can open.
//
// A database is opened on it by URI (CaseStore::open and Accounts::open accept one):
// FaultVfs::uri("/tmp/x/k.db") is "file:/tmp/x/k.db?vfs=keydesk-faults". Its sleeps return at
// once, so a busy timeout runs out without the 5 s wait.
#pragma once

#include <sqlite3.h>

#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>

namespace keydesk::test {

enum class Fault {
  io_error,   // a write, sync, truncate or read fails (SQLITE_IOERR_WRITE, _FSYNC, …)
  disk_full,  // a write fails: no space left (SQLITE_FULL)
  busy,       // an exclusive lock is held by another process (SQLITE_BUSY)
};

inline const char* fault_name(Fault f) {
  return f == Fault::io_error ? "I/O error" : f == Fault::disk_full ? "disk full" : "busy";
}

// What keydesk's error for a store failing so begins with (engine/internal/sqlite.cpp).
inline const char* store_message_start(Fault f) {
  return f == Fault::io_error    ? "数据库文件读写出错"
         : f == Fault::disk_full ? "磁盘已满"
                                 : "数据库正忙";
}

class FaultVfs {
 public:
  static constexpr const char* kName = "keydesk-faults";

  // The VFS, registered with SQLite on first use (not as the default).
  static FaultVfs& get() {
    static FaultVfs* vfs = new FaultVfs();  // never destroyed: SQLite keeps pointing at it
    return *vfs;
  }

  // A URI that opens `db` on this VFS.
  static std::string uri(const std::filesystem::path& db) {
    get();
    std::string path;
    for (char c : std::filesystem::absolute(db).string())
      path += c == '%' ? "%25" : c == '?' ? "%3f" : c == '#' ? "%23" : std::string(1, c);
    return "file:" + path + "?vfs=" + kName;
  }

  // Counts from zero, with nothing armed.
  void reset() {
    std::lock_guard<std::mutex> lock(mutex_);
    fail_at_ = 0;
    persistent_ = false;
    counted_[0] = counted_[1] = counted_[2] = 0;
    injected_ = 0;
  }
  // Fails the `nth` (1-based) operation that `fault` fails, counted from now on; `persistent`:
  // and every one after it, until clear().
  void arm(Fault fault, long nth, bool persistent) {
    reset();
    std::lock_guard<std::mutex> lock(mutex_);
    fault_ = fault;
    fail_at_ = nth;
    persistent_ = persistent;
  }
  // Disarms (the counting goes on).
  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    fail_at_ = 0;
  }
  // The operations `fault` would fail, counted since reset() or arm().
  long counted(Fault fault) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return counted_[static_cast<int>(fault)];
  }
  // Operations failed since arm().
  long injected() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return injected_;
  }

 private:
  enum Op { kWrite, kSync, kTruncate, kRead, kLock };

  struct File {
    sqlite3_file base;   // base.pMethods is kMethods once the real file is open
    sqlite3_file* real;  // the default VFS's file, in the same allocation, just after this
  };

  FaultVfs() {
    real_ = sqlite3_vfs_find(nullptr);
    if (!real_) throw std::runtime_error("no default SQLite VFS");
    vfs_ = *real_;
    vfs_.szOsFile = static_cast<int>(sizeof(File)) + real_->szOsFile;
    vfs_.pNext = nullptr;
    vfs_.zName = kName;
    vfs_.pAppData = this;
    vfs_.xOpen = x_open;
    vfs_.xDelete = [](sqlite3_vfs*, const char* name, int sync) {
      return self().real_->xDelete(self().real_, name, sync);
    };
    vfs_.xAccess = [](sqlite3_vfs*, const char* name, int flags, int* out) {
      return self().real_->xAccess(self().real_, name, flags, out);
    };
    vfs_.xFullPathname = [](sqlite3_vfs*, const char* name, int n, char* out) {
      return self().real_->xFullPathname(self().real_, name, n, out);
    };
    vfs_.xDlOpen = [](sqlite3_vfs*, const char* name) {
      return self().real_->xDlOpen(self().real_, name);
    };
    vfs_.xDlError = [](sqlite3_vfs*, int n, char* out) {
      self().real_->xDlError(self().real_, n, out);
    };
    vfs_.xDlSym = [](sqlite3_vfs*, void* handle, const char* symbol) {
      return self().real_->xDlSym(self().real_, handle, symbol);
    };
    vfs_.xDlClose = [](sqlite3_vfs*, void* handle) {
      self().real_->xDlClose(self().real_, handle);
    };
    vfs_.xRandomness = [](sqlite3_vfs*, int n, char* out) {
      return self().real_->xRandomness(self().real_, n, out);
    };
    // The busy handler's waits: counted as slept, not slept.
    vfs_.xSleep = [](sqlite3_vfs*, int microseconds) { return microseconds; };
    vfs_.xCurrentTime = [](sqlite3_vfs*, double* out) {
      return self().real_->xCurrentTime(self().real_, out);
    };
    vfs_.xGetLastError = [](sqlite3_vfs*, int n, char* out) {
      return self().real_->xGetLastError(self().real_, n, out);
    };
    if (real_->iVersion >= 2)
      vfs_.xCurrentTimeInt64 = [](sqlite3_vfs*, sqlite3_int64* out) {
        return self().real_->xCurrentTimeInt64(self().real_, out);
      };
    if (real_->iVersion >= 3) {
      vfs_.xSetSystemCall = nullptr;  // the default VFS's system calls stay as they are
      vfs_.xGetSystemCall = nullptr;
      vfs_.xNextSystemCall = nullptr;
    }
    methods_ = make_methods();
    if (sqlite3_vfs_register(&vfs_, 0) != SQLITE_OK)
      throw std::runtime_error("cannot register the fault VFS");
  }

  static FaultVfs& self() { return get(); }
  static sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<File*>(f)->real; }

  // Whether `fault` fails `op`.
  static bool fails(Fault fault, Op op) {
    switch (fault) {
      case Fault::io_error:
        return op != kLock;
      case Fault::disk_full:
        return op == kWrite;
      case Fault::busy:
        return op == kLock;
    }
    return false;
  }

  // Counts `op`; SQLITE_OK, or the code it fails with now.
  int decide(Op op) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (Fault f : {Fault::io_error, Fault::disk_full, Fault::busy})
      if (fails(f, op)) ++counted_[static_cast<int>(f)];
    if (fail_at_ == 0 || !fails(fault_, op)) return SQLITE_OK;
    const long n = counted_[static_cast<int>(fault_)];
    if (n < fail_at_ || (n > fail_at_ && !persistent_)) return SQLITE_OK;
    ++injected_;
    switch (fault_) {
      case Fault::disk_full:
        return SQLITE_FULL;
      case Fault::busy:
        return SQLITE_BUSY;
      case Fault::io_error:
        break;
    }
    return op == kWrite      ? SQLITE_IOERR_WRITE
           : op == kSync     ? SQLITE_IOERR_FSYNC
           : op == kTruncate ? SQLITE_IOERR_TRUNCATE
                             : SQLITE_IOERR_READ;
  }

  static int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags,
                    int* out_flags) {
    auto* f = reinterpret_cast<File*>(file);
    std::memset(f, 0, sizeof(File));
    f->real = reinterpret_cast<sqlite3_file*>(f + 1);
    std::memset(f->real, 0, static_cast<std::size_t>(self().real_->szOsFile));
    const int rc = self().real_->xOpen(self().real_, name, f->real, flags, out_flags);
    // SQLite closes a file whose pMethods is set, even when its open failed.
    f->base.pMethods = f->real->pMethods ? &self().methods_ : nullptr;
    return rc;
  }

  sqlite3_io_methods make_methods() {
    sqlite3_io_methods m{};
    m.iVersion = 3;
    m.xClose = [](sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); };
    m.xRead = [](sqlite3_file* f, void* out, int n, sqlite3_int64 offset) {
      if (int rc = self().decide(kRead)) return rc;
      return real(f)->pMethods->xRead(real(f), out, n, offset);
    };
    m.xWrite = [](sqlite3_file* f, const void* in, int n, sqlite3_int64 offset) {
      if (int rc = self().decide(kWrite)) return rc;
      return real(f)->pMethods->xWrite(real(f), in, n, offset);
    };
    m.xTruncate = [](sqlite3_file* f, sqlite3_int64 size) {
      if (int rc = self().decide(kTruncate)) return rc;
      return real(f)->pMethods->xTruncate(real(f), size);
    };
    m.xSync = [](sqlite3_file* f, int flags) {
      if (int rc = self().decide(kSync)) return rc;
      return real(f)->pMethods->xSync(real(f), flags);
    };
    m.xFileSize = [](sqlite3_file* f, sqlite3_int64* out) {
      return real(f)->pMethods->xFileSize(real(f), out);
    };
    m.xLock = [](sqlite3_file* f, int level) {
      if (level >= SQLITE_LOCK_RESERVED)
        if (int rc = self().decide(kLock)) return rc;
      return real(f)->pMethods->xLock(real(f), level);
    };
    m.xUnlock = [](sqlite3_file* f, int level) {
      return real(f)->pMethods->xUnlock(real(f), level);
    };
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
    // Shared memory (the WAL index) is the main database file's; the default VFS's files all
    // have it, but a file without it says so rather than being called through a null pointer.
    m.xShmMap = [](sqlite3_file* f, int page, int size, int extend, void volatile** out) {
      if (real(f)->pMethods->iVersion < 2) return SQLITE_IOERR_SHMMAP;
      return real(f)->pMethods->xShmMap(real(f), page, size, extend, out);
    };
    m.xShmLock = [](sqlite3_file* f, int offset, int n, int flags) {
      if (real(f)->pMethods->iVersion < 2) return SQLITE_IOERR_SHMLOCK;
      if ((flags & SQLITE_SHM_LOCK) && (flags & SQLITE_SHM_EXCLUSIVE))
        if (int rc = self().decide(kLock)) return rc;
      return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
    };
    m.xShmBarrier = [](sqlite3_file* f) {
      if (real(f)->pMethods->iVersion >= 2) real(f)->pMethods->xShmBarrier(real(f));
    };
    m.xShmUnmap = [](sqlite3_file* f, int delete_flag) {
      if (real(f)->pMethods->iVersion < 2) return SQLITE_OK;
      return real(f)->pMethods->xShmUnmap(real(f), delete_flag);
    };
    // No memory-mapped reads: every read goes through xRead, where it is counted.
    m.xFetch = [](sqlite3_file*, sqlite3_int64, int, void** out) {
      *out = nullptr;
      return SQLITE_OK;
    };
    m.xUnfetch = [](sqlite3_file*, sqlite3_int64, void*) { return SQLITE_OK; };
    return m;
  }

  sqlite3_vfs* real_ = nullptr;
  sqlite3_vfs vfs_{};
  sqlite3_io_methods methods_{};
  mutable std::mutex mutex_;
  Fault fault_ = Fault::io_error;
  long fail_at_ = 0;  // 0: nothing armed
  bool persistent_ = false;
  long counted_[3] = {0, 0, 0};  // by Fault
  long injected_ = 0;
};

}  // namespace keydesk::test
