// Guards: tokens and parsing (the grammar is in guard.h).
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
using internal::FunctionInfo;
using internal::GuardNode;
using internal::is_continuation_byte;
using nlohmann::json;
using NodePtr = std::shared_ptr<const GuardNode>;

constexpr int max_nesting = 100;

Error syntax_error(std::string_view text, std::size_t at, const std::string& what) {
  int column = static_cast<int>(characters(text, at)) + 1;
  return Error{"第 " + std::to_string(column) + " 列：" + what, {Diagnostic{"", 0, column, what}}};
}

// --- tokens ----------------------------------------------------------------------------------

// `bad` is a lexical error: Token::problem says what is wrong at Token::begin. `name` is a path
// or a function name: identifier('.'identifier)*.
// clang-format off
enum class Tok : std::uint8_t {
  end, bad, string, integer, name,
  lparen, rparen, lbracket, rbracket, comma,
  eq, ne, lt, le, gt, ge,
  kw_and, kw_or, kw_not, kw_in, kw_true, kw_false, kw_null
};
// clang-format on

struct Token {
  Tok kind = Tok::end;
  std::size_t begin = 0;
  std::size_t end = 0;
  json value;           // string and integer literals
  std::string problem;  // bad
};

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

std::optional<Tok> keyword(std::string_view word) {
  static constexpr std::array<std::pair<std::string_view, Tok>, 7> keywords = {
      {{"and", Tok::kw_and},
       {"or", Tok::kw_or},
       {"not", Tok::kw_not},
       {"in", Tok::kw_in},
       {"true", Tok::kw_true},
       {"false", Tok::kw_false},
       {"null", Tok::kw_null}}};
  for (const auto& [spelling, kind] : keywords)
    if (word == spelling) return kind;
  return std::nullopt;
}

std::string lower_case(std::string_view word) {
  std::string out(word);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Splits a guard into tokens. A lexical error ends the list with a `bad` token; otherwise it
// ends with `end` at text.size().
class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  std::vector<Token> tokens() {
    std::vector<Token> out;
    for (;;) {
      while (i_ < text_.size() &&
             (text_[i_] == ' ' || text_[i_] == '\t' || text_[i_] == '\n' || text_[i_] == '\r'))
        ++i_;
      out.push_back(next());
      if (out.back().kind == Tok::end || out.back().kind == Tok::bad) return out;
    }
  }

 private:
  Token make(Tok kind, std::size_t begin, std::size_t end) {
    i_ = end;
    return Token{kind, begin, end, {}, {}};
  }
  static Token bad(std::size_t at, std::string problem) {
    return Token{Tok::bad, at, at, {}, std::move(problem)};
  }
  char at(std::size_t i) const { return i < text_.size() ? text_[i] : '\0'; }
  // The character (whole UTF-8 sequence) at byte i, for messages.
  std::string character_at(std::size_t i) const {
    if (i >= text_.size()) return "条件末尾";
    std::size_t j = i + 1;
    while (j < text_.size() && is_continuation_byte(text_[j])) ++j;
    return "“" + std::string(text_.substr(i, j - i)) + "”";
  }

  Token next() {
    std::size_t b = i_;
    if (b >= text_.size()) return make(Tok::end, b, b);
    char c = text_[b];
    if (is_name_start(c)) return name();
    if (is_digit(c) || c == '-') return integer();
    if (c == '\'' || c == '"') return string();
    // Longest first, so that "<=" is not read as "<".
    static constexpr std::array<std::pair<std::string_view, Tok>, 11> operators = {
        {{"==", Tok::eq},
         {"!=", Tok::ne},
         {"<=", Tok::le},
         {">=", Tok::ge},
         {"<", Tok::lt},
         {">", Tok::gt},
         {"(", Tok::lparen},
         {")", Tok::rparen},
         {"[", Tok::lbracket},
         {"]", Tok::rbracket},
         {",", Tok::comma}}};
    for (const auto& [spelling, kind] : operators)
      if (text_.substr(b).starts_with(spelling)) return make(kind, b, b + spelling.size());
    // Operators of other languages.
    static constexpr std::array<std::pair<char, std::string_view>, 4> foreign = {
        {{'=', "“=”不是运算符：比较是否相等请写 =="},
         {'!', "“!”不是运算符：取反请写 not"},
         {'&', "“&”不是运算符：“并且”请写 and"},
         {'|', "“|”不是运算符：“或者”请写 or"}}};
    for (const auto& [character, advice] : foreign)
      if (c == character) return bad(b, std::string(advice));
    if (static_cast<unsigned char>(c) >= 0x80)
      return bad(b, "此处不能有字符" + character_at(b) +
                        "：运算符、引号和括号须用半角（英文）字符，中文只能写在引号内");
    return bad(b, "此处不能有字符" + character_at(b));
  }

  Token name() {
    std::size_t b = i_, e = i_;
    while (is_name_char(at(e))) ++e;
    bool dotted = false;
    while (at(e) == '.') {
      if (!is_name_start(at(e + 1)))
        return bad(e + 1, "“.”之后应为名称，此处却是" + character_at(e + 1));
      dotted = true;
      e += 2;
      while (is_name_char(at(e))) ++e;
    }
    std::string_view word = text_.substr(b, e - b);
    if (!dotted) {
      if (auto kw = keyword(word)) return make(*kw, b, e);
      if (keyword(lower_case(word)))
        return bad(b,
                   "“" + std::string(word) + "”不是关键字：关键字须小写，请写 " + lower_case(word));
    }
    return make(Tok::name, b, e);
  }

  Token integer() {
    std::size_t b = i_, e = i_ + (text_[i_] == '-' ? 1 : 0);
    if (!is_digit(at(e))) return bad(b, "“-”之后须紧跟数字，如 -1（条件中没有减法）");
    while (is_digit(at(e))) ++e;
    if (is_name_char(at(e)) || at(e) == '.') {
      std::size_t w = e;
      while (is_name_char(at(w)) || at(w) == '.') ++w;
      return bad(b, "“" + std::string(text_.substr(b, w - b)) + "”不是数：只能写整数，如 30 或 -1");
    }
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(text_.data() + b, text_.data() + e, n);
    if (ec != std::errc() || p != text_.data() + e)
      return bad(b, "数 " + std::string(text_.substr(b, e - b)) + " 太大");
    Token t = make(Tok::integer, b, e);
    t.value = n;
    return t;
  }

  Token string() {
    std::size_t b = i_, e = i_ + 1;
    char quote = text_[b];
    std::string value;
    while (e < text_.size() && text_[e] != quote) {
      if (text_[e] == '\\') {
        char escaped = at(e + 1);
        if (escaped != '\'' && escaped != '"' && escaped != '\\') {
          if (e + 1 >= text_.size()) break;  // unclosed
          return bad(e, "文字中的转义“\\" + character_at(e + 1).substr(3) +
                            "无效：可用的转义只有 \\' \\\" 和 \\\\");
        }
        value += escaped;
        e += 2;
      } else {
        value += text_[e++];
      }
    }
    if (e >= text_.size())
      return bad(b,
                 std::string("从此处开始的文字没有结束：请在条件末尾之前补上与之配对的 ") + quote);
    Token t = make(Tok::string, b, e + 1);
    t.value = std::move(value);
    return t;
  }

  std::string_view text_;
  std::size_t i_ = 0;
};

