// `keydesk worker`: drains the check-job queue of a case database (check_job_repository.h). Any
// number of workers, on any machine that reaches the database and the scans, claim pending
// document checks, analyse each scan as an in-process batch would (internal/scan_check.h: the
// same function), keep its result in the scan cache and mark the job done. A worker holds each
// job under a lease that it renews while it works; a worker killed mid-job loses nothing: the job
// is claimed again once its lease runs out. A job whose workers died on it `max_attempts` times
// fails, and its batch reports the scan as not checked.
//
// A worker that runs until stopped outlives an outage of its database of any length, and a
// restart of it: what it cannot read or write is logged and tried again, the waits doubling from
// poll_interval up to retry_cap, until the database is back. Nothing in hand is dropped meanwhile:
// a job's result waits to be kept and its end to be recorded, the job held (its lease renewed
// once the database answers again). At startup it waits for a database server that cannot be
// reached now; one that refuses its address, name or password ends it at once, saying so. With
// --once or --idle-exit (scripts, tests), a database error ends the worker instead.
//
// Every value a job row holds is checked before it is used: its form values and teachers must be
// the JSON the batch writes, and its scan cache key must be the one those values, its content and
// its material give (else the job fails, and nothing is kept).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "common/result.h"

namespace keydesk {

struct CheckWorkerOptions {
  std::string db;  // the case database: an SQLite path or a postgresql:// URI
  std::filesystem::path rules_dir;
  int threads = 1;  // jobs worked on at once, one OCR engine each
  // How long the worker goes on: until stopped; one job at most; or until no job of its
  // analysis version is pending or claimed by anyone.
  enum class Until { stopped, one_job, idle } until = Until::stopped;
  std::chrono::seconds lease{60};  // renewed every third of it while the job is worked on
  int max_attempts = 3;
  std::chrono::milliseconds poll_interval{1000};  // between looks at an empty queue
  std::chrono::milliseconds retry_cap{30000};     // the longest wait between tries at the database
  std::string tessdata_dir;                       // empty: Tesseract's default
  std::string name;  // as claimed_by shows it (each thread adds "/N"); empty: host:pid
  std::function<std::int64_t()> clock;          // Unix seconds; empty: the system clock
  std::function<void(const std::string&)> log;  // one line per job ended; may be empty
  const std::atomic<bool>* stop = nullptr;      // set (a signal): end the jobs in hand, return
};

struct CheckWorkerTally {
  long done = 0;    // jobs whose result was kept
  long failed = 0;  // jobs failed (their reason logged)
};

// Works as `options` say. An Error only when the worker cannot work at all (the database or the
// rules unreadable, Tesseract's data missing; with Until::one_job or idle, the database failing);
// a job that fails is counted and logged.
Result<CheckWorkerTally> run_check_worker(const CheckWorkerOptions& options);

}  // namespace keydesk
