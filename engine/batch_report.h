// The batch report: one verification run over many submissions, written for the clerk as
// report.json (for machines), report.csv (for Excel) and report.html (to read, filter, and copy
// return remarks from).
//
// The input is the batch report JSON described in the README ("batch", "summary",
// "submissions" with their "materials" and "findings"). It is already masked; nothing here
// reads personal data or unmasks it. Missing or mistyped keys render as empty, never throw.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace keydesk {

// Writes DIR/report.json, DIR/report.csv and DIR/report.html, creating DIR if missing.
// Each file is first written (and fsync'ed) to a temporary file beside it and then renamed over
// the old one, so a killed run leaves either the old report or the new one, never half a file.
// Returns true, or an Error naming the path on any I/O failure (no temporary file is left).
Result<bool> write_batch_report(const nlohmann::json& report, const std::filesystem::path& dir);

// UTF-8 with a BOM and CRLF line ends (what Excel needs to show Chinese), RFC 4180 quoting.
// One row per finding; a submission without findings gets one row with the finding columns
// empty (its "error", if any, in the message column). Cells that a spreadsheet would take for a
// formula (= + - @ tab CR first) get a leading apostrophe.
std::string render_report_csv(const nlohmann::json& report);

// A verdict (pass | fail | review) as a clerk reads it: 通过, 未通过, 需人工复核.
const char* verdict_label(const std::string& verdict);

// One self-contained page (inline CSS and JS, works opened from disk): counts, verdict filters,
// one section per submission (fail, then review, then pass) with its findings, the numbered
// return remarks ready to copy, and each scan that has evidence boxes with the boxes drawn over
// it. Preview image paths are taken relative to the page.
std::string render_report_html(const nlohmann::json& report);

}  // namespace keydesk
