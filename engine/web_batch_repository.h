// Where the batch checks started from the web counter live (migration 10): one row per batch,
// so that every `keydesk serve` on the database shows every batch. Storage only: the repository
// decides no heartbeat limit and reads no scan; WebBatches (web_batches.h) does. Every backend
// gives the same answers to the same calls (tests/engine/store_contract_test.cpp runs them on
// each).
//
// States of a batch:
//
//   running ──finish──► done | failed | interrupted ──remove_ended, once old enough──► (gone)
//      │                         └───────┬───────┘
//      │                   resume ◄──────┘ (running again, on the server that resumes it)
//      └──start of another, once its heartbeat is older than the limit──► interrupted
//
// At most one batch of each issuing authority is running: start decides it in one write
// transaction (and a unique index, migration 12, stands behind it). progress changes only a batch
// still running on the server that calls it; finish only a batch of that server.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "engine/workflow.h"

namespace keydesk {

struct WebBatch {
  std::string id;                 // 批次号, W-<counter date>-<random>
  Actor started_by;               // the clerk: name, role, authority
  std::string state = "running";  // running | done | failed | interrupted
  int cases = 0;                  // submissions in the batch
  int done = 0, total = 0;        // scans checked, of all (known once the folders are read)
  std::string current;            // the scan just checked, or what the batch waits for
  std::string error;              // failed, interrupted: why, and what to do
  std::string report_batch;       // done: the batch report's id (B-…)
  // done: [{id, verdict, findings, recorded, detail}], one per submission.
  nlohmann::json submissions = nlohmann::json::array();
  std::string started_at, finished_at;  // counter time; finished_at "" while running
  std::string server;                   // the process running it
  std::int64_t heartbeat_at = 0;        // Unix seconds: when that process last said it runs it
  // The submission folders it checks (migration 13; none for a batch started before it).
  std::vector<std::string> folders;
};

class WebBatchRepository {
 public:
  virtual ~WebBatchRepository() = default;

  // In one write transaction: every running batch whose heartbeat lies before `stale_before`
  // ended interrupted with `stale_error` at `stale_at`; then, if a batch of `batch`'s authority
  // (started_by.authority) is still running, that batch is returned and nothing is added; else
  // `batch` is added (running) and nullopt returned.
  virtual Result<std::optional<WebBatch>> start(const WebBatch& batch, std::int64_t stale_before,
                                                const std::string& stale_error,
                                                const std::string& stale_at) = 0;

  // As start, for batch `batch.id` that ended failed or interrupted: in one write transaction,
  // the stale running batches ended interrupted; then the batch of the authority still running,
  // if any, returned and nothing changed; else the batch running again on `batch.server` with
  // `batch.heartbeat_at`, its progress, error, results and end cleared, and nullopt returned. A
  // refused Error when the batch is not failed or interrupted (another server resumed it first,
  // or it is done) or is gone.
  virtual Result<std::optional<WebBatch>> resume(const WebBatch& batch, std::int64_t stale_before,
                                                 const std::string& stale_error,
                                                 const std::string& stale_at) = 0;

  // Batch `id`'s progress and heartbeat, if it is still running on `server`: false when not.
  virtual Result<bool> progress(const std::string& id, const std::string& server, int done,
                                int total, const std::string& current,
                                std::int64_t heartbeat_at) = 0;

  // The end of batch `id` on `server`: its state, done, total, current, error, report_batch,
  // submissions and finished_at as `ended` gives them. false when `server` does not run it.
  virtual Result<bool> finish(const WebBatch& ended) = 0;

  // Batch `id` as stored; nullopt when there is none.
  virtual Result<std::optional<WebBatch>> find(const std::string& id) = 0;

  // Every batch that ended (done, failed, interrupted) before `ended_before` (counter time, as
  // finished_at holds it: compared as text, so in the offset finished_at is written with) removed;
  // a running batch never. The number removed.
  virtual Result<long> remove_ended(const std::string& ended_before) = 0;
};

// The batches in the case database `target`: a "postgresql://" URI, else an SQLite path,
// migrated to the newest schema of its dialect.
Result<std::unique_ptr<WebBatchRepository>> open_web_batch_repository(const std::string& target);

}  // namespace keydesk
