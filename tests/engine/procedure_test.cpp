// Procedure rule files: the bundled ones are clean, and each kind of mistake an administrator
// makes is reported at its file:line:column.
#include "engine/procedure.h"

#include <catch2/catch.hpp>

#include "engine/graph.h"
#include "engine/internal/schemas.h"
#include "engine/rules.h"
#include "tests/support.h"

using namespace keydesk;

namespace {

const char* const kBase = R"(id: t
title: 测试
calendar: counter
roles:
  clerk: 经办人
  enterprise: 企业
start: review
states:
  review: { title: 核验, actor: clerk, deadline: 2 }
  returned: { title: 退回, waits_on_enterprise: true }
  done: { title: 办结, final: true }
actions:
  - { id: pass, title: 核验通过, outcome: 核验通过, from: [review], to: done, roles: [clerk] }
  - { id: fail, title: 核验未通过, outcome: 核验未通过, from: [review], to: returned, roles: [clerk], remark: required }
  - { id: resubmit, title: 重新提交, from: [returned], to: review, roles: [enterprise], resubmission: true }
)";

std::string with(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// "line:column: message" per problem, or "ok".
std::string lint(const std::string& text) {
  auto p = parse_procedure(text, "/rules/procedures/t.yaml");
  if (p) return "ok";
  std::string out;
  for (const auto& d : p.error().diagnostics)
    out += std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.message + "\n";
  return out;
}

}  // namespace

TEST_CASE("a well-formed procedure loads, keeping the file's order of states") {
  REQUIRE(lint(kBase) == "ok");
  auto p = parse_procedure(kBase, "/rules/procedures/t.yaml");
  REQUIRE(p->states.size() == 3);
  CHECK(p->states[0].id == "review");
  CHECK(p->states[2].id == "done");
  CHECK(p->version.size() == 64);
}

TEST_CASE("every edit of a rule file makes a new version") {
  auto a = parse_procedure(kBase, "/rules/procedures/t.yaml");
  auto b = parse_procedure(std::string(kBase) + "# a comment\n", "/rules/procedures/t.yaml");
  CHECK(a->version != b->version);
}

TEST_CASE("an unknown role, state or notice is named with what exists") {
  CHECK(
      lint(with(kBase, "roles: [clerk] }\n  - { id: fail", "roles: [clerck] }\n  - { id: fail")) ==
      "13:79: unknown role 'clerck' (roles: clerk, enterprise)\n");
  CHECK(lint(with(kBase, "to: done", "to: finished")) ==
        "13:65: unknown state 'finished' (states: review, returned, done)\n"
        "11:3: state 'done' is unreachable: no action leads to it from 'review'\n");
  CHECK(lint(with(kBase, "resubmission: true }", "resubmission: true, notify: [mail] }")) ==
        "15:114: unknown notice 'mail': declare it under 'notices'\n");
}

TEST_CASE("a failing outcome without a required remark is refused") {
  CHECK(lint(with(kBase, ", remark: required }", " }")) ==
        "14:5: action 'fail' records '核验未通过', a failing outcome: add 'remark: required' (备注 "
        "is "
        "mandatory when a review fails)\n");
}

TEST_CASE("an action without a role is refused") {
  CHECK(lint(with(kBase, "roles: [enterprise], resubmission", "roles: [], resubmission")) ==
        "15:71: action 'resubmit' has no role: nobody could take it\n");
}

TEST_CASE("a dead end and an unreachable state are found") {
  CHECK(lint(with(kBase, "  done: { title: 办结, final: true }",
                  "  done: { title: 办结 }\n  lost: { title: 遗失, final: true }")) ==
        "11:3: state 'done' is a dead end: no action leaves it; add one or mark it 'final: true'\n"
        "12:3: state 'lost' is unreachable: no action leads to it from 'review'\n");
}

TEST_CASE("deadlines without a calendar are refused") {
  CHECK(lint(with(kBase, "calendar: counter\n", "")) ==
        "1:1: states have deadlines but the procedure names no calendar: add 'calendar: counter' "
        "(the counter's calendar) or a calendar id\n");
}

