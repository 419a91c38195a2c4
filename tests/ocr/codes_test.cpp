// USCC (GB 32100-2015 with the GB 11714 organisation code inside) and resident ID numbers
// (GB 11643-1999), and the repair of characters OCR confuses.
#include "ocr/codes.h"

#include <catch2/catch.hpp>

using namespace keydesk::ocr;

namespace {
const char* const kToday = "20261124";
}

TEST_CASE("a valid USCC passes, in any case and with full-width characters") {
  CHECK(check_uscc("91110105MA01ABCD5F").valid);
  CHECK(check_uscc("91310115MA1K4XY72B").valid);
  CHECK(check_uscc("91110105ma01abcd5f").valid);
  auto full = check_uscc("９１１１０１０５ＭＡ０１ＡＢＣＤ５Ｆ");
  CHECK(full.valid);
  CHECK(full.code == "91110105MA01ABCD5F");
}

TEST_CASE("a USCC with a wrong check character says which one it should be") {
  auto r = check_uscc("91110105MA01ABCD5G");
  CHECK_FALSE(r.valid);
  CHECK(r.reason == "the check character should be 'F', not 'G'");
}

TEST_CASE("a USCC whose organisation code fails GB 11714 is refused for that reason") {
  // The USCC check character recomputed for a wrong organisation check digit.
  auto r = check_uscc("91110105MA01ABCD7X");
  CHECK_FALSE(r.valid);
  CHECK_THAT(r.reason, Catch::Contains("GB 11714") && Catch::Contains("should be '5'"));
}

TEST_CASE("a USCC whose checksums pass but whose department or division cannot be is refused") {
  REQUIRE(check_uscc("91110108123456788E").valid);  // the same body in Beijing's Haidian district
  CodeCheck division = check_uscc("91020202123456788A");
  CHECK_FALSE(division.valid);
  CHECK(division.reason.find("020202") != std::string::npos);
  CodeCheck department = check_uscc("B1110108123456788C");
  CHECK_FALSE(department.valid);
  CHECK(department.reason.find("department") != std::string::npos);
}

TEST_CASE("a USCC with a letter that is never used or the wrong length is refused") {
  CHECK_THAT(check_uscc("91110105MAO1ABCD5F").reason,
             Catch::Contains("character 11 'O' cannot occur"));
  CHECK_THAT(check_uscc("9111010").reason, Catch::Contains("18 characters, this has 7"));
  CHECK_THAT(check_uscc("911A0105MA01ABCD5F").reason, Catch::Contains("must be digits"));
}

TEST_CASE("letters OCR reads for digits in a USCC are repaired and the checksum decides") {
  CHECK(repair_uscc("91110105MAO1ABCD5F") == std::vector<std::string>{"91110105MA01ABCD5F"});
  CHECK(repair_uscc("9111O1O5MA01ABCD5F") == std::vector<std::string>{"91110105MA01ABCD5F"});
  CHECK(repair_uscc("91I10105MA01ABCD5F") == std::vector<std::string>{"91110105MA01ABCD5F"});
  CHECK(repair_uscc("91310115MA1K4XY72B") == std::vector<std::string>{"91310115MA1K4XY72B"});
  // One valid character misread as another valid one: the single-substitution candidates that
  // pass both checks; more than one would go to a person.
  auto fixed = repair_uscc("91110105MA01A8CD5F");
  CHECK(std::find(fixed.begin(), fixed.end(), "91110105MA01ABCD5F") != fixed.end());
  CHECK(repair_uscc("garbage").empty());
}

TEST_CASE("a glyph OCR doubled in a code is undone when the checksum agrees, and only that") {
  // 0 read as 0O (S-2026-109176 of wide seed 31: 91320102MAG0OB / F7NX2 wrapped in a cell).
  CHECK(repair_uscc("91320102MAG0OBF7NX2") == std::vector<std::string>{"91320102MAG0BF7NX2"});
  CHECK(repair_id_number("1101051990010100029", kToday) ==
        std::vector<std::string>{"110105199001010029"});
  // One character too many that doubles nothing is not guessed away.
  CHECK(repair_uscc("91320102MAG0BF7NX2A").empty());
  CHECK(repair_uscc("913201702MAG0BF7NX2").empty());
}

TEST_CASE("two readings of a USCC, neither valid, make the one code they make together") {
  // The bench's S-2026-129937: the Chinese model put an S in, the Latin model read 7 as T.
  CHECK(uscc_from_two_readings("91310115SMAQWJAO71N", "91310115MAQWJA0T1N") ==
        "91310115MAQWJA071N");
  // S-2026-129951: a 0 doubled in one reading; in the other its 0s read as O (no letter of a
  // USCC) and the check character lost.
  CHECK(uscc_from_two_readings("91440305MA000DN190C", "91440305MAOODN190") == "91440305MA00DN190C");
  // Two codes pass (J or 6, A or E): a person reads it.
  CHECK(uscc_from_two_readings("91310115MAQWJE071N", "91310115MAQW6A071N").empty());
  // Two readings alike are one reading, valid or not: nothing is made of them.
  CHECK(uscc_from_two_readings("91310115MAQWJA071N", "91310115MAQWJA071N").empty());
  // Two too far apart make nothing.
  CHECK(uscc_from_two_readings("91310115MAQWJA0T1N", "91310115XXXXXA071N").empty());
  // No character other than the readings': 7 read as T in both is not made 7.
  CHECK(uscc_from_two_readings("91310115SMAQWJA0T1N", "91310115MAQWJA0T1N").empty());
}

TEST_CASE("a valid resident ID number passes, X check character included") {
  CHECK(check_id_number("110105199001010029", kToday).valid);
  CHECK(check_id_number("310115198705120029", kToday).valid);
  CHECK(check_id_number("11010519491231002X", kToday).valid);
  CHECK(check_id_number("11010519491231002x", kToday).valid);
}

TEST_CASE("a resident ID number with a bad check, date or province says why") {
  CHECK(check_id_number("110105199001010028", kToday).reason ==
        "the check character should be '9', not '8'");
  CHECK_THAT(check_id_number("110105199002300021", kToday).reason,
             Catch::Contains("birth date 19900230"));
  CHECK_THAT(check_id_number("110105203001010021", kToday).reason,
             Catch::Contains("not a real past date"));
  CHECK_THAT(check_id_number("990105199001010021", kToday).reason,
             Catch::Contains("not a province code"));
  CHECK_THAT(check_id_number("11010519900101002", kToday).reason, Catch::Contains("18 characters"));
}

TEST_CASE("OCR confusions in a resident ID number are repaired when the checksum agrees") {
  CHECK(repair_id_number("11O1O5199OO1O1OO29", kToday) ==
        std::vector<std::string>{"110105199001010029"});
  CHECK(repair_id_number("1101051990010l0029", kToday) ==
        std::vector<std::string>{"110105199001010029"});
  CHECK(repair_id_number("11010519491231002x", kToday) ==
        std::vector<std::string>{"11010519491231002X"});
}
