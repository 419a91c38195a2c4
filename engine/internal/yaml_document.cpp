#include "engine/internal/yaml_document.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>

#include <yaml-cpp/yaml.h>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

namespace keydesk::internal {

std::vector<std::filesystem::path> yaml_files(const std::filesystem::path& dir, bool recursive) {
  std::vector<std::filesystem::path> out;
  auto add = [&](const std::filesystem::path& p) {
    if (p.extension() == ".yaml" || p.extension() == ".yml") out.push_back(p);
  };
  std::error_code ec;
  if (recursive)
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
      add(it->path());
  else
    for (auto it = std::filesystem::directory_iterator(dir, ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
      add(it->path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string pointer_child(const std::string& pointer, const std::string& token) {
  std::string escaped;
  for (char c : token) {
    if (c == '~')
      escaped += "~0";
    else if (c == '/')
      escaped += "~1";
    else
      escaped += c;
  }
  return pointer + "/" + escaped;
}

std::string pointer_child(const std::string& pointer, std::size_t index) {
  return pointer + "/" + std::to_string(index);
}

namespace {

Diagnostic too_large(const std::string& file, const std::string& size) {
  std::string limit = std::to_string(YamlDocument::kMaxFileBytes);
  return {file, 0, 0,
          "文件过大（" + size +
              "），最多 1 MiB：请确认没有选错文件，或删减内容 (a rule or "
              "input file may have at most " +
              limit + " bytes)"};
}

// "YAML 语法错误：<what to do> (<yaml-cpp's words>)": the common mistakes in Chinese, the
// parser's own message after them.
std::string yaml_syntax_message(const std::string& detail) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> advice = {{
      {"end of map flow not found", "花括号“{”没有配对的“}”：请补上，或检查其中的逗号"},
      {"end of sequence flow not found", "方括号“[”没有配对的“]”：请补上，或检查其中的逗号"},
      {"end of map not found", "这一层没有正确结束：请检查缩进是否与上一层对齐"},
      {"end of sequence not found", "列表没有正确结束：请检查各项“- ”的缩进是否对齐"},
      {"illegal map value", "此处不能开始“键: 值”：请检查缩进；含冒号的文字请加引号"},
      {"illegal block entry", "此处不能有以“- ”开头的列表项：请检查缩进"},
      {"illegal map key", "此处不能写键：请检查缩进和冒号"},
      {"illegal EOF in scalar", "引号没有配对：请在文字末尾补上引号"},
      {"unknown escape character", "双引号中的反斜杠转义无效：反斜杠请写成 \\\\，或改用单引号"},
      {"illegal tab", "缩进中不能用 Tab：请改用空格"},
      {"the referenced anchor is not defined",
       "引用了未定义的锚点：请先用 &名称 定义，再用 *名称 引用"},
      {"illegal flow end", "括号没有正确配对：请检查此处的“]”或“}”与前面的“[”或“{”是否一一对应"},
  }};
  for (const auto& [english, chinese] : advice)
    if (detail.rfind(english, 0) == 0)
      return "YAML 语法错误：" + std::string(chinese) + " (" + detail + ")";
  return "YAML 语法错误：请检查此处的缩进、冒号和引号 (" + detail + ")";
}

enum class NumberForm { none, integer, real };

// Whether a plain scalar is an integer ([-+]?[0-9]+) or a real
// ([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?) of the YAML 1.2 core schema. Written
// out rather than matched with std::regex, whose libstdc++ matcher recurses once per character
// and overflows the stack on a long run of digits.
NumberForm number_form(const std::string& text) {
  std::size_t i = 0;
  auto digits = [&] {
    std::size_t from = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    return i - from;
  };
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  std::size_t whole = digits(), fraction = 0;
  bool point = i < text.size() && text[i] == '.';
  if (point) {
    ++i;
    fraction = digits();
  }
  if (whole == 0 && fraction == 0) return NumberForm::none;
  bool exponent = i < text.size() && (text[i] == 'e' || text[i] == 'E');
  if (exponent) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (digits() == 0) return NumberForm::none;
  }
  if (i != text.size()) return NumberForm::none;
  return point || exponent ? NumberForm::real : NumberForm::integer;
}

// A scalar as the file writes it, for messages: 2026-01-01, 核验通过. A string is quoted unless
// `plain` (the file does not quote it) or it could not be read as anything but text; at most
// 60 characters.
std::string written(const nlohmann::json& value, bool plain) {
  std::string text;
  if (value.is_string()) {
    text = value.get<std::string>();
    if (!plain) {
      // Quoted in the file, or not known: quoted when it would read as something else.
      plain = !text.empty() && number_form(text) == NumberForm::none &&
              text.find_first_of("\"\n") == std::string::npos && text.front() != ' ' &&
              text.back() != ' ';
      for (const char* word :
           {"true", "false", "null", "True", "False", "Null", "TRUE", "FALSE", "NULL", "~"})
        plain = plain && text != word;
    }
    if (!plain) text = value.dump();
  } else if (value.is_null()) {
    text = "（空）";
  } else {
    text = value.dump();
  }
  // At most 60 characters, never cutting a character in two.
  std::size_t i = 0, characters = 0;
  while (i < text.size() && characters < 60) {
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
    ++characters;
  }
  if (i < text.size()) text = text.substr(0, i) + "…";
  return text;
}

}  // namespace

// Converts yaml-cpp nodes to JSON following the YAML 1.2 core schema for plain scalars, so
// `year: 2026` is a number and `from: 2026-01-01` a string; quoted scalars stay strings.
//
// The conversion is where a file's size can multiply (aliases copy their anchor, marks repeat
// the path above them), so it keeps to YamlDocument's limits: past one it reports once and
// builds nothing more.
struct YamlConverter {
  YamlConverter(YamlDocument& d, Diagnostics& o) : doc(d), out(o) {}

  YamlDocument& doc;
  Diagnostics& out;
  std::size_t values = 0;  // values built, aliases counted at each use
  std::size_t built = 0;   // bytes of text and mark paths built
  bool stopped = false;    // a limit was passed: the document is refused
  std::set<int> reported;  // positions of the problems reported, each once however often aliased
  // The position of the furthest node converted so far. Nodes are converted in the order the
  // text gives them, so one at or before it is being converted again: it was reached through an
  // alias (*name), and yaml-cpp gives it the position of its anchor (&name), not of the alias.
  int furthest = -1;

  int line_of(const YAML::Mark& m) const { return m.line + 1; }
  int column_of(const YAML::Mark& m) const { return doc.character_column(m.line, m.column); }

  void mark(std::map<std::string, YamlDocument::Mark>& marks, const std::string& pointer,
            const YAML::Mark& m) {
    if (m.line >= 0) marks[pointer] = {line_of(m), column_of(m)};
  }

  void report(const YAML::Mark& m, std::string message) {
    if (reported.insert(m.pos).second)
      out.push_back({doc.file_, line_of(m), column_of(m), std::move(message)});
  }

  // Reports a limit passed at `m` and stops the conversion.
  std::nullptr_t stop(const YAML::Mark& m, std::string message) {
    out.push_back({doc.file_, line_of(m), column_of(m), std::move(message)});
    stopped = true;
    return nullptr;
  }

  static nlohmann::json scalar(const YAML::Node& node) {
    const std::string& text = node.Scalar();
    if (node.Tag() == "!") return text;  // quoted: always a string
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
    if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
      return nullptr;
    // A number too large for a 64-bit integer or a double stays the text it was, so the schema
    // calls it the wrong type rather than the reader receiving a wrapped or infinite value.
    try {
      switch (number_form(text)) {
        case NumberForm::integer:
          return std::stoll(text);
        case NumberForm::real:
          return std::stod(text);
        case NumberForm::none:
          break;
      }
    } catch (const std::out_of_range&) {
    }
    return text;
  }

  // `site` is the innermost node on the way here that the text writes out where it stands (not
  // reached through an alias): the value that holds the alias, where a limit passed inside what
  // the alias expands to is reported. `depth` counts the lists and mappings around `node`.
  nlohmann::json convert(const YAML::Node& node, const std::string& pointer, int depth,
                         YAML::Mark site) {
    if (stopped) return nullptr;
    const YAML::Mark& at = node.Mark();
    bool repeated = at.pos >= 0 && at.pos <= furthest;
    if (!repeated) {
      furthest = std::max(furthest, at.pos);
      site = at;
    }
    if (++values > YamlDocument::kMaxValues)
      return stop(site, "内容过多：展开后超过 " + std::to_string(YamlDocument::kMaxValues) +
                            " 个值，请删减；别名（*名称）每用一次都把锚点（&名称）的内容复制一遍，"
                            "层层引用会成倍增长 (more than " +
                            std::to_string(YamlDocument::kMaxValues) +
                            " values once aliases are expanded)");
    if (depth > YamlDocument::kMaxDepth)
      return stop(site, "嵌套过深：超过 " + std::to_string(YamlDocument::kMaxDepth) +
                            " 层，请减少嵌套；别名（*名称）展开后的层数也算在内，锚点不能包含"
                            "引用自身的别名 (nested more than " +
                            std::to_string(YamlDocument::kMaxDepth) +
                            " lists and mappings deep once aliases are expanded)");
    if (!built_within(pointer.size(), site)) return nullptr;
    mark(doc.value_marks_, pointer, at);
    switch (node.Type()) {
      case YAML::NodeType::Sequence: {
        nlohmann::json array = nlohmann::json::array();
        std::size_t i = 0;
        for (const auto& item : node) {
          array.push_back(convert(item, pointer_child(pointer, i++), depth + 1, site));
          if (stopped) break;
        }
        return array;
      }
      case YAML::NodeType::Map: {
        nlohmann::json object = nlohmann::json::object();
        for (const auto& kv : node) {
          if (stopped) break;
          std::string key = kv.first.Scalar();
          if (!text_fits(key, kv.first.Mark())) continue;
          if (object.contains(key)) {
            report(kv.first.Mark(), "键“" + key + "”在同一层写了两次：请只保留一个");
            continue;
          }
          std::string child = pointer_child(pointer, key);
          if (!built_within(key.size() * 2 + child.size(), site)) break;
          mark(doc.key_marks_, child, kv.first.Mark());
          doc.key_order_[pointer].push_back(key);
          object[key] = convert(kv.second, child, depth + 1, site);
        }
        return object;
      }
      case YAML::NodeType::Scalar:
        if (!text_fits(node.Scalar(), at)) return nullptr;
        if (!built_within(node.Scalar().size(), site)) return nullptr;
        return scalar(node);
      default:
        return nullptr;
    }
  }

  // Counts `bytes` more built; false (and stopped) past kMaxBuiltBytes.
  bool built_within(std::size_t bytes, const YAML::Mark& site) {
    built += bytes;
    if (built <= YamlDocument::kMaxBuiltBytes) return true;
    std::string limit = std::to_string(YamlDocument::kMaxBuiltBytes >> 20);
    stop(site,
         "内容过多：展开后超过 " + limit +
             " MiB，请删减；别名（*名称）每用一次都把锚点（&名称）的内容复制一遍 (more than " +
             limit + " MiB of text and paths once aliases are expanded)");
    return false;
  }

  // Whether a value or key's text is within kMaxScalarBytes; if not, it is reported and left
  // out.
  bool text_fits(const std::string& text, const YAML::Mark& m) {
    if (text.size() <= YamlDocument::kMaxScalarBytes) return true;
    std::string limit = std::to_string(YamlDocument::kMaxScalarBytes);
    report(m, "这个值太长：" + std::to_string(text.size()) + " 字节，一个值或键最多 " + limit +
                  " 字节，请缩短 (a value or key may have at most " + limit + " bytes)");
    return false;
  }
};

int YamlDocument::character_column(int line, int byte_column) const {
  if (line < 0 || static_cast<std::size_t>(line) >= lines_.size() || byte_column < 0)
    return byte_column + 1;
  const std::string& text = lines_[static_cast<std::size_t>(line)];
  int column = 1;
  for (std::size_t i = 0; i < text.size() && i < static_cast<std::size_t>(byte_column); ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;  // count UTF-8 lead bytes
  return column;
}

std::optional<YamlDocument> YamlDocument::parse(const std::string& text, const std::string& name,
                                                Diagnostics& out) {
  if (text.size() > kMaxFileBytes) {
    out.push_back(too_large(name, std::to_string(text.size()) + " 字节"));
    return std::nullopt;
  }
  YamlDocument doc;
  doc.file_ = name;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) doc.lines_.push_back(line);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    out.push_back({name, e.mark.line + 1, doc.character_column(e.mark.line, e.mark.column),
                   yaml_syntax_message(e.msg)});
    return std::nullopt;
  }
  std::size_t before = out.size();
  YamlConverter converter{doc, out};
  doc.json_ = converter.convert(root, "", 0, root.Mark());
  if (out.size() != before) return std::nullopt;
  return doc;
}

std::optional<std::string> YamlDocument::read(const std::filesystem::path& path, Diagnostics& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    out.push_back(
        {path.string(), 0, 0, "无法打开文件：请检查路径和读取权限 (cannot open the file)"});
    return std::nullopt;
  }
  std::string text;
  char chunk[65536];
  while (text.size() <= kMaxFileBytes && in.read(chunk, sizeof chunk).gcount() > 0)
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
  if (in.bad()) {
    out.push_back(
        {path.string(), 0, 0, "无法读取文件：请检查路径和读取权限 (cannot read the file)"});
    return std::nullopt;
  }
  if (text.size() > kMaxFileBytes) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    out.push_back(too_large(path.string(), ec || size <= kMaxFileBytes
                                               ? "超过 " + std::to_string(kMaxFileBytes) + " 字节"
                                               : std::to_string(size) + " 字节"));
    return std::nullopt;
  }
  return text;
}

