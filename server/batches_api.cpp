// Document checks started from the web counter (POST /api/batches), their progress, and passing
// the clean cases of a finished batch: the batches are the engine's (engine/web_batches.h), kept in
// the database, so any server answers for any batch.
#include "server/app_impl.h"

#include <filesystem>

#include "engine/access.h"
#include "engine/submission.h"

namespace keydesk::server {

Response App::Impl::start_batch(const Request& req, const Caller& who) {
  const Account& a = *who.account();
  if (a.role != "authority_clerk")
    return refuse(req, who, http::status::forbidden,
                  "只有发证机构经办人可发起核验 (only clerks verify batches)");
  auto parsed = parse_client_json(req.body(), "body", 256 * 1024);
  if (!parsed)
    return error_response(req, http::status::bad_request, parsed.error().message, "body");
  const nlohmann::json& body = *parsed;
  if (!body.is_object())
    return error_response(req, http::status::bad_request,
                          "send JSON: {\"cases\": [ids]} or {\"pending\": true}");
  if (body.contains("pending") && !body["pending"].is_boolean())
    return error_response(req, http::status::bad_request,
                          "pending：应为 true 或 false，实为" + json_type_zh(body["pending"]) +
                              " (pending: expected true or false)",
                          "pending");
  std::vector<std::string> ids;
  if (body.contains("pending") && body["pending"].get<bool>()) {
    // The clerk's open cases waiting for a check-guarded decision.
    QueueRequest mine;
    mine.tab = "mine";
    mine.per_page = 1000;
    auto q = engine.queue(viewer_of(a), mine, today());
    if (!q) return error_response(req, q.error());
    for (const LoadedCase& c : q->cases)
      if (c.procedure && Workflow::passing_action(*c.procedure, c.record.state, a.role) &&
          std::filesystem::exists(intake_dir() / c.record.id / "submission.json"))
        ids.push_back(c.record.id);
    if (ids.empty())
      return error_response(
          req, http::status::conflict,
          "没有待核验的案件：在办案件中没有等待核验且材料在本服务器受理的 (no pending case "
          "with a submission folder)");
  } else if (body.contains("cases") && body["cases"].is_array() && !body["cases"].empty()) {
    if (body["cases"].size() > 1000)
      return error_response(req, http::status::bad_request,
                            "cases：一次最多核验 1000 件，请分批提交 (at most 1000 cases a batch)",
                            "cases");
    for (const auto& id : body["cases"]) {
      if (!id.is_string() || !valid_case_id(id.get<std::string>()))
        return error_response(req, http::status::bad_request,
                              "cases：每一项应为案件编号（如 S-2026-000201），实为" +
                                  (id.is_string() ? "无效的编号" : json_type_zh(id)) +
                                  " (cases: case numbers)",
                              "cases");
      ids.push_back(id);
    }
  } else {
    return error_response(
        req, http::status::bad_request,
        "cases：请列出要核验的案件编号，或发送 \"pending\": true 核验全部待核验案件 "
        "(cases: a list of case numbers, or \"pending\": true)",
        "cases");
  }
  std::vector<std::filesystem::path> folders;
  for (const std::string& id : ids) {
    Response answer;
    if (!visible_case(req, who, id, "cases", &answer)) return answer;
    const std::filesystem::path folder = intake_dir() / id;
    if (!std::filesystem::exists(folder / "submission.json"))
      return error_response(req, http::status::conflict,
                            "案件 " + id +
                                " 的材料不是在本服务器受理的，无法在此核验；请在受理材料的柜台核验 "
                                "(no submission folder under " +
                                intake_dir().string() + ")",
                            "cases");
    folders.push_back(folder);
  }
  auto batch = shared.batches->start(std::move(folders), {a.name, a.role, a.authority}, today());
  if (!batch) return error_response(req, batch.error());
  return json_response(req, http::status::accepted, web_batch_json(*batch));
}

Response App::Impl::batch_refused(const Request& req, const Caller& who, const Error& error) {
  if (error.kind == ErrorKind::forbidden)
    return refuse(req, who, http::status::forbidden, error.message);
  return error_response(req, error, error.kind == ErrorKind::not_found ? "id" : "");
}

Response App::Impl::batch_status(const Request& req, const Caller& who, const std::string& id) {
  auto batch = shared.batches->find(id, viewer_of(*who.account()));
  if (!batch) return batch_refused(req, who, batch.error());
  return json_response(req, http::status::ok, web_batch_json(*batch));
}

Response App::Impl::resume_batch(const Request& req, const Caller& who, const std::string& id) {
  const Account& a = *who.account();
  if (a.role != "authority_clerk")
    return refuse(req, who, http::status::forbidden,
                  "只有发证机构经办人可继续核验 (only clerks verify batches)");
  auto batch = shared.batches->resume(id, {a.name, a.role, a.authority}, today());
  if (!batch) return batch_refused(req, who, batch.error());
  return json_response(req, http::status::accepted, web_batch_json(*batch));
}

Response App::Impl::pass_clean(const Request& req, const Caller& who, const std::string& id) {
  const Account& a = *who.account();
  if (a.role != "authority_clerk")
    return refuse(req, who, http::status::forbidden,
                  "只有发证机构经办人可办理 (only clerks pass cases)");
  auto outcomes = shared.batches->pass_clean(engine, id, actor_of(a), now_text());
  if (!outcomes) return batch_refused(req, who, outcomes.error());
  nlohmann::json results = nlohmann::json::array();
  for (const PassOutcome& r : *outcomes) {
    nlohmann::json j = {{"id", r.case_id}};
    if (r.error) {
      j["error"] = r.error->message;
    } else {
      j["action"] = r.action;
      j["state"] = r.state;
      j["state_title"] = r.state_title;
    }
    results.push_back(j);
  }
  return json_response(req, http::status::ok, {{"batch", id}, {"cases", results}});
}

}  // namespace keydesk::server
