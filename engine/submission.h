// A submission (DESIGN.md's submission folder format; schemas/submission.schema.json), typed.
//
// Every door parses what it is sent into a Submission once, here: a submission folder
// (keydesk batch verify, case open), the web intake, a resubmission. A wrong type, a missing
// field, an unknown key, a value too long, too many materials is an Error of kind
// invalid_input naming the field ("enterprise.name：应为文字，实为数字 (enterprise.name: expected
// text, found a number)"), and nothing is stored. What keydesk stores is to_json() of the parsed
// value, so every stored record has the schema's shape.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace keydesk {

struct SubmittedMaterial {
  std::string type;  // application_form, business_licence, … (the schema's enum)
  std::string file;  // a plain file name in the submission folder
  // How it came: "upload" (a scan uploaded online: upload limits such as 200 KB apply),
  // "paper" (a scan of a paper copy handed in), or "" (the submission's channel says).
  std::string channel = {};
};

struct Submission {
  std::string id;            // the case number (valid_case_id)
  std::string procedure;     // a procedure id (valid_procedure_id); never a path
  std::string submitted_at;  // ISO 8601 or empty
  std::string channel;       // online, paper, … or empty
  struct Enterprise {
    std::string name, uscc, kind, code13;  // kind: domestic | foreign_invested | empty
  } enterprise;
  struct Applicant {
    std::string login_username, legal_representative, email;
    std::string user_name, user_id_number;  // authorized_user.{name, id_number}
    bool has_authorized_user = false;
  } applicant;
  bool has_applicant = false;
  bool has_reason = false;  // "reason" given (even empty): the rules tell "" from absent
  std::string reason;
  // The form states the key is lost (注销: 电子钥匙丢失者无需提供); has_key_lost: stated at all.
  bool key_lost = false;
  bool has_key_lost = false;
  // How paper materials reached the authority: in_person (现场递交, the rule), courier (快递,
  // for a special reason, given in courier_reason), or "" (not recorded).
  std::string delivered_by = {};
  std::string courier_reason = {};
  std::vector<SubmittedMaterial> materials;
  bool has_materials = false;

  // The submission in the schema's shape: keys given, and only those.
  nlohmann::json to_json() const;
};

// Parses `j` (already JSON). `where` prefixes field names in messages ("submission." for the
// intake's part); errors have kind invalid_input.
Result<Submission> parse_submission(const nlohmann::json& j, const std::string& where = "");

// Parses JSON text of at most kMaxSubmissionBytes, nested at most kMaxJsonDepth deep.
constexpr std::size_t kMaxSubmissionBytes = 1 << 20;
Result<Submission> parse_submission_text(std::string_view text, const std::string& where = "");

// JSON text from a client, with bounds: at most `max_bytes`, nested at most kMaxJsonDepth deep
// (deeper is refused while parsing, never built). `what` names it in the message.
constexpr int kMaxJsonDepth = 32;
Result<nlohmann::json> parse_client_json(std::string_view text, const std::string& what,
                                         std::size_t max_bytes = kMaxSubmissionBytes);

// A case number: a letter or digit, then letters, digits, '-' and '_', 64 at most.
bool valid_case_id(std::string_view id);
// A procedure id: a lower-case letter, then lower-case letters, digits and '_', 64 at most.
bool valid_procedure_id(std::string_view id);
// A material's file name: not empty, no '/', '\\' or NUL, not starting with '.', 255 bytes at
// most.
bool plain_file_name(std::string_view name);

// Reading stored or reported JSON that may predate the typed submission (a damaged record must
// be that record's problem, never an abort): the text at `pointer` ("/enterprise/name"), or ""
// when it is absent or not text.
std::string text_at(const nlohmann::json& j, const char* pointer);
// The object at `key` of `j`, or an empty object when `j` is not an object or it is not one.
nlohmann::json object_at(const nlohmann::json& j, const char* key);
// The list at `key` of `j`, or an empty list.
nlohmann::json list_at(const nlohmann::json& j, const char* key);

// "a number", "text", "a list", … for messages.
std::string json_type_zh(const nlohmann::json& value);

}  // namespace keydesk
