#include "ocr/codes.h"

#include <algorithm>
#include <map>
#include <set>

#include <boost/date_time/gregorian/gregorian_types.hpp>

namespace keydesk::ocr {

namespace {

const std::string_view kUsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

int uscc_value(char c) {
  auto pos = kUsccAlphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

// GB 11714 value of a character: digits 0-9, letters A=10 … Z=35.
int org_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return -1;
}

char org_check(std::string_view body8) {
  static const int weights[] = {3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (std::size_t i = 0; i < 8; ++i) sum += org_value(body8[i]) * weights[i];
  int c = 11 - sum % 11;
  return c == 10 ? 'X' : c == 11 ? '0' : static_cast<char>('0' + c);
}

char uscc_check(std::string_view body17) {
  static const int weights[] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) sum += uscc_value(body17[i]) * weights[i];
  int c = 31 - sum % 31;
  return kUsccAlphabet[static_cast<std::size_t>(c == 31 ? 0 : c)];
}

char id_check(std::string_view body17) {
  static const int weights[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) sum += (body17[i] - '0') * weights[i];
  return "10X98765432"[sum % 11];
}

std::string upper_ascii(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    // Full-width ASCII (U+FF01..U+FF5E) is EF BC 81..EF BD 9E in UTF-8: fold to ASCII.
    if (c == 0xEF && i + 2 < text.size()) {
      unsigned char b1 = static_cast<unsigned char>(text[i + 1]);
      unsigned char b2 = static_cast<unsigned char>(text[i + 2]);
      int cp = ((c & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F);
      if (cp >= 0xFF01 && cp <= 0xFF5E) {
        out += static_cast<char>(std::toupper(cp - 0xFF01 + 0x21));
        i += 2;
        continue;
      }
    }
    if (c == ' ' || c == '\t' || c == '-') continue;  // spaces and hyphens OCR inserts
    out += static_cast<char>(std::toupper(c));
  }
  return out;
}

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

CodeCheck check_uscc(std::string_view raw) {
  CodeCheck r;
  r.code = upper_ascii(raw);
  const std::string& c = r.code;
  if (c.size() != 18) {
    r.reason = "a USCC has 18 characters, this has " + std::to_string(c.size());
    return r;
  }
  for (std::size_t i = 0; i < c.size(); ++i)
    if (uscc_value(c[i]) < 0) {
      r.reason = std::string("character ") + std::to_string(i + 1) + " '" + c[i] +
                 "' cannot occur in a USCC (I, O, S, V, Z are never used)";
      return r;
    }
  if (std::string_view("123456789ANY").find(c[0]) == std::string_view::npos) {
    r.reason =
        std::string("the first character is the registering department (1–9, A, N or Y), not '") +
        c[0] + "'";
    return r;
  }
  if (!all_digits(std::string_view(c).substr(2, 6))) {
    r.reason = "characters 3–8 are the administrative division code and must be digits";
    return r;
  }
  // The division code starts with a province (11–82), or is 100000 for a body registered at the
  // national level.
  if (int province = std::stoi(c.substr(2, 2));
      province != 10 && (province < 11 || province > 82)) {
    r.reason = std::string("characters 3–8 (")
                   .append(c, 2, 6)
                   .append(") are not an administrative division code");
    return r;
  }
  std::string_view org = std::string_view(c).substr(8, 9);
  if (org_check(org.substr(0, 8)) != org[8]) {
    r.reason = std::string("the organisation code ") + std::string(org) +
               " fails its GB 11714 check (its last character should be '" +
               org_check(org.substr(0, 8)) + "')";
    return r;
  }
  char expected = uscc_check(std::string_view(c).substr(0, 17));
  if (expected != c[17]) {
    r.reason = std::string("the check character should be '") + expected + "', not '" + c[17] + "'";
    return r;
  }
  r.valid = true;
  return r;
}

CodeCheck check_id_number(std::string_view raw, std::string_view today) {
  CodeCheck r;
  r.code = upper_ascii(raw);
  const std::string& c = r.code;
  if (c.size() != 18) {
    r.reason = "a resident ID number has 18 characters, this has " + std::to_string(c.size());
    return r;
  }
  if (!all_digits(std::string_view(c).substr(0, 17)) ||
      !(all_digits(c.substr(17)) || c[17] == 'X')) {
    r.reason = "a resident ID number is 17 digits and a digit or X";
    return r;
  }
  int province = std::stoi(c.substr(0, 2));
  if (province < 11 || province > 82) {
    r.reason = std::string("'").append(c, 0, 2).append("' is not a province code (11–82)");
    return r;
  }
  int y = std::stoi(c.substr(6, 4)), m = std::stoi(c.substr(10, 2)), d = std::stoi(c.substr(12, 2));
  bool date_ok = y >= 1900 && m >= 1 && m <= 12 && d >= 1 &&
                 d <= boost::gregorian::gregorian_calendar::end_of_month_day(
                          static_cast<unsigned short>(y), static_cast<unsigned short>(m));
  if (!date_ok || c.compare(6, 8, std::string(today)) > 0) {
    r.reason = "the birth date " + c.substr(6, 8) + " is not a real past date";
    return r;
  }
  char expected = id_check(std::string_view(c).substr(0, 17));
  if (expected != c[17]) {
    r.reason = std::string("the check character should be '") + expected + "', not '" + c[17] + "'";
    return r;
  }
  r.valid = true;
  return r;
}

namespace {

// Characters OCR mistakes for one another; each maps to the alternatives worth trying.
const std::map<char, std::string>& confusions() {
  static const std::map<char, std::string> m = {
      {'0', "DQU8"}, {'1', "7LT"}, {'2', "Z7"}, {'3', "8"}, {'5', "6S"}, {'6', "G58"},
      {'7', "1T"},   {'8', "B30"}, {'B', "8"},  {'D', "0"}, {'G', "6"},  {'Q', "0"},
      {'T', "71"},   {'U', "0"},   {'L', "1"},  {'X', "K"}, {'K', "X"},  {'Y', "V"}};
  return m;
}

// Letters that can never stand in the code: their only sensible reading.
std::string fold_impossible(std::string code, bool digits_only_body) {
  static const std::map<char, char> fix = {
      {'O', '0'}, {'I', '1'}, {'Z', '2'}, {'S', '5'}, {'|', '1'}};
  for (std::size_t i = 0; i < code.size(); ++i) {
    auto it = fix.find(code[i]);
    if (it != fix.end()) code[i] = it->second;
    if (digits_only_body && i < 17) {
      static const std::map<char, char> digit = {{'B', '8'}, {'D', '0'}, {'Q', '0'}, {'G', '6'},
                                                 {'L', '1'}, {'T', '7'}, {'U', '0'}};
      auto d = digit.find(code[i]);
      if (d != digit.end()) code[i] = d->second;
    }
  }
  return code;
}

template <class Valid>
std::vector<std::string> candidates(const std::string& folded, Valid valid) {
  if (valid(folded)) return {folded};
  std::set<std::string> out;
  // One character too many, the same as its neighbour once folded (a 0 read as 0O, a 1 as 11):
  // OCR doubles a glyph it splits. Only the doubling itself is undone, with no other repair,
  // so that garbage is not repaired into a valid code.
  if (folded.size() == 19) {
    for (std::size_t i = 0; i + 1 < folded.size(); ++i)
      if (folded[i] == folded[i + 1])
        if (std::string c = folded.substr(0, i) + folded.substr(i + 1); valid(c)) out.insert(c);
    return {out.begin(), out.end()};
  }
  for (std::size_t i = 0; i < folded.size(); ++i) {
    auto it = confusions().find(folded[i]);
    if (it == confusions().end()) continue;
    for (char alt : it->second) {
      std::string c = folded;
      c[i] = alt;
      if (valid(c)) out.insert(c);
    }
  }
  return {out.begin(), out.end()};
}

}  // namespace

std::string fold_uscc(std::string_view read) {
  std::string folded = upper_ascii(read);
  // Positions 3–8 are digits: letters there are digits misread.
  if (folded.size() == 18)
    for (std::size_t i = 2; i < 8; ++i)
      folded[i] = fold_impossible(std::string(1, folded[i]), true)[0];
  return fold_impossible(folded, false);
}

std::string fold_id_number(std::string_view read) {
  return fold_impossible(upper_ascii(read), true);
}

std::vector<std::string> repair_uscc(std::string_view read) {
  return candidates(fold_uscc(read), [](const std::string& c) { return check_uscc(c).valid; });
}

std::vector<std::string> repair_id_number(std::string_view read, std::string_view today) {
  return candidates(fold_id_number(read),
                    [&](const std::string& c) { return check_id_number(c, today).valid; });
}

std::string uscc_from_two_readings(std::string_view a, std::string_view b) {
  // The letters a USCC never holds as the digits they are misread for first: O and 0 are one
  // character of the code, not two places the readings differ.
  const std::string x = fold_uscc(a), y = fold_uscc(b);
  if (x.size() > 24 || y.size() > 24) return "";
  // The longest common subsequence, then the readings as runs they share and places where they
  // differ (either reading's characters there).
  std::vector<std::vector<int>> lcs(x.size() + 1, std::vector<int>(y.size() + 1, 0));
  for (size_t i = x.size(); i-- > 0;)
    for (size_t j = y.size(); j-- > 0;)
      lcs[i][j] = x[i] == y[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  struct Piece {
    bool shared;
    std::string first, second;  // a shared run is `first` alone
  };
  std::vector<Piece> pieces;
  for (size_t i = 0, j = 0; i < x.size() || j < y.size();) {
    const bool same = i < x.size() && j < y.size() && x[i] == y[j];
    if (pieces.empty() || pieces.back().shared != same) pieces.push_back({same, "", ""});
    if (same)
      pieces.back().first += x[i++], ++j;
    else if (i < x.size() && (j == y.size() || lcs[i + 1][j] >= lcs[i][j + 1]))
      pieces.back().first += x[i++];
    else
      pieces.back().second += y[j++];
  }
  size_t places = 0, differing = 0;
  for (const Piece& piece : pieces)
    if (!piece.shared) ++places, differing += std::max(piece.first.size(), piece.second.size());
  if (places == 0 || places > 4 || differing > 3) return "";
  std::set<std::string> valid;
  for (unsigned choice = 0; choice < (1u << places); ++choice) {
    std::string code;
    unsigned place = 0;
    for (const Piece& piece : pieces)
      code += piece.shared || !((choice >> place++) & 1u) ? piece.first : piece.second;
    if (code.size() != 18) continue;
    // The letters a USCC never holds as the digits they are misread for, and no more: a
    // character other than either reading's is no reading.
    if (std::string folded = fold_uscc(code); check_uscc(folded).valid) valid.insert(folded);
  }
  return valid.size() == 1 ? *valid.begin() : "";
}

}  // namespace keydesk::ocr
