// The checks of a submission against what its scans were read to hold (engine/verify.cpp), on
// the real rule files and a scan result as the reader gives it: when a name read on a form is
// another company's (fail) and when it is a misreading of the form's own (review).
#include <catch2/catch.hpp>

#include <filesystem>
#include <optional>

#include "engine/documents.h"
#include "engine/procedure.h"
#include "engine/verify.h"

using namespace keydesk;

namespace {

// A bundled procedure and the document rules, as the batch verifier loads them.
Procedure bundled_procedure(const std::string& id) {
  auto procedure =
      load_procedure(std::filesystem::path(KEYDESK_RULES_DIR) / "procedures" / (id + ".yaml"));
  REQUIRE(procedure);
  return *procedure;
}

DocumentRules bundled_documents() {
  auto documents = load_document_rules(std::filesystem::path(KEYDESK_RULES_DIR) / "documents.yaml");
  REQUIRE(documents);
  return *documents;
}

const ocr::Finding* finding(const SubmissionVerdict& verdict, const std::string& code) {
  for (const ocr::Finding& f : verdict.findings)
    if (f.code == code) return &f;
  return nullptr;
}

// A 150 KB A4 JPEG of `type` given as `file`, read as that type (nothing on it read yet).
MaterialScan scanned(const std::string& type, const std::string& file) {
  MaterialScan m;
  m.type = type;
  m.file = file;
  m.exists = true;
  m.facts.kind = ocr::FileKind::jpeg;
  m.facts.bytes = 150 * 1024;
  m.facts.width = 1240;
  m.facts.height = 1754;
  ocr::ScanResult scan;
  scan.readable = true;
  scan.width = 1240;
  scan.height = 1754;
  scan.detected_type = type;
  scan.type_score = 1.0;
  m.scan = scan;
  return m;
}

// A first issue online for 恒通（中国）有限公司 (domestic) with `materials` listed.
nlohmann::json hengtong_submission(const nlohmann::json& materials) {
  return {
      {"id", "S-2026-000900"},
      {"procedure", "first_issue_online"},
      {"channel", "online"},
      {"enterprise",
       {{"name", "恒通（中国）有限公司"}, {"uscc", "91110105MA01ABCD5F"}, {"kind", "domestic"}}},
      {"applicant",
       {{"login_username", "htzg01"},
        {"legal_representative", "李建国"},
        {"authorized_user", {{"name", "张晓梅"}, {"id_number", "110105199001010029"}}}}},
      {"materials", materials}};
}

// A submission of one application form on which the company name was read as `read`, at a mean
// glyph confidence of `confidence`.
// `extra`: more lines read on the form; `ticks`: its tick list as read; `seals`: its seals as
// found.
SubmissionVerdict check_name_read(const std::string& read, float confidence,
                                  const std::vector<ocr::TextLine>& extra = {},
                                  const std::vector<ocr::TickMark>& ticks = {},
                                  const std::vector<ocr::FieldRead>& codes = {},
                                  const std::vector<ocr::GlyphCheck>& glyph_checks = {},
                                  const std::vector<ocr::SealMark>& seals = {}) {
  const Procedure procedure = bundled_procedure("first_issue_online");
  const DocumentRules documents = bundled_documents();
  const nlohmann::json submission =
      hengtong_submission({{{"type", "application_form"}, {"file", "application_form.jpg"}}});
  MaterialScan form = scanned("application_form", "application_form.jpg");
  ocr::ScanResult& scan = *form.scan;
  scan.lines.push_back({{120, 60, 900, 40}, "进出口企业电子钥匙与电子认证证书申请表", 95});
  scan.lines.push_back({{120, 240, 600, 30}, "企业名称 " + read, confidence});
  scan.fields.push_back({"name", read, {460, 239, 172, 37}, confidence});
  for (const ocr::TextLine& line : extra) scan.lines.push_back(line);
  scan.ticks = ticks;
  for (const ocr::FieldRead& code : codes) scan.fields.push_back(code);
  scan.glyph_checks = glyph_checks;
  scan.seals = seals;
  return check_submission(submission, procedure, documents, {form}, nlohmann::json::object(), {},
                          Date(2026, 11, 24));
}

// The same submission, its name read as it is and one code read as `code`.
SubmissionVerdict check_code_read(const std::string& code) {
  return check_name_read("恒通（中国）有限公司", 97.0f, {}, {},
                         {{"code", code, {700, 300, 300, 30}, 95.0f}});
}

}  // namespace