std::optional<YamlDocument> YamlDocument::load(const std::filesystem::path& path,
                                               Diagnostics& out) {
  auto text = read(path, out);
  if (!text) return std::nullopt;
  return parse(*text, path.string(), out);
}

std::vector<std::string> YamlDocument::keys_in_order(const std::string& pointer) const {
  auto it = key_order_.find(pointer);
  return it == key_order_.end() ? std::vector<std::string>{} : it->second;
}

Diagnostic YamlDocument::at(const std::string& pointer, std::string message) const {
  std::string p = pointer;
  for (;;) {
    auto it = value_marks_.find(p);
    if (it != value_marks_.end())
      return {file_, it->second.line, it->second.column, std::move(message)};
    if (p.empty()) return {file_, 0, 0, std::move(message)};
    p.erase(p.rfind('/'));
  }
}

Diagnostic YamlDocument::at_column(const std::string& pointer, int column,
                                   std::string message) const {
  Diagnostic d = at(pointer, std::move(message));
  if (d.line <= 0 || static_cast<std::size_t>(d.line) > lines_.size()) return d;
  // A quote at the value's place means the text starts one later.
  d.column += column - 1 + (quote_at(d.line, d.column) ? 1 : 0);
  return d;
}

Diagnostic YamlDocument::at_text(const std::string& pointer, const std::string& needle,
                                 std::string message) const {
  Diagnostic d = at(pointer, std::move(message));
  if (d.line <= 0 || needle.empty()) return d;
  for (std::size_t line = static_cast<std::size_t>(d.line - 1); line < lines_.size(); ++line) {
    auto byte = lines_[line].find(needle);
    if (byte == std::string::npos) continue;
    d.line = static_cast<int>(line + 1);
    d.column = character_column(static_cast<int>(line), static_cast<int>(byte));
    return d;
  }
  return d;
}

