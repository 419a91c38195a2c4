#include "ocr/scan.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <limits>
#include <set>

#include "ocr/internal/leptonica.h"
#include "ocr/internal/page.h"
#include "ocr/internal/recognizer.h"
#include "ocr/codes.h"
#include "ocr/text.h"

namespace keydesk::ocr {

using internal::LineRead;
using internal::PixPtr;

namespace {

// A row as read, with each code point of its folded text tied to the glyph it came from, so a
// label found in the text can be located on the page.
struct ReadRow {
  Box box;
  LineRead read;
  std::u32string folded;
  std::vector<size_t> glyph_of;  // folded[i] came from read.glyphs[glyph_of[i]]
  bool skimmed = false;          // read narrowed (Impl::kSkim): for labels and titles, not values
};

ReadRow fold_row(const Box& box, LineRead read) {
  ReadRow row{box, std::move(read), {}, {}};
  for (size_t g = 0; g < row.read.glyphs.size(); ++g) {
    for (char32_t cp : normalise_name(row.read.glyphs[g].text)) {
      row.folded.push_back(cp);
      row.glyph_of.push_back(g);
    }
  }
  return row;
}

// `tail`, read from the same row right of `head`, appended to it.
void append_read(LineRead& head, LineRead tail) {
  if (!head.glyphs.empty() && !tail.glyphs.empty() &&
      static_cast<unsigned char>(head.glyphs.back().text[0]) < 0x80 &&
      static_cast<unsigned char>(tail.glyphs.front().text[0]) < 0x80)
    head.text += ' ';
  head.text += tail.text;
  float sum = head.confidence * static_cast<float>(head.glyphs.size()) +
              tail.confidence * static_cast<float>(tail.glyphs.size());
  for (internal::Glyph& g : tail.glyphs) head.glyphs.push_back(std::move(g));
  head.confidence = head.glyphs.empty() ? 0 : sum / static_cast<float>(head.glyphs.size());
}

Box union_of(const Box& a, const Box& b) {
  if (a.w == 0 || a.h == 0) return b;
  int x = std::min(a.x, b.x), y = std::min(a.y, b.y);
  return {x, y, std::max(a.right(), b.right()) - x, std::max(a.bottom(), b.bottom()) - y};
}

// `b` grown on every side by a `divisor`-th of its height (at least 3 pixels).
Box padded(const Box& b, int divisor) {
  int pad = std::max(3, b.h / divisor);
  return {b.x - pad, b.y - pad, b.w + 2 * pad, b.h + 2 * pad};
}

Box glyph_span(const ReadRow& row, size_t begin, size_t end) {
  Box box;
  for (size_t i = begin; i < end && i < row.glyph_of.size(); ++i)
    box = union_of(box, row.read.glyphs[row.glyph_of[i]].box);
  return box;
}

float glyph_confidence(const ReadRow& row, size_t begin, size_t end) {
  float sum = 0;
  size_t n = 0;
  for (size_t i = begin; i < end && i < row.glyph_of.size(); ++i, ++n)
    sum += row.read.glyphs[row.glyph_of[i]].confidence;
  return n ? sum / static_cast<float>(n) : 0.0f;
}

bool is_cjk(char32_t cp) { return cp >= 0x3400 && cp <= 0x9FFF; }
bool is_code_char(char32_t cp) {
  return (cp >= U'0' && cp <= U'9') || (cp >= U'A' && cp <= U'Z');
}
// Whether the folded text (Latin letters upper case) from `from` on starts, past separators,
// with a Latin word of 4 letters or more.
bool latin_follows(const std::u32string& text, size_t from) {
  auto latin = [](char32_t cp) { return cp >= U'A' && cp <= U'Z'; };
  while (from < text.size() && !is_cjk(text[from]) && !latin(text[from])) ++from;
  size_t letters = 0;
  while (from + letters < text.size() && latin(text[from + letters])) ++letters;
  return letters >= 4;
}

bool is_separator(char32_t cp) { return cp == U'：' || cp == U':' || cp == U'，' || cp == U','; }

// A label found in a row: where it ends in the folded text and its box.
struct LabelHit {
  size_t row = 0;
  size_t begin = 0, end = 0;
  Box box;
  double similarity = 0;
};

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
      // Longer labels win ties: 授权用户姓名 over 姓名.
      if (similarity >= min_similarity &&
          (!best || similarity > best->similarity + 1e-9)) {
        best = LabelHit{r, begin, end, glyph_span(rows[r], begin, end), similarity};
      }
    }
  }
  return best;
}

// The signature label `label` (normalised) on `row` (find_signature_label). A stem's box is
// widened over the characters it stands for, so that their print is not taken for handwriting.
std::optional<LabelHit> signature_label_in(const ReadRow& row, size_t r,
                                           const std::u32string& label) {
  std::optional<SignatureLabelMatch> match = find_signature_label(row.folded, label);
  if (!match) return std::nullopt;
  Box box = glyph_span(row, match->begin, match->end);
  if (match->stands_for > 0 && match->end > match->begin) {
    box.w +=
        box.w * static_cast<int>(match->stands_for) / static_cast<int>(match->end - match->begin);
    match->end = std::min(row.folded.size(), match->end + match->stands_for);
  }
  return LabelHit{r, match->begin, match->end, box, match->similarity};
}

// Among `rows` (anything with a box) those `usable`, the one that starts right of `label` on its
// line (their middles within half the taller's height) at most `max_gap` from it, nearest first:
// the next cell of a table row.
template <typename Rows, typename Usable>
std::optional<size_t> cell_right_of(const Rows& rows, const Box& label, int max_gap, Usable usable) {
  std::optional<size_t> best;
  for (size_t r = 0; r < rows.size(); ++r) {
    const Box& b = rows[r].box;
    if (!usable(r) || b.x < label.right() - label.h / 2 || b.x - label.right() > max_gap) continue;
    if (std::abs((b.y + b.h / 2) - (label.y + label.h / 2)) * 2 > std::max(b.h, label.h)) continue;
    if (!best || b.x < rows[*best].box.x) best = r;
  }
  return best;
}

// A row this short (in characters) is a label alone in its cell, or a short label and a name.
constexpr size_t kCellChars = 8;

