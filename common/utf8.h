// UTF-8 for every library: a strict decoder for text people typed (a PDF must name the broken
// field), a lossy one for text OCR produced, and the encoders.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace keydesk {

// The UTF-8 sequence starting at text[i] (REQUIRES: i < text.size()): `length` its bytes when it
// is well formed (RFC 3629: no overlong form, no surrogate, nothing above U+10FFFF), else 0 and
// `accepted` the bytes of it that were acceptable before it failed (0: text[i] starts none), as
// a decoder that reads the failing byte again sees it.
struct Utf8Sequence {
  std::size_t length;
  std::size_t accepted;
};
Utf8Sequence utf8_sequence_at(std::string_view text, std::size_t i);

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
