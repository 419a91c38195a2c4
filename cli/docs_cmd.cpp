#include "cli/docs_cmd.h"

#include <iostream>
#include <memory>

#include "docs_gen/documents.h"
#include "engine/atomic_file.h"
#include "engine/case_store.h"
#include "engine/documents.h"
#include "engine/json_file.h"
#include "engine/privacy.h"
#include "engine/rules.h"

namespace keydesk::cli {

namespace {

struct Args {
  std::string from, out, font, today, batch, manifest, courier;
  std::vector<std::string> cases;
  int face = 0;
};

// What a database-backed document needs: the counter, the store, today.
struct Env {
  CounterConfig counter;
  std::unique_ptr<CaseStore> store;
  Date today;
  std::filesystem::path rules_dir;
};

// A case with its procedure and its submission, personal data masked.
struct CaseView {
  CaseRecord record;
  std::shared_ptr<const Procedure> procedure;
  nlohmann::json submission;  // masked
};

docs::Party party_of(const Contact& c) {
  return {c.organisation, c.person, c.phone, c.fax, c.address};
}

std::string enterprise_name(const CaseView& c) {
  return c.submission.value("enterprise", nlohmann::json::object()).value("name", "");
}

// The Chinese name of a material type, from the procedure's material list.
std::string material_title(const Procedure& p, const std::string& type) {
  for (const auto& m : p.materials)
    for (const auto& t : m.types)
      if (t == type) return m.title;
  return type;
}

Result<CaseView> load_case(Env& env, const std::string& id) {
  auto c = env.store->get(id);
  if (!c) return c.error();
  auto p = env.store->procedure_at(c->procedure, c->procedure_version);
  if (!p) return p.error();
  return CaseView{*c, *p, mask_personal_data(c->data)};
}

docs::CaseHeader header_of(const Env& env, const CaseView& c, const std::string& date) {
  return {c.record.id,        date,          party_of(env.counter.contact),
          enterprise_name(c), c.record.uscc, c.procedure->title};
}

// --- documents from the database -------------------------------------------------------------

Result<docs::CoverSheet> coversheet_from_db(Env& env, const Args& args) {
  if (args.batch.empty()) return Error{"docs coversheet --case: say the batch id with --batch"};
  docs::CoverSheet sheet{args.batch,
                         format_date(env.today),
                         party_of(env.counter.contact),
                         party_of(env.counter.vendor),
                         {},
                         ""};
  if (sheet.to.organisation.empty())
    return Error{
        "the counter configuration has no vendor: add 'vendor: {organisation: …, fax: …}' "
        "to " +
        (env.counter.file.empty() ? "rules/counter.yaml" : env.counter.file)};
  for (const auto& id : args.cases) {
    auto c = load_case(env, id);
    if (!c) return c.error();
    int pages = static_cast<int>(c->submission.value("materials", nlohmann::json::array()).size());
    sheet.cases.push_back({id, enterprise_name(*c), c->record.uscc, c->procedure->title, pages});
  }
  return sheet;
}

Result<docs::CourierManifest> manifest_from_db(Env& env, const Args& args) {
  if (args.manifest.empty() || args.courier.empty())
    return Error{"docs manifest --case: give --manifest NUMBER and --courier COMPANY"};
  docs::CourierManifest m{args.manifest, format_date(env.today), args.courier, {}, {}, {}};
  const docs::Party authority = party_of(env.counter.contact),
                    vendor = party_of(env.counter.vendor);
  for (const auto& id : args.cases) {
    auto c = load_case(env, id);
    if (!c) return c.error();
    auto events = env.store->history(id);
    if (!events) return events.error();
    // The newest event that recorded a waybill says what went where.
    const AuditEvent* shipped = nullptr;
    for (const auto& ev : *events)
      if (ev.data.contains("inputs") && ev.data["inputs"].contains("waybill")) shipped = &ev;
    if (!shipped)
      return Error{"case " + id +
                   " has no waybill in its history: record it with the sending "
                   "action (--input waybill=…) first"};
    bool documents = shipped->action == "send_to_vendor";
    docs::Party sender = shipped->role == "vendor_reviewer" ? vendor : authority;
    docs::Party receiver = documents ? vendor
                           : shipped->role == "vendor_reviewer"
                               ? authority
                               : docs::Party{enterprise_name(*c), "", "", "", ""};
    if (m.items.empty()) {
      m.sender = sender;
      m.receiver = receiver;
    } else if (m.receiver.organisation != receiver.organisation) {
      return Error{"case " + id + " goes to " + receiver.organisation + ", not to " +
                   m.receiver.organisation + ": make one manifest per receiver"};
    }
    m.items.push_back({shipped->data["inputs"]["waybill"].get<std::string>(), id,
                       enterprise_name(*c), documents ? "documents" : "key", 1});
  }
  return m;
}

Result<docs::Receipt> receipt_from_db(Env& env, const std::string& id, const Context& ctx) {
  auto c = load_case(env, id);
  if (!c) return c.error();
  const Procedure& p = *c->procedure;
  auto cal = calendar_for(p, ctx.rules(), env.counter);
  if (!cal) return cal.error();
  // Accepted on the submission's day, or the next working day after the cut-off.
  auto at = parse_submission_time(c->submission.value("submitted_at", c->record.opened_at),
                                  env.counter.hours);
  if (!at) return Error{"case " + id + ": " + at.error().message};
  auto accepted = cal->acceptance_date(*at, env.counter.hours);
  if (!accepted) return accepted.error();
  docs::Receipt r;
  r.header = header_of(env, *c, format_date(*accepted));
  for (const auto& m : c->submission.value("materials", nlohmann::json::array()))
    r.materials.push_back(material_title(p, m.value("type", "")));
  if (const StateRule* s = p.state(c->record.state)) {
    r.next_step = s->title;
    r.working_days = s->deadline_days;
  }
  if (c->record.due) r.deadline = format_date(*c->record.due);
  r.query = env.counter.query;
  return r;
}

Result<docs::ReturnNotice> notice_from_db(Env& env, const std::string& id) {
  auto c = load_case(env, id);
  if (!c) return c.error();
  auto events = env.store->history(id);
  if (!events) return events.error();
  const AuditEvent* failed = nullptr;
  std::optional<CheckRecord> check, latest;  // the document check the failed review followed
  for (const auto& ev : *events) {
    if (auto k = check_in(ev)) latest = std::move(k);
    if (is_failing_outcome(ev.outcome)) {
      failed = &ev;
      check = latest;
    }
  }
  if (!failed)
    return Error{"case " + id + " has no failed review in its history: nothing to return"};
  const Procedure& p = *c->procedure;
  docs::ReturnNotice n;
  n.header = header_of(env, *c, failed->at.substr(0, 10));
  n.outcome = failed->outcome;
  // The failures of the document check of this submission, one per material, when the review
  // sent them (--remark-from-check); whatever else the clerk wrote follows as it is.
  bool all_in_remark = false;
  if (check && check->submission_hash == check_hash(c->record.data)) {
    auto documents = load_document_rules(env.rules_dir / "documents.yaml");
    std::vector<docs::Finding> listed;
    all_in_remark = true;
    for (const auto& f : check->findings) {
      if (f.value("severity", "") != "fail") continue;
      std::string material = f.value("material", ""), message = f.value("message", "");
      std::string name = documents ? documents->material_name(material) : material;
      listed.push_back({material == "submission" ? "" : name, f.value("code", ""),
                        mask_id_numbers_in(message)});
      all_in_remark = all_in_remark && failed->remark.find(message) != std::string::npos;
    }
    if (listed.empty()) all_in_remark = false;
    if (all_in_remark) n.findings = std::move(listed);
  }
  if (!all_in_remark) n.findings.push_back({"", "", mask_id_numbers_in(failed->remark)});
  // The seed: a failed review returns the case for a full resubmission.
  for (const auto& m : p.materials) n.resubmit.push_back(m.title);
  return n;
}

// --- running one verb ------------------------------------------------------------------------

// The document as a struct filled from --from JSON (masked) or the database.
template <class Doc>
Result<Doc> document_input(docs::Kind kind, const Args& args, const Context& ctx,
                           Doc (*from_json)(const nlohmann::json&),
                           const std::function<Result<Doc>(Env&)>& from_db) {
  if (!args.from.empty() && !args.cases.empty())
    return Error{"give either --from FILE.json or --case ID, not both"};
  if (!args.from.empty()) {
    auto j = load_json_file(args.from, docs::input_schema(kind));
    if (!j) return j.error();
    return from_json(mask_personal_data(*j));
  }
  if (args.cases.empty()) return Error{"say what to print: --from FILE.json or --case ID"};
  auto counter = ctx.counter();
  if (!counter) return counter.error();
  auto store = CaseStore::open(ctx.db);
  if (!store) return store.error();
  auto today = today_option(args.today);
  if (!today) return today.error();
  Env env{*counter, std::make_unique<CaseStore>(std::move(store).value()), *today, ctx.rules()};
  return from_db(env);
}

}  // namespace

void add_docs_commands(CLI::App& app, Context& ctx, int& exit_code) {
  auto args = std::make_shared<Args>();
  auto* docs_cmd = app.add_subcommand(
      "docs", "documents as PDF: fax cover sheet, courier manifest, receipt, return notice");
  docs_cmd->require_subcommand(1);

  auto fail = [&ctx, &exit_code](const Error& e) {
    print_error(ctx, e);
    exit_code = kUsage;
  };

  // Renders with the document's generator call and writes --out atomically.
  auto finish = [args, &ctx, &exit_code, fail](
                    const char* name,
                    const std::function<docs::Outcome<docs::Pdf>(const docs::Generator&)>& render) {
    auto generator = docs::Generator::open(args->font, args->face);
    if (!generator) return fail(Error{generator.error()});
    auto pdf = render(*generator);
    if (!pdf) return fail(Error{name + std::string(": ") + pdf.error()});
    auto written = write_file_atomically(args->out, pdf->bytes, "PDF");
    if (!written) return fail(written.error());
    if (ctx.json)
      print_json({{"document", name},
                  {"out", args->out},
                  {"pages", pdf->pages},
                  {"bytes", pdf->bytes.size()}});
    else
      std::cout << args->out << "  " << name << ", " << pdf->pages << " page(s), "
                << pdf->bytes.size() << " bytes\n";
    exit_code = kOk;
  };

  auto common = [args](CLI::App* cmd, const std::string& from_what, const std::string& case_what) {
    cmd->add_option("--from", args->from, from_what)->check(CLI::ExistingFile);
    cmd->add_option("--case", args->cases, case_what);
    cmd->add_option("--out", args->out, "the PDF to write (atomically)")->required();
    cmd->add_option("--font", args->font,
                    "TrueType font or collection (default: $KEYDESK_FONT, then Debian's "
                    "wqy-zenhei)");
    cmd->add_option("--font-index", args->face, "face in a .ttc collection (default 0)");
    cmd->add_option("--today", args->today, "the document's date with --case (default: today)");
  };

  auto* cover = docs_cmd->add_subcommand("coversheet", "fax cover sheet (传真封面) of a batch");
  common(cover, "batch description (schemas/docs-coversheet.schema.json)",
         "a case of the batch, from --db (repeat it)");
  cover->add_option("--batch", args->batch, "the batch id, with --case");
  cover->callback([=, &ctx] {
    auto sheet = document_input<docs::CoverSheet>(
        docs::Kind::coversheet, *args, ctx, &docs::coversheet_from_json,
        [&](Env& env) { return coversheet_from_db(env, *args); });
    if (!sheet) return fail(sheet.error());
    finish("coversheet", [&](const docs::Generator& g) { return g.coversheet(*sheet); });
  });

  auto* manifest = docs_cmd->add_subcommand("manifest", "courier manifest (快递交接单)");
  common(manifest, "manifest description (schemas/docs-manifest.schema.json)",
         "a case whose waybill is in its history, from --db (repeat it)");
  manifest->add_option("--manifest", args->manifest, "the manifest number, with --case");
  manifest->add_option("--courier", args->courier, "the courier company, with --case");
  manifest->callback([=, &ctx] {
    auto m = document_input<docs::CourierManifest>(
        docs::Kind::manifest, *args, ctx, &docs::manifest_from_json,
        [&](Env& env) { return manifest_from_db(env, *args); });
    if (!m) return fail(m.error());
    finish("manifest", [&](const docs::Generator& g) { return g.manifest(*m); });
  });

  auto* receipt = docs_cmd->add_subcommand("receipt", "acceptance receipt (受理回执) of a case");
  common(receipt, "receipt description (schemas/docs-receipt.schema.json)", "the case, from --db");
  receipt->callback([=, &ctx] {
    if (args->cases.size() > 1) return fail(Error{"docs receipt: one --case at a time"});
    auto r = document_input<docs::Receipt>(
        docs::Kind::receipt, *args, ctx, &docs::receipt_from_json,
        [&](Env& env) { return receipt_from_db(env, args->cases.front(), ctx); });
    if (!r) return fail(r.error());
    finish("receipt", [&](const docs::Generator& g) { return g.receipt(*r); });
  });

  auto* notice = docs_cmd->add_subcommand("notice", "return notice (退回通知) of a case");
  common(notice, "notice description (schemas/docs-notice.schema.json)",
         "the case, from --db: its latest failed review");
  notice->callback([=, &ctx] {
    if (args->cases.size() > 1) return fail(Error{"docs notice: one --case at a time"});
    auto n = document_input<docs::ReturnNotice>(
        docs::Kind::notice, *args, ctx, &docs::notice_from_json,
        [&](Env& env) { return notice_from_db(env, args->cases.front()); });
    if (!n) return fail(n.error());
    finish("notice", [&](const docs::Generator& g) { return g.notice(*n); });
  });
}

}  // namespace keydesk::cli
