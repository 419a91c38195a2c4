// `keydesk users` as an administrator runs it, on a real SQLite file: every line it prints for a
// person is Chinese and says what to do next; `users token` keeps its stdout for scripts (the
// bare token) and `users list --json` its keys.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <regex>

#include <sqlite3.h>

#include "engine/accounts.h"
#include "tests/support.h"

using keydesk::test::chinese_first;
using keydesk::test::run_keydesk;
using keydesk::test::TempDir;

namespace {

const std::string kAuthority = "示例省商务厅（发证机构）";

struct Counter {
  TempDir dir;
  std::string db = (dir.path() / "k.db").string();
  // `keydesk --db DB users ARGS` with `input` on standard input (a pipe: read once, no prompt).
  keydesk::test::Run users(const std::string& args, const std::string& input = "") const {
    return run_keydesk("--db '" + db + "' users " + args, input);
  }
};

// The message of a refusal as printed on stderr ("keydesk: …"), checked to be Chinese first.
std::string refusal(const keydesk::test::Run& r) {
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  REQUIRE(r.err.starts_with("keydesk: "));
  const std::string message = r.err.substr(std::string("keydesk: ").size());
  CHECK(chinese_first(message));
  return message;
}

}  // namespace

TEST_CASE("keydesk users tells in Chinese what it did: added, listed, password changed, disabled",
          "[cli]") {
  Counter c;
  auto added = c.users(
      "add wang.fang --role authority_clerk --authority '" + kAuthority + "' --display-name 王芳",
      "a-long-password\n");
  INFO(added.err);
  REQUIRE(added.exit_code == 0);
  CHECK(added.out == "已添加账户 wang.fang（发证机构经办人 authority_clerk，" + kAuthority +
                         "）：可用它登录网页柜台 (keydesk serve)\n");
  CHECK(added.err.empty());  // no prompt on a pipe
  REQUIRE(c.users("add li.gong --role vendor_reviewer", "another-long-one\n").exit_code == 0);

  auto passwd = c.users("passwd wang.fang", "a-new-long-password\n");
  REQUIRE(passwd.exit_code == 0);
  CHECK(passwd.out == "已更改账户 wang.fang 的密码，它已登录的会话均已结束：请用新密码登录\n");
  auto disabled = c.users("disable li.gong");
  REQUIRE(disabled.exit_code == 0);
  CHECK(disabled.out ==
        "已停用账户 li.gong，它已登录的会话均已结束：要再启用，请用 keydesk users disable li.gong "
        "--enable\n");

  auto list = c.users("list");
  REQUIRE(list.exit_code == 0);
  CHECK(list.out == "wang.fang  发证机构经办人 authority_clerk  " + kAuthority +
                        "  王芳\n"
                        "li.gong  服务商复核人员 vendor_reviewer  （已停用）\n");
  // The changes are the database's: the new password logs in, the old one no longer; li.gong is
  // refused as disabled.
  auto accounts = keydesk::Accounts::open(c.db);
  REQUIRE(accounts);
  CHECK(accounts->log_in("wang.fang", "a-new-long-password", "127.0.0.1", 1000));
  CHECK_FALSE(accounts->log_in("wang.fang", "a-long-password", "127.0.0.1", 1000));
  auto off = accounts->log_in("li.gong", "another-long-one", "127.0.0.2", 1000);
  REQUIRE_FALSE(off);
  CHECK_THAT(off.error().message, Catch::StartsWith("账户已停用"));

  auto enabled = c.users("disable li.gong --enable");
  REQUIRE(enabled.exit_code == 0);
  CHECK(enabled.out == "已启用账户 li.gong：它可以再次登录\n");
  CHECK(accounts->log_in("li.gong", "another-long-one", "127.0.0.3", 1000));
}

TEST_CASE("keydesk users list --json keeps its keys", "[cli]") {
  Counter c;
  REQUIRE(c.users("add zhao.admin --role administrator", "a-long-password\n").exit_code == 0);
  REQUIRE(c.users("disable zhao.admin").exit_code == 0);
  auto list = run_keydesk("--db '" + c.db + "' --json users list");
  REQUIRE(list.exit_code == 0);
  const auto j = nlohmann::json::parse(list.out, nullptr, false);
  REQUIRE(j.is_object());
  CHECK(j.value("name", "") == "zhao.admin");
  CHECK(j.value("role", "") == "administrator");
  CHECK(j.value("disabled", false) == true);
  for (const char* key : {"display_name", "authority", "created_at"}) CHECK(j.contains(key));
}