TEST_CASE("a company name a cell's edge cut in two is read over its two lines", "[verify]") {
  // 恒通（中国）有限 / 公司: the tail on the line just below the head, the next cell's label and
  // value right of the head on its line.
  SubmissionVerdict wrapped = check_name_read("恒通（中国）有限 注册资本100万元", 97.0f,
                                              {{{240, 272, 60, 30}, "公司", 95}});
  CHECK(finding(wrapped, "name.unread") == nullptr);
  CHECK(finding(wrapped, "name.mismatch") == nullptr);
  // The same two characters far down the page, other lines between, are not its tail.
  SubmissionVerdict apart = check_name_read(
      "恒通（中国）有限 注册资本100万元", 97.0f,
      {{{120, 500, 400, 30}, "联系电话：010-12345678", 95}, {{240, 900, 60, 30}, "公司", 95}});
  CHECK((finding(apart, "name.unread") || finding(apart, "name.mismatch")));
}

TEST_CASE("a USCC read with a letter it cannot hold and two more slips is the form's own",
          "[verify]") {
  // The form's 91110105MA01ABCD5F read as 9111010SMA01ABCE57: S cannot stand in a USCC's
  // digits (it is a 5), and two characters more are slips (a hand-filled code). Without the
  // fold it is three off and no repair passes the checksum: a person would be asked.
  SubmissionVerdict verdict = check_code_read("9111010SMA01ABCE57");
  CHECK(finding(verdict, "uscc.unread") == nullptr);
  CHECK(finding(verdict, "uscc.mismatch") == nullptr);
  // Three slips beyond the fold are not the same code (this one is taken for another's).
  SubmissionVerdict three = check_code_read("9111010SMA01ABCE77");
  CHECK((finding(three, "uscc.unread") || finding(three, "uscc.mismatch")));
}

TEST_CASE("a code read with a mark beside it in its run is weighed without the mark", "[verify]") {
  // A hand's 91110105MA01ABCD5F read 91110905MA01ABTD5FL: two slips, and the form's wall right
  // of the code read into its run as an L. As a whole the reading is three off; the stretch
  // most like the form's is two off, the slips a hand's code is taken with.
  SubmissionVerdict marked = check_code_read("91110905MA01ABTD5FL");
  CHECK(finding(marked, "uscc.unread") == nullptr);
  CHECK(finding(marked, "uscc.mismatch") == nullptr);
  // A third slip within the stretch is not the form's code.
  SubmissionVerdict three = check_code_read("91110905MA01ABTD7FL");
  CHECK((finding(three, "uscc.unread") || finding(three, "uscc.mismatch")));
}

TEST_CASE("another valid code read where the page's ink leans to the form's goes to a person",
          "[verify]") {
  // 914401066254771324 passes its checksum and is far from the form's 91110105MA01ABCD5F:
  // another enterprise's, a fail. The same reading where the glyph check found every differing
  // character more like the form's than the one read (not clearly enough to be taken) is a
  // misreading that happened to pass: review.
  const std::string name = "恒通（中国）有限公司";
  const ocr::FieldRead other{"code", "914401066254771324", {700, 300, 300, 30}, 95.0f};
  SubmissionVerdict plain = check_name_read(name, 97.0f, {}, {}, {other});
  REQUIRE(finding(plain, "uscc.mismatch"));
  CHECK(finding(plain, "uscc.mismatch")->severity == ocr::Severity::fail);
  auto check = [](double read, double form) {
    return ocr::GlyphCheck{"uscc",
                           "914401066254771324",
                           "91110105MA01ABCD5F",
                           {700, 300, 300, 30},
                           {{0.4, 0.5}, {0.3, 0.45}, {read, form}},
                           {},
                           false,
                           {}};
  };
  SubmissionVerdict leaning = check_name_read(name, 97.0f, {}, {}, {other}, {check(0.41, 0.48)});
  CHECK(finding(leaning, "uscc.mismatch") == nullptr);
  REQUIRE(finding(leaning, "uscc.unread"));
  CHECK(finding(leaning, "uscc.unread")->severity == ocr::Severity::review);
  // One character more like the one read: the ink does not lean to the form's.
  SubmissionVerdict split = check_name_read(name, 97.0f, {}, {}, {other}, {check(0.6, 0.48)});
  CHECK(finding(split, "uscc.mismatch") != nullptr);
}

