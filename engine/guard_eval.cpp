// Guards: evaluation against a case's facts.
#include "engine/guard.h"

#include <cassert>
#include <charconv>
#include <cstdint>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "engine/calendar.h"
#include "engine/internal/guard_node.h"

namespace keydesk {

namespace {

using internal::characters;
using internal::Comparison;
using internal::Function;
using internal::GuardNode;
using internal::is_continuation_byte;
using nlohmann::json;
using NodePtr = std::shared_ptr<const GuardNode>;

// --- evaluation ------------------------------------------------------------------------------

// "a string", "null", …: a value's type in the words of docs/guards.md.
std::string type_of(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "a list";
  if (v.is_object()) return "an object";
  return "an unknown value";  // binary or discarded: not produced from JSON text
}

// "booleans", "lists", "objects": for values that have no order.
std::string plural_of(const json& v) {
  if (v.is_boolean()) return "booleans";
  if (v.is_array()) return "lists";
  if (v.is_object()) return "objects";
  return "values of this kind";
}

class Evaluator {
 public:
  Evaluator(std::string_view text, const json& facts) : text_(text), facts_(facts) {}

  // The value of `n`, which must be true or false; `role` says why, for the error.
  Result<bool> condition(const GuardNode& n, const std::string& role) const {
    auto v = value(n);
    if (!v) return v.error();
    if (v->is_boolean()) return v->get<bool>();
    std::string is = v->is_null() && n.kind == GuardNode::Kind::path ? "is missing or null"
                                                                     : "is " + type_of(*v);
    return Error{quote(n) + " " + is + ", but " + role};
  }

  Result<json> value(const GuardNode& n) const {
    using Kind = GuardNode::Kind;
    switch (n.kind) {
      case Kind::literal:
        return n.literal;
      case Kind::path:
        return lookup(n.segments);
      case Kind::negation: {
        auto operand = condition(*n.operands[0], "'not' needs true or false");
        if (!operand) return operand.error();
        return json(!*operand);
      }
      case Kind::conjunction:
      case Kind::disjunction: {
        bool is_and = n.kind == Kind::conjunction;
        std::string role =
            std::string(is_and ? "'and'" : "'or'") + " needs true or false on both sides";
        // Left to right, stopping at the first operand that decides: false for and, true for or.
        for (const auto& operand : n.operands) {
          auto b = condition(*operand, role);
          if (!b) return b.error();
          if (*b != is_and) return json(*b);
        }
        return json(is_and);
      }
      case Kind::comparison:
        return compare(n);
      case Kind::call:
        return call(n);
    }
    return Error{quote(n) + ": cannot be evaluated"};  // unreachable
  }

 private:
  std::string quote(const GuardNode& n) const {
    return "'" + std::string(text_.substr(n.begin, n.end - n.begin)) + "'";
  }
  json lookup(const std::vector<std::string>& segments) const {
    const json* at = &facts_;
    for (const auto& s : segments) {
      if (!at->is_object()) return nullptr;
      auto it = at->find(s);
      if (it == at->end()) return nullptr;
      at = &*it;
    }
    return *at;
  }
  // " ('key.x' is missing or null)" when `operand` is a path that gave null.
  std::string missing_hint(const GuardNode& operand, const json& v) const {
    if (!v.is_null() || operand.kind != GuardNode::Kind::path) return "";
    return " (" + quote(operand) + " is missing or null)";
  }

  Result<json> compare(const GuardNode& n) const {
    auto a = value(*n.operands[0]);
    if (!a) return a;
    auto b = value(*n.operands[1]);
    if (!b) return b;
    switch (n.comparison) {
      case Comparison::eq:
        return json(*a == *b);
      case Comparison::ne:
        return json(*a != *b);
      case Comparison::in:
      case Comparison::not_in: {
        auto found = contains(n, *a, *b);
        if (!found) return found.error();
        return json(*found == (n.comparison == Comparison::in));
      }
      default:
        break;
    }
    bool numbers = a->is_number() && b->is_number();
    bool strings = a->is_string() && b->is_string();
    if (!numbers && !strings) {
      if (a->type() == b->type() && !a->is_null())
        return Error{quote(n) + ": cannot order two " + plural_of(*a) +
                     ": <, <=, > and >= take two numbers or two strings"};
      return Error{quote(n) + ": cannot compare " + type_of(*a) + " with " + type_of(*b) +
                   missing_hint(*n.operands[0], *a) + missing_hint(*n.operands[1], *b)};
    }
    switch (n.comparison) {
      case Comparison::lt:
        return json(*a < *b);
      case Comparison::le:
        return json(*a <= *b);
      case Comparison::gt:
        return json(*a > *b);
      default:
        return json(*a >= *b);
    }
  }

  // Whether `x` is in `collection`, as `in` defines it.
  Result<bool> contains(const GuardNode& n, const json& x, const json& collection) const {
    switch (collection.type()) {
      case json::value_t::null:
        return false;
      case json::value_t::array:
        for (const auto& element : collection)
          if (element == x) return true;
        return false;
      case json::value_t::string:
      case json::value_t::object: {
        if (!x.is_string())
          return Error{quote(n) + ": 'in' " + type_of(collection) +
                       " needs a string on the left, not " + type_of(x)};
        const auto& s = x.get_ref<const std::string&>();
        if (collection.is_object()) return collection.contains(s);
        return collection.get_ref<const std::string&>().find(s) != std::string::npos;
      }
      default:
        return Error{quote(n) + ": 'in' needs a list, a string or an object on the right, not " +
                     type_of(collection)};
    }
  }

  Result<json> call(const GuardNode& n) const {
    std::vector<json> arguments;
    for (const auto& operand : n.operands) {
      auto v = value(*operand);
      if (!v) return v;
      arguments.push_back(std::move(v).value());
    }
    const json& x = arguments[0];
    switch (n.function) {
      case Function::empty:
        if (x.is_null()) return json(true);
        if (x.is_string()) return json(x.get_ref<const std::string&>().empty());
        if (x.is_array() || x.is_object()) return json(x.empty());
        return json(false);
      case Function::count:
        if (x.is_null()) return json(0);
        if (x.is_string())
          return json(static_cast<std::int64_t>(characters(x.get_ref<const std::string&>())));
        if (x.is_array() || x.is_object()) return json(static_cast<std::int64_t>(x.size()));
        return Error{quote(n) + ": count takes a list, a string or an object, not " + type_of(x)};
      case Function::days_between: {
        std::array<Date, 2> dates;
        for (std::size_t i = 0; i < 2; ++i) {
          const json& v = arguments[i];
          if (!v.is_string()) {
            std::string is = v.is_null() ? "missing or null" : type_of(v);
            return Error{quote(n) + ": " + quote(*n.operands[i]) + " is " + is +
                         ", not a date (YYYY-MM-DD)"};
          }
          auto date = parse_date(v.get_ref<const std::string&>());
          if (!date)
            return Error{quote(n) + ": " + why_not_a_date(v.get_ref<const std::string&>())};
          dates[i] = *date;
        }
        return json(static_cast<std::int64_t>((dates[1] - dates[0]).days()));
      }
    }
    return Error{quote(n) + ": cannot be evaluated"};  // unreachable
  }

  std::string_view text_;
  const json& facts_;
};

}  // namespace

Result<bool> Guard::evaluate(const nlohmann::json& facts) const {
  assert(root_);
  return Evaluator(text_, facts).condition(*root_, "a guard must be true or false");
}

}  // namespace keydesk
