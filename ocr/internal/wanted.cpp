// What reading a page still looks for (wanted.h): values seen in the rows read (a code within
// one character of the form's, or repaired to it), labels seen and the rows their values may
// still be on, signature labels seen, and which skimmed rows are worth reading again.
#include "ocr/internal/wanted.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "ocr/codes.h"
#include "ocr/text.h"

namespace keydesk::ocr {

using internal::is_cjk;
using internal::is_code_char;
using internal::kCellChars;
using internal::ReadRow;
using internal::value_after;

namespace {

// Whether the folded text (Latin letters upper case) from `from` on starts, past separators,
// with a Latin word of 4 letters or more.
bool latin_follows(const std::u32string& text, size_t from) {
  auto latin = [](char32_t cp) { return cp >= U'A' && cp <= U'Z'; };
  while (from < text.size() && !is_cjk(text[from]) && !latin(text[from])) ++from;
  size_t letters = 0;
  while (from + letters < text.size() && latin(text[from + letters])) ++letters;
  return letters >= 4;
}

// `label` is in `text`: a short one (≤ 3 characters) with `short_similarity`, a longer one with a
// slip in a third; *begin, *end (optional) get where.
bool holds_label(const std::u32string& text, const std::u32string& label, double short_similarity,
                 size_t* begin = nullptr, size_t* end = nullptr) {
  if (label.empty() || text.size() + 1 < label.size()) return false;
  const double least = label.size() <= 3 ? short_similarity : 0.65;
  if (substring_similarity(text, label, begin, end) >= least) return true;
  // A spread label's gap read as a mark (名”称 on a licence, its name read whole after it).
  size_t b = 0, e = 0;
  if (similarity_without_inner_marks(text, label, &b, &e) < least) return false;
  if (begin) *begin = b;
  if (end) *end = e;
  return true;
}

}  // namespace

ScanAnalyzer::Impl::Wanted::Wanted(const ScanHints& hints, const DocumentType* expected) {
  uscc.target = decode_utf8_lossy(hints.uscc);
  id.target = decode_utf8_lossy(hints.id_number);
  company.target = normalise_name(hints.company_name);
  applicant.target = normalise_name(hints.person_name);
  for (Value* v : {&uscc, &id, &company, &applicant}) v->wanted = !v->target.empty();
  if (!expected) return;
  auto fold = [](const std::vector<std::string>& labels) {
    std::vector<std::u32string> out;
    for (const std::string& l : labels) out.push_back(normalise_name(l));
    return out;
  };
  for (const auto& [signer, labels] : expected->signature_labels)
    signatures.push_back(fold(labels));
  uscc.labels = fold(expected->uscc_labels);
  id.labels = fold(expected->id_labels);
  company.labels = fold(expected->name_labels);
  applicant.labels = fold(expected->person_labels);
  others = fold(expected->other_labels);
  titles = fold(expected->title_words);
  tick_items = fold(expected->tick_items);
  ticks_wanted = !tick_items.empty();
  tick_items_seen.assign(tick_items.size(), false);
}

void ScanAnalyzer::Impl::Wanted::see_codes(const std::u32string& codes,
                                           const std::u32string& folded) {
  // Within one character of the form's value counts as seen: the checks take that as an OCR
  // slip too (engine/verify.cpp).
  for (Value* v : {&uscc, &id})
    if (v->wanted && best_substring_distance(codes, v->target) <= 1) found(*v);
  for (size_t i = 0; i < folded.size() && (uscc.wanted || id.wanted); ++i) {
    size_t j = i;
    while (j < folded.size() && is_code_char(folded[j])) ++j;
    if (j - i >= 15) {
      std::string run = encode_utf8(folded.substr(i, j - i));
      auto repaired_to = [&run](const std::vector<std::string>& candidates, const Value& v) {
        return std::find(candidates.begin(), candidates.end(), encode_utf8(v.target)) !=
               candidates.end();
      };
      if (uscc.wanted && repaired_to(repair_uscc(run), uscc)) found(uscc);
      if (id.wanted && repaired_to(repair_id_number(run, "99991231"), id)) found(id);
    }
    i = j;
  }
}

void ScanAnalyzer::Impl::Wanted::see_values(const ReadRow& row) {
  const std::u32string codes = decode_utf8_lossy(fold_code_text(row.read.text));
  see_codes(codes, row.folded);
  // The previous row's closing code characters joined to this row, the line under it: a code a
  // line end parted is seen where it ends, not given up on rows later.
  const Box& above = code_tail_row;
  if (codes_wanted() && !code_tail.empty() && row.box.y >= above.y + above.h / 2 &&
      row.box.y <= above.bottom() + 2 * above.h && row.box.x < above.right() &&
      row.box.right() > above.x) {
    const std::u32string joined = code_tail + codes;
    see_codes(joined, joined);
  }
  size_t tail = codes.size();
  while (tail > 0 && internal::is_code_char(codes[tail - 1])) --tail;
  code_tail = codes.substr(tail);
  code_tail_row = row.box;
  if (company.wanted && substring_similarity(row.folded, company.target) >= 0.9) found(company);
  if (applicant.wanted && substring_similarity(row.folded, applicant.target) >= 1.0)
    found(applicant);
}

void ScanAnalyzer::Impl::Wanted::see(const ReadRow& row) {
  see_values(row);
  // A row read as one letter, digit or character at most (a speck, a rule's end, a stroke at the
  // page's edge) holds no value: it uses up no label's rows. Such bits at the far end of a
  // label's line came before the value's row below it, and the value was given up on.
  const auto characters = std::count_if(row.folded.begin(), row.folded.end(), [](char32_t c) {
    return internal::is_cjk(c) || (c < 0x80 && std::isalnum(static_cast<int>(c)));
  });
  for (Value* v : {&uscc, &id, &company, &applicant}) {
    if (!v->wanted) continue;
    if (characters > 1 && v->grace > 0) {
      --v->grace;
    } else if (characters > 1 && v->grace == 0) {
      // Its labels that row held are spent, and with them their longer forms (名称 read, 企业名称
      // is the same label: a licence prints one of them, and a licence whose name is not the
      // form's was read to its last row for the other); another may still come.
      std::vector<std::u32string> spent;
      for (const std::u32string& label : v->labels)
        if (holds_label(v->label_row, label, 1.0)) spent.push_back(label);
      std::erase_if(v->labels, [&spent](const std::u32string& label) {
        return std::any_of(spent.begin(), spent.end(),
                           [&label](const std::u32string& s) { return label.ends_with(s); });
      });
      v->grace = -1;
      v->wanted = !v->labels.empty();
    }
    // Short labels (名称) must be read whole; longer ones may have a slip in a third.
    size_t label_begin = 0, label_end = 0;
    if (v->grace < 0 && has_label(*v, row, 1.0, &label_begin, &label_end)) {
      label_box = internal::glyph_span(row, label_begin, label_end);
      if (label_box.w <= 0) label_box = row.box;
      v->label_row = row.folded;
      // A value read after its label on the same row (a slip keeps it from matching) has
      // two more rows read to show up on; a label alone, three (its cell, a second line).
      auto [begin, end] = value_after(row, label_end);
      const size_t least = v == &company ? 4 : v == &applicant ? 2 : 15;
      v->grace = end - begin >= least ? 1 : 2;
      ++hits;
    }
  }
  // The tick list: its items but one (a form prints all but the odd old one, on one line or
  // parted where a marked box stands taller than the print).
  if (ticks_wanted) {
    size_t seen = 0;
    const std::vector<size_t> at = internal::locate_tick_items(row.folded, tick_items);
    for (size_t i = 0; i < tick_items.size(); ++i) {
      if (!tick_items_seen[i] && at[i] != std::u32string::npos) tick_items_seen[i] = true, ++hits;
      seen += tick_items_seen[i];
    }
    ticks_wanted = seen + 1 < tick_items.size();
  }
  hits +=
      static_cast<int>(std::erase_if(signatures, [&row](const std::vector<std::u32string>& labels) {
        return std::any_of(labels.begin(), labels.end(), [&row](const std::u32string& label) {
          return find_signature_label(row.folded, label).has_value();
        });
      }));
}

bool ScanAnalyzer::Impl::Wanted::expecting() const {
  auto values = {&uscc, &id, &company, &applicant};
  return std::any_of(values.begin(), values.end(),
                     [](const Value* v) { return v->wanted && v->grace >= 0; });
}

bool ScanAnalyzer::Impl::Wanted::worth_rereading(const ReadRow& row) const {
  if (!near_label(row)) return false;
  for (const std::u32string& title : titles)
    if (row.folded.size() <= title.size() + 1 && substring_similarity(row.folded, title) >= 0.8)
      return false;
  for (const Value* v : {&uscc, &id, &company, &applicant}) {
    if (!v->wanted || v->grace >= 0) continue;
    for (const std::u32string& label : v->labels) {
      size_t begin = 0, end = 0;
      if (!label.empty() && substring_similarity(row.folded, label, &begin, &end) >= 1.0 &&
          begin <= 1 && end + 1 >= row.folded.size())
        return false;
    }
  }
  return true;
}

bool ScanAnalyzer::Impl::Wanted::tick_items_worth_rereading(const ReadRow& row) const {
  if (!ticks_wanted) return false;
  const std::vector<size_t> at = internal::locate_tick_items(row.folded, tick_items);
  size_t found = 0, clean = 0;
  for (size_t i = 0; i < at.size(); ++i) {
    if (at[i] == std::u32string::npos) continue;
    ++found;
    // Read clean: the item as printed, its box read as a character of its own before it.
    bool boxed = at[i] > 0;
    for (size_t j = 0; j < at.size() && boxed; ++j)
      boxed =
          at[j] == std::u32string::npos || at[j] >= at[i] || at[j] + tick_items[j].size() < at[i];
    clean += boxed && row.folded.compare(at[i], tick_items[i].size(), tick_items[i]) == 0;
  }
  return found >= 2 && clean + 1 < tick_items.size();
}

bool ScanAnalyzer::Impl::Wanted::near_label(const ReadRow& row) const {
  for (const Value* v : {&uscc, &id, &company, &applicant})
    if (v->wanted && v->grace < 0 &&
        has_label(*v, row, row.folded.size() <= kCellChars ? 0.5 : 1.0))
      return true;
  return false;
}

bool ScanAnalyzer::Impl::Wanted::has_label(const Value& v, const ReadRow& row,
                                           double short_similarity, size_t* label_begin,
                                           size_t* label_end) const {
  for (const std::u32string& label : v.labels) {
    size_t begin = 0, end = 0;
    if (!holds_label(row.folded, label, short_similarity, &begin, &end)) continue;
    if ((&v == &company || &v == &applicant) && latin_follows(row.folded, end)) continue;
    if (label_begin) *label_begin = begin;
    if (label_end) *label_end = end;
    return true;
  }
  return false;
}

std::string ScanAnalyzer::Impl::Wanted::describe() const {
  std::string out;
  for (auto [v, what] : {std::pair{&uscc, " uscc"},
                         {&id, " id_number"},
                         {&company, " name"},
                         {&applicant, " person"}})
    if (v->wanted) out += what;
  if (ticks_wanted) out += " ticks";
  return signatures.empty() ? out : out + " signature";
}

void ScanAnalyzer::Impl::Wanted::found(Value& v) {
  v.wanted = false;
  ++hits;
}

bool ScanAnalyzer::Impl::Wanted::other_label_leads(const ReadRow& row) const {
  for (const std::u32string& label : others) {
    size_t begin = 0;
    double similarity = substring_similarity(row.folded, label, &begin, nullptr);
    if (begin > 1 || similarity < (label.size() <= 3 ? 1.0 : 0.75)) continue;
    for (const Value* v : {&uscc, &id, &company, &applicant})
      if (v->wanted && has_label(*v, row, 1.0)) return false;
    return true;
  }
  return false;
}

}  // namespace keydesk::ocr
