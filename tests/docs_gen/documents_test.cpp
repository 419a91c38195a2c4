// The documents as their receivers see them: the text a PDF reader extracts, the embedded
// subset font, and the barcodes a scanner reads after a fax machine has rasterised the page.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "docs_gen/documents.h"
#include "docs_gen/internal/font.h"
#include "docs_gen/internal/layouts.h"
#include "tests/docs_gen/fax_probe.h"
#include "tests/support.h"

using namespace keydesk::docs;
using keydesk::test::fax_barcodes;
using keydesk::test::pdf_fonts;
using keydesk::test::pdf_text;
using keydesk::test::TempDir;

namespace {

nlohmann::json example(const std::string& kind) {
  std::ifstream in(std::string(KEYDESK_EXAMPLES_DIR) + "/docs/" + kind + ".json");
  return nlohmann::json::parse(in);
}

const Generator& generator() {
  static Generator g = [] {
    auto opened = Generator::open();
    REQUIRE(opened);
    return std::move(opened).value();
  }();
  return g;
}

// The text with line breaks taken out: names wrap inside table cells.
std::string flat(std::string text) {
  std::erase(text, '\n');
  return text;
}

std::filesystem::path save(const TempDir& dir, const std::string& name, const Pdf& pdf) {
  auto path = dir.path() / name;
  std::ofstream(path, std::ios::binary) << pdf.bytes;
  return path;
}

// pdffonts: every font embedded and subset, none left to the reader's substitutes.
void check_fonts(const std::filesystem::path& pdf) {
  std::string fonts = pdf_fonts(pdf);
  INFO(fonts);
  CHECK_THAT(fonts, Catch::Contains("CID TrueType"));
  std::istringstream lines(fonts);
  std::string line;
  int rows = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("name", 0) == 0 || line.rfind("---", 0) == 0) continue;
    ++rows;
    CHECK_THAT(line, Catch::Contains("yes yes yes"));  // emb, sub, uni
  }
  CHECK(rows == 1);
}

}  // namespace

TEST_CASE("a fax cover sheet survives the fax: text, embedded subset font, QR at 204x196 dpi") {
  TempDir dir;
  CoverSheet sheet = coversheet_from_json(example("coversheet"));
  auto pdf = generator().coversheet(sheet);
  REQUIRE(pdf);
  CHECK(pdf->pages == 1);
  CHECK(pdf->bytes.size() < 60 * 1024);
  auto path = save(dir, "cover.pdf", *pdf);
  std::string text = flat(pdf_text(path));
  for (const auto& c : sheet.cases) {
    CHECK_THAT(text, Catch::Contains(c.case_id));
    CHECK_THAT(text, Catch::Contains(c.enterprise));
    CHECK_THAT(text, Catch::Contains(c.uscc));
  }
  CHECK_THAT(text, Catch::Contains("共22页（含封面）"));
  CHECK_THAT(text, Catch::Contains("0571-87050002"));  // the sender's fax number: ASCII kept
  CHECK_THAT(text, Catch::Contains("保密提示"));
  check_fonts(path);
  std::string codes = fax_barcodes(path);
  CHECK_THAT(codes, Catch::Contains("Format:     QRCode"));
  CHECK_THAT(codes, Catch::Contains("Text:       \"" + coversheet_qr_text(sheet) + "\""));
  CHECK(coversheet_qr_text(sheet) ==
        "batch=B-2026-1124-01;cases=S-2026-000201,S-2026-000202,S-2026-000204,S-2026-000205");
}

TEST_CASE("a courier manifest's Code128 reads back as the manifest number after a fax raster") {
  TempDir dir;
  CourierManifest m = manifest_from_json(example("manifest"));
  auto pdf = generator().manifest(m);
  REQUIRE(pdf);
  auto path = save(dir, "manifest.pdf", *pdf);
  std::string text = flat(pdf_text(path));
  for (const auto& item : m.items) {
    CHECK_THAT(text, Catch::Contains(item.waybill));
    CHECK_THAT(text, Catch::Contains(item.case_id));
    CHECK_THAT(text, Catch::Contains(item.enterprise));
  }
  CHECK_THAT(text, Catch::Contains("电子钥匙3个"));
  CHECK_THAT(text, Catch::Contains("交件人签字"));
  CHECK_THAT(text, Catch::Contains("收件人签字"));
  check_fonts(path);
  std::string codes = fax_barcodes(path);
  CHECK_THAT(codes, Catch::Contains("Format:     Code128"));
  CHECK_THAT(codes, Catch::Contains("Text:       \"M-2026-1203-01\""));
}

TEST_CASE("a receipt gives the case, the materials and the next step's working-day deadline") {
  TempDir dir;
  auto pdf = generator().receipt(receipt_from_json(example("receipt")));
  REQUIRE(pdf);
  auto path = save(dir, "receipt.pdf", *pdf);
  std::string text = pdf_text(path);
  CHECK_THAT(text, Catch::Contains("S-2026-000206"));
  CHECK_THAT(text, Catch::Contains("青岛永盛实业有限公司"));
  CHECK_THAT(text, Catch::Contains("营业执照副本复印件"));
  CHECK_THAT(text, Catch::Contains("2026-11-26"));
  CHECK_THAT(text, Catch::Contains("2个工作日"));
  CHECK_THAT(text, Catch::Contains("010－58103599"));
  check_fonts(path);
}