TEST_CASE("a guard with a syntax error points into the guard") {
  CHECK(lint(with(kBase, "resubmission: true }",
                  "resubmission: true, guard: \"case.reason = 'x'\" }")) ==
        "15:125: guard: '=' is not an operator: write '==' to compare\n");
}

TEST_CASE("a guard reading an unknown fact is refused") {
  CHECK(lint(with(kBase, "resubmission: true }",
                  "resubmission: true, guard: \"kase.reason == 'x'\" }")) ==
        "15:112: guard reads 'kase.reason', but 'kase' is not a fact (facts: applicant, case, "
        "enterprise, input, key, submission, today)\n");
}

TEST_CASE("schema errors in a procedure are reported with a suggestion") {
  CHECK(lint(with(kBase, "  review: { title: 核验, actor: clerk, deadline: 2 }",
                  "  review: { title: 核验, actor: clerk, dedline: 2 }")) ==
        "9:38: unknown key 'dedline' (did you mean 'deadline'?)\n");
}

TEST_CASE("a deadline of 4294967297 days is refused, not read as 1 day") {
  CHECK(lint(with(kBase, "deadline: 2", "deadline: 4294967297")) ==
        "9:48: 'states/review/deadline' 是 4294967297：请改为 1 到 365 之间的整数 (working days "
        "from entering the state; an integer from 1 to 365)\n");
  // Beyond 64 bits the number is kept as its text, and refused the same way.
  CHECK(lint(with(kBase, "deadline: 2", "deadline: 99999999999999999999")) ==
        "9:48: 'states/review/deadline' 是 '99999999999999999999'：请改为 1 到 365 之间的整数 "
        "(working days from entering the state; an integer from 1 to 365)\n");
}

TEST_CASE("a deadline of zero or fewer days is refused with the field named") {
  CHECK_THAT(
      lint(with(kBase, "deadline: 2", "deadline: 0")),
      Catch::Equals("9:48: 'states/review/deadline' 是 0：请改为 1 到 365 之间的整数 (working "
                    "days from entering the state; an integer from 1 to 365)\n"));
  CHECK_THAT(lint(with(kBase, "deadline: 2", "deadline: -3")),
             Catch::StartsWith("9:48: 'states/review/deadline' 是 -3：请改为 1 到 365 之间的整数"));
  CHECK_THAT(
      lint(with(kBase, "deadline: 2", "deadline: 366")),
      Catch::StartsWith("9:48: 'states/review/deadline' 是 366：请改为 1 到 365 之间的整数"));
}

TEST_CASE("a deadline that is not a whole number of days is refused with the field named") {
  auto message = [](const std::string& value) {
    return "9:48: 'states/review/deadline' 是 " + value +
           "：请改为 1 到 365 之间的整数 (working days from entering the state; an integer from 1 "
           "to 365)\n";
  };
  CHECK(lint(with(kBase, "deadline: 2", "deadline: 1.5")) == message("1.5"));
  CHECK(lint(with(kBase, "deadline: 2", "deadline: 2.0")) == message("2.0"));
  CHECK(lint(with(kBase, "deadline: 2", "deadline: ten")) == message("'ten'"));
  CHECK(lint(with(kBase, "deadline: 2", "deadline: \"2\"")) == message("'2'"));
  // Too large for a double: kept as text rather than thrown out of the reader.
  CHECK(lint(with(kBase, "deadline: 2", "deadline: 1e999")) == message("'1e999'"));
}

TEST_CASE("deadlines of 1 and of 365 working days are accepted") {
  auto one = parse_procedure(with(kBase, "deadline: 2", "deadline: 1"), "/rules/procedures/t.yaml");
  REQUIRE(one);
  CHECK(one->state("review")->deadline_days == 1);
  auto most =
      parse_procedure(with(kBase, "deadline: 2", "deadline: 365"), "/rules/procedures/t.yaml");
  REQUIRE(most);
  CHECK(most->state("review")->deadline_days == 365);
}

