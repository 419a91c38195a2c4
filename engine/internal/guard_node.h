// The parsed form of a guard, shared by the parser (guard_parse.cpp) and the evaluator
// (guard_eval.cpp). Internal: only engine/guard.h is public.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace keydesk::internal {

enum class Comparison : std::uint8_t { eq, ne, lt, le, gt, ge, in, not_in };
enum class Function : std::uint8_t { empty, count, days_between };

// One node of a parsed guard. [begin, end) are the bytes of the guard's text it was parsed from,
// so that evaluation errors can quote it.
struct GuardNode {
  enum class Kind { literal, path, negation, conjunction, disjunction, comparison, call };
  Kind kind = Kind::literal;
  std::size_t begin = 0;
  std::size_t end = 0;
  nlohmann::json literal;             // literal
  std::vector<std::string> segments;  // path: "key.status" -> {"key", "status"}
  Comparison comparison = Comparison::eq;
  Function function = Function::empty;
  std::vector<std::shared_ptr<const GuardNode>> operands;
};

struct FunctionInfo {
  std::string_view name;
  Function function;
  std::size_t arity;
  std::string_view parameters;
};
inline constexpr std::array<FunctionInfo, 3> guard_functions = {{
    {"empty", Function::empty, 1, "x"},
    {"count", Function::count, 1, "x"},
    {"days_between", Function::days_between, 2, "a, b"},
}};

inline bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Characters (UTF-8 code points) among the first `bytes` bytes of `text`.
inline std::size_t characters(std::string_view text, std::size_t bytes = std::string_view::npos) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size() && i < bytes; ++i)
    if (!is_continuation_byte(text[i])) ++n;
  return n;
}

}  // namespace keydesk::internal
