// The case requests: the queue, a case as its viewer sees it, actions, documents (PDF) and the
// scans and normalised pages of a case.
#include "server/app_impl.h"

#include <algorithm>

#include "engine/access.h"
#include "engine/case_documents.h"
#include "engine/material_file.h"
#include "engine/submission.h"
#include "ocr/file_check.h"

namespace keydesk::server {

std::optional<LoadedCase> App::Impl::visible_case(const Request& req, const Caller& who,
                                                  const std::string& id, const std::string& field,
                                                  Response* answer) {
  auto loaded = engine.visible_case(id, viewer_of(*who.account()));
  if (loaded) return std::move(loaded).value();
  *answer = loaded.error().kind == ErrorKind::forbidden
                ? refuse(req, who, http::status::forbidden, loaded.error().message)
                : error_response(req, loaded.error(), field);
  return std::nullopt;
}

Response App::Impl::queue(const Request& req, const Caller& who, const Target& t) {
  const Actor viewer = viewer_of(*who.account());
  if (auto authority = listing_authority(viewer); !authority)
    return refuse(req, who, http::status::forbidden, authority.error().message);
  auto asked = parse_queue_request(t.query);
  if (!asked) return error_response(req, asked.error(), field_named(asked.error()));
  const Date day = today();
  auto generation = store.generation();
  if (!generation) return error_response(req, generation.error());
  const std::uint64_t edition = shared.queue_pages.look(*generation != queue_generation);
  queue_generation = *generation;
  // All the page depends on: what is asked, who asks (role and authority), the day (days left,
  // overdue) and the rules read (titles; a calendar edit moves days left).
  const std::string key =
      nlohmann::json{viewer.role, viewer.authority, t.query, format_date(day), rules_edition}
          .dump();
  if (auto kept = shared.queue_pages.find(key))
    return text_response(req, http::status::ok, *kept, kJsonContentType);
  auto q = engine.queue(viewer, *asked, day);
  if (!q) return error_response(req, q.error(), field_named(q.error()));
  Response res = text_response(req, http::status::ok, queue_json(engine, *q), kJsonContentType);
  shared.queue_pages.keep(edition, key, res.body());
  return res;
}

Response App::Impl::show_case(const Request& req, const Caller& who, const std::string& id) {
  auto view = engine.view_case(id, viewer_of(*who.account()));
  if (!view)
    return view.error().kind == ErrorKind::forbidden
               ? refuse(req, who, http::status::forbidden, view.error().message)
               : error_response(req, view.error(), "id");
  nlohmann::json j = case_view_json(engine, *view, today());
  for (auto& d : j["documents"])
    d["url"] = "/api/cases/" + view->loaded.record.id + "/" + d["kind"].get<std::string>() + ".pdf";
  // Where the pages are: the normalised pages of the check, and the scans taken in here.
  const CaseRecord& c = view->loaded.record;
  if (j["check"].is_object())
    for (size_t n = 0; n < j["check"]["materials"].size(); ++n) {
      nlohmann::json& m = j["check"]["materials"][n];
      m["preview"] = m["preview"] == true
                         ? nlohmann::json("/api/cases/" + c.id + "/previews/" + std::to_string(n))
                         : nlohmann::json();
    }
  j["scans"] = nlohmann::json::array();
  const nlohmann::json submitted = list_at(c.data, "materials");
  for (size_t n = 0; n < submitted.size(); ++n) {
    const std::string file = text_at(submitted[n], "/file");
    if (!view->full_id && shows_id_number(text_at(submitted[n], "/type"))) continue;
    if (plain_file_name(file) && std::filesystem::exists(intake_dir() / c.id / file))
      j["scans"].push_back({{"material", text_at(submitted[n], "/type")},
                            {"url", "/api/cases/" + c.id + "/scans/" + std::to_string(n)}});
  }
  return json_response(req, http::status::ok, j);
}

std::optional<Response> App::Impl::refuse_readers(const Request& req, const Caller& who,
                                                  const std::string& what) {
  const std::string& role = who.account()->role;
  if (role == "auditor")
    return refuse(req, who, http::status::forbidden,
                  "审计员只读，不能" + what + " (auditors read, they do not act)");
  if (role == "administrator")
    return refuse(req, who, http::status::forbidden, kAdministratorsDecideNoCases);
  return std::nullopt;
}

Response App::Impl::act(const Request& req, const Caller& who, const std::string& id) {
  const Account& a = *who.account();
  if (auto refused = refuse_readers(req, who, "办理案件")) return *refused;
  Response answer;
  auto loaded = visible_case(req, who, id, "id", &answer);
  if (!loaded) return answer;
  auto parsed = parse_client_json(req.body(), "body");
  if (!parsed) return error_response(req, parsed.error(), "body");
  auto request = parse_action_request(*parsed);
  if (!request) return error_response(req, request.error(), field_named(request.error()));
  request->actor = actor_of(a);
  auto done = engine.act(id, std::move(request).value(), now_text());
  if (!done) return error_response(req, done.error());
  return json_response(req, http::status::ok,
                       engine.case_summary({std::move(done).value(), loaded->procedure}, today()));
}

Response App::Impl::resend_notice(const Request& req, const Caller& who, const std::string& id,
                                  const std::string& notice) {
  const Account& a = *who.account();
  if (auto refused = refuse_readers(req, who, "重发通知")) return *refused;
  Response answer;
  if (!visible_case(req, who, id, "id", &answer)) return answer;
  long n = 0;
  if (notice.empty() || notice.size() > 12 ||
      notice.find_first_not_of("0123456789") != std::string::npos || (n = std::stol(notice)) <= 0)
    return error_response(req, http::status::not_found,
                          "没有这条通知，请刷新案件页面后重试 (no such notice)", "notice");
  auto resent = engine.resend_notice(id, n, actor_of(a), now());
  if (!resent) return error_response(req, resent.error());
  return json_response(req, http::status::ok, outbox_item_json(*resent, options.counter.hours));
}

Response App::Impl::document(const Request& req, const Caller& who, const std::string& kind,
                             const std::vector<std::string>& ids, const Target& t) {
  const Account& a = *who.account();
  if (a.role == "administrator")
    return refuse(req, who, http::status::forbidden, kAdministratorsDecideNoCases);
  if (ids.empty())
    return error_response(
        req, http::status::bad_request,
        "cases：请先在列表中勾选案件再打印 (cases: name the cases, e.g. ?cases=S-1,S-2)", "cases");
  for (const std::string& id : ids) {
    Response answer;
    if (!visible_case(req, who, id, "cases", &answer)) return answer;
  }
  if (!generator) {
    auto opened = docs::Generator::open();
    if (!opened) return error_response(req, opened.error());
    generator.emplace(std::move(opened).value());
  }
  DocumentContext env{options.counter, store, today(), options.rules_dir};
  std::optional<Result<docs::Pdf>> pdf;
  auto render = [&](auto filled, auto draw) -> std::optional<std::string> {
    if (!filled) return filled.error().message;
    pdf.emplace(draw(*filled));
    return std::nullopt;
  };
  std::optional<std::string> refused;
  if (kind == "receipt")
    refused =
        render(receipt_for(env, ids[0]), [&](const auto& d) { return generator->receipt(d); });
  else if (kind == "notice")
    refused = render(notice_for(env, ids[0]), [&](const auto& d) { return generator->notice(d); });
  else if (kind == "coversheet")
    refused = render(coversheet_for(env, t.param("batch"), ids),
                     [&](const auto& d) { return generator->coversheet(d); });
  else if (kind == "manifest")
    refused = render(manifest_for(env, t.param("number"), t.param("courier"), ids),
                     [&](const auto& d) { return generator->manifest(d); });
  else
    return error_response(req, http::status::not_found,
                          "没有这种文书，请使用页面上的打印按钮 (no document '" + kind +
                              "': receipt, notice, coversheet or manifest)");
  if (refused) return error_response(req, http::status::conflict, *refused);
  if (!*pdf) return error_response(req, pdf->error());
  Response res = text_response(req, http::status::ok, (*pdf)->bytes, "application/pdf");
  res.set(http::field::content_disposition,
          content_disposition("inline", kind + (ids.size() == 1 ? "-" + ids[0] : "") + ".pdf"));
  return res;
}

Response App::Impl::case_image(const Request& req, const Caller& who, const std::string& id,
                               const std::string& kind, const std::string& index) {
  Response answer;
  auto loaded = visible_case(req, who, id, "id", &answer);
  if (!loaded) return answer;
  if (index.empty() || index.size() > 3 ||
      index.find_first_not_of("0123456789") != std::string::npos)
    return error_response(req, http::status::bad_request,
                          "材料序号应为 0、1、2… (the material's number: 0, 1, 2, …)", "n");
  const size_t n = std::stoul(index);
  std::filesystem::path path;
  std::string material;  // its type
  if (kind == "scans") {
    const nlohmann::json materials = list_at(loaded->record.data, "materials");
    const std::string file = n < materials.size() ? text_at(materials[n], "/file") : "";
    if (!plain_file_name(file))
      return error_response(req, http::status::not_found,
                            "没有第 " + index + " 项材料 (no material " + index + ")", "n");
    material = text_at(materials[n], "/type");
    path = intake_dir() / id / file;
  } else {
    auto check = store.latest_check(id);
    if (!check) return error_response(req, check.error());
    if (!*check || n >= (*check)->materials.size() ||
        !(*check)->materials[n]["preview"].is_string())
      return error_response(
          req, http::status::not_found,
          "第 " + index + " 项材料没有核验页面 (no preview of material " + index + ")", "n");
    material = text_at((*check)->materials[n], "/material");
    path = (*check)->materials[n]["preview"].get<std::string>();
  }
  // ID numbers are masked for auditors; the scans that show one whole are not theirs to see.
  if (!sees_full_id(viewer_of(*who.account()), loaded->record, *loaded->procedure) &&
      shows_id_number(material))
    return refuse(req, who, http::status::forbidden, kIdScanRefused);
  auto read = read_regular_file(path, kMaxMaterialBytes);
  if (!read)
    return error_response(req, http::status::not_found,
                          "本服务器未保存该扫描件（案件不是在此受理的）(the scan is not kept "
                          "here: the case was not taken in by keydesk serve)",
                          "n");
  std::string bytes = std::move(read).value();
  const ocr::FileKind type = ocr::inspect_bytes(bytes).kind;
  const char* content_type = type == ocr::FileKind::jpeg  ? "image/jpeg"
                             : type == ocr::FileKind::png ? "image/png"
                                                          : "application/octet-stream";
  Response res = text_response(req, http::status::ok, std::move(bytes), content_type);
  res.set(http::field::cache_control, "private, max-age=3600");
  return res;
}

}  // namespace keydesk::server
