#include "engine/guard.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using keydesk::Guard;
using nlohmann::json;

namespace {

// The facts the workflow engine supplies, for a lost key of a foreign-invested enterprise.
const json& facts() {
  static const json f = json::parse(R"({
    "case": {"reason": "钥匙丢失，补办", "state": "submitted"},
    "enterprise": {
      "uscc": "91310115MA1K4ABC3X",
      "name": "上海某某进出口有限公司",
      "kind": "foreign_invested",
      "usernames": ["zhang01", "li02"]
    },
    "applicant": {"login_username": "wang03"},
    "key": {
      "status": "lost",
      "expires_on": "2026-12-31",
      "has_18_digit_code": true,
      "wrong_pin_entries": 6
    },
    "submission": {"material_types": ["application_form", "ekey", "business_licence"],
                   "channel": "online"},
    "today": "2026-12-01"
  })");
  return f;
}

// "true", "false", "error: <evaluation error>" or "syntax: <syntax error>".
std::string eval(const std::string& text, const json& with = facts()) {
  auto g = Guard::parse(text);
  if (!g) return "syntax: " + g.error().message;
  auto r = g->evaluate(with);
  if (!r) return "error: " + r.error().message;
  return *r ? "true" : "false";
}

// The message of the syntax error in `text` ("ok" when it parses).
std::string syntax(const std::string& text) {
  auto g = Guard::parse(text);
  return g ? "ok" : g.error().message;
}

// The column of the syntax error in `text`, checking the diagnostic's shape; 0 when it parses.
int column(const std::string& text) {
  auto g = Guard::parse(text);
  if (g) return 0;
  const auto& d = g.error().diagnostics;
  REQUIRE(d.size() == 1);
  CHECK(d[0].file.empty());
  CHECK(d[0].line == 0);
  CHECK(g.error().message.rfind("第 " + std::to_string(d[0].column) + " 列：", 0) == 0);
  return d[0].column;
}

}  // namespace

TEST_CASE("the administrators' example guards parse and evaluate") {
  CHECK(eval("key.status == 'lost' or 'ekey' in submission.material_types") == "true");
  CHECK(eval("applicant.login_username not in enterprise.usernames") == "true");
  CHECK(eval("enterprise.kind == 'foreign_invested' and not empty(case.reason)") == "true");
  CHECK(eval("key.wrong_pin_entries >= 6") == "true");
  CHECK(eval("days_between(today, key.expires_on) <= 30") == "true");

  json other = facts();
  other["key"]["status"] = "active";
  other["submission"]["material_types"] = json::array({"application_form"});
  other["applicant"]["login_username"] = "li02";
  other["enterprise"]["kind"] = "domestic";
  other["key"]["wrong_pin_entries"] = 5;
  other["key"]["expires_on"] = "2027-01-01";
  CHECK(eval("key.status == 'lost' or 'ekey' in submission.material_types", other) == "false");
  CHECK(eval("applicant.login_username not in enterprise.usernames", other) == "false");
  CHECK(eval("enterprise.kind == 'foreign_invested' and not empty(case.reason)", other) == "false");
  CHECK(eval("key.wrong_pin_entries >= 6", other) == "false");
  CHECK(eval("days_between(today, key.expires_on) <= 30", other) == "false");
}