TEST_CASE("the form's ticked 申请事项 against the procedure's", "[verify]") {
  // first_issue_online: 首次申领.
  auto item = [](const char* name, bool ticked, bool empty) {
    return ocr::TickMark{name,
                         {100, 300, 20, 20},
                         ticked  ? "回"
                         : empty ? "口"
                                 : "",
                         ticked,
                         empty};
  };
  const std::string name = "恒通（中国）有限公司";
  SubmissionVerdict right =
      check_name_read(name, 97.0f, {}, {item("首次申领", true, false), item("补办", false, true)});
  CHECK(finding(right, "form.tick_mismatch") == nullptr);
  CHECK(finding(right, "form.tick_unread") == nullptr);
  SubmissionVerdict other =
      check_name_read(name, 97.0f, {}, {item("首次申领", false, true), item("补办", true, false)});
  const ocr::Finding* mismatch = finding(other, "form.tick_mismatch");
  REQUIRE(mismatch);
  CHECK(mismatch->severity == ocr::Severity::fail);
  CHECK(mismatch->message.find("“补办”") != std::string::npos);
  CHECK(mismatch->message.find("“首次申领”") != std::string::npos);
  // Nothing ticked, the procedure's box read empty: a person looks.
  SubmissionVerdict none =
      check_name_read(name, 97.0f, {}, {item("首次申领", false, true), item("补办", false, true)});
  REQUIRE(finding(none, "form.tick_unread"));
  CHECK(finding(none, "form.tick_unread")->severity == ocr::Severity::review);
  // Another ticked while the procedure's box was not read either way: review, not fail.
  SubmissionVerdict unsure =
      check_name_read(name, 97.0f, {}, {item("首次申领", false, false), item("补办", true, false)});
  CHECK(finding(unsure, "form.tick_mismatch") == nullptr);
  CHECK(finding(unsure, "form.tick_unread") != nullptr);
  // The procedure's box and another read as neither, nothing ticked: which is ticked, if
  // either, is for a person to see. The procedure's box read as neither and the rest empty:
  // nothing said.
  SubmissionVerdict two_unclear = check_name_read(
      name, 97.0f, {},
      {item("首次申领", false, false), item("补办", false, true), item("注销", false, false)});
  REQUIRE(finding(two_unclear, "form.tick_unread"));
  CHECK(finding(two_unclear, "form.tick_unread")->severity == ocr::Severity::review);
  SubmissionVerdict one_unclear =
      check_name_read(name, 97.0f, {}, {item("首次申领", false, false), item("补办", false, true)});
  CHECK(finding(one_unclear, "form.tick_unread") == nullptr);
  // No list found: nothing said.
  CHECK(finding(check_name_read(name, 97.0f), "form.tick_unread") == nullptr);
}

TEST_CASE("a company name whose bracket was lost or misread is one slip, not two", "[verify]") {
  // 恒通（中国）有限公司 read with 中 as 申 and its （ lost: with the brackets it is two of ten off
  // (a person was asked); the brackets tell no company from another, and one slip in eight is the
  // name's own.
  CHECK(finding(check_name_read("恒通申国)有限公司", 93.0f), "name.unread") == nullptr);
  CHECK(finding(check_name_read("恒通申国)有限公司", 93.0f), "name.mismatch") == nullptr);
  CHECK(finding(check_name_read("恒通《申国)有限公司", 93.0f), "name.mismatch") == nullptr);
  // Two slips besides the bracket are still for a person to look at.
  const SubmissionVerdict two = check_name_read("恒道申国)有限公司", 93.0f);
  CHECK((finding(two, "name.unread") || finding(two, "name.mismatch")));
}

TEST_CASE("a company name read clearly as another company's is a mismatch that fails", "[verify]") {
  SubmissionVerdict verdict = check_name_read("华信国际贸易有限公司", 97.0f);
  const ocr::Finding* mismatch = finding(verdict, "name.mismatch");
  REQUIRE(mismatch);
  CHECK(mismatch->severity == ocr::Severity::fail);
  CHECK(verdict.verdict == "fail");
}

