// The document type of a page: the vocabulary of rules/documents.yaml (title words and labels),
// whose known pairs of characters also tell which way up a page reads, and the type whose title
// words (or body words) the rows read hold, weighted toward large text near the top.
#include "ocr/internal/analyzer.h"

#include <algorithm>
#include <cstdint>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "ocr/codes.h"
#include "ocr/text.h"

namespace keydesk::ocr {

using internal::ReadRow;

int ScanAnalyzer::Impl::vocabulary_score(const std::vector<ReadRow>& rows) const {
  // Pairs of characters, not single ones: junk read from a page on its side is full of common
  // single characters, but seldom two that make a word of the documents.
  // And a row of fifteen digits or more (an ID number, a licence's number) counts as two: turned
  // over or on its side, most digits read as letters and marks (7 as L, 3 as E, 4 as h), so a
  // long run of digits says the way up as words do. A small ID card's number often reads
  // when its words do not.
  constexpr size_t kDigitRun = 15;
  int known = 0;
  for (const ReadRow& r : rows) {
    size_t run = 0;
    bool long_run = false;
    for (size_t i = 0; i < r.folded.size(); ++i) {
      const char32_t c = r.folded[i];
      run = (c >= U'0' && c <= U'9') || (c == U'X' && run > 0) ? run + 1 : 0;
      long_run = long_run || run >= kDigitRun;
      if (i > 0) known += vocabulary.count(pair_key(r.folded[i - 1], c)) ? 1 : 0;
    }
    if (long_run) known += 2;
  }
  return known;
}

void ScanAnalyzer::Impl::add_vocabulary(const std::string& word) {
  std::u32string w = normalise_name(word);
  for (size_t i = 1; i < w.size(); ++i) vocabulary.insert(pair_key(w[i - 1], w[i]));
}

std::uint64_t ScanAnalyzer::Impl::pair_key(char32_t a, char32_t b) {
  return (static_cast<std::uint64_t>(a) << 32) | static_cast<std::uint64_t>(b);
}

void ScanAnalyzer::Impl::classify(const std::vector<ReadRow>& rows, int page_height,
                                  ScanResult& result) const {
  // Rows are kept apart by a mark no word holds, so that no word is found across two rows
  // (营业 of a title and 照 of 证照编号 read next are not 营业执照).
  constexpr char32_t kApart = U'\n';
  std::u32string all;
  for (const ReadRow& r : rows) all += r.folded + kApart;
  // Titles are large and near the top; a title word found there counts for more than the
  // same word quoted in a paragraph.
  std::vector<int> heights;
  for (const ReadRow& r : rows) heights.push_back(r.box.h);
  std::sort(heights.rbegin(), heights.rend());
  int tall = heights.size() > 2 ? heights[2] : (heights.empty() ? 0 : heights.back());
  std::u32string prominent;
  for (const ReadRow& r : rows)
    if (r.box.h >= tall || r.box.y < page_height / 4) prominent += r.folded + kApart;
  // The values some types' bodies hold (DocumentType::body_codes): an ID number that passes its
  // check (its run of 18 read as a code: O as 0), and an ID card's period of validity.
  const std::string page_text = encode_utf8(all);
  bool holds_id_number = false;
  for (size_t i = 0; i < all.size() && !holds_id_number;) {
    size_t j = i;
    while (j < all.size() && internal::is_code_char(all[j])) ++j;
    for (size_t k = i; k + 18 <= j && !holds_id_number; ++k)
      holds_id_number =
          check_id_number(fold_id_number(encode_utf8(all.substr(k, 18))), "99991231").valid;
    i = j + 1;
  }
  static const std::regex validity(
      R"(\d{4}[.\-]\d{2}[.\-]\d{2}.{0,3}?(\d{4}[.\-]\d{2}[.\-]\d{2}|长期))");
  const bool holds_validity = std::regex_search(page_text, validity);
  for (const DocumentType& type : types) {
    double score = 0;
    for (const std::string& word : type.title_words) {
      std::u32string needle = normalise_name(word);
      double in_title = substring_similarity(prominent, needle);
      double anywhere = substring_similarity(all, needle) * 0.85;
      // Longer title words say more than short ones.
      double weight = std::min(1.0, 0.6 + 0.1 * static_cast<double>(needle.size()));
      score = std::max(score, std::max(in_title, anywhere) * weight);
    }
    // Words of the body only this type holds stand in for a title read badly (a decorative
    // licence title, a seal across it): two of them are as good as a title word read with
    // slips, never as good as one read cleanly.
    int body = 0;
    for (const std::string& word : type.body_words)
      body += substring_similarity(all, normalise_name(word)) >= 0.85 ? 1 : 0;
    for (const std::string& kind : type.body_codes)
      body += (kind == "id_number" && holds_id_number) || (kind == "validity" && holds_validity);
    if (body >= 2) score = std::max(score, std::min(0.85, 0.7 + 0.05 * body));
    for (const std::string& word : type.exclusive_words)
      if (substring_similarity(all, normalise_name(word)) >= 0.9) score *= 0.3;
    if (score > result.type_score) {
      result.type_score = score;
      result.detected_type = type.id;
    }
  }
  if (result.type_score < 0.7) result.detected_type.clear();
}

const DocumentType* ScanAnalyzer::Impl::type_named(std::string_view id) const {
  for (const DocumentType& t : types)
    if (t.id == id) return &t;
  return nullptr;
}

}  // namespace keydesk::ocr