bool YamlDocument::quote_at(int line, int column) const {
  if (line <= 0 || static_cast<std::size_t>(line) > lines_.size()) return false;
  const std::string& text = lines_[static_cast<std::size_t>(line - 1)];
  int col = 1;
  std::size_t i = 0;
  while (i < text.size() && col < column) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++col;
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
  }
  return i < text.size() && (text[i] == '"' || text[i] == '\'');
}

bool YamlDocument::quoted(const std::string& pointer) const {
  auto mark = value_marks_.find(pointer);
  return mark != value_marks_.end() && quote_at(mark->second.line, mark->second.column);
}

std::string YamlDocument::shown(const std::string& pointer, const nlohmann::json* value) const {
  std::string name = field_name(pointer);
  if (!value || value->is_object() || value->is_array()) return name;
  return name + ": " + written(*value, value->is_string() && !quoted(pointer));
}

Diagnostic YamlDocument::at_key(const std::string& pointer, const std::string& key,
                                std::string message) const {
  auto it = key_marks_.find(pointer_child(pointer, key));
  if (it != key_marks_.end())
    return {file_, it->second.line, it->second.column, std::move(message)};
  return at(pointer, std::move(message));
}

namespace {

// valijson context ["<root>", "[years]", "[0]"] -> "/years/0"
std::string context_pointer(const std::vector<std::string>& context) {
  std::string pointer;
  for (const auto& part : context) {
    if (part == "<root>") continue;
    std::string token = part;
    if (token.size() >= 2 && token.front() == '[' && token.back() == ']')
      token = token.substr(1, token.size() - 2);
    pointer = pointer_child(pointer, token);
  }
  return pointer;
}

std::string quoted_name(const std::string& description) {
  auto last = description.rfind('\'');
  if (last == std::string::npos || last == 0) return {};
  auto first = description.rfind('\'', last - 1);
  if (first == std::string::npos) return {};
  return description.substr(first + 1, last - first - 1);
}

// Levenshtein distance, for "did you mean" on misspelt keys.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The schema node that governs `pointer`, following properties/items (no $ref resolution
// beyond local definitions), used only to suggest key names.
// `node` with its local $ref followed; nullptr for any other $ref.
const nlohmann::json* resolve(const nlohmann::json& root, const nlohmann::json* node) {
  while (node && node->is_object() && node->contains("$ref")) {
    std::string ref = (*node)["$ref"].get<std::string>();
    if (ref.rfind("#", 0) != 0) return nullptr;
    try {
      node = &root.at(nlohmann::json::json_pointer(ref.substr(1)));
    } catch (const std::exception&) {
      return nullptr;
    }
  }
  return node;
}

const nlohmann::json* schema_at(const nlohmann::json& root, const nlohmann::json* node,
                                const nlohmann::json& value, const std::string& pointer) {
  node = resolve(root, node);
  if (pointer.empty() || !node) return node;
  auto slash = pointer.find('/', 1);
  std::string token = pointer.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
  std::string rest = slash == std::string::npos ? "" : pointer.substr(slash);
  if (value.is_array() && node->contains("items")) {
    std::size_t index = std::stoul(token);
    if (index >= value.size()) return nullptr;
    return schema_at(root, &(*node)["items"], value[index], rest);
  }
  if (!value.is_object() || !value.contains(token)) return nullptr;
  if (node->contains("properties") && (*node)["properties"].contains(token))
    return schema_at(root, &(*node)["properties"][token], value[token], rest);
  if (node->contains("additionalProperties") && (*node)["additionalProperties"].is_object())
    return schema_at(root, &(*node)["additionalProperties"], value[token], rest);
  return nullptr;
}

// `zh` then `rest`, with a space between when `rest` starts with a Latin letter, a digit or a
// sign (须为 true 或 false, 须为 YYYY-MM-DD …, 须为小写字母…).
std::string then(const std::string& zh, const std::string& rest) {
  bool latin = !rest.empty() && static_cast<unsigned char>(rest.front()) < 0x80 &&
               (std::isalnum(static_cast<unsigned char>(rest.front())) || rest.front() == '+' ||
                rest.front() == '-');
  return zh + (latin ? " " : "") + rest;
}

// "a、b、c", for the choices a message offers.
std::string listed(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : "、") + n;
  return out;
}

