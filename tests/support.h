// Test helpers: temporary directories and running the real `keydesk` binary.
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <sys/wait.h>

#include <nlohmann/json.hpp>

namespace keydesk::test {

// A fresh directory, removed with everything in it when the object dies.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("keydesk-test-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `text` to `name` inside the directory and returns its path.
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    auto p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

 private:
  std::filesystem::path path_;
};

struct Run {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `keydesk ARGS` through the shell (ARGS is shell text), feeding `input` on stdin; `env`
// (shell text, e.g. "KEYDESK_SMTP_URL=smtp://…") is set for it.
inline Run run_keydesk(const std::string& args, const std::string& input = "",
                       const std::string& env = "") {
  TempDir tmp;
  auto in = tmp.write("stdin", input);
  auto out = tmp.path() / "stdout";
  auto err = tmp.path() / "stderr";
  std::string cmd = (env.empty() ? std::string() : "env " + env + " ") + "'" + KEYDESK_BINARY +
                    "' " + args + " <'" + in.string() + "' >'" + out.string() + "' 2>'" +
                    err.string() + "'";
  int status = std::system(cmd.c_str());
  Run r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  auto slurp = [](const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

// A submission of tests/data/procedures/review_loop.yaml by 北京示例进出口有限公司 (`uscc`),
// applicant `username`, as the engine tests' registries (lost_key_registry) name them.
inline nlohmann::json review_loop_submission(const std::string& id, const std::string& uscc,
                                             const std::string& username = "bjsl001") {
  return {
      {"id", id},
      {"procedure", "review_loop"},
      {"enterprise", {{"name", "北京示例进出口有限公司"}, {"uscc", uscc}, {"kind", "domestic"}}},
      {"applicant",
       {{"login_username", username},
        {"email", "zhang@example.com"},
        {"authorized_user", {{"name", "张三"}, {"id_number", "110105199001010029"}}}}},
      {"reason", "电子钥匙丢失"},
      {"materials", {{{"type", "application_form"}, {"file", "application_form.jpg"}}}}};
}

// A registry to import (CaseStore::import): 北京示例进出口有限公司, USCC `uscc`, whose key bjsl001
// (serial K-1) is lost, as the engine tests' submissions name them.
inline nlohmann::json lost_key_registry(const std::string& uscc) {
  return {
      {"enterprises", {{{"uscc", uscc}, {"name", "北京示例进出口有限公司"}, {"kind", "domestic"}}}},
      {"keys",
       {{{"login_username", "bjsl001"}, {"uscc", uscc}, {"serial", "K-1"}, {"status", "lost"}}}}};
}

// Whether `text` begins with a Chinese character (CJK Unified Ideographs): a message people read
// is Chinese first.
inline bool chinese_first(const std::string& text) {
  if (text.size() < 3) return false;
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  if ((b(0) & 0xF0) != 0xE0) return false;
  const unsigned code = ((b(0) & 0x0Fu) << 12) | ((b(1) & 0x3Fu) << 6) | (b(2) & 0x3Fu);
  return code >= 0x4E00 && code <= 0x9FFF;
}

// The JSON file at `path` (a report, an expected.json).
inline nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// Every member and element of `j` below `pointer`, as (JSON pointer, dotted field name):
// {"a": {"b": [1]}} gives (/a, a), (/a/b, a.b), (/a/b/0, a.b[0]). For type-fuzzing every field.
inline void json_fields(const nlohmann::json& j, const std::string& pointer,
                        const std::string& name,
                        std::vector<std::pair<std::string, std::string>>& out) {
  if (!pointer.empty()) out.emplace_back(pointer, name);
  if (j.is_object())
    for (const auto& [k, v] : j.items())
      json_fields(v, pointer + "/" + k, name.empty() ? k : name + "." + k, out);
  if (j.is_array())
    for (std::size_t i = 0; i < j.size(); ++i)
      json_fields(j[i], pointer + "/" + std::to_string(i), name + "[" + std::to_string(i) + "]",
                  out);
}

// Runs tools/scangen with `args` (shell text, e.g. "--count 2 --faults none -q --out DIR"); its
// exit status (0: the submissions were drawn).
inline int scangen(const std::string& args) {
  const std::string command = "/usr/bin/python3 '" + std::string(KEYDESK_SCANGEN) + "' " + args;
  return std::system(command.c_str());
}

// Each submission's verdict and findings (code, material, evidence) in a batch report, by its
// folder's name: what two runs over the same folders must agree on.
inline std::map<std::string, std::string> report_outcomes(const nlohmann::json& report) {
  std::map<std::string, std::string> out;
  for (const auto& s : report.at("submissions")) {
    std::string text = s.at("verdict").get<std::string>();
    for (const auto& f : s.at("findings"))
      text += "|" + f.at("code").get<std::string>() + " " + f.at("material").get<std::string>() +
              " " + f.at("evidence").dump();
    out[std::filesystem::path(s.at("dir").get<std::string>()).filename().string()] = text;
  }
  return out;
}

}  // namespace keydesk::test
