// Batch verification: every submission folder under the given paths, every scan analysed once
// (keyed by the SHA-256 of its bytes, kept in the database as soon as it is done), every
// submission checked against its procedure, and one report (DESIGN.md "Batch report"). The scans
// are analysed by this process's threads, or by `keydesk worker` processes that drain the
// database's check-job queue (check_worker.h): the results are the same either way.
//
// Resumable: a batch killed half way and run again with the same database redoes no finished
// scan and keeps its batch id. One bad file or folder never stops the batch: it becomes a finding
// or an `error` entry, and every submission given appears in the report.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "engine/calendar.h"

namespace keydesk {

struct BatchProgress {
  int done = 0;         // scans finished (including those found already done)
  int total = 0;        // scans in the batch
  int reused = 0;       // of `done`, taken from an earlier run
  std::string current;  // the scan just finished, "<submission>/<file>"
};

struct BatchOptions {
  std::vector<std::filesystem::path> inputs;  // submission folders, or folders of them
  std::filesystem::path report_dir;
  std::filesystem::path db;  // empty: <report_dir>/batch.db
  std::filesystem::path rules_dir;
  int jobs = 0;  // worker threads (one Tesseract engine each); 0: one per core
  Date today;
  std::string tessdata_dir;                            // empty: Tesseract's default
  std::function<void(const BatchProgress&)> progress;  // called from one thread at a time
  // The scans analysed by `keydesk worker` processes rather than here (`jobs` unused): every scan
  // is enqueued as a check job in `db`, progress is read from the job table every
  // `poll_interval`, and the report is written once every job has ended. `progress.current`
  // tells the clerk to start a worker when none has taken a job for `idle_note_after`.
  bool by_workers = false;
  // An outage of the database while the batch runs is waited out, as the workers wait it out, at
  // every step: opening it, recording the run, the scan cache's reads and writes, the enqueueing
  // and the queue's reads, the registry's, the run's end (and Engine::verify_batch's verdicts on
  // the cases). A read or write that fails because the database cannot be reached or is busy is
  // logged and tried again, the waits doubling from `poll_interval` up to `retry_cap`, and
  // `progress.current` says so; any other error ends the batch.
  std::chrono::milliseconds poll_interval{500};
  std::chrono::seconds idle_note_after{15};
  std::chrono::milliseconds retry_cap{30000};   // the longest wait between tries at the database
  std::function<void(const std::string&)> log;  // English lines for the operator; may be empty
  // Set by another thread to stop following the queue, also while the database is waited for
  // (an Error; the jobs and the results kept stay, and a rerun of the same batch goes on from
  // them). Without it, a batch waits for its database until it answers.
  const std::atomic<bool>* cancel = nullptr;
};

// Runs the batch and writes the report files; returns the report (report.json's content).
// An Error only when nothing can be done at all (rules unreadable, report directory or database
// not writable, Tesseract data missing).
Result<nlohmann::json> run_batch(const BatchOptions& options);

// The submission folders under `inputs`, sorted, and the inputs that hold none.
struct SubmissionDirs {
  std::vector<std::filesystem::path> dirs;
  std::vector<std::filesystem::path> not_submissions;
};
SubmissionDirs find_submission_dirs(const std::vector<std::filesystem::path>& inputs);

}  // namespace keydesk
