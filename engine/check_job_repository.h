// Where the check-job queue lives (migration 9): one row per scan a batch needs analysed, which
// `keydesk worker` processes claim, work on under a lease, and end done or failed. Storage only:
// the repository decides no lease length and no number of attempts, and reads no scan; the batch
// (batch.cpp) and the worker (check_worker.h) do. Every backend gives the
// same answers to the same calls (tests/engine/store_contract_test.cpp runs them on each).
//
// States of a job:
//
//   pending ──claim──► claimed ──finish──► done
//                        │  └──fail, fail_abandoned──► failed
//                        └──claim, once its lease has run out──► claimed (by another worker)
//
// enqueue may also add a job done already (its result kept by an earlier run).
//
// A claim takes a pending job, or a claimed one whose lease_until lies before `now`; on
// PostgreSQL with FOR UPDATE SKIP LOCKED (claimers never wait for each other's rows), on SQLite
// inside a write transaction. Two claimers never hold the same job at once. renew, finish and
// fail act only on a job still claimed by the worker that calls them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace keydesk {

struct CheckJob {
  long id = 0;  // given by enqueue
  std::string batch;
  std::string key;         // the scan cache's key of its result (scan_store.h)
  std::string submission;  // "<submission folder>/<file>", for progress and messages
  std::string file;        // the material file, as workers read it
  std::string sha256;      // of its bytes when enqueued
  std::string material;
  std::string pipeline;  // the analysis version its result must come from
  std::string hints;     // JSON text: the form's values to look for
  int stage = 1;         // 2: claimable once no stage 1 job of its batch is pending or claimed
  std::string teachers = "[]";    // JSON text: scan cache keys whose places are read first
  std::string state = "pending";  // pending | claimed | done | failed
  std::string claimed_by;
  std::int64_t lease_until = 0;  // Unix seconds
  int attempts = 0;              // claims so far
  std::string result_key;        // done: the scan cache row of its result
  std::string error;             // failed: why
};

// A batch's jobs by state.
struct CheckJobCounts {
  long pending = 0, claimed = 0, done = 0, failed = 0;
  long total() const { return pending + claimed + done + failed; }
  long open() const { return pending + claimed; }
};

class CheckJobRepository {
 public:
  virtual ~CheckJobRepository() = default;

  // Adds each job whose batch has no job of its key yet, with its state, result_key and error
  // as given (a scan whose result is kept already is enqueued done); the rest are left as they
  // are. Returns how many were added. All or nothing.
  virtual Result<long> enqueue(const std::vector<CheckJob>& jobs) = 0;

  // Claims the oldest job of `pipeline` that is pending, or claimed with its lease run out
  // (lease_until < now) after fewer than `max_attempts` claims; a stage 2 job only when no stage
  // 1 job of its batch is pending or claimed. Sets claimed_by = `worker`, lease_until, attempts +
  // 1. nullopt: none to claim now.
  virtual Result<std::optional<CheckJob>> claim(const std::string& worker,
                                                const std::string& pipeline, std::int64_t now,
                                                std::int64_t lease_until, int max_attempts) = 0;

  // Moves the lease of job `id` on to `lease_until`: false when `worker` no longer holds it.
  virtual Result<bool> renew(long id, const std::string& worker, std::int64_t lease_until) = 0;
  // Job `id` done, its result in the scan cache under `result_key`: false when `worker` no
  // longer holds it (nothing changed).
  virtual Result<bool> finish(long id, const std::string& worker,
                              const std::string& result_key) = 0;
  // Job `id` failed with `error`: false when `worker` no longer holds it (nothing changed).
  virtual Result<bool> fail(long id, const std::string& worker, const std::string& error) = 0;
  // Every job whose lease ran out after `max_attempts` claims (its workers died on it) failed
  // with `error`. Returns how many.
  virtual Result<long> fail_abandoned(std::int64_t now, int max_attempts,
                                      const std::string& error) = 0;

  // Batch `batch`'s jobs by state.
  virtual Result<CheckJobCounts> counts(const std::string& batch) = 0;
  // Jobs of `pipeline`, of every batch, by state (what a worker of that version could still get).
  virtual Result<CheckJobCounts> counts_of_pipeline(const std::string& pipeline) = 0;
  // Batch `batch`'s jobs, by id.
  virtual Result<std::vector<CheckJob>> jobs_of(const std::string& batch) = 0;
};

// The queue in the case database `target`: a "postgresql://" URI, else an SQLite path, migrated
// to the newest schema of its dialect.
Result<std::unique_ptr<CheckJobRepository>> open_check_job_repository(const std::string& target);

}  // namespace keydesk