// "：是否应为“holidays”？请改正拼写" when one of `allowed` is within two edits of `key`, else
// the keys allowed.
std::string closest(const std::string& key, const std::vector<std::string>& allowed) {
  std::string best;
  std::size_t best_distance = 3;
  for (const auto& name : allowed)
    if (std::size_t d = edit_distance(key, name); d < best_distance) {
      best_distance = d;
      best = name;
    }
  if (!best.empty()) return "：是否应为“" + best + "”？请改正拼写";
  return "：请删除，或改为此处可用的键之一（" + listed(allowed) + "）";
}

// What to write instead of the unknown key `key`: the closest allowed key, or the keys allowed.
std::string suggestion(const nlohmann::json& schema, const nlohmann::json& value,
                       const std::string& pointer, const std::string& key) {
  const nlohmann::json* node = resolve(schema, schema_at(schema, &schema, value, pointer));
  // A value that may be one of several things (a deadline: days or {carry_from}): the keys of
  // the branch that takes keys.
  for (const char* alternatives : {"oneOf", "anyOf"})
    if (node && node->is_object() && !node->contains("properties") &&
        node->contains(alternatives) && (*node)[alternatives].is_array())
      for (const auto& branch : (*node)[alternatives])
        if (const nlohmann::json* b = resolve(schema, &branch);
            b && b->is_object() && b->contains("properties")) {
          node = b;
          break;
        }
  if (!node || !node->is_object() || !node->contains("properties")) return "：请删除";
  std::vector<std::string> allowed;
  for (const auto& [name, _] : (*node)["properties"].items()) allowed.push_back(name);
  return closest(key, allowed);
}

