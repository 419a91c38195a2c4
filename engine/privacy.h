// Personal data shown only as far as needed: ID numbers masked in reports, logs and listings.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace keydesk {

// 110105199001010020 -> 110105********0020: the division code and the last four stay, the
// birth date and sequence go. Shorter values keep only their last character.
std::string mask_id_number(std::string_view id_number);

// A copy of a submission with every ID number (applicant.authorized_user.id_number and any
// "id_number" key) masked.
nlohmann::json mask_personal_data(nlohmann::json submission);

}  // namespace keydesk