TEST_CASE("a return notice lists every failing finding's remark and what to resubmit") {
  TempDir dir;
  ReturnNotice n = notice_from_json(example("notice"));
  auto pdf = generator().notice(n);
  REQUIRE(pdf);
  auto path = save(dir, "notice.pdf", *pdf);
  std::string text = flat(pdf_text(path));
  CHECK_THAT(text, Catch::Contains("核验未通过"));
  for (const auto& f : n.findings) CHECK_THAT(text, Catch::Contains(f.remark));
  for (const auto& r : n.resubmit) CHECK_THAT(text, Catch::Contains(r));
  check_fonts(path);
}

TEST_CASE("a return notice prints a 4,800-character remark whole, over as many pages as it needs") {
  TempDir dir;
  ReturnNotice n = notice_from_json(example("notice"));
  std::string remark;
  for (int i = 0; remark.size() < 4800 * 3; ++i)
    remark += "第" + std::to_string(i) + "处：营业执照副本复印件未加盖企业公章，请加盖后重新提交。";
  n.findings = {{"", "", remark}};
  auto pdf = generator().notice(n);
  REQUIRE(pdf);
  auto path = save(dir, "notice-long.pdf", *pdf);
  std::string text = flat(pdf_text(path));
  // Every clause is there, the last included: nothing cut at the page's foot.
  CHECK_THAT(text, Catch::Contains(flat(remark).substr(0, 60)));
  const std::string tail = remark.substr(remark.rfind("第"));
  CHECK_THAT(text, Catch::Contains(flat(tail)));
  CHECK(text.find("退回原因") < text.find("第0处"));  // the table starts on the first page
  auto clauses = [](const std::string& in) {
    std::size_t found = 0;
    for (auto at = in.find("处：营业执照"); at != std::string::npos;
         at = in.find("处：营业执照", at + 1))
      ++found;
    return found;
  };
  CHECK(clauses(text) == clauses(remark));
  CHECK(pdf->pages >= 3);
}

TEST_CASE("a character the font lacks is an error naming it, its code point and its field") {
  CoverSheet sheet = coversheet_from_json(example("coversheet"));
  sheet.cases[2].enterprise = "𠮷野（苏州）国际贸易有限公司";
  auto pdf = generator().coversheet(sheet);
  REQUIRE_FALSE(pdf);
  CHECK_THAT(pdf.error().message, Catch::Contains("'𠮷' (U+20BB7)"));
  CHECK_THAT(pdf.error().message, Catch::Contains("cases[2].enterprise"));
  CHECK_THAT(pdf.error().message, Catch::Contains("wqy-zenhei"));

  Receipt r = receipt_from_json(example("receipt"));
  r.header.enterprise = "青岛永盛\xE4\xB8实业";  // a truncated UTF-8 sequence
  auto bad = generator().receipt(r);
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message, Catch::Contains("enterprise is not valid UTF-8"));
}

TEST_CASE("a long batch runs onto more cover pages, header repeated, and counts them all") {
  TempDir dir;
  CoverSheet sheet = coversheet_from_json(example("coversheet"));
  auto one = sheet.cases.front();
  sheet.cases.clear();
  for (int i = 0; i < 16; ++i) {
    one.case_id = "S-2026-0010" + std::to_string(10 + i);
    sheet.cases.push_back(one);
  }
  auto pdf = generator().coversheet(sheet);
  REQUIRE(pdf);
  REQUIRE(pdf->pages >= 2);
  auto path = save(dir, "long.pdf", *pdf);
  std::string text = flat(pdf_text(path));
  // every cover page, then 16 cases of 5 pages
  CHECK_THAT(text, Catch::Contains("共" + std::to_string(pdf->pages + 80) + "页（含封面）"));
  CHECK_THAT(text, Catch::Contains("S-2026-001025"));
  std::size_t headers = 0;
  for (auto at = text.find("办理事项"); at != std::string::npos; at = text.find("办理事项", at + 1))
    ++headers;
  CHECK(headers == static_cast<std::size_t>(pdf->pages));
  CHECK(fax_barcodes(path, 1).find("S-2026-001025") != std::string::npos);
}

TEST_CASE("every page keeps the top 10 mm free, text of 12 pt, rules of 1 pt, QR modules of 1 mm") {
  auto face = internal::FontFace::open(default_font_path(), 0);
  REQUIRE(face);
  auto drawing = internal::layout_coversheet(coversheet_from_json(example("coversheet")), **face);
  REQUIRE(drawing);
  for (const auto& page : drawing->pages) {
    for (const auto& t : page.texts) {
      CHECK(t.baseline - t.size >= 10 * internal::kMm);
      CHECK(t.size >= 12);
    }
    for (const auto& l : page.lines) {
      CHECK(std::min(l.y1, l.y2) >= 10 * internal::kMm);
      CHECK(l.width >= 1);
    }
    for (const auto& b : page.boxes) {
      CHECK(b.y >= 10 * internal::kMm);
      CHECK(b.height >= 1 * internal::kMm - 1e-9);  // QR modules of 1 mm at least
    }
  }
}

TEST_CASE("a missing or unsuitable font is an error naming the path") {
  auto g = Generator::open("/nonexistent/wqy-zenhei.ttc");
  REQUIRE_FALSE(g);
  CHECK_THAT(g.error().message, Catch::Contains("/nonexistent/wqy-zenhei.ttc"));
  g = Generator::open(default_font_path(), 7);
  REQUIRE_FALSE(g);
  CHECK_THAT(g.error().message, Catch::Contains("no face 7"));
}
