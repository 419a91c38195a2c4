// Guards (条件) of the workflow rule files: the small declarative condition language in which
// administrators say when a transition, check or remark applies. There is no scripting: a guard
// reads facts, compares them with literals and combines the answers.
//
//   guard: "key.status == 'lost' or 'ekey' in submission.material_types"
//   guard: "days_between(today, key.expires_on) <= 30"
//
// Grammar (lowest precedence first; keywords are lower-case; docs/guards.md is the reference
// for administrators):
//   guard       := or
//   or          := and ('or' and)*
//   and         := not ('and' not)*
//   not         := 'not' not | comparison
//   comparison  := primary (('==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not' 'in') primary)?
//   primary     := literal | path | function '(' [or (',' or)*] ')' | '(' or ')'
//   literal     := 'string' | "string" | integer | 'true' | 'false' | 'null' | '[' literals ']'
//   path        := identifier ('.' identifier)*
//   function    := 'empty' (1 argument) | 'count' (1) | 'days_between' (2)
// Comparisons do not chain (`a == b == c` is a syntax error).
//
// Semantics:
//   A path is looked up in the facts (a JSON object); a missing path is null, never an error.
//   == and != are JSON equality: values of different types are unequal.
//   < <= > >= take two numbers or two strings (ISO dates order correctly as strings).
//   x in L: L a list, membership by equality; L a string, substring; L an object, key present;
//   L null, false. `not in` is its negation.
//   and, or, not take true or false only, and short-circuit left to right.
//   empty(x): x is null, "", [] or {}. count(x): length of a list, an object or a string (in
//   characters), 0 for null. days_between(a, b): calendar days from date a to date b (b - a).
// Everything else (ordering a string with a number, `and` on a string, a guard that comes out
// as anything but true or false) is an evaluation error that quotes the sub-expression at fault.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/result.h"

namespace keydesk {

namespace internal {
struct GuardNode;  // guard.cpp
}  // namespace internal

// A parsed guard. Copies are cheap and share the parsed tree, which is immutable.
class Guard {
 public:
  // Parses `text`. On a syntax error the Error's message reads "column N: <what was expected and
  // what was found>", and its diagnostics hold exactly one Diagnostic with file "", line 0 and
  // the 1-based column in characters (UTF-8 code points) of `text` where the problem starts, for
  // a rule loader to rebase onto the position of the guard in its YAML file.
  static Result<Guard> parse(std::string_view text);

  // The guard's answer for `facts` (a JSON object: case, enterprise, applicant, key, submission,
  // today). Type errors are Errors whose message quotes the offending sub-expression, e.g.
  // "'key.wrong_pin_entries >= 6': cannot compare a string with a number"; they carry no
  // diagnostics.
  Result<bool> evaluate(const nlohmann::json& facts) const;

  // The text given to parse(), unchanged.
  const std::string& text() const { return text_; }

  // Every path the guard reads, once each, in order of first appearance, e.g.
  // {"key.status", "submission.material_types"}: for lint (unknown roots) and documentation.
  std::vector<std::string> paths() const { return paths_; }

 private:
  Guard() = default;

  std::string text_;
  std::shared_ptr<const internal::GuardNode> root_;  // never null after parse()
  std::vector<std::string> paths_;
};

}  // namespace keydesk