namespace {
// A red seal on the form whose name was read as `text` and judged `verdict`, 达 read for the
// name's 通 (clearly 达 when `clear`).
ocr::SealMark seal_read(const std::string& text, ocr::SealNameCheck::Verdict verdict, bool clear) {
  ocr::SealMark seal;
  seal.box = {800, 1400, 220, 220};
  seal.red = true;
  seal.text = text;
  seal.name_check = ocr::SealNameCheck{
      "恒通（中国）有限公司", 7, 0, {{"达", "通", 0.78, 0.31, clear}}, verdict, "", "恒通", false};
  return seal;
}
}  // namespace

TEST_CASE("a seal whose name has one character clearly another's goes to a person", "[verify]") {
  using Verdict = ocr::SealNameCheck::Verdict;
  const ocr::SealMark doubtful = seal_read("恒达中国有限公司", Verdict::doubtful, true);
  SubmissionVerdict verdict =
      check_name_read("恒通（中国）有限公司", 96.0f, {}, {}, {}, {}, {doubtful});
  const ocr::Finding* found = finding(verdict, "seal.name_doubtful");
  REQUIRE(found);
  CHECK(found->severity == ocr::Severity::review);
  CHECK(found->material == "application_form");
  CHECK(
      found->message ==
      "进出口企业电子钥匙与电子认证证书申请表上企业公章的印文识别为“恒达中国有限公司”，其中“达”（应"
      "为“通”）与申请企业“恒通（中国）有限公司”的名称不符，请人工核对公章是否为本企业公章：不是的，"
      "请企业加盖本企业公章后重新提交。");
  CHECK(found->evidence["differences"][0]["clearly_other"] == true);
  // The specific finding, not the general one that no seal was read as the name.
  CHECK_FALSE(finding(verdict, "seal.name_unread"));
  // A seal on the same form that carries the name does not answer for the doubtful one.
  verdict = check_name_read("恒通（中国）有限公司", 96.0f, {}, {}, {}, {},
                            {seal_read("恒通中国有限公司", Verdict::same, false), doubtful});
  CHECK(finding(verdict, "seal.name_doubtful"));
  // Two characters clearly another's: another company's seal, a fail.
  verdict = check_name_read("恒通（中国）有限公司", 96.0f, {}, {}, {}, {},
                            {seal_read("恒达中国有限公司", Verdict::other, true)});
  REQUIRE(finding(verdict, "seal.name_mismatch"));
  CHECK(finding(verdict, "seal.name_mismatch")->severity == ocr::Severity::fail);
  CHECK_FALSE(finding(verdict, "seal.name_doubtful"));
  // Only unsure: the general review.
  verdict = check_name_read("恒通（中国）有限公司", 96.0f, {}, {}, {}, {},
                            {seal_read("恒达中国有限公司", Verdict::unsure, false)});
  CHECK(finding(verdict, "seal.name_unread"));
  CHECK_FALSE(finding(verdict, "seal.name_doubtful"));
}

TEST_CASE("the tail of the form's own company name, its head lost, is for a person to look at",
          "[verify]") {
  // 恒通（ fell under a cell border; 限 was read as 恨. Read clearly, but it is part of the
  // expected name, not another one.
  SubmissionVerdict verdict = check_name_read("中国)有恨公司", 97.0f);
  const ocr::Finding* mismatch = finding(verdict, "name.mismatch");
  REQUIRE(mismatch);
  CHECK(mismatch->severity == ocr::Severity::review);
}

TEST_CASE("a company name read with one slip in ten characters is the form's own", "[verify]") {
  SubmissionVerdict verdict = check_name_read("恒通(中国)有恨公司", 97.0f);
  CHECK(finding(verdict, "name.mismatch") == nullptr);
  CHECK(finding(verdict, "name.unread") == nullptr);
}

