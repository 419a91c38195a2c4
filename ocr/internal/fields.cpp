// Field values on a read page: USCCs and ID numbers as runs of code characters anywhere on it
// (a code that fails its checksum read again by the Latin model, which also reads code-shaped
// rows and character grids), and company and person names after their labels.
#include "ocr/internal/analyzer.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ocr/codes.h"
#include "ocr/internal/pix_util.h"
#include "ocr/text.h"

namespace keydesk::ocr {

using internal::cell_right_of;
using internal::code_characters;
using internal::glyph_confidence;
using internal::glyph_offsets;
using internal::glyph_span;
using internal::is_cjk;
using internal::is_code_char;
using internal::LabelHit;
using internal::LineRead;
using internal::padded;
using internal::ReadRow;
using internal::value_after;

namespace {

// `run` (letters and digits) is a USCC or an ID number that passes its checksum, after the
// repairs OCR needs.
bool passes_a_checksum(const std::string& run) {
  return !repair_uscc(run).empty() || !repair_id_number(run, "99991231").empty();
}

// Every run of code characters in `text`, as [begin, end).
std::vector<std::pair<size_t, size_t>> code_spans(const std::u32string& text) {
  std::vector<std::pair<size_t, size_t>> spans;
  for (size_t i = 0; i < text.size();) {
    if (!is_code_char(text[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && is_code_char(text[j])) ++j;
    spans.emplace_back(i, j);
    i = j;
  }
  return spans;
}

// A mark read between two of a code's characters at `at` of `text`: one glyph read as two, one
// of them a mark (8 as 8&).
bool mark_in_code(const std::u32string& text, size_t at) {
  return at > 0 && at + 1 < text.size() && text[at] != U' ' && !is_cjk(text[at]) &&
         is_code_char(text[at - 1]) && is_code_char(text[at + 1]);
}

// Two boxes of one place on the page: nine tenths of the wider's columns shared, their middles
// within half a height.
bool same_place(const Box& a, const Box& b) {
  int overlap = std::min(b.right(), a.right()) - std::max(b.x, a.x);
  return overlap * 10 >= std::max(b.w, a.w) * 9 &&
         std::abs((b.y + b.h / 2) - (a.y + a.h / 2)) * 2 <= std::max(b.h, a.h);
}

std::optional<LabelHit> find_label(const std::vector<ReadRow>& rows,
                                   const std::vector<std::string>& labels, double min_similarity) {
  std::optional<LabelHit> best;
  for (const std::string& label : labels) {
    std::u32string needle = normalise_name(label);
    if (needle.empty()) continue;
    for (size_t r = 0; r < rows.size(); ++r) {
      if (rows[r].folded.size() + 1 < needle.size()) continue;
      size_t begin = 0, end = 0;
      double similarity = substring_similarity(rows[r].folded, needle, &begin, &end);
      // A spread label's gap read as a mark (名”称): the row without marks between two Chinese
      // characters.
      if (similarity < 1.0) {
        size_t b = 0, e = 0;
        if (const double s = similarity_without_inner_marks(rows[r].folded, needle, &b, &e);
            s > similarity)
          similarity = s, begin = b, end = e;
      }
      // Longer labels win ties: 授权用户姓名 over 姓名.
      if (similarity >= min_similarity && (!best || similarity > best->similarity + 1e-9)) {
        best = LabelHit{r, begin, end, glyph_span(rows[r], begin, end), similarity};
      }
    }
  }
  return best;
}

// The band right of a label on its line, where its value stands in a table's next cell or after
// it in the text: 24 of the label's heights long (a USCC, a company's name), twice its height
// tall (a value a little above or below the label's line).
Box band_right_of(const Box& label, int page_width) {
  return {label.right(), label.y - label.h / 2, std::min(page_width - label.right(), label.h * 24),
          label.h * 2};
}

// The band under a label, where a licence sets its code (统一社会信用代码 in its top corner, the
// code on the line below): from half a height left of the label, 14 of its heights long or as
// long as the label if longer (a code's 18 characters are narrower than the label's), the next
// two heights down.
Box band_under(const Box& label, int page_width) {
  const int left = std::max(0, label.x - label.h / 2);
  return {left, label.bottom(), std::min(page_width - left, std::max(label.w, label.h * 14)),
          label.h * 2};
}

}  // namespace

namespace {

struct CodeRun {
  std::u32string text;
  size_t begin, end;  // [begin, end) of the row's folded text
};

// code_runs' runs, where they stand in the row.
std::vector<CodeRun> code_run_spans(const ReadRow& row) {
  std::vector<CodeRun> runs;
  auto add = [&](std::u32string text, size_t begin, size_t end) {
    if (text.size() >= 15 && text.size() <= 21) runs.push_back({std::move(text), begin, end});
  };
  const std::vector<std::pair<size_t, size_t>> spans = code_spans(row.folded);
  for (size_t k = 0; k < spans.size(); ++k) {
    auto [begin, end] = spans[k];
    add(row.folded.substr(begin, end - begin), begin, end);
    // Two runs one mark apart: a code a glyph of which was read as two (8 as R&), or parted
    // by a space read as a mark. Not a whole code and the number after it.
    if (k + 1 < spans.size() && spans[k + 1].first == end + 1 && !is_cjk(row.folded[end]) &&
        end - begin < 18 && spans[k + 1].second - spans[k + 1].first < 15)
      add(row.folded.substr(begin, end - begin) +
              row.folded.substr(end + 1, spans[k + 1].second - end - 1),
          begin, spans[k + 1].second);
  }
  return runs;
}

}  // namespace

std::vector<FieldRead> ScanAnalyzer::Impl::code_runs(const ReadRow& row) {
  std::vector<FieldRead> runs;
  for (const CodeRun& run : code_run_spans(row))
    runs.push_back({"code", encode_utf8(run.text), glyph_span(row, run.begin, run.end),
                    glyph_confidence(row, run.begin, run.end)});
  return runs;
}

void ScanAnalyzer::Impl::carry_latin_codes(ReadRow& row, std::vector<FieldRead>& first_readings) {
  if (!code) return;
  std::vector<Box> tried;
  for (bool replaced = true; replaced;) {
    replaced = false;
    for (const CodeRun& run : code_run_spans(row)) {
      const std::string as_read = encode_utf8(run.text);
      if (passes_a_checksum(as_read)) continue;
      const Box box = glyph_span(row, run.begin, run.end);
      if (std::any_of(tried.begin(), tried.end(),
                      [&box](const Box& b) { return same_place(b, box); }))
        continue;
      tried.push_back(box);
      LineRead latin = latin_read(box);
      const std::string chars = code_characters(latin.text);
      if (latin.glyphs.empty() || !passes_a_checksum(chars)) continue;
      // The letters a code never holds as the digits they were misread for (91310LIS… is
      // 91310115…: GB 32100 has no I, O, S or Z, and a USCC's third to eighth characters are
      // digits), where each of the reading's glyphs is one of the code's characters; stray marks
      // between them dropped.
      const std::string code_text =
          !repair_uscc(chars).empty() ? fold_uscc(chars) : fold_id_number(chars);
      std::vector<internal::Glyph> code_glyphs;
      for (const internal::Glyph& g : latin.glyphs)
        if (g.text.size() == 1 && std::isalnum(static_cast<unsigned char>(g.text[0])))
          code_glyphs.push_back(g);
      if (code_glyphs.size() == code_text.size()) {
        for (size_t k = 0; k < code_glyphs.size(); ++k)
          code_glyphs[k].text = code_text.substr(k, 1);
        latin.glyphs = std::move(code_glyphs);
        latin.text = code_text;
      }
      const std::vector<size_t> at = glyph_offsets(row.read);
      if (at.empty()) return;  // the row's text is not its glyphs joined: left as read
      const size_t first = row.glyph_of[run.begin], last = row.glyph_of[run.end - 1];
      // The row's text before and after the run, the Latin reading between, a space where
      // letters or digits would touch.
      auto ascii_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
      std::string head = row.read.text.substr(0, at[first]);
      std::string tail = row.read.text.substr(at[last + 1]);
      while (!head.empty() && head.back() == ' ') head.pop_back();
      while (!tail.empty() && tail.front() == ' ') tail.erase(0, 1);
      LineRead joined;
      joined.text = head;
      if (!head.empty() && ascii_word(head.back())) joined.text += ' ';
      joined.text += latin.text;
      if (!tail.empty() && ascii_word(tail.front())) joined.text += ' ';
      joined.text += tail;
      for (size_t g = 0; g < first; ++g) joined.glyphs.push_back(row.read.glyphs[g]);
      for (internal::Glyph& g : latin.glyphs) joined.glyphs.push_back(std::move(g));
      for (size_t g = last + 1; g < row.read.glyphs.size(); ++g)
        joined.glyphs.push_back(row.read.glyphs[g]);
      float sum = 0;
      for (const internal::Glyph& g : joined.glyphs) sum += g.confidence;
      joined.confidence = sum / static_cast<float>(joined.glyphs.size());
      first_readings.push_back({"code", as_read, box, glyph_confidence(row, run.begin, run.end)});
      const bool skimmed = row.skimmed;
      row = fold_row(row.box, std::move(joined));
      row.skimmed = skimmed;
      replaced = true;
      break;
    }
  }
}

std::vector<FieldRead> ScanAnalyzer::Impl::wrapped_codes(const std::vector<ReadRow>& rows, size_t r,
                                                         const ScanHints* hints) {
  std::vector<FieldRead> out;
  const ReadRow& row = rows[r];
  size_t end = row.folded.size();
  while (end > 0 && (row.folded[end - 1] == U' ' || row.folded[end - 1] == U'-' ||
                     row.folded[end - 1] == U'－'))
    --end;
  size_t begin = end;
  while (begin > 0 && is_code_char(row.folded[begin - 1])) --begin;
  std::u32string run = row.folded.substr(begin, end - begin);
  // A glyph of the first line read as two, one of them a mark (8 as 8&: 91440305MAP8&R1 over
  // X26Y): the run before the mark joins it, the mark left out, as code_runs joins a line's.
  if (begin >= 1 && mark_in_code(row.folded, begin - 1)) {
    size_t before = begin - 1;
    while (before > 0 && is_code_char(row.folded[before - 1])) --before;
    if (begin - 1 - before + run.size() < 18) {
      run.insert(0, row.folded, before, begin - 1 - before);
      begin = before;
    }
  }
  const size_t head = run.size();
  if (head == 0 || head >= 18) return out;
  const Box a = glyph_span(row, begin, end);
  const int line = std::max(row.box.h, a.h), near = line * 3 / 2;
  // A code the form gives, but for one character: kept as a line's code run one off is
  // (engine/verify.cpp takes it as a slip), though it fails the checksum.
  auto one_off_a_hint = [&](const std::string& joined) {
    return hints && joined.size() == 18 && holds_hint(joined, *hints);
  };
  auto join = [&](const std::string& first, const std::string& rest, const Box& b,
                  float confidence) {
    std::string joined = first + rest;
    if (rest.size() >= 18 || joined.size() < 15 || joined.size() > 21) return;
    if (!passes_a_checksum(joined) && joined.size() > 18) {
      // Marks left of the first line read as characters (a cell's wall as 9, a smudge as 0:
      // 909142010682074 over 9244F): the code is the 18 that end the pair. Or marks left of the
      // second (91370202MAMMH2J over TIL8W, the wall as T and I): the first line and the
      // second's end, taken only as the form's code (one character aside), not as another.
      const std::string cut = first + rest.substr(std::min(rest.size(), joined.size() - 18));
      joined.erase(0, joined.size() - 18);
      if (!passes_a_checksum(joined) && !one_off_a_hint(joined) && one_off_a_hint(cut))
        joined = cut;
    }
    if (!passes_a_checksum(joined) && !one_off_a_hint(joined)) return;
    const int x = std::min(a.x, b.x), y = std::min(a.y, b.y);
    out.push_back(
        {"code", joined,
         Box{x, y, std::max(a.right(), b.right()) - x, std::max(a.bottom(), b.bottom()) - y},
         std::min(glyph_confidence(row, begin, end), confidence)});
  };
  const std::string first = encode_utf8(run);
  struct Rest {
    std::string text;
    Box box;
    float confidence;
  };
  std::vector<Rest> rests;  // each reading of a line below that may end the code
  for (size_t n = 0; n < rows.size(); ++n) {
    const ReadRow& next = rows[n];
    // A line below this one, at most two lines' height further down (a letter's spacing).
    if (n == r || next.box.y < row.box.y + row.box.h / 2 ||
        next.box.y > row.box.bottom() + 2 * line)
      continue;
    // A paragraph's next line begins with the rest (whatever its indent).
    size_t first_char = 0;
    while (first_char < next.folded.size() && next.folded[first_char] == U' ') ++first_char;
    const size_t before = out.size();
    for (const auto& [i, j] : code_spans(next.folded)) {
      const Box b = glyph_span(next, i, j);
      if (std::abs(b.x - a.x) <= near || i == first_char) {
        rests.push_back(
            {encode_utf8(next.folded.substr(i, j - i)), b, glyph_confidence(next, i, j)});
        join(first, rests.back().text, b, rests.back().confidence);
        // A glyph of the line's head read as two, one of them a mark (8X as 8&X, under
        // 4401061966050746): the run after the mark joins it, the mark left out, as the first
        // line's is above.
        const std::u32string& f = next.folded;
        if (i == first_char && mark_in_code(f, j)) {
          size_t k = j + 1;
          while (k < f.size() && is_code_char(f[k])) ++k;
          const Box c = glyph_span(next, i, k);
          rests.push_back({encode_utf8(f.substr(i, j - i) + f.substr(j + 1, k - j - 1)), c,
                           glyph_confidence(next, i, k)});
          join(first, rests.back().text, c, rests.back().confidence);
        }
      }
    }
    // A short line starting under a cell's run, read as words: the Latin model's reading of it.
    if (out.size() == before && head >= 8 && std::abs(next.box.x - a.x) <= near &&
        next.box.w <= a.w && next.box.bottom() <= row.box.bottom() + 2 * line) {
      LineRead again = latin_read(next.box);
      rests.push_back({code_characters(again.text), next.box, again.confidence});
      join(first, rests.back().text, next.box, again.confidence);
    }
  }
  // A cell's second line in small print, run together with the row beside it (统一社会信用代码
  // | 91330203MAMN / D31Y1R: the label's row took D31Y1R in, read as Chinese): the Latin
  // model's reading of the ink right under the run, when the run holds the first eight
  // characters of a code the form gives (not under every telephone number).
  if (out.empty() && head >= 8 && code && hints && starts_like_hint(run, *hints)) {
    const Box under{a.x - a.h / 2, a.bottom() + 1, a.w + a.h, a.h * 2};
    LineRead again = latin_read(under);
    rests.push_back({code_characters(again.text), under, again.confidence});
    join(first, rests.back().text, under, again.confidence);
    // The first line as the Latin model reads it (the Chinese model read 91370202MAMMH2J as
    // …MAMNMH2J, a character too many), with each reading of the lines below.
    if (out.empty()) {
      const std::string latin = code_characters(latin_read(a).text);
      if (latin.size() >= 8 && latin != first)
        for (const Rest& rest : rests) join(latin, rest.text, rest.box, rest.confidence);
    }
  }
  return out;
}

LineRead ScanAnalyzer::Impl::latin_read(const Box& box) {
  for (const auto& [at, read] : latin_reads_)
    if (same_place(at, box)) return read;
  LineRead read = read_line(*code, *current_, padded(box, 4), 1.0f, &box);
  latin_reads_.emplace_back(box, read);
  return read;
}

std::optional<LineRead> ScanAnalyzer::Impl::levelled_code(const Box& box, const ScanHints& hints) {
  // The form's codes, each with the slips a code read is taken with for the form's and the
  // letters it never holds folded.
  struct Form {
    std::u32string code;
    size_t slips;
    std::string (*fold)(std::string_view);
  };
  std::vector<Form> forms;
  if (const std::string uscc = code_characters(hints.uscc); uscc.size() >= 15)
    forms.push_back({decode_utf8_lossy(uscc), kUsccSlips, &fold_uscc});
  if (const std::string id = code_characters(hints.id_number); id.size() >= 15)
    forms.push_back({decode_utf8_lossy(id), kIdNumberSlips, &fold_id_number});
  if (forms.empty()) return std::nullopt;
  for (const auto& [at, before] : levelled_reads_)
    if (same_place(at, box)) return before;
  // A hand's characters stand up to an eighth of their height above or below the line and the
  // line runs uphill: the place a fourth of its height taller on each side.
  const int pad = std::max(3, box.h / 4);
  const Box around{box.x - 2 * pad, box.y - pad, box.w + 4 * pad, box.h + 2 * pad};
  // Read by both models at two sizes (a hand's 9 the Latin model takes for O or B, the Chinese
  // one for 5; its 6 the Latin model takes for G): the first reading within the form's slips.
  // None is: the readings taken together. Each errs in characters of its own; a character of the
  // form's code that one of them reads in its place is read. The code as they read it: the
  // form's characters they read, the first reading's where none does. Another code (an
  // enterprise's, a relative's) differs in characters none of them reads as the form's. The
  // second pair of readings only when the first leaves few of the form's characters unread.
  std::vector<LineRead> readings;
  std::optional<LineRead> found;
  auto together = [&](const Form& form, size_t* unread) {
    std::u32string agreed;
    std::vector<std::u32string> folded;
    std::vector<std::vector<size_t>> at;
    for (const LineRead& r : readings) {
      folded.push_back(decode_utf8_lossy(form.fold(code_characters(r.text))));
      at.push_back(internal::align_to(folded.back(), form.code));
    }
    *unread = 0;
    for (size_t k = 0; k < form.code.size(); ++k) {
      bool read = false;
      for (size_t r = 0; r < folded.size() && !read; ++r)
        read = at[r][k] != std::u32string::npos && folded[r][at[r][k]] == form.code[k];
      if (read) {
        agreed += form.code[k];
        continue;
      }
      ++*unread;
      if (!folded.empty() && at[0][k] != std::u32string::npos) agreed += folded[0][at[0][k]];
    }
    return agreed;
  };
  constexpr std::pair<bool, float> kReadings[] = {
      {true, 2.0f}, {false, 1.5f}, {true, 1.5f}, {false, 2.0f}};
  for (size_t n = 0; n < std::size(kReadings) && !found; ++n) {
    const auto [latin, scale] = kReadings[n];
    if (n == 2 && std::none_of(forms.begin(), forms.end(), [&](const Form& form) {
          size_t unread = 0;
          together(form, &unread);
          return unread <= form.slips + 3;
        }))
      break;
    LineRead again =
        recognise(latin ? *code : *text,
                  internal::levelled_line_image(current_->grey, current_->binary.get(),
                                                current_->rules.get(), around, false, scale));
    std::erase(again.text, ' ');
    // The line's rows are not the page's (its characters moved up or down): each glyph spans
    // the place's.
    for (internal::Glyph& g : again.glyphs) g.box.y = box.y, g.box.h = box.h;
    if (std::any_of(forms.begin(), forms.end(), [&again](const Form& form) {
          return edit_distance(decode_utf8_lossy(form.fold(code_characters(again.text))),
                               form.code) <= form.slips;
        }))
      found = std::move(again);
    else
      readings.push_back(std::move(again));
  }
  for (size_t f = 0; f < forms.size() && !found && readings.size() > 1; ++f) {
    size_t unread = 0;
    const std::u32string agreed = together(forms[f], &unread);
    if (unread > forms[f].slips) continue;
    LineRead read;
    read.text = encode_utf8(agreed);
    for (char32_t c : agreed)
      read.glyphs.push_back({encode_utf8(std::u32string(1, c)), box, readings[0].confidence});
    read.confidence = readings[0].confidence;
    found = std::move(read);
  }
  levelled_reads_.emplace_back(box, found);
  return found;
}

LineRead ScanAnalyzer::Impl::grid_read(const internal::TextRow& row) {
  LineRead read = recognise(*code, internal::grid_line_image(current_->grey, current_->binary.get(),
                                                             row.code_box, row.code_run));
  std::erase(read.text, ' ');
  latin_reads_.emplace_back(row.code_box, read);
  return read;
}

LineRead ScanAnalyzer::Impl::grid_read_chinese(const internal::TextRow& row) {
  LineRead read = recognise(*text, internal::grid_line_image(current_->grey, current_->binary.get(),
                                                             row.code_box, row.code_run));
  std::erase(read.text, ' ');
  return read;
}

std::vector<FieldRead> ScanAnalyzer::Impl::widened_codes(const std::vector<ReadRow>& rows,
                                                         const std::vector<FieldRead>& fields,
                                                         const ScanHints& hints, int page_width,
                                                         const DocumentType* type) {
  std::vector<FieldRead> out;
  std::vector<std::u32string> targets;
  std::vector<const std::vector<std::string>*> labels_of;  // per target, its labels on `type`
  const std::vector<std::string> none;
  for (const auto& [hint, labels] : {std::pair{&hints.uscc, type ? &type->uscc_labels : &none},
                                     std::pair{&hints.id_number, type ? &type->id_labels : &none}})
    if (const std::string form = code_characters(*hint); form.size() >= 15)
      if (std::none_of(fields.begin(), fields.end(), [&form](const FieldRead& f) {
            return f.field == "code" && edit_distance(decode_utf8_lossy(fold_code_text(f.text)),
                                                      decode_utf8_lossy(form)) <= 1;
          }))
        targets.push_back(decode_utf8_lossy(form)), labels_of.push_back(labels);
  // The stretch of a reading within one character of a target's: that target found, at `box`.
  auto take = [&](const LineRead& again, const Box& box) {
    // Letters a code never holds (O, I, Z, S) taken for the digits they are misread for.
    const std::u32string read = decode_utf8_lossy(fold_uscc(code_characters(again.text)));
    for (size_t t = targets.size(); t-- > 0;) {
      size_t b = 0, e = 0;
      if (best_substring_distance(read, targets[t], &b, &e) > 1) continue;
      out.push_back({"code", encode_utf8(read.substr(b, e - b)), box, again.confidence});
      targets.erase(targets.begin() + static_cast<std::ptrdiff_t>(t));
      labels_of.erase(labels_of.begin() + static_cast<std::ptrdiff_t>(t));
    }
  };
  for (const ReadRow& row : rows) {
    if (targets.empty()) break;
    const std::u32string& f = row.folded;
    auto stray = [](char32_t c) { return c == U' ' || c == U'|'; };
    // The code characters (spaces within them allowed) that end the row, and those that begin it.
    size_t end = f.size();
    while (end > 0 && stray(f[end - 1])) --end;
    size_t begin = end;
    while (begin > 0 && (is_code_char(f[begin - 1]) || f[begin - 1] == U' ')) --begin;
    size_t first = 0;
    while (first < f.size() && stray(f[first])) ++first;
    size_t last = first;
    while (last < f.size() && (is_code_char(f[last]) || f[last] == U' ')) ++last;
    for (auto [from, to, rightwards] : {std::tuple{begin, end, true}, {first, last, false}}) {
      while (from < to && f[from] == U' ') ++from;
      while (to > from && f[to - 1] == U' ') --to;
      const auto n = static_cast<int>(std::count_if(f.begin() + static_cast<std::ptrdiff_t>(from),
                                                    f.begin() + static_cast<std::ptrdiff_t>(to),
                                                    is_code_char));
      if (n < 6 || n >= 18 || targets.empty()) continue;
      const Box a = glyph_span(row, from, to);
      const int glyph = std::max(a.w / n, row.box.h / 2);
      const int more = (20 - n) * glyph;
      int left = rightwards ? a.x - glyph / 2 : a.x - more;
      int right = rightwards ? a.right() + more : a.right() + glyph / 2;
      left = std::max(left, 0), right = std::min(right, page_width);
      if (right - left <= a.w) continue;
      // The grey as it is: the print is faint here, and the binary page, which line_image
      // follows, lost it (913712O2NATR9TC33J read through it, 91370202MATR9TC33J from it).
      const Box wide = padded({left, row.box.y - 2, right - left, row.box.h + 4}, 4);
      take(recognise(*code, internal::grey_line_image(current_->grey, wide)),
           Box{left, row.box.y, right - left, row.box.h});
    }
  }
  // A code whose row the row finder spoiled (an ID number running under a seal's edge, joined to
  // it in one tall block read as oo; a licence's pale code under its label, of which binarising
  // kept a speck read JoOD): the band right of its label, then the band under it, read the same
  // way.
  for (size_t t = targets.size(); t-- > 0;) {
    if (t >= targets.size()) continue;  // found in another's band
    const std::optional<LabelHit> hit = find_label(rows, *labels_of[t], 0.75);
    if (!hit) continue;
    for (const Box& band :
         {band_right_of(hit->box, page_width), band_under(hit->box, page_width)}) {
      if (band.w <= hit->box.h) continue;
      const size_t before = targets.size();
      take(recognise(*code, internal::grey_line_image(current_->grey, band)), band);
      if (targets.size() < before) break;
    }
  }
  return out;
}

std::optional<ReadRow> ScanAnalyzer::Impl::lost_name_cell(const std::vector<ReadRow>& rows,
                                                          const DocumentType& type,
                                                          const ScanHints& hints,
                                                          ScanResult& result) {
  const std::u32string want = normalise_name(hints.company_name);
  if (want.size() < 4 || !current_) return std::nullopt;
  auto holds = [&want](const std::u32string& read) {
    return substring_similarity(read, want) >= 1.0 - kCompanyNameSlack;
  };
  if (std::any_of(rows.begin(), rows.end(), [&](const ReadRow& r) { return holds(r.folded); }))
    return std::nullopt;
  // Each row a label of the name leads with nothing after it (a label alone in its cell, read
  // loosely: 玉营者中文和名称), not the best label on the page only: 经营者英文名称 is closer to
  // 经营者中文名称 than a poor reading of the label itself. A row right of it, when there is one,
  // did not hold the name: it may have lost the name's pale head (州鑫隆进出口有限公司, its 广 and
  // the left of 州 gone from the binary page), so the band is read all the same.
  const int page_width = internal::width_of(current_->binary.get());
  for (size_t r = 0; r < rows.size(); ++r)
    for (const std::string& label : type.name_labels) {
      const std::u32string needle = normalise_name(label);
      size_t begin = 0, end = 0;
      if (needle.size() < 2 || substring_similarity(rows[r].folded, needle, &begin, &end) < 0.7 ||
          begin > 1)
        continue;
      if (auto [from, to] = value_after(rows[r], end); to > from) continue;
      const Box l = glyph_span(rows[r], begin, end);
      const Box band = band_right_of(l, page_width);
      if (band.w <= l.h) continue;
      ReadRow row =
          fold_row(band, recognise(*text, internal::grey_line_image(current_->grey, band)));
      // Its characters off the name looked at again as any row's (confirm.cpp).
      if (!holds(row.folded)) confirm_values(row, hints, result);
      if (holds(row.folded)) return row;
      break;  // one reading per row
    }
  return std::nullopt;
}

std::optional<FieldRead> ScanAnalyzer::Impl::reread_code(const FieldRead& field,
                                                         const ScanHints* hints) {
  if (field.field != "code" || !code || passes_a_checksum(field.text)) return std::nullopt;
  LineRead read = latin_read(field.box);
  std::string folded = code_characters(read.text);
  if (hints && !passes_a_checksum(folded) && !holds_hint(folded, *hints))
    if (std::optional<LineRead> levelled = levelled_code(field.box, *hints)) {
      read = std::move(*levelled);
      folded = code_characters(read.text);
    }
  if (folded.size() < 15 || folded == field.text) return std::nullopt;
  return FieldRead{"code", folded, field.box, read.confidence};
}

void ScanAnalyzer::Impl::joined_readings(const std::vector<ReadRow>& rows, ScanResult& result) {
  // The readings of codes on the page that hold no valid code as read (the letters a code never
  // holds folded, and no more: a code a repair makes of one is still two readings' to make): the
  // code runs and rereads found, and each row's letters and digits (a row the runs were cut from).
  auto valid_as_read = [](const std::string& run) {
    for (size_t at = 0; at + 18 <= run.size(); ++at)
      if (const std::string window = run.substr(at, 18);
          check_uscc(fold_uscc(window)).valid || check_id_number(window, "99991231").valid)
        return true;
    return false;
  };
  std::vector<FieldRead> readings;
  auto add = [&](const std::string& read, const Box& box, float confidence) {
    std::string folded = code_characters(read);
    if (folded.size() < 15 || folded.size() > 21 || valid_as_read(folded)) return;
    for (const FieldRead& seen : readings)
      if (seen.text == folded) return;
    readings.push_back({"code", std::move(folded), box, confidence});
  };
  for (const FieldRead& field : result.fields)
    if (field.field == "code") add(field.text, field.box, field.confidence);
  for (const ReadRow& row : rows) add(row.read.text, row.box, row.read.confidence);
  // Two of them taken together (uscc_from_two_readings): the one code they make, when no other
  // pair makes another.
  std::optional<FieldRead> joined;
  for (size_t a = 0; a < readings.size(); ++a)
    for (size_t b = a + 1; b < readings.size(); ++b) {
      const std::string made = uscc_from_two_readings(readings[a].text, readings[b].text);
      if (made.empty()) continue;
      if (joined && joined->text != made) return;
      if (!joined)
        joined = FieldRead{"code", made, readings[a].box,
                           std::min(readings[a].confidence, readings[b].confidence)};
    }
  if (joined && std::none_of(result.fields.begin(), result.fields.end(),
                             [&](const FieldRead& f) { return f.text == joined->text; }))
    result.fields.push_back(std::move(*joined));
}

bool ScanAnalyzer::Impl::checks_as_code(const std::string& text) {
  std::string folded = fold_code_text(text);
  for (size_t i = 0; i < folded.size();) {
    size_t j = i;
    while (j < folded.size() && std::isalnum(static_cast<unsigned char>(folded[j]))) ++j;
    if (j - i >= 15 && j - i <= 21 && passes_a_checksum(folded.substr(i, j - i))) return true;
    i = j + 1;
  }
  return false;
}

bool ScanAnalyzer::Impl::holds_hint(const std::string& text, const ScanHints& hints) {
  // Letters a code never holds (O, I, Z, S) taken for the digits they are misread for. One
  // character other, left out or put in (a character grid's 91120116MA3P3E8C91 read by the
  // Chinese model 91120116XMA3P3E8C91, a wall read as X).
  const std::u32string folded = decode_utf8_lossy(fold_uscc(code_characters(text)));
  for (const std::string* hint : {&hints.uscc, &hints.id_number}) {
    const std::string code = code_characters(*hint);
    if (code.size() < 15 || folded.size() + 1 < code.size()) continue;
    if (best_substring_distance(folded, decode_utf8_lossy(code)) <= 1) return true;
  }
  return false;
}

bool ScanAnalyzer::Impl::starts_like_hint(std::u32string_view run, const ScanHints& hints) {
  for (const std::string* hint : {&hints.uscc, &hints.id_number})
    if (const std::string form = code_characters(*hint); form.size() >= 15)
      if (best_substring_distance(run, decode_utf8_lossy(form.substr(0, 8))) <= 1) return true;
  return false;
}

void ScanAnalyzer::Impl::extract_fields(const std::vector<ReadRow>& rows, const DocumentType* type,
                                        const ScanHints* hints, ScanResult& result) {
  for (size_t r = 0; r < rows.size(); ++r) {
    for (FieldRead& field : code_runs(rows[r])) {
      // Marks before or after a code read into its run as letters (an ID card's FF 110108…,
      // the spaced label's last strokes): the run's 18 characters that pass a checksum and are
      // the form's code, one character aside. Only the form's: a window that passes by chance
      // is not made another code.
      if (hints && field.text.size() > 18 && !passes_a_checksum(field.text))
        for (size_t at = 0; at + 18 <= field.text.size(); ++at)
          if (std::string window = field.text.substr(at, 18);
              passes_a_checksum(window) && holds_hint(window, *hints)) {
            result.fields.push_back({"code", std::move(window), field.box, field.confidence});
            break;
          }
      result.fields.push_back(std::move(field));
    }
    for (FieldRead& joined : wrapped_codes(rows, r, hints))
      result.fields.push_back(std::move(joined));
  }
  std::vector<FieldRead> rereads;
  for (const FieldRead& field : result.fields)
    if (std::optional<FieldRead> again = reread_code(field, hints)) rereads.push_back(*again);
  result.fields.insert(result.fields.end(), rereads.begin(), rereads.end());
  if (code && hints)
    for (FieldRead& wider : widened_codes(rows, result.fields, *hints, result.width, type))
      result.fields.push_back(std::move(wider));
  if (!type) return;
  auto labelled = [&](const std::vector<std::string>& labels, const std::string& name,
                      size_t max_chars) {
    if (labels.empty()) return;
    std::optional<LabelHit> hit = find_label(rows, labels, 0.75);
    if (!hit) return;
    // A label's words inside a sentence are no label (…业务。受托人在上述委托权限内…): one that
    // follows a character or a sentence's mark and runs on into characters.
    {
      const std::u32string& f = rows[hit->row].folded;
      const char32_t before = hit->begin > 0 ? f[hit->begin - 1] : U' ';
      const bool in_sentence = is_cjk(before) || before == U'。' || before == U'，' ||
                               before == U'、' || before == U'；' || before == U',';
      if (in_sentence && hit->end < f.size() && is_cjk(f[hit->end])) return;
    }
    const ReadRow* value_row = &rows[hit->row];
    auto [begin, end] = value_after(*value_row, hit->end);
    if (end <= begin) {
      // A label in a table cell of its own: the value is in the next cell to its right.
      if (std::optional<size_t> cell =
              cell_right_of(rows, hit->box, std::numeric_limits<int>::max(),
                            [&rows](size_t r) { return !rows[r].folded.empty(); })) {
        value_row = &rows[*cell];
        std::tie(begin, end) = value_after(*value_row, 0);
      }
    }
    const ReadRow& row = *value_row;
    if (name == "person") {
      // A person's name: the Chinese characters right after the label.
      end = begin;
      while (end < row.folded.size() && is_cjk(row.folded[end]) && end - begin < max_chars) ++end;
    }
    if (end <= begin) return;
    std::u32string value = row.folded.substr(begin, end - begin);
    // Names here are Chinese: a Latin value is the English name under another label.
    if (std::count_if(value.begin(), value.end(), is_cjk) < 2) return;
    Box box = glyph_span(row, begin, end);
    float confidence = glyph_confidence(row, begin, end);
    // A company's name its cell wrapped (嘉禾（南京）国际贸易有限公 over 司, 上海金桥供应链管理有限
    // over 公司): a line of a few characters just under a value that ends its row short of its
    // legal form, or a line just over such a few characters (the cell's first line stands higher
    // than its label, and the label's value is taken to be its second). Just: nearer than half a
    // line (the next row of a table, or of a letter's text, stands farther), and starting where
    // the other starts or centred on it, as the cell sets them.
    auto wrapped_line = [&](const Box& near, bool under, auto&& fits) -> const ReadRow* {
      for (const ReadRow& other : rows) {
        if (&other == &row || other.folded.empty() || !fits(other.folded)) continue;
        const Box b = glyph_span(other, 0, other.folded.size());
        const int gap = under ? b.y - near.bottom() : near.y - b.bottom();
        const bool same_start = std::abs(b.x - near.x) * 2 <= near.h;
        const bool same_middle = std::abs((b.x + b.w / 2) - (near.x + near.w / 2)) * 2 <= near.h;
        if (gap >= 0 && gap * 2 <= near.h && b.h * 2 <= near.h * 3 && (same_start || same_middle))
          return &other;
      }
      return nullptr;
    };
    auto few_characters = [](const std::u32string& t) {
      return t.size() <= 6 && std::all_of(t.begin(), t.end(), is_cjk);
    };
    const bool ends_row = std::none_of(row.folded.begin() + static_cast<std::ptrdiff_t>(end),
                                       row.folded.end(), is_cjk);
    if (name == "name" && !value.ends_with(U"公司") && ends_row) {
      if (const ReadRow* tail = wrapped_line(box, true, few_characters)) {
        value += tail->folded;
        box = internal::union_of(box, glyph_span(*tail, 0, tail->folded.size()));
        confidence = std::min(confidence, glyph_confidence(*tail, 0, tail->folded.size()));
      }
    } else if (name == "name" && few_characters(value) && begin == 0 && ends_row) {
      auto head_of_name = [](const std::u32string& t) {
        return std::count_if(t.begin(), t.end(), is_cjk) >= 4 && !t.ends_with(U"公司");
      };
      if (const ReadRow* head = wrapped_line(box, false, head_of_name)) {
        value = head->folded + value;
        box = internal::union_of(box, glyph_span(*head, 0, head->folded.size()));
        confidence = std::min(confidence, glyph_confidence(*head, 0, head->folded.size()));
      }
    }
    result.fields.push_back({name, encode_utf8(value), box, confidence});
  };
  labelled(type->name_labels, "name", 40);
  labelled(type->person_labels, "person", 4);
}

}  // namespace keydesk::ocr
