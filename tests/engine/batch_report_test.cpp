// The batch report writer: the three files on disk, read back; CSV quoting and formula
// neutralisation; HTML escaping and evidence boxes; I/O failures reported with the path.
#include "engine/batch_report.h"

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/support.h"

using namespace keydesk;
using nlohmann::json;

namespace {

json finding(const std::string& code, const std::string& material, const std::string& severity,
             const std::string& message, json evidence = json::object()) {
  return {{"code", code},
          {"material", material},
          {"severity", severity},
          {"message", message},
          {"evidence", std::move(evidence)}};
}

json material(const std::string& name, const std::string& file, json preview, json page) {
  return {{"material", name},      {"file", file},       {"sha256", std::string(64, 'a')},
          {"detected_type", name}, {"preview", preview}, {"page", page}};
}

// Three submissions listed pass, review, fail (the page puts them fail, review, pass).
json sample_report() {
  json pass = {{"id", "S-2026-000203"},
               {"dir", "/abs/examples/submissions/S-2026-000203"},
               {"procedure", "reissue"},
               {"procedure_title", "补办（丢失、损坏）"},
               {"enterprise", {{"name", "上海样例贸易有限公司"}, {"uscc", "91310000MA1FL00001"}}},
               {"verdict", "pass"},
               {"materials", json::array()},
               {"findings", json::array()}};
  json review = {
      {"id", "S-2026-000202"},
      {"procedure", "reissue"},
      {"procedure_title", "补办（丢失、损坏）"},
      {"enterprise", {{"name", "<script>alert(1)</script> & \"Co\""}, {"uscc", "=HYPERLINK(1)"}}},
      {"verdict", "review"},
      {"materials",
       {material("id_card", "id card #1.jpg", "scans/a b#1.jpg",
                 {{"width", 800}, {"height", 500}})}},
      {"findings",
       {finding("ocr.unreadable", "id_card", "review", "身份证复印件字迹模糊，请人工核对。",
                {{"file", "id card #1.jpg"}, {"boxes", {{10, 20, 30, 40}, {50, 60, 70, 80}}}}),
        finding("form.note", "submission", "info", "-提示, 含逗号")}}};
  json fail = {
      {"id", "S-2026-000201"},
      {"dir", "/abs/examples/submissions/S-2026-000201"},
      {"procedure", "reissue"},
      {"procedure_title", "补办（丢失、损坏）"},
      {"enterprise", {{"name", "北京示例进出口有限公司"}, {"uscc", "91110105MA01ABCD5F"}}},
      {"verdict", "fail"},
      {"materials",
       {material("business_licence", "business_licence.jpg", "scans/3f2a1c9e.jpg",
                 {{"width", 1240}, {"height", 1754}}),
        material("application_form", "application_form.pdf", nullptr, nullptr)}},
      {"findings",
       {finding("seal.missing", "business_licence", "fail",
                "营业执照副本复印件未见企业公章（红色圆形印章），请加盖企业公章后重新提交。",
                {{"file", "business_licence.jpg"}, {"box", {812, 1320, 236, 240}}}),
        finding("form.reason", "application_form", "fail",
                "申请原因含逗号, \"引号\"\n和换行，请重新填写。"),
        finding("seal.faint", "business_licence", "review", "=1+1 公章颜色较浅，请人工复核。",
                {{"box", {5, 6, 7, 8}}})}}};
  return {{"batch", "B-20261124-083512-3f2a1c"},
          {"created_at", "2026-11-24T08:35:12+08:00"},
          {"inputs", {"examples/submissions"}},
          {"summary",
           {{"submissions", 3},
            {"pass", 1},
            {"fail", 1},
            {"review", 1},
            {"scans", 15},
            {"seconds", 4.2}}},
          {"submissions", {pass, review, fail}}};
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// RFC 4180 reader for CRLF-terminated records (what the writer promises).
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(cell);
      cell.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      row.push_back(cell);
      rows.push_back(row);
      row.clear();
      cell.clear();
      ++i;
    } else {
      cell += c;
    }
  }
  REQUIRE(row.empty());
  REQUIRE(cell.empty());
  return rows;
}

std::set<std::string> names_in(const std::filesystem::path& dir) {
  std::set<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    names.insert(e.path().filename().string());
  return names;
}

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

const std::set<std::string> kReportFiles = {"report.csv", "report.html", "report.json"};

}  // namespace

