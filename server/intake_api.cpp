// POST /api/submissions: a submission and its material files taken in, kept under the intake
// folder, and opened as a case.
#include "server/app_impl.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <set>

#include "engine/atomic_file.h"
#include "engine/submission.h"
#include "ocr/file_check.h"
#include "server/multipart.h"

namespace keydesk::server {

std::filesystem::path App::Impl::intake_dir() const {
  if (!options.intake_dir.empty()) return options.intake_dir;
  // Beside the database file; a database server has none: in the working directory.
  if (is_database_server(options.db)) return std::filesystem::absolute("intake");
  return std::filesystem::absolute(options.db).parent_path() / "intake";
}

namespace {

// Where an attempt writes a submission's files before they become its folder: a name of its
// own (ID.partial-RANDOM, ID.resubmission-RANDOM), so two attempts at the same submission (a
// double click landing on two servers that share the intake folder) never write into one
// folder; random rather than the process id, which two machines may share.
std::filesystem::path attempt_folder(const std::filesystem::path& intake, const std::string& id,
                                     const char* kind) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(random()));
  return intake / (id + "." + kind + "-" + suffix);
}

// A folder left by an attempt whose case was never opened (a server stopped between the two)
// is replaced once it is this old; younger, it may be another attempt's, about to open its case.
constexpr auto kAbandonedFolderAge = std::chrono::minutes(1);

// A folder removed when it goes out of scope, unless `dir` was cleared (kept).
struct Cleanup {
  std::filesystem::path dir;
  ~Cleanup() {
    std::error_code ignored;
    if (!dir.empty()) std::filesystem::remove_all(dir, ignored);
  }
};

// A submission as a form brings it: its parts, the `submission` part among them, typed.
struct SubmissionParts {
  std::vector<FormPart> parts;
  const FormPart* json = nullptr;  // into `parts`
  Submission typed;
};

// Reads the form of a submission: multipart, one `submission` part parsed against its schema,
// a material list, one part per material file. An error response naming the field, or nullopt.
std::optional<Response> read_submission_parts(const Request& req, SubmissionParts& out) {
  std::string boundary = multipart_boundary(sv(req[http::field::content_type]));
  if (boundary.empty())
    return error_response(req, http::status::unsupported_media_type,
                          "请以表单上传申请信息和材料文件 (send multipart/form-data: a "
                          "'submission' part and the material files)");
  auto parts = parse_multipart(req.body(), boundary);
  if (!parts)
    return error_response(
        req, http::status::bad_request,
        "上传的内容不完整或格式有误，请重新选择文件后再提交 (" + parts.error().message + ")");
  out.parts = std::move(parts).value();
  for (const FormPart& p : out.parts)
    if (p.name == "submission" && !out.json) out.json = &p;  // a second: see stray_part
  if (!out.json)
    return error_response(req, http::status::bad_request,
                          "submission：缺少申请信息 submission.json (no 'submission' part)",
                          "submission");
  // One parse, as at every door: a wrong type, a missing field, an unknown key is a 400 naming
  // the field, and nothing is written.
  auto typed = parse_submission_text(out.json->data, "submission.");
  if (!typed) return error_response(req, typed.error(), field_named(typed.error()));
  out.typed = std::move(typed).value();
  if (!out.typed.has_materials)
    return error_response(req, http::status::bad_request,
                          "submission.materials：缺少材料列表 (a list of {type, file})",
                          "submission.materials");
  // One part, one file (each is written out): refused before anything is.
  std::vector<std::string> files;
  for (const SubmittedMaterial& m : out.typed.materials) files.push_back(m.file);
  if (auto stray = stray_part(out.parts, files))
    return error_response(req, http::status::bad_request, stray->message, stray->part);
  return std::nullopt;
}

}  // namespace

