#include "engine/store_copy.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "engine/case_repository.h"
#include "engine/internal/postgres.h"
#include "engine/internal/sql.h"

namespace keydesk {

namespace fs = std::filesystem;
using internal::Connection;
using internal::Dialect;

namespace {

// A table the store keeps, in an order that puts every row after the rows it refers to.
struct CopiedTable {
  const char* name;
  const char* title;
  const char* order;  // a total order of its rows (paging)
};

constexpr CopiedTable kCopiedKinds[] = {
    {"enterprises", "企业", "uscc"},
    {"keys", "电子钥匙", "login_username"},
    {"procedure_versions", "流程版本", "procedure, version"},
    {"cases", "案件", "id"},
    {"events", "审计记录", "seq"},
    {"audit_head", "审计链末端", "id"},
    {"outbox", "通知邮件", "id"},
    {"accounts", "账户", "name"},
    {"sessions", "登录会话", "token_hash"},
    {"api_tokens", "接口令牌", "token_hash"},
    {"login_failures", "登录失败记录", "account, address, at"},
    {"refusals", "拒绝记录", "seq"},
    {"scan_results", "扫描结果", "key"},
    {"batch_runs", "核验批次", "id"},
    {"check_jobs", "核验任务", "id"},
    {"web_batches", "网页核验批次", "id"},
};

// The queue's counts, kept by triggers on cases: on an SQLite target its triggers keep it as
// the cases go in; on a PostgreSQL target, whose triggers are off during the copy
// (set_triggers), it is copied.
constexpr CopiedTable kQueueCounts = {"case_counts", "案件计数",
                                      "authority, procedure, state, closed, pending_year, "
                                      "vendor_handled"};

// Tables the database keeps itself, never copied as such: the queue's counts (above), the
// change mark, the schema version (PostgreSQL; SQLite keeps it in PRAGMA user_version), and
// SQLite's trigram index of the search text (migration 011: the FTS5 table and its shadow
// tables), which the target's triggers fill as the cases go in (PostgreSQL's is an index).
const std::set<std::string> kKeptByTarget = {
    "case_counts",       "store_generation", "keydesk_schema",     "cases_search",
    "cases_search_data", "cases_search_idx", "cases_search_config"};

// Rows read from the source per statement (PostgreSQL reads a result whole), and values written
// per INSERT (well under SQLite's 32,766 and PostgreSQL's 65,535 parameters).
constexpr std::int64_t kPage = 1000;
constexpr std::size_t kValuesPerInsert = 4000;

bool is_identifier(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Every row's first column of `sql` (with `param` bound, unless empty) as text.
Result<std::vector<std::string>> first_column(Connection& db, const std::string& sql,
                                              const std::string& param = "") {
  auto q = db.prepare(sql);
  if (!q) return q.error();
  if (!param.empty()) q->bind(1, param);
  auto rows = internal::all_rows(*q, [](const internal::Query& r) { return r.text(0); });
  q->reset();
  return rows;
}

Result<std::set<std::string>> tables_of(Connection& db) {
  auto names = first_column(
      db, db.dialect() == Dialect::sqlite
              ? "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 7) <> "
                "'sqlite_'"
              : "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                "current_schema() AND table_type = 'BASE TABLE'");
  if (!names) return names.error();
  return std::set<std::string>(names->begin(), names->end());
}

Result<std::vector<std::string>> columns_of(Connection& db, const std::string& table) {
  return first_column(db,
                      db.dialect() == Dialect::sqlite
                          ? "SELECT name FROM pragma_table_info(?) ORDER BY cid"
                          : "SELECT column_name FROM information_schema.columns WHERE "
                            "table_schema = current_schema() AND table_name::text = ? ORDER BY "
                            "ordinal_position",
                      table);
}

Result<long> count_rows(Connection& db, const std::string& table) {
  return count_of(db, "SELECT count(*) FROM " + table);
}

std::string joined(const std::vector<std::string>& parts, const std::string& each,
                   const std::string& between) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += between;
    out += each.empty() ? p : each;
  }
  return out;
}

// Copies every row of `table` (its `columns`) from `from` to `to`, as text, NULL kept; many rows
// to an INSERT, since PostgreSQL's statement triggers (the change mark) run once per statement
// and every statement is a round trip.
Status copy_rows(Connection& from, Connection& to, const CopiedTable& table,
                 const std::vector<std::string>& columns) {
  const std::string list = joined(columns, "", ", ");
  const std::string one_row = "(" + joined(columns, "?", ", ") + ")";
  const std::size_t width = columns.size();
  const std::size_t per_insert =
      std::clamp<std::size_t>(kValuesPerInsert / width, 1, static_cast<std::size_t>(kPage));
  auto select = from.prepare("SELECT " + list + " FROM " + table.name + " ORDER BY " + table.order +
                             " LIMIT ? OFFSET ?");
  if (!select) return select.error();
  std::vector<std::optional<std::string>> values;  // a page, row after row
  for (std::int64_t offset = 0;; offset += kPage) {
    select->bind(1, kPage).bind(2, offset);
    values.clear();
    for (;;) {
      auto row = select->step();
      if (!row) return row.error();
      if (!*row) break;
      for (std::size_t i = 0; i < width; ++i)
        values.push_back(select->optional_text(static_cast<int>(i)));
    }
    select->reset();
    const std::size_t rows = values.size() / width;
    for (std::size_t first = 0; first < rows; first += per_insert) {
      const std::size_t n = std::min(per_insert, rows - first);
      auto insert =
          to.prepare(std::string("INSERT INTO ") + table.name + " (" + list + ") VALUES " +
                     joined(std::vector<std::string>(n, one_row), "", ", "));
      if (!insert) return insert.error();
      for (std::size_t i = 0; i < n * width; ++i)
        insert->bind_optional(static_cast<int>(i + 1), values[first * width + i]);
      if (auto st = insert->run(); !st) return st;
    }
    if (static_cast<std::int64_t>(rows) < kPage) return internal::ok();
  }
}

// Copies table `table` from `from` to `to`, once both are found to have its columns.
Status copy_table(Connection& from, Connection& to, const CopiedTable& table) {
  auto columns = columns_of(from, table.name);
  if (!columns) return columns.error();
  auto target_columns = columns_of(to, table.name);
  if (!target_columns) return target_columns.error();
  for (const auto& c : *columns)
    if (!is_identifier(c) ||
        std::find(target_columns->begin(), target_columns->end(), c) == target_columns->end())
      return error_of(ErrorKind::invalid_input,
                      "两个数据库的表结构不一致（" + std::string(table.title) +
                          "），未复制：请用同一版本的 keydesk 打开两边后重试");
  return copy_rows(from, to, table, *columns);
}

// PostgreSQL: the triggers of every table written turned off (or on again), in the copy's
// transaction. What they keep (the change mark, the queue's counts, vendor_handled) is copied
// as it stands; run row by row in one transaction, they would rewrite the same few rows tens of
// thousands of times, which PostgreSQL makes quadratic (each new version of a row appended to
// the chain the next update walks): 10,000 cases took 19 s with them, most of it there.
Status set_triggers(Connection& to, bool on) {
  std::vector<std::string> tables = {kQueueCounts.name};
  for (const auto& t : kCopiedKinds) tables.push_back(t.name);
  for (const auto& t : tables)
    if (auto st = to.exec("ALTER TABLE " + t + (on ? " ENABLE" : " DISABLE") + " TRIGGER USER");
        !st)
      return st;
  return internal::ok();
}

// PostgreSQL: each sequence behind a column (identity, serial) moved past the rows copied with
// their ids, so the next row made there takes a new one. SQLite needs nothing: a new rowid is
// always past the largest.
Status advance_sequences(Connection& to) {
  if (to.dialect() != Dialect::postgresql) return internal::ok();
  auto q = to.prepare(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = "
      "current_schema() AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')");
  if (!q) return q.error();
  auto pairs = internal::all_rows(
      *q, [](const internal::Query& r) { return std::make_pair(r.text(0), r.text(1)); });
  q->reset();
  if (!pairs) return pairs.error();
  for (const auto& [table, column] : *pairs) {
    if (!is_identifier(table) || !is_identifier(column)) continue;
    if (auto st =
            to.exec("SELECT setval(pg_get_serial_sequence('" + table + "', '" + column +
                    "'), coalesce((SELECT max(" + column + ") FROM " + table + "), 0) + 1, false)");
        !st)
      return st;
  }
  return internal::ok();
}

// The refusal of a target that holds data: its cases, or else what it holds ("账户 1 条").
Error refused_target(const StoreLocation& to, long cases, const std::vector<std::string>& held) {
  return error_of(ErrorKind::invalid_input,
                  "目标数据库 " + to.shown + " 已有" +
                      (cases > 0 ? " " + std::to_string(cases) + " 个案件"
                                 : "数据（" + joined(held, "", "、") + "）") +
                      "。keydesk db copy 只复制到空数据库，不会覆盖或合并已有数据：请新建一个空"
                      "数据库（PostgreSQL 用 createdb 建一个新库；SQLite 给一个新文件名）作为 TO "
                      "后重试");
}

// The source's tables, checked: a keydesk database, with no table this keydesk does not know.
Status check_source(Connection& from, const StoreLocation& where) {
  auto tables = tables_of(from);
  if (!tables) return tables.error();
  if (!tables->count("cases"))
    return error_of(ErrorKind::invalid_input,
                    "FROM 指定的 " + where.shown +
                        " 不是 keydesk 的数据库（其中没有案件表）：请核对路径或地址");
  for (const auto& t : *tables) {
    const bool known =
        kKeptByTarget.count(t) || std::any_of(std::begin(kCopiedKinds), std::end(kCopiedKinds),
                                              [&](const CopiedTable& c) { return t == c.name; });
    if (!known)
      return error_of(ErrorKind::invalid_input,
                      "源数据库 " + where.shown + " 中有本版本 keydesk 不认识的表“" + t +
                          "”，为免漏掉数据未复制：请确认它的来历（移走或删除它），或用写入它"
                          "的 keydesk 版本复制");
  }
  return internal::ok();
}

// Whether the two name one database.
bool same_database(const StoreLocation& a, const StoreLocation& b) {
  if (a.server != b.server) return false;
  if (a.server) return a.target == b.target;
  std::error_code ec1, ec2;
  return fs::weakly_canonical(a.target, ec1) == fs::weakly_canonical(b.target, ec2);
}

}  // namespace

Result<StoreLocation> parse_store_location(const std::string& text, const std::string& argument,
                                           bool existing) {
  auto wrong = [&](const std::string& why) {
    return error_of(ErrorKind::invalid_input, argument + " " + why);
  };
  if (text.empty()) return wrong("为空：请给出 SQLite 数据库文件的路径，或 postgresql:// 地址");
  if (std::any_of(text.begin(), text.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
    return wrong("含有控制字符（换行、制表符等）：请核对路径或地址");
  StoreLocation at;
  at.target = text;
  at.shown = database_shown(text);
  if (is_database_server(text)) {
    at.server = true;
    if (const auto why = internal::postgresql_uri_problem(text); !why.empty())
      return wrong("“" + at.shown + "” 不是有效的 postgresql:// 地址，请核对（" + why + "）");
    return at;
  }
  if (text.find("://") != std::string::npos)
    return wrong("“" + at.shown +
                 "” 不是 keydesk 能用的数据库：请给出 SQLite 数据库文件的路径，或 postgresql:// "
                 "地址");
  if (text == ":memory:" || text.starts_with("file:"))
    return wrong("“" + text + "” 不是数据库文件的路径：请直接给出 SQLite 数据库文件的路径");
  std::error_code ec;
  const fs::path path(text);
  const auto status = fs::status(path, ec);
  if (fs::exists(status)) {
    if (!fs::is_regular_file(status))
      return wrong("指定的 " + text + " 不是文件（是目录或设备）：请给出 SQLite 数据库文件的路径");
    // An existing file must be an SQLite database (or empty, for a target): never another file.
    std::ifstream in(path, std::ios::binary);
    char header[16] = {};
    in.read(header, sizeof header);
    const auto read = in.gcount();
    if (read == 0 && existing)
      return wrong("指定的文件 " + text + " 是空文件，其中没有 keydesk 的数据：请核对路径");
    if (read != 0 &&
        std::string(header, static_cast<std::size_t>(read)) != std::string("SQLite format 3\0", 16))
      return wrong("指定的文件 " + text + " 不是 SQLite 数据库文件：请核对路径");
    return at;
  }
  if (existing)
    return error_of(ErrorKind::not_found,
                    argument + " 指定的数据库文件 " + text + " 不存在：请核对路径");
  const fs::path folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (!fs::is_directory(folder, ec))
    return wrong("所在的目录 " + folder.string() + " 不存在：请先建立目录，或换一个路径");
  return at;
}

bool StoreCopy::verified() const {
  return audit.problems.empty() && head_matches &&
         std::all_of(kinds.begin(), kinds.end(),
                     [](const CopiedKind& k) { return k.source == k.target; });
}

long StoreCopy::source_count(const std::string& table) const {
  for (const auto& k : kinds)
    if (k.table == table) return k.source;
  return 0;
}

Result<StoreCopy> copy_store(const StoreLocation& from, const StoreLocation& to,
                             const std::function<void(const CopiedKind&)>& copied) {
  if (same_database(from, to))
    return error_of(ErrorKind::invalid_input,
                    "FROM 与 TO 是同一个数据库（" + to.shown + "）：请给出另一个空数据库作为 TO");
  // The source: a keydesk database (looked at before it is migrated, so that no other
  // database is given keydesk's tables), brought to this keydesk's schema as any command does.
  auto source_connection = internal::open_unmigrated(from.target);
  if (!source_connection) return source_connection.error();
  Connection& source = **source_connection;
  if (auto st = check_source(source, from); !st) return st.error();
  if (auto st = source.migrate(); !st) return st.error();
  auto source_repo = case_repository_on(std::move(source_connection).value());

  auto target_connection = internal::connect(to.target);
  if (!target_connection) return target_connection.error();
  Connection& target = **target_connection;
  // The target's chain is read back through a repository on the connection that writes it.
  auto target_repo = case_repository_on(std::move(target_connection).value());

  internal::WriteTransaction writing(target);
  if (!writing.begun()) return writing.begun().error();
  std::vector<std::string> held;
  long cases = 0;
  for (const auto& table : kCopiedKinds) {
    auto n = count_rows(target, table.name);
    if (!n) return n.error();
    if (*n > 0) held.push_back(std::string(table.title) + " " + std::to_string(*n) + " 条");
    if (std::string(table.name) == "cases") cases = *n;
  }
  if (!held.empty()) return refused_target(to, cases, held);

  if (auto st = source.begin_read(); !st) return st.error();
  struct EndRead {
    Connection& c;
    ~EndRead() { c.rollback(); }
  } end_read{source};

  StoreCopy copy;
  const bool server = target.dialect() == Dialect::postgresql;
  if (server)
    if (auto st = set_triggers(target, false); !st) return st.error();
  for (const auto& table : kCopiedKinds) {
    if (auto st = copy_table(source, target, table); !st) return st.error();
    CopiedKind kind{table.name, table.title};
    auto in_source = count_rows(source, table.name);
    if (!in_source) return in_source.error();
    auto in_target = count_rows(target, table.name);
    if (!in_target) return in_target.error();
    kind.source = *in_source;
    kind.target = *in_target;
    copy.kinds.push_back(kind);
    if (copied) copied(kind);
  }
  if (server) {
    if (auto st = copy_table(source, target, kQueueCounts); !st) return st.error();
    if (auto st = set_triggers(target, true); !st) return st.error();
    if (auto st = target.exec("UPDATE store_generation SET n = n + 1"); !st) return st.error();
  }
  if (auto st = advance_sequences(target); !st) return st.error();

  auto audit = verify_audit_chain(*target_repo);
  if (!audit) return audit.error();
  copy.audit = std::move(audit).value();
  auto source_head = source_repo->audit_head();
  if (!source_head) return source_head.error();
  auto target_head = target_repo->audit_head();
  if (!target_head) return target_head.error();
  copy.head_matches = source_head->has_value() == target_head->has_value() &&
                      (!source_head->has_value() || ((*source_head)->seq == (*target_head)->seq &&
                                                     (*source_head)->hash == (*target_head)->hash));
  if (!copy.verified()) return copy;  // rolled back: the target is left as it was
  if (auto st = writing.commit(); !st) return st.error();
  copy.committed = true;
  return copy;
}

}  // namespace keydesk
