#include "cli/users_cmd.h"

#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include <boost/date_time/posix_time/posix_time.hpp>

#include "engine/accounts.h"

namespace keydesk::cli {

namespace {

struct Args {
  std::string name, role, authority, display_name, label;
  bool enable = false;
};

std::string now_text() {
  return boost::posix_time::to_iso_extended_string(boost::posix_time::second_clock::local_time());
}

// One line of standard input; on a terminal without echo, after `prompt`.
std::string read_secret(const std::string& prompt) {
  std::string line;
  if (!isatty(STDIN_FILENO)) {
    std::getline(std::cin, line);
    return line;
  }
  std::cerr << prompt << std::flush;
  termios old{};
  tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::getline(std::cin, line);
  tcsetattr(STDIN_FILENO, TCSANOW, &old);
  std::cerr << '\n';
  return line;
}

// `role` as a person reads it: its Chinese name and the word --role takes.
std::string role_shown(const std::string& role) {
  const std::string title = account_role_title(role);
  return title == role ? role : title + " " + role;
}

// The new password: asked twice on a terminal, read once from a pipe.
Result<std::string> new_password() {
  std::string password = read_secret("新密码（至少 10 个字符）：");
  if (isatty(STDIN_FILENO) && read_secret("请再输入一次新密码：") != password)
    return Error{
        "两次输入的密码不一致，未做任何更改：请重新运行命令，两次输入同一个密码 (the two "
        "passwords differ)"};
  if (!password.empty() && password.back() == '\r') password.pop_back();
  return password;
}

}  // namespace

void add_users_commands(CLI::App& app, Context& ctx, int& exit_code) {
  auto args = std::make_shared<Args>();
  auto* users = app.add_subcommand(
      "users", "accounts of the web counter (keydesk serve): add, passwd, disable, list, token");
  users->require_subcommand(1);
  auto fail = [&ctx, &exit_code](const Error& e) {
    print_error(ctx, e);
    exit_code = kUsage;
  };
  auto open = [&ctx]() { return Accounts::open(ctx.db); };

  auto* add = users->add_subcommand(
      "add", "NAME --role ROLE: add an account (the password is read from standard input)");
  add->add_option("name", args->name, "login name, e.g. zhang.wei")->required();
  add->add_option("--role", args->role,
                  "authority_clerk, vendor_reviewer, administrator or auditor")
      ->required();
  add->add_option("--authority", args->authority,
                  "the clerk's (or auditor's) authority, as on its cases");
  add->add_option("--display-name", args->display_name, "name shown on the pages (张伟)");
  add->callback([=, &exit_code] {
    auto accounts = open();
    if (!accounts) return fail(accounts.error());
    auto password = new_password();
    if (!password) return fail(password.error());
    Account a{args->name, args->display_name, args->role, args->authority, false, ""};
    if (auto st = accounts->add(a, *password, now_text()); !st) return fail(st.error());
    std::cout << "已添加账户 " << args->name << "（" << role_shown(args->role)
              << (args->authority.empty() ? "" : "，" + args->authority)
              << "）：可用它登录网页柜台 (keydesk serve)\n";
    exit_code = kOk;
  });

  auto* passwd = users->add_subcommand(
      "passwd", "NAME: set a new password (read from standard input); its sessions end");
  passwd->add_option("name", args->name, "login name")->required();
  passwd->callback([=, &exit_code] {
    auto accounts = open();
    if (!accounts) return fail(accounts.error());
    auto password = new_password();
    if (!password) return fail(password.error());
    if (auto st = accounts->set_password(args->name, *password, now_text()); !st)
      return fail(st.error());
    std::cout << "已更改账户 " << args->name << " 的密码，它已登录的会话均已结束：请用新密码登录\n";
    exit_code = kOk;
  });

  auto* disable =
      users->add_subcommand("disable", "NAME: stop an account (--enable: allow it again)");
  disable->add_option("name", args->name, "login name")->required();
  disable->add_flag("--enable", args->enable, "allow the account to log in again");
  disable->callback([=, &exit_code] {
    auto accounts = open();
    if (!accounts) return fail(accounts.error());
    if (auto st = accounts->set_disabled(args->name, !args->enable, now_text()); !st)
      return fail(st.error());
    if (args->enable)
      std::cout << "已启用账户 " << args->name << "：它可以再次登录\n";
    else
      std::cout << "已停用账户 " << args->name
                << "，它已登录的会话均已结束：要再启用，请用 keydesk users disable " << args->name
                << " --enable\n";
    exit_code = kOk;
  });

  auto* list = users->add_subcommand("list", "every account, by role");
  list->callback([=, &ctx, &exit_code] {
    auto accounts = open();
    if (!accounts) return fail(accounts.error());
    auto all = accounts->list();
    if (!all) return fail(all.error());
    for (const Account& a : *all) {
      if (ctx.json)
        print_json({{"name", a.name},
                    {"display_name", a.display_name},
                    {"role", a.role},
                    {"authority", a.authority},
                    {"disabled", a.disabled},
                    {"created_at", a.created_at}});
      else
        std::cout << a.name << "  " << role_shown(a.role)
                  << (a.authority.empty() ? "" : "  " + a.authority)
                  << (a.display_name.empty() ? "" : "  " + a.display_name)
                  << (a.disabled ? "  （已停用）" : "") << '\n';
    }
    exit_code = kOk;
  });

  auto* token = users->add_subcommand(
      "token", "LABEL --authority A: an API token for machine intake (POST /api/submissions)");
  token->add_option("label", args->label, "who uses it, e.g. online-filing")->required();
  token->add_option("--authority", args->authority, "the authority its cases belong to")
      ->required();
  token->callback([=, &exit_code] {
    auto accounts = open();
    if (!accounts) return fail(accounts.error());
    auto t = accounts->issue_api_token(args->label, args->authority, now_text());
    if (!t) return fail(t.error());
    // The token itself, alone on stdout, so a script can keep it; it is not shown again.
    std::cout << *t << '\n';
    std::cerr << "已为 " << args->authority << " 生成 API 令牌 " << args->label
              << "，令牌已写到标准输出：请立即妥善保存，它不会再显示；调用方在请求头中发送 "
                 "'Authorization: Bearer 令牌'\n";
    exit_code = kOk;
  });
}

}  // namespace keydesk::cli