TEST_CASE("keydesk users token prints the bare token on stdout, in Chinese on stderr what to do",
          "[cli]") {
  Counter c;
  auto issued = c.users("token online-filing --authority '" + kAuthority + "'");
  INFO(issued.err);
  REQUIRE(issued.exit_code == 0);
  REQUIRE(std::regex_match(issued.out, std::regex("[0-9a-f]{64}\n")));
  CHECK(issued.err == "已为 " + kAuthority +
                          " 生成 API 令牌 online-filing，令牌已写到标准输出：请立即妥善保存，它不"
                          "会再显示；调用方在请求头中发送 'Authorization: Bearer 令牌'\n");
  auto accounts = keydesk::Accounts::open(c.db);
  REQUIRE(accounts);
  auto token = accounts->api_token(issued.out.substr(0, 64));
  REQUIRE(token);
  REQUIRE(token->has_value());
  CHECK((*token)->label == "online-filing");
  CHECK((*token)->authority == kAuthority);
}

namespace {

// The API tokens kept in the SQLite file `db`, read straight from it (Accounts has no list).
int api_tokens_in(const std::string& db) {
  sqlite3* handle = nullptr;
  int count = -1;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(handle, "SELECT count(*) FROM api_tokens", -1, &stmt, nullptr) ==
            SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
      count = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
  }
  sqlite3_close(handle);
  return count;
}

}  // namespace

TEST_CASE("keydesk users refuses in Chinese, saying what to do, and changes nothing", "[cli]") {
  Counter c;
  REQUIRE(c.users("add wang.fang --role vendor_reviewer", "a-long-password\n").exit_code == 0);

  CHECK_THAT(refusal(c.users("add li.si --role vendor_reviewer", "short\n")),
             Catch::StartsWith("密码太短，未做任何更改：请用至少 10 个字符的密码"));
  CHECK_THAT(refusal(c.users("passwd wang.fang", "short\n")), Catch::StartsWith("密码太短"));
  CHECK_THAT(refusal(c.users("passwd nobody", "a-long-password\n")),
             Catch::StartsWith("没有账户 nobody，未做任何更改：请用 keydesk users list"));
  CHECK_THAT(refusal(c.users("disable nobody")), Catch::StartsWith("没有账户 nobody"));
  CHECK_THAT(refusal(c.users("add 'zhang wei' --role vendor_reviewer", "a-long-password\n")),
             Catch::StartsWith("账户名 'zhang wei' 不可用：请用 1 到 64 个英文字母"));
  CHECK_THAT(refusal(c.users("add li.si --role clerk", "a-long-password\n")),
             Catch::StartsWith("没有角色 'clerk'：请用 authority_clerk（发证机构经办人）、"));
  CHECK_THAT(refusal(c.users("add li.si --role authority_clerk", "a-long-password\n")),
             Catch::StartsWith("发证机构经办人只为一个发证机构办理：请用 --authority 给出"));
  CHECK_THAT(refusal(c.users("add wang.fang --role vendor_reviewer", "a-long-password\n")),
             Catch::StartsWith("账户 wang.fang 已存在：请换一个名称"));
  CHECK_THAT(refusal(c.users("token 'on line' --authority '" + kAuthority + "'")),
             Catch::StartsWith("令牌标签 'on line' 不可用：请用 1 到 64 个英文字母"));
  CHECK_THAT(refusal(c.users("token online-filing --authority ''")),
             Catch::StartsWith("每个 API 令牌只为一个发证机构受理案件：请用 --authority 给出"));

  // Nothing was added, no token was issued, and wang.fang's password is the first one still.
  auto list = c.users("list");
  CHECK(list.out == "wang.fang  服务商复核人员 vendor_reviewer\n");
  CHECK(api_tokens_in(c.db) == 0);
  auto accounts = keydesk::Accounts::open(c.db);
  REQUIRE(accounts);
  CHECK(accounts->log_in("wang.fang", "a-long-password", "127.0.0.1", 1000));
}
