// The check-job queue in SQL, on SQLite and PostgreSQL alike (internal/sql.h). The claim is one
// UPDATE of the row a sub-select picks: on PostgreSQL that sub-select locks the row FOR UPDATE
// SKIP LOCKED, so concurrent claimers pass over each other's rows instead of waiting; on SQLite
// the statement runs inside a write transaction (BEGIN IMMEDIATE), which claimers queue for.
#include "engine/check_job_repository.h"
#include "engine/internal/sql.h"

namespace keydesk {

using internal::Connection;
using internal::Dialect;
using internal::Query;
using internal::WriteTransaction;

namespace {

const char* const kJobColumns =
    "id, batch_id, key, submission, file, sha256, material, pipeline, hints, stage, teachers, "
    "state, claimed_by, lease_until, attempts, result_key, error";

bool known_state(const std::string& state) {
  return state == "pending" || state == "claimed" || state == "done" || state == "failed";
}

// A job row as stored; a state or stage no keydesk writes is the database's damage.
Result<CheckJob> read_job(const Query& q) {
  CheckJob j;
  j.id = static_cast<long>(q.integer(0));
  j.batch = q.text(1);
  j.key = q.text(2);
  j.submission = q.text(3);
  j.file = q.text(4);
  j.sha256 = q.text(5);
  j.material = q.text(6);
  j.pipeline = q.text(7);
  j.hints = q.text(8);
  j.stage = static_cast<int>(q.integer(9));
  j.teachers = q.text(10);
  j.state = q.text(11);
  j.claimed_by = q.optional_text(12).value_or("");
  j.lease_until = q.optional_text(13) ? q.integer(13) : 0;
  j.attempts = static_cast<int>(q.integer(14));
  j.result_key = q.optional_text(15).value_or("");
  j.error = q.optional_text(16).value_or("");
  if (!known_state(j.state) || (j.stage != 1 && j.stage != 2))
    return error_of(ErrorKind::corrupt, "核验任务表 check_jobs 中的任务 " + std::to_string(j.id) +
                                            " 已损坏，请联系管理员检查数据库 (check job " +
                                            std::to_string(j.id) + ": state '" +
                                            j.state.substr(0, 40) + "', stage " +
                                            std::to_string(j.stage) + ")");
  return j;
}

class SqlCheckJobRepository final : public CheckJobRepository {
 public:
  explicit SqlCheckJobRepository(std::unique_ptr<Connection> db) : db_(std::move(db)) {}

  Result<long> enqueue(const std::vector<CheckJob>& jobs) override {
    WriteTransaction tx(*db_);
    if (!tx.begun()) return tx.begun().error();
    auto ins = db_->prepare(
        "INSERT INTO check_jobs (batch_id, key, submission, file, sha256, material, pipeline, "
        "hints, stage, teachers, state, result_key, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?) ON CONFLICT (batch_id, key) DO NOTHING");
    if (!ins) return ins.error();
    long added = 0;
    for (const CheckJob& j : jobs) {
      ins->bind(1, j.batch)
          .bind(2, j.key)
          .bind(3, j.submission)
          .bind(4, j.file)
          .bind(5, j.sha256)
          .bind(6, j.material)
          .bind(7, j.pipeline)
          .bind(8, j.hints)
          .bind(9, static_cast<std::int64_t>(j.stage))
          .bind(10, j.teachers)
          .bind(11, j.state)
          .bind_optional(
              12, j.result_key.empty() ? std::nullopt : std::optional<std::string>(j.result_key))
          .bind_optional(13, j.error.empty() ? std::nullopt : std::optional<std::string>(j.error));
      if (auto st = ins->run(); !st) return st.error();
      added += db_->changes();
    }
    if (auto st = tx.commit(); !st) return st.error();
    return added;
  }

  Result<std::optional<CheckJob>> claim(const std::string& worker, const std::string& pipeline,
                                        std::int64_t now, std::int64_t lease_until,
                                        int max_attempts) override {
    const bool postgresql = db_->dialect() == Dialect::postgresql;
    const std::string sql =
        std::string(
            "UPDATE check_jobs SET state = 'claimed', claimed_by = ?, lease_until = ?, "
            "attempts = attempts + 1 WHERE id = (SELECT j.id FROM check_jobs j WHERE "
            "j.pipeline = ? AND (j.state = 'pending' OR (j.state = 'claimed' AND "
            "j.lease_until < ? AND j.attempts < ?)) AND (j.stage = 1 OR NOT EXISTS "
            "(SELECT 1 FROM check_jobs f WHERE f.batch_id = j.batch_id AND f.stage = 1 "
            "AND f.state IN ('pending', 'claimed'))) ORDER BY j.id LIMIT 1") +
        (postgresql ? " FOR UPDATE SKIP LOCKED" : "") + ") RETURNING " + kJobColumns;
    // SQLite: claimers queue for the write lock; PostgreSQL: one statement, its row locked.
    std::optional<WriteTransaction> tx;
    if (!postgresql) {
      tx.emplace(*db_);
      if (!tx->begun()) return tx->begun().error();
    }
    auto up = db_->prepare(sql);
    if (!up) return up.error();
    up->bind(1, worker)
        .bind(2, lease_until)
        .bind(3, pipeline)
        .bind(4, now)
        .bind(5, static_cast<std::int64_t>(max_attempts));
    auto row = up->step();
    if (!row) return row.error();
    std::optional<CheckJob> claimed;
    if (*row) {
      auto job = read_job(*up);
      if (!job) {
        up->reset();
        return job.error();
      }
      claimed = std::move(job).value();
    }
    if (auto st = internal::run_to_end(*up); !st) return st.error();
    if (tx)
      if (auto st = tx->commit(); !st) return st.error();
    return claimed;
  }

