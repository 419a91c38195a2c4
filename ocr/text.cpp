#include "ocr/text.h"

#include <algorithm>
#include <cctype>
#include <numeric>

#include "ocr/internal/rows.h"

namespace keydesk::ocr {

namespace {

char32_t fold_width(char32_t cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) return cp - 0xFEE0;  // full-width ASCII
  if (cp == 0x3000) return U' ';
  return cp;
}

}  // namespace

std::u32string normalise_name(std::string_view name) {
  std::u32string out;
  for (char32_t cp : decode_utf8_lossy(name)) {
    cp = fold_width(cp);
    switch (cp) {
      // 《 and 〈 too: no company's name holds them, and Tesseract reads a bold （ as 《.
      case U'【':
      case U'〔':
      case U'[':
      case U'{':
      case U'〖':
      case U'《':
      case U'〈':
        cp = U'(';
        break;
      case U'】':
      case U'〕':
      case U']':
      case U'}':
      case U'〗':
      case U'》':
      case U'〉':
        cp = U')';
        break;
      default:
        break;
    }
    if (cp == U' ' || cp == U'\t' || cp == U'\n' || cp == U'·' || cp == U'•' || cp == U'・' ||
        cp == U':' || cp == U'_')
      continue;
    if (cp >= U'a' && cp <= U'z') cp = cp - U'a' + U'A';
    out.push_back(cp);
  }
  return out;
}

size_t edit_distance(std::u32string_view a, std::u32string_view b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), size_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string fold_code_text(std::string_view text) {
  std::string out;
  for (char32_t cp : decode_utf8_lossy(text)) {
    cp = fold_width(cp);
    if (cp >= U'a' && cp <= U'z') cp = cp - U'a' + U'A';
    if (cp < 0x80 && cp != U' ')
      out += static_cast<char>(cp);
    else if (cp >= 0x80)
      out += encode_utf8(std::u32string(1, cp));
  }
  return out;
}

std::u32string without_inner_marks(std::u32string_view text, std::vector<size_t>* at) {
  using internal::is_cjk;
  auto alnum = [](char32_t c) { return c < 0x80 && std::isalnum(static_cast<int>(c)); };
  std::u32string kept;
  if (at) at->clear();
  for (size_t i = 0; i < text.size(); ++i) {
    const bool bracket = text[i] == U'(' || text[i] == U')' || text[i] == U'（' || text[i] == U'）';
    const bool mark = !is_cjk(text[i]) && !alnum(text[i]) && !bracket && i > 0 &&
                      i + 1 < text.size() && is_cjk(text[i - 1]) && is_cjk(text[i + 1]);
    if (mark) continue;
    kept += text[i];
    if (at) at->push_back(i);
  }
  return kept;
}

double similarity_without_inner_marks(std::u32string_view haystack, std::u32string_view needle,
                                      size_t* begin, size_t* end) {
  std::vector<size_t> at;  // where each character of `kept` is in `haystack`
  const std::u32string kept = without_inner_marks(haystack, &at);
  if (kept.size() == haystack.size()) return 0;
  size_t b = 0, e = 0;
  const double similarity = substring_similarity(kept, needle, &b, &e);
  if (e <= b) return 0;
  *begin = at[b], *end = at[e - 1] + 1;
  return similarity;
}

size_t best_substring_distance(std::u32string_view haystack, std::u32string_view needle,
                               size_t* begin, size_t* end) {
  const size_t n = haystack.size(), m = needle.size();
  if (m == 0) {
    if (begin) *begin = 0;
    if (end) *end = 0;
    return 0;
  }
  // cost[i][j]: distance of needle[0..i) against a haystack substring ending at j; start[i][j]
  // where that substring begins. Row 0 is free everywhere (the match may start anywhere).
  std::vector<size_t> cost(n + 1, 0), start(n + 1), next_cost(n + 1), next_start(n + 1);
  for (size_t j = 0; j <= n; ++j) start[j] = j;
  for (size_t i = 1; i <= m; ++i) {
    next_cost[0] = i;
    next_start[0] = 0;
    for (size_t j = 1; j <= n; ++j) {
      size_t substitute = cost[j - 1] + (needle[i - 1] == haystack[j - 1] ? 0 : 1);
      size_t skip_needle = cost[j] + 1;
      size_t skip_haystack = next_cost[j - 1] + 1;
      if (substitute <= skip_needle && substitute <= skip_haystack) {
        next_cost[j] = substitute;
        next_start[j] = start[j - 1];
      } else if (skip_needle <= skip_haystack) {
        next_cost[j] = skip_needle;
        next_start[j] = start[j];
      } else {
        next_cost[j] = skip_haystack;
        next_start[j] = next_start[j - 1];
      }
    }
    std::swap(cost, next_cost);
    std::swap(start, next_start);
  }
  size_t best = 0;
  for (size_t j = 1; j <= n; ++j)
    if (cost[j] < cost[best]) best = j;
  if (begin) *begin = start[best];
  if (end) *end = best;
  return cost[best];
}

double substring_similarity(std::u32string_view haystack, std::u32string_view needle, size_t* begin,
                            size_t* end) {
  if (needle.empty()) return 0;
  size_t distance = best_substring_distance(haystack, needle, begin, end);
  return 1.0 - static_cast<double>(distance) / static_cast<double>(needle.size());
}

std::optional<SignatureLabelMatch> find_signature_label(std::u32string_view row,
                                                        std::u32string_view label) {
  constexpr double kSimilar = 0.7;
  if (label.empty()) return std::nullopt;
  SignatureLabelMatch match;
  if (row.size() + 1 >= label.size()) {
    match.similarity = substring_similarity(row, label, &match.begin, &match.end);
    if (match.similarity >= kSimilar) return match;
  }
  // The stem: three characters at least before the bracket (授权用户( , not 人( ), read whole,
  // or with one slip when it has four or more; the bracket itself must follow it.
  const size_t bracket = label.find(U'(');
  if (bracket == std::u32string_view::npos || bracket < 3) return std::nullopt;
  const std::u32string_view stem = label.substr(0, bracket);
  const size_t slips = stem.size() >= 4 ? 1 : 0;
  // Each place the row holds a bracket, the stem right before it. Tesseract reads a （ on a page
  // as “, 《 or 〈 too (授权用户“记忆 for 授权用户（签字）： under a seal's edge), or as a comma
  // (授权用户，资名， for 授权用户（签名）：, its print parted from the hand after it): a comma
  // only where the row ends within the characters the stem stands for, none a bracket (the same
  // words in a letter's body go on: 授权用户，代表我单位办理…).
  constexpr std::u32string_view kOpening = U"(“《〈，,";
  const size_t rest_of_label = label.size() - (bracket + 1);
  for (size_t open = row.find_first_of(kOpening); open != std::u32string_view::npos;
       open = row.find_first_of(kOpening, open + 1)) {
    if (open + slips < stem.size()) continue;
    if ((row[open] == U'，' || row[open] == U',') &&
        (row.size() - (open + 1) > rest_of_label ||
         row.substr(open + 1).find_first_of(U"(（") != std::u32string_view::npos))
      continue;
    const size_t take = std::min(open, stem.size() + slips);
    const std::u32string_view before = row.substr(open - take, take);
    size_t begin = 0, end = 0;
    if (best_substring_distance(before, stem, &begin, &end) > slips || end != before.size())
      continue;
    match.begin = open - before.size() + begin;
    match.end = open + 1;
    match.similarity = kSimilar;
    match.stands_for = rest_of_label;
    return match;
  }
  return std::nullopt;
}

}  // namespace keydesk::ocr