std::optional<Response> App::Impl::write_submission_folder(
    const Request& req, const std::vector<FormPart>& parts, const FormPart* json_part,
    Submission& typed, nlohmann::json& submission, const std::filesystem::path& folder) {
  std::error_code ec;
  std::filesystem::remove_all(folder, ec);
  std::filesystem::create_directories(folder, ec);
  if (ec)
    return error_response(req, http::status::internal_server_error,
                          "服务器无法保存材料，请稍后重试，仍不行请联系管理员 (cannot write " +
                              folder.string() + ": " + ec.message() + ")");
  std::set<const FormPart*> used{json_part};
  auto& materials = submission["materials"];
  for (size_t i = 0; i < materials.size(); ++i) {
    const std::string field = "submission.materials[" + std::to_string(i) + "]";
    auto& m = materials[i];
    const std::string& type = typed.materials[i].type;
    const std::string& file = typed.materials[i].file;
    auto part = std::find_if(parts.begin(), parts.end(), [&](const FormPart& p) {
      return &p != json_part && carries(p, file);
    });
    if (part == parts.end())
      return error_response(req, http::status::bad_request,
                            field + ".file：没有收到文件“" + file +
                                "”，请选择该材料的扫描件后重新提交 (no part holds '" + file +
                                "'; send it as a file part)",
                            field + ".file");
    if (!used.insert(&*part).second)
      return error_response(req, http::status::bad_request,
                            field + ".file：“" + file +
                                "”已是前一项材料的文件，每项材料须各选一个文件 (an earlier "
                                "material's file too: one part, one material)",
                            field + ".file");
    const std::string bytes(part->data);
    // Named by position and type, with the extension of what the bytes are.
    const ocr::FileFacts facts = ocr::inspect_bytes(bytes);
    const std::string extension =
        facts.kind == ocr::FileKind::jpeg ? "jpg" : ocr::file_kind_name(facts.kind);
    const std::string stored =
        (i < 9 ? "0" : "") + std::to_string(i + 1) + "-" + type + "." + extension;
    if (auto written = write_file_atomically(folder / stored, bytes, type); !written)
      return storage_error(req, written.error());
    m["file"] = stored;
    typed.materials[i].file = stored;
  }
  for (const FormPart& p : parts)
    if (!used.count(&p))
      return error_response(req, http::status::bad_request,
                            "“" + p.name + "”不是所列材料的文件，请只选择所列材料 (part '" +
                                p.name + "' is not a material of submission.json)",
                            p.name);
  if (auto written =
          write_file_atomically(folder / "submission.json", submission.dump(2), "submission");
      !written)
    return storage_error(req, written.error());
  return std::nullopt;
}

Response App::Impl::take_submission(const Request& req, const std::string& by,
                                    const std::string& authority) {
  SubmissionParts in;
  if (auto refused = read_submission_parts(req, in)) return *refused;
  std::vector<FormPart>& parts = in.parts;
  const FormPart* json_part = in.json;
  auto* typed = &in.typed;
  const std::string id = typed->id;
  auto procedures = engine.procedures();
  if (!procedures) return error_response(req, procedures.error());
  if (!(*procedures)->count(typed->procedure))
    return error_response(req, http::status::bad_request,
                          "submission.procedure：没有业务“" + typed->procedure +
                              "” (no procedure " + typed->procedure + " is loaded)",
                          "submission.procedure");
  nlohmann::json submission = typed->to_json();
  std::lock_guard folders(shared.intake_folders);
  if (auto existing = store.get(id); existing)
    return error_response(req, http::status::conflict,
                          "案件 " + id + " 已受理，重复提交未处理；补正材料请在案件中办理 (case " +
                              id + " exists already: a resubmission is an action on it)",
                          "submission.id");
  const std::filesystem::path intake = intake_dir();
  const std::filesystem::path partial = attempt_folder(intake, id, "partial"), folder = intake / id;
  // Whatever goes wrong from here leaves no half-written folder behind.
  Cleanup cleanup{partial};
  if (auto failed = write_submission_folder(req, parts, json_part, *typed, submission, partial))
    return *failed;
  // The folder is claimed by renaming the attempt's into it: a directory is renamed onto a name
  // that no directory holds, so of two attempts only one succeeds, and the other never touches
  // the winner's files.
  std::error_code ec;
  std::filesystem::rename(partial, folder, ec);
  if (ec && std::filesystem::exists(folder)) {
    if (auto existing = store.get(id); existing)
      return error_response(
          req, http::status::conflict,
          "案件 " + id + " 已受理，重复提交未处理 (case " + id + " was opened meanwhile)",
          "submission.id");
    std::error_code age_ec;
    const auto written = std::filesystem::last_write_time(folder, age_ec);
    if (!age_ec && std::filesystem::file_time_type::clock::now() - written < kAbandonedFolderAge)
      return error_response(req, http::status::conflict,
                            "同一申请正在受理中，请稍后刷新待办队列查看，不必重复提交 (another "
                            "attempt at " +
                                id + " is taking it in)",
                            "submission.id");
    std::filesystem::remove_all(folder, ec);
    std::filesystem::rename(partial, folder, ec);
  }
  if (ec)
    return error_response(req, http::status::internal_server_error,
                          "服务器无法保存材料，请稍后重试，仍不行请联系管理员 (cannot keep " +
                              folder.string() + ": " + ec.message() + ")");
  cleanup.dir = folder;
  // The clock starts when the enterprise submitted (as `keydesk case open`), else now.
  auto opened = engine.open_case(*typed, {by, "authority_clerk", authority},
                                 typed->submitted_at.empty() ? now_text() : std::string());
  if (!opened)
    return error_response(req,
                          opened.error().kind == ErrorKind::invalid_input
                              ? http::status::unprocessable_entity
                              : status_of(opened.error().kind),
                          opened.error().message);
  cleanup.dir.clear();
  auto p = store.procedure_at(opened->procedure, opened->procedure_version);
  nlohmann::json j =
      engine.case_summary({std::move(opened).value(), p ? std::move(p).value() : nullptr}, today());
  j["folder"] = folder.string();
  return json_response(req, http::status::created, j);
}

