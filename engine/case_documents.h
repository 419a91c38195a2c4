// The counter's documents (docs_gen) filled from cases in the case store: the same for
// `keydesk docs … --case` and the web counter's PDF links. Personal data is masked here, before
// docs_gen sees it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "docs_gen/documents.h"
#include "engine/case_store.h"
#include "engine/counter.h"

namespace keydesk {

// What a document from cases needs: the counter, its store, the document's date.
struct DocumentContext {
  const CounterConfig& counter;
  CaseStore& store;
  Date today;
  std::filesystem::path rules_dir;
};

// The fax cover sheet of batch `batch` listing `cases`. Refused when the counter has no vendor.
Result<docs::CoverSheet> coversheet_for(const DocumentContext& env, const std::string& batch,
                                        const std::vector<std::string>& cases);
// The courier manifest of `cases`, each by the newest waybill in its history; refused when one
// has none, or when they go to different receivers.
Result<docs::CourierManifest> manifest_for(const DocumentContext& env, const std::string& number,
                                           const std::string& courier,
                                           const std::vector<std::string>& cases);
// The acceptance receipt of a case: dated on its acceptance day, with its deadline.
Result<docs::Receipt> receipt_for(const DocumentContext& env, const std::string& case_id);
// The return notice of a case's latest failed review; refused when it has none.
Result<docs::ReturnNotice> notice_for(const DocumentContext& env, const std::string& case_id);

}  // namespace keydesk