namespace {

// An online 增办 submission, its materials not listed.
nlohmann::json additional_submission() {
  return {{"id", "S-2026-000901"},
          {"procedure", "additional"},
          {"channel", "online"},
          {"enterprise", {{"name", "宁波甬信国际物流有限公司"}, {"uscc", "91330201MA2H4P6R95"}}},
          {"reason", "新设报关部"}};
}

// 增办: the e-seal letter uploaded online (step 4, under 200 KB) and its paper copy handed in
// with the other six materials (step 6), each `kb` large, no pixels read.
SubmissionVerdict check_esign_letters(long upload_kb, long paper_kb) {
  const Procedure procedure = bundled_procedure("additional");
  const DocumentRules documents = bundled_documents();
  const nlohmann::json submission = additional_submission();
  auto letter = [](const char* file, const char* channel, long kb) {
    MaterialScan m;
    m.type = "esign_confirmation";
    m.file = file;
    m.channel = channel;
    m.uploaded = m.channel == "upload";  // as load_submission derives it
    m.exists = true;
    m.facts.kind = ocr::FileKind::jpeg;
    m.facts.bytes = static_cast<std::uintmax_t>(kb) * 1024;
    m.facts.width = 1240;
    m.facts.height = 1754;
    return m;
  };
  return check_submission(submission, procedure, documents,
                          {letter("esign_upload.jpg", "upload", upload_kb),
                           letter("esign_paper.jpg", "paper", paper_kb)},
                          nlohmann::json::object(), {}, Date(2026, 11, 24));
}

std::vector<std::string> too_large_files(const SubmissionVerdict& verdict) {
  std::vector<std::string> files;
  for (const ocr::Finding& f : verdict.findings)
    if (f.code == "material.too_large") files.push_back(f.evidence.value("file", ""));
  return files;
}

}  // namespace

TEST_CASE("the 200 KB limit is the upload's: the paper copy of the same letter is not held to it",
          "[verify]") {
  // A 900 KB scan of the paper copy made at the counter: no finding about its size.
  CHECK(too_large_files(check_esign_letters(150, 900)).empty());
  // The upload itself over 200 KB is still refused, and only it.
  CHECK(too_large_files(check_esign_letters(300, 900)) ==
        std::vector<std::string>{"esign_upload.jpg"});
}

TEST_CASE(
    "a letter given with no channel, checked by both rules of its type, has its seal counted once",
    "[verify]") {
  // 增办's e-seal letter with no channel is taken by the upload rule and the paper rule; its one
  // red seal, read too poorly to say whose, is one seal looked at, not two.
  const Procedure procedure = bundled_procedure("additional");
  MaterialScan letter = scanned("esign_confirmation", "esign.jpg");
  letter.scan->seals = {seal_read("恒达中国有限公司", ocr::SealNameCheck::Verdict::unsure, false)};
  const SubmissionVerdict verdict =
      check_submission(additional_submission(), procedure, bundled_documents(), {letter},
                       nlohmann::json::object(), {}, Date(2026, 11, 24));
  const ocr::Finding* unread = finding(verdict, "seal.name_unread");
  REQUIRE(unread);
  CHECK(unread->evidence["seals_looked_at"] == 1);
}

TEST_CASE("a material's channel decides which rule of its type takes it", "[verify]") {
  const Procedure procedure = bundled_procedure("additional");
  const MaterialRule* upload_rule = nullptr;
  const MaterialRule* paper_rule = nullptr;
  for (const MaterialRule& r : procedure.materials) {
    if (r.id == "esign_confirmation_scan") upload_rule = &r;
    if (r.id == "esign_confirmation") paper_rule = &r;
  }
  REQUIRE(upload_rule);
  REQUIRE(paper_rule);
  MaterialScan m;
  m.type = "esign_confirmation";
  m.channel = "paper";
  CHECK(takes(procedure, *paper_rule, m));
  CHECK_FALSE(takes(procedure, *upload_rule, m));
  m.channel = "upload";
  CHECK(takes(procedure, *upload_rule, m));
  CHECK_FALSE(takes(procedure, *paper_rule, m));
  m.channel = "";  // not said: any rule of its type
  CHECK(takes(procedure, *upload_rule, m));
  CHECK(takes(procedure, *paper_rule, m));
  m.uploaded = false;
  CHECK(file_limits(upload_rule, m).max_bytes == 0);
  m.uploaded = true;
  CHECK(file_limits(upload_rule, m).max_bytes == 200 * 1024);
}

