// Validators for the codes on Chinese enterprise and identity documents, and the repair of
// characters OCR confuses. Pure functions: no OCR here.
//
//  - 统一社会信用代码 (USCC), GB 32100-2015: 18 characters from 0-9 and A-Z without I, O, S, V, Z;
//    position 1 registration authority, 2 entity type, 3-8 administrative division (digits),
//    9-17 the organisation code (GB 11714: 8 characters + a check character, MOD 11 with
//    weights 3 7 9 10 5 8 4 2), 18 the check character (MOD 31, weights 3^i mod 31).
//  - 居民身份证号码 (resident ID number), GB 11643-1999: 6-digit division code, 8-digit birth
//    date, 3-digit sequence, check character (MOD 11-2, 0-9 or X).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace keydesk::ocr {

struct CodeCheck {
  bool valid = false;
  std::string code;    // the code as checked (upper case, repaired when repair was asked for)
  std::string reason;  // why it is invalid, for a person: "the check character should be 'F'"
};

// Checks a USCC as written (no repair): length, alphabet, division digits, the organisation-code
// check and the USCC check character.
CodeCheck check_uscc(std::string_view code);

// Checks a resident ID number: length, digits, a plausible province code (11–82), a real birth
// date not in the future of `today_yyyymmdd` and after 1900, and the check character.
CodeCheck check_id_number(std::string_view id, std::string_view today_yyyymmdd);

// OCR confusions the alphabet rules out: O→0, I→1, Z→2, S→5 (and lower-case letters), plus
// full-width characters folded to ASCII. Returns every repaired candidate whose check passes;
// when the text as read is valid, it is the only candidate. Ambiguity (two or more valid
// candidates) is for a person to resolve.
std::vector<std::string> repair_uscc(std::string_view read);
// A code as read with the letters it cannot hold made the digits they are misread for (O → 0,
// I → 1 …; a USCC's positions 3–8 are digits), upper case; no checksum asked.
std::string fold_uscc(std::string_view read);
std::string fold_id_number(std::string_view read);
std::vector<std::string> repair_id_number(std::string_view read, std::string_view today_yyyymmdd);

// Two readings of one USCC, neither of which passes its check, taken together (two models, or
// two sizes, each err in characters of their own: 91310115SMAQWJAO71N with an S put in, and
// 91310115MAQWJA0T1N with its 7 read as T). Where they differ, up to three characters in all in
// up to four places, either reading's characters. The one code that passes its check (the
// letters it never holds folded, fold_uscc), or "" when none or more than one does: a code made of
// two misreadings passes by chance about once in 341 (MOD 31 and the organisation code's MOD 11).
std::string uscc_from_two_readings(std::string_view a, std::string_view b);

// How many characters (edits) a code read off a scan may stand from the form's and still be
// taken for it: OCR's slips, not another code. Two in a USCC (another enterprise's differs in its
// organisation code; a valid code two off is one change in 31), one in an ID number (a
// relative's differs in its last four digits). engine/verify.cpp judges with them, and the
// reader takes a hand's code set straight within them (ocr/internal/fields.cpp).
constexpr size_t kUsccSlips = 2, kIdNumberSlips = 1;

}  // namespace keydesk::ocr