// `run` (letters and digits) is a USCC or an ID number that passes its checksum, after the
// repairs OCR needs.
bool passes_a_checksum(const std::string& run) {
  return !repair_uscc(run).empty() || !repair_id_number(run, "99991231").empty();
}

// The text after a label in its row: separators skipped, up to the next label-like "xx：".
std::pair<size_t, size_t> value_after(const ReadRow& row, size_t from) {
  size_t begin = from;
  // Separators, and strokes of a table rule read as | or [, are not part of the value.
  while (begin < row.folded.size() && !is_cjk(row.folded[begin]) && !is_code_char(row.folded[begin]))
    ++begin;
  size_t end = begin;
  while (end < row.folded.size() && !is_separator(row.folded[end])) ++end;
  if (end < row.folded.size()) {
    // "…有限公司 类型：…": the next label's characters before its colon are not part of the value.
    size_t back = 0;
    while (end > begin && back < 6 && is_cjk(row.folded[end - 1])) --end, ++back;
    if (end == begin) end = begin + back;
  }
  return {begin, end};
}


}  // namespace

// Milliseconds since `start`, for the timings KEYDESK_SCAN_DEBUG prints.
static double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// KEYDESK_SCAN_DEBUG=DIR: stage timings and rows read on stderr, the page images and every line
// image given to the recognizer in DIR (for tuning);
// KEYDESK_SCAN_DEBUG=- gives the timings only.
struct StageClock {
  bool on = std::getenv("KEYDESK_SCAN_DEBUG") != nullptr;
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
  void mark(const char* stage) {
    if (!on) return;
    std::fprintf(stderr, "  %-12s %7.1f ms\n", stage, ms_since(last));
    last = std::chrono::steady_clock::now();
  }
};

// A row with this many code-shaped glyphs in a run is read as a likely USCC or ID number (18
// characters; one may merge with its neighbour or break in two).
constexpr int kCodeGlyphs = 14;

struct ScanAnalyzer::Impl {
  std::vector<DocumentType> types;
  ScanOptions options;
  std::unique_ptr<internal::Recognizer> text;  // chi_sim
  std::unique_ptr<internal::Recognizer> code;  // eng, letters and digits only

  struct Page {
    internal::LevelledGrey grey;
    PixPtr mask, binary, rules;
    int rotation = 0;
    double skew = 0, scale = 1;
    int source_width = 0, source_height = 0;
  };

  // Decodes and normalises; nullopt when the bytes are not an image Leptonica can decode.
  std::optional<Page> normalise(const std::string& bytes) const {
    StageClock clock;
    PixPtr rgb = internal::decode_rgb(bytes);
    if (!rgb) return std::nullopt;
    clock.mark(" decode");
    Page page;
    page.source_width = static_cast<int>(pixGetWidth(rgb.get()));
    page.source_height = static_cast<int>(pixGetHeight(rgb.get()));
    PixPtr work = internal::scale_to_working(rgb.get(), options.working_long_side, &page.scale);
    rgb.reset();
    clock.mark(" scale");
    auto [mask, grey] = internal::separate_red(work.get());
    if (!mask) return std::nullopt;
    clock.mark(" red+grey");
    PixPtr binary = internal::binarise(grey.get());
    clock.mark(" binarise");
    int quarter = internal::text_axis(binary.get(), &page.skew) / 90;
    clock.mark(" axis+skew");
    page.rotation = quarter * 90;
    // The binary page and the mask are turned whole (layout and seals look at all of them); the
    // grey page only where rows are read.
    page.binary = internal::rotate_page(binary.get(), quarter, page.skew);
    page.mask = internal::rotate_page(mask.get(), quarter, page.skew);
    page.grey = internal::LevelledGrey(internal::rotate_page(grey.get(), quarter, 0), page.skew);
    clock.mark(" rotate+bin");
    return page;
  }

  // `page` turned a further `quarter` turns clockwise.
  static Page turned(const Page& page, int quarter) {
    Page out;
    out.grey = page.grey.turned(quarter);
    out.mask.reset(pixRotateOrth(page.mask.get(), quarter));
    out.binary.reset(pixRotateOrth(page.binary.get(), quarter));
    out.rotation = (page.rotation + 90 * quarter) % 360;
    out.skew = page.skew;
    out.scale = page.scale;
    out.source_width = page.source_width;
    out.source_height = page.source_height;
    return out;
  }

  // Rows searched for labels and titles are read narrowed to this share of their width: the
  // recognizer's cost grows with the width it is given, and printed labels survive the squeeze.
  // A row holding a value looked for is read again at full width (values decide findings).
  static constexpr float kSkim = 0.8f;

  // Reads `area` of `page` with `recognizer`, its width scaled by `squeeze`; glyph boxes come
  // back on the page.
  static LineRead read_line(internal::Recognizer& recognizer, const Page& page, const Box& area,
                            float squeeze = 1.0f) {
    internal::LineImage line =
        internal::line_image(page.grey, page.binary.get(), page.rules.get(), area);
    if (line.pix && squeeze < 1.0f) line.squeeze(squeeze);
    return recognise(recognizer, line);
  }
  static LineRead recognise(internal::Recognizer& recognizer, const internal::LineImage& line) {
    if (const char* dir = std::getenv("KEYDESK_SCAN_DEBUG"); dir && std::string_view(dir) != "-") {
      thread_local int n = 0;  // what the recognizer was given, in reading order
      pixWrite((std::string(dir) + "/line-" + std::to_string(n++) + ".png").c_str(),
               line.pix.get(), IFF_PNG);
    }
    LineRead read = recognizer.read(line.pix.get());
    for (internal::Glyph& g : read.glyphs) g.box = line.to_page(g.box);
    return read;
  }
  // Reads the row at `b`, with a margin so that strokes the row finder cut off are not lost.
  ReadRow read_row(const Page& page, const Box& b, bool skim) {
    ReadRow row = fold_row(b, read_line(*text, page, padded(b, 5), skim ? kSkim : 1.0f));
    row.skimmed = skim;
    return row;
  }

