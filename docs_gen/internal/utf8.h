// UTF-8 decoding that refuses malformed input instead of guessing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keydesk::docs::internal {

// The code points of `text`, or nullopt when it is not well-formed UTF-8 (overlong forms,
// surrogates, truncated sequences and bytes that never start one are all refused).
std::optional<std::u32string> decode_utf8(std::string_view text);

// The byte offset just after the code point starting at `at` (REQUIRES: `text` well-formed).
std::size_t next_code_point(std::string_view text, std::size_t at);

std::string encode_utf8(char32_t cp);

// "U+5803"
std::string code_point_name(char32_t cp);

}  // namespace keydesk::docs::internal
