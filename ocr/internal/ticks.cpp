// Tick lists (□首次申领 □补办 □增办 …): the row that holds the most items of the expected type's
// list (and any row beside it on its line), and the box before each item as the recognizer read
// it. Read as a character, an empty □ is 口 (its print is that character's shape in every face);
// a box with a tick, a cross or a √ in it, a ☑ or a ■ is read as some other character (回, 国,
// 区, 净 …), and a pen tick that spills over the box as a character or a scrawl. Measuring the
// ink instead was tried and is not steady as the rule: the recognizer's glyph places drift by a
// character on a long row, and the thin walls of a box break apart in a photocopy. It only
// settles boxes read as neither (settle_by_ink), relative to the list's other boxes.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocr/internal/analyzer.h"
#include "ocr/internal/pix_util.h"
#include "ocr/text.h"

namespace keydesk::ocr {
namespace internal {

std::vector<size_t> locate_tick_items(const std::u32string& text,
                                      const std::vector<std::u32string>& items) {
  std::vector<size_t> at(items.size(), std::u32string::npos);
  std::vector<bool> taken(text.size(), false);
  auto take = [&](size_t i, size_t from) {
    at[i] = from;
    std::fill(taken.begin() + static_cast<std::ptrdiff_t>(from),
              taken.begin() + static_cast<std::ptrdiff_t>(from + items[i].size()), true);
  };
  auto free_span = [&](size_t from, size_t n) {
    return std::none_of(taken.begin() + static_cast<std::ptrdiff_t>(from),
                        taken.begin() + static_cast<std::ptrdiff_t>(from + n),
                        [](bool b) { return b; });
  };
  // How many of item `i`'s characters `text` has in place from `from`.
  auto same_as = [&](size_t i, size_t from) {
    size_t same = 0;
    for (size_t k = 0; k < items[i].size() && from + k < text.size(); ++k)
      same += text[from + k] == items[i][k];
    return same;
  };
  // Read whole first, the longer items before the shorter.
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&items](size_t a, size_t b) { return items[a].size() > items[b].size(); });
  for (size_t i : order)
    for (size_t from = items[i].empty() ? std::u32string::npos : text.find(items[i]);
         from != std::u32string::npos; from = text.find(items[i], from + 1))
      if (free_span(from, items[i].size())) {
        take(i, from);
        break;
      }
  // Then one character misread (注俏 for 注销, 首次串领), something (its box) read before it,
  // in what no other item took (更新 is no slip of 重新申领's 重新, nor of 重新中领's).
  for (size_t i : order) {
    if (at[i] != std::u32string::npos || items[i].size() < 2) continue;
    for (size_t from = 1; from + items[i].size() <= text.size(); ++from) {
      if (!free_span(from, items[i].size())) continue;
      if (same_as(i, from) + 1 == items[i].size()) {
        take(i, from);
        break;
      }
    }
  }
  // Last, an item of four characters with two misread (攻次申令 for 首次申领), where the two read
  // as they are stand where no other item has them (重新申领 shares 申领 with 首次申领).
  for (size_t i : order) {
    if (at[i] != std::u32string::npos || items[i].size() < 4) continue;
    for (size_t from = 1; from + items[i].size() <= text.size(); ++from) {
      if (!free_span(from, items[i].size()) || same_as(i, from) + 2 != items[i].size()) continue;
      bool own = true;
      for (size_t j = 0; j < items.size(); ++j)
        if (j != i && same_as(j, from) >= same_as(i, from)) own = false;
      if (own) {
        take(i, from);
        break;
      }
    }
  }
  return at;
}

}  // namespace internal

