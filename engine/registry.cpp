#include "engine/registry.h"

#include "engine/submission.h"

#include <algorithm>

#include <boost/date_time/gregorian/gregorian.hpp>

namespace keydesk {

namespace {

std::string json_string(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

const Status kOk = std::monostate{};

}  // namespace

nlohmann::json key_json(const KeyRecord& k) {
  return {{"login_username", k.login_username},
          {"uscc", k.uscc},
          {"serial", k.serial},
          {"status", k.status},
          {"expires_on", k.expires_on.empty() ? nlohmann::json() : nlohmann::json(k.expires_on)},
          {"has_18_digit_code", k.has_18_digit_code},
          {"wrong_pin_entries", k.wrong_pin_entries}};
}

Status check_enterprise(const Enterprise& e) {
  if (e.uscc.empty()) return Error{"an enterprise needs its USCC (统一社会信用代码)"};
  if (e.kind != "domestic" && e.kind != "foreign_invested")
    return Error{"enterprise " + e.uscc + ": kind must be domestic or foreign_invested, not '" +
                 e.kind + "'"};
  return kOk;
}

Status check_key(const KeyRecord& k) {
  static const std::vector<std::string> statuses = {"active", "lost", "locked", "revoked"};
  if (k.login_username.empty()) return Error{"a key needs its login username (登录系统用户名)"};
  if (std::find(statuses.begin(), statuses.end(), k.status) == statuses.end())
    return Error{"key " + k.login_username +
                 ": status must be active, lost, locked or revoked, not '" + k.status + "'"};
  if (!k.expires_on.empty() && !parse_date(k.expires_on))
    return Error{"key " + k.login_username + ": expires_on " + why_not_a_date(k.expires_on)};
  return kOk;
}

// --- MemoryRegistry ------------------------------------------------------------------------

Result<std::optional<Enterprise>> MemoryRegistry::enterprise(const std::string& uscc) {
  auto it = enterprises_.find(uscc);
  return it == enterprises_.end() ? std::optional<Enterprise>()
                                  : std::optional<Enterprise>(it->second);
}

Result<std::optional<KeyRecord>> MemoryRegistry::key(const std::string& login_username) {
  auto it = keys_.find(login_username);
  return it == keys_.end() ? std::optional<KeyRecord>() : std::optional<KeyRecord>(it->second);
}

Result<std::vector<KeyRecord>> MemoryRegistry::keys_of(const std::string& uscc) {
  std::vector<KeyRecord> out;
  for (const auto& [_, k] : keys_)
    if (k.uscc == uscc) out.push_back(k);
  return out;
}

Status MemoryRegistry::put_enterprise(const Enterprise& e) {
  if (auto st = check_enterprise(e); !st) return st;
  enterprises_[e.uscc] = e;
  return kOk;
}

Status MemoryRegistry::put_key(const KeyRecord& k) {
  if (auto st = check_key(k); !st) return st;
  if (!enterprises_.count(k.uscc))
    return Error{"key " + k.login_username + ": no enterprise " + k.uscc +
                 " in the registry; add the enterprise first"};
  keys_[k.login_username] = k;
  return kOk;
}

// --- shared rules --------------------------------------------------------------------------

Result<KeyRecord> record_pin_entry(Registry& registry, const std::string& login_username,
                                   bool correct) {
  auto k = registry.key(login_username);
  if (!k) return k.error();
  if (!*k) return Error{"no key with login username '" + login_username + "'"};
  KeyRecord updated = **k;
  if (updated.status == "locked")
    return Error{"the key '" + login_username +
                 "' is locked after 6 wrong PIN entries: apply for PIN unlock (PIN 解锁)"};
  if (updated.status != "active")
    return Error{"the key '" + login_username + "' is " + updated.status + ": it cannot be used"};
  if (correct)
    updated.wrong_pin_entries = 0;
  else if (++updated.wrong_pin_entries >= 6)
    updated.status = "locked";
  if (auto st = registry.put_key(updated); !st) return st.error();
  return updated;
}

Result<nlohmann::json> case_facts(Registry& registry, const nlohmann::json& submission,
                                  const std::string& case_id, const std::string& state,
                                  Date today) {
  nlohmann::json facts;
  facts["case"] = {{"id", case_id},
                   {"state", state},
                   {"procedure", json_string(submission, "procedure")},
                   {"reason", submission.contains("reason") ? submission["reason"] : nullptr}};
  nlohmann::json ent = object_at(submission, "enterprise");
  std::string uscc = json_string(ent, "uscc");
  auto registered = registry.enterprise(uscc);
  if (!registered) return registered.error();
  ent["registered"] = registered->has_value();
  if (*registered) {
    ent["registered_name"] = (*registered)->name;
    // The registry is the authority on what the enterprise is; what the form claims stays
    // visible as submitted_kind.
    if (ent.contains("kind")) ent["submitted_kind"] = ent["kind"];
    ent["kind"] = (*registered)->kind;
    ent["code13"] = (*registered)->code13;
    ent["filing_has_uscc"] = (*registered)->filing_has_uscc;
  }
  auto keys = registry.keys_of(uscc);
  if (!keys) return keys.error();
  ent["usernames"] = nlohmann::json::array();
  int usable = 0;
  for (const auto& k : *keys) {
    ent["usernames"].push_back(k.login_username);
    if (k.status != "revoked") ++usable;
  }
  ent["keys_in_use"] = usable;
  facts["enterprise"] = ent;
  facts["applicant"] = object_at(submission, "applicant");
  auto k = registry.key(json_string(facts["applicant"], "login_username"));
  if (!k) return k.error();
  facts["key"] = *k ? key_json(**k) : nlohmann::json();
  nlohmann::json types = nlohmann::json::array();
  if (submission.contains("materials") && submission["materials"].is_array())
    for (const auto& m : submission["materials"])
      if (m.is_object() && m.contains("type")) types.push_back(m["type"]);
  auto value = [&](const char* key) {
    return submission.is_object() && submission.contains(key) ? submission[key] : nlohmann::json();
  };
  facts["submission"] = {{"id", json_string(submission, "id")},
                         {"channel", json_string(submission, "channel")},
                         {"submitted_at", json_string(submission, "submitted_at")},
                         {"material_types", types},
                         {"key_lost", value("key_lost")},
                         {"delivered_by", value("delivered_by")},
                         {"courier_reason", value("courier_reason")}};
  facts["today"] = format_date(today);
  return facts;
}

Status apply_effects(Registry& registry, const std::vector<std::string>& effects,
                     const nlohmann::json& submission, const nlohmann::json& inputs, Date today) {
  const auto applicant = object_at(submission, "applicant");
  const auto ent_data = object_at(submission, "enterprise");
  std::string username = json_string(applicant, "login_username");
  std::string uscc = json_string(ent_data, "uscc");
  std::string serial = json_string(inputs, "serial");
  std::string expires = json_string(inputs, "expires_on");
  auto new_expiry = [&] {
    return expires.empty() ? format_date(today + boost::gregorian::years(2)) : expires;
  };
  for (const auto& effect : effects) {
    auto current = registry.key(username);
    if (!current) return current.error();
    auto ent = registry.enterprise(uscc);
    if (!ent) return ent.error();
    if (effect == "issue_key" || effect == "add_key") {
      if (!*ent) {
        Enterprise created{uscc, json_string(ent_data, "name"), json_string(ent_data, "kind"),
                           json_string(ent_data, "code13"), false};
        if (created.kind.empty()) created.kind = "domestic";
        if (auto st = registry.put_enterprise(created); !st) return st;
      }
      if (*current)
        return Error{"login username '" + username + "' is already taken by " + (*current)->uscc};
      // A key issued now carries the 18-digit code (统一社会信用代码) in its certificate.
      KeyRecord k{username, uscc, serial, "active", new_expiry(), true, 0};
      if (auto st = registry.put_key(k); !st) return st;
      continue;
    }
    if (effect == "record_filing_change") {
      if (!*ent) return Error{"enterprise " + uscc + " is not in the registry"};
      Enterprise e = **ent;
      e.filing_has_uscc = true;
      if (auto st = registry.put_enterprise(e); !st) return st;
      continue;
    }
    if (!*current) return Error{"no key with login username '" + username + "' to " + effect};
    KeyRecord k = **current;
    if (effect == "reissue_key") {
      if (!serial.empty()) k.serial = serial;
      k.status = "active";
      k.wrong_pin_entries = 0;
    } else if (effect == "renew_key") {
      k.expires_on = new_expiry();
      // The code enters the certificate at renewal once the filing carries it (domestic flow).
      if (*ent && (*ent)->filing_has_uscc) k.has_18_digit_code = true;
    } else if (effect == "unlock_key") {
      k.status = "active";
      k.wrong_pin_entries = 0;
    } else if (effect == "revoke_key") {
      k.status = "revoked";
    } else if (effect == "mark_key_lost") {
      // The form states the key is lost (电子钥匙丢失): recorded as such; a revoked one stays so.
      if (k.status != "revoked") k.status = "lost";
    } else if (effect == "add_18_digit_code") {
      k.has_18_digit_code = true;
    } else {
      return Error{"unknown effect '" + effect + "'"};
    }
    if (auto st = registry.put_key(k); !st) return st;
  }
  return kOk;
}

Status import_registry(Registry& registry, const nlohmann::json& entries) {
  auto str = [](const nlohmann::json& j, const char* key) {
    return j.is_object() ? j.value(key, "") : "";
  };
  if (entries.contains("enterprises"))
    for (const auto& e : entries["enterprises"]) {
      Enterprise en{str(e, "uscc"), str(e, "name"), str(e, "kind"), str(e, "code13"),
                    e.value("filing_has_uscc", false)};
      if (auto st = registry.put_enterprise(en); !st) return st;
    }
  if (entries.contains("keys"))
    for (const auto& k : entries["keys"]) {
      KeyRecord key{
          str(k, "login_username"),       str(k, "uscc"),       str(k, "serial"),
          k.value("status", "active"),    str(k, "expires_on"), k.value("has_18_digit_code", false),
          k.value("wrong_pin_entries", 0)};
      if (auto st = registry.put_key(key); !st) return st;
    }
  return kOk;
}

}  // namespace keydesk
