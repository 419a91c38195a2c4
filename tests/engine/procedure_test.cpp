// Procedure rule files: the bundled ones are clean, and each kind of mistake an administrator
// makes is reported at its file:line:column.
#include "engine/procedure.h"

#include <fstream>
#include <iterator>

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
      "13:79: 未知的角色“clerck”：请改为已定义的角色之一（clerk、enterprise），或在 roles "
      "下定义它\n");
  CHECK(lint(with(kBase, "to: done", "to: finished")) ==
        "13:65: 未知的状态“finished”：请改为已定义的状态之一（review、returned、done），或在 "
        "states 下定义它\n"
        "11:3: 状态“done”无法到达：从起始状态“review”出发，没有操作通向它；请添加通向它的操作，"
        "或删除它\n");
  CHECK(lint(with(kBase, "resubmission: true }", "resubmission: true, notify: [mail] }")) ==
        "15:114: 未知的通知“mail”：请在 notices 下定义它\n");
}

TEST_CASE("a failing outcome without a required remark is refused") {
  CHECK(lint(with(kBase, ", remark: required }", " }")) ==
        "14:5: 操作“fail”的结论是“核验未通过”，未通过时必须写明备注：请加上 remark: required\n");
}

TEST_CASE("an action without a role is refused") {
  CHECK(lint(with(kBase, "roles: [enterprise], resubmission", "roles: [], resubmission")) ==
        "15:71: 操作“resubmit”没有指定角色，谁都不能办理：请在 roles 中至少写一个角色（clerk、"
        "enterprise）\n");
}

TEST_CASE("a dead end and an unreachable state are found") {
  CHECK(lint(with(kBase, "  done: { title: 办结, final: true }",
                  "  done: { title: 办结 }\n  lost: { title: 遗失, final: true }")) ==
        "11:3: 状态“done”是死路：没有操作从它出发，案件会停在这里；请添加从它出发的操作，或标为 "
        "final: true\n"
        "12:3: 状态“lost”无法到达：从起始状态“review”出发，没有操作通向它；请添加通向它的操作，"
        "或删除它\n");
}

TEST_CASE("deadlines without a calendar are refused") {
  CHECK(lint(with(kBase, "calendar: counter\n", "")) ==
        "1:1: 有状态设了期限，但流程没有指定日历：请加上 calendar: counter（用柜台的日历），或写"
        "某个日历的 id\n");
}

TEST_CASE("a guard with a syntax error points into the guard") {
  CHECK(lint(with(kBase, "resubmission: true }",
                  "resubmission: true, guard: \"case.reason = 'x'\" }")) ==
        "15:125: guard 条件写法有误：“=”不是运算符：比较是否相等请写 ==\n");
}

TEST_CASE("a guard reading an unknown fact is refused") {
  CHECK(lint(with(kBase, "resubmission: true }",
                  "resubmission: true, guard: \"kase.reason == 'x'\" }")) ==
        "15:112: guard 条件读取的“kase.reason”不存在：“kase”不是可用的事实；请改为以下之一开头："
        "applicant、case、enterprise、input、key、submission、today（见 docs/guards.md）\n");
}

TEST_CASE("schema errors in a procedure are reported with a suggestion") {
  CHECK(lint(with(kBase, "  review: { title: 核验, actor: clerk, deadline: 2 }",
                  "  review: { title: 核验, actor: clerk, dedline: 2 }")) ==
        "9:38: 未知的键“dedline”：是否应为“deadline”？请改正拼写\n");
}

TEST_CASE("a deadline of 4294967297 days is refused, not read as 1 day") {
  CHECK(lint(with(kBase, "deadline: 2", "deadline: 4294967297")) ==
        "9:48: deadline: 4294967297 超出范围：须为 1 到 365 之间的整数（自进入该状态起算的工作日"
        "数）\n");
  // Beyond 64 bits the number is kept as its text, and refused the same way.
  CHECK(lint(with(kBase, "deadline: 2", "deadline: 99999999999999999999")) ==
        "9:48: deadline: 99999999999999999999 超出范围：须为 1 到 365 之间的整数（自进入该状态起"
        "算的工作日数）\n");
}

TEST_CASE("a deadline of zero or fewer days is refused with the field named") {
  CHECK_THAT(
      lint(with(kBase, "deadline: 2", "deadline: 0")),
      Catch::Equals("9:48: deadline: 0 超出范围：须为 1 到 365 之间的整数（自进入该状态起算的工作"
                    "日数）\n"));
  CHECK_THAT(lint(with(kBase, "deadline: 2", "deadline: -3")),
             Catch::StartsWith("9:48: deadline: -3 超出范围：须为 1 到 365 之间的整数"));
  CHECK_THAT(lint(with(kBase, "deadline: 2", "deadline: 366")),
             Catch::StartsWith("9:48: deadline: 366 超出范围：须为 1 到 365 之间的整数"));
}

