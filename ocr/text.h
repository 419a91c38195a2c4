// Text as OCR and people write it (UTF-8 is common/utf8.h): names compared after folding full-width
// characters and bracket styles, and distances for telling an OCR slip from a different name.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/utf8.h"

namespace keydesk::ocr {

// A name for comparison: full-width ASCII (Ａ１（）) folded to ASCII, every bracket style
// (（）【】〔〕[]《》〈〉) to (), spaces, middle dots and colons dropped, Latin letters
// upper-cased. "北京示例（上海）有限公司" and "北京示例(上海)有限公司 " compare equal.
std::u32string normalise_name(std::string_view name);

// Code points to change (Levenshtein) to turn `a` into `b`.
size_t edit_distance(std::u32string_view a, std::u32string_view b);

// Characters OCR confuses in codes folded: full-width to ASCII, upper case, spaces dropped.
std::string fold_code_text(std::string_view text);

// Where `needle` best matches inside `haystack` (semi-global alignment: the match may start and
// end anywhere in the haystack). Returns the edit distance; *begin/*end (optional) get the
// matched haystack range [begin, end).
size_t best_substring_distance(std::u32string_view haystack, std::u32string_view needle,
                               size_t* begin = nullptr, size_t* end = nullptr);

// The share of a company's name that may be read otherwise with the name still found: one
// character in ten (OCR's slips; another company's name differs in its brand). The checks
// (engine/verify.cpp) allow it, and the reader (ocr/internal) takes a second reading by it.
constexpr double kCompanyNameSlack = 0.1;

// 1 − distance / needle length: 1 when `needle` occurs in `haystack` as it is.
double substring_similarity(std::u32string_view haystack, std::u32string_view needle,
                            size_t* begin = nullptr, size_t* end = nullptr);

// `text` without the marks (brackets aside) that stand alone between two Chinese characters: a
// spread label's or name's gap read as a mark (名”称, 苏，雪). `at` (optional) gets where each kept
// character is in `text`.
std::u32string without_inner_marks(std::u32string_view text, std::vector<size_t>* at = nullptr);

// substring_similarity of `needle` in `haystack` without its inner marks (a label read 名”称),
// with [*begin, *end) where the match stands in `haystack` itself. 0 when `haystack` holds no
// inner mark, or the match is empty.
double similarity_without_inner_marks(std::u32string_view haystack, std::u32string_view needle,
                                      size_t* begin, size_t* end);

// The signature label `label` (normalised) in the row text `row` (normalised): read with a slip
// in three characters or fewer, or, when the signature itself has struck through the label's
// "(签字)" (授权用户(和冯7宁波), the label's stem up to its bracket read whole.
struct SignatureLabelMatch {
  size_t begin = 0, end = 0;  // the matched range of `row`
  double similarity = 0;      // of the whole label; the threshold for a stem
  size_t stands_for = 0;      // label characters after a stem, which it stands for (0: whole)
};
std::optional<SignatureLabelMatch> find_signature_label(std::u32string_view row,
                                                        std::u32string_view label);

}  // namespace keydesk::ocr