TEST_CASE("a wrong carried deadline is not reported as a wrong number of days") {
  CHECK(lint(with(kBase, "deadline: 2", "deadline: { carry_frm: review }")) ==
        "9:50: unknown key 'carry_frm'\n"
        "9:48: 'states/review/deadline' lacks the required key 'carry_from'\n");
}

TEST_CASE("copies and upload size limits outside their ranges are refused with the field named") {
  const std::string material =
      "materials:\n"
      "  - { id: form, title: 申请表, types: [application_form], upload: true, copies: COPIES,\n"
      "      checks: { max_kb: KB } }\n"
      "start: review";
  auto with_material = [&](const std::string& copies, const std::string& kb) {
    return with(with(with(kBase, "start: review", material), "COPIES", copies), "KB", kb);
  };
  CHECK(lint(with_material("2", "200")) == "ok");
  CHECK(lint(with_material("4294967297", "200")) ==
        "8:78: 'materials/0/copies' 是 4294967297：请改为 1 到 20 之间的整数 (paper copies asked "
        "for; an integer from 1 to 20)\n");
  CHECK(lint(with_material("2", "4294967496")) ==
        "9:25: 'materials/0/checks/max_kb' 是 4294967496：请改为 1 到 102400 之间的整数 (size "
        "limit of an uploaded scan in KB; an integer from 1 to 102400)\n");
  CHECK_THAT(
      lint(with_material("0", "-1")),
      Catch::Contains("'materials/0/copies' 是 0：请改为 1 到 20 之间的整数") &&
          Catch::Contains("'materials/0/checks/max_kb' 是 -1：请改为 1 到 102400 之间的整数"));
}

TEST_CASE("the reader checks the ranges the procedure schema gives") {
  const auto& schema = internal::procedure_schema();
  const auto& material = schema["definitions"]["material"]["properties"];
  CHECK(material["copies"]["minimum"] == 1);
  CHECK(material["copies"]["maximum"] == kMaxCopies);
  CHECK(material["checks"]["properties"]["max_kb"]["minimum"] == 1);
  CHECK(material["checks"]["properties"]["max_kb"]["maximum"] == kMaxUploadKb);
  const auto& days = schema["definitions"]["state"]["properties"]["deadline"]["oneOf"][0];
  CHECK(days["minimum"] == 1);
  CHECK(days["maximum"] == kMaxDeadlineDays);
}

TEST_CASE("the bundled rules directory lints clean") {
  auto report = lint_rules(KEYDESK_RULES_DIR, *parse_date("2026-11-24"));
  INFO(format_all(report.problems));
  CHECK(report.problems.empty());
  CHECK(report.procedure_files == 9);
  CHECK(report.calendar_files >= 1);
}

TEST_CASE("a broken file in the rules directory does not hide the others") {
  test::TempDir dir;
  dir.write("procedures/t.yaml", kBase);
  dir.write("procedures/bad.yaml", "id: bad\ntitle: [\n");
  Diagnostics problems;
  auto all = load_procedures(dir.path() / "procedures", problems);
  CHECK(all.count("t") == 1);
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0].format(), Catch::Contains("bad.yaml:") && Catch::Contains("YAML syntax"));
}

TEST_CASE("the graph shows every state and action, failing ones in red") {
  auto p = parse_procedure(kBase, "/rules/procedures/t.yaml");
  std::string dot = procedure_dot(*p);
  CHECK_THAT(dot,
             Catch::Contains("review -> returned [label=\"核验未通过\\n[经办人]\", color=red"));
  CHECK_THAT(dot, Catch::Contains("done [label=\"办结\", peripheries=2]"));
  std::string mermaid = procedure_mermaid(*p);
  CHECK_THAT(mermaid, Catch::Contains("returned --> review : 重新提交 [企业]"));
  CHECK_THAT(mermaid, Catch::Contains("done --> [*]"));
}
