// One scan analysed and its result kept in the scan cache: what run_batch's threads and
// `keydesk worker` (check_worker.cpp) both do, so a batch gives the same results whichever ran
// it. Internal to the engine.
#pragma once

#include <filesystem>
#include <mutex>
#include <string>

#include "common/result.h"
#include "engine/internal/batch_folder.h"
#include "engine/internal/scan_store.h"
#include "ocr/scan.h"

namespace keydesk::internal {

// The analysis version of the rules in `rules_dir` (the pipeline's own and its documents.yaml):
// results kept under another are stale.
std::string pipeline_version(const std::filesystem::path& rules_dir);

// The scan cache key of a scan of content `sha256` uploaded as `material`, looked at for the
// form values of `hints` (not its places) by analysis `version`.
std::string scan_key(const std::string& sha256, const std::string& material,
                     const std::string& version, const ocr::ScanHints& hints);

// `hints` told to read first where `teacher`, a scan of the same material type, held what was
// looked for (ScanHints::places).
void read_first_where(ocr::ScanHints& hints, const ocr::ScanResult& teacher);

struct ScanOutcome {
  ocr::ScanResult result;
  // false: the file could not be read again, or its bytes are no longer those of `job.sha256`;
  // `result` says so (problem) and was not kept, for it tells nothing of the content.
  bool of_content = true;
  Status kept = std::monostate{};  // the scan cache's error when keeping it failed
};

// Reads `job.path` again, analyses it with `analyzer` for `job.hints` and keeps the result in
// `store` under `key` (holding `store_mutex` meanwhile, when given).
ScanOutcome analyse_and_keep(ocr::ScanAnalyzer& analyzer, const ScanJob& job,
                             const std::string& key, ScanStore& store,
                             std::mutex* store_mutex = nullptr);

}  // namespace keydesk::internal