TEST_CASE("the CSV starts with a BOM, ends lines with CRLF and has one header line") {
  std::string csv = render_report_csv(sample_report());
  REQUIRE(csv.rfind("\xEF\xBB\xBF", 0) == 0);
  CHECK(csv.substr(3, csv.find("\r\n") - 3) ==
        "batch,submission,verdict,procedure,enterprise,uscc,material,file,code,severity,message");
  // Every LF outside a quoted message belongs to a CRLF: the only bare LF is inside a cell.
  CHECK(count(csv, "\n") - count(csv, "\r\n") == 1);
}

TEST_CASE("the CSV has one row per finding and one empty-finding row for a clean submission") {
  auto rows = parse_csv(render_report_csv(sample_report()).substr(3));
  REQUIRE(rows.size() == 1 + 1 + 2 + 3);
  for (const auto& row : rows) REQUIRE(row.size() == 11);
  CHECK(rows[1] == std::vector<std::string>{"B-20261124-083512-3f2a1c", "S-2026-000203", "pass",
                                            "补办（丢失、损坏）", "上海样例贸易有限公司",
                                            "91310000MA1FL00001", "", "", "", "", ""});
  CHECK(rows[4][1] == "S-2026-000201");
  CHECK(rows[4][6] == "business_licence");
  CHECK(rows[4][7] == "business_licence.jpg");
  CHECK(rows[4][8] == "seal.missing");
  CHECK(rows[4][9] == "fail");
  // A finding without evidence.file takes the file of the material it names.
  CHECK(rows[5][7] == "application_form.pdf");
  CHECK(rows[6][7] == "business_licence.jpg");
}

TEST_CASE("the CSV quotes a message with a comma, a quote and a newline") {
  std::string csv = render_report_csv(sample_report());
  CHECK(csv.find(",\"申请原因含逗号, \"\"引号\"\"\n和换行，请重新填写。\"\r\n") !=
        std::string::npos);
  auto rows = parse_csv(csv.substr(3));
  CHECK(rows[5][10] == "申请原因含逗号, \"引号\"\n和换行，请重新填写。");
}

TEST_CASE("the CSV neutralises cells a spreadsheet would run as formulas") {
  auto rows = parse_csv(render_report_csv(sample_report()).substr(3));
  CHECK(rows[2][5] == "'=HYPERLINK(1)");
  CHECK(rows[3][10] == "'-提示, 含逗号");
  CHECK(rows[6][10] == "'=1+1 公章颜色较浅，请人工复核。");
  json r = {{"submissions",
             {{{"id", "@SUM(A1)"}, {"verdict", "+1"}, {"enterprise", {{"name", "\tx"}}}}}}};
  auto odd = parse_csv(render_report_csv(r).substr(3));
  CHECK(odd[1][1] == "'@SUM(A1)");
  CHECK(odd[1][2] == "'+1");
  CHECK(odd[1][4] == "'\tx");
}

TEST_CASE("a submission that could not be read shows its error in the CSV and the page") {
  json r = {{"batch", "B-1"},
            {"submissions",
             {{{"id", "S-9"}, {"verdict", "review"}, {"error", "submission.json: 语法错误"}}}}};
  auto rows = parse_csv(render_report_csv(r).substr(3));
  REQUIRE(rows.size() == 2);
  CHECK(rows[1][1] == "S-9");
  CHECK(rows[1][10] == "submission.json: 语法错误");
  CHECK(render_report_html(r).find("submission.json: 语法错误") != std::string::npos);
}

TEST_CASE("the page lists every submission, failing first, then review, then pass") {
  std::string html = render_report_html(sample_report());
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<html lang=\"zh-CN\">") != std::string::npos);
  CHECK(html.find("B-20261124-083512-3f2a1c") != std::string::npos);
  auto fail = html.find("S-2026-000201"), review = html.find("S-2026-000202"),
       pass = html.find("S-2026-000203");
  REQUIRE(fail != std::string::npos);
  REQUIRE(review != std::string::npos);
  REQUIRE(pass != std::string::npos);
  CHECK(fail < review);
  CHECK(review < pass);
  CHECK(count(html, "data-verdict=\"fail\"") == 1);
  CHECK(count(html, "data-verdict=\"review\"") == 1);
  CHECK(count(html, "data-verdict=\"pass\"") == 1);
  // Self-contained: nothing fetched from the network.
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
}