TEST_CASE("a deadline that is not a whole number of days is refused with the field named") {
  auto message = [](const std::string& value) {
    return "9:48: deadline: " + value +
           " 不是整数：须为 1 到 365 之间的整数（自进入该状态起算的工作日数）\n";
  };
  CHECK(lint(with(kBase, "deadline: 2", "deadline: 1.5")) == message("1.5"));
  CHECK(lint(with(kBase, "deadline: 2", "deadline: 2.0")) == message("2.0"));
  CHECK(lint(with(kBase, "deadline: 2", "deadline: ten")) == message("ten"));
  // Quoted in the file, shown quoted: the quotes make it text.
  CHECK(lint(with(kBase, "deadline: 2", "deadline: \"2\"")) == message("\"2\""));
  // Too large for a double: kept as text rather than thrown out of the reader.
  CHECK(lint(with(kBase, "deadline: 2", "deadline: 1e999")) == message("1e999"));
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
        "9:50: 未知的键“carry_frm”：是否应为“carry_from”？请改正拼写\n"
        "9:48: deadline 缺少必填的键“carry_from”：请补上 carry_from: …\n");
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
        "8:78: copies: 4294967297 超出范围：须为 1 到 20 之间的整数（纸质材料的份数）\n");
  CHECK(lint(with_material("2", "4294967496")) ==
        "9:25: max_kb: 4294967496 超出范围：须为 1 到 102400 之间的整数（上传扫描件的大小上限，"
        "单位 KB）\n");
  CHECK_THAT(lint(with_material("0", "-1")),
             Catch::Contains("copies: 0 超出范围：须为 1 到 20 之间的整数") &&
                 Catch::Contains("max_kb: -1 超出范围：须为 1 到 102400 之间的整数"));
}

TEST_CASE("inputs are read with their titles, hints and choices") {
  auto p = parse_procedure(
      with(kBase, "roles: [clerk] }\n  - { id: fail",
           "roles: [clerk],\n      inputs: { method: { title: 寄送方式, hint: 选一种, required: "
           "true,"
           "\n        one_of: [{ value: fax, title: 传真 }, { value: courier, title: 快递 }] },"
           "\n        waybill: { title: 运单号, required_when: \"input.method == 'courier'\" } } }"
           "\n  - { id: fail"),
      "/rules/procedures/t.yaml");
  INFO((p ? "" : format_all(p.error().diagnostics)));
  REQUIRE(p);
  const ActionRule* pass = p->action("pass");
  REQUIRE(pass->inputs.size() == 2);
  const InputRule& method = pass->inputs[0];
  CHECK(method.name == "method");
  CHECK(method.title == "寄送方式");
  CHECK(method.hint == "选一种");
  CHECK(method.required);
  CHECK(method.one_of == std::vector<std::string>{"fax", "courier"});
  CHECK(method.choice_titles() == "传真、快递");
  REQUIRE(method.choice("传真"));
  CHECK(method.choice("传真")->value == "fax");
  CHECK(method.choice("courier")->title == "快递");
  CHECK(method.choice("pigeon") == nullptr);
  CHECK(pass->inputs[1].title == "运单号");
  CHECK(pass->inputs[1].hint.empty());
  CHECK(pass->inputs[1].required_when);
}

TEST_CASE("an input without a title, and a choice without one, are refused at their place") {
  auto inputs = [](const std::string& declared) {
    return with(kBase, "roles: [clerk] }\n  - { id: fail",
                "roles: [clerk],\n      inputs: " + declared + " }\n  - { id: fail");
  };
  CHECK(lint(inputs("{ waybill: { required: true } }")) ==
        "14:17: 输入项“waybill”缺少中文名称：请加上 title（如 title: 运单号）；办理人员在表单和"
        "提示中看到的是它\n");
  // The old form, a list of plain values, is asked to become values with titles.
  CHECK(lint(inputs(
            "{ method: { title: 寄送方式, one_of: [fax, { value: courier, title: 快递 }] } }")) ==
        "14:49: 选项“fax”缺少中文名称：请写成 { value: fax, title: 中文名称 }\n");
  // Values and titles must tell the choices apart, since either may be typed.
  CHECK(lint(inputs("{ method: { title: 寄送方式, one_of: [{ value: fax, title: 传真 },"
                    " { value: courier, title: 传真 }] } }")) ==
        "14:76: 选项“传真”与第 1 项重复：每个选项的 value 和 title 都须与其他选项不同\n");
  CHECK(lint(inputs("{ method: { title: 寄送方式, one_of: [{ value: fax }] } }")) ==
        "14:49: one_of 第 1 项缺少必填的键“title”：请补上 title: …\n");
  CHECK(lint(inputs("{ method: { title: 寄送方式, one_of: [] } }")) ==
        "14:48: one_of 不能为空：至少要写 1 项\n");
}

