// Findings: what a check says about a submission (DESIGN.md, "Findings"). Codes are stable API.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace keydesk::ocr {

enum class Severity { fail, review, info };

struct Finding {
  std::string code;      // e.g. "material.unreadable"
  std::string material;  // the material type it concerns, e.g. "business_licence"
  Severity severity = Severity::fail;
  std::string message;  // the Chinese remark (备注) a clerk can send as it is
  nlohmann::json evidence = nlohmann::json::object();  // OCR text, a box, a number
};

const char* severity_name(Severity severity);
nlohmann::json finding_json(const Finding& finding);

}  // namespace keydesk::ocr
