// Personal data shown only as far as needed: ID numbers masked in reports, logs and listings.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace keydesk {

// 110105199001010020 -> 110105********0020: the division code and the last four stay, the
// birth date and sequence go. Shorter values keep only their last character.
std::string mask_id_number(std::string_view id_number);

// `text` with every resident ID number in it (18 characters passing the GB 11643 check, also
// inside a longer run of digits) masked: for OCR text, which may hold one anywhere.
std::string mask_id_numbers_in(std::string text);

// A copy of a submission with every ID number (applicant.authorized_user.id_number, any
// "id_number" key, and any ID number inside another string) masked.
nlohmann::json mask_personal_data(nlohmann::json submission);

}  // namespace keydesk