// --- parsing ---------------------------------------------------------------------------------

std::optional<Comparison> comparison_of(Tok kind) {
  static constexpr std::array<std::pair<Tok, Comparison>, 7> comparisons = {
      {{Tok::eq, Comparison::eq},
       {Tok::ne, Comparison::ne},
       {Tok::lt, Comparison::lt},
       {Tok::le, Comparison::le},
       {Tok::gt, Comparison::gt},
       {Tok::ge, Comparison::ge},
       {Tok::kw_in, Comparison::in}}};
  for (const auto& [token, comparison] : comparisons)
    if (kind == token) return comparison;
  return std::nullopt;
}

// Recursive descent over the grammar in guard.h. Each rule takes `after`, the words that say
// where its first value was expected ("“==”之后"), for the message when it is missing.
class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> tokens)
      : text_(text), tokens_(std::move(tokens)) {}

  Result<NodePtr> guard() {
    auto root = disjunction("");
    if (!root) return root;
    const Token& t = peek();
    if (t.kind == Tok::end) return root;
    if (t.kind == Tok::rparen) return syntax_error(text_, t.begin, "“)”没有配对的“(”");
    return unexpected(t, "应为运算符或条件结束");
  }

  std::vector<std::string> paths() { return std::move(paths_); }

 private:
  // Counts nesting while alive, so that a pathological guard is an error, not a stack overflow.
  class Nesting {
   public:
    explicit Nesting(int& depth) : depth_(++depth) {}
    ~Nesting() { --depth_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;
    bool too_deep() const { return depth_ > max_nesting; }

   private:
    int& depth_;
  };

  const Token& peek(std::size_t ahead = 0) const {
    std::size_t i = pos_ + ahead;
    return i < tokens_.size() ? tokens_[i] : tokens_.back();
  }
  // The token take() returned last. REQUIRES: a token was taken.
  const Token& previous() const { return tokens_[pos_ - 1]; }
  const Token& take() {
    const Token& t = peek();
    if (pos_ < tokens_.size() - 1) ++pos_;
    return t;
  }
  std::string source(std::size_t begin, std::size_t end) const {
    return std::string(text_.substr(begin, end - begin));
  }

  std::string found(const Token& t) const {
    switch (t.kind) {
      case Tok::end:
        return "条件末尾";
      case Tok::string:
        return "文字 " + source(t.begin, t.end);
      case Tok::integer:
        return "数 " + source(t.begin, t.end);
      case Tok::name:
        return "名称 " + source(t.begin, t.end);
      default:  // punctuation and keywords, as written
        return "“" + source(t.begin, t.end) + "”";
    }
  }
  // "<expected>，此处却是<t>", or the lexical problem when t is one.
  Error unexpected(const Token& t, const std::string& expected) const {
    if (t.kind == Tok::bad) return syntax_error(text_, t.begin, t.problem);
    return syntax_error(text_, t.begin, expected + "，此处却是" + found(t));
  }
  // "“==”之后应为一个值": `what` is expected `after` something ("" at the start).
  static std::string join(const std::string& what, const std::string& after) {
    return after + what;
  }
  // "“==”之后", for join.
  static std::string following(const std::string& written) { return "“" + written + "”之后"; }

  static NodePtr node(GuardNode n) { return std::make_shared<const GuardNode>(std::move(n)); }
  static GuardNode operation(GuardNode::Kind kind, std::vector<NodePtr> operands) {
    GuardNode n;
    n.kind = kind;
    n.begin = operands.front()->begin;
    n.end = operands.back()->end;
    n.operands = std::move(operands);
    return n;
  }

  // `first ('or' first)*` where `first` is conjunction, or `first ('and' first)*` where it is
  // negation. One node for the whole chain, so that a long chain is not a deep tree.
  Result<NodePtr> chain(Tok joiner, GuardNode::Kind kind,
                        Result<NodePtr> (Parser::*operand)(const std::string&),
                        const std::string& after) {
    auto first = (this->*operand)(after);
    if (!first || peek().kind != joiner) return first;
    std::vector<NodePtr> operands = {*first};
    const std::string after_joiner = following(source(peek().begin, peek().end));
    while (peek().kind == joiner) {
      take();
      auto next = (this->*operand)(after_joiner);
      if (!next) return next;
      operands.push_back(*next);
    }
    return node(operation(kind, std::move(operands)));
  }
  Result<NodePtr> disjunction(const std::string& after) {
    return chain(Tok::kw_or, GuardNode::Kind::disjunction, &Parser::conjunction, after);
  }
  Result<NodePtr> conjunction(const std::string& after) {
    return chain(Tok::kw_and, GuardNode::Kind::conjunction, &Parser::negation, after);
  }

  Result<NodePtr> negation(const std::string& after) {
    if (peek().kind != Tok::kw_not) return comparison(after);
    Nesting nesting(depth_);
    const Token& not_token = take();
    if (nesting.too_deep()) return too_deep(not_token);
    auto operand = negation(following("not"));
    if (!operand) return operand;
    GuardNode n;
    n.kind = GuardNode::Kind::negation;
    n.begin = not_token.begin;
    n.end = (*operand)->end;
    n.operands = {*operand};
    return node(std::move(n));
  }

  // The comparison operator at the current token (two tokens for `not in`), if any.
  std::optional<Comparison> comparison_ahead() const {
    if (peek().kind == Tok::kw_not && peek(1).kind == Tok::kw_in) return Comparison::not_in;
    return comparison_of(peek().kind);
  }

  Result<NodePtr> comparison(const std::string& after) {
    auto left = primary(after);
    if (!left) return left;
    if (peek().kind == Tok::kw_not && peek(1).kind != Tok::kw_in)
      return unexpected(peek(1), "“not”之后应为 in");
    auto op = comparison_ahead();
    if (!op) return left;
    std::size_t op_begin = peek().begin;
    take();
    if (*op == Comparison::not_in) take();
    auto right = primary(following(source(op_begin, previous().end)));
    if (!right) return right;
    if (comparison_ahead())
      return syntax_error(text_, peek().begin,
                          "比较不能连写：请用 and 连接两个比较，如 a < b and b < c");
    GuardNode n = operation(GuardNode::Kind::comparison, {*left, *right});
    n.comparison = *op;
    return node(std::move(n));
  }

  Error too_deep(const Token& t) const {
    return syntax_error(
        text_, t.begin,
        "条件嵌套超过 " + std::to_string(max_nesting) + " 层：请拆成几个较简单的条件");
  }

  Result<NodePtr> primary(const std::string& after) {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::string:
      case Tok::integer:
      case Tok::kw_true:
      case Tok::kw_false:
      case Tok::kw_null:
      case Tok::lbracket: {
        auto value = literal(after);
        if (!value) return value.error();
        GuardNode n;
        n.kind = GuardNode::Kind::literal;
        n.begin = t.begin;
        n.end = previous().end;
        n.literal = std::move(value).value();
        return node(std::move(n));
      }
      case Tok::lparen:
        return parenthesised();
      case Tok::name:
        if (peek(1).kind == Tok::lparen) return call();
        return path();
      default:
        return unexpected(t, join("应为一个值", after));
    }
  }

  // A literal value: string, integer, true, false, null or a list of literals.
  Result<json> literal(const std::string& after) {
    Nesting nesting(depth_);
    const Token& t = take();
    if (nesting.too_deep()) return too_deep(t);
    switch (t.kind) {
      case Tok::string:
      case Tok::integer:
        return t.value;
      case Tok::kw_true:
        return json(true);
      case Tok::kw_false:
        return json(false);
      case Tok::kw_null:
        return json(nullptr);
      case Tok::lbracket:
        break;
      default:
        return unexpected(
            t, join("应为字面值（文字、整数、true、false、null 或由它们组成的列表）", after));
    }
    json list = json::array();
    if (peek().kind == Tok::rbracket) {
      take();
      return list;
    }
    std::string element_after = following("[");
    for (;;) {
      auto element = literal(element_after);
      if (!element) return element;
      list.push_back(std::move(element).value());
      const Token& separator = take();
      if (separator.kind == Tok::rbracket) return list;
      if (separator.kind != Tok::comma)
        return unexpected(separator, "第 " + std::to_string(characters(text_, t.begin) + 1) +
                                         " 列开始的列表中应为“,”或“]”");
      element_after = following(",");
    }
  }

  Result<NodePtr> parenthesised() {
    Nesting nesting(depth_);
    const Token& open = take();
    if (nesting.too_deep()) return too_deep(open);
    auto inner = disjunction(following("("));
    if (!inner) return inner;
    const Token& close = take();
    if (close.kind != Tok::rparen)
      return unexpected(close, "应为“)”与第 " + std::to_string(characters(text_, open.begin) + 1) +
                                   " 列的“(”配对");
    // The same node, spanning the parentheses, so that quotes of enclosing nodes are whole.
    auto widened = std::make_shared<GuardNode>(**inner);
    widened->begin = open.begin;
    widened->end = close.end;
    return NodePtr(std::move(widened));
  }

  Result<NodePtr> path() {
    const Token& t = take();
    GuardNode n;
    n.kind = GuardNode::Kind::path;
    n.begin = t.begin;
    n.end = t.end;
    std::string dotted = source(t.begin, t.end);
    std::size_t start = 0;
    for (std::size_t dot; (dot = dotted.find('.', start)) != std::string::npos; start = dot + 1)
      n.segments.push_back(dotted.substr(start, dot - start));
    n.segments.push_back(dotted.substr(start));
    bool seen = false;
    for (const auto& p : paths_) seen = seen || p == dotted;
    if (!seen) paths_.push_back(dotted);
    return node(std::move(n));
  }

  Result<NodePtr> call() {
    Nesting nesting(depth_);
    const Token& name = take();
    if (nesting.too_deep()) return too_deep(name);
    std::string called = source(name.begin, name.end);
    const FunctionInfo* info = nullptr;
    for (const auto& f : internal::guard_functions)
      if (f.name == called) info = &f;
    if (!info) {
      std::string known;
      for (const auto& f : internal::guard_functions)
        known += (known.empty() ? "" : "、") + std::string(f.name);
      return syntax_error(text_, name.begin, "未知的函数“" + called + "”：可用的函数有 " + known);
    }
    take();  // '('
    GuardNode n;
    n.kind = GuardNode::Kind::call;
    n.function = info->function;
    n.begin = name.begin;
    if (peek().kind == Tok::rparen) {
      n.end = take().end;
    } else {
      std::string after_what = following("(");
      for (;;) {
        auto argument = disjunction(after_what);
        if (!argument) return argument;
        n.operands.push_back(*argument);
        const Token& separator = take();
        if (separator.kind == Tok::rparen) {
          n.end = separator.end;
          break;
        }
        if (separator.kind != Tok::comma)
          return unexpected(separator, called + " 的参数之后应为“,”或“)”");
        after_what = following(",");
      }
    }
    if (n.operands.size() != info->arity)
      return syntax_error(text_, name.begin,
                          called + "(" + std::string(info->parameters) + ") 须有 " +
                              std::to_string(info->arity) + " 个参数，此处却有 " +
                              std::to_string(n.operands.size()) + " 个");
    return node(std::move(n));
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  std::vector<std::string> paths_;
};

}  // namespace

Result<Guard> Guard::parse(std::string_view text) {
  Guard g;
  g.text_ = std::string(text);
  Parser parser(g.text_, Lexer(g.text_).tokens());
  auto root = parser.guard();
  if (!root) return root.error();
  g.root_ = std::move(root).value();
  g.paths_ = parser.paths();
  return g;
}

}  // namespace keydesk
