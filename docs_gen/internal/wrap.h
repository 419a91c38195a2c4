// Line breaking for Chinese text mixed with Latin codes (waybill numbers, USCCs, URLs).
//
// Rules: a break may fall between any two CJK characters and at spaces; a run of Latin letters,
// digits and ASCII punctuation stays whole unless it alone is wider than the line; no line
// starts with closing punctuation (，。）、：；！？」』》 …, 避头) and none ends with opening
// punctuation (（「『《 …, 避尾); a break never falls inside a UTF-8 sequence; '\n' forces one.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace keydesk::docs::internal {

// The advance width of a code point, in the caller's units (points at the text's size).
using Measure = std::function<double(char32_t)>;

// REQUIRES: `text` is well-formed UTF-8 (see decode_utf8). Never returns an empty vector: an
// empty text is one empty line.
std::vector<std::string> wrap_text(std::string_view text, double max_width, const Measure& width);

// The total advance of `text`.
double text_width(std::string_view text, const Measure& width);

// 避头: may not start a line.
bool is_closing_punctuation(char32_t cp);
// 避尾: may not end a line.
bool is_opening_punctuation(char32_t cp);

}  // namespace keydesk::docs::internal