namespace {

// What the recognizer read for the box before an item: 口 (or a look-alike of an empty square)
// is empty; another Chinese character or a tick symbol is a marked box; anything else (a digit,
// a stroke read as a letter, nothing) says neither.
enum class BoxRead { empty, marked, unknown };

BoxRead box_read(const std::u32string& text, size_t item_at, const std::vector<size_t>& located,
                 const std::vector<std::u32string>& items, size_t* box_at) {
  static const std::u32string skipped = U"“”\"'‘’，。,.、|:：;；·`~_-— ";
  size_t k = item_at;
  while (k > 0 && skipped.find(text[k - 1]) != std::u32string::npos) --k;
  if (k == 0) return BoxRead::unknown;
  // Right after another item (its words as read, a slip included): no box was read between them.
  for (size_t i = 0; i < items.size(); ++i)
    if (located[i] != std::u32string::npos && located[i] < k && k <= located[i] + items[i].size())
      return BoxRead::unknown;
  *box_at = k - 1;
  const char32_t c = text[k - 1];
  if (std::u32string_view(U"口□☐〇OD0").find(c) != std::u32string_view::npos) return BoxRead::empty;
  // A filled box at small print reads as @ as often as ■.
  if (internal::is_cjk(c) ||
      std::u32string_view(U"■▪●◼☑☒√✓✔✗✘@").find(c) != std::u32string_view::npos)
    return BoxRead::marked;
  return BoxRead::unknown;
}

}  // namespace

void ScanAnalyzer::Impl::find_ticks(const std::vector<internal::ReadRow>& rows,
                                    const DocumentType& type, ScanResult& result) {
  std::vector<std::u32string> items;
  for (const std::string& item : type.tick_items) items.push_back(normalise_name(item));
  // Where the items stand on each row read, once.
  std::vector<std::vector<size_t>> located;
  for (const internal::ReadRow& row : rows)
    located.push_back(internal::locate_tick_items(row.folded, items));
  auto found_on = [&located](size_t r) {
    return static_cast<size_t>(std::count_if(located[r].begin(), located[r].end(),
                                             [](size_t a) { return a != std::u32string::npos; }));
  };
  std::optional<size_t> list;
  size_t most = 1;  // two items at least: one alone is a word of the text
  for (size_t r = 0; r < rows.size(); ++r)
    if (const size_t n = found_on(r); n > most) most = n, list = r;
  if (!list) return;
  // A marked box is taller or wider than the print and may part the row where it stands: the
  // rows beside the list's on its line hold the rest of it.
  std::vector<size_t> line{*list};
  const Box& at_list = rows[*list].box;
  const int middle = at_list.y + at_list.h / 2;
  for (size_t r = 0; r < rows.size(); ++r)
    if (r != *list && std::abs(rows[r].box.y + rows[r].box.h / 2 - middle) * 2 <= at_list.h &&
        found_on(r) > 0)
      line.push_back(r);
  const size_t first_mark = result.ticks.size();
  std::vector<Box> item_starts;  // each mark's item's first glyph
  for (size_t i = 0; i < items.size(); ++i) {
    for (size_t r : line) {
      const internal::ReadRow& row = rows[r];
      const size_t at = located[r][i];
      if (at == std::u32string::npos) continue;
      size_t box_at = at;
      const BoxRead read = box_read(row.folded, at, located[r], items, &box_at);
      TickMark mark;
      mark.item = type.tick_items[i];
      const Box first = internal::glyph_span(row, at, at + 1);
      mark.box = box_at < at ? internal::glyph_span(row, box_at, box_at + 1)
                             : Box{std::max(0, first.x - first.h * 3 / 2), first.y, first.h * 3 / 2,
                                   first.h};
      mark.read = box_at < at ? encode_utf8(row.folded.substr(box_at, 1)) : "";
      mark.ticked = read == BoxRead::marked;
      mark.empty = read == BoxRead::empty;
      result.ticks.push_back(mark);
      item_starts.push_back(first);
      break;
    }
  }
  settle_by_ink(item_starts, first_mark, result);
}

