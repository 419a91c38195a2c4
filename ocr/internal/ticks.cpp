// Tick lists (□首次申领 □补办 □增办 …): the row that holds the most items of the expected type's
// list (and any row beside it on its line), and the box before each item as the recognizer read
// it. Read as a character, an empty □ is 口 (its print is that character's shape in every face);
// a box with a tick, a cross or a √ in it, a ☑ or a ■ is read as some other character (回, 国,
// 区, 净 …), and a pen tick that spills over the box as a character or a scrawl. Measuring the
// ink instead was tried and is not steady: the recognizer's glyph places drift by a character on
// a long row, and the thin walls of a box break apart in a photocopy.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "ocr/internal/analyzer.h"
#include "ocr/text.h"

namespace keydesk::ocr {
namespace internal {

size_t find_tick_item(const std::u32string& text, const std::u32string& item,
                      const std::vector<std::u32string>& items) {
  if (item.empty()) return std::u32string::npos;
  if (size_t at = text.find(item); at != std::u32string::npos) return at;
  // One character misread (注俏 for 注销, 首次串领): the rest in place, something (its box) read
  // before it, and none of it another item's words (更新 is no slip of 重新).
  std::vector<bool> other(text.size(), false);
  for (const std::u32string& o : items)
    for (size_t at = o.empty() ? std::u32string::npos : text.find(o); at != std::u32string::npos;
         at = text.find(o, at + 1))
      std::fill(other.begin() + static_cast<std::ptrdiff_t>(at),
                other.begin() + static_cast<std::ptrdiff_t>(at + o.size()), true);
  for (size_t at = 1; at + item.size() <= text.size(); ++at) {
    if (std::any_of(other.begin() + static_cast<std::ptrdiff_t>(at),
                    other.begin() + static_cast<std::ptrdiff_t>(at + item.size()),
                    [](bool b) { return b; }))
      continue;
    size_t same = 0;
    for (size_t k = 0; k < item.size(); ++k) same += text[at + k] == item[k];
    if (same + 1 == item.size()) return at;
  }
  return std::u32string::npos;
}

size_t tick_items_on(const ReadRow& row, const std::vector<std::u32string>& items) {
  return static_cast<size_t>(
      std::count_if(items.begin(), items.end(), [&row, &items](const std::u32string& item) {
        return find_tick_item(row.folded, item, items) != std::u32string::npos;
      }));
}

}  // namespace internal

namespace {

// What the recognizer read for the box before an item: 口 (or a look-alike of an empty square)
// is empty; another Chinese character or a tick symbol is a marked box; anything else (a digit,
// a stroke read as a letter, nothing) says neither.
enum class BoxRead { empty, marked, unknown };

BoxRead box_read(const std::u32string& text, size_t item_at,
                 const std::vector<std::u32string>& items, size_t* box_at) {
  static const std::u32string skipped = U"“”\"'‘’，。,.、|:：;；·`~_-— ";
  size_t k = item_at;
  while (k > 0 && skipped.find(text[k - 1]) != std::u32string::npos) --k;
  if (k == 0) return BoxRead::unknown;
  // Right after another item: no box was read between them.
  for (const std::u32string& other : items)
    if (!other.empty() && k >= other.size() &&
        text.compare(k - other.size(), other.size(), other) == 0)
      return BoxRead::unknown;
  *box_at = k - 1;
  const char32_t c = text[k - 1];
  if (std::u32string_view(U"口□☐〇OD0").find(c) != std::u32string_view::npos) return BoxRead::empty;
  if (internal::is_cjk(c) || std::u32string_view(U"■☑☒√✓✔✗✘").find(c) != std::u32string_view::npos)
    return BoxRead::marked;
  return BoxRead::unknown;
}

}  // namespace

void ScanAnalyzer::Impl::find_ticks(const std::vector<internal::ReadRow>& rows,
                                    const DocumentType& type, ScanResult& result) {
  std::vector<std::u32string> items;
  for (const std::string& item : type.tick_items) items.push_back(normalise_name(item));
  const internal::ReadRow* list = nullptr;
  size_t most = 1;  // two items at least: one alone is a word of the text
  for (const internal::ReadRow& row : rows) {
    const size_t n = internal::tick_items_on(row, items);
    if (n > most) most = n, list = &row;
  }
  if (!list) return;
  // A marked box is taller or wider than the print and may part the row where it stands: the
  // rows beside the list's on its line hold the rest of it.
  std::vector<const internal::ReadRow*> line{list};
  const int middle = list->box.y + list->box.h / 2;
  for (const internal::ReadRow& row : rows)
    if (&row != list && std::abs(row.box.y + row.box.h / 2 - middle) * 2 <= list->box.h &&
        internal::tick_items_on(row, items) > 0)
      line.push_back(&row);
  Pix* binary = current_->binary.get();
  for (size_t i = 0; i < items.size(); ++i) {
    for (const internal::ReadRow* row : line) {
      const size_t at = internal::find_tick_item(row->folded, items[i], items);
      if (at == std::u32string::npos) continue;
      size_t box_at = at;
      const BoxRead read = box_read(row->folded, at, items, &box_at);
      TickMark mark;
      mark.item = type.tick_items[i];
      const Box first = internal::glyph_span(*row, at, at + 1);
      mark.box = box_at < at ? internal::glyph_span(*row, box_at, box_at + 1)
                             : Box{std::max(0, first.x - first.h * 3 / 2), first.y, first.h * 3 / 2,
                                   first.h};
      mark.ink = internal::ink_share(binary, &mark.box);
      mark.read = box_at < at ? encode_utf8(row->folded.substr(box_at, 1)) : "";
      mark.ticked = read == BoxRead::marked;
      mark.empty = read == BoxRead::empty;
      result.ticks.push_back(mark);
      break;
    }
  }
}

}  // namespace keydesk::ocr
