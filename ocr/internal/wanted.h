// What reading a page still looks for (ScanAnalyzer::Impl::Wanted): the values the form gives
// (ScanHints), the labels they follow and the signature labels of the expected type, so that
// ScanAnalyzer::analyse stops reading rows once each has been seen, or given up on.
#pragma once

#include <string>
#include <vector>

#include "ocr/internal/analyzer.h"
#include "ocr/internal/rows.h"
#include "ocr/scan.h"

namespace keydesk::ocr {

// What reading still looks for: the hinted values and the signature labels of the expected type.
// A value whose label has been read but that is not on the label's row or the next two
// (handwriting, a seal over it) is given up on: the rest of the page will not hold it either,
// unless the type names it under another label the row did not hold (a certificate's
// 进出口企业代码 at its head and 统一社会信用代码 in its body).
struct ScanAnalyzer::Impl::Wanted {
  struct Value {
    std::u32string target;  // as the form gives it (codes) or normalised (names)
    std::vector<std::u32string> labels;
    bool wanted = false;
    int grace = -1;            // rows left after its label was read; -1 before
    std::u32string label_row;  // the row its label was last read on, normalised
  };
  // Where the label of the value last expected was read (its glyphs, not its row: a row may run
  // on over the value cell's second line, 统一社会信用代码 | 91330203MAMN / D31Y1R).
  Box label_box;
  Wanted(const ScanHints& hints, const DocumentType* expected);
  // `codes`: text read, folded as a code is (O → 0, …); `folded`: the same normalised as names.
  void see_codes(const std::u32string& codes, const std::u32string& folded);
  // The values `row` holds.
  void see_values(const internal::ReadRow& row);
  // The values and labels `row` holds, one more row read.
  void see(const internal::ReadRow& row);
  // Only signature labels are still wanted: they sit at the foot of a page.
  bool values_done() const {
    return !uscc.wanted && !id.wanted && !company.wanted && !applicant.wanted && !ticks_wanted;
  }
  bool codes_wanted() const { return uscc.wanted || id.wanted; }
  bool names_wanted() const { return company.wanted || applicant.wanted; }
  // A value's label has been read and the value not yet: the rows now read may hold it.
  bool expecting() const;
  // A skimmed row worth reading again at full width: it may hold the label of a value looked
  // for (and so the value after it). Not when all it holds is the label, read whole (a label
  // alone in its cell: the value is in the cells read next), or the document's title.
  bool worth_rereading(const internal::ReadRow& row) const;
  // A skimmed row that holds two items of the tick list or more, while it is looked for, and
  // not all but one of them read clean (as printed, a box read before each): its boxes and marks
  // are read at full width. A clean skim is as good (40 ms a form on the bench set).
  bool tick_items_worth_rereading(const internal::ReadRow& row) const;
  // The label of a value looked for may be on `row`: half of a short one (姓名) on a short row
  // will do.
  bool near_label(const internal::ReadRow& row) const;
  // One of `v`'s labels is on `row`: a short one (≤ 3 characters) with `short_similarity`, a
  // longer one with a slip in a third. A name's label followed by Latin words is another label
  // (经营者英文名称, not 中文名称).
  bool has_label(const Value& v, const internal::ReadRow& row, double short_similarity,
                 size_t* label_begin = nullptr, size_t* label_end = nullptr) const;
  bool all_seen() const { return values_done() && signatures.empty(); }
  std::string describe() const;
  void found(Value& v);
  Value uscc, id, company, applicant;
  int hits = 0;  // values, labels and signature labels found so far
  std::vector<std::vector<std::u32string>> signatures;  // labels, normalised, per signer
  std::vector<std::u32string> others;                   // labels of values not looked for
  std::vector<std::u32string> titles;                   // the expected type's title words
  std::vector<std::u32string> tick_items;               // its tick list's items, normalised
  bool ticks_wanted = false;                            // the tick list not yet read
  std::vector<bool> tick_items_seen;
  // The code characters closing the last row seen, and that row: a code a line end parted in
  // running text (…身份证号码：3101151972081829 / 29）为我单位…) is seen on its next line.
  std::u32string code_tail;
  Box code_tail_row;

  // `row` begins with the label of a value nobody looks for (注册资本…), and holds no label of
  // one looked for.
  bool other_label_leads(const internal::ReadRow& row) const;
};

}  // namespace keydesk::ocr
