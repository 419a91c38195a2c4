#include "ocr/findings.h"

namespace keydesk::ocr {

const char* severity_name(Severity severity) {
  switch (severity) {
    case Severity::fail:
      return "fail";
    case Severity::review:
      return "review";
    case Severity::info:
      return "info";
  }
  return "fail";
}

nlohmann::json finding_json(const Finding& f) {
  return {{"code", f.code},
          {"material", f.material},
          {"severity", severity_name(f.severity)},
          {"message", f.message},
          {"evidence", f.evidence}};
}

}  // namespace keydesk::ocr
