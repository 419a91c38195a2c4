#include "cli/docs_cmd.h"

#include <iostream>
#include <memory>

#include "docs_gen/documents.h"
#include "engine/atomic_file.h"
#include "engine/case_documents.h"
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
  DocumentContext context() const { return {counter, *store, today, rules_dir}; }
};

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
                    const std::function<Result<docs::Pdf>(const docs::Generator&)>& render) {
    auto generator = docs::Generator::open(args->font, args->face);
    if (!generator) return fail(generator.error());
    auto pdf = render(*generator);
    if (!pdf)
      return fail(Error{name + std::string(": ") + pdf.error().message, {}, pdf.error().kind});
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
        [&](Env& env) { return coversheet_for(env.context(), args->batch, args->cases); });
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
        docs::Kind::manifest, *args, ctx, &docs::manifest_from_json, [&](Env& env) {
          return manifest_for(env.context(), args->manifest, args->courier, args->cases);
        });
    if (!m) return fail(m.error());
    finish("manifest", [&](const docs::Generator& g) { return g.manifest(*m); });
  });

  auto* receipt = docs_cmd->add_subcommand("receipt", "acceptance receipt (受理回执) of a case");
  common(receipt, "receipt description (schemas/docs-receipt.schema.json)", "the case, from --db");
  receipt->callback([=, &ctx] {
    if (args->cases.size() > 1) return fail(Error{"docs receipt: one --case at a time"});
    auto r = document_input<docs::Receipt>(
        docs::Kind::receipt, *args, ctx, &docs::receipt_from_json,
        [&](Env& env) { return receipt_for(env.context(), args->cases.front()); });
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
        [&](Env& env) { return notice_for(env.context(), args->cases.front()); });
    if (!n) return fail(n.error());
    finish("notice", [&](const docs::Generator& g) { return g.notice(*n); });
  });
}

}  // namespace keydesk::cli
