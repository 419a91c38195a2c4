// ScanAnalyzer: making one (its engines and the document vocabulary), and analyse(), the order of
// its steps: the page normalised and turned until its first rows give words of the documents, its
// seals found, its rows read in the order that finds what is looked for soonest until everything
// has been seen, then its type, fields and signatures. The steps are ScanAnalyzer::Impl's
// (ocr/internal/analyzer.h), each in the file of its concern under ocr/internal/.
#include "ocr/scan.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "common/utf8.h"
#include "ocr/internal/analyzer.h"
#include "ocr/internal/leptonica.h"
#include "ocr/internal/page.h"
#include "ocr/internal/recognizer.h"
#include "ocr/internal/stage_clock.h"
#include "ocr/internal/wanted.h"
#include "ocr/text.h"

namespace keydesk::ocr {

using internal::cell_right_of;
using internal::fold_row;
using internal::kCellChars;
using internal::LineRead;
using internal::padded;
using internal::ReadRow;

namespace {

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

}  // namespace

// A row with this many code-shaped glyphs in a run is read as a likely USCC or ID number (18
// characters; one may merge with its neighbour or break in two).
constexpr int kCodeGlyphs = 14;

ScanAnalyzer::ScanAnalyzer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ScanAnalyzer::~ScanAnalyzer() = default;

Result<std::unique_ptr<ScanAnalyzer>> ScanAnalyzer::create(std::vector<DocumentType> types,
                                                           const ScanOptions& options) {
  setMsgSeverity(L_SEVERITY_WARNING);  // Leptonica's notes ("rotate by shear") are not for clerks
  auto impl = std::make_unique<Impl>();
  impl->types = std::move(types);
  for (const DocumentType& t : impl->types)
    for (const auto* list :
         {&t.title_words, &t.uscc_labels, &t.name_labels, &t.person_labels, &t.id_labels})
      for (const std::string& word : *list) impl->add_vocabulary(word);
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
  impl->shapes = std::make_unique<internal::GlyphShapes>();
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
  // these rows are read anyway). An upright page gives them within two rows (45 of 46 pages of
  // 12 submissions of the bench set, the other within three); a page the wrong way up gives none,
  // so after two rows each other way is tried with its first three rows (its titles) before any is
  // read further, up to kProbe rows. (Six rows first, until scan-51: four rows more read for
  // nothing on every page the wrong way up, and on the wide sets a fourth of the pages are.)
  constexpr size_t kFirst = 2, kTitles = 3, kProbe = 10;
  constexpr int kKnown = 3;
  struct Way {
    Impl::Page page;
    std::vector<internal::TextRow> order;
    std::vector<ReadRow> rows;
    int score = 0;
  };
  auto probe = [&](Way& way, size_t limit) {
    for (size_t i = way.rows.size(); i < std::min(limit, way.order.size()) && way.score < kKnown;
         ++i) {
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
    // A page the text axis turned and whose rows then read as nothing lies on its other side,
    // or was upright after all (two ID card copies of the bench set): the page as it came
    // before the page as it came upside down.
    const bool axis_turned = ways[0].page.rotation % 180 != 0;
    const std::array<int, 3> turns =
        axis_turned ? std::array<int, 3>{2, 3, 1} : std::array<int, 3>{2, 1, 3};
    auto way_at = [&](size_t w) -> Way& {
      if (w == ways.size()) {
        Way way{Impl::turned(ways[0].page, turns[w - 1]), {}, {}, 0};
        internal::Layout turned_layout = internal::text_layout(way.page.binary.get());
        way.page.rules = std::move(turned_layout.rules);
        way.order = Impl::reading_order(std::move(turned_layout.rows));
        ways.push_back(std::move(way));
      }
      return ways[w];
    };
    // A way is taken when its words clearly outnumber the page's as it came.
    auto better = [&](const Way& way) { return way.score > ways[0].score + 2; };
    // The first way read further first: enough known words there and it is kept. But a page
    // whose first rows gave no known pair at all (junk, as a page the wrong way up reads) is
    // tried the other ways before its third row is read: on the bench set, each of the 54 pages
    // the wrong way up gave none in its first two rows, and each upright page some.
    const size_t from = ways[0].score == 0 ? 1 : 0;
    bool settled = false;
    for (size_t limit : {kTitles, kProbe}) {
      for (size_t w = limit == kTitles ? from : 0; w <= turns.size() && chosen == 0 && !settled;
           ++w) {
        Way& way = way_at(w);
        probe(way, limit);
        if (w == 0 && way.score >= kKnown) settled = true;
        if (w > 0 && way.score >= kKnown && better(way)) chosen = w;
      }
      if (chosen != 0 || settled) break;
    }
    if (chosen == 0 && !settled)
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
  result.seals =
      internal::find_seal_rings(page->mask.get(), std::min(result.width, result.height), true);
  impl.current_ = &*page;
  impl.latin_reads_.clear();
  impl.levelled_reads_.clear();
  const char* debug = std::getenv("KEYDESK_SCAN_DEBUG");
  const bool debug_images = debug && std::string_view(debug) != "-";
  if (debug_images) impl.debug_images(debug, *page, order);
  for (size_t s = 0; s < result.seals.size(); ++s) {
    SealMark& seal = result.seals[s];
    impl.read_seal(*page, hints.seal_name,
                   debug_images ? std::string(debug) + "/seal" + std::to_string(s) + ".png" : "",
                   seal);
    if (clock.on) {
      std::fprintf(stderr, "  seal %zu: %s (%.0f)", s, seal.text.c_str(), seal.text_confidence);
      if (const auto& c = seal.name_check) {
        const std::string brand = c->brand_missing ? " (brand " + c->brand + " not found)" : "";
        std::fprintf(stderr, " %s%s read %zu drawn %zu:",
                     c->verdict == SealNameCheck::Verdict::same       ? "same"
                     : c->verdict == SealNameCheck::Verdict::other    ? "OTHER"
                     : c->verdict == SealNameCheck::Verdict::doubtful ? "doubtful"
                                                                      : "unsure",
                     brand.c_str(), c->read_as_name, c->drawn_as_name);
        for (const auto& d : c->differences)
          std::fprintf(stderr, " %s%.2f/%s%.2f", d.read.c_str(), d.read_likeness,
                       d.expected.c_str(), d.form_likeness);
      }
      std::fprintf(stderr, "\n");
    }
  }
  clock.mark("seals");

  // The rest of the rows, until everything looked for has been seen.
  const DocumentType* expected = impl.type_named(expected_type);
  Impl::Wanted wanted(hints, expected);
  // A skimmed row that may hold the label of a value still looked for (half of it read) is read
  // again at full width: the value is on it or on the rows read next (read at full width).
  // A value read a few characters off the form's looked at again (confirm.cpp); whether the
  // last look was taken.
  auto confirm = [&](ReadRow& row) {
    const size_t checks = result.glyph_checks.size();
    impl.confirm_values(row, hints, result);
    if (clock.on)
      for (size_t c = checks; c < result.glyph_checks.size(); ++c) {
        const GlyphCheck& g = result.glyph_checks[c];
        std::fprintf(stderr, "    glyph check [%d,%d %dx%d] %s as %s:%s", g.box.x, g.box.y, g.box.w,
                     g.box.h, g.read.c_str(), g.expected.c_str(), g.taken ? " taken" : "");
        for (size_t k = 0; k < g.likeness.size(); ++k) {
          std::fprintf(stderr, " %.2f/%.2f", g.likeness[k].first, g.likeness[k].second);
          if (k < g.rivals.size() && !g.rivals[k].first.empty())
            std::fprintf(stderr, "(%s%.2f)", g.rivals[k].first.c_str(), g.rivals[k].second);
        }
        if (!g.read_again.empty()) std::fprintf(stderr, " read again: %s", g.read_again.c_str());
        std::fprintf(stderr, "\n");
      }
    return result.glyph_checks.size() > checks && result.glyph_checks.back().taken;
  };
  // Codes the skimmed reading of a row held that its reading again lost, and codes the Latin
  // model's reading replaced in their row (carry_latin_codes): two readings of a line are two
  // witnesses (a hand-filled 91310115NMA9CHEDB3G skimmed, …NAD9CEDBaG at full width), and
  // engine/verify.cpp weighs every code read against the form's.
  std::vector<FieldRead> superseded;
  auto see = [&](ReadRow& row) {
    if (row.skimmed) {
      wanted.see_values(row);
      if (wanted.worth_rereading(row) || wanted.tick_items_worth_rereading(row)) {
        if (wanted.codes_wanted())
          for (FieldRead& run : Impl::code_runs(row)) superseded.push_back(std::move(run));
        auto started = std::chrono::steady_clock::now();
        row = impl.read_row(*page, row.box, false);
        if (clock.on)
          std::fprintf(stderr, "    reread (%dx%d) %.1f ms: %s\n", row.box.w, row.box.h,
                       ms_since(started), row.read.text.c_str());
      }
    }
    confirm(row);
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
  std::optional<Box> label_row;  // where the label of a value still expected was read (its glyphs)
  // The top of the lowest row that held a label or value: a signature's label is on its line
  // or below. (A hand read first, to tell the way up, may seem to hold one: 吕斌鑫 read 3注筷,
  // one character from the tick item 注销; its label 签名： stands on its line.)
  int lowest_value = -1;
  size_t label_index = 0;                // its index in `order`
  const size_t laid_out = order.size();  // rows of the binary page; pale rows come after
  auto see_here = [&](ReadRow& row, size_t index) {
    const Box& box = order[index].box;
    const int hits = wanted.hits;
    const size_t signatures = wanted.signatures.size();
    const bool was_expecting = wanted.expecting();
    see(row);
    if (!was_expecting && wanted.expecting()) label_row = wanted.label_box, label_index = index;
    if (wanted.hits > hits && wanted.signatures.size() == signatures)
      lowest_value = std::max(lowest_value, box.y);
    if (wanted.hits > hits) {
      // Pale print's rows (below) are this page's own last resort, not where the next pages of
      // its type hold their values: read there first, they would stop another page's search
      // before its own rows are read.
      if (index < laid_out) result.places.push_back(place_of(box));
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
  std::vector<int> head_end(order.size(), 0);    // page column where a head read stopped
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
  bool pale_looked = false;
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
        pick = first(
            [&](size_t i) { return seen[i] == Seen::no && order[i].code_run >= kCodeGlyphs; });
      // A label's value expected: it is right of the label on its line, or on the lines just
      // under it (small print too), else on the rows read after it.
      if (!pick && wanted.expecting() && label_row) {
        const Box& l = *label_row;
        auto line_of = [&l](const Box& b) {  // 0: the label's line, 1: under it, -1: neither
          const int middle = b.y + b.h / 2, label_middle = l.y + l.h / 2;
          if (std::abs(middle - label_middle) * 2 <= std::max(b.h, l.h))
            return b.x >= l.right() - l.h ? 0 : -1;
          // A value cell's first line when the value wraps: the cell centres its two lines on
          // the label's, so the first stands up to a line higher (91330203MA over GW4K6BXP), in
          // small print clear of the label's top.
          if (middle < label_middle && b.bottom() > l.y - l.h / 2 && b.w >= 2 * b.h &&
              b.x >= l.right() - l.h)
            return 0;
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
    // Values still looked for and every row read: the rows of pale print the binary page lost
    // (an ID card copied light on a page whose title came out black), read as the others.
    if (!pick && !pale_looked && !wanted.values_done()) {
      pale_looked = true;
      std::vector<internal::TextRow> pale = Impl::pale_rows(*page, order);
      if (clock.on) std::fprintf(stderr, "    pale rows: %zu\n", pale.size());
      if (!pale.empty()) {
        for (internal::TextRow& row : pale) order.push_back(std::move(row));
        seen.resize(order.size(), Seen::no);
        read_as.resize(order.size(), 0);
        head_end.resize(order.size(), 0);
        at_known_place.resize(order.size(), false);
        continue;
      }
    }
    if (!pick) break;
    const size_t i = *pick;
    const Box& box = order[i].box;
    const Box area = padded(box, 5);
    auto row_start = std::chrono::steady_clock::now();
    if (seen[i] == Seen::no && !heads && order[i].code_run >= kCodeGlyphs &&
        wanted.codes_wanted()) {
      // A row printed like a code: its code alone, by the Latin model (a fraction of the Chinese
      // model's cost), is enough when the checksum accepts it.
      const Box& at = order[i].code_box;
      LineRead code = order[i].grid ? impl.grid_read(order[i]) : impl.latin_read(at);
      if (clock.on)
        std::fprintf(stderr, "    latin read of the code run (%dx%d @%d,%d): %s\n", at.w, at.h,
                     at.x, at.y, code.text.c_str());
      // A code is what passes its checksum, or the form's own code (one that fails its checksum
      // is the submission's fault, found by its own check; the scan holding it is not).
      bool is_code = Impl::checks_as_code(code.text) || Impl::holds_hint(code.text, hints);
      if (!is_code) {
        // A code a few characters off the form's (a dotted 0 read as 6): its ink looked at
        // again, character by character.
        ReadRow looked = fold_row(at, code);
        if (confirm(looked) && Impl::checks_as_code(looked.read.text)) {
          code = std::move(looked.read);
          is_code = true;
        }
      }
      if (!is_code && order[i].grid) {
        LineRead chinese = impl.grid_read_chinese(order[i]);
        if (clock.on) std::fprintf(stderr, "    grid read by chi_sim: %s\n", chinese.text.c_str());
        if (Impl::checks_as_code(chinese.text) || Impl::holds_hint(chinese.text, hints)) {
          code = std::move(chinese);
          is_code = true;
        }
      }
      // Capitals with few digits are Latin words (an English name or address), never a code: a
      // USCC has eight digits at least and an ID number seventeen. The Latin model reads them
      // and what follows them; the Chinese model only what leads the row (its label).
      const bool latin_words =
          !is_code && std::count_if(code.text.begin(), code.text.end(),
                                    [](char c) { return c >= '0' && c <= '9'; }) < 6;
      // The first line of a code wrapped in its cell, ending its row (913301069252 over 56681X,
      // the label beside it wrapped too): the Latin model's reading, the Chinese model's of the
      // whole row having lost it, so that the line under it is joined to it (wrapped_codes).
      // Only a head of the form's code.
      const std::string code_chars = internal::code_characters(code.text);
      const bool code_head = !is_code && !latin_words && order[i].code_wraps && !order[i].grid &&
                             code_chars.size() >= 8 && code_chars.size() < 18 &&
                             at.right() + box.h >= box.right() &&
                             Impl::starts_like_hint(decode_utf8_lossy(code_chars), hints);
      if (is_code || latin_words || code_head) {
        // The rest of the row, by the Chinese model, while a name is looked for (兹委托张三（身份
        // 证号码：…）).
        const bool rest = latin_words || wanted.names_wanted();
        LineRead whole;
        if (rest && at.x - box.x > box.h * 2)
          whole = Impl::read_line(*impl.text, *page, {area.x, area.y, at.x - 2 - area.x, area.h});
        append_read(whole, std::move(code));
        // Right of Latin words, more of them (…TRADING CO., LTD.).
        if (rest && box.right() - at.right() > box.h * 2)
          append_read(whole, Impl::read_line(
                                 latin_words ? *impl.code : *impl.text, *page,
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
      head_end[i] =
          internal::blank_column(page->binary.get(), page->rules.get(), box, box.x + box.h * 9);
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
      if (std::optional<size_t> cell = cell_right_of(
              order, box, box.h * 6, [&seen](size_t j) { return seen[j] == Seen::no; }))
        seen[*cell] = Seen::whole;
    // A code that is not the form's may be a slip of the Chinese model: the Latin one reads it
    // now rather than after the page, so that a good second reading ends the search.
    bool coded = false;  // the row holds a code (one that passes its check, or the form's)
    if (wanted.codes_wanted() && seen[i] == Seen::whole)
      for (const FieldRead& run : Impl::code_runs(row)) {
        coded = coded || Impl::checks_as_code(run.text) || Impl::holds_hint(run.text, hints);
        if (std::optional<FieldRead> again = impl.reread_code(run, &hints)) {
          std::u32string text = decode_utf8_lossy(again->text);
          wanted.see_codes(text, text);
          coded =
              coded || Impl::checks_as_code(again->text) || Impl::holds_hint(again->text, hints);
        }
      }
    // A place printed like a code that neither model read as one (a hand's code, each character
    // up or down, the line uphill): set straight and read again, the reading a row of its own
    // (joined to the row's, it would run into a code read there). Not Latin words (an English
    // name or address: letters by the dozen).
    std::optional<LineRead> straight;
    if (!coded && wanted.codes_wanted() && seen[i] == Seen::whole &&
        order[i].code_run >= kCodeGlyphs && !order[i].grid) {
      const std::string latin = impl.latin_read(order[i].code_box).text;
      const auto digits =
          std::count_if(latin.begin(), latin.end(), [](char c) { return c >= '0' && c <= '9'; });
      const auto letters =
          std::count_if(latin.begin(), latin.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
      if (letters <= 2 * digits + 2) straight = impl.levelled_code(order[i].code_box, hints);
      if (straight && clock.on)
        std::fprintf(stderr, "    set straight: %s\n", straight->text.c_str());
    }
    if (clock.on)
      std::fprintf(stderr, "    row %zu (%dx%d%s%s) %.1f ms @%d,%d: %s\n", i, box.w, box.h,
                   order[i].code_run >= kCodeGlyphs ? " code" : "",
                   seen[i] == Seen::head ? " head" : "", ms_since(row_start), box.x, box.y,
                   row.read.text.c_str());
    see_here(rows[read_as[i]], i);
    if (straight) {
      rows.push_back(fold_row(order[i].code_box, std::move(*straight)));
      see_here(rows.back(), i);
    }
  }
  if (expected)
    if (std::optional<ReadRow> lost = impl.lost_name_cell(rows, *expected, hints, result)) {
      if (clock.on)
        std::fprintf(stderr, "    name's cell from the grey: %s\n", lost->read.text.c_str());
      rows.push_back(std::move(*lost));
    }
  // Each code the Chinese model misread and the Latin model read whole: the row carries it.
  // A round bracket read as an angle one is round (the folded text folds both alike).
  for (ReadRow& row : rows) {
    internal::mend_brackets(row.read);
    const size_t witnesses = superseded.size();
    impl.carry_latin_codes(row, superseded);
    if (clock.on && superseded.size() > witnesses)
      std::fprintf(stderr, "    code read by the Latin model: %s\n", row.read.text.c_str());
  }
  clock.mark("ocr rows");
  if (clock.on)
    std::fprintf(stderr, "  %zu of %zu rows read (%s), still wanted:%s\n", rows.size(),
                 order.size(), std::string(expected_type).c_str(), wanted.describe().c_str());
  std::sort(rows.begin(), rows.end(), [](const ReadRow& a, const ReadRow& b) {
    return internal::reads_before(a.box, b.box);
  });
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
  impl.extract_fields(rows, detected, &hints, result);
  for (FieldRead& run : superseded)
    if (std::none_of(result.fields.begin(), result.fields.end(),
                     [&run](const FieldRead& f) { return f.text == run.text; }))
      result.fields.push_back(std::move(run));
  impl.joined_readings(rows, result);
  clock.mark("fields");
  if (expected) {
    std::vector<Box> unread;
    for (size_t i = 0; i < order.size(); ++i)
      if (seen[i] == Seen::no) unread.push_back(order[i].box);
    impl.find_signatures(rows, unread, *expected, result);
  }
  clock.mark("signatures");
  if (expected && !expected->tick_items.empty()) impl.find_ticks(rows, *expected, result);
  impl.current_ = nullptr;
  return result;
}

namespace {

// A print's cells as numbers (0..9), row after row; empty when it is not well formed.
std::vector<double> print_cells(const SealPrint& p) {
  std::vector<double> cells;
  if (!p.well_formed()) return cells;
  cells.reserve(p.ink.size());
  for (char c : p.ink) cells.push_back(c - '0');
  return cells;
}

// A print that can stand for its stamp: ink enough (a name's characters, not a few specks of a
// faint press) and no solid blot across the band (a ring found too small, its band laid over the
// seal's star).
bool print_comparable(const std::vector<double>& cells, int bins) {
  constexpr int kRows = SealPrint::kPrintRows;
  const auto inked = std::count_if(cells.begin(), cells.end(), [](double v) { return v >= 3; });
  if (static_cast<double>(inked) < 0.08 * static_cast<double>(cells.size())) return false;
  const int blot = static_cast<int>(std::lround(12 / SealPrint::kPrintDegrees));
  int run = 0;
  for (int x = 0; x < bins; ++x) {
    int solid = 0;
    for (int r = 0; r < kRows; ++r) solid += cells[static_cast<size_t>(r * bins + x)] >= 8;
    run = solid * 4 >= kRows * 3 ? run + 1 : 0;
    if (run >= blot) return false;
  }
  return true;
}

// Pearson's correlation of the pairs `cells` yields (a value of each print per cell).
class Correlation {
 public:
  void add(double a, double b) {
    n_ += 1, sa_ += a, sb_ += b, saa_ += a * a, sbb_ += b * b, sab_ += a * b;
  }
  std::optional<double> value() const {
    if (n_ == 0) return std::nullopt;
    const double var_a = saa_ - sa_ * sa_ / n_, var_b = sbb_ - sb_ * sb_ / n_;
    if (var_a <= 1e-9 || var_b <= 1e-9) return std::nullopt;
    return (sab_ - sa_ * sb_ / n_) / std::sqrt(var_a * var_b);
  }

 private:
  double n_ = 0, sa_ = 0, sb_ = 0, saa_ = 0, sbb_ = 0, sab_ = 0;
};

}  // namespace

std::optional<double> stamp_likeness(const SealPrint& a, const SealPrint& b) {
  constexpr int kRows = SealPrint::kPrintRows;
  constexpr double kDegrees = SealPrint::kPrintDegrees;
  const std::vector<double> ca = print_cells(a), cb = print_cells(b);
  if (ca.empty() || cb.empty() || a.bins != b.bins) return std::nullopt;
  const int n = a.bins;
  if (!print_comparable(ca, n) || !print_comparable(cb, n)) return std::nullopt;
  auto at = [n](const std::vector<double>& cells, int r, int x) {
    return r < 0 || r >= kRows ? 0.0 : cells[static_cast<size_t>(r * n + ((x % n) + n) % n)];
  };
  // The bands turned to their best match (b's bin x - turn on a's bin x): where the foot's middle
  // is found moves with the ink about it.
  int turn = 0;
  double best_turn = -2;
  const int reach = static_cast<int>(std::lround(60 / kDegrees));
  for (int shift = -reach; shift <= reach; ++shift) {
    Correlation c;
    for (int r = 0; r < kRows; ++r)
      for (int x = 0; x < n; ++x) c.add(at(ca, r, x), at(cb, r, x - shift));
    if (const auto v = c.value(); v && *v > best_turn) best_turn = *v, turn = shift;
  }
  // Each stretch of about a character's width where both bands hold ink, matched on its own
  // (nudged by up to 3 degrees and a row: a press squeezed or its ring found a little off).
  const int width = static_cast<int>(std::lround(24 / kDegrees));
  const int nudge = static_cast<int>(std::lround(3 / kDegrees));
  const double cells = kRows * width;
  std::vector<double> stretches;
  for (int x0 = 0; x0 < n; x0 += width / 2) {
    double ink_a = 0, ink_b = 0;
    for (int r = 0; r < kRows; ++r)
      for (int x = x0; x < x0 + width; ++x) ink_a += at(ca, r, x), ink_b += at(cb, r, x - turn);
    if (ink_a + ink_b < 1.2 * cells || ink_a < 0.5 * cells || ink_b < 0.5 * cells) continue;
    double here = -1;
    for (int dx = -nudge; dx <= nudge; ++dx)
      for (int dy = -1; dy <= 1; ++dy) {
        Correlation c;
        for (int r = 0; r < kRows; ++r)
          for (int x = x0; x < x0 + width; ++x) c.add(at(ca, r, x), at(cb, r - dy, x - turn + dx));
        if (const auto v = c.value()) here = std::max(here, *v);
      }
    stretches.push_back(here);
  }
  if (stretches.size() < 2) return std::nullopt;
  std::sort(stretches.begin(), stretches.end());
  return stretches[1];
}

}  // namespace keydesk::ocr
