// POST /api/submissions: a submission and its material files taken in, kept under the intake
// folder, and opened as a case.
#include "server/app_impl.h"

#include <algorithm>
#include <set>

#include "engine/atomic_file.h"
#include "engine/submission.h"
#include "ocr/file_check.h"
#include "server/multipart.h"

namespace keydesk::server {

std::filesystem::path App::Impl::intake_dir() const {
  return options.intake_dir.empty() ? std::filesystem::absolute(options.db).parent_path() / "intake"
                                    : options.intake_dir;
}

Response App::Impl::take_submission(const Request& req, const std::string& by,
                                    const std::string& authority) {
  std::string boundary = multipart_boundary(sv(req[http::field::content_type]));
  if (boundary.empty())
    return error_response(req, http::status::unsupported_media_type,
                          "send multipart/form-data: a 'submission' part and the material files");
  auto parts = parse_multipart(req.body(), boundary);
  if (!parts) return error_response(req, http::status::bad_request, parts.error().message);
  const FormPart* json_part = nullptr;
  for (const FormPart& p : *parts)
    if (p.name == "submission" && !json_part) json_part = &p;  // a second: see stray_part
  if (!json_part)
    return error_response(req, http::status::bad_request, "no 'submission' part (submission.json)",
                          "submission");
  // One parse, as at every door: a wrong type, a missing field, an unknown key is a 400 naming
  // the field, and nothing is written.
  auto typed = parse_submission_text(json_part->data, "submission.");
  if (!typed) return error_response(req, typed.error(), field_named(typed.error()));
  const std::string id = typed->id;
  auto procedures = engine.procedures();
  if (!procedures) return error_response(req, procedures.error());
  if (!(*procedures)->count(typed->procedure))
    return error_response(req, http::status::bad_request,
                          "submission.procedure：没有业务“" + typed->procedure +
                              "” (no procedure " + typed->procedure + " is loaded)",
                          "submission.procedure");
  if (!typed->has_materials)
    return error_response(req, http::status::bad_request,
                          "submission.materials：缺少材料列表 (a list of {type, file})",
                          "submission.materials");
  nlohmann::json submission = typed->to_json();
  // One part, one file (each is written out): refused before anything is.
  std::vector<std::string> files;
  for (const SubmittedMaterial& m : typed->materials) files.push_back(m.file);
  if (auto stray = stray_part(*parts, files))
    return error_response(req, http::status::bad_request, stray->message, stray->part);
  if (auto existing = store.get(id); existing)
    return error_response(req, http::status::conflict,
                          "案件 " + id + " 已受理，重复提交未处理；补正材料请在案件中办理 (case " +
                              id + " exists already: a resubmission is an action on it)",
                          "submission.id");
  const std::filesystem::path intake = intake_dir();
  const std::filesystem::path partial = intake / (id + ".partial"), folder = intake / id;
  std::error_code ec;
  std::filesystem::remove_all(partial, ec);
  std::filesystem::create_directories(partial, ec);
  if (ec)
    return error_response(req, http::status::internal_server_error,
                          "服务器无法保存材料，请稍后重试，仍不行请联系管理员 (cannot write " +
                              partial.string() + ": " + ec.message() + ")");
  // Whatever goes wrong from here leaves no half-written folder behind.
  struct Cleanup {
    std::filesystem::path dir;
    ~Cleanup() {
      std::error_code ignored;
      if (!dir.empty()) std::filesystem::remove_all(dir, ignored);
    }
  } cleanup{partial};
  std::set<const FormPart*> used{json_part};
  auto& materials = submission["materials"];
  for (size_t i = 0; i < materials.size(); ++i) {
    const std::string field = "submission.materials[" + std::to_string(i) + "]";
    auto& m = materials[i];
    const std::string& type = typed->materials[i].type;
    const std::string& file = typed->materials[i].file;
    auto part = std::find_if(parts->begin(), parts->end(), [&](const FormPart& p) {
      return &p != json_part && carries(p, file);
    });
    if (part == parts->end())
      return error_response(req, http::status::bad_request,
                            field + ".file: no part holds '" + file + "'; send it as a file part",
                            field + ".file");
    if (!used.insert(&*part).second)
      return error_response(req, http::status::bad_request,
                            field + ".file: '" + file +
                                "' 已是前一项材料的文件 (an earlier material's file too: one "
                                "part, one material)",
                            field + ".file");
    const std::string bytes(part->data);
    // Named by position and type, with the extension of what the bytes are.
    const ocr::FileFacts facts = ocr::inspect_bytes(bytes);
    const std::string extension =
        facts.kind == ocr::FileKind::jpeg ? "jpg" : ocr::file_kind_name(facts.kind);
    const std::string stored =
        (i < 9 ? "0" : "") + std::to_string(i + 1) + "-" + type + "." + extension;
    if (auto written = write_file_atomically(partial / stored, bytes, type); !written)
      return storage_error(req, written.error());
    m["file"] = stored;
  }
  for (const FormPart& p : *parts)
    if (!used.count(&p))
      return error_response(req, http::status::bad_request,
                            "part '" + p.name + "' is not a material of submission.json", p.name);
  if (auto written =
          write_file_atomically(partial / "submission.json", submission.dump(2), "submission");
      !written)
    return storage_error(req, written.error());
  // A folder left by an attempt whose case was never opened is replaced.
  std::filesystem::remove_all(folder, ec);
  std::filesystem::rename(partial, folder, ec);
  if (ec)
    return error_response(req, http::status::internal_server_error,
                          "服务器无法保存材料，请稍后重试，仍不行请联系管理员 (cannot keep " +
                              folder.string() + ": " + ec.message() + ")");
  cleanup.dir = folder;
  // The clock starts when the enterprise submitted (as `keydesk case open`), else now.
  for (size_t i = 0; i < materials.size(); ++i) typed->materials[i].file = materials[i]["file"];
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

}  // namespace keydesk::server