  // How many characters of the document vocabulary (the title words and labels of
  // rules/documents.yaml) `rows` hold. Tesseract's own confidence is no guide to orientation (it
  // reads upside-down Chinese as confident junk); known words are.
  int vocabulary_score(const std::vector<ReadRow>& rows) const {
    // Pairs of characters, not single ones: junk read from a page on its side is full of common
    // single characters, but seldom two that make a word of the documents.
    int known = 0;
    for (const ReadRow& r : rows)
      for (size_t i = 1; i < r.folded.size(); ++i)
        known += vocabulary.count(pair_key(r.folded[i - 1], r.folded[i])) ? 1 : 0;
    return known;
  }
  void add_vocabulary(const std::string& word) {
    std::u32string w = normalise_name(word);
    for (size_t i = 1; i < w.size(); ++i) vocabulary.insert(pair_key(w[i - 1], w[i]));
  }
  static std::uint64_t pair_key(char32_t a, char32_t b) {
    return (static_cast<std::uint64_t>(a) << 32) | static_cast<std::uint64_t>(b);
  }

  // Titles first (the tallest rows), then top to bottom: the order that finds the type and the
  // fields soonest.
  static std::vector<internal::TextRow> reading_order(std::vector<internal::TextRow> rows) {
    using internal::TextRow;
    if (rows.empty()) return rows;
    auto median_of = [&rows](auto height) {
      std::vector<int> heights;
      for (const TextRow& r : rows) heights.push_back(height(r));
      std::nth_element(heights.begin(), heights.begin() + heights.size() / 2, heights.end());
      return heights[heights.size() / 2];
    };
    const int median = median_of([](const TextRow& r) { return r.box.h; });
    const int median_glyph = median_of([](const TextRow& r) { return r.glyph_height; });
    // Rows far thinner than the text (rules, dotted leaders, the fine print around a QR code)
    // come last: Tesseract scales every row to one height, so a thin wide row costs as much as
    // several lines of text, and seldom holds anything looked for.
    // Small print (the notes around a QR code, a certificate number) and single marks (pieces of
    // a frame or an emblem) come after the text rows, and before the thin ones.
    std::vector<TextRow> titles, rest, small, thin;
    for (const TextRow& r : rows) {
      const Box& b = r.box;
      if (r.glyph_height * 10 >= median_glyph * 14 && b.h * 10 >= median * 14 && b.w >= b.h * 2)
        titles.push_back(r);
      else if (b.h * 10 < median * 6) {
        // A long one (a line of fine print, a hatched frame) costs as much as a paragraph and
        // holds nothing looked for: it is not read at all.
        if (b.w < b.h * 20) thin.push_back(r);
      }
      // A row wider than a line of text on the page can be (a guilloche band, a hatched
      // border, rows run together) comes after the text rows too.
      else if (b.h * 4 < median * 3 || b.w < b.h * 2 || b.w > b.h * 45) small.push_back(r);
      else rest.push_back(r);
    }
    std::stable_sort(titles.begin(), titles.end(), [](const TextRow& a, const TextRow& b) {
      return a.glyph_height > b.glyph_height;
    });
    if (titles.size() > 3) {
      rest.insert(rest.end(), titles.begin() + 3, titles.end());
      titles.resize(3);
    }
    auto top_down = [](const TextRow& a, const TextRow& b) {
      return internal::reads_before(a.box, b.box);
    };
    std::sort(rest.begin(), rest.end(), top_down);
    std::sort(small.begin(), small.end(), top_down);
    // The cells of one table row left to right, a label before its value, even when the value
    // (handwriting, a taller cell) has its middle higher than the label's.
    for (auto line = rest.begin(); line != rest.end();) {
      auto end = std::find_if(line + 1, rest.end(), [&line](const TextRow& r) {
        return r.box.y + r.box.h / 2 > line->box.bottom();
      });
      std::stable_sort(line, end, [](const TextRow& a, const TextRow& b) { return a.box.x < b.box.x; });
      line = end;
    }
    titles.insert(titles.end(), rest.begin(), rest.end());
    titles.insert(titles.end(), small.begin(), small.end());
    titles.insert(titles.end(), thin.begin(), thin.end());
    return titles;
  }

  std::set<std::uint64_t> vocabulary;  // pair_key of adjacent characters of the words