  Result<bool> renew(long id, const std::string& worker, std::int64_t lease_until) override {
    return held_update(
        "UPDATE check_jobs SET lease_until = ? WHERE id = ? AND state = 'claimed' AND claimed_by "
        "= ?",
        lease_until, id, worker);
  }

  Result<bool> finish(long id, const std::string& worker, const std::string& result_key) override {
    return held_update(
        "UPDATE check_jobs SET state = 'done', result_key = ?, error = NULL WHERE id = ? AND "
        "state = 'claimed' AND claimed_by = ?",
        result_key, id, worker);
  }

  Result<bool> fail(long id, const std::string& worker, const std::string& error) override {
    return held_update(
        "UPDATE check_jobs SET state = 'failed', error = ? WHERE id = ? AND state = 'claimed' "
        "AND claimed_by = ?",
        error, id, worker);
  }

  Result<long> fail_abandoned(std::int64_t now, int max_attempts,
                              const std::string& error) override {
    auto up = db_->prepare(
        "UPDATE check_jobs SET state = 'failed', error = ? WHERE state = 'claimed' AND "
        "lease_until < ? AND attempts >= ?");
    if (!up) return up.error();
    up->bind(1, error).bind(2, now).bind(3, static_cast<std::int64_t>(max_attempts));
    if (auto st = up->run(); !st) return st.error();
    return db_->changes();
  }

  Result<CheckJobCounts> counts(const std::string& batch) override {
    return counted("SELECT state, count(*) FROM check_jobs WHERE batch_id = ? GROUP BY state",
                   batch);
  }

  Result<CheckJobCounts> counts_of_pipeline(const std::string& pipeline) override {
    return counted("SELECT state, count(*) FROM check_jobs WHERE pipeline = ? GROUP BY state",
                   pipeline);
  }

  Result<std::vector<CheckJob>> jobs_of(const std::string& batch) override {
    auto sel = db_->prepare(std::string("SELECT ") + kJobColumns +
                            " FROM check_jobs WHERE batch_id = ? ORDER BY id");
    if (!sel) return sel.error();
    sel->bind(1, batch);
    std::vector<CheckJob> out;
    for (;;) {
      auto row = sel->step();
      if (!row) return row.error();
      if (!*row) break;
      auto job = read_job(*sel);
      if (!job) {
        sel->reset();
        return job.error();
      }
      out.push_back(std::move(job).value());
    }
    sel->reset();
    return out;
  }

 private:
  // Runs `sql`, an UPDATE of one job bound as (`value`, `id`, `worker`): whether it changed the
  // row (the worker still held the job).
  template <class Value>
  Result<bool> held_update(const char* sql, const Value& value, long id,
                           const std::string& worker) {
    auto up = db_->prepare(sql);
    if (!up) return up.error();
    up->bind(1, value).bind(2, static_cast<std::int64_t>(id)).bind(3, worker);
    if (auto st = up->run(); !st) return st.error();
    return db_->changes() == 1;
  }

  Result<CheckJobCounts> counted(const char* sql, const std::string& value) {
    auto sel = db_->prepare(sql);
    if (!sel) return sel.error();
    sel->bind(1, value);
    CheckJobCounts c;
    for (;;) {
      auto row = sel->step();
      if (!row) return row.error();
      if (!*row) break;
      const std::string state = sel->text(0);
      const long n = static_cast<long>(sel->integer(1));
      if (state == "pending")
        c.pending = n;
      else if (state == "claimed")
        c.claimed = n;
      else if (state == "done")
        c.done = n;
      else if (state == "failed")
        c.failed = n;
    }
    sel->reset();
    return c;
  }

  std::unique_ptr<Connection> db_;
};

}  // namespace

Result<std::unique_ptr<CheckJobRepository>> open_check_job_repository(const std::string& target) {
  return internal::open_repository<CheckJobRepository, SqlCheckJobRepository>(target);
}

}  // namespace keydesk
