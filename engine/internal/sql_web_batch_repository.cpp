// The web counter's batches in SQL, on SQLite and PostgreSQL alike (internal/sql.h). A start is
// one write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: the writers' advisory lock), so two
// servers starting a batch of one authority at once see each other's: one is added, the other is
// told which runs.
#include "engine/internal/sql.h"
#include "engine/web_batch_repository.h"

namespace keydesk {

using internal::Connection;
using internal::Query;
using internal::WriteTransaction;

namespace {

const char* const kBatchColumns =
    "id, started_by, role, authority, state, cases, done, total, current, error, report_batch, "
    "submissions, started_at, finished_at, server, heartbeat_at, folders";

bool known_state(const std::string& state) {
  return state == "running" || state == "done" || state == "failed" || state == "interrupted";
}

// A batch row as stored; a state no keydesk writes, or results that are not a JSON array, are
// the database's damage.
Result<WebBatch> read_batch(const Query& q) {
  WebBatch b;
  b.id = q.text(0);
  b.started_by = {q.text(1), q.text(2), q.text(3)};
  b.state = q.text(4);
  b.cases = static_cast<int>(q.integer(5));
  b.done = static_cast<int>(q.integer(6));
  b.total = static_cast<int>(q.integer(7));
  b.current = q.text(8);
  b.error = q.text(9);
  b.report_batch = q.text(10);
  b.submissions = nlohmann::json::parse(q.text(11), nullptr, false);
  b.started_at = q.text(12);
  b.finished_at = q.optional_text(13).value_or("");
  b.server = q.text(14);
  b.heartbeat_at = q.integer(15);
  const nlohmann::json folders = nlohmann::json::parse(q.text(16), nullptr, false);
  bool folders_read = folders.is_array();
  for (const nlohmann::json& f : folders_read ? folders : nlohmann::json::array()) {
    if (!f.is_string()) folders_read = false;
    if (!folders_read) break;
    b.folders.push_back(f.get<std::string>());
  }
  if (!known_state(b.state) || !b.submissions.is_array() || !folders_read)
    return error_of(ErrorKind::corrupt, "核验批次表 web_batches 中的批次 " + b.id.substr(0, 40) +
                                            " 已损坏，请联系管理员检查数据库 (web batch: state '" +
                                            b.state.substr(0, 40) +
                                            "' or its results or folders unreadable)");
  return b;
}

class SqlWebBatchRepository final : public WebBatchRepository {
 public:
  explicit SqlWebBatchRepository(std::unique_ptr<Connection> db) : db_(std::move(db)) {}