std::vector<Box> ScanAnalyzer::Impl::boxes_by_print(const std::vector<Box>& item_starts,
                                                    int h) const {
  // The list's line parted where its print stands far apart: a box stands close to its words,
  // and an item's words further from the next item's box than a character's height (□首次申领
  // □补办 …). Each part, when it holds one item's first character and no other's, begins with
  // that item's box (and the pen's mark spilling over it). None when the parts and the items do
  // not pair off so.
  std::vector<Box> out;
  if (item_starts.empty() || !current_ || h <= 0) return out;
  int top = item_starts[0].y, bottom = item_starts[0].bottom();
  int left = item_starts[0].x, right = item_starts[0].right();
  for (const Box& f : item_starts) {
    top = std::min(top, f.y), bottom = std::max(bottom, f.bottom());
    left = std::min(left, f.x), right = std::max(right, f.right());
  }
  const int page_w = internal::width_of(current_->binary.get());
  const int x0 = std::max(0, left - 3 * h), x1 = std::min(page_w, right + 3 * h);
  if (x1 - x0 < h || bottom <= top) return out;
  const Box band{x0, top, x1 - x0, bottom - top};
  internal::PixPtr ink = internal::clip_of(current_->binary.get(), band);
  internal::PixPtr ruled = internal::clip_of(current_->rules.get(), band);
  if (!ink || !ruled) return out;
  pixSubtract(ink.get(), ink.get(), ruled.get());
  const int w = internal::width_of(ink.get());
  std::vector<bool> inked = internal::blank_columns(ink.get());
  inked.flip();
  std::vector<std::pair<int, int>> parts;  // [from, to) page columns
  for (int x = 0; x < w;) {
    if (!inked[static_cast<size_t>(x)]) {
      ++x;
      continue;
    }
    int end = x;
    while (end < w && inked[static_cast<size_t>(end)]) ++end;
    if (!parts.empty() && x0 + x - parts.back().second < h)
      parts.back().second = x0 + end;
    else
      parts.emplace_back(x0 + x, x0 + end);
    x = end;
  }
  // Where each item's first character stands: its glyph's left character's width (a glyph box
  // may have drifted right or taken in the box).
  std::vector<int> part_of;
  for (const Box& f : item_starts) {
    const int centre = f.x + std::min(f.w, f.h) / 2;
    int found = -1;
    for (size_t p = 0; p < parts.size(); ++p)
      if (centre >= parts[p].first && centre < parts[p].second) found = static_cast<int>(p);
    if (found < 0 || std::find(part_of.begin(), part_of.end(), found) != part_of.end()) return out;
    part_of.push_back(found);
  }
  // The box is the part's first piece of print (a tick that touches it included): a tiny box
  // (□ at a third of the print's height) stands apart from its words, and a window as wide as a
  // character would take in the first of them.
  for (size_t k = 0; k < item_starts.size(); ++k) {
    const auto [from, to] = parts[static_cast<size_t>(part_of[k])];
    int end = from;
    while (end < to && inked[static_cast<size_t>(end - x0)]) ++end;
    out.push_back({from, item_starts[k].y, end - from, item_starts[k].h});
  }
  return out;
}