// The integers a schema node allows, itself or as one branch of its oneOf/anyOf (a deadline
// is a number of days or {carry_from: state}). Bounds are "" when the schema gives none.
struct IntegerRange {
  std::string min, max, title;  // title: what the number counts, in Chinese, or ""
  bool only = true;  // false: the value may also be something else (another branch)
};

std::optional<IntegerRange> integer_range(const nlohmann::json& root, const nlohmann::json* node) {
  node = resolve(root, node);
  if (!node || !node->is_object()) return std::nullopt;
  if (node->value("type", nlohmann::json()) == "integer") {
    auto bound = [&](const char* key) {
      if (!node->contains(key)) return std::string();
      const auto& b = (*node)[key];
      return b.is_number_integer() ? std::to_string(b.get<std::int64_t>()) : b.dump();
    };
    return IntegerRange{bound("minimum"), bound("maximum"), node->value("title", std::string()),
                        true};
  }
  for (const char* alternatives : {"oneOf", "anyOf"})
    if (node->contains(alternatives) && (*node)[alternatives].is_array())
      for (const auto& branch : (*node)[alternatives])
        if (auto range = integer_range(root, &branch)) {
          range->only = false;
          return range;
        }
  return std::nullopt;
}

// "deadline: 0 超出范围：须为 1 到 365 之间的整数（自进入该状态起算的工作日数）"; `shown` is
// the field and its value as written, `quoted` whether the file quotes the value.
std::string range_message(const std::string& shown, const nlohmann::json* value, bool quoted,
                          const IntegerRange& range) {
  std::string wanted;
  if (!range.min.empty() && !range.max.empty())
    wanted = " " + range.min + " 到 " + range.max + " 之间的整数";
  else if (!range.min.empty())
    wanted = "不小于 " + range.min + " 的整数";
  else if (!range.max.empty())
    wanted = "不大于 " + range.max + " 的整数";
  else
    wanted = "整数";
  // A whole number too large for 64 bits is kept as its text: out of range all the same.
  bool integer =
      value && (value->is_number_integer() || value->is_number_unsigned() ||
                (value->is_string() && !quoted &&
                 number_form(value->get_ref<const std::string&>()) == NumberForm::integer));
  std::string what = !value ? "缺少值" : integer ? "超出范围" : "不是整数";
  return shown + " " + what + "：" + then("须为", wanted) +
         (range.title.empty() ? std::string() : "（" + range.title + "）");
}

