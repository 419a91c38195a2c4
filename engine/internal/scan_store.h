// The batch's scan cache: scan results by content (the SHA-256 of a scan's bytes and the
// analysis version), kept in SQLite and committed one by one, so a killed batch loses at most the
// scan in flight and a rerun redoes no finished scan. Internal to engine/batch.cpp.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "engine/internal/sqlite.h"

namespace keydesk::internal {

// Scan results by content, kept in SQLite and committed one by one, so a killed batch loses at
// most the scan in flight. The table lives beside the case tables when --db is the case database.
class ScanStore {
 public:
  static Result<ScanStore> open(const std::filesystem::path& path) {
    // The scan cache is a file beside the report until check jobs move to the case database.
    if (is_postgresql_uri(path.string()))
      return error_of(ErrorKind::invalid_input,
                      "批量核验暂不能把扫描结果存入 PostgreSQL 数据库：请用 --db 指定一个 SQLite "
                      "文件，或省略 --db (batch verify keeps its scan cache in an SQLite file; "
                      "the PostgreSQL scan store is not built yet)");
    auto db = Database::open(path.string());
    if (!db)
      return Error{"cannot open the batch database " + path.string() + ": " + db.error().message};
    ScanStore store(std::move(*db));
    auto st = store.db_.exec(
        "CREATE TABLE IF NOT EXISTS scan_results ("
        "  key TEXT PRIMARY KEY, sha256 TEXT NOT NULL, material TEXT NOT NULL,"
        "  result TEXT NOT NULL, analysed_at TEXT NOT NULL DEFAULT (datetime('now')));"
        "CREATE TABLE IF NOT EXISTS batch_runs ("
        "  id TEXT PRIMARY KEY, inputs TEXT NOT NULL, started_at TEXT NOT NULL,"
        "  finished_at TEXT);");
    if (!st) return Error{path.string() + ": " + st.error().message};
    return store;
  }

  std::optional<ocr::ScanResult> get(const std::string& key) {
    auto stmt = db_.prepare("SELECT result FROM scan_results WHERE key = ?");
    if (!stmt) return std::nullopt;
    stmt->bind(1, key);
    auto row = stmt->step();
    if (!row || !*row) return std::nullopt;
    auto json = nlohmann::json::parse(stmt->text(0), nullptr, false);
    if (json.is_discarded()) return std::nullopt;
    return ocr::scan_result_from_json(json);
  }

  Status put(const std::string& key, const std::string& sha256, const std::string& material,
             const ocr::ScanResult& result) {
    auto stmt = db_.prepare(
        "INSERT OR REPLACE INTO scan_results (key, sha256, material, result) VALUES (?, ?, ?, ?)");
    if (!stmt) return stmt.error();
    stmt->bind(1, key)
        .bind(2, sha256)
        .bind(3, material)
        .bind(4, ocr::scan_result_json(result).dump());
    return stmt->run();
  }

  // The id of the unfinished run over the same inputs, or a new one.
  std::string batch_id(const std::string& inputs_key, const std::string& fresh_id) {
    if (auto stmt = db_.prepare("SELECT id FROM batch_runs WHERE inputs = ? AND finished_at IS "
                                "NULL ORDER BY started_at DESC LIMIT 1")) {
      stmt->bind(1, inputs_key);
      auto row = stmt->step();
      if (row && *row) return stmt->text(0);
    }
    if (auto stmt = db_.prepare(
            "INSERT INTO batch_runs (id, inputs, started_at) VALUES (?, ?, datetime('now'))")) {
      stmt->bind(1, fresh_id).bind(2, inputs_key);
      (void)stmt->run();
    }
    return fresh_id;
  }

  void finish(const std::string& id) {
    if (auto stmt =
            db_.prepare("UPDATE batch_runs SET finished_at = datetime('now') WHERE id = ?")) {
      stmt->bind(1, id);
      (void)stmt->run();
    }
  }

 private:
  explicit ScanStore(Database db) : db_(std::move(db)) {}
  Database db_;
};

}  // namespace keydesk::internal