void ScanAnalyzer::Impl::settle_by_ink(const std::vector<Box>& item_starts, size_t first_mark,
                                       ScanResult& result) const {
  // The boxes read as neither empty nor marked (a ■ read as E, an empty □ as 5, a pen cross as
  // nothing), judged by their ink against the list's other boxes. Only a box that clearly stands
  // out is marked (more than twice the list's middle and half again the next most: a window that
  // drifted onto print would not stand out alone), and a box no more inked than the list's
  // empty-read ones is empty. Nothing else changes: a read 口 stays empty, a read mark stays
  // marked.
  const size_t n = item_starts.size();
  if (n < 3 || !current_) return;
  Pix* binary = current_->binary.get();
  std::vector<int> heights;
  for (const Box& f : item_starts) heights.push_back(f.h);
  const int print = std::max(4, internal::middle_value(heights));  // the list's print height
  const double h = print;
  // Where the print parts into one piece per item (boxes_by_print), a box's ink is the ink of
  // the part's first piece, a character and three tenths wide at most, and half a character
  // above and below it (a pen mark spills over its box), counted against that window's full
  // size; and where that piece stands apart from its words, its ink's extent too (a √ over a
  // box a third of the print's height: little ink, but reaching far out of the box). Else the
  // window is before each item's first glyph, from a character and four fifths before it to half
  // a character before it (a glyph's box there may have drifted onto the character).
  const std::vector<Box> boxes = boxes_by_print(item_starts, print);
  std::vector<double> ink(n, 0), extent(n, 0);
  bool apart = !boxes.empty();
  for (size_t k = 0; k < n; ++k) {
    const Box& f = item_starts[k];
    const int top = std::max(0, f.y - f.h / 2);
    if (boxes.empty()) {
      const int left = std::max(0, f.x - f.h * 9 / 5);
      const Box window{left, top, std::max(0, f.x - f.h / 2 - left), f.y + f.h * 3 / 2 - top};
      ink[k] = internal::ink_share(binary, &window);
      continue;
    }
    const int cap = static_cast<int>(h * 1.3);
    apart = apart && boxes[k].w < cap;
    const Box window{boxes[k].x, top, std::min(boxes[k].w, cap), f.y + f.h * 3 / 2 - top};
    ink[k] = internal::ink_share(binary, &window) * window.w * window.h / (h * 1.3 * h * 2);
    const internal::PixPtr clip = internal::clip_of(binary, window);
    if (const std::optional<Box> fg = internal::ink_extent(clip.get()))
      extent[k] = static_cast<double>(fg->w) * fg->h;
  }
  auto stands_out = [n](const std::vector<double>& v, size_t k) {
    std::vector<double> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    const double middle = sorted[n / 2], most = sorted[n - 1], next = sorted[n - 2];
    return v[k] == most && most > middle * 2 && most > next * 1.5;
  };
  double empty_most = -1;
  for (size_t k = 0; k < n; ++k)
    if (result.ticks[first_mark + k].empty) empty_most = std::max(empty_most, ink[k]);
  for (size_t k = 0; k < n; ++k) {
    TickMark& mark = result.ticks[first_mark + k];
    if (mark.ticked || mark.empty) continue;
    if ((stands_out(ink, k) && ink[k] > 0.05) || (apart && stands_out(extent, k)))
      mark.ticked = true;
    else if (empty_most >= 0 && ink[k] <= empty_most * 1.1)
      mark.empty = true;
  }
  // Two boxes or more read as marked, one of them inked well above the list's middle and the
  // others no more than the middle: an empty □ at small print is read as 局, 门 or 噩 now and
  // then, a pen's tick spilling over its box never as 口. The others are empty. Two boxes ticked
  // both stand above the middle and stay ticked for a person to see. (The middle, not the boxes
  // read empty: a box's window may have taken in its words.)
  std::vector<size_t> marked;
  for (size_t k = 0; k < n; ++k)
    if (result.ticks[first_mark + k].ticked) marked.push_back(k);
  if (marked.size() < 2) return;
  std::vector<double> sorted = ink;
  std::sort(sorted.begin(), sorted.end());
  const double middle = sorted[n / 2];
  const size_t most = *std::max_element(marked.begin(), marked.end(),
                                        [&ink](size_t a, size_t b) { return ink[a] < ink[b]; });
  if (ink[most] <= middle * 1.5) return;
  for (size_t k : marked)
    if (k != most && ink[k] > middle * 1.2) return;
  for (size_t k : marked)
    if (k != most) {
      result.ticks[first_mark + k].ticked = false;
      result.ticks[first_mark + k].empty = true;
    }
}

}  // namespace keydesk::ocr