// POST /api/cases/{id}/resubmission?action=…&version=…: the enterprise's complete new set of
// materials (补正材料) for a returned case, as multipart/form-data like a new submission (its
// `submission` part, the case's own id, and one file part per material). The files are kept as
// the case's intake folder, the set before kept beside it (ID.vN, N the case version it was
// replaced at), and the resubmission action taken with the new submission; the case then waits
// for a check of the new set (unchecked_resubmission). Refused, nothing changes: the folder as
// it was, no action.
Response App::Impl::resubmit(const Request& req, const Caller& who, const std::string& id,
                             const Target& t) {
  if (auto refused = refuse_readers(req, who, "办理案件")) return *refused;
  Response answer;
  if (!visible_case(req, who, id, "id", &answer)) return answer;
  return take_resubmission(req, actor_of(*who.account()), id, t);
}

Response App::Impl::take_resubmission(const Request& req, const Actor& actor, const std::string& id,
                                      const Target& t) {
  nlohmann::json action = {{"action", t.param("action")}};
  const std::string version = t.param("version");
  if (version.empty() || version.size() > 9 ||
      version.find_first_not_of("0123456789") != std::string::npos)
    return error_response(req, http::status::bad_request,
                          "version：缺少案件版本，请刷新案件页面后重新提交 (version: the case "
                          "version the page shows, a number)",
                          "version");
  action["version"] = std::stol(version);
  auto request = parse_action_request(action);
  if (!request) return error_response(req, request.error(), field_named(request.error()));
  request->actor = actor;

  SubmissionParts in;
  if (auto refused = read_submission_parts(req, in)) return *refused;
  Submission* typed = &in.typed;
  if (typed->id != id)
    return error_response(req, http::status::bad_request,
                          "submission.id：补正材料须属于本案件 " + id + " (the submission is " +
                              typed->id + ", not this case)",
                          "submission.id");
  nlohmann::json submission = typed->to_json();
  const std::filesystem::path intake = intake_dir();
  const std::filesystem::path partial = attempt_folder(intake, id, "resubmission"),
                              folder = intake / id, previous = intake / (id + ".v" + version);
  std::lock_guard folders(shared.intake_folders);
  Cleanup cleanup{partial};
  if (auto failed = write_submission_folder(req, in.parts, in.json, *typed, submission, partial))
    return *failed;
  // The new set takes the case's folder (what the next check reads); the old set is kept.
  std::error_code ec;
  const bool had_folder = std::filesystem::exists(folder, ec);
  if (had_folder) std::filesystem::rename(folder, previous, ec);
  if (!ec) std::filesystem::rename(partial, folder, ec);
  if (ec) {
    std::error_code undo;
    if (had_folder && !std::filesystem::exists(folder))
      std::filesystem::rename(previous, folder, undo);
    // Both names taken: another attempt at the same version (a double click on two servers)
    // moved the set before aside and put its own in; its action decides, this one is stale.
    if (std::filesystem::exists(folder) && std::filesystem::exists(previous))
      return error_response(
          req,
          error_of(ErrorKind::stale, "案件 " + id +
                                         " 的补正材料已由他人提交，请刷新案件页面查看 (another "
                                         "resubmission of version " +
                                         version + " came first)"));
    return error_response(
        req, http::status::internal_server_error,
        "服务器无法保存材料，请稍后重试，仍不行请联系管理员 (cannot keep " + folder.string() + ")");
  }
  cleanup.dir.clear();
  request->submission = submission;
  auto done = engine.act(id, std::move(request).value(), now_text());
  if (!done) {
    // Refused (a colleague acted first, a material missing): the folder as it was.
    std::error_code undo;
    std::filesystem::remove_all(folder, undo);
    if (had_folder) std::filesystem::rename(previous, folder, undo);
    return error_response(req, done.error());
  }
  auto p = store.procedure_at(done->procedure, done->procedure_version);
  nlohmann::json j =
      engine.case_summary({std::move(done).value(), p ? std::move(p).value() : nullptr}, today());
  j["folder"] = folder.string();
  if (had_folder) j["previous_folder"] = previous.string();
  return json_response(req, http::status::ok, j);
}

}  // namespace keydesk::server