TEST_CASE("the page escapes markup in names") {
  std::string html = render_report_html(sample_report());
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;") !=
        std::string::npos);
  CHECK(html.find("<script>alert(1)") == std::string::npos);
  CHECK(count(html, "<script>") == 1);  // the page's own
}

TEST_CASE("the page draws an SVG box for each boxed finding over the scan, in page coordinates") {
  std::string html = render_report_html(sample_report());
  CHECK(html.find("<img src=\"scans/3f2a1c9e.jpg\"") != std::string::npos);
  CHECK(html.find("viewBox=\"0 0 1240 1754\"") != std::string::npos);
  CHECK(html.find("<g class=\"box fail\"><rect x=\"812\" y=\"1320\" width=\"236\" "
                  "height=\"240\">") != std::string::npos);
  CHECK(html.find("<g class=\"box review\"><rect x=\"5\" y=\"6\" width=\"7\" height=\"8\">") !=
        std::string::npos);
  CHECK(html.find(">seal.missing</text>") != std::string::npos);
  // "boxes" gives one rect each; the preview path is percent-encoded.
  CHECK(html.find("viewBox=\"0 0 800 500\"") != std::string::npos);
  CHECK(html.find("<rect x=\"10\" y=\"20\" width=\"30\" height=\"40\">") != std::string::npos);
  CHECK(html.find("<rect x=\"50\" y=\"60\" width=\"70\" height=\"80\">") != std::string::npos);
  CHECK(html.find("<img src=\"scans/a%20b%231.jpg\"") != std::string::npos);
  CHECK(count(html, "<rect ") == 4);
  // The application form has a finding but no preview and no box: no image for it.
  CHECK(count(html, "<img ") == 2);
}

TEST_CASE("the page numbers the fail and review remarks for the return note") {
  std::string html = render_report_html(sample_report());
  CHECK(html.find(">1. 营业执照副本复印件未见企业公章（红色圆形印章），请加盖企业公章后重新提交。\n"
                  "2. 申请原因含逗号, &quot;引号&quot;\n和换行，请重新填写。\n"
                  "3. =1+1 公章颜色较浅，请人工复核。</textarea>") != std::string::npos);
  // Info findings are listed but are not part of the remark.
  CHECK(html.find(">1. 身份证复印件字迹模糊，请人工核对。</textarea>") != std::string::npos);
  CHECK(count(html, "<textarea") == 2);
}

TEST_CASE("writing a report creates the directory and the three files, read back") {
  test::TempDir tmp;
  auto dir = tmp.path() / "out" / "B-1";
  json report = sample_report();
  auto r = write_batch_report(report, dir);
  INFO((r ? "" : r.error().message));
  REQUIRE(r.ok());
  CHECK(names_in(dir) == kReportFiles);
  CHECK(json::parse(slurp(dir / "report.json")) == report);
  CHECK(slurp(dir / "report.csv") == render_report_csv(report));
  CHECK(slurp(dir / "report.html") == render_report_html(report));
}

TEST_CASE("writing a report again replaces the old one and leaves no temporary files") {
  test::TempDir tmp;
  json first = sample_report();
  REQUIRE(write_batch_report(first, tmp.path()).ok());
  json second = first;
  second["batch"] = "B-2";
  second["submissions"].erase(0);
  REQUIRE(write_batch_report(second, tmp.path()).ok());
  CHECK(names_in(tmp.path()) == kReportFiles);
  CHECK(json::parse(slurp(tmp.path() / "report.json")) == second);
  CHECK(slurp(tmp.path() / "report.csv").find("S-2026-000203") == std::string::npos);
}

TEST_CASE("writing under a regular file fails with an error naming the path") {
  test::TempDir tmp;
  auto file = tmp.write("not-a-dir", "x");
  auto dir = file / "reports";
  auto r = write_batch_report(sample_report(), dir);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains(dir.string()));
  CHECK(names_in(tmp.path()) == std::set<std::string>{"not-a-dir"});
}

TEST_CASE(
    "a report file that cannot be replaced fails with its path and leaves no temporary files") {
  test::TempDir tmp;
  std::filesystem::create_directories(tmp.path() / "report.html" / "occupied");
  auto r = write_batch_report(sample_report(), tmp.path());
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains((tmp.path() / "report.html").string()));
  for (const auto& name : names_in(tmp.path())) CHECK(name.find(".tmp") == std::string::npos);
}