namespace {

// A seal print of kPrintRows rows of 360 bins, its ink drawn from `seed` (prints of one seed are
// one stamp's; of two seeds, two stamps' whose ink lies otherwise).
ocr::SealPrint print_of(unsigned seed) {
  ocr::SealPrint print;
  print.bins = 360;
  unsigned state = seed;
  for (int i = 0; i < print.bins * ocr::SealPrint::kPrintRows; ++i) {
    state = state * 1103515245u + 12345u;
    print.ink += static_cast<char>('0' + (state >> 16) % 10);
  }
  return print;
}

// The form's seal read as the name (`same`) with print `form_print`; the power of attorney's, and
// the e-seal letter's when `esign_print` is given, read 恒达中国有限公司 but for its brand 恒通
// (brand_missing), with prints `letter_print` and `esign_print`.
SubmissionVerdict check_brand_missing(const ocr::SealPrint& form_print,
                                      const ocr::SealPrint& letter_print,
                                      const std::optional<ocr::SealPrint>& esign_print = {}) {
  using Verdict = ocr::SealNameCheck::Verdict;
  const Procedure procedure = bundled_procedure("first_issue_online");
  const DocumentRules documents = bundled_documents();
  nlohmann::json materials = {{{"type", "application_form"}, {"file", "application_form.jpg"}},
                              {{"type", "power_of_attorney"}, {"file", "power_of_attorney.jpg"}}};
  MaterialScan form = scanned("application_form", "application_form.jpg");
  ocr::SealMark own = seal_read("恒通中国有限公司", Verdict::same, false);
  own.print = form_print;
  form.scan->seals = {own};
  std::vector<MaterialScan> scans = {form};
  auto brand_lost = [&](const std::string& type, const ocr::SealPrint& print) {
    MaterialScan m = scanned(type, type + ".jpg");
    ocr::SealMark other = seal_read("恒达中国有限公司", Verdict::unsure, false);
    other.name_check->brand_missing = true;
    other.print = print;
    m.scan->seals = {other};
    scans.push_back(m);
  };
  brand_lost("power_of_attorney", letter_print);
  if (esign_print) {
    materials.push_back({{"type", "esign_confirmation"}, {"file", "esign_confirmation.jpg"}});
    brand_lost("esign_confirmation", *esign_print);
  }
  return check_submission(hengtong_submission(materials), procedure, documents, scans,
                          nlohmann::json::object(), {}, Date(2026, 11, 24));
}

}  // namespace

TEST_CASE("a seal read as the name but for its brand is the company's only as a press of its stamp",
          "[verify]") {
  // Another stamp: a person looks, told the brand was not found and the seals differ.
  SubmissionVerdict verdict = check_brand_missing(print_of(1), print_of(2));
  const ocr::Finding* found = finding(verdict, "seal.brand_unread");
  REQUIRE(found);
  CHECK(found->severity == ocr::Severity::review);
  CHECK(found->material == "power_of_attorney");
  CHECK(
      found->message ==
      "授权用户的授权委托书上企业公章的印文识别为“恒达中国有限公司”，其中未见申请企业的字号“恒通”，"
      "与进出口企业电子钥匙与电子认证证书申请表上的企业公章也不像同一枚印章，请人工核对是否为本企业"
      "公章：不是的，请企业加盖本企业公章后重新提交。");
  CHECK(found->evidence["brand"] == "恒通");
  REQUIRE(found->evidence["compared"].size() == 1);
  CHECK(found->evidence["compared"][0]["likeness"].get<double>() < 0.6);
  // Not also told as a seal unlike the stamp, nor as no seal read as the name.
  CHECK_FALSE(finding(verdict, "seal.unlike"));
  CHECK_FALSE(finding(verdict, "seal.name_unread"));
  // A press of the company's stamp: its own seal, the brand misread.
  verdict = check_brand_missing(print_of(1), print_of(1));
  CHECK_FALSE(finding(verdict, "seal.brand_unread"));
  CHECK_FALSE(finding(verdict, "seal.unlike"));
  // Two presses of another company's stamp, alike each other, both read but for the brand: each
  // is compared with the seal read as the name, not with the other.
  verdict = check_brand_missing(print_of(1), print_of(2), print_of(2));
  size_t brand_unread = 0;
  for (const ocr::Finding& f : verdict.findings) brand_unread += f.code == "seal.brand_unread";
  CHECK(brand_unread == 2);
  // Its own print not kept (too faint a band): alike nothing, a person looks.
  verdict = check_brand_missing(print_of(1), ocr::SealPrint{});
  CHECK(finding(verdict, "seal.brand_unread"));
  // No press of the stamp to compare it with: a person looks, told only of the brand.
  verdict = check_brand_missing(ocr::SealPrint{}, print_of(2));
  found = finding(verdict, "seal.brand_unread");
  REQUIRE(found);
  CHECK(found->message.find("其中未见申请企业的字号“恒通”，请人工核对") != std::string::npos);
}