TEST_CASE("schema errors of each common kind are named with the key and value as written") {
  // Not one of the allowed values.
  CHECK(lint(with(kBase, "outcome: 核验通过, from", "outcome: 通过, from")) ==
        "13:39: outcome: 通过 不是可选的值：请改为以下之一：核验通过、核验未通过、复核通过、"
        "复核未通过、复验通过、复验未通过、审核通过、审核未通过\n");
  // The wrong type, scalar or not.
  CHECK(lint(with(kBase, "resubmission: true }", "resubmission: 是 }")) ==
        "15:99: resubmission: 是 类型不对：须为 true 或 false\n");
  CHECK(lint(with(kBase, "title: 测试", "title: [测试]")) ==
        "2:8: title 类型不对：写的是列表，须为文字\n");
  // A missing key, of the file and of an item.
  CHECK(lint(with(kBase, "title: 测试\n", "")) ==
        "1:1: 文件缺少必填的键“title”：请补上 title: …\n");
  CHECK(lint(with(kBase, "{ id: pass, title: 核验通过, ", "{ id: pass, ")) ==
        "13:5: actions 第 1 项缺少必填的键“title”：请补上 title: …\n");
  // A form: an id is lower-case letters, digits and '_'.
  CHECK(lint(with(kBase, "{ id: pass,", "{ id: Pass,")) ==
        "13:11: id: Pass 格式不对：须为小写字母、数字和下划线，以小写字母开头，如 first_issue\n");
  // An empty title.
  CHECK(lint(with(kBase, "title: 测试", "title: \"\"")) == "2:8: title 不能为空：请填写\n");
}

TEST_CASE("YAML syntax errors are in Chinese with the parser's words after them") {
  CHECK(lint(with(kBase, "from: [review], to: done", "from: [review, to: done")) ==
        "13:85: YAML 语法错误：括号没有正确配对：请检查此处的“]”或“}”与前面的“[”或“{”是否一一"
        "对应 (illegal flow end)\n");
  CHECK(lint(std::string(kBase) + "notices: { a: 1\n") ==
        "17:1: YAML 语法错误：花括号“{”没有配对的“}”：请补上，或检查其中的逗号 (end of map flow "
        "not found)\n");
  CHECK(lint(std::string(kBase) + "x: 1\nx: 2\n") == "17:1: 键“x”在同一层写了两次：请只保留一个\n");
}

TEST_CASE("an id that differs from the file name is named with both") {
  CHECK(lint(with(kBase, "id: t", "id: other")) ==
        "1:5: id: other 与文件名 t.yaml 不一致：id 须等于文件名（不含 .yaml），请修改其中之一\n");
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

namespace {
// `rules lint` of a copy of the bundled rules in `dir` whose documents.yaml has `from` (its first
// place) replaced by `to`.
RulesReport lint_documents_with(const test::TempDir& dir, const std::string& from,
                                const std::string& to) {
  std::filesystem::copy(KEYDESK_RULES_DIR, dir.path() / "rules",
                        std::filesystem::copy_options::recursive);
  std::ifstream in(dir.path() / "rules" / "documents.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  dir.write("rules/documents.yaml", text);
  return lint_rules(dir.path() / "rules", *parse_date("2026-11-24"));
}
}  // namespace

TEST_CASE("rules lint checks documents.yaml too, naming an unknown document type") {
  test::TempDir dir;
  auto documents = dir.path() / "rules" / "documents.yaml";
  auto report = lint_documents_with(dir, "\n  business_licence:", "\n  business_license:");
  REQUIRE(report.problems.size() == 1);
  CHECK_THAT(report.problems[0].format(),
             Catch::StartsWith(documents.string() + ":") &&
                 Catch::EndsWith(": error: 未知的键“business_license”：是否应为“business_licence”？"
                                 "请改正拼写"));
}

TEST_CASE("rules lint names a body code documents.yaml does not know") {
  test::TempDir dir;
  auto documents = dir.path() / "rules" / "documents.yaml";
  auto report = lint_documents_with(dir, "body_codes: [id_number, validity]",
                                    "body_codes: [id_nummer, validity]");
  REQUIRE(report.problems.size() == 1);
  CHECK_THAT(report.problems[0].format(),
             Catch::StartsWith(documents.string() + ":") && Catch::Contains("id_nummer") &&
                 Catch::EndsWith("请改为以下之一：id_number、validity"));
}

TEST_CASE("a broken file in the rules directory does not hide the others") {
  test::TempDir dir;
  dir.write("procedures/t.yaml", kBase);
  dir.write("procedures/bad.yaml", "id: bad\ntitle: [\n");
  Diagnostics problems;
  auto all = load_procedures(dir.path() / "procedures", problems);
  CHECK(all.count("t") == 1);
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0].format(),
             Catch::Contains("bad.yaml:") && Catch::Contains(": error: YAML 语法错误："));
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