  Result<std::optional<WebBatch>> start(const WebBatch& batch, std::int64_t stale_before,
                                        const std::string& stale_error,
                                        const std::string& stale_at) override {
    return unless_running(batch, stale_before, stale_error, stale_at, [&]() -> Status {
      auto ins = db_->prepare(
          "INSERT INTO web_batches (id, started_by, role, authority, state, cases, done, total, "
          "current, error, report_batch, submissions, started_at, server, heartbeat_at, folders) "
          "VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, '', '', '[]', ?, ?, ?, ?)");
      if (!ins) return ins.error();
      ins->bind(1, batch.id)
          .bind(2, batch.started_by.user)
          .bind(3, batch.started_by.role)
          .bind(4, batch.started_by.authority)
          .bind(5, static_cast<std::int64_t>(batch.cases))
          .bind(6, static_cast<std::int64_t>(batch.done))
          .bind(7, static_cast<std::int64_t>(batch.total))
          .bind(8, batch.current)
          .bind(9, batch.started_at)
          .bind(10, batch.server)
          .bind(11, batch.heartbeat_at)
          .bind(12, nlohmann::json(batch.folders)
                        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      return ins->run();
    });
  }

  Result<std::optional<WebBatch>> resume(const WebBatch& batch, std::int64_t stale_before,
                                         const std::string& stale_error,
                                         const std::string& stale_at) override {
    return unless_running(batch, stale_before, stale_error, stale_at, [&]() -> Status {
      auto up = db_->prepare(
          "UPDATE web_batches SET state = 'running', done = 0, total = 0, current = '', error = "
          "'', report_batch = '', submissions = '[]', finished_at = NULL, server = ?, "
          "heartbeat_at = ? WHERE id = ? AND state IN ('failed', 'interrupted')");
      if (!up) return up.error();
      up->bind(1, batch.server).bind(2, batch.heartbeat_at).bind(3, batch.id);
      if (auto st = up->run(); !st) return st.error();
      if (db_->changes() != 1)
        return error_of(ErrorKind::refused,
                        "批次 " + batch.id.substr(0, 40) +
                            " 已不是中断或失败状态（可能已由其他服务器继续，或已完成），请刷新页面"
                            "查看 (the batch is neither failed nor interrupted)");
      return std::monostate{};
    });
  }

  Result<bool> progress(const std::string& id, const std::string& server, int done, int total,
                        const std::string& current, std::int64_t heartbeat_at) override {
    auto up = db_->prepare(
        "UPDATE web_batches SET done = ?, total = ?, current = ?, heartbeat_at = ? WHERE id = ? "
        "AND server = ? AND state = 'running'");
    if (!up) return up.error();
    up->bind(1, static_cast<std::int64_t>(done))
        .bind(2, static_cast<std::int64_t>(total))
        .bind(3, current)
        .bind(4, heartbeat_at)
        .bind(5, id)
        .bind(6, server);
    if (auto st = up->run(); !st) return st.error();
    return db_->changes() == 1;
  }

  Result<bool> finish(const WebBatch& ended) override {
    auto up = db_->prepare(
        "UPDATE web_batches SET state = ?, done = ?, total = ?, current = ?, error = ?, "
        "report_batch = ?, submissions = ?, finished_at = ? WHERE id = ? AND server = ?");
    if (!up) return up.error();
    up->bind(1, ended.state)
        .bind(2, static_cast<std::int64_t>(ended.done))
        .bind(3, static_cast<std::int64_t>(ended.total))
        .bind(4, ended.current)
        .bind(5, ended.error)
        .bind(6, ended.report_batch)
        // OCR evidence may hold bytes that are not UTF-8: replaced, never thrown over.
        .bind(7, ended.submissions.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
        .bind(8, ended.finished_at)
        .bind(9, ended.id)
        .bind(10, ended.server);
    if (auto st = up->run(); !st) return st.error();
    return db_->changes() == 1;
  }

  Result<std::optional<WebBatch>> find(const std::string& id) override {
    if (id.empty()) return std::optional<WebBatch>();
    return first("WHERE id = ?", id);
  }

  Result<long> remove_ended(const std::string& ended_before) override {
    auto del = db_->prepare("DELETE FROM web_batches WHERE state <> 'running' AND finished_at < ?");
    if (!del) return del.error();
    del->bind(1, ended_before);
    if (auto st = del->run(); !st) return st.error();
    return db_->changes();
  }

 private:
  // In one write transaction: every running batch whose heartbeat lies before `stale_before`
  // ended interrupted; then the batch of `batch`'s authority still running returned (and
  // nothing written), else `write()` and a commit.
  template <class Write>
  Result<std::optional<WebBatch>> unless_running(const WebBatch& batch, std::int64_t stale_before,
                                                 const std::string& stale_error,
                                                 const std::string& stale_at, Write write) {
    WriteTransaction tx(*db_);
    if (!tx.begun()) return tx.begun().error();
    if (auto st = end_stale(stale_before, stale_error, stale_at); !st) return st.error();
    auto running = first("WHERE state = 'running' AND authority = ?", batch.started_by.authority);
    if (!running) return running.error();
    if (*running) return running;  // rolled back: nothing was interrupted that still runs
    if (auto st = write(); !st) return st.error();
    if (auto st = tx.commit(); !st) return st.error();
    return std::optional<WebBatch>();
  }

  // Every running batch whose heartbeat lies before `stale_before` ended interrupted.
  Status end_stale(std::int64_t stale_before, const std::string& stale_error,
                   const std::string& stale_at) {
    auto stale = db_->prepare(
        "UPDATE web_batches SET state = 'interrupted', error = ?, finished_at = ? WHERE state = "
        "'running' AND heartbeat_at < ?");
    if (!stale) return stale.error();
    stale->bind(1, stale_error).bind(2, stale_at).bind(3, stale_before);
    return stale->run();
  }

  // The first batch `where` (with `param` bound to its one ?) selects.
  Result<std::optional<WebBatch>> first(const std::string& where, const std::string& param) {
    auto sel = db_->prepare(std::string("SELECT ") + kBatchColumns + " FROM web_batches " + where);
    if (!sel) return sel.error();
    sel->bind(1, param);
    return internal::first_row(*sel, read_batch);
  }

  std::unique_ptr<Connection> db_;
};

}  // namespace

Result<std::unique_ptr<WebBatchRepository>> open_web_batch_repository(const std::string& target) {
  return internal::open_repository<WebBatchRepository, SqlWebBatchRepository>(target);
}

}  // namespace keydesk
