#include "cli/case_cmd.h"

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <boost/date_time/posix_time/posix_time.hpp>

#include "engine/batch_report.h"
#include "engine/case_json.h"
#include "engine/case_store.h"
#include "engine/deadlines.h"
#include "engine/engine.h"
#include "engine/intake.h"
#include "engine/privacy.h"
#include "engine/rules.h"

namespace keydesk::cli {

namespace {

struct Args {
  std::string path, case_id, action, remark, submission, today, at, user, role, authority, state,
      procedure, uscc, username, search;
  std::string override_check;
  std::vector<std::string> inputs;
  long version = -1;
  bool all = false, wrong = false, correct = false, remark_from_check = false;
};

Result<nlohmann::json> read_json_file(std::filesystem::path path) {
  if (std::filesystem::is_directory(path)) path /= "submission.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot open " + path.string() + ": check the path"};
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded())
    return Error{path.string() + " is not valid JSON: check it with a JSON validator"};
  return j;
}

void print_case_line(const CaseRecord& c, const Procedure* p) {
  const StateRule* s = p ? p->state(c.state) : nullptr;
  std::cout << c.id << "  " << c.procedure << "  " << c.state;
  if (s) std::cout << "（" << s->title << "）";
  std::cout << "  v" << c.version << "  "
            << (c.due && !c.closed && !c.clock_stopped ? "办结期限 " : "") << deadline_text(c)
            << "  " << text_at(c.data, "/enterprise/name") << '\n';
}

}  // namespace