// The JSON types a schema node allows, in words ("文字或键值映射"); "" when it does not say.
std::string expected_types(const nlohmann::json& root, const nlohmann::json* node) {
  node = resolve(root, node);
  if (!node || !node->is_object()) return {};
  static const std::map<std::string, std::string> words = {
      {"string", "文字"},
      {"integer", "整数"},
      {"number", "数"},
      {"boolean", "true 或 false"},
      {"array", "列表（如 [a, b]，或每行以“- ”开头）"},
      {"object", "键值映射（如 key: value）"},
      {"null", "空值"}};
  std::vector<std::string> types;
  auto add = [&](const nlohmann::json& t) {
    if (!t.is_string()) return;
    auto it = words.find(t.get<std::string>());
    std::string w = it == words.end() ? t.get<std::string>() : it->second;
    if (std::find(types.begin(), types.end(), w) == types.end()) types.push_back(w);
  };
  if (node->contains("type")) {
    const auto& t = (*node)["type"];
    if (t.is_array())
      for (const auto& one : t) add(one);
    else
      add(t);
  }
  for (const char* alternatives : {"oneOf", "anyOf"})
    if (node->contains(alternatives) && (*node)[alternatives].is_array())
      for (const auto& branch : (*node)[alternatives]) {
        std::string more = expected_types(root, &branch);
        if (!more.empty() && std::find(types.begin(), types.end(), more) == types.end())
          types.push_back(more);
      }
  std::string out;
  for (const auto& t : types) out += (out.empty() ? "" : "或") + t;
  return out;
}

// A JSON value's kind in words, for a value of the wrong type that is not a scalar.
std::string kind_of(const nlohmann::json& value) {
  if (value.is_array()) return "列表";
  if (value.is_object()) return "键值映射";
  return "单个值";
}

// What the schema says, in Chinese, the value at `pointer` must look like: its "title"
// (descriptions are for developers), or "".
std::string described(const nlohmann::json& root, const nlohmann::json& document,
                      const std::string& pointer) {
  const nlohmann::json* node = resolve(root, schema_at(root, &root, document, pointer));
  if (!node || !node->is_object() || !node->contains("title") || !(*node)["title"].is_string())
    return {};
  return (*node)["title"].get<std::string>();
}

struct UnknownName {
  std::string pointer;  // the mapping
  std::string key;
  std::vector<std::string> allowed;
};

// The keys that break a "propertyNames": {"enum": […]} of the schema, anywhere in `value` (at
// `pointer`, governed by `node`): valijson finds them but says nothing about them.
void unknown_names(const nlohmann::json& root, const nlohmann::json* node,
                   const nlohmann::json& value, const std::string& pointer,
                   std::vector<UnknownName>& found) {
  node = resolve(root, node);
  if (!node || !node->is_object()) return;
  if (value.is_array() && node->contains("items"))
    for (std::size_t i = 0; i < value.size(); ++i)
      unknown_names(root, &(*node)["items"], value[i], pointer_child(pointer, i), found);
  if (!value.is_object()) return;
  const nlohmann::json* names = nullptr;
  if (node->contains("propertyNames"))
    if (const nlohmann::json* n = resolve(root, &(*node)["propertyNames"]);
        n && n->is_object() && n->contains("enum") && (*n)["enum"].is_array())
      names = &(*n)["enum"];
  for (const auto& [key, child] : value.items()) {
    if (names && std::find(names->begin(), names->end(), nlohmann::json(key)) == names->end()) {
      UnknownName unknown{pointer, key, {}};
      for (const auto& n : *names)
        if (n.is_string()) unknown.allowed.push_back(n.get<std::string>());
      found.push_back(std::move(unknown));
    }
    if (node->contains("properties") && (*node)["properties"].contains(key))
      unknown_names(root, &(*node)["properties"][key], child, pointer_child(pointer, key), found);
    else if (node->contains("additionalProperties") && (*node)["additionalProperties"].is_object())
      unknown_names(root, &(*node)["additionalProperties"], child, pointer_child(pointer, key),
                    found);
  }
}

}  // namespace

