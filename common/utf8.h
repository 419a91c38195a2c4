// UTF-8 for every library: a strict decoder for text people typed (a PDF must name the broken
// field), a lossy one for text OCR produced, and the encoders.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace keydesk {

// The code points of `text`, or nullopt when it is not well-formed UTF-8 (overlong forms,
// surrogates, truncated sequences and bytes that never start one are all refused).
std::optional<std::u32string> decode_utf8(std::string_view text);

// The code points of `text`, each byte that does not start a well-formed sequence read as
// U+FFFD.
std::u32string decode_utf8_lossy(std::string_view text);

// The byte offset just after the code point starting at `at` (REQUIRES: `text` well-formed).
std::size_t next_code_point(std::string_view text, std::size_t at);

std::string encode_utf8(char32_t cp);
std::string encode_utf8(std::u32string_view text);

// "U+5803"
std::string code_point_name(char32_t cp);

}  // namespace keydesk