  void classify(const std::vector<ReadRow>& rows, int page_height, ScanResult& result) const {
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

  // Runs of code characters (USCC, ID numbers) in every row, and values after the labels.
  // The runs of 15 to 21 letters and digits in `row`: USCCs and ID numbers as read.
  // Two runs parted by one stray mark (91110105MATK&8X7498) are also given joined: the checksum
  // says whether the mark was a slip.
  static std::vector<FieldRead> code_runs(const ReadRow& row) {
    std::vector<FieldRead> runs;
    std::vector<std::pair<size_t, size_t>> spans;  // every run of code characters
    for (size_t i = 0; i < row.folded.size();) {
      if (!is_code_char(row.folded[i])) {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < row.folded.size() && is_code_char(row.folded[j])) ++j;
      spans.emplace_back(i, j);
      i = j;
    }
    auto add = [&](std::u32string text, size_t begin, size_t end) {
      if (text.size() >= 15 && text.size() <= 21)
        runs.push_back({"code", encode_utf8(text), glyph_span(row, begin, end),
                        glyph_confidence(row, begin, end)});
    };
    for (size_t k = 0; k < spans.size(); ++k) {
      auto [begin, end] = spans[k];
      add(row.folded.substr(begin, end - begin), begin, end);
      if (k + 1 < spans.size() && spans[k + 1].first == end + 1 && !is_cjk(row.folded[end]) &&
          end - begin < 15 && spans[k + 1].second - spans[k + 1].first < 15)
        add(row.folded.substr(begin, end - begin) +
                row.folded.substr(end + 1, spans[k + 1].second - end - 1),
            begin, spans[k + 1].second);
    }
    return runs;
  }

  // The Latin model's reading (letters and digits only) of the code at `box`: once per place and
  // scan, whether it was asked for by a code-shaped row or by a code the Chinese model misread.
  LineRead latin_read(const Box& box) {
    auto same_place = [&box](const Box& b) {
      int overlap = std::min(b.right(), box.right()) - std::max(b.x, box.x);
      return overlap * 10 >= std::max(b.w, box.w) * 9 &&
             std::abs((b.y + b.h / 2) - (box.y + box.h / 2)) * 2 <= std::max(b.h, box.h);
    };
    for (const auto& [at, read] : latin_reads_)
      if (same_place(at)) return read;
    LineRead read = read_line(*code, *current_, padded(box, 4));
    latin_reads_.emplace_back(box, read);
    return read;
  }
  // The same for a character grid (TextRow::grid), its cells set side by side first. Its
  // characters stand a cell apart, so the spaces the model puts between them are dropped.
  LineRead grid_read(const internal::TextRow& row) {
    LineRead read =
        recognise(*code, internal::grid_line_image(current_->grey, current_->binary.get(),
                                                   row.code_box, row.code_run));
    std::erase(read.text, ' ');
    latin_reads_.emplace_back(row.code_box, read);
    return read;
  }

  // A code the Chinese model read that fails its checksum, read again by the Latin model: both
  // readings go to the checksum, which decides.
  std::optional<FieldRead> reread_code(const FieldRead& field) {
    if (field.field != "code" || !code || passes_a_checksum(field.text)) return std::nullopt;
    LineRead read = latin_read(field.box);
    std::string folded = fold_code_text(read.text);
    folded.erase(std::remove_if(folded.begin(), folded.end(),
                                [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }),
                 folded.end());
    if (folded.size() < 15 || folded == field.text) return std::nullopt;
    return FieldRead{"code", folded, field.box, read.confidence};
  }

  // A mark taller than the print of row `i` starts just right of it, on its line: a signature
  // beside its label, likely.
  static bool mark_right_of(const std::vector<internal::TextRow>& rows, size_t i) {
    const Box& label = rows[i].box;
    return std::any_of(rows.begin(), rows.end(), [&label](const internal::TextRow& r) {
      const Box& b = r.box;
      int middle = b.y + b.h / 2;
      return b.x >= label.right() - label.h / 2 && b.x - label.right() <= label.h * 4 &&
             middle >= label.y - label.h && middle <= label.bottom() + label.h &&
             b.h * 10 >= label.h * 14;
    });
  }

  // `text` holds a USCC or an ID number that passes its checksum.
  static bool checks_as_code(const std::string& text) {
    std::string folded = fold_code_text(text);
    for (size_t i = 0; i < folded.size();) {
      size_t j = i;
      while (j < folded.size() && std::isalnum(static_cast<unsigned char>(folded[j]))) ++j;
      if (j - i >= 15 && j - i <= 21 && passes_a_checksum(folded.substr(i, j - i))) return true;
      i = j + 1;
    }
    return false;
  }

  void extract_fields(const std::vector<ReadRow>& rows, const DocumentType* type,
                      ScanResult& result) {
    for (const ReadRow& row : rows)
      for (FieldRead& field : code_runs(row)) result.fields.push_back(std::move(field));
    std::vector<FieldRead> rereads;
    for (const FieldRead& field : result.fields)
      if (std::optional<FieldRead> again = reread_code(field)) rereads.push_back(*again);
    result.fields.insert(result.fields.end(), rereads.begin(), rereads.end());
    if (!type) return;
    auto labelled = [&](const std::vector<std::string>& labels, const std::string& name,
                        size_t max_chars) {
      if (labels.empty()) return;
      std::optional<LabelHit> hit = find_label(rows, labels, 0.75);
      if (!hit) return;
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
      result.fields.push_back(
          {name, encode_utf8(value), glyph_span(row, begin, end), glyph_confidence(row, begin, end)});
    };
    labelled(type->name_labels, "name", 40);
    labelled(type->person_labels, "person", 4);
  }

  void find_signatures(const std::vector<ReadRow>& rows, const DocumentType& type,
                       ScanResult& result) {
    Pix* binary = current_->binary.get();
    const int w = static_cast<int>(pixGetWidth(binary));
    const int h = static_cast<int>(pixGetHeight(binary));
    for (const auto& [signer, labels] : type.signature_labels) {
      SignatureMark mark;
      mark.signer = signer;
      std::optional<LabelHit> hit;
      for (const std::string& written : labels) {
        const std::u32string label = normalise_name(written);
        for (size_t r = 0; r < rows.size(); ++r)
          if (std::optional<LabelHit> at = signature_label_in(rows[r], r, label))
            if (!hit || at->similarity > hit->similarity + 1e-9) hit = at;
      }
      if (!hit) {
        result.signatures.push_back(mark);  // the label itself was not found
        continue;
      }
      const ReadRow& row = rows[hit->row];
      mark.label_box = hit->box;
      mark.label = encode_utf8(row.folded.substr(hit->begin, hit->end - hit->begin));
      const Box& label = hit->box;
      int right = std::min(w, label.right() + w * 3 / 10);
      // Stop before the next printed label on the row ("日期：").
      for (size_t i = hit->end + 1; i < row.folded.size(); ++i) {
        if (!is_separator(row.folded[i])) continue;
        size_t start = i;
        while (start > hit->end && i - start < 4 && is_cjk(row.folded[start - 1])) --start;
        Box next = glyph_span(row, start, i + 1);
        if (next.x > label.right() + label.h * 2) right = std::min(right, next.x - 4);
        break;
      }
      int top = std::max(0, label.y - label.h), bottom = std::min(h, label.bottom() + label.h);
      mark.region = {label.right() + 4, top, std::max(0, right - label.right() - 4), bottom - top};
      if (mark.region.w > label.h) {
        int tallest = 0;
        mark.ink = internal::handwriting_ink(binary, mark.region, &tallest);
        mark.present = mark.ink >= 0.012 && tallest >= label.h / 2;
      }
      result.signatures.push_back(mark);
    }
  }

  // What reading still looks for: the hinted values and the signature labels of the expected type.
  // A value whose label has been read but that is not on the label's row or the next two
  // (handwriting, a seal over it) is given up on: the rest of the page will not hold it either.
  struct Wanted {
    struct Value {
      std::u32string target;  // as the form gives it (codes) or normalised (names)
      std::vector<std::u32string> labels;
      bool wanted = false;
      int grace = -1;  // rows left after its label was read; -1 before
    };
    Wanted(const ScanHints& hints, const DocumentType* expected) {
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
    }
    // `codes`: text read, folded as a code is (O → 0, …); `folded`: the same normalised as names.
    void see_codes(const std::u32string& codes, const std::u32string& folded) {
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
    // The values `row` holds.
    void see_values(const ReadRow& row) {
      see_codes(decode_utf8_lossy(fold_code_text(row.read.text)), row.folded);
      if (company.wanted && substring_similarity(row.folded, company.target) >= 0.9) found(company);
      if (applicant.wanted && substring_similarity(row.folded, applicant.target) >= 1.0)
        found(applicant);
    }
    // The values and labels `row` holds, one more row read.
    void see(const ReadRow& row) {
      see_values(row);
      for (Value* v : {&uscc, &id, &company, &applicant}) {
        if (!v->wanted) continue;
        if (v->grace > 0) --v->grace;
        else if (v->grace == 0) v->wanted = false;
        // Short labels (名称) must be read whole; longer ones may have a slip in a third.
        size_t label_end = 0;
        if (v->grace < 0 && has_label(*v, row, 1.0, &label_end)) {
          // A value read after its label on the same row (a slip keeps it from matching) has
          // two more rows read to show up on; a label alone, three (its cell, a second line).
          auto [begin, end] = value_after(row, label_end);
          const size_t least = v == &company ? 4 : v == &applicant ? 2 : 15;
          v->grace = end - begin >= least ? 1 : 2;
          ++hits;
        }
      }
      hits += static_cast<int>(
          std::erase_if(signatures, [&row](const std::vector<std::u32string>& labels) {
            return std::any_of(labels.begin(), labels.end(), [&row](const std::u32string& label) {
              return find_signature_label(row.folded, label).has_value();
            });
          }));
    }
    // Only signature labels are still wanted: they sit at the foot of a page.
    bool values_done() const {
      return !uscc.wanted && !id.wanted && !company.wanted && !applicant.wanted;
    }
    bool codes_wanted() const { return uscc.wanted || id.wanted; }
    bool names_wanted() const { return company.wanted || applicant.wanted; }
    // A value's label has been read and the value not yet: the rows now read may hold it.
    bool expecting() const {
      auto values = {&uscc, &id, &company, &applicant};
      return std::any_of(values.begin(), values.end(),
                         [](const Value* v) { return v->wanted && v->grace >= 0; });
    }
    // A skimmed row worth reading again at full width: it may hold the label of a value looked
    // for (and so the value after it). Not when all it holds is the label, read whole (a label
    // alone in its cell: the value is in the cells read next), or the document's title.
    bool worth_rereading(const ReadRow& row) const {
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
    // The label of a value looked for may be on `row`: half of a short one (姓名) on a short row
    // will do.
    bool near_label(const ReadRow& row) const {
      for (const Value* v : {&uscc, &id, &company, &applicant})
        if (v->wanted && v->grace < 0 && has_label(*v, row, row.folded.size() <= kCellChars ? 0.5 : 1.0))
          return true;
      return false;
    }
    // One of `v`'s labels is on `row`: a short one (≤ 3 characters) with `short_similarity`, a
    // longer one with a slip in a third. A name's label followed by Latin words is another label
    // (经营者英文名称, not 中文名称).
    bool has_label(const Value& v, const ReadRow& row, double short_similarity,
                   size_t* label_end = nullptr) const {
      for (const std::u32string& label : v.labels) {
        if (label.empty() || row.folded.size() + 1 < label.size()) continue;
        size_t end = 0;
        double similarity = substring_similarity(row.folded, label, nullptr, &end);
        if (similarity < (label.size() <= 3 ? short_similarity : 0.65)) continue;
        if ((&v == &company || &v == &applicant) && latin_follows(row.folded, end)) continue;
        if (label_end) *label_end = end;
        return true;
      }
      return false;
    }
    bool all_seen() const { return values_done() && signatures.empty(); }
    std::string describe() const {
      std::string out;
      for (auto [v, what] : {std::pair{&uscc, " uscc"}, {&id, " id_number"}, {&company, " name"},
                             {&applicant, " person"}})
        if (v->wanted) out += what;
      return signatures.empty() ? out : out + " signature";
    }
    void found(Value& v) {
      v.wanted = false;
      ++hits;
    }
    Value uscc, id, company, applicant;
    int hits = 0;  // values, labels and signature labels found so far
    std::vector<std::vector<std::u32string>> signatures;  // labels, normalised, per signer
    std::vector<std::u32string> others;                   // labels of values not looked for
    std::vector<std::u32string> titles;                   // the expected type's title words

    // `row` begins with the label of a value nobody looks for (注册资本…), and holds no label of
    // one looked for.
    bool other_label_leads(const ReadRow& row) const {
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
  };

  void debug_images(const std::string& dir, const Page& page,
                    const std::vector<internal::TextRow>& rows) const {
    PixPtr grey = page.grey.whole();
    pixWrite((dir + "/grey.png").c_str(), grey.get(), IFF_PNG);
    pixWrite((dir + "/binary.png").c_str(), page.binary.get(), IFF_PNG);
    PixPtr shown(pixConvertTo32(grey.get()));
    for (const internal::TextRow& row : rows) {
      const Box& b = row.box;
      BOX* bx = boxCreate(b.x, b.y, b.w, b.h);
      pixRenderBoxArb(shown.get(), bx, 2, 255, 0, 0);
      boxDestroy(&bx);
    }
    pixWrite((dir + "/rows.png").c_str(), shown.get(), IFF_PNG);
  }

  const DocumentType* type_named(std::string_view id) const {
    for (const DocumentType& t : types)
      if (t.id == id) return &t;
    return nullptr;
  }

  const Page* current_ = nullptr;  // the page analyse() is reading
  std::vector<std::pair<Box, LineRead>> latin_reads_;  // latin_read's, this page
};

ScanAnalyzer::ScanAnalyzer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ScanAnalyzer::~ScanAnalyzer() = default;

Result<std::unique_ptr<ScanAnalyzer>> ScanAnalyzer::create(std::vector<DocumentType> types,
                                                           const ScanOptions& options) {
  setMsgSeverity(L_SEVERITY_WARNING);  // Leptonica's notes ("rotate by shear") are not for clerks
  auto impl = std::make_unique<Impl>();
  impl->types = std::move(types);
  for (const DocumentType& t : impl->types)
    for (const auto* list : {&t.title_words, &t.uscc_labels, &t.name_labels, &t.person_labels,
                             &t.id_labels})
      for (const std::string& word : *list)
        impl->add_vocabulary(word);
  for (const char* word : {"有限公司", "年月日", "中华人民共和国", "进出口", "贸易", "电子钥匙",
                           "申请", "企业", "身份证", "签字", "盖章", "代码", "法定代表人"})
    impl->add_vocabulary(word);
  impl->options = options;
  std::string error;
  impl->text = internal::Recognizer::create(options.tessdata_dir, "chi_sim", "", &error);
  if (!impl->text) return error_of(ErrorKind::not_found, error);
  impl->code = internal::Recognizer::create(options.tessdata_dir, "eng",
                                            "0123456789ABCDEFGHIJKLMNOPQRSTUWXYZ", &error);
  if (!impl->code) return error_of(ErrorKind::not_found, error);
  return std::unique_ptr<ScanAnalyzer>(new ScanAnalyzer(std::move(impl)));
}


ScanResult ScanAnalyzer::analyse(const std::string& bytes, std::string_view expected_type,
                                 const ScanHints& hints) {
  ScanResult result;
  StageClock clock;
  std::optional<Impl::Page> page = impl_->normalise(bytes);
  if (!page) {
    result.problem = "the image data cannot be decoded";
    return result;
  }
  Impl& impl = *impl_;
  clock.mark("normalise");
  result.source_width = page->source_width;
  result.source_height = page->source_height;
  internal::Layout layout = internal::text_layout(page->binary.get());
  page->rules = std::move(layout.rules);
  std::vector<internal::TextRow> order = Impl::reading_order(std::move(layout.rows));
  clock.mark("rows");

  // Orientation: the first rows must give words of the vocabulary; if they do not, the page is
  // tried the other three ways up and the best kept.
  // Rows are read one by one until they give enough known words (no waste on an upright page:
  // these rows are read anyway). An upright page has given them within six rows; a page the
  // wrong way up gives none, so each other way is tried with its first three rows (its titles)
  // before any is read further, up to kProbe rows.
  constexpr size_t kFirst = 6, kTitles = 3, kProbe = 10;
  constexpr int kKnown = 3;
  struct Way {
    Impl::Page page;
    std::vector<internal::TextRow> order;
    std::vector<ReadRow> rows;
    int score = 0;
  };
  auto probe = [&](Way& way, size_t limit) {
    for (size_t i = way.rows.size(); i < std::min(limit, way.order.size()) && way.score < kKnown; ++i) {
      const internal::TextRow& row = way.order[i];
      auto started = std::chrono::steady_clock::now();
      way.rows.push_back(impl.read_row(way.page, row.box, row.code_run < kCodeGlyphs));
      way.score = impl.vocabulary_score(way.rows);
      if (clock.on)
        std::fprintf(stderr, "    probe %zu (%dx%d, turn %d) %.1f ms: %s\n", i, row.box.w,
                     row.box.h, way.page.rotation, ms_since(started),
                     way.rows.back().read.text.c_str());
    }
  };
  std::vector<Way> ways;
  ways.push_back(Way{std::move(*page), std::move(order), {}, 0});
  probe(ways[0], kFirst);
  size_t chosen = 0;
  if (ways[0].score < kKnown) {
    // Upside down first: the text axis has already turned most pages lying on their side. A
    // way is laid out when it is first tried (an upside-down page never lays out the other two).
    constexpr int kTurns[] = {2, 1, 3};
    auto way_at = [&](size_t w) -> Way& {
      if (w == ways.size()) {
        Way way{Impl::turned(ways[0].page, kTurns[w - 1]), {}, {}, 0};
        internal::Layout turned_layout = internal::text_layout(way.page.binary.get());
        way.page.rules = std::move(turned_layout.rules);
        way.order = Impl::reading_order(std::move(turned_layout.rows));
        ways.push_back(std::move(way));
      }
      return ways[w];
    };
    // A way is taken when its words clearly outnumber the page's as it came.
    auto better = [&](const Way& way) { return way.score > ways[0].score + 2; };
    for (size_t limit : {kTitles, kProbe}) {
      for (size_t w = 0; w <= std::size(kTurns) && chosen == 0; ++w) {
        Way& way = way_at(w);
        probe(way, limit);
        if (w > 0 && way.score >= kKnown && better(way)) chosen = w;
      }
      if (chosen != 0) break;
    }
    if (chosen == 0)
      for (size_t w = 1; w < ways.size(); ++w)
        if (better(ways[w]) && ways[w].score > ways[chosen].score) chosen = w;
    if (clock.on)
      for (const Way& way : ways)
        std::fprintf(stderr, "  turn %d: %d known%s\n", way.page.rotation, way.score,
                     &way == &ways[chosen] ? " (kept)" : "");
  }
  *page = std::move(ways[chosen].page);
  order = std::move(ways[chosen].order);
  std::vector<ReadRow> rows = std::move(ways[chosen].rows);
  clock.mark("orientation");
  result.rotation = page->rotation;
  result.skew_degrees = page->skew;
  result.scale = page->scale;
  result.width = static_cast<int>(pixGetWidth(page->binary.get()));
  result.height = static_cast<int>(pixGetHeight(page->binary.get()));
  result.ink_share = internal::ink_share(page->binary.get());
  result.seals = internal::find_seal_rings(page->mask.get(), std::min(result.width, result.height),
                                           true);
  impl.current_ = &*page;
  impl.latin_reads_.clear();
  if (const char* debug = std::getenv("KEYDESK_SCAN_DEBUG"); debug && std::string_view(debug) != "-")
    impl.debug_images(debug, *page, order);
  clock.mark("seals");

  // The rest of the rows, until everything looked for has been seen.
  const DocumentType* expected = impl.type_named(expected_type);
  Impl::Wanted wanted(hints, expected);
  // A skimmed row that may hold the label of a value still looked for (half of it read) is read
  // again at full width: the value is on it or on the rows read next (read at full width).
  auto see = [&](ReadRow& row) {
    if (row.skimmed) {
      wanted.see_values(row);
      if (wanted.worth_rereading(row)) {
        auto started = std::chrono::steady_clock::now();
        row = impl.read_row(*page, row.box, false);
        if (clock.on)
          std::fprintf(stderr, "    reread (%dx%d) %.1f ms: %s\n", row.box.w, row.box.h,
                       ms_since(started), row.read.text.c_str());
      }
    }
    wanted.see(row);
  };
  // Rows where other pages of this type held what is looked for (hints.places) come first; the
  // places found on this page go into the result for the next.
  auto place_of = [&result](const Box& b) {
    return PagePlace{
        static_cast<float>(b.x) / static_cast<float>(std::max(1, result.width)),
        static_cast<float>(b.y + b.h / 2) / static_cast<float>(std::max(1, result.height))};
  };
  std::vector<bool> at_known_place(order.size(), false);
  for (size_t i = 0; i < order.size(); ++i) {
    const PagePlace p = place_of(order[i].box);
    at_known_place[i] =
        std::any_of(hints.places.begin(), hints.places.end(), [&p](const PagePlace& q) {
          return std::abs(p.x - q.x) <= 0.04f && std::abs(p.y - q.y) <= 0.025f;
        });
  }
  std::optional<Box> label_row;  // where the label of a value still expected was read
  int lowest_value = -1;         // the middle of the lowest row that held a label or value
  size_t label_index = 0;        // its index in `order`
  auto see_here = [&](ReadRow& row, size_t index) {
    const Box& box = order[index].box;
    const int hits = wanted.hits;
    const size_t signatures = wanted.signatures.size();
    const bool was_expecting = wanted.expecting();
    see(row);
    if (!was_expecting && wanted.expecting()) label_row = box, label_index = index;
    if (wanted.hits > hits && wanted.signatures.size() == signatures)
      lowest_value = std::max(lowest_value, box.y + box.h / 2);
    if (wanted.hits > hits) {
      result.places.push_back(place_of(box));
      if (clock.on) std::fprintf(stderr, "    => held what is looked for\n");
    }
  };
  for (size_t i = 0; i < rows.size(); ++i) see_here(rows[i], i);
  // Top to bottom while values are wanted; once only signature labels are, from the foot up,
  // the head of each wide row first (a label leads its row; the rest of the row is read only if
  // no head holds one).
  enum class Seen { no, head, whole };
  std::vector<Seen> seen(order.size(), Seen::no);
  std::vector<size_t> read_as(order.size(), 0);  // index in `rows`
  std::vector<int> head_end(order.size(), 0);     // page column where a head read stopped
  for (size_t i = 0; i < rows.size(); ++i) seen[i] = Seen::whole, read_as[i] = i;
  auto first = [&](auto&& fits) -> std::optional<size_t> {
    for (size_t i = 0; i < order.size(); ++i)
      if (fits(i)) return i;
    return std::nullopt;
  };
  // A signature's label comes after what is signed: below the rows that held the values (the
  // rows above them are not searched for it).
  auto lowest = [&](Seen state, bool signed_only = false) -> std::optional<size_t> {
    std::optional<size_t> pick;
    for (size_t i = 0; i < order.size(); ++i)
      if (seen[i] == state && (!signed_only || Impl::mark_right_of(order, i)) &&
          order[i].box.y + order[i].box.h / 2 > lowest_value &&
          (!pick || order[i].box.bottom() > order[*pick].box.bottom()))
        pick = i;
    return pick;
  };
  for (;;) {
    // Everything looked for is there: stop once the rows read say what the document is (the
    // titles come first, so a few rows suffice).
    if (wanted.all_seen() && rows.size() >= 3) {
      ScanResult typed;
      impl.classify(rows, result.height, typed);
      if (!typed.detected_type.empty()) break;
    }
    std::optional<size_t> pick;
    bool heads = wanted.values_done() && !wanted.signatures.empty();
    if (heads) {
      // A label with handwriting right of it first: a signed form is found at once.
      pick = lowest(Seen::no, true);
      if (!pick) pick = lowest(Seen::no);
      if (!pick) pick = lowest(Seen::head);
    } else {
      // A row printed like a code comes before the rows above it.
      if (wanted.codes_wanted())
        pick = first([&](size_t i) { return seen[i] == Seen::no && order[i].code_run >= kCodeGlyphs; });
      // A label's value expected: it is right of the label on its line, or on the lines just
      // under it (small print too), else on the rows read after it.
      if (!pick && wanted.expecting() && label_row) {
        const Box& l = *label_row;
        auto line_of = [&l](const Box& b) {  // 0: the label's line, 1: under it, -1: neither
          const int middle = b.y + b.h / 2, label_middle = l.y + l.h / 2;
          if (std::abs(middle - label_middle) * 2 <= std::max(b.h, l.h))
            return b.x >= l.right() - l.h ? 0 : -1;
          return middle > label_middle && b.y <= l.bottom() + 2 * l.h ? 1 : -1;
        };
        for (size_t i = 0; i < order.size(); ++i) {
          if (seen[i] == Seen::whole) continue;
          const int line = line_of(order[i].box);
          if (line < 0) continue;
          if (!pick) {
            pick = i;
            continue;
          }
          const int best = line_of(order[*pick].box);
          const Box& b = order[i].box;
          const Box& p = order[*pick].box;
          if (line < best || (line == best && (line == 0 ? b.x < p.x : b.y < p.y))) pick = i;
        }
        if (!pick)
          pick = first([&](size_t i) { return i > label_index && seen[i] != Seen::whole; });
      }
      if (!pick)
        pick = first([&](size_t i) { return seen[i] != Seen::whole && at_known_place[i]; });
      if (!pick) pick = first([&](size_t i) { return seen[i] != Seen::whole; });
    }
    if (!pick) break;
    const size_t i = *pick;
    const Box& box = order[i].box;
    const Box area = padded(box, 5);
    auto row_start = std::chrono::steady_clock::now();
    if (seen[i] == Seen::no && !heads && order[i].code_run >= kCodeGlyphs && wanted.codes_wanted()) {
      // A row printed like a code: its code alone, by the Latin model (a fraction of the Chinese
      // model's cost), is enough when the checksum accepts it.
      const Box& at = order[i].code_box;
      LineRead code = order[i].grid ? impl.grid_read(order[i]) : impl.latin_read(at);
      if (clock.on) std::fprintf(stderr, "    latin read of the code run: %s\n", code.text.c_str());
      const bool is_code = Impl::checks_as_code(code.text);
      // Capitals with few digits are Latin words (an English name or address), never a code: a
      // USCC has eight digits at least and an ID number seventeen. The Latin model reads them
      // and what follows them; the Chinese model only what leads the row (its label).
      const bool latin_words =
          !is_code && std::count_if(code.text.begin(), code.text.end(), [](char c) {
                        return c >= '0' && c <= '9';
                      }) < 6;
      if (is_code || latin_words) {
        // The rest of the row, by the Chinese model, while a name is looked for (兹委托张三（身份
        // 证号码：…）).
        const bool rest = latin_words || wanted.names_wanted();
        LineRead whole;
        if (rest && at.x - box.x > box.h * 2)
          whole = Impl::read_line(*impl.text, *page, {area.x, area.y, at.x - 2 - area.x, area.h});
        append_read(whole, std::move(code));
        // Right of Latin words, more of them (…TRADING CO., LTD.).
        if (rest && box.right() - at.right() > box.h * 2)
          append_read(whole, Impl::read_line(latin_words ? *impl.code : *impl.text, *page,
                                             {at.right() + 2, area.y, area.right() - at.right() - 2, area.h}));
        read_as[i] = rows.size();
        rows.push_back(fold_row(box, std::move(whole)));
        seen[i] = Seen::whole;
      }
    }
    if (seen[i] == Seen::head) {
      Box rest{head_end[i], area.y, area.right() - head_end[i], area.h};
      ReadRow& row = rows[read_as[i]];
      LineRead whole = std::move(row.read);
      append_read(whole, Impl::read_line(*impl.text, *page, rest, Impl::kSkim));
      row = fold_row(box, std::move(whole));
      row.skimmed = true;
      seen[i] = Seen::whole;
    } else if (seen[i] == Seen::no && heads && box.w > box.h * 12) {
      // The head of a wide row first: a signature's label leads its row.
      head_end[i] = internal::blank_column(page->binary.get(), page->rules.get(), box,
                                           box.x + box.h * 9);
      Box head{area.x, area.y, head_end[i] - area.x, area.h};
      read_as[i] = rows.size();
      rows.push_back(fold_row(box, Impl::read_line(*impl.text, *page, head, Impl::kSkim)));
      rows.back().skimmed = true;
      seen[i] = Seen::head;
    } else if (seen[i] == Seen::no) {
      read_as[i] = rows.size();
      // A code row the Latin model could not settle is skimmed like the rest (the code's
      // second reading comes from reread_code).
      rows.push_back(impl.read_row(*page, box, !wanted.expecting()));
      seen[i] = Seen::whole;
    }
    const ReadRow& row = rows[read_as[i]];
    // The label of a value nobody looks for, alone in its cell: its value cell is not read.
    if (!heads && row.folded.size() <= kCellChars && wanted.other_label_leads(row))
      if (std::optional<size_t> cell = cell_right_of(order, box, box.h * 6,
                                                     [&seen](size_t j) { return seen[j] == Seen::no; }))
        seen[*cell] = Seen::whole;
    // A code that is not the form's may be a slip of the Chinese model: the Latin one reads it
    // now rather than after the page, so that a good second reading ends the search.
    if (wanted.codes_wanted() && seen[i] == Seen::whole)
      for (const FieldRead& run : Impl::code_runs(row))
        if (std::optional<FieldRead> again = impl.reread_code(run)) {
          std::u32string text = decode_utf8_lossy(again->text);
          wanted.see_codes(text, text);
        }
    if (clock.on)
      std::fprintf(stderr, "    row %zu (%dx%d%s%s) %.1f ms @%d,%d: %s\n", i, box.w, box.h,
                   order[i].code_run >= kCodeGlyphs ? " code" : "",
                   seen[i] == Seen::head ? " head" : "", ms_since(row_start), box.x, box.y,
                   row.read.text.c_str());
    see_here(rows[read_as[i]], i);
  }
  clock.mark("ocr rows");
  if (clock.on)
    std::fprintf(stderr, "  %zu of %zu rows read (%s), still wanted:%s\n", rows.size(), order.size(),
                 std::string(expected_type).c_str(), wanted.describe().c_str());
  std::sort(rows.begin(), rows.end(),
            [](const ReadRow& a, const ReadRow& b) { return internal::reads_before(a.box, b.box); });
  size_t characters = 0;
  for (const ReadRow& row : rows) {
    if (row.read.glyphs.empty()) continue;
    characters += row.read.glyphs.size();
    result.lines.push_back({row.box, row.read.text, row.read.confidence});
  }
  if (characters < 6) {
    result.problem = "no legible text: a blank page, or a scan too faint or blurred to read";
    impl.current_ = nullptr;
    return result;
  }
  result.readable = true;
  impl.classify(rows, result.height, result);
  const DocumentType* detected = impl.type_named(result.detected_type);
  impl.extract_fields(rows, detected, result);
  clock.mark("fields");
  if (expected) impl.find_signatures(rows, *expected, result);
  clock.mark("signatures");
  impl.current_ = nullptr;
  return result;
}

std::string preview_jpeg(const std::string& bytes, const ScanResult& result, int max_width) {
  // Scaled down first, then turned: turning a page costs by its pixels, and the preview has a
  // quarter of the working page's.
  double factor = result.scale;
  if (result.width > max_width) factor *= static_cast<double>(max_width) / result.width;
  PixPtr rgb = internal::decode_rgb(bytes, factor);
  if (!rgb) return {};
  rgb = internal::rotate_page(rgb.get(), result.rotation / 90, 0);
  if (std::abs(result.skew_degrees) >= 0.1)
    rgb = internal::rotate_page(rgb.get(), 0, result.skew_degrees, true);
  l_uint8* data = nullptr;
  size_t size = 0;
  if (pixWriteMemJpeg(&data, &size, rgb.get(), 70, 0) != 0 || !data) return {};
  std::string out(reinterpret_cast<char*>(data), size);
  lept_free(data);
  return out;
}

}  // namespace keydesk::ocr