TEST_CASE("strings take single or double quotes, backslash escapes and Chinese text") {
  CHECK(eval("case.reason == '钥匙丢失，补办'") == "true");
  CHECK(eval("case.reason == \"钥匙丢失，补办\"") == "true");
  CHECK(eval("'丢失' in case.reason") == "true");
  json f = {{"case", {{"reason", "it's \"lost\" \\ gone"}}}};
  CHECK(eval(R"(case.reason == 'it\'s "lost" \\ gone')", f) == "true");
  CHECK(eval(R"(case.reason == "it's \"lost\" \\ gone")", f) == "true");
  CHECK(eval("'' == ''") == "true");
  CHECK(eval("'a' == 'b'") == "false");
}

TEST_CASE("integers may be negative and compare numerically") {
  CHECK(eval("-1 < 0") == "true");
  CHECK(eval("-10 < -9") == "true");
  CHECK(eval("10 > 9") == "true");
  CHECK(eval("key.wrong_pin_entries == 6") == "true");
  CHECK(eval("key.wrong_pin_entries != 6") == "false");
  CHECK(eval("key.wrong_pin_entries > 6") == "false");
  CHECK(eval("key.wrong_pin_entries < 7") == "true");
  CHECK(eval("key.wrong_pin_entries <= 5") == "false");
}

TEST_CASE(
    "numbers from the facts compare with integer literals whether stored as integer or "
    "floating point") {
  json f = {{"a", 6.0}, {"b", 6.5}, {"c", 6u}};
  CHECK(eval("a == 6", f) == "true");
  CHECK(eval("b > 6 and b < 7", f) == "true");
  CHECK(eval("c == 6 and c >= -1", f) == "true");
}

TEST_CASE("true, false and null are literals, and null equals only null") {
  CHECK(eval("true") == "true");
  CHECK(eval("false") == "false");
  CHECK(eval("key.has_18_digit_code == true") == "true");
  CHECK(eval("key.has_18_digit_code") == "true");
  CHECK(eval("null == null") == "true");
  CHECK(eval("case.closed_on == null") == "true");
  CHECK(eval("case.state == null") == "false");
  CHECK(eval("0 == null or '' == null or false == null") == "false");
}

TEST_CASE("a list literal holds literals, and may be empty or nested") {
  CHECK(eval("key.status in ['lost', 'locked']") == "true");
  CHECK(eval("key.status in ['active', 'revoked']") == "false");
  CHECK(eval("6 in [1, -2, 6]") == "true");
  CHECK(eval("null in [true, false, null]") == "true");
  CHECK(eval("[] == []") == "true");
  CHECK(eval("empty([])") == "true");
  CHECK(eval("[1, 'a'] in [[1, 'a'], [2]]") == "true");
  CHECK(eval("submission.material_types == ['application_form', 'ekey', 'business_licence']") ==
        "true");
}

TEST_CASE("a path reads the facts, and a missing path is null, never an error") {
  CHECK(eval("submission.channel == 'online'") == "true");
  CHECK(eval("today == '2026-12-01'") == "true");
  CHECK(eval("key.nothing_here == null") == "true");
  CHECK(eval("nowhere.at.all == null") == "true");
  CHECK(eval("key.status.deeper == null") == "true");  // through a string
  CHECK(eval("empty(enterprise.branch)") == "true");
  CHECK(eval("key.status == 'lost'", json::object()) == "false");
  CHECK(eval("key.status == null", json::array()) == "true");
}

TEST_CASE("keywords are whole words, so names that start with one are paths") {
  json f = {{"order", 1}, {"notes", "x"}, {"in_force", true}, {"android", {{"nullable", 2}}}};
  CHECK(eval("order == 1 and notes == 'x' and in_force and android.nullable == 2", f) == "true");
  CHECK(eval("key.in == null") == "true");  // after a dot any name is a segment
}

TEST_CASE("== and != are JSON equality, so values of different types are unequal, not errors") {
  CHECK(eval("1 == 1") == "true");
  CHECK(eval("'a' == 'a'") == "true");
  CHECK(eval("1 == '1'") == "false");
  CHECK(eval("1 != '1'") == "true");
  CHECK(eval("true == 1") == "false");
  CHECK(eval("key.wrong_pin_entries == '6'") == "false");
  CHECK(eval("enterprise.usernames == ['zhang01', 'li02']") == "true");
  CHECK(eval("enterprise.usernames == ['li02', 'zhang01']") == "false");
}

TEST_CASE("< <= > >= order two numbers or two strings, so ISO dates compare as dates") {
  CHECK(eval("today < key.expires_on") == "true");
  CHECK(eval("key.expires_on <= '2026-12-31'") == "true");
  CHECK(eval("key.expires_on > '2026-12-31'") == "false");
  CHECK(eval("'2026-09-30' < '2026-10-01'") == "true");
  CHECK(eval("'b' >= 'a'") == "true");
  CHECK(eval("'乙' < '甲'") == "true");  // code point order (U+4E59 < U+7532), not 天干 order
}

TEST_CASE("ordering anything but two numbers or two strings is an error quoting the comparison") {
  json f = facts();
  f["key"]["wrong_pin_entries"] = "6";
  CHECK(eval("key.wrong_pin_entries >= 6", f) ==
        "error: 'key.wrong_pin_entries >= 6': cannot compare a string with a number");
  CHECK(eval("key.missing < 3") ==
        "error: 'key.missing < 3': cannot compare null with a number ('key.missing' is missing "
        "or null)");
  CHECK(eval("true < false") ==
        "error: 'true < false': cannot order two booleans: <, <=, > and >= take two numbers or "
        "two strings");
  CHECK(eval("[1] <= [2]").rfind("error: '[1] <= [2]': cannot order two lists", 0) == 0);
  CHECK(eval("null > null") == "error: 'null > null': cannot compare null with null");
}

TEST_CASE(
    "in tests membership in a list, a substring of a string, a key of an object, and is "
    "false for null") {
  CHECK(eval("'ekey' in submission.material_types") == "true");
  CHECK(eval("'seal' in submission.material_types") == "false");
  CHECK(eval("'ek' in submission.material_types") == "false");  // elements, not substrings
  CHECK(eval("'外资' in '外资企业'") == "true");
  CHECK(eval("'online' in 'paper'") == "false");
  CHECK(eval("'' in 'x'") == "true");
  CHECK(eval("'status' in key") == "true");
  CHECK(eval("'colour' in key") == "false");
  CHECK(eval("'x' in key.no_such_list") == "false");
  CHECK(eval("'x' in null") == "false");
}

TEST_CASE("not in is the negation of in, so it is true for null") {
  CHECK(eval("'seal' not in submission.material_types") == "true");
  CHECK(eval("'ekey' not in submission.material_types") == "false");
  CHECK(eval("'x' not in key.no_such_list") == "true");
  CHECK(eval("'丢失' not in case.reason") == "false");
  CHECK(eval("'status' not in key") == "false");
}

TEST_CASE("in with a right side or left side of the wrong type is an error quoting it") {
  CHECK(eval("6 in key.wrong_pin_entries") ==
        "error: '6 in key.wrong_pin_entries': 'in' needs a list, a string or an object on the "
        "right, not a number");
  CHECK(eval("true not in true") ==
        "error: 'true not in true': 'in' needs a list, a string or an object on the right, not "
        "a boolean");
  CHECK(eval("6 in case.reason") ==
        "error: '6 in case.reason': 'in' a string needs a string on the left, not a number");
  CHECK(eval("null in key") ==
        "error: 'null in key': 'in' an object needs a string on the left, not null");
}

TEST_CASE("not binds looser than a comparison, so 'not a == b' is 'not (a == b)'") {
  CHECK(eval("not key.status == 'active'") == "true");
  CHECK(eval("not key.status == 'lost'") == "false");
  // Were it '(not key.status) == ...', 'not' would meet a string and fail.
  CHECK(eval("not not key.status == 'lost'") == "true");
  CHECK(eval("(not key.status) == 'lost'").rfind("error: ", 0) == 0);
}

TEST_CASE("and binds tighter than or, and both group from the left") {
  CHECK(eval("true or true and false") == "true");  // true or (true and false)
  CHECK(eval("(true or true) and false") == "false");
  CHECK(eval("false and false or true") == "true");  // (false and false) or true
  CHECK(eval("false and (false or true)") == "false");
  CHECK(eval("not false and false") == "false");  // (not false) and false
  CHECK(eval("not (false and false)") == "true");
  CHECK(eval("true and true and true and false") == "false");
  CHECK(eval("false or false or false or true") == "true");
}

TEST_CASE("and and or short-circuit, so the right side is not evaluated once the left decides") {
  const std::string type_error = "key.status > 3";
  CHECK(eval(type_error).rfind("error: ", 0) == 0);
  CHECK(eval("false and " + type_error) == "false");
  CHECK(eval("true or " + type_error) == "true");
  CHECK(eval("key.status == 'lost' or 'x' in key.wrong_pin_entries") == "true");
  CHECK(eval("true and " + type_error).rfind("error: 'key.status > 3'", 0) == 0);
  CHECK(eval("false or " + type_error).rfind("error: 'key.status > 3'", 0) == 0);
  CHECK(eval(type_error + " and false").rfind("error: 'key.status > 3'", 0) == 0);
}

TEST_CASE("and, or and not take only true or false, and the error names the operand") {
  CHECK(eval("key.status and true") ==
        "error: 'key.status' is a string, but 'and' needs true or false on both sides");
  CHECK(eval("false or key.wrong_pin_entries") ==
        "error: 'key.wrong_pin_entries' is a number, but 'or' needs true or false on both sides");
  CHECK(eval("not key.no_such_flag") ==
        "error: 'key.no_such_flag' is missing or null, but 'not' needs true or false");
  CHECK(eval("not count(enterprise.usernames)") ==
        "error: 'count(enterprise.usernames)' is a number, but 'not' needs true or false");
  CHECK(eval("true and (null)") ==
        "error: '(null)' is null, but 'and' needs true or false on both sides");
}

TEST_CASE("the whole guard must come out true or false") {
  CHECK(eval("key.status") == "error: 'key.status' is a string, but a guard must be true or false");
  CHECK(eval("count(enterprise.usernames)") ==
        "error: 'count(enterprise.usernames)' is a number, but a guard must be true or false");
  CHECK(eval("key.no_such_flag") ==
        "error: 'key.no_such_flag' is missing or null, but a guard must be true or false");
  CHECK(eval("['a']") == "error: '['a']' is a list, but a guard must be true or false");
}

TEST_CASE("empty is true for null, an empty string, list or object, and false otherwise") {
  json f = {{"s", ""}, {"l", json::array()}, {"o", json::object()}, {"n", nullptr}, {"z", 0}};
  CHECK(eval("empty(s) and empty(l) and empty(o) and empty(n) and empty(missing)", f) == "true");
  CHECK(eval("empty(case.reason)") == "false");
  CHECK(eval("empty(enterprise.usernames)") == "false");
  CHECK(eval("empty(key)") == "false");
  CHECK(eval("empty(' ')") == "false");
  CHECK(eval("empty(z) or empty(false)", f) == "false");
}

TEST_CASE("count gives the length of a list, an object or a string in characters, 0 for null") {
  CHECK(eval("count(enterprise.usernames) == 2") == "true");
  CHECK(eval("count(key) == 4") == "true");
  CHECK(eval("count(case.reason) == 7") == "true");  // 钥匙丢失，补办: 7 characters, 21 bytes
  CHECK(eval("count(enterprise.uscc) == 18") == "true");
  CHECK(eval("count(key.no_such_list) == 0") == "true");
  CHECK(eval("count([]) == 0 and count('') == 0") == "true");
}

TEST_CASE("count of a number or a boolean is an evaluation error") {
  CHECK(eval("count(key.wrong_pin_entries) > 0") ==
        "error: 'count(key.wrong_pin_entries)': count takes a list, a string or an object, not a "
        "number");
  CHECK(eval("count(true) > 0") ==
        "error: 'count(true)': count takes a list, a string or an object, not a boolean");
}

TEST_CASE("days_between counts calendar days from a to b, negative when b is earlier") {
  CHECK(eval("days_between(today, key.expires_on) == 30") == "true");
  CHECK(eval("days_between(key.expires_on, today) == -30") == "true");
  CHECK(eval("days_between('2026-02-28', '2026-03-01') == 1") == "true");
  CHECK(eval("days_between('2028-02-28', '2028-03-01') == 2") == "true");  // leap year
  CHECK(eval("days_between(today, today) == 0") == "true");
  CHECK(eval("days_between('2025-12-31', '2027-01-01') == 366") == "true");
}

TEST_CASE("days_between of something that is not a date is an evaluation error") {
  CHECK(eval("days_between(today, key.revoked_on) > 0") ==
        "error: 'days_between(today, key.revoked_on)': 'key.revoked_on' is missing or null, not "
        "a date (YYYY-MM-DD)");
  CHECK(eval("days_between(6, today) > 0") ==
        "error: 'days_between(6, today)': '6' is a number, not a date (YYYY-MM-DD)");
  CHECK(eval("days_between(today, '2026-02-30') > 0") ==
        "error: 'days_between(today, '2026-02-30')': “2026-02-30”不是日期：2026 年 2 月只有 28 天");
  CHECK(eval("days_between('2026/12/01', today) > 0")
            .rfind("error: 'days_between('2026/12/01', today)': “2026/12/01”不是日期", 0) == 0);
}

TEST_CASE("function arguments are whole expressions") {
  CHECK(eval("empty((key.status == 'lost') == true) == false") == "true");
  CHECK(eval("count(['a', 'b']) == count(enterprise.usernames)") == "true");
}

TEST_CASE("an unknown function is a syntax error at the function's name") {
  CHECK(syntax("not emtpy(case.reason)") ==
        "第 5 列：未知的函数“emtpy”：可用的函数有 empty、count、days_between");
  CHECK(column("key.status == 'lost' and len(case.reason) > 0") == 26);
  CHECK(syntax("key.count(x)") ==
        "第 1 列：未知的函数“key.count”：可用的函数有 empty、count、days_between");
}

TEST_CASE("a function called with the wrong number of arguments is a syntax error at its name") {
  CHECK(syntax("days_between(today) > 0") ==
        "第 1 列：days_between(a, b) 须有 2 个参数，此处却有 1 个");
  CHECK(syntax("true and empty()") == "第 10 列：empty(x) 须有 1 个参数，此处却有 0 个");
  CHECK(syntax("count(a, b) > 1") == "第 1 列：count(x) 须有 1 个参数，此处却有 2 个");
}

TEST_CASE("a missing value is a syntax error at the place it was expected") {
  CHECK(syntax("enterprise.kind ==") == "第 19 列：“==”之后应为一个值，此处却是条件末尾");
  CHECK(syntax("key.status == 'lost' and") == "第 25 列：“and”之后应为一个值，此处却是条件末尾");
  CHECK(syntax("or true") == "第 1 列：应为一个值，此处却是“or”");
  CHECK(syntax("not") == "第 4 列：“not”之后应为一个值，此处却是条件末尾");
  CHECK(syntax("'x' not in") == "第 11 列：“not in”之后应为一个值，此处却是条件末尾");
  CHECK(syntax("key.status == )") == "第 15 列：“==”之后应为一个值，此处却是“)”");
  CHECK(syntax("") == "第 1 列：应为一个值，此处却是条件末尾");
  CHECK(syntax("   ") == "第 4 列：应为一个值，此处却是条件末尾");
}

TEST_CASE("every syntax error has exactly one diagnostic, with no file, line 0 and its column") {
  auto g = Guard::parse("key.status = 'lost'");
  REQUIRE_FALSE(g.ok());
  REQUIRE(g.error().diagnostics.size() == 1);
  const auto& d = g.error().diagnostics[0];
  CHECK(d.file.empty());
  CHECK(d.line == 0);
  CHECK(d.column == 12);
  CHECK(d.message == "“=”不是运算符：比较是否相等请写 ==");
  CHECK(g.error().message == "第 12 列：“=”不是运算符：比较是否相等请写 ==");
}

TEST_CASE("columns count characters, so a problem after Chinese text is at the right column") {
  // '钥匙丢失' is 4 characters but 12 bytes.
  CHECK(column("case.reason == '钥匙丢失' key.status") == 23);
  CHECK(syntax("case.reason == '钥匙丢失' key.status") ==
        "第 23 列：应为运算符或条件结束，此处却是名称 key.status");
  CHECK(column("'丢失' in case.reason and") == 24);
  CHECK(column("\"吊销\" == key.status = 'x'") == 20);
  CHECK(column("'外资' ＝ enterprise.kind") == 6);
  CHECK(syntax("'外资' ＝ enterprise.kind") ==
        "第 6 列：此处不能有字符“＝”：运算符、引号和括号须用半角（英文）字符，中文只能写在引号内");
  CHECK(column("‘lost’ == key.status") == 1);
}

TEST_CASE("comparisons do not chain") {
  CHECK(syntax("1 == 1 == true") ==
        "第 8 列：比较不能连写：请用 and 连接两个比较，如 a < b and b < c");
  CHECK(column("0 < key.wrong_pin_entries <= 6") == 27);
  CHECK(column("'a' in 'abc' not in 'x'") == 14);
  CHECK(eval("(1 == 1) == true") == "true");  // parentheses make it one value
}

TEST_CASE("unclosed strings, parentheses, lists and calls are syntax errors") {
  CHECK(syntax("key.status == 'lost") ==
        "第 15 列：从此处开始的文字没有结束：请在条件末尾之前补上与之配对的 '");
  CHECK(column("key.status == \"lost'") == 15);
  CHECK(column(R"(key.status == 'lost\')") == 15);
  CHECK(syntax("(key.status == 'lost' or true") ==
        "第 30 列：应为“)”与第 1 列的“(”配对，此处却是条件末尾");
  CHECK(syntax("key.status in ['lost', 'locked'") ==
        "第 32 列：第 15 列开始的列表中应为“,”或“]”，此处却是条件末尾");
  CHECK(syntax("key.status in ['lost',]") ==
        "第 23 列：“,”之后应为字面值（文字、整数、true、false、null 或由它们组成的列表），此处却"
        "是“]”");
  CHECK(syntax("count(key.status") == "第 17 列：count 的参数之后应为“,”或“)”，此处却是条件末尾");
  CHECK(syntax("key.status == 'lost')") == "第 21 列：“)”没有配对的“(”");
}

TEST_CASE(
    "stray characters and operators from other languages are syntax errors saying what to "
    "write") {
  CHECK(syntax("a && b") == "第 3 列：“&”不是运算符：“并且”请写 and");
  CHECK(syntax("a || b") == "第 3 列：“|”不是运算符：“或者”请写 or");
  CHECK(syntax("!a") == "第 1 列：“!”不是运算符：取反请写 not");
  CHECK(syntax("a <> b") == "第 4 列：“<”之后应为一个值，此处却是“>”");
  CHECK(syntax("a == b;") == "第 7 列：此处不能有字符“;”");
  CHECK(syntax(R"(case.reason == 'a\nb')") ==
        "第 18 列：文字中的转义“\\n”无效：可用的转义只有 \\' \\\" 和 \\\\");
  CHECK(syntax("key.") == "第 5 列：“.”之后应为名称，此处却是条件末尾");
  CHECK(syntax("key. status") == "第 5 列：“.”之后应为名称，此处却是“ ”");
  CHECK(syntax("key.status not 'lost'") == "第 16 列：“not”之后应为 in，此处却是文字 'lost'");
  CHECK(syntax("key.status == 'lost' not 'x'") == "第 22 列：应为运算符或条件结束，此处却是“not”");
}

TEST_CASE("keywords are lower-case, and a capitalised keyword is a syntax error") {
  CHECK(syntax("a AND b") == "第 3 列：“AND”不是关键字：关键字须小写，请写 and");
  CHECK(syntax("key.has_18_digit_code == True") ==
        "第 26 列：“True”不是关键字：关键字须小写，请写 true");
  CHECK(column("Not a") == 1);
  CHECK(column("x == NULL") == 6);
  CHECK(column("a In b") == 3);
}

TEST_CASE("a number must be whole and fit in 64 bits") {
  CHECK(syntax("key.wrong_pin_entries > 5.5") == "第 25 列：“5.5”不是数：只能写整数，如 30 或 -1");
  CHECK(syntax("x < 30days") == "第 5 列：“30days”不是数：只能写整数，如 30 或 -1");
  CHECK(syntax("x < 99999999999999999999") == "第 5 列：数 99999999999999999999 太大");
  CHECK(syntax("x > - 1") == "第 5 列：“-”之后须紧跟数字，如 -1（条件中没有减法）");
  CHECK(eval("-9223372036854775808 < 9223372036854775807") == "true");
}

TEST_CASE("a list holds only literals") {
  CHECK(syntax("'x' in [key.status, 'lost']") ==
        "第 9 列：“[”之后应为字面值（文字、整数、true、false、null 或由它们组成的列表），此处却是"
        "名称 key.status");
  CHECK(column("'x' in ['a', count(b)]") == 14);
}

TEST_CASE("a guard nested absurdly deep is a syntax error, not a crash") {
  std::string deep = std::string(5000, '(') + "true" + std::string(5000, ')');
  CHECK(syntax(deep).find("条件嵌套超过 100 层") != std::string::npos);
  std::string nots;
  for (int i = 0; i < 5000; ++i) nots += "not ";
  CHECK(syntax(nots + "true").find("条件嵌套超过 100 层") != std::string::npos);
  std::string long_chain;  // long, but flat: fine
  for (int i = 0; i < 100000; ++i) long_chain += "true and false or ";
  CHECK(eval(long_chain + "true") == "true");
  CHECK(eval(long_chain + "false") == "false");
  std::string fifty = std::string(50, '(') + "true" + std::string(50, ')');
  CHECK(eval(fifty) == "true");
}

TEST_CASE("paths lists every path the guard reads once, in order of first appearance") {
  auto g = Guard::parse("key.status == 'lost' or 'ekey' in submission.material_types");
  REQUIRE(g.ok());
  CHECK(g->paths() == std::vector<std::string>{"key.status", "submission.material_types"});

  g = Guard::parse(
      "days_between(today, key.expires_on) <= 30 and today < key.expires_on and not "
      "empty(case.reason) and key.status in ['lost']");
  REQUIRE(g.ok());
  CHECK(g->paths() ==
        std::vector<std::string>{"today", "key.expires_on", "case.reason", "key.status"});

  g = Guard::parse("true and 'a' in ['a', 'b']");
  REQUIRE(g.ok());
  CHECK(g->paths().empty());
}

TEST_CASE("a guard keeps its text and can be copied and evaluated many times") {
  const std::string text = "  key.wrong_pin_entries >= 6  ";
  auto parsed = Guard::parse(text);
  REQUIRE(parsed.ok());
  Guard copy = *parsed;
  CHECK(copy.text() == text);
  CHECK(parsed->text() == text);
  json f = facts();
  CHECK(*copy.evaluate(f));
  f["key"]["wrong_pin_entries"] = 0;
  CHECK_FALSE(*copy.evaluate(f));
  CHECK(*parsed->evaluate(facts()));
  std::vector<Guard> guards(3, copy);
  CHECK(guards[2].paths() == std::vector<std::string>{"key.wrong_pin_entries"});
}
