#include "engine/counter.h"

#include <algorithm>
#include <cstdlib>

#include "engine/internal/schemas.h"
#include "engine/internal/yaml_document.h"
#include "mail/mail.h"

namespace keydesk {

namespace {

using internal::pointer_child;
using internal::YamlDocument;

int minutes_of(const std::string& hhmm) {
  return std::stoi(hhmm.substr(0, 2)) * 60 + std::stoi(hhmm.substr(3, 2));
}

// `mail:` of a schema-valid document, checked for what the schema cannot say.
MailSettings read_mail(const YamlDocument& doc, const std::filesystem::path& path,
                       Diagnostics& out) {
  MailSettings m;
  const auto& j = doc.json();
  if (!j.contains("mail")) return m;
  const auto& c = j["mail"];
  m.smtp_url = c.value("smtp_url", "");
  m.from = c.value("from", "");
  m.from_name = c.value("from_name", "");
  m.require_tls = c.value("tls", "required") == "required";
  m.username = c.value("username", "");
  m.password_env = c.value("password_env", "");
  if (c.contains("from") && !mail::valid_address(m.from))
    out.push_back(doc.at("/mail/from", "“" + m.from.substr(0, 60) +
                                           "”不是有效的电子邮件地址：请写成 name@example.gov.cn "
                                           "的形式，不带姓名和尖括号"));
  if (!m.smtp_url.empty() && m.from.empty())
    out.push_back(doc.at("/mail",
                         "有邮件服务器却没有发件地址：请在 mail 下加上 from（如 "
                         "from: ekey@example.gov.cn）"));
  if (c.contains("password_file") && c.contains("password_env"))
    out.push_back(
        doc.at("/mail/password_env", "password_file 和 password_env 只能写一个：请删除其中一个"));
  if (!m.username.empty() && !c.contains("password_file") && !c.contains("password_env"))
    out.push_back(doc.at("/mail/username",
                         "有用户名却没有说明密码从哪里读取：请加上 password_file（密码文件的路径）"
                         "或 password_env（环境变量名）；不要把密码写在本文件中"));
  if (m.smtp_url.rfind("smtps://", 0) == 0 && !m.require_tls)
    out.push_back(doc.at("/mail/tls",
                         "smtps:// 的连接本身就是加密的，不能设 tls: none：请删除 "
                         "tls，或把地址改为 smtp://"));
  if (c.contains("password_file")) {
    std::filesystem::path file = c["password_file"].get<std::string>();
    if (file.is_relative()) file = path.parent_path() / file;
    std::error_code ec;
    const auto inside = std::filesystem::weakly_canonical(file, ec);
    const auto rules = std::filesystem::weakly_canonical(path.parent_path(), ec);
    auto [r, f] = std::mismatch(rules.begin(), rules.end(), inside.begin(), inside.end());
    if (!ec && r == rules.end())
      out.push_back(doc.at("/mail/password_file",
                           "密码文件不能放在规则目录（" + rules.string() +
                               "）里：规则目录会被复制、提交和展示；请把它放到规则目录以外，如 "
                               "/etc/keydesk/smtp-password"));
    m.password_file = file;
  }
  if (c.contains("ca_file")) {
    std::filesystem::path file = c["ca_file"].get<std::string>();
    if (file.is_relative()) file = path.parent_path() / file;
    std::error_code ec;
    const auto status = std::filesystem::status(file, ec);
    if (!std::filesystem::exists(status))
      out.push_back(doc.at("/mail/ca_file",
                           "找不到 CA 证书文件 " + file.string() +
                               "：请把签发邮件服务器证书的 CA 证书（PEM 格式）放到该处，或改正 "
                               "ca_file 的路径（相对路径从 counter.yaml 所在的文件夹算起）"));
    else if (!std::filesystem::is_regular_file(status))
      out.push_back(doc.at("/mail/ca_file", "CA 证书文件 " + file.string() +
                                                " 不是普通文件：ca_file 应指向一个 PEM "
                                                "格式的证书文件，而不是文件夹或设备"));
    m.ca_file = file;
  }
  return m;
}

DigestSettings read_digest(const YamlDocument& doc, Diagnostics& out) {
  DigestSettings d;
  const auto& j = doc.json();
  if (!j.contains("digest")) return d;
  const auto& c = j["digest"];
  if (c.contains("at")) d.at_minutes = minutes_of(c["at"]);
  auto addresses = [&](const std::string& pointer, const nlohmann::json& list) {
    std::vector<std::string> out_list;
    for (std::size_t i = 0; i < list.size(); ++i) {
      std::string a = list[i];
      if (!mail::valid_address(a))
        out.push_back(doc.at(
            pointer_child(pointer, i),
            "“" + a.substr(0, 60) + "”不是有效的电子邮件地址：请写成 name@example.gov.cn 的形式"));
      out_list.push_back(a);
    }
    return out_list;
  };
  if (c.contains("authorities"))
    for (const auto& name : doc.keys_in_order("/digest/authorities"))
      d.authorities[name] =
          addresses(pointer_child("/digest/authorities", name), c["authorities"][name]);
  if (c.contains("vendor")) d.vendor = addresses("/digest/vendor", c["vendor"]);
  return d;
}

}  // namespace

std::string smtp_url_in_force(const MailSettings& mail) {
  if (const char* env = std::getenv("KEYDESK_SMTP_URL"); env && *env) return env;
  return mail.smtp_url;
}

std::filesystem::path smtp_ca_file_in_force(const MailSettings& mail) {
  if (const char* env = std::getenv("KEYDESK_SMTP_CA_FILE"); env && *env) return env;
  return mail.ca_file;
}

Result<CounterConfig> load_counter_config(const std::filesystem::path& path) {
  CounterConfig config;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return config;
  Diagnostics problems;
  auto doc = internal::YamlDocument::load(path, problems);
  if (doc) {
    auto schema_problems = doc->validate(internal::counter_schema());
    problems.insert(problems.end(), schema_problems.begin(), schema_problems.end());
  }
  if (!problems.empty()) return Error{problems_message(path.string(), problems.size()), problems};
  const auto& j = doc->json();
  if (j.is_null()) return config;  // an empty file: defaults
  config.file = path.string();
  config.authority = j.value("authority", "");
  config.calendar = j.value("calendar", config.calendar);
  auto contact = [&j](const char* key) {
    const auto& c = j.value(key, nlohmann::json::object());
    return Contact{c.value("organisation", ""), c.value("person", ""), c.value("phone", ""),
                   c.value("fax", ""), c.value("address", "")};
  };
  config.contact = contact("contact");
  if (config.contact.organisation.empty()) config.contact.organisation = config.authority;
  config.vendor = contact("vendor");
  config.query = j.value("query", std::vector<std::string>{});
  if (j.contains("cutoff")) config.hours.cutoff_minutes = minutes_of(j["cutoff"]);
  if (j.contains("utc_offset")) {
    std::string t = j["utc_offset"];
    int minutes = std::stoi(t.substr(1, 2)) * 60 + std::stoi(t.substr(4, 2));
    config.hours.utc_offset_minutes = t[0] == '-' ? -minutes : minutes;
  }
  config.mail = read_mail(*doc, path, problems);
  config.digest = read_digest(*doc, problems);
  if (j.contains("web_batches"))
    config.web_batches.keep_days =
        j["web_batches"].value("keep_days", config.web_batches.keep_days);
  if (!problems.empty()) return Error{problems_message(path.string(), problems.size()), problems};
  return config;
}

}  // namespace keydesk
