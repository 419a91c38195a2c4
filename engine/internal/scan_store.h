// The batch's scan cache: scan results by content (the SHA-256 of a scan's bytes and the
// analysis version), kept in the database (SQLite or PostgreSQL, migration 8) and committed one
// by one, so a killed batch loses at most the scan in flight and a rerun redoes no finished scan.
// Internal to engine/batch.cpp.
#pragma once

#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "engine/internal/sql.h"
#include "ocr/scan.h"

namespace keydesk::internal {

// Scan results by content, committed one by one, so a killed batch loses at most the scan in
// flight. The tables live beside the case tables (the batch's own file, or the case database of
// --db).
class ScanStore {
 public:
  static Result<ScanStore> open(const std::filesystem::path& path) {
    auto db = connect(path.string());
    if (!db)
      return Error{"cannot open the batch database " + path.string() + ": " + db.error().message,
                   {},
                   db.error().kind};
    return ScanStore(std::move(db).value());
  }

  // The result kept under `key`, nullopt when there is none (or it is unreadable); an Error when
  // the database cannot be read.
  Result<std::optional<ocr::ScanResult>> find(const std::string& key) {
    auto stmt = db_->prepare("SELECT result FROM scan_results WHERE key = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, key);
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return std::optional<ocr::ScanResult>();
    auto json = nlohmann::json::parse(stmt->text(0), nullptr, false);
    if (json.is_discarded()) return std::optional<ocr::ScanResult>();
    return ocr::scan_result_from_json(json);
  }

  Status put(const std::string& key, const std::string& sha256, const std::string& material,
             const ocr::ScanResult& result) {
    auto stmt = db_->prepare(
        "INSERT INTO scan_results (key, sha256, material, result) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (key) DO UPDATE SET sha256 = excluded.sha256, material = "
        "excluded.material, result = excluded.result, analysed_at = excluded.analysed_at");
    if (!stmt) return stmt.error();
    stmt->bind(1, key)
        .bind(2, sha256)
        .bind(3, material)
        .bind(4, ocr::scan_result_json(result).dump());
    return stmt->run();
  }

  // The id of the unfinished run over the same inputs, or `fresh_id` recorded as a new run
  // (`fresh_id`-2, -3… when a finished run has it: the same inputs run again within its minute).
  // Tried again after an error, it finds the run the try before recorded, if it did.
  Result<std::string> batch_id(const std::string& inputs_key, const std::string& fresh_id) {
    auto found = db_->prepare(
        "SELECT id FROM batch_runs WHERE inputs = ? AND finished_at IS NULL ORDER BY started_at "
        "DESC LIMIT 1");
    if (!found) return found.error();
    found->bind(1, inputs_key);
    auto row = found->step();
    if (!row) return row.error();
    if (*row) return found->text(0);
    std::string id = fresh_id;
    for (int n = 2;; ++n) {
      auto taken = db_->prepare("SELECT 1 FROM batch_runs WHERE id = ?");
      if (!taken) return taken.error();
      taken->bind(1, id);
      auto held = taken->step();
      if (!held) return held.error();
      if (!*held) break;
      id = fresh_id + "-" + std::to_string(n);
    }
    auto insert = db_->prepare("INSERT INTO batch_runs (id, inputs, started_at) VALUES (?, ?, ?)");
    if (!insert) return insert.error();
    insert->bind(1, id).bind(2, inputs_key).bind(3, utc_now());
    if (auto st = insert->run(); !st) return st.error();
    return id;
  }

  Status finish(const std::string& id) {
    auto stmt = db_->prepare("UPDATE batch_runs SET finished_at = ? WHERE id = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, utc_now()).bind(2, id);
    return stmt->run();
  }

 private:
  explicit ScanStore(std::unique_ptr<Connection> db) : db_(std::move(db)) {}
  // Now in UTC as "YYYY-MM-DD HH:MM:SS" (as SQLite's datetime('now')).
  static std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &utc);
    return text;
  }
  std::unique_ptr<Connection> db_;
};

}  // namespace keydesk::internal