void add_case_commands(CLI::App& app, Context& ctx, int& exit_code) {
  auto args = std::make_shared<Args>();
  app.add_option("--db", ctx.db,
                 "case database: an SQLite file (default: keydesk.db in this directory) or a "
                 "postgresql:// URI");

  auto* cases = app.add_subcommand("case", "cases: open, act, show, list, overdue, history, audit");
  cases->require_subcommand(1);

  auto actor_options = [args](CLI::App* cmd) {
    cmd->add_option("--user", args->user, "who acts (default: $USER)");
    cmd->add_option(
        "--role", args->role,
        "the role acted in: authority_clerk, vendor_reviewer, enterprise (open: authority_clerk)");
    cmd->add_option("--authority", args->authority,
                    "the authority acted for (default: the counter's)");
    cmd->add_option("--at", args->at, "when (ISO time; default: now)");
  };

  // Shared by every case command: the counter, the store, and the engine (context.h).
  auto env = [&ctx] { return open_engine(ctx); };
  auto fail = [&ctx, &exit_code](const Error& e) {
    print_error(ctx, e);
    exit_code = kUsage;
  };
  // Who looks at cases from the shell: the role given (a clerk of the authority given or the
  // counter's), else an auditor of every authority, who sees ID numbers masked.
  auto viewer = [args](const EngineEnv& e) {
    const char* user = std::getenv("USER");
    if (args->role.empty()) return Actor{user ? user : "clerk", "auditor", args->authority};
    return Actor{user ? user : "clerk", args->role,
                 args->authority.empty() ? e.counter.authority : args->authority};
  };
  auto actor = [args](const EngineEnv& e) {
    const char* user = std::getenv("USER");
    return Actor{args->user.empty() ? (user ? user : "clerk") : args->user, args->role,
                 args->authority.empty() ? e.counter.authority : args->authority};
  };

  // --- open ---
  auto* open = cases->add_subcommand(
      "open", "SUBMISSION: open a case from a submission folder or JSON file");
  open->add_option("submission", args->path, "folder with submission.json, or the JSON file")
      ->required();
  actor_options(open);
  open->callback([=, &ctx, &exit_code] {
    auto e = env();
    if (!e) return fail(e.error());
    auto submission = read_submission(args->path);
    if (!submission) return fail(submission.error());
    if (args->role.empty()) args->role = "authority_clerk";  // the counter accepts submissions
    auto c = (*e)->engine->open_case(*submission, actor(**e), args->at);
    if (!c) {
      print_error(ctx, Error{args->path + ": " + c.error().message, c.error().diagnostics});
      exit_code = c.error().kind == ErrorKind::refused ? kUsage : exit_code_of(c.error().kind);
      return;
    }
    auto p = (*e)->store->procedure_at(c->procedure, c->procedure_version);
    if (!p) return fail(p.error());
    if (ctx.json)
      print_json(case_json(*c, p->get()));
    else
      print_case_line(*c, p->get());
    exit_code = kOk;
  });

  // --- act ---
  auto* act = cases->add_subcommand("act", "CASE ACTION --version N: take an action on a case");
  act->add_option("case", args->case_id, "case number")->required();
  act->add_option("action", args->action, "action id (see 'case show')")->required();
  act->add_option("--version", args->version, "the case version you saw (see 'case show')")
      ->required();
  act->add_option("--remark", args->remark,
                  "备注 for the enterprise (required when a review fails)");
  act->add_option("--input", args->inputs, "NAME=VALUE, e.g. method=fax, waybill=SF123");
  act->add_option("--submission", args->submission,
                  "resubmission: the new submission folder or JSON");
  act->add_flag("--remark-from-check", args->remark_from_check,
                "备注 from the case's document check: its failing findings' remarks, numbered "
                "(after --remark, when both are given)");
  act->add_option("--override-check", args->override_check,
                  "REASON: take an action that needs a clean document check although the "
                  "check failed or needs review (recorded in the history)");
  actor_options(act);
  act->callback([=, &ctx, &exit_code] {
    auto e = env();
    if (!e) return fail(e.error());
    if (args->role.empty())
      return fail(Error{"say which role acts: --role authority_clerk|vendor_reviewer|enterprise"});
    ActionRequest request;
    request.action = args->action;
    request.actor = actor(**e);
    request.remark = args->remark;
    request.check_override = args->override_check;
    if (args->remark_from_check) {
      auto listed = (*e)->engine->return_remark(args->case_id);
      if (!listed) return fail(listed.error());
      request.remark += (request.remark.empty() ? "" : "\n") + *listed;
    }
    request.expected_version = args->version;
    for (const auto& kv : args->inputs) {
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0)
        return fail(Error{"--input '" + kv + "': write NAME=VALUE"});
      request.inputs[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    if (!args->submission.empty()) {
      auto s = read_submission(args->submission);
      if (!s) return fail(s.error());
      if (s->id != args->case_id)
        return fail(Error{args->submission + ": submission.id “" + s->id +
                          "” is not the case's number " + args->case_id +
                          " (a resubmission replaces the submission of the same case)"});
      request.submission = s->to_json();
    }
    auto done = (*e)->engine->act(args->case_id, request, args->at);
    if (!done) {
      print_error(ctx, done.error());
      exit_code = exit_code_of(done.error().kind);
      return;
    }
    auto p = (*e)->store->procedure_at(done->procedure, done->procedure_version);
    if (!p) return fail(p.error());
    if (ctx.json)
      print_json(case_json(*done, p->get()));
    else
      print_case_line(*done, p->get());
    exit_code = kOk;
  });

  // --- show ---
  auto* show =
      cases->add_subcommand("show", "CASE: a case, its deadline and the actions possible now");
  show->add_option("case", args->case_id, "case number")->required();
  show->add_option("--role", args->role, "only the actions of this role");
  show->callback([=, &ctx, &exit_code] {
    auto e = env();
    if (!e) return fail(e.error());
    // Without --role the case is shown as to an auditor of every authority: ID numbers masked.
    const Actor who = viewer(**e);
    auto view = (*e)->engine->view_case(args->case_id, who);
    if (!view) return fail(view.error());
    // Without --role: every action possible now, with the roles that may take it.
    if (args->role.empty() && !view->loaded.record.closed)
      view->actions = Workflow::actions_for(*view->loaded.procedure, view->loaded.record.state, "");
    const Date day = today_option("").value_or(Date());
    if (ctx.json) {
      print_json(case_view_json(*(*e)->engine, *view, day));
      exit_code = kOk;
      return;
    }
    const CaseRecord& c = view->loaded.record;
    const Procedure& p = *view->loaded.procedure;
    const nlohmann::json& shown = view->submission;
    const StateRule* s = p.state(c.state);
    std::cout << "案件编号  " << c.id << "  " << p.title << "（" << c.procedure << "，规则版本 "
              << c.procedure_version.substr(0, 12) << "）\n"
              << "企业      " << text_at(shown, "/enterprise/name") << "  "
              << text_at(shown, "/enterprise/uscc") << '\n'
              << "申请人    登录名 " << text_at(shown, "/applicant/login_username") << "，经办人 "
              << text_at(shown, "/applicant/authorized_user/name") << " "
              << text_at(shown, "/applicant/authorized_user/id_number") << '\n'
              << "状态      " << (s ? s->title : c.state) << "（" << c.state << "）  第 "
              << c.version << " 版\n"
              << "办结期限  " << deadline_text(c) << '\n'
              << "发证机构  " << c.authority << "   受理 " << c.opened_at << "   更新 "
              << c.updated_at << '\n';
    const auto& check = view->check;
    if (!check) {
      std::cout << "文书核验  尚无（keydesk batch verify --db 记录核验结果）\n";
    } else {
      std::cout << "文书核验  " << verdict_label(check->verdict) << "  批次 " << check->batch
                << "  " << check->at << (check->current ? "" : "  （针对此前提交的材料，已不适用）")
                << '\n';
      if (check->blocks())
        for (const char* severity : {"fail", "review"}) {
          std::string remarks = check->remarks(severity), line;
          if (remarks.empty()) continue;
          std::cout << "          "
                    << (severity == std::string("fail")
                            ? "须退回的问题（--remark-from-check 以此为备注）："
                            : "须人工核对的事项：")
                    << '\n';
          std::istringstream lines(remarks);
          while (std::getline(lines, line)) std::cout << "            " << line << '\n';
        }
    }
    // Which of the procedure's conditions hold now: the one that decided stands out.
    if (auto conditions = (*e)->engine->conditions(view->loaded, day);
        conditions && !conditions->empty()) {
      std::cout << "受理条件（按今日的登记信息）：\n";
      for (const auto& row : *conditions) {
        const bool applies = row["applies"] == true;
        const bool holds = row["holds"] == true;
        std::cout << "  "
                  << (!applies ? "—"
                      : holds  ? "✓"
                               : "✗")
                  << " " << text_at(row, "/title")
                  << (!applies ? "（不适用）"
                      : holds  ? ""
                               : "：" + text_at(row, "/remark"))
                  << '\n';
      }
    }
    for (const OutboxItem& n : view->notices)
      std::cout << (&n == &view->notices.front() ? "通知      " : "          ") << "「"
                << n.message.subject << "」→ "
                << (n.message.to.empty() ? "（无收件地址）" : n.message.to) << "  "
                << delivery_status_text(n, (*e)->counter.hours) << '\n';
    if (!c.closed && !view->actions.empty()) {
      std::cout << "可办理的操作（keydesk case act " << c.id << " 操作 --version " << c.version
                << " --role 角色）：\n";
      for (const ActionRule* a : view->actions) {
        std::string roles;
        for (const auto& r : a->roles) roles += (roles.empty() ? "" : ", ") + r;
        const bool blocked = a->requires_check && check && check->blocks();
        std::cout << "  " << a->id << "「" << a->title << "」  [" << roles << "]"
                  << (a->remark_required ? "  须填写备注 --remark" : "")
                  << (blocked ? "  核验未通过：须说明理由 --override-check" : "") << '\n';
        for (const auto& in : a->inputs) {
          std::string values;
          for (const auto& choice : in.choices)
            values += (values.empty() ? "" : "|") + choice.value + "（" + choice.title + "）";
          std::cout << "      --input " << in.name << "=" << (values.empty() ? "…" : values) << "  "
                    << in.title
                    << (in.required        ? "（必填）"
                        : in.required_when ? "（视情况必填）"
                                           : "")
                    << (in.hint.empty() ? "" : "：" + in.hint) << '\n';
        }
      }
    }
    exit_code = kOk;
  });

  // --- list ---
  auto* list = cases->add_subcommand("list", "open cases, soonest deadline first");
  list->add_option("--state", args->state, "only cases in this state");
  list->add_option("--procedure", args->procedure, "only cases of this procedure");
  list->add_option("--authority", args->authority, "only cases of this authority");
  list->add_option("--uscc", args->uscc, "only cases of this enterprise");
  list->add_flag("--all", args->all, "include closed cases");
  list->add_option("--search", args->search,
                   "part of a case number, USCC, enterprise name, a name on the form or the login "
                   "name (closed cases too with --all)");
  list->callback([=, &ctx, &exit_code] {
    auto e = env();
    if (!e) return fail(e.error());
    QueueRequest request;
    CaseFilter& filter = request.filter;
    filter.authority = args->authority;
    filter.procedure = args->procedure;
    filter.state = args->state;
    filter.uscc = args->uscc;
    filter.include_closed = args->all;
    filter.search = args->search;
    request.per_page = 1000;
    const Date day = today_option("").value_or(Date());
    auto q = (*e)->engine->queue(viewer(**e), request, day);
    if (!q) return fail(q.error());
    for (const LoadedCase& c : q->cases)
      ctx.json ? print_json((*e)->engine->case_summary(c, day))
               : print_case_line(c.record, c.procedure.get());
    if (!ctx.json)
      std::cout << "共 " << q->total << " 件"
                << (q->total > static_cast<long>(q->cases.size())
                        ? "，列出前 " + std::to_string(q->cases.size()) + " 件"
                        : std::string())
                << '\n';
    exit_code = kOk;
  });

  // --- overdue ---
  auto* overdue =
      cases->add_subcommand("overdue", "cases past their deadline, then those due today");
  overdue->add_option("--today", args->today, "take this date as today (YYYY-MM-DD)");
  overdue->add_option("--authority", args->authority, "only cases of this authority");
  overdue->callback([=, &ctx, &exit_code] {
    auto e = env();
    if (!e) return fail(e.error());
    auto day = today_option(args->today);
    if (!day) return fail(day.error());
    Date today = *day;
    auto late = (*e)->store->overdue(today, args->authority);
    if (!late) return fail(late.error());
    auto due = (*e)->store->due_on(today, args->authority);
    if (!due) return fail(due.error());
    // Cases whose deadline waits on a year's holiday arrangement are never out of sight.
    CaseFilter waiting;
    waiting.authority = args->authority;
    waiting.deadline_pending = true;
    waiting.limit = 1000;
    auto pending = (*e)->store->list(waiting);
    if (!pending) return fail(pending.error());
    if (ctx.json) {
      nlohmann::json j = {{"today", format_date(today)},
                          {"overdue", nlohmann::json::array()},
                          {"due_today", nlohmann::json::array()},
                          {"deadline_pending", nlohmann::json::array()}};
      for (const auto& c : *late) j["overdue"].push_back(case_json(c, nullptr));
      for (const auto& c : *due) j["due_today"].push_back(case_json(c, nullptr));
      for (const auto& c : *pending) j["deadline_pending"].push_back(case_json(c, nullptr));
      print_json(j);
    } else {
      std::cout << "overdue on " << format_date(today) << ": " << late->size() << '\n';
      for (const auto& c : *late) print_case_line(c, nullptr);
      std::cout << "due today: " << due->size() << '\n';
      for (const auto& c : *due) print_case_line(c, nullptr);
      std::cout << "deadline pending (办结期限待定，节假日安排尚未录入): " << pending->size()
                << '\n';
      for (const auto& c : *pending) print_case_line(c, nullptr);
    }
    exit_code = late->empty() ? kOk : kProblems;
  });

  // --- history ---
  auto* history = cases->add_subcommand("history", "CASE: every event of a case, oldest first");
  history->add_option("case", args->case_id, "case number")->required();
  history->callback([=, &ctx, &exit_code] {
    auto e = env();
    if (!e) return fail(e.error());
    if (auto c = (*e)->store->get(args->case_id); !c) return fail(c.error());
    auto events = (*e)->store->history(args->case_id);
    if (!events) return fail(events.error());
    for (const auto& ev : *events) {
      if (ctx.json) {
        print_json(audit_event_json(ev, true));
        continue;
      }
      std::cout << "#" << ev.seq << "  " << ev.at << "  " << ev.role << "(" << ev.user << ")";
      if (!ev.authority.empty()) std::cout << "@" << ev.authority;
      std::cout << "  " << ev.action << "  " << (ev.from.empty() ? "" : ev.from + " → ") << ev.to;
      if (!ev.outcome.empty()) std::cout << "  " << ev.outcome;
      if (!ev.remark.empty()) std::cout << "  备注: " << ev.remark;
      std::cout << '\n';
    }
    exit_code = kOk;
  });

  // --- verify-audit ---
  auto* verify =
      cases->add_subcommand("verify-audit", "check the audit chain for edited or deleted events");
  verify->callback([=, &ctx, &exit_code] {
    auto e = env();
    if (!e) return fail(e.error());
    auto report = (*e)->store->verify_audit();
    if (!report) return fail(report.error());
    if (ctx.json) {
      print_json({{"events", report->events},
                  {"intact", report->problems.empty()},
                  {"problems", report->problems}});
    } else {
      for (const auto& problem : report->problems) std::cout << "audit: " << problem << '\n';
      std::cout << report->events << " event(s): "
                << (report->problems.empty() ? "the audit chain is intact"
                                             : "THE AUDIT CHAIN IS BROKEN")
                << '\n';
    }
    exit_code = report->problems.empty() ? kOk : kProblems;
  });

  // --- outbox ---
  auto* outbox =
      cases->add_subcommand("outbox", "notices waiting to be sent (activation, unlock e-mails)");
  outbox->add_flag("--all", args->all, "include notices already sent");
  outbox->callback([=, &ctx, &exit_code] {
    auto e = env();
    if (!e) return fail(e.error());
    auto items = (*e)->store->outbox(!args->all);
    if (!items) return fail(items.error());
    for (const auto& i : *items) {
      if (ctx.json)
        print_json({{"id", i.id},
                    {"case", i.case_id},
                    {"notice", i.message.notice},
                    {"channel", i.message.channel},
                    {"to", i.message.to},
                    {"subject", i.message.subject},
                    {"body", i.message.body},
                    {"created_at", i.created_at}});
      else
        std::cout << i.id << "  " << i.case_id << "  " << i.message.channel << " to "
                  << i.message.to << "  「" << i.message.subject << "」  " << i.created_at << '\n';
    }
    exit_code = kOk;
  });

  // --- registry ---
  auto* registry = app.add_subcommand("registry", "enterprises and their e-keys");
  registry->require_subcommand(1);
  auto* import =
      registry->add_subcommand("import", "FILE.json: add or update enterprises and keys");
  import->add_option("file", args->path, "{\"enterprises\": [...], \"keys\": [...]}")->required();
  import->callback([=, &ctx, &exit_code] {
    auto e = env();
  if (!e) return fail(e.error());
  auto entries = read_json_file(args->path);
  if (!entries) return fail(entries.error());
  if (auto st = (*e)->store->import(*entries); !st)
    return fail(Error{args->path + ": " + st.error().message + " (nothing was imported)"});
  if (!ctx.json)
    std::cout << entries->value("enterprises", nlohmann::json::array()).size() << " enterprise(s), "
              << entries->value("keys", nlohmann::json::array()).size() << " key(s) imported\n";
  exit_code = kOk;
});
auto* rshow = registry->add_subcommand("show", "USCC: an enterprise and its keys");
rshow->add_option("uscc", args->uscc, "统一社会信用代码")->required();
rshow->callback([=, &ctx, &exit_code] {
  auto e = env();
  if (!e) return fail(e.error());
  auto ent = (*e)->store->enterprise(args->uscc);
  if (!ent) return fail(ent.error());
  if (!*ent) return fail(Error{"no enterprise " + args->uscc + " in the registry"});
  auto keys = (*e)->store->keys_of(args->uscc);
  if (!keys) return fail(keys.error());
  nlohmann::json j = {{"uscc", (*ent)->uscc},
                      {"name", (*ent)->name},
                      {"kind", (*ent)->kind},
                      {"code13", (*ent)->code13},
                      {"filing_has_uscc", (*ent)->filing_has_uscc},
                      {"keys", nlohmann::json::array()}};
  for (const auto& k : *keys) j["keys"].push_back(key_json(k));
  if (ctx.json) {
    print_json(j);
  } else {
    std::cout << (*ent)->name << "  " << (*ent)->uscc << "  " << (*ent)->kind << '\n';
    for (const auto& k : j["keys"]) std::cout << "  key " << k.dump() << '\n';
  }
  exit_code = kOk;
});
auto* pin = registry->add_subcommand("pin", "USERNAME --wrong|--correct: record a PIN entry");
pin->add_option("username", args->username, "login username of the key")->required();
auto* wrong = pin->add_flag("--wrong", args->wrong, "a wrong PIN was entered");
pin->add_flag("--correct", args->correct, "the right PIN was entered")->excludes(wrong);
pin->callback([=, &ctx, &exit_code] {
  auto e = env();
  if (!e) return fail(e.error());
  if (!args->wrong && !args->correct) return fail(Error{"say --wrong or --correct"});
  auto k = (*e)->store->pin_entry(args->username, args->correct);
  if (!k) {
    print_error(ctx, k.error());
    exit_code = kProblems;
    return;
  }
  if (ctx.json)
    print_json({{"login_username", k->login_username},
                {"status", k->status},
                {"wrong_pin_entries", k->wrong_pin_entries}});
  else
    std::cout << k->login_username << "  " << k->status
              << "  wrong PIN entries in a row: " << k->wrong_pin_entries << '\n';
  exit_code = kOk;
});
}  // namespace keydesk::cli

}  // namespace keydesk::cli
