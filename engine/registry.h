// The enterprise registry: enterprises and their e-keys, so rules can check login usernames,
// key status and renewal eligibility. CaseStore keeps it in its database; MemoryRegistry serves
// simulations. The facts a rule sees and the effects an action has are defined once, here,
// over the Registry interface.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "engine/calendar.h"

namespace keydesk {

struct Enterprise {
  std::string uscc;  // 统一社会信用代码
  std::string name;
  std::string kind;  // domestic | foreign_invested
  std::string code13;
  bool filing_has_uscc = false;  // its MOFCOM filing already carries the 18-digit code
};

struct KeyRecord {
  std::string login_username;  // unique across all enterprises
  std::string uscc;
  std::string serial;
  std::string status = "active";  // active | lost | locked | revoked
  std::string expires_on;         // YYYY-MM-DD or ""
  bool has_18_digit_code = false;
  int wrong_pin_entries = 0;  // consecutive wrong PIN entries; never reset by date
};

class Registry {
 public:
  virtual ~Registry() = default;
  virtual Result<std::optional<Enterprise>> enterprise(const std::string& uscc) = 0;
  virtual Result<std::optional<KeyRecord>> key(const std::string& login_username) = 0;
  virtual Result<std::vector<KeyRecord>> keys_of(const std::string& uscc) = 0;
  // Insert or replace. Refused: an unknown kind or status, a key of an unregistered enterprise.
  virtual Status put_enterprise(const Enterprise& enterprise) = 0;
  virtual Status put_key(const KeyRecord& key) = 0;
};

// A key as JSON, the form guards see as `key` (expires_on null when unknown).
nlohmann::json key_json(const KeyRecord& key);

// Validation shared by every Registry implementation.
Status check_enterprise(const Enterprise& enterprise);
Status check_key(const KeyRecord& key);

// An in-memory registry (simulations, tests).
class MemoryRegistry : public Registry {
 public:
  Result<std::optional<Enterprise>> enterprise(const std::string& uscc) override;
  Result<std::optional<KeyRecord>> key(const std::string& login_username) override;
  Result<std::vector<KeyRecord>> keys_of(const std::string& uscc) override;
  Status put_enterprise(const Enterprise& enterprise) override;
  Status put_key(const KeyRecord& key) override;

 private:
  std::map<std::string, Enterprise> enterprises_;
  std::map<std::string, KeyRecord> keys_;
};

// A PIN entry on a key: a wrong one counts and the 6th consecutive one locks the key; a correct
// one resets the count (only that resets it: 隔日不清零). Refused on a locked key.
Result<KeyRecord> record_pin_entry(Registry& registry, const std::string& login_username,
                                   bool correct);

// The facts guards and requirements read (docs/guards.md) for a case on `submission`.
Result<nlohmann::json> case_facts(Registry& registry, const nlohmann::json& submission,
                                  const std::string& case_id, const std::string& state, Date today);

// Applies an action's registry effects (issue_key, reissue_key, add_key, renew_key, unlock_key,
// revoke_key, mark_key_lost, add_18_digit_code, record_filing_change) for the applicant of
// `submission`. `inputs` are the inputs recorded on the case so far, this action's over earlier
// ones (serial, expires_on): a key registered at hand-over has the serial given when it shipped.
Status apply_effects(Registry& registry, const std::vector<std::string>& effects,
                     const nlohmann::json& submission, const nlohmann::json& inputs, Date today);

// Registry entries from JSON (the `registry:` block of a scenario, `keydesk registry import`):
// {"enterprises": [{uscc, name, kind, code13?, filing_has_uscc?}],
//  "keys": [{login_username, uscc, serial?, status?, expires_on?, has_18_digit_code?,
//            wrong_pin_entries?}]}
Status import_registry(Registry& registry, const nlohmann::json& entries);

}  // namespace keydesk