std::string field_name(const std::string& pointer) {
  if (pointer.empty()) return "文件顶层";
  auto unescape = [](std::string token) {
    std::string out;
    for (std::size_t i = 0; i < token.size(); ++i) {
      if (token[i] == '~' && i + 1 < token.size()) {
        out += token[i + 1] == '1' ? '/' : '~';
        ++i;
      } else {
        out += token[i];
      }
    }
    return out;
  };
  auto slash = pointer.rfind('/');
  std::string last = unescape(pointer.substr(slash + 1));
  bool index = !last.empty() && last.find_first_not_of("0123456789") == std::string::npos;
  if (!index) return last;
  std::string parent = pointer.substr(0, slash);
  std::string number = std::to_string(std::stoull(last.substr(0, 18)) + 1);
  return (parent.empty() ? std::string("列表") : field_name(parent)) + " 第 " + number + " 项";
}

std::string id_mismatch(const std::string& id, const std::filesystem::path& file) {
  return "id: " + id + " 与文件名 " + file.filename().string() + " 不一致：id 须等于文件名（不含 " +
         file.extension().string() + "），请修改其中之一";
}

Diagnostics YamlDocument::validate(const nlohmann::json& schema_json) const {
  valijson::Schema schema;
  valijson::SchemaParser parser;
  valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_json);
  parser.populateSchema(schema_adapter, schema);

  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(json_);
  Diagnostics out;
  if (validator.validate(schema, target, &results)) return out;

  std::set<std::string> seen;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    const std::string& d = error.description;
    // valijson also reports every enclosing array item and property, and, after the errors of
    // its branches, each oneOf/anyOf that no branch passed; keep the leaf causes.
    if (d.rfind("Failed to validate item", 0) == 0 ||
        d.rfind("Failed to validate against schema associated with property", 0) == 0 ||
        d.rfind("Failed to validate against child schema", 0) == 0 ||
        d.rfind("Failed to validate against additional properties schema", 0) == 0 ||
        d.rfind("Failed to validate against any child schemas allowed by oneOf", 0) == 0 ||
        d.rfind("Failed to validate against any schemas allowed by anyOf", 0) == 0)
      continue;
    std::string pointer = context_pointer(error.context);
    const nlohmann::json* value = nullptr;
    try {
      value = &json_.at(nlohmann::json::json_pointer(pointer));
    } catch (const std::exception&) {
    }
    const nlohmann::json* node = schema_at(schema_json, &schema_json, json_, pointer);
    std::string field = field_name(pointer);
    std::string shown = this->shown(pointer, value);
    bool type = d.find("'type'") != std::string::npos;
    bool bound = d.rfind("Expected number", 0) == 0;  // minimum, maximum
    std::optional<IntegerRange> range;
    if (type || bound) range = integer_range(schema_json, node);
    auto count = [&](const std::string& text) {
      // "Array should contain no fewer than 1 elements." -> "1"
      auto digit = text.find_first_of("0123456789");
      if (digit == std::string::npos) return std::string("?");
      return text.substr(digit, text.find_first_not_of("0123456789", digit) - digit);
    };
    std::size_t size = value && (value->is_array() || value->is_object()) ? value->size() : 0;
    Diagnostic diag;
    if (d.find("additionalProperties") != std::string::npos) {
      std::string key = quoted_name(d);
      diag = at_key(pointer, key,
                    "未知的键“" + key + "”" + suggestion(schema_json, json_, pointer, key));
    } else if (d.rfind("Missing required property", 0) == 0) {
      std::string key = quoted_name(d);
      // "deadline 缺少…", "one_of 第 3 项缺少…", "文件缺少…"
      bool item = field.size() >= 3 && field.compare(field.size() - 3, 3, "项") == 0;
      diag = at(pointer, (pointer.empty() ? std::string("文件") : field + (item ? "" : " ")) +
                             "缺少必填的键“" + key + "”：请补上 " + key + ": …");
    } else if (d.find("'pattern'") != std::string::npos || d.find("regex") != std::string::npos) {
      std::string form = described(schema_json, json_, pointer);
      diag = at(pointer, shown + " 格式不对" +
                             (form.empty() ? std::string("：请对照说明文档改正")
                                           : "：" + then("须为", form)));
    } else if (range) {
      // A branch besides the integer one takes objects: its own errors say what is wrong.
      if (type && !range->only && value && value->is_object()) continue;
      // One message, whatever failed (type, minimum, maximum) in however many branches.
      diag = at(pointer, range_message(shown, value, quoted(pointer), *range));
    } else if (type) {
      std::string wanted = expected_types(schema_json, node);
      std::string found = value && (value->is_object() || value->is_array())
                              ? "写的是" + kind_of(*value) + "，"
                              : "";
      // A text of a given form (cutoff: HH:MM) says the form too.
      std::string form = described(schema_json, json_, pointer);
      diag = at(pointer, shown + " 类型不对：" + found +
                             (wanted.empty() ? std::string("请对照说明文档改正")
                                             : then("须为", wanted) +
                                                   (form.empty() ? "" : then("，即", form))));
    } else if (d.rfind("Failed to match against any enum values", 0) == 0) {
      std::vector<std::string> choices;
      if (const nlohmann::json* n = resolve(schema_json, node);
          n && n->is_object() && n->contains("enum"))
        for (const auto& e : (*n)["enum"])
          choices.push_back(e.is_string() ? e.get<std::string>() : e.dump());
      diag = at(pointer, shown + " 不是可选的值" +
                             (choices.empty() ? std::string("：请对照说明文档改正")
                                              : "：请改为以下之一：" + listed(choices)));
    } else if (d.rfind("Array should contain no fewer than", 0) == 0 ||
               d.rfind("Object should have no fewer than", 0) == 0) {
      std::string n = count(d);
      diag = at(pointer, size == 0 ? field + " 不能为空：至少要写 " + n + " 项"
                                   : field + " 至少要有 " + n + " 项，现有 " +
                                         std::to_string(size) + " 项：请补上");
    } else if (d.rfind("Array should contain no more than", 0) == 0 ||
               d.rfind("Object should have no more than", 0) == 0) {
      diag = at(pointer,
                field + " 最多 " + count(d) + " 项，现有 " + std::to_string(size) + " 项：请删减");
    } else if (d.rfind("String should be no fewer than", 0) == 0) {
      std::string n = count(d);
      diag = at(pointer,
                n == "1" ? field + " 不能为空：请填写" : shown + " 太短：至少 " + n + " 个字符");
    } else if (d.rfind("String should be no more than", 0) == 0) {
      diag = at(pointer, field + " 太长：最多 " + count(d) + " 个字符，请缩短");
    } else if (d.rfind("Elements at indexes", 0) == 0) {
      diag = at(pointer, field + " 中有重复的项：请删除重复的");
    } else {
      // A kind of constraint the bundled schemas hardly use: valijson's own words follow.
      diag = at(pointer, shown + " 不符合文件格式的要求：请对照说明文档改正 (" + d + ")");
    }
    if (seen.insert(diag.format()).second) out.push_back(std::move(diag));
  }
  std::vector<UnknownName> names;
  unknown_names(schema_json, &schema_json, json_, "", names);
  for (const auto& name : names) {
    Diagnostic diag = at_key(name.pointer, name.key,
                             "未知的键“" + name.key + "”" + closest(name.key, name.allowed));
    if (seen.insert(diag.format()).second) out.push_back(std::move(diag));
  }
  if (out.empty())  // refused, but valijson gave no reason
    out.push_back(at("", "文件不符合格式要求：请对照说明文档改正 (the schema refused it)"));
  return out;
}

std::optional<int> YamlDocument::integer(const std::string& pointer, int min, int max,
                                         Diagnostics& out) const {
  const nlohmann::json* value = nullptr;
  try {
    value = &json_.at(nlohmann::json::json_pointer(pointer));
  } catch (const nlohmann::json::exception&) {
  }
  // Compared in 64 bits, before any narrowing.
  std::optional<std::int64_t> number;
  if (value && value->is_number_unsigned()) {
    if (value->get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX))
      number = static_cast<std::int64_t>(value->get<std::uint64_t>());
  } else if (value && value->is_number_integer()) {
    number = value->get<std::int64_t>();
  }
  if (number && *number >= min && *number <= max) return static_cast<int>(*number);
  out.push_back(at(pointer, range_message(shown(pointer, value), value, quoted(pointer),
                                          {std::to_string(min), std::to_string(max), "", true})));
  return std::nullopt;
}

}  // namespace keydesk::internal
